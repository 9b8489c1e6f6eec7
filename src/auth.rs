//! Turns credentials into bearer tokens, keeps them fresh, and puts them on
//! every request.
//!
//! Three parts, each with one job:
//!
//! - [`Credentials`] says what the caller holds.
//! - `TokenSource` performs the exchange over plain reqwest. It never goes
//!   through a generated client, so the hooks that call it cannot recurse.
//! - `TokenCache` serves the current token, and lets exactly one caller fetch a
//!   new one when it is about to expire while the others wait for it.
//!
//! [`Auth`] ties them to a site and is the state every generated section client
//! carries. This module does not retry failed calls other than the single
//! resend after a 401; see the crate docs for the transport policy.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt as _;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Request, Response, ResponseBuilderExt as _, StatusCode};
use serde::Deserialize;
use tracing::Instrument as _;
use url::Url;

use crate::clock::Clock;
use crate::error::excerpt;
use crate::secret::{AccessToken, ApiKey};
use crate::transport::{RetryPolicy, is_retryable_status, random, retry_after};

/// Where a system API key is exchanged for a JWT (`auth` section, assumed).
pub(crate) const SYSTEM_KEY_PATH: &str = "/api/auth/token/api-key";
/// Where a user-based API key is exchanged for a JWT (`auth` section, assumed).
pub(crate) const USER_KEY_PATH: &str = "/api/auth/token/user-api-key";
/// Where an application key gets a token that acts as a user (`workflow`).
pub(crate) const IMPERSONATE_PATH: &str = "/access/impersonate";
/// Where a signed assertion is exchanged for a token (the JWT-bearer grant).
#[cfg(feature = "jwt-bearer")]
pub(crate) const OAUTH_TOKEN_PATH: &str = "/oauth2/token";

/// How long a JWT-bearer assertion is valid; the grant's client library uses
/// an hour by default, and the assertion is used once, right away.
#[cfg(feature = "jwt-bearer")]
const ASSERTION_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// How long before expiry a token is replaced.
///
/// A minute covers the clock difference between this machine and the server
/// that is common on hosts kept in sync by NTP, plus the time a slow request
/// spends in flight, so a token is never sent in its last seconds. Tokens that
/// live less than two minutes are replaced at half their life instead.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// On top of the margin, each token is replaced up to half a margin earlier,
/// at random, so that many processes sharing one key, which got their tokens
/// together, do not all exchange it again in the same second.
const REFRESH_JITTER_SHARE: u32 = 2;

/// After a renewal failed for a transient reason, the still-valid token is
/// used this long before the next renewal is tried, so a token endpoint that
/// is down is not asked again by every call.
const RENEWAL_RETRY: Duration = Duration::from_secs(10);

/// How long an impersonation token is asked to live unless the caller says.
pub const DEFAULT_IMPERSONATION_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// The longest lifetime an impersonation token is asked for; a longer one is
/// shortened to this. A year is far beyond any session and keeps the expiry a
/// plain epoch number.
pub const MAX_IMPERSONATION_LIFETIME: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// What the caller authenticates with.
///
/// Every kind but [`Credentials::bearer`] is exchanged for a token, which is
/// cached and renewed before it expires.
#[derive(Clone, Debug)]
pub struct Credentials(Kind);

#[derive(Clone, Debug)]
enum Kind {
    SystemKey(ApiKey),
    UserKey(ApiKey),
    Impersonation {
        key: ApiKey,
        user: String,
        lifetime: Duration,
    },
    Bearer(AccessToken),
    #[cfg(feature = "jwt-bearer")]
    JwtBearer {
        key: ApiKey,
        secret: ApiKey,
        user: String,
    },
}

impl Credentials {
    /// A system API key (System Settings, API Keys), exchanged together with
    /// the tenant ID for a JWT.
    pub fn system_key(key: impl Into<ApiKey>) -> Self {
        Self(Kind::SystemKey(key.into()))
    }

    /// A user-based API key (8.11 and later): the JWT it is exchanged for acts
    /// as the key's user.
    pub fn user_key(key: impl Into<ApiKey>) -> Self {
        Self(Kind::UserKey(key.into()))
    }

