//! HS256 JSON Web Tokens, as the v8 auth service issues them.
//!
//! Only what the sandbox needs: sign a token with the claims the real
//! service puts in its compact tokens (`tenant`, `aud`, `exp`, `iat`,
//! `userName`, `contactSid`, `email`, `name`), and check one that comes back,
//! or an assertion of the JWT-bearer grant, which has claims of its own.
//! It is not a general JWT library: no other algorithm, no key rotation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The claims of a sandbox token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub(crate) tenant: String,
    pub(crate) aud: String,
    pub(crate) exp: i64,
    pub(crate) iat: i64,
    #[serde(rename = "userName")]
    pub(crate) user_name: String,
    /// The user's SID in upper case, as real tokens carry it.
    #[serde(rename = "contactSid")]
    pub(crate) contact_sid: String,
    pub(crate) email: String,
    pub(crate) name: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
}

/// Why a token was not accepted; the message is what the 401 body says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    Malformed,
    BadSignature,
}

impl Rejection {
    pub(crate) fn message(self) -> &'static str {
        match self {
            Rejection::Malformed => "malformed token",
            Rejection::BadSignature => "token signature does not verify",
        }
    }
}

/// Signs `claims` with `secret`. `None` means the claims could not be
/// encoded or the key was refused, neither of which happens with the types
/// here; callers answer 500 rather than panic.
pub(crate) fn sign(secret: &[u8], claims: &Claims) -> Option<String> {
    let header = Header {
        alg: "HS256".to_owned(),
        typ: "JWT".to_owned(),
    };
    let header = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).ok()?);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).ok()?);
    let signing_input = format!("{header}.{payload}");
    let signature = mac(secret, &signing_input)?.finalize().into_bytes();
    let signature = URL_SAFE_NO_PAD.encode(signature);
    Some(format!("{signing_input}.{signature}"))
}

/// Checks the signature of `token` and returns its claims, read as `C`.
/// Expiry, tenant and audience are the caller's to check, since they depend
/// on the site.
pub(crate) fn verify<C: DeserializeOwned>(secret: &[u8], token: &str) -> Result<C, Rejection> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Rejection::Malformed);
    };

    let header: Header = decode_part(header)?;
    if header.alg != "HS256" {
        return Err(Rejection::Malformed);
    }

    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| Rejection::Malformed)?;
    let signing_input = &token[..header_and_payload_len(token)];
    mac(secret, signing_input)
        .ok_or(Rejection::BadSignature)?
        .verify_slice(&signature)
        .map_err(|_| Rejection::BadSignature)?;

    decode_part(payload)
}

fn mac(secret: &[u8], signing_input: &str) -> Option<HmacSha256> {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret).ok()?;
    mac.update(signing_input.as_bytes());
    Some(mac)
}

fn decode_part<T: DeserializeOwned>(part: &str) -> Result<T, Rejection> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| Rejection::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| Rejection::Malformed)
}

/// The length of `header.payload`, the part the signature covers.
fn header_and_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(token.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            tenant: "demo".to_owned(),
            aud: "demo".to_owned(),
            exp: 2_000_000_000,
            iat: 1_999_996_400,
            user_name: "jdoe".to_owned(),
            contact_sid: "0D1E2F30-4A5B-4C6D-8E7F-901234567890".to_owned(),
            email: "jdoe@example.com".to_owned(),
            name: "John Doe".to_owned(),
        }
    }

    #[test]
    fn a_signed_token_verifies_and_keeps_its_claims() {
        let token = sign(b"secret", &claims()).expect("signs");
        assert_eq!(token.split('.').count(), 3);
        assert_eq!(verify::<Claims>(b"secret", &token), Ok(claims()));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_rejected() {
        let token = sign(b"secret", &claims()).expect("signs");
        assert_eq!(
            verify::<Claims>(b"other", &token),
            Err(Rejection::BadSignature)
        );
    }

    #[test]
    fn a_tampered_payload_is_rejected() {
        let token = sign(b"secret", &claims()).expect("signs");
        let mut forged = claims();
        forged.tenant = "other".to_owned();
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).expect("json"));
        let parts: Vec<&str> = token.split('.').collect();
        let forged_token = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(
            verify::<Claims>(b"secret", &forged_token),
            Err(Rejection::BadSignature)
        );
    }

    #[test]
    fn text_that_is_not_a_jwt_is_malformed() {
        assert_eq!(
            verify::<Claims>(b"secret", "a.b"),
            Err(Rejection::Malformed)
        );
        assert_eq!(
            verify::<Claims>(b"secret", "a.b.c.d"),
            Err(Rejection::Malformed)
        );
        assert_eq!(
            verify::<Claims>(b"secret", "!!.??.**"),
            Err(Rejection::Malformed)
        );
    }
}
