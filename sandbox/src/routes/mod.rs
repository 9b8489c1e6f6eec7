//! The HTTP surface: one module per API area, assembled into one router.
//!
//! Paths are those of the OpenAPI documents, plus the few the sandbox adds
//! (see the crate docs). Each handler extracts, takes the tenant lock for
//! one synchronous step, and answers; none holds the lock across an await.

mod auth;
mod files;
mod instances;
mod processes;
mod reports;
mod specs;
mod tasktypes;
mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode, Uri};
use axum::middleware;
use axum::response::IntoResponse;

use crate::error::ApiError;
use crate::faults;
use crate::site::Site;

pub(crate) fn router(site: Arc<Site>) -> Router {
    let max_body_bytes = site.config.max_body_bytes;
    Router::new()
        .merge(auth::routes())
        .merge(files::routes())
        .merge(instances::routes())
        .merge(processes::routes())
        .merge(reports::routes())
        .merge(specs::routes())
        .merge(tasktypes::routes())
        .merge(users::routes())
        .fallback(no_such_route)
        .method_not_allowed_fallback(method_not_allowed)
        // Added with `layer`, the faults see the matched route of each call.
        .layer(middleware::from_fn_with_state(
            Arc::clone(&site),
            faults::apply,
        ))
        // axum's default limit is 2 MB; the real site's ingress takes 25 MiB,
        // the default of `Config::max_body_bytes`.
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(site)
}

async fn no_such_route(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("no such route: {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("no such route: {method} {}", uri.path()),
    )
}

/// The answer of an operation the spec declares without content.
pub(crate) fn no_content() -> impl IntoResponse {
    axum::Json(serde_json::json!({}))
}

/// A page of `items` from `start`, `count` long; absent values take the
/// API's documented defaults (0 and 15).
pub(crate) fn page<T>(items: Vec<T>, start: Option<i64>, count: Option<i64>) -> Vec<T> {
    let start = usize::try_from(start.unwrap_or(0).max(0)).unwrap_or(usize::MAX);
    let count = usize::try_from(count.unwrap_or(15).max(0)).unwrap_or(usize::MAX);
    items.into_iter().skip(start).take(count).collect()
}

/// Whether the sort direction is descending; `default_desc` applies when
/// none is given.
pub(crate) fn descending(dir: Option<&str>, default_desc: bool) -> Result<bool, ApiError> {
    match dir {
        None => Ok(default_desc),
        Some(dir) if dir.eq_ignore_ascii_case("desc") => Ok(true),
        Some(dir) if dir.eq_ignore_ascii_case("asc") => Ok(false),
        Some(dir) => Err(ApiError::bad_request(format!(
            "dir must be ASC or DESC, not {dir}"
        ))),
    }
}