    /// An application key with impersonation enabled, acting as `user`.
    ///
    /// Tokens are asked to live [`DEFAULT_IMPERSONATION_LIFETIME`].
    pub fn impersonate(key: impl Into<ApiKey>, user: impl Into<String>) -> Self {
        Self::impersonate_for(key, user, DEFAULT_IMPERSONATION_LIFETIME)
    }

    /// Like [`Credentials::impersonate`], asking for tokens that live
    /// `lifetime` (at most [`MAX_IMPERSONATION_LIFETIME`]).
    pub fn impersonate_for(
        key: impl Into<ApiKey>,
        user: impl Into<String>,
        lifetime: Duration,
    ) -> Self {
        Self(Kind::Impersonation {
            key: key.into(),
            user: user.into(),
            lifetime: lifetime.min(MAX_IMPERSONATION_LIFETIME),
        })
    }

    /// A token the caller already holds. It is sent as it is and never
    /// renewed.
    pub fn bearer(token: impl Into<String>) -> Self {
        Self(Kind::Bearer(AccessToken::new(token)))
    }

    /// An application key and its secret, acting as `user` through the
    /// JWT-bearer grant: an assertion signed with the secret (HS256) is
    /// exchanged at `/oauth2/token` for an access token. The secret itself
    /// never leaves this process.
    #[cfg(feature = "jwt-bearer")]
    pub fn jwt_bearer(
        key: impl Into<ApiKey>,
        secret: impl Into<ApiKey>,
        user: impl Into<String>,
    ) -> Self {
        Self(Kind::JwtBearer {
            key: key.into(),
            secret: secret.into(),
            user: user.into(),
        })
    }

    /// What kind of credential this is, in words, for messages.
    pub fn kind(&self) -> &'static str {
        match self.0 {
            Kind::SystemKey(_) => "system API key",
            Kind::UserKey(_) => "user-based API key",
            Kind::Impersonation { .. } => "impersonation key",
            Kind::Bearer(_) => "bearer token",
            #[cfg(feature = "jwt-bearer")]
            Kind::JwtBearer { .. } => "JWT-bearer application key",
        }
    }

    /// Whether the secret is a bare GUID, the form of an `IntegrifyEnv`
    /// token, which the server hands its own functions and does not accept
    /// as an API credential.
    pub(crate) fn looks_like_env_token(&self) -> bool {
        let secret = match &self.0 {
            Kind::SystemKey(key) | Kind::UserKey(key) => key.expose(),
            Kind::Impersonation { key, .. } => key.expose(),
            Kind::Bearer(token) => token.expose(),
            #[cfg(feature = "jwt-bearer")]
            Kind::JwtBearer { key, .. } => key.expose(),
        };
        is_guid(secret.trim())
    }

    /// Checks what can be checked before any exchange: no empty key, user
    /// or secret, and a bearer token that can go in a header.
    pub(crate) fn check(&self) -> Result<(), String> {
        let kind = self.kind();
        let blank = |value: &str| value.trim().is_empty();
        match &self.0 {
            Kind::SystemKey(key) | Kind::UserKey(key) if blank(key.expose()) => {
                Err(format!("the {kind} is empty"))
            }
            Kind::Impersonation { key, user, .. } if blank(key.expose()) || blank(user) => {
                Err(format!("the {kind} or the user to impersonate is empty"))
            }
            #[cfg(feature = "jwt-bearer")]
            Kind::JwtBearer { key, secret, user }
                if blank(key.expose()) || blank(secret.expose()) || blank(user) =>
            {
                Err(format!("the {kind}, its secret or the user is empty"))
            }
            Kind::Bearer(token) if blank(token.expose()) => Err(format!("the {kind} is empty")),
            Kind::Bearer(token)
                if HeaderValue::from_str(&format!("Bearer {}", token.expose())).is_err() =>
            {
                Err(format!(
                    "the {kind} holds characters that cannot go in a header"
                ))
            }
            _ => Ok(()),
        }
    }

    /// Whether the exchange needs the tenant ID.
    pub(crate) fn needs_tenant(&self) -> bool {
        matches!(self.0, Kind::SystemKey(_) | Kind::UserKey(_))
    }

    /// Whether a refused token can be replaced by exchanging again.
    fn renewable(&self) -> bool {
        !matches!(self.0, Kind::Bearer(_))
    }
}

