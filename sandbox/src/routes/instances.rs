//! Requests (the API's "instances"): starting one, listing the caller's,
//! and the instance service's health check.
//!
//! What happens to a request after it starts is driven by the task-type
//! routes; this module only starts and lists.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Duration;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock::{format_date_time, parse_date};
use crate::error::{ApiError, Params, PathArgs};
use crate::routes::{descending, page};
use crate::site::{Caller, Site};
use crate::tenant::{Request, RequestState, Tenant};

pub(super) fn routes() -> Router<Arc<Site>> {
    Router::new()
        .route("/api/instance/healthcheck", get(super::auth::healthcheck))
        .route("/instances/start", post(start_request))
        .route(
            "/instances/{process_sid}/start",
            post(start_request_for_process),
        )
        .route("/instances/mine", get(list_my_requests))
}

/// The `request` object of a start answer; `id` is a string here, unlike
/// everywhere else.
fn summary(request: &Request) -> Value {
    json!({
        "sid": request.sid,
        "id": request.id.to_string(),
        "name": request.name,
        "startdate": format_date_time(request.started),
        "lastmilestone": request.last_milestone,
        "lastmilestonedate": format_date_time(request.last_milestone_date),
    })
}

#[derive(Deserialize)]
struct StartParams {
    process_sid: String,
}

async fn start_request(
    State(site): State<Arc<Site>>,
    caller: Caller,
    Params(params): Params<StartParams>,
) -> Result<Json<Value>, ApiError> {
    let now = site.now();
    let mut tenant = site.tenant();
    let request = tenant.start_request(&params.process_sid, &caller.user_sid, now)?;
    Ok(Json(json!({ "request": summary(request) })))
}

/// The path form, which client code reads a top-level `SID` from.
async fn start_request_for_process(
    State(site): State<Arc<Site>>,
    caller: Caller,
    PathArgs(process_sid): PathArgs<String>,
) -> Result<Json<Value>, ApiError> {
    let now = site.now();
    let mut tenant = site.tenant();
    let request = tenant.start_request(&process_sid, &caller.user_sid, now)?;
    Ok(Json(
        json!({ "SID": request.sid, "request": summary(request) }),
    ))
}

#[derive(Deserialize)]
struct MineParams {
    status: Option<String>,
    start: Option<i64>,
    count: Option<i64>,
    sort: Option<String>,
    dir: Option<String>,
    process_sid: Option<String>,
    instance_name: Option<String>,
    last_milestone: Option<String>,
    submitted_range_start: Option<String>,
    submitted_range_end: Option<String>,
    id_range_start: Option<i64>,
    id_range_end: Option<i64>,
}

/// The caller's requests, filtered, sorted and paged as the docs describe.
async fn list_my_requests(
    State(site): State<Arc<Site>>,
    caller: Caller,
    Params(params): Params<MineParams>,
) -> Result<Json<Value>, ApiError> {
    let state = match params.status.as_deref().unwrap_or("all") {
        "all" => None,
        "open" => Some(RequestState::Started),
        "completed" => Some(RequestState::Completed),
        other => {
            return Err(ApiError::bad_request(format!(
                "status must be all, open or completed, not {other}"
            )));
        }
    };
    let day = |name: &str, text: &Option<String>| {
        text.as_deref()
            .map(|text| {
                parse_date(text)
                    .ok_or_else(|| ApiError::bad_request(format!("{name} must be a date")))
            })
            .transpose()
    };
    let submitted_from = day("submitted_range_start", &params.submitted_range_start)?;
    // The end date names a whole day, so the range runs to its end.
    let submitted_to =
        day("submitted_range_end", &params.submitted_range_end)?.map(|end| end + Duration::days(1));
    let sort = SortBy::parse(params.sort.as_deref().unwrap_or("CreatedDate"))?;
    let desc = descending(params.dir.as_deref(), true)?;

    let tenant = site.tenant();
    let mut mine: Vec<&Request> = tenant
        .requests
        .iter()
        .filter(|r| r.requester_sid == caller.user_sid)
        .filter(|r| state.is_none_or(|state| r.state == state))
        .filter(|r| {
            params
                .process_sid
                .as_deref()
                .is_none_or(|sid| r.process_sid.eq_ignore_ascii_case(sid))
        })
        .filter(|r| {
            params
                .instance_name
                .as_deref()
                .is_none_or(|name| r.name.to_lowercase().contains(&name.to_lowercase()))
        })
        .filter(|r| {
            params
                .last_milestone
                .as_deref()
                .is_none_or(|milestone| r.last_milestone.eq_ignore_ascii_case(milestone))
        })
        .filter(|r| submitted_from.is_none_or(|from| r.started >= from))
        .filter(|r| submitted_to.is_none_or(|to| r.started < to))
        .filter(|r| params.id_range_start.is_none_or(|low| r.id >= low))
        .filter(|r| params.id_range_end.is_none_or(|high| r.id <= high))
        .collect();
    mine.sort_by(|a, b| sort.compare(&tenant, a, b));
    if desc {
        mine.reverse();
    }

    let total = mine.len();
    let start = params.start.unwrap_or(0).max(0);
    let items: Vec<Value> = page(mine, params.start, params.count)
        .into_iter()
        .zip(start + 1..)
        .map(|(request, row)| item(&tenant, request, row))
        .collect();
    Ok(Json(json!({ "total": total, "items": items })))
}

/// A field `/instances/mine` sorts by; `CreatedDate`, the documented
/// default, means the start date.
#[derive(Clone, Copy)]
enum SortBy {
    Started,
    Name,
    ProcessName,
    LastMilestone,
    LastMilestoneDate,
    State,
}

impl SortBy {
    fn parse(sort: &str) -> Result<Self, ApiError> {
        match sort {
            "CreatedDate" | "startdate" | "id" | "r" => Ok(SortBy::Started),
            "name" => Ok(SortBy::Name),
            "process_name" => Ok(SortBy::ProcessName),
            "last_milestone" => Ok(SortBy::LastMilestone),
            "last_milestone_date" => Ok(SortBy::LastMilestoneDate),
            "state" => Ok(SortBy::State),
            other => Err(ApiError::bad_request(format!("cannot sort by {other}"))),
        }
    }

    /// Compares ascending, with the request number as the tie-break.
    fn compare(self, tenant: &Tenant, a: &Request, b: &Request) -> Ordering {
        let process_name = |r: &Request| tenant.process(&r.process_sid).map(|p| p.name.clone());
        let by_field = match self {
            SortBy::Started => a.started.cmp(&b.started),
            SortBy::Name => a.name.cmp(&b.name),
            SortBy::ProcessName => process_name(a).cmp(&process_name(b)),
            SortBy::LastMilestone => a.last_milestone.cmp(&b.last_milestone),
            SortBy::LastMilestoneDate => a.last_milestone_date.cmp(&b.last_milestone_date),
            SortBy::State => a.state.as_str().cmp(b.state.as_str()),
        };
        by_field.then(a.id.cmp(&b.id))
    }
}

fn item(tenant: &Tenant, request: &Request, row: i64) -> Value {
    let process = tenant.process(&request.process_sid);
    json!({
        "r": row,
        "sid": request.sid,
        "id": request.id,
        "name": request.name,
        "process_id": process.map(|p| p.id),
        "process_sid": request.process_sid,
        "process_name": process.map(|p| p.name.as_str()),
        "publish_status": process.map(|p| p.publish_status.as_str()),
        "last_milestone": request.last_milestone,
        "last_milestone_date": format_date_time(request.last_milestone_date),
        "state": request.state.as_str(),
    })
}
