//! Users: the list, one record, the caller's record, create, replace,
//! partial update and deactivate.
//!
//! The record's shape is `tenant::User::record`; this module filters, sorts
//! and pages records and maps the routes onto the tenant's user rules.
//! There are no roles or permissions here: any valid token may manage users.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, JsonBody, Params, PathArgs};
use crate::routes::{descending, no_content, page};
use crate::site::{Caller, Site};
use crate::tenant::UserInput;

pub(super) fn routes() -> Router<Arc<Site>> {
    Router::new()
        .route("/users/", get(list_users).post(create_user))
        .route("/users", get(list_users).post(create_user))
        .route("/users/current", get(get_current_user))
        .route(
            "/users/{sid}",
            get(get_user)
                .post(replace_user)
                .put(update_user)
                .delete(deactivate_user),
        )
}

#[derive(Deserialize)]
struct ListParams {
    id: Option<i64>,
    name: Option<String>,
    email: Option<String>,
    username: Option<String>,
    manager_id: Option<i64>,
    start: Option<i64>,
    count: Option<i64>,
    sort: Option<String>,
    dir: Option<String>,
    filters: Option<String>,
}

/// A condition of the `filters` parameter.
#[derive(Deserialize)]
struct FieldFilter {
    field: String,
    data: FieldFilterData,
}

#[derive(Deserialize)]
struct FieldFilterData {
    comparison: String,
    value: Value,
}

/// A JSON value as filters and sorting compare it.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Orders numbers as numbers and everything else as case-folded text.
fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        _ => text_of(a).to_lowercase().cmp(&text_of(b).to_lowercase()),
    }
}

fn compare_text(cell: &str, wanted: &str) -> Ordering {
    match (cell.parse::<f64>(), wanted.parse::<f64>()) {
        (Ok(a), Ok(b)) => a.total_cmp(&b),
        _ => cell.to_lowercase().cmp(&wanted.to_lowercase()),
    }
}

impl FieldFilter {
    fn holds(&self, record: &Value) -> Result<bool, ApiError> {
        let cell = record
            .get(&self.field)
            .ok_or_else(|| ApiError::bad_request(format!("users have no field {}", self.field)))?;
        let (cell, wanted) = (text_of(cell), text_of(&self.data.value));
        match self.data.comparison.as_str() {
            "eq" => Ok(cell.eq_ignore_ascii_case(&wanted)),
            "contains" => Ok(cell.to_lowercase().contains(&wanted.to_lowercase())),
            "lteq" => Ok(compare_text(&cell, &wanted) != Ordering::Greater),
            "gteq" => Ok(compare_text(&cell, &wanted) != Ordering::Less),
            other => Err(ApiError::bad_request(format!(
                "comparison must be eq, contains, lteq or gteq, not {other}"
            ))),
        }
    }
}

/// A page of users, wrapped in a one-element array as the docs show it.
async fn list_users(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    Params(params): Params<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let filters: Vec<FieldFilter> = match params.filters.as_deref() {
        None => Vec::new(),
        Some(text) if text.trim().is_empty() => Vec::new(),
        Some(text) => serde_json::from_str(text)
            .map_err(|error| ApiError::bad_request(format!("invalid filters: {error}")))?,
    };
    let sort = params.sort.as_deref().unwrap_or("CreatedDate");
    let desc = descending(params.dir.as_deref(), false)?;

    let tenant = site.tenant();
    // An unknown manager ID matches nobody, hence the empty SID.
    let manager_sid = params.manager_id.map(|id| {
        tenant
            .users
            .iter()
            .find(|user| user.id == id)
            .map(|user| user.sid.clone())
            .unwrap_or_default()
    });
    let mut records = Vec::new();
    for user in &tenant.users {
        let p = &user.profile;
        let keep = params.id.is_none_or(|id| user.id == id)
            && params.name.as_deref().is_none_or(|name| {
                let full = format!("{} {} {}", p.name_first, p.name_middle, p.name_last);
                let short = format!("{} {}", p.name_first, p.name_last);
                let name = name.to_lowercase();
                full.to_lowercase().contains(&name) || short.to_lowercase().contains(&name)
            })
            && params
                .email
                .as_deref()
                .is_none_or(|email| p.email.eq_ignore_ascii_case(email))
            && params
                .username
                .as_deref()
                .is_none_or(|name| p.user_name.eq_ignore_ascii_case(name))
            && manager_sid
                .as_deref()
                .is_none_or(|sid| !sid.is_empty() && p.manager_sid == sid);
        if !keep {
            continue;
        }
        let record = user.record();
        let mut matches = true;
        for filter in &filters {
            matches &= filter.holds(&record)?;
        }
        if matches {
            records.push(record);
        }
    }
    drop(tenant);

    if let Some(first) = records.first()
        && first.get(sort).is_none()
    {
        return Err(ApiError::bad_request(format!("cannot sort by {sort}")));
    }
    records.sort_by(|a, b| {
        compare_values(&a[sort], &b[sort]).then_with(|| compare_values(&a["ID"], &b["ID"]))
    });
    if desc {
        records.reverse();
    }
    let total = records.len();
    let items = page(records, params.start, params.count);
    Ok(Json(json!([{ "TotalItemCnt": total, "Items": items }])))
}

async fn get_current_user(
    State(site): State<Arc<Site>>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    site.tenant()
        .user(&caller.user_sid)
        .map(|user| Json(user.record()))
        .ok_or_else(|| ApiError::not_found("the token's user no longer exists"))
}

async fn get_user(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(sid): PathArgs<String>,
) -> Result<Json<Value>, ApiError> {
    site.tenant()
        .user(&sid)
        .map(|user| Json(user.record()))
        .ok_or_else(|| ApiError::not_found(format!("no user with SID {sid}")))
}

/// Creates a user and answers its SID as a bare JSON string.
async fn create_user(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    JsonBody(input): JsonBody<UserInput>,
) -> Result<Json<String>, ApiError> {
    let now = site.now();
    let sid = site.tenant().create_user(input, now)?;
    Ok(Json(sid))
}

async fn replace_user(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(sid): PathArgs<String>,
    JsonBody(input): JsonBody<UserInput>,
) -> Result<Json<bool>, ApiError> {
    let now = site.now();
    site.tenant().change_user(&sid, input, true, now)?;
    Ok(Json(true))
}

async fn update_user(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(sid): PathArgs<String>,
    JsonBody(input): JsonBody<UserInput>,
) -> Result<Json<bool>, ApiError> {
    let now = site.now();
    site.tenant().change_user(&sid, input, false, now)?;
    Ok(Json(true))
}

async fn deactivate_user(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(sid): PathArgs<String>,
) -> Result<impl IntoResponse, ApiError> {
    let now = site.now();
    site.tenant().deactivate_user(&sid, now)?;
    Ok(no_content())
}