/// Why no usable token could be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The server refused the credential itself.
    #[error("the server refused the {credential} (HTTP {status})")]
    Rejected {
        /// The kind of credential, in words.
        credential: &'static str,
        /// The status of the exchange.
        status: StatusCode,
    },
    /// The exchange failed for another reason the server gave.
    #[error("the token exchange answered HTTP {status}")]
    Exchange {
        /// The status of the exchange.
        status: StatusCode,
        /// The start of the answer's body.
        body: String,
    },
    /// The exchange did not complete.
    #[error("the token exchange did not complete")]
    Unreachable(#[source] reqwest::Error),
    /// The exchange answered something that is not a token.
    #[error("the token exchange answered something that is not a token")]
    Malformed(#[source] serde_json::Error),
    /// The token holds characters that cannot go in a header.
    #[error("the token holds characters that cannot be sent in a header")]
    Unusable,
    /// The server refused a token a generated call carried (the message of a
    /// hook failure; the typed cause is not carried through generated calls).
    #[error("{0}")]
    Hook(String),
}

impl AuthError {
    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable(_) => true,
            Self::Exchange { status, .. } => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
            _ => false,
        }
    }
}

/// A token and when to stop using it.
struct Token {
    value: AccessToken,
    /// `Authorization: Bearer <value>`, made once rather than per call;
    /// `None` when the value cannot go in a header.
    header: Option<HeaderValue>,
    /// When to replace it; `None` when the expiry is unknown: the token is
    /// then used until refused.
    renew_at: Option<SystemTime>,
    /// When the server stops accepting it, if known.
    expires_at: Option<SystemTime>,
}

impl Token {
    /// A token that expires at `expires_at`; `random` picks its renewal time
    /// within the jitter window.
    fn new(
        value: AccessToken,
        expires_at: Option<SystemTime>,
        now: SystemTime,
        random: u64,
    ) -> Self {
        let renew_at = expires_at.map(|expiry| {
            let lifetime = expiry.duration_since(now).unwrap_or(Duration::ZERO);
            let margin = REFRESH_MARGIN.min(lifetime / 2);
            let window = u64::try_from((margin / REFRESH_JITTER_SHARE).as_millis()).unwrap_or(0);
            let jitter = Duration::from_millis(random.checked_rem(window + 1).unwrap_or(0));
            expiry.checked_sub(margin + jitter).unwrap_or(expiry)
        });
        let header = HeaderValue::from_str(&format!("Bearer {}", value.expose()))
            .ok()
            .map(|mut header| {
                header.set_sensitive(true);
                header
            });
        Self {
            value,
            header,
            renew_at,
            expires_at,
        }
    }

    fn usable_at(&self, now: SystemTime) -> bool {
        self.renew_at.is_none_or(|at| now < at)
    }

    fn valid_at(&self, now: SystemTime) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }

    /// The same token, next renewed at `at` (never past its expiry).
    fn renewed_at(&self, at: SystemTime) -> Self {
        let at = self.expires_at.map_or(at, |expiry| at.min(expiry));
        Self {
            value: self.value.clone(),
            header: self.header.clone(),
            renew_at: Some(at),
            expires_at: self.expires_at,
        }
    }

    fn header(&self) -> Result<HeaderValue, AuthError> {
        self.header.clone().ok_or(AuthError::Unusable)
    }
}

/// Performs the exchange a credential needs.
struct TokenSource {
    credentials: Credentials,
    tenant: Option<String>,
    site: Url,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct Issued {
    token: String,
}

impl TokenSource {
    async fn fetch(&self, now: SystemTime) -> Result<Token, AuthError> {
        match &self.credentials.0 {
            Kind::SystemKey(key) => self.exchange_key(SYSTEM_KEY_PATH, key, now).await,
            Kind::UserKey(key) => self.exchange_key(USER_KEY_PATH, key, now).await,
            Kind::Impersonation {
                key,
                user,
                lifetime,
            } => self.impersonate(key, user, *lifetime, now).await,
            Kind::Bearer(token) => Ok(Token::new(token.clone(), jwt_expiry(token), now, random())),
            #[cfg(feature = "jwt-bearer")]
            Kind::JwtBearer { key, secret, user } => self.grant(key, secret, user, now).await,
        }
    }

