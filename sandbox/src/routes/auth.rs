//! Getting a token: the v8 key exchanges, the legacy `/access` routes, the
//! JWT-bearer grant at `/oauth2/token` and the sandbox's stand-in login page.
//!
//! Which credential acts as which user is decided here; how a token is made
//! and checked is `site`'s business. None of these routes takes a bearer
//! token, since they are how a caller gets one.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, FormBody, JsonBody, Params};
use crate::jwt;
use crate::site::Site;

pub(super) fn routes() -> Router<Arc<Site>> {
    Router::new()
        .route("/api/auth/healthcheck", get(healthcheck))
        .route("/api/auth/token/api-key", post(exchange_api_key))
        .route("/api/auth/token/user-api-key", post(exchange_user_api_key))
        .route("/access/impersonate", get(impersonate))
        .route("/access/request-token", get(request_token))
        .route("/access/exchange-token", get(exchange_token))
        .route("/oauth2/token", post(grant_jwt_bearer))
        .route("/sandbox/login", get(login))
}

pub(super) async fn healthcheck() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

#[derive(Deserialize)]
struct ApiKeyExchange {
    tenant: String,
    #[serde(rename = "apiKey")]
    api_key: String,
}

async fn exchange_api_key(
    State(site): State<Arc<Site>>,
    JsonBody(body): JsonBody<ApiKeyExchange>,
) -> Result<Json<Value>, ApiError> {
    let key = site.config.system_key.clone();
    let user = site.demo.admin.sid.clone();
    exchange_key(&site, &body, &key, &user)
}

async fn exchange_user_api_key(
    State(site): State<Arc<Site>>,
    JsonBody(body): JsonBody<ApiKeyExchange>,
) -> Result<Json<Value>, ApiError> {
    let key = site.config.user_key.clone();
    let user = site.demo.jdoe.sid.clone();
    exchange_key(&site, &body, &key, &user)
}

/// Answers a JWT for `user_sid` when the body names this tenant and `key`.
fn exchange_key(
    site: &Site,
    body: &ApiKeyExchange,
    key: &str,
    user_sid: &str,
) -> Result<Json<Value>, ApiError> {
    // One message for both mistakes, as a real service would not say which.
    if body.tenant != site.config.tenant || body.api_key != key {
        return Err(ApiError::unauthorized("unknown tenant or API key"));
    }
    let user = site
        .tenant()
        .user(user_sid)
        .filter(|user| user.is_active)
        .cloned()
        .ok_or_else(|| ApiError::unauthorized("the key's user is inactive"))?;
    let issued = site.issue_jwt(&user, key)?;
    Ok(Json(json!({
        "token": issued.token,
        "tokenType": "Bearer",
        "expiresIn": issued.lifetime_secs,
    })))
}

#[derive(Deserialize)]
struct ImpersonateParams {
    key: String,
    user: String,
    expires: Option<String>,
    #[serde(rename = "request-token")]
    request_token: Option<bool>,
    token: Option<String>,
}

/// Impersonation, and its external-auth variant: with `request-token=true`
/// the call signs the session token `token` in as `user` instead of issuing
/// an access token.
async fn impersonate(
    State(site): State<Arc<Site>>,
    Params(params): Params<ImpersonateParams>,
) -> Result<Json<Value>, ApiError> {
    check_app_key(&site, &params.key)?;
    let expires = params.expires.as_deref().map(parse_expires).transpose()?;

    let mut tenant = site.tenant();
    let user_sid = tenant.active_user_sid(&params.user)?;

    if params.request_token == Some(true) {
        let token = params
            .token
            .ok_or_else(|| ApiError::bad_request("request-token=true needs a token"))?;
        let pending = tenant
            .request_tokens
            .get_mut(&token)
            .ok_or_else(|| ApiError::unauthorized("unknown request token"))?;
        pending.signed_in_as = Some(user_sid);
        return Ok(Json(json!({
            "token": token,
            "token_type": "request",
            "key": params.key,
        })));
    }

    let token = site.issue_opaque(&mut tenant, &user_sid, expires, &params.key);
    Ok(Json(json!({
        "token": token,
        "token_type": "access",
        "key": params.key,
    })))
}

/// Reads `expires` as epoch seconds, whole (`1700000000`) or with a
/// fraction (`1700000000.5`), as the two known clients send it.
fn parse_expires(text: &str) -> Result<DateTime<Utc>, ApiError> {
    let invalid = || ApiError::bad_request(format!("expires must be epoch seconds, not {text}"));
    let seconds: f64 = text.trim().parse().map_err(|_| invalid())?;
    if !seconds.is_finite() {
        return Err(invalid());
    }
    // Milliseconds are exact for any date a test would ask for.
    let millis = (seconds * 1000.0).round() as i64;
    Utc.timestamp_millis_opt(millis)
        .single()
        .ok_or_else(invalid)
}

