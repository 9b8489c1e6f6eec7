//! Task types: finding a request's data-container task, reading its fields,
//! posting its values, and completing an approval.
//!
//! These are the routes that move a request through its process; the rules
//! themselves (what completes a task, what comes next) live in `tenant`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::{ApiError, JsonBody, Params, PathArgs};
use crate::routes::no_content;
use crate::site::{Caller, Site};
use crate::tenant::{TaskKind, TaskStatus};

pub(super) fn routes() -> Router<Arc<Site>> {
    Router::new()
        .route(
            "/tasktypes/data-container/endpoints",
            get(list_data_container_endpoints),
        )
        .route(
            "/tasktypes/data-container/instances/tasks/reciptasks/{reciptask_sid}",
            get(get_data_container_fields).post(post_data_container_values),
        )
        .route(
            "/tasktypes/approval/{recipient_task_sid}",
            post(complete_approval),
        )
}

#[derive(Deserialize)]
struct EndpointParams {
    instance_sid: Option<String>,
    instance_id: Option<i64>,
    task_name: Option<String>,
}

/// The relative URLs of the active data-container tasks that match.
async fn list_data_container_endpoints(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    Params(params): Params<EndpointParams>,
) -> Json<Value> {
    let tenant = site.tenant();
    let endpoints: Vec<String> = tenant
        .tasks
        .iter()
        .filter(|task| task.kind == TaskKind::DataContainer && task.status == TaskStatus::Active)
        .filter(|task| {
            params
                .task_name
                .as_deref()
                .is_none_or(|name| task.name.eq_ignore_ascii_case(name))
        })
        .filter(|task| {
            let request = tenant.request(&task.request_sid);
            let sid_matches = params
                .instance_sid
                .as_deref()
                .is_none_or(|sid| sid.eq_ignore_ascii_case(&task.request_sid));
            let id_matches = params
                .instance_id
                .is_none_or(|id| request.is_some_and(|request| request.id == id));
            sid_matches && id_matches
        })
        .map(|task| {
            format!(
                "/tasktypes/data-container/instances/tasks/reciptasks/{}?task_name={}",
                task.sid,
                encode_query_value(&task.name)
            )
        })
        .collect();
    Json(json!({ "endpoints": endpoints }))
}

/// Percent-encodes a query value, spaces as `%20` as the documented
/// example shows.
fn encode_query_value(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

async fn get_data_container_fields(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(reciptask_sid): PathArgs<String>,
) -> Result<Json<Value>, ApiError> {
    let tenant = site.tenant();
    let fields: Vec<Value> = tenant
        .data_container_fields(&reciptask_sid)?
        .iter()
        .map(|field| json!({ "key": field.key, "value_type": field.value_type }))
        .collect();
    Ok(Json(json!({ "field_configuration": fields })))
}

async fn post_data_container_values(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(reciptask_sid): PathArgs<String>,
    JsonBody(values): JsonBody<Map<String, Value>>,
) -> Result<impl IntoResponse, ApiError> {
    let now = site.now();
    site.tenant()
        .post_data_container_values(&reciptask_sid, values, now)?;
    Ok(no_content())
}

#[derive(Deserialize)]
struct Approval {
    #[serde(rename = "Approval")]
    approval: String,
    // Kept off the record: nothing in the API reads comments back.
    #[serde(rename = "Comments")]
    _comments: Option<String>,
}

async fn complete_approval(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(recipient_task_sid): PathArgs<String>,
    JsonBody(body): JsonBody<Approval>,
) -> Result<impl IntoResponse, ApiError> {
    let now = site.now();
    site.tenant()
        .complete_approval(&recipient_task_sid, &body.approval, now)?;
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_names_are_encoded_like_the_documented_endpoint() {
        assert_eq!(encode_query_value("Enter details"), "Enter%20details");
        assert_eq!(encode_query_value("a&b=c"), "a%26b%3Dc");
    }
}