    async fn exchange_key(
        &self,
        path: &str,
        key: &ApiKey,
        now: SystemTime,
    ) -> Result<Token, AuthError> {
        let body = serde_json::json!({
            "tenant": self.tenant.as_deref().unwrap_or_default(),
            "apiKey": key.expose(),
        });
        let request = self.http.post(self.url(path)).json(&body);
        let issued: Issued = self.issue(request).await?;
        let token = AccessToken::new(issued.token);
        Ok(Token::new(token.clone(), jwt_expiry(&token), now, random()))
    }

    async fn impersonate(
        &self,
        key: &ApiKey,
        user: &str,
        lifetime: Duration,
        now: SystemTime,
    ) -> Result<Token, AuthError> {
        let expiry = now + lifetime;
        let epoch = expiry
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let request = self.http.get(self.url(IMPERSONATE_PATH)).query(&[
            ("key", key.expose()),
            ("user", user),
            ("expires", &epoch.to_string()),
        ]);
        let issued: Issued = self.issue(request).await?;
        Ok(Token::new(
            AccessToken::new(issued.token),
            Some(expiry),
            now,
            random(),
        ))
    }

    /// The JWT-bearer grant: signs an assertion and exchanges it.
    #[cfg(feature = "jwt-bearer")]
    async fn grant(
        &self,
        key: &ApiKey,
        secret: &ApiKey,
        user: &str,
        now: SystemTime,
    ) -> Result<Token, AuthError> {
        #[derive(Deserialize)]
        struct Granted {
            access_token: String,
            expires_in: Option<u64>,
        }
        let issued_at = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let claims = serde_json::json!({
            "iss": key.expose(),
            "sub": user,
            "aud": self.url(OAUTH_TOKEN_PATH).as_str(),
            "iat": issued_at,
            "exp": issued_at + ASSERTION_LIFETIME.as_secs(),
        });
        let assertion = sign_hs256(&claims, secret.expose());
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
            .append_pair("assertion", &assertion)
            .finish();
        let request = self
            .http
            .post(self.url(OAUTH_TOKEN_PATH))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form);
        let granted: Granted = self.issue(request).await?;
        let expiry = granted
            .expires_in
            .map(|secs| now + Duration::from_secs(secs));
        Ok(Token::new(
            AccessToken::new(granted.access_token),
            expiry,
            now,
            random(),
        ))
    }

    /// Sends an exchange and reads the token out of its answer.
    ///
    /// The request carries the key, so nothing of it (the URL included) goes
    /// into an error or a log.
    async fn issue<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, AuthError> {
        let unreachable = |e: reqwest::Error| AuthError::Unreachable(e.without_url());
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        let body = response.bytes().await.map_err(unreachable)?;
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(AuthError::Rejected {
                credential: self.credentials.kind(),
                status,
            });
        }
        if !status.is_success() {
            let body = excerpt(&body);
            return Err(AuthError::Exchange { status, body });
        }
        serde_json::from_slice(&body).map_err(AuthError::Malformed)
    }

    fn url(&self, path: &str) -> Url {
        crate::client::site_url(&self.site, path)
    }
}

