//! The state one running sandbox shares between its handlers, and bearer
//! authentication.
//!
//! A `Site` is the tenant behind a lock plus what is fixed at start: the
//! configuration, the base URL, the clock, the fault switches. Every token
//! the sandbox issues is made and recorded here, every call is counted here,
//! and every protected route checks its caller here through the [`Caller`]
//! extractor. The exchange routes themselves (which key gives which token)
//! are in `routes::auth`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::{FromRequestParts, MatchedPath, Query, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::Config;
use crate::clock::Clock;
use crate::demo::{Demo, seed};
use crate::error::ApiError;
use crate::faults::Faults;
use crate::jwt::{self, Claims};
use crate::tenant::{OpaqueToken, Tenant, User};

#[derive(Debug)]
pub(crate) struct Site {
    pub(crate) config: Config,
    pub(crate) base_url: String,
    pub(crate) clock: Arc<Clock>,
    pub(crate) demo: Demo,
    pub(crate) faults: Faults,
    tenant: Mutex<Tenant>,
    /// Every access token issued, in order, with the key it was issued for.
    issued: Mutex<Vec<IssuedTo>>,
    /// Calls per method and route, counted under both the route's pattern
    /// and the path called.
    hits: Mutex<HashMap<(String, String), u64>>,
    /// Bytes of file content the upload routes received.
    uploaded_bytes: AtomicU64,
}

#[derive(Debug)]
struct IssuedTo {
    key: String,
    token: String,
}

/// A freshly issued token and how long it lives.
pub(crate) struct Issued {
    pub(crate) token: String,
    pub(crate) lifetime_secs: i64,
}

impl Site {
    pub(crate) fn new(config: Config, base_url: String) -> Self {
        let clock = Arc::new(Clock::default());
        let faults = Faults::new(Arc::clone(&clock), config.token_lifetime, &config.faults);
        let demo = Demo::new();
        let tenant = seed(&demo, clock.now());
        Site {
            config,
            base_url,
            clock,
            demo,
            faults,
            tenant: Mutex::new(tenant),
            issued: Mutex::default(),
            hits: Mutex::default(),
            uploaded_bytes: AtomicU64::new(0),
        }
    }

    /// The tenant's records. A handler that panicked while holding the lock
    /// left them as consistent as any single step leaves them, so a
    /// poisoned lock is used as it is rather than taking the sandbox down.
    pub(crate) fn tenant(&self) -> MutexGuard<'_, Tenant> {
        self.tenant.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn issued(&self) -> MutexGuard<'_, Vec<IssuedTo>> {
        self.issued.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn token_exchanges(&self) -> u64 {
        self.issued().len() as u64
    }

    pub(crate) fn token_exchanges_for(&self, key: &str) -> u64 {
        self.issued()
            .iter()
            .filter(|issued| issued.key == key)
            .count() as u64
    }

    pub(crate) fn issued_tokens(&self) -> Vec<String> {
        self.issued()
            .iter()
            .map(|issued| issued.token.clone())
            .collect()
    }

    fn record_issued(&self, key: &str, token: &str) {
        self.issued().push(IssuedTo {
            key: key.to_owned(),
            token: token.to_owned(),
        });
    }

    fn hits_table(&self) -> MutexGuard<'_, HashMap<(String, String), u64>> {
        self.hits.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a call under its route's pattern (`/reports/{report_sid}`)
    /// and, when that differs, under the path called.
    pub(crate) fn record_hit(&self, request: &Request) {
        let method = request.method().as_str().to_owned();
        let path = request.uri().path().to_owned();
        let pattern = request
            .extensions()
            .get::<MatchedPath>()
            .map(|matched| matched.as_str().to_owned());
        let mut hits = self.hits_table();
        if let Some(pattern) = pattern.filter(|pattern| *pattern != path) {
            *hits.entry((method.clone(), pattern)).or_default() += 1;
        }
        *hits.entry((method, path)).or_default() += 1;
    }

    pub(crate) fn hits(&self, method: &str, route: &str) -> u64 {
        let key = (method.to_ascii_uppercase(), route.to_owned());
        self.hits_table().get(&key).copied().unwrap_or(0)
    }