fn check_app_key(site: &Site, key: &str) -> Result<(), ApiError> {
    if key == site.config.impersonation_key {
        Ok(())
    } else {
        Err(ApiError::unauthorized("unknown application key"))
    }
}

#[derive(Deserialize)]
struct KeyParam {
    key: String,
}

async fn request_token(
    State(site): State<Arc<Site>>,
    Params(params): Params<KeyParam>,
) -> Result<Json<Value>, ApiError> {
    check_app_key(&site, &params.key)?;
    let token = uuid::Uuid::new_v4().simple().to_string();
    site.tenant()
        .request_tokens
        .insert(token.clone(), Default::default());
    Ok(Json(json!({
        "token": token,
        "auth_url": format!("{}/sandbox/login?token=", site.base_url),
    })))
}

#[derive(Deserialize)]
struct ExchangeParams {
    key: String,
    token: String,
}

/// Trades a signed-in request token (once) for an access token.
async fn exchange_token(
    State(site): State<Arc<Site>>,
    Params(params): Params<ExchangeParams>,
) -> Result<Json<Value>, ApiError> {
    check_app_key(&site, &params.key)?;
    let mut tenant = site.tenant();
    let user_sid = match tenant.request_tokens.get(&params.token) {
        None => return Err(ApiError::unauthorized("unknown request token")),
        Some(pending) => pending.signed_in_as.clone().ok_or_else(|| {
            ApiError::unauthorized("nobody has signed in with this request token yet")
        })?,
    };
    tenant.request_tokens.remove(&params.token);
    let token = site.issue_opaque(&mut tenant, &user_sid, None, &params.key);
    Ok(Json(json!({ "token": token })))
}

/// The grant type of RFC 7523, the only one `/oauth2/token` takes.
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

#[derive(Deserialize)]
struct GrantForm {
    grant_type: String,
    assertion: String,
}

/// The claims of a JWT-bearer assertion the sandbox checks.
#[derive(Deserialize)]
struct Assertion {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
}

/// The JWT-bearer grant: an assertion signed with the application's secret,
/// issued by its key (`iss`) for a user (`sub`), is traded for an opaque
/// token acting as that user.
///
/// Every refusal is a 401, the wrong grant type included (RFC 6749 would
/// answer 400 `unsupported_grant_type`); only a form that does not parse is
/// a 400.
async fn grant_jwt_bearer(
    State(site): State<Arc<Site>>,
    FormBody(form): FormBody<GrantForm>,
) -> Result<Json<Value>, ApiError> {
    if form.grant_type != JWT_BEARER_GRANT {
        return Err(ApiError::unauthorized(format!(
            "unsupported grant type {}",
            form.grant_type
        )));
    }
    let assertion: Assertion = jwt::verify(site.config.app_secret.as_bytes(), &form.assertion)
        .map_err(|rejection| {
            ApiError::unauthorized(format!("assertion: {}", rejection.message()))
        })?;
    check_app_key(&site, &assertion.iss)?;
    let audience = format!("{}/oauth2/token", site.base_url);
    if assertion.aud != audience {
        return Err(ApiError::unauthorized(format!(
            "the assertion is for {}, not {audience}",
            assertion.aud
        )));
    }
    if assertion.exp <= site.now().timestamp() {
        return Err(ApiError::unauthorized("the assertion has expired"));
    }

    let mut tenant = site.tenant();
    let user_sid = tenant.active_user_sid(&assertion.sub)?;
    let token = site.issue_opaque(&mut tenant, &user_sid, None, &assertion.iss);
    Ok(Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": site.lifetime_secs(),
    })))
}

#[derive(Deserialize)]
struct LoginParams {
    token: String,
    user: String,
}

/// The sandbox's stand-in for the site's login page: no password, the
/// user name is enough.
async fn login(
    State(site): State<Arc<Site>>,
    Params(params): Params<LoginParams>,
) -> Result<Json<Value>, ApiError> {
    let mut tenant = site.tenant();
    let user_sid = tenant.active_user_sid(&params.user)?;
    let pending = tenant
        .request_tokens
        .get_mut(&params.token)
        .ok_or_else(|| ApiError::not_found("unknown request token"))?;
    pending.signed_in_as = Some(user_sid);
    Ok(Json(json!({ "signedIn": true, "user": params.user })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_takes_whole_and_fractional_epoch_seconds() {
        let whole = parse_expires("1700000000").expect("whole seconds");
        assert_eq!(whole.timestamp(), 1_700_000_000);
        let fraction = parse_expires("1700000000.5").expect("fractional seconds");
        assert_eq!(fraction.timestamp_millis(), 1_700_000_000_500);
        assert!(parse_expires("tomorrow").is_err());
        assert!(parse_expires("NaN").is_err());
    }
}