/// A compact HS256 JWT of `claims`, signed with `secret`.
#[cfg(feature = "jwt-bearer")]
fn sign_hs256(claims: &serde_json::Value, secret: &str) -> String {
    use hmac::Mac as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = engine.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = engine.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
    mac.update(signing_input.as_bytes());
    let signature = engine.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// `8-4-4-4-12` hexadecimal digits, braces allowed.
fn is_guid(text: &str) -> bool {
    let text = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(text);
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Reads the `exp` claim of a JWT without checking its signature: the server
/// checks it, the client only needs to know when to renew.
fn jwt_expiry(token: &AccessToken) -> Option<SystemTime> {
    #[derive(Deserialize)]
    struct Claims {
        exp: f64,
    }
    let payload = token.expose().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Claims = serde_json::from_slice(&bytes).ok()?;
    let since_epoch = Duration::try_from_secs_f64(claims.exp).ok()?;
    UNIX_EPOCH.checked_add(since_epoch)
}

/// Serves the current token and renews it, one renewal at a time.
struct TokenCache {
    source: TokenSource,
    clock: Arc<dyn Clock>,
    current: RwLock<Option<Arc<Token>>>,
    /// Held by the one caller that renews; the others wait on it and then find
    /// the new token already in `current`.
    renewal: tokio::sync::Mutex<()>,
}

impl TokenCache {
    async fn token(&self) -> Result<Arc<Token>, AuthError> {
        match self.fresh() {
            Some(token) => Ok(token),
            // Boxed: the exchange's state would otherwise sit in every call's
            // future.
            None => Box::pin(self.renew()).await,
        }
    }

    /// Obtains a new token, or waits for the caller already obtaining one.
    async fn renew(&self) -> Result<Arc<Token>, AuthError> {
        let _renewing = self.renewal.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let now = self.clock.now();
        let token = match self.source.fetch(now).await {
            Ok(token) => Arc::new(token),
            Err(error) => return self.fall_back(error, now),
        };
        let renew_in = token.renew_at.and_then(|at| at.duration_since(now).ok());
        tracing::debug!(
            credential = self.source.credentials.kind(),
            renew_in_secs = renew_in.map(|d| d.as_secs()),
            "obtained a token"
        );
        self.store(Some(token.clone()));
        Ok(token)
    }

    /// After a failed renewal: keeps serving the current token while it is
    /// still valid and the failure may pass, else gives up with `error`.
    fn fall_back(&self, error: AuthError, now: SystemTime) -> Result<Arc<Token>, AuthError> {
        let current = self
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let usable = current.filter(|t| t.valid_at(now) && error.is_transient());
        let Some(current) = usable else {
            return Err(error);
        };
        tracing::warn!(
            %error,
            credential = self.source.credentials.kind(),
            "could not renew the token; using the current one until it expires"
        );
        let postponed = Arc::new(current.renewed_at(now + RENEWAL_RETRY));
        self.store(Some(postponed.clone()));
        Ok(postponed)
    }

    fn store(&self, token: Option<Arc<Token>>) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = token;
    }

    fn fresh(&self) -> Option<Arc<Token>> {
        let now = self.clock.now();
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        current.as_ref().filter(|t| t.usable_at(now)).cloned()
    }

    /// Forgets `refused` unless another caller has already replaced it.
    fn forget(&self, refused: &Token) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_some_and(|t| t.value == refused.value) {
            *current = None;
        }
    }
}

/// The authentication state every section client of one
/// [`Client`](crate::Client) shares: the credentials, the token cache and the
/// site the token may be sent to.
#[derive(Clone)]
pub struct Auth {
    cache: Arc<TokenCache>,
    retry: RetryPolicy,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("credential", &self.cache.source.credentials.kind())
            .field("site", &self.cache.source.site.as_str())
            .finish_non_exhaustive()
    }
}

impl Auth {
    pub(crate) fn new(
        credentials: Credentials,
        tenant: Option<String>,
        site: Url,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
        retry: RetryPolicy,
    ) -> Self {
        let cache = Arc::new(TokenCache {
            source: TokenSource {
                credentials,
                tenant,
                site,
                http,
            },
            clock,
            current: RwLock::new(None),
            renewal: tokio::sync::Mutex::new(()),
        });
        Self { cache, retry }
    }

    /// Makes sure a usable token is cached, exchanging the credentials if
    /// needed.
    pub(crate) async fn ensure_token(&self) -> Result<(), AuthError> {
        self.cache.token().await.map(drop)
    }

    /// Puts the current token on `request` if it goes to the configured site;
    /// a request to any other host is left without credentials.
    pub(crate) async fn authorize(&self, request: &mut Request) -> Result<(), AuthError> {
        if !self.same_site(request.url()) {
            tracing::debug!("request leaves the configured site; sent without credentials");
            return Ok(());
        }
        let token = self.cache.token().await?;
        request.headers_mut().insert(AUTHORIZATION, token.header()?);
        Ok(())
    }