    pub(crate) fn count_upload(&self, bytes: usize) {
        let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
        self.uploaded_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn uploaded_bytes(&self) -> u64 {
        self.uploaded_bytes.load(Ordering::Relaxed)
    }

    /// How long a token issued now lives, in whole seconds.
    pub(crate) fn lifetime_secs(&self) -> i64 {
        i64::try_from(self.faults.token_lifetime().as_secs()).unwrap_or(i64::MAX)
    }

    /// Signs a JWT acting as `user`, like the v8 auth service, for a caller
    /// that presented `key`.
    pub(crate) fn issue_jwt(&self, user: &User, key: &str) -> Result<Issued, ApiError> {
        let iat = self.now().timestamp();
        let lifetime_secs = self.lifetime_secs();
        let claims = Claims {
            tenant: self.config.tenant.clone(),
            aud: self.config.tenant.clone(),
            iat,
            exp: iat.saturating_add(lifetime_secs),
            user_name: user.profile.user_name.clone(),
            contact_sid: user.sid.to_uppercase(),
            email: user.profile.email.clone(),
            name: user.profile.full_name(),
        };
        let token = jwt::sign(self.config.jwt_secret.as_bytes(), &claims)
            .ok_or_else(|| ApiError::internal("could not sign the token"))?;
        self.record_issued(key, &token);
        Ok(Issued {
            token,
            lifetime_secs,
        })
    }

    /// Issues an opaque 32-hex access token, like the legacy `/access`
    /// routes, for a caller that presented `key`. `expires` defaults to the
    /// token lifetime.
    pub(crate) fn issue_opaque(
        &self,
        tenant: &mut Tenant,
        user_sid: &str,
        expires: Option<DateTime<Utc>>,
        key: &str,
    ) -> String {
        let expires = expires.unwrap_or_else(|| {
            let lifetime = Duration::from_secs(self.lifetime_secs().unsigned_abs());
            let lifetime = chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::MAX);
            self.now()
                .checked_add_signed(lifetime)
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        });
        let token = uuid::Uuid::new_v4().simple().to_string();
        tenant.opaque_tokens.insert(
            token.clone(),
            OpaqueToken {
                user_sid: user_sid.to_owned(),
                expires,
            },
        );
        self.record_issued(key, &token);
        token
    }

    /// Who `token` acts as, or why it is refused.
    fn authenticate(&self, token: &str) -> Result<Caller, ApiError> {
        let now = self.now();
        if token.contains('.') {
            let claims: Claims = jwt::verify(self.config.jwt_secret.as_bytes(), token)
                .map_err(|rejection| ApiError::unauthorized(rejection.message()))?;
            if claims.tenant != self.config.tenant || claims.aud != self.config.tenant {
                return Err(ApiError::unauthorized(format!(
                    "token is for tenant {}, not {}",
                    claims.tenant, self.config.tenant
                )));
            }
            if claims.exp <= now.timestamp() {
                return Err(ApiError::unauthorized("token expired"));
            }
            return Ok(Caller {
                user_sid: claims.contact_sid.to_lowercase(),
            });
        }

        let tenant = self.tenant();
        let opaque = tenant
            .opaque_tokens
            .get(token)
            .ok_or_else(|| ApiError::unauthorized("unknown token"))?;
        if opaque.expires <= now {
            return Err(ApiError::unauthorized("token expired"));
        }
        Ok(Caller {
            user_sid: opaque.user_sid.clone(),
        })
    }
}

/// The user a protected call acts as. Taking this extractor is what makes
/// a route require a token.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) user_sid: String,
}

#[derive(Deserialize)]
struct TokenParam {
    token: Option<String>,
}

impl FromRequestParts<Arc<Site>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, site: &Arc<Site>) -> Result<Self, ApiError> {
        let token = bearer_token(parts)?;
        site.authenticate(&token)
    }
}

/// The token from `Authorization: Bearer`, or else the documented
/// `?token=` query form of the legacy routes.
fn bearer_token(parts: &Parts) -> Result<String, ApiError> {
    if let Some(header) = parts.headers.get(AUTHORIZATION) {
        let header = header
            .to_str()
            .map_err(|_| ApiError::unauthorized("malformed Authorization header"))?;
        let (scheme, token) = header
            .split_once(' ')
            .ok_or_else(|| ApiError::unauthorized("malformed Authorization header"))?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(ApiError::unauthorized(
                "the Authorization header must be `Bearer <token>`",
            ));
        }
        return Ok(token.trim().to_owned());
    }
    let query = Query::<TokenParam>::try_from_uri(&parts.uri)
        .map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    query
        .0
        .token
        .filter(|token| !token.is_empty())
        .ok_or_else(|| ApiError::unauthorized("missing bearer token"))
}
