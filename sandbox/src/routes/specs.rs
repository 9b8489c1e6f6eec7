//! The bundled OpenAPI documents, one per section, served as
//! `GET /openapi/{section}.json`, without auth unless
//! [`Config::specs_need_token`](crate::Config::specs_need_token) says.
//!
//! They are compiled in from the workspace's `openapi/` folder, so the
//! sandbox always serves the contract it was built against. This is for
//! trying `cargo xtask fetch` locally; the real site publishes its documents
//! elsewhere (the public docs do not say where).
//!
//! Each is served in the configured dialect or the one `?dialect=` asks
//! for, converted from the bundled document at request time (the documents
//! are small and rarely asked for). `GET /openapi/swagger-config.json`
//! lists the sections as a swagger-ui configuration does.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::dialects::{self, Dialect};
use crate::error::{ApiError, Params, PathArgs};
use crate::site::{Caller, Site};

pub(super) fn routes() -> Router<Arc<Site>> {
    Router::new()
        .route("/openapi/swagger-config.json", get(swagger_config))
        .route("/openapi/{document}", get(section_document))
}

#[derive(Deserialize)]
struct DialectQuery {
    dialect: Option<String>,
}

async fn swagger_config() -> Json<Value> {
    let urls: Vec<Value> = SECTIONS
        .iter()
        .map(|(name, _)| json!({ "name": name, "url": format!("/openapi/{name}.json") }))
        .collect();
    Json(json!({ "urls": urls }))
}

const SECTIONS: [(&str, &str); 5] = [
    ("workflow", include_str!("../../../openapi/workflow.json")),
    ("auth", include_str!("../../../openapi/auth.json")),
    ("files", include_str!("../../../openapi/files.json")),
    ("instance", include_str!("../../../openapi/instance.json")),
    (
        "core-service",
        include_str!("../../../openapi/core-service.json"),
    ),
];

async fn section_document(
    State(site): State<Arc<Site>>,
    caller: Result<Caller, ApiError>,
    PathArgs(document): PathArgs<String>,
    Params(query): Params<DialectQuery>,
) -> Result<Response, ApiError> {
    if site.config.specs_need_token {
        caller?;
    }
    let dialect = match query.dialect.as_deref() {
        None => site.config.dialect,
        Some(name) => Dialect::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Dialect::ALL.iter().map(|d| d.name()).collect();
            ApiError::bad_request(format!(
                "no dialect {name}; the dialects are {}",
                names.join(", ")
            ))
        })?,
    };
    let section = document.strip_suffix(".json").unwrap_or(&document);
    let text = SECTIONS
        .iter()
        .find(|(name, _)| *name == section)
        .map(|(_, text)| *text)
        .ok_or_else(|| {
            let names: Vec<&str> = SECTIONS.iter().map(|(name, _)| *name).collect();
            ApiError::not_found(format!(
                "no section {section}; the sections are {}",
                names.join(", ")
            ))
        })?;
    let json = HeaderValue::from_static("application/json");
    if dialect == Dialect::OpenApi30 {
        return Ok(([(header::CONTENT_TYPE, json)], text).into_response());
    }
    let bundled: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::internal(format!("the bundled {section} document: {e}")))?;
    let converted = dialects::convert(&bundled, dialect);
    let mut body = serde_json::to_string_pretty(&converted)
        .map_err(|e| ApiError::internal(format!("the {section} document: {e}")))?;
    body.push('\n');
    Ok(([(header::CONTENT_TYPE, json)], body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_document_is_openapi_json() {
        for (name, text) in SECTIONS {
            let document: serde_json::Value =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                document["openapi"].is_string(),
                "{name} has no openapi field"
            );
        }
    }
}