    /// Sends `request`; on a 401, renews the token once and sends it again, if
    /// the request can be rebuilt.
    ///
    /// `rebuild` gives a copy of the request to resend (its `Authorization` is
    /// replaced); a request whose body is a stream has none, and its 401 is
    /// returned as it is.
    pub(crate) async fn send(
        &self,
        http: &reqwest::Client,
        request: Request,
        rebuild: impl Fn() -> Option<Request>,
        call: Call,
    ) -> reqwest::Result<Response> {
        let span = tracing::debug_span!(
            "nwa.call",
            section = call.section,
            operation = call.operation,
            method = %request.method(),
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self
            .send_with_retries(http, request, &rebuild, started)
            .instrument(span.clone())
            .await;
        let status = result.as_ref().map(|r| r.status().as_u16()).ok();
        if !span.is_disabled() {
            span.record("status", status);
            span.record("duration_ms", started.elapsed().as_millis() as u64);
        }
        span.in_scope(|| tracing::debug!(status, "call finished"));
        result
    }

    /// Sends `request`, and again after a transient failure as the retry
    /// policy allows, all within the policy's total time from `started`; see
    /// [`crate::transport`].
    ///
    /// The usual call, answered at the first attempt, takes the short way
    /// through here; recovering from a 401 or repeating a call is boxed, so
    /// that its state does not weigh on every call's future.
    async fn send_with_retries(
        &self,
        http: &reqwest::Client,
        request: Request,
        rebuild: &impl Fn() -> Option<Request>,
        started: Instant,
    ) -> reqwest::Result<Response> {
        let repeatable = RetryPolicy::may_repeat(request.method());
        let authorized = request.headers().contains_key(AUTHORIZATION);
        let outcome = self.send_once(http, request, rebuild).await;
        if !repeatable {
            return outcome;
        }
        let outcome = read_json_body(outcome).await;
        if self.retry.max_attempts() <= 1 || !worth_repeating(&outcome) {
            return outcome;
        }
        Box::pin(self.repeat(http, outcome, authorized, rebuild, started)).await
    }

    /// Sends `request`; on a 401, renews the token once and sends it again.
    async fn send_once(
        &self,
        http: &reqwest::Client,
        request: Request,
        rebuild: &impl Fn() -> Option<Request>,
    ) -> reqwest::Result<Response> {
        let sent = request.headers().get(AUTHORIZATION).cloned();
        let outcome = http.execute(request).await;
        if !self.refused(&outcome, sent.as_ref()) {
            return outcome;
        }
        Box::pin(self.resend_after_401(http, outcome, sent.as_ref(), rebuild)).await
    }

    /// Repeats a call whose first attempt ended in `outcome`, a transient
    /// failure, while the retry policy allows.
    async fn repeat(
        &self,
        http: &reqwest::Client,
        mut outcome: reqwest::Result<Response>,
        authorized: bool,
        rebuild: &impl Fn() -> Option<Request>,
        started: Instant,
    ) -> reqwest::Result<Response> {
        let mut attempt = 1;
        loop {
            if attempt >= self.retry.max_attempts() {
                return outcome;
            }
            let wait = match &outcome {
                Ok(response) if is_retryable_status(response.status()) => {
                    retry_after(response.headers(), self.cache.clock.now())
                        .unwrap_or_else(|| self.retry.backoff_after(attempt, random()))
                }
                Err(error) if is_transient(error) => self.retry.backoff_after(attempt, random()),
                _ => return outcome,
            };
            if started.elapsed() + wait > self.retry.total_time() {
                return outcome;
            }
            let Some(mut next) = rebuild() else {
                return outcome;
            };
            if authorized && let Err(error) = self.authorize(&mut next).await {
                tracing::warn!(%error, "could not authorize a repeated call");
                return outcome;
            }
            let reason = match &outcome {
                Ok(response) => response.status().to_string(),
                Err(error) => failure_kind(error).to_owned(),
            };
            tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, %reason, "repeating a call");
            tokio::time::sleep(wait).await;
            outcome = read_json_body(self.send_once(http, next, rebuild).await).await;
            attempt += 1;
        }
    }

    /// Whether `outcome` is a 401 to a request that carried a token this
    /// cache can renew.
    fn refused(&self, outcome: &reqwest::Result<Response>, sent: Option<&HeaderValue>) -> bool {
        matches!(outcome, Ok(response) if response.status() == StatusCode::UNAUTHORIZED)
            && sent.is_some()
            && self.cache.source.credentials.renewable()
    }

