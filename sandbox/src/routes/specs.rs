//! The bundled OpenAPI documents, one per section, served as
//! `GET /openapi/{section}.json` without auth.
//!
//! They are compiled in from the workspace's `openapi/` folder, so the
//! sandbox always serves the contract it was built against. This is for
//! trying `cargo xtask fetch` locally; the real site publishes its documents
//! elsewhere (the public docs do not say where).

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::{ApiError, PathArgs};

pub(super) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/openapi/{document}", get(section_document))
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

async fn section_document(PathArgs(document): PathArgs<String>) -> Result<Response, ApiError> {
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
    Ok(([(header::CONTENT_TYPE, json)], text).into_response())
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
