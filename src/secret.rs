//! The secret values a client holds: API keys and access tokens.
//!
//! Both wrap [`secrecy::SecretString`], print as a placeholder in `Debug`, and
//! have no `Display`, so neither can reach a log or an error message by
//! accident. Reading one is an explicit `expose_secret()` call in this crate.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// An API key of the tenant: a system key, a user-based key, or the
/// application key used to impersonate a user.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// Wraps the key's private value.
    pub fn new(key: impl Into<String>) -> Self {
        Self(SecretString::from(key.into()))
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl From<String> for ApiKey {
    fn from(key: String) -> Self {
        Self::new(key)
    }
}

impl From<&str> for ApiKey {
    fn from(key: &str) -> Self {
        Self::new(key)
    }
}

/// A bearer token: a JWT from the auth service, an opaque legacy token, or one
/// the caller already holds.
#[derive(Clone)]
pub struct AccessToken(SecretString);

impl AccessToken {
    /// Wraps a token value.
    pub fn new(token: impl Into<String>) -> Self {
        Self(SecretString::from(token.into()))
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_debug_hides_the_key() {
        let key = ApiKey::new("private-key-value");
        let printed = format!("{key:?} {key:#?}");
        assert!(!printed.contains("private-key-value"), "{printed}");
        assert!(printed.contains("redacted"));
    }

    #[test]
    fn access_token_debug_hides_the_token() {
        let token = AccessToken::new("37034275cf2547d9ac755bab65e9d29a");
        let printed = format!("{token:?} {token:#?}");
        assert!(!printed.contains("37034275"), "{printed}");
        assert!(printed.contains("redacted"));
    }
}