    /// After a 401 to a request sent with `sent`: renews the token once and
    /// sends the request again, if it can be rebuilt; else the 401 stands.
    async fn resend_after_401(
        &self,
        http: &reqwest::Client,
        refused: reqwest::Result<Response>,
        sent: Option<&HeaderValue>,
        rebuild: &impl Fn() -> Option<Request>,
    ) -> reqwest::Result<Response> {
        let Some(mut again) = rebuild() else {
            return refused;
        };
        if let Some(current) = self.current_token()
            && current.header().ok().as_ref() == sent
        {
            self.cache.forget(&current);
        }
        match self.authorize(&mut again).await {
            Ok(()) => http.execute(again).await,
            Err(error) => {
                tracing::warn!(%error, "could not renew a refused token");
                refused
            }
        }
    }

    fn current_token(&self) -> Option<Arc<Token>> {
        let current = self
            .cache
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        current.clone()
    }

    fn same_site(&self, url: &Url) -> bool {
        let site = &self.cache.source.site;
        url.scheme() == site.scheme()
            && url.host_str() == site.host_str()
            && url.port_or_known_default() == site.port_or_known_default()
    }
}

/// Whether a first attempt ended in a way that a repeat may mend: a
/// status that asks for one, or a transient failure.
fn worth_repeating(outcome: &reqwest::Result<Response>) -> bool {
    match outcome {
        Ok(response) => is_retryable_status(response.status()),
        Err(error) => is_transient(error),
    }
}

/// Whether a failed send may succeed if sent again.
fn is_transient(error: &reqwest::Error) -> bool {
    !(error.is_builder() || error.is_redirect() || error.is_status())
}

/// What went wrong in a send, in words; the error itself may show a URL
/// with a key in its query.
fn failure_kind(error: &reqwest::Error) -> &'static str {
    if error.is_connect() {
        "could not connect"
    } else if error.is_timeout() {
        "timed out"
    } else if error.is_body() || error.is_decode() {
        "the body was cut off"
    } else {
        "the exchange failed"
    }
}

/// Reads a JSON answer's body now, so that a connection cut off mid-body is
/// a failed attempt that can be repeated rather than an error after the
/// call returned. Other bodies (files, CSV) are left to stream, and a failed
/// send passes through.
///
/// The response is taken apart and put back together around the body read:
/// the head is moved, not copied, and the URL goes along with it so that
/// reqwest need not parse a placeholder in its stead.
async fn read_json_body(outcome: reqwest::Result<Response>) -> reqwest::Result<Response> {
    let response = outcome?;
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|kind| kind.starts_with("application/json"));
    if !is_json {
        return Ok(response);
    }
    let url = response.url().clone();
    let (mut head, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let body = read_all(body).await?;
    // Builds a response head holding only the URL, to move its extension
    // over: reqwest offers no other way to set it.
    if let Ok(carrier) = http::Response::builder().url(url).body(()) {
        head.extensions.extend(carrier.into_parts().0.extensions);
    }
    Ok(Response::from(http::Response::from_parts(head, body)))
}

/// The whole of `body`: a body of one chunk, as a small answer usually is,
/// is kept as it came, with no copy.
async fn read_all(mut body: reqwest::Body) -> reqwest::Result<Bytes> {
    let mut first = Bytes::new();
    let mut joined: Option<BytesMut> = None;
    while let Some(frame) = body.frame().await {
        let Ok(chunk) = frame?.into_data() else {
            continue;
        };
        if chunk.is_empty() {
            continue;
        }
        match &mut joined {
            Some(joined) => joined.extend_from_slice(&chunk),
            None if first.is_empty() => first = chunk,
            None => {
                let mut both = BytesMut::with_capacity(first.len() + chunk.len());
                both.extend_from_slice(&first);
                both.extend_from_slice(&chunk);
                joined = Some(both);
            }
        }
    }
    Ok(joined.map_or(first, BytesMut::freeze))
}

