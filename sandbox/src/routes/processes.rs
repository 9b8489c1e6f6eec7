//! Processes: the assumed list and one process's record.
//!
//! No public source shows either shape, so both follow the spec's assumed
//! `Process` schema. Processes are read-only here; the sandbox has no route
//! that designs or publishes one.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, Params, PathArgs};
use crate::routes::{descending, page};
use crate::site::{Caller, Site};
use crate::tenant::Process;

pub(super) fn routes() -> Router<Arc<Site>> {
    Router::new()
        .route("/processes", get(list_processes))
        .route("/processes/", get(list_processes))
        .route("/processes/{process_sid}", get(get_process))
}

fn record(process: &Process) -> Value {
    json!({
        "sid": process.sid,
        "id": process.id,
        "name": process.name,
        "description": process.description,
        "category": process.category,
        "publish_status": process.publish_status,
    })
}

#[derive(Deserialize)]
struct ListParams {
    start: Option<i64>,
    count: Option<i64>,
    sort: Option<String>,
    dir: Option<String>,
}

async fn list_processes(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    Params(params): Params<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let desc = descending(params.dir.as_deref(), false)?;
    let tenant = site.tenant();
    let mut processes: Vec<&Process> = tenant.processes.iter().collect();
    match params.sort.as_deref().unwrap_or("name") {
        "name" => processes.sort_by(|a, b| a.name.cmp(&b.name)),
        "id" => processes.sort_by_key(|p| p.id),
        "category" => processes.sort_by(|a, b| a.category.cmp(&b.category)),
        "publish_status" => processes.sort_by(|a, b| a.publish_status.cmp(&b.publish_status)),
        other => return Err(ApiError::bad_request(format!("cannot sort by {other}"))),
    }
    if desc {
        processes.reverse();
    }
    let total = processes.len();
    let items: Vec<Value> = page(processes, params.start, params.count)
        .into_iter()
        .map(record)
        .collect();
    Ok(Json(json!({ "total": total, "items": items })))
}

async fn get_process(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(process_sid): PathArgs<String>,
) -> Result<Json<Value>, ApiError> {
    site.tenant()
        .process(&process_sid)
        .map(|process| Json(record(process)))
        .ok_or_else(|| ApiError::not_found(format!("no process with SID {process_sid}")))
}