/// Names a call in spans and errors.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Call {
    pub(crate) section: &'static str,
    pub(crate) operation: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> AccessToken {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = engine.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        AccessToken::new(format!("{header}.{}.signature", engine.encode(claims)))
    }

    #[test]
    fn jwt_expiry_reads_the_exp_claim() {
        let token = jwt(r#"{"tenant":"demo","exp":1700000000}"#);
        assert_eq!(
            jwt_expiry(&token),
            Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
    }

    #[test]
    fn absurd_exp_claims_mean_no_known_expiry() {
        for claims in [
            r#"{"exp":1e300}"#,
            r#"{"exp":-5}"#,
            r#"{"exp":"soon"}"#,
            "[]",
        ] {
            assert_eq!(jwt_expiry(&jwt(claims)), None, "{claims}");
        }
    }

    #[test]
    fn opaque_token_has_no_known_expiry() {
        let token = AccessToken::new("37034275cf2547d9ac755bab65e9d29a");
        assert_eq!(jwt_expiry(&token), None);
    }

    #[test]
    fn token_is_renewed_a_minute_before_expiry() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let expiry = now + Duration::from_secs(3600);
        let token = Token::new(AccessToken::new("t"), Some(expiry), now, 0);
        assert!(token.usable_at(expiry - Duration::from_secs(61)));
        assert!(!token.usable_at(expiry - Duration::from_secs(60)));
    }

    #[test]
    fn renewal_is_spread_over_half_a_margin_before_the_margin() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let expiry = now + Duration::from_secs(3600);
        let earliest = expiry - Duration::from_secs(90);
        let latest = expiry - Duration::from_secs(60);
        let renewals: Vec<SystemTime> = (0..100)
            .map(|_| Token::new(AccessToken::new("t"), Some(expiry), now, random()))
            .map(|token| token.renew_at.expect("a renewal time"))
            .collect();
        assert!(renewals.iter().all(|at| (earliest..=latest).contains(at)));
        let distinct: std::collections::BTreeSet<_> = renewals.iter().collect();
        assert!(
            distinct.len() > 50,
            "renewals are not spread: {}",
            distinct.len()
        );
    }

    #[test]
    fn short_lived_token_is_renewed_at_half_its_life() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let token = Token::new(
            AccessToken::new("t"),
            Some(now + Duration::from_secs(30)),
            now,
            0,
        );
        assert!(token.usable_at(now + Duration::from_secs(14)));
        assert!(!token.usable_at(now + Duration::from_secs(15)));
    }

    #[test]
    fn exchange_paths_are_operations_of_the_bundled_specs() {
        let auth = include_str!("../openapi/auth.json");
        let workflow = include_str!("../openapi/workflow.json");
        for (spec, path) in [
            (auth, SYSTEM_KEY_PATH),
            (auth, USER_KEY_PATH),
            (workflow, IMPERSONATE_PATH),
        ] {
            let doc: serde_json::Value = serde_json::from_str(spec).expect("valid JSON");
            assert!(
                doc["paths"].get(path).is_some(),
                "{path} is not in the spec"
            );
        }
    }

    #[cfg(feature = "jwt-bearer")]
    #[test]
    fn assertion_is_a_verifiable_hs256_jwt() {
        use hmac::Mac as _;
        let claims = serde_json::json!({"iss": "services_api", "sub": "jdoe", "exp": 1});
        let jwt = sign_hs256(&claims, "app-secret");
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload: serde_json::Value =
            serde_json::from_slice(&engine.decode(parts[1]).expect("base64")).expect("json");
        assert_eq!(payload, claims);
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"app-secret").expect("key");
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        let signature = engine.decode(parts[2]).expect("base64");
        mac.verify_slice(&signature)
            .expect("the signature verifies with the secret");
    }

    #[test]
    fn env_tokens_are_recognised_by_their_guid_form() {
        let env_token = "12345678-1234-1234-1234-123456789ABC";
        assert!(Credentials::system_key(env_token).looks_like_env_token());
        assert!(Credentials::bearer(format!("{{{env_token}}}")).looks_like_env_token());
        assert!(!Credentials::system_key("demo-system-key").looks_like_env_token());
        assert!(!Credentials::bearer("37034275cf2547d9ac755bab65e9d29a").looks_like_env_token());
    }

    #[test]
    fn credentials_debug_hides_keys_and_tokens() {
        let all = [
            Credentials::system_key("system-secret"),
            Credentials::user_key("user-secret"),
            Credentials::impersonate("impersonation-secret", "jdoe"),
            Credentials::bearer("bearer-secret"),
        ];
        for credentials in all {
            let printed = format!("{credentials:?} {credentials:#?}");
            assert!(!printed.contains("secret"), "{printed}");
        }
    }
}
