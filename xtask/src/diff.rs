//! What changed between two folders of normalized section documents, as
//! markdown a reviewer reads: operations added, removed and changed, and the
//! schemas whose fields changed.
//!
//! It compares normalized documents (OpenAPI 3.0.3, one request and one
//! success content type per operation); it is not a general OpenAPI diff.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The markdown report for every section found in either folder.
pub fn diff_dirs(old: &Path, new: &Path) -> Result<String, String> {
    let old_docs = load_dir(old)?;
    let new_docs = load_dir(new)?;
    let names: BTreeSet<&String> = old_docs.keys().chain(new_docs.keys()).collect();
    let mut out = String::from("# API changes\n");
    let mut any = false;
    for name in names {
        let section = diff_section(old_docs.get(name), new_docs.get(name));
        if !section.is_empty() {
            any = true;
            let _ = write!(out, "\n## {name}\n\n{section}");
        }
    }
    if !any {
        out.push_str("\nNo changes.\n");
    }
    Ok(out)
}

/// The markdown for one section; empty when nothing changed.
pub fn diff_section(old: Option<&Value>, new: Option<&Value>) -> String {
    let null = Value::Null;
    let (old, new) = (old.unwrap_or(&null), new.unwrap_or(&null));
    let mut out = String::new();
    match (old.is_null(), new.is_null()) {
        (true, false) => out.push_str("The section is new.\n\n"),
        (false, true) => out.push_str("The section is gone.\n\n"),
        _ => {}
    }
    let old_ops = operations(old);
    let new_ops = operations(new);
    let added: Vec<String> = new_ops
        .iter()
        .filter(|(key, _)| !old_ops.contains_key(*key))
        .map(|(key, op)| format!("- {} {}\n", key_label(key), op_id(op)))
        .collect();
    let removed: Vec<String> = old_ops
        .iter()
        .filter(|(key, _)| !new_ops.contains_key(*key))
        .map(|(key, op)| format!("- {} {}\n", key_label(key), op_id(op)))
        .collect();
    let changed: Vec<String> = old_ops
        .iter()
        .filter_map(|(key, before)| {
            let after = new_ops.get(key)?;
            let changes = operation_changes(before, after);
            (!changes.is_empty()).then(|| {
                format!(
                    "- {} {}: {}\n",
                    key_label(key),
                    op_id(after),
                    changes.join("; ")
                )
            })
        })
        .collect();
    let schemas = schema_changes(old, new);
    for (title, lines) in [
        ("Added", added),
        ("Removed", removed),
        ("Changed", changed),
        ("Schemas", schemas),
    ] {
        if !lines.is_empty() {
            let _ = write!(out, "### {title}\n\n{}\n", lines.concat());
        }
    }
    out
}

fn load_dir(dir: &Path) -> Result<BTreeMap<String, Value>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut docs = BTreeMap::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let doc: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        docs.insert(name, doc);
    }
    Ok(docs)
}

/// Operations keyed by (path, method).
fn operations(doc: &Value) -> BTreeMap<(String, String), &Value> {
    let mut ops = BTreeMap::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if let Some(op) = item.get(*method) {
                ops.insert((path.clone(), (*method).to_owned()), op);
            }
        }
    }
    ops
}

fn key_label((path, method): &(String, String)) -> String {
    format!("`{} {path}`", method.to_uppercase())
}

fn op_id(op: &Value) -> String {
    match op.get("operationId").and_then(Value::as_str) {
        Some(id) => format!("`{id}`"),
        None => "(no operationId)".to_owned(),
    }
}

fn operation_changes(before: &Value, after: &Value) -> Vec<String> {
    let mut changes = Vec::new();
    if before.get("operationId") != after.get("operationId") {
        changes.push(format!("operationId {} → {}", op_id(before), op_id(after)));
    }
    let old_params = parameters(before);
    let new_params = parameters(after);
    for (key, param) in &new_params {
        match old_params.get(key) {
            None => changes.push(format!("parameter {} added ({})", key_name(key), param)),
            Some(old) if old != param => {
                changes.push(format!("parameter {}: {old} → {param}", key_name(key)));
            }
            Some(_) => {}
        }
    }
    for key in old_params.keys().filter(|k| !new_params.contains_key(*k)) {
        changes.push(format!("parameter {} removed", key_name(key)));
    }
    let (old_body, new_body) = (request_body(before), request_body(after));
    if old_body != new_body {
        changes.push(format!("request body {old_body} → {new_body}"));
    }
    let (old_response, new_response) = (success(before), success(after));
    if old_response != new_response {
        changes.push(format!("response {old_response} → {new_response}"));
    }
    if before.get("x-nwa-handwritten").is_some() != after.get("x-nwa-handwritten").is_some() {
        let now = if after.get("x-nwa-handwritten").is_some() {
            "now"
        } else {
            "no longer"
        };
        changes.push(format!("{now} hand-written"));
    }
    changes
}

fn key_name((location, name): &(String, String)) -> String {
    format!("`{name}` ({location})")
}

/// Parameters keyed by (in, name), each summarised as "required type".
fn parameters(op: &Value) -> BTreeMap<(String, String), String> {
    op.get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?.to_owned();
            let location = p.get("in")?.as_str()?.to_owned();
            let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
            let kind = schema_label(p.get("schema").unwrap_or(&Value::Null));
            let summary = format!("{}{kind}", if required { "required " } else { "optional " });
            Some(((location, name), summary))
        })
        .collect()
}

fn request_body(op: &Value) -> String {
    match op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
    {
        Some(content) => content
            .iter()
            .map(|(kind, media)| {
                format!(
                    "{} `{kind}`",
                    schema_label(media.get("schema").unwrap_or(&Value::Null))
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        None => "none".to_owned(),
    }
}

fn success(op: &Value) -> String {
    let responses = op.get("responses").and_then(Value::as_object);
    let Some((code, response)) = responses
        .into_iter()
        .flatten()
        .find(|(code, _)| code.starts_with('2'))
    else {
        return "none".to_owned();
    };
    match response.get("content").and_then(Value::as_object) {
        Some(content) if !content.is_empty() => content
            .iter()
            .map(|(kind, media)| {
                let schema = schema_label(media.get("schema").unwrap_or(&Value::Null));
                format!("{code} {schema} `{kind}`")
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => format!("{code} empty"),
    }
}

/// A short name for a schema: its component name, or its type.
fn schema_label(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return format!("`{}`", reference.rsplit('/').next().unwrap_or(reference));
    }
    let nullable = if schema.get("nullable") == Some(&Value::Bool(true)) {
        "?"
    } else {
        ""
    };
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => {
            let items = schema_label(schema.get("items").unwrap_or(&Value::Null));
            format!("array of {items}{nullable}")
        }
        Some(kind) => match schema.get("format").and_then(Value::as_str) {
            Some(format) => format!("{kind}({format}){nullable}"),
            None => format!("{kind}{nullable}"),
        },
        None if schema.get("oneOf").is_some() => format!("oneOf{nullable}"),
        None => format!("any{nullable}"),
    }
}

fn schema_changes(old: &Value, new: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let schemas = |doc: &Value| {
        doc.pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_else(|| empty.clone())
    };
    let (old, new) = (schemas(old), schemas(new));
    let mut lines = Vec::new();
    for (name, schema) in &new {
        let Some(before) = old.get(name) else {
            lines.push(format!("- `{name}` added\n"));
            continue;
        };
        let changes = field_changes(before, schema);
        if !changes.is_empty() {
            lines.push(format!("- `{name}`: {}\n", changes.join("; ")));
        }
    }
    for name in old.keys().filter(|n| !new.contains_key(*n)) {
        lines.push(format!("- `{name}` removed\n"));
    }
    lines
}

fn field_changes(before: &Value, after: &Value) -> Vec<String> {
    let properties = |schema: &Value| -> BTreeMap<String, String> {
        schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, s)| (name.clone(), schema_label(s)))
            .collect()
    };
    let required = |schema: &Value| -> BTreeSet<String> {
        schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let (old_props, new_props) = (properties(before), properties(after));
    let (old_required, new_required) = (required(before), required(after));
    let mut changes = Vec::new();
    for (name, kind) in &new_props {
        match old_props.get(name) {
            None => changes.push(format!("field `{name}` added ({kind})")),
            Some(old) if old != kind => changes.push(format!("field `{name}`: {old} → {kind}")),
            Some(_) => {}
        }
    }
    for name in old_props.keys().filter(|n| !new_props.contains_key(*n)) {
        changes.push(format!("field `{name}` removed"));
    }
    for name in new_required.difference(&old_required) {
        changes.push(format!("`{name}` now required"));
    }
    for name in old_required.difference(&new_required) {
        changes.push(format!("`{name}` no longer required"));
    }
    if changes.is_empty() && before != after {
        changes.push("definition changed".to_owned());
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(paths: Value, schemas: Value) -> Value {
        json!({"openapi": "3.0.3", "paths": paths, "components": {"schemas": schemas}})
    }

    #[test]
    fn identical_documents_have_no_changes() {
        let d = doc(
            json!({"/a": {"get": {"operationId": "get_a", "responses": {}}}}),
            json!({}),
        );
        assert_eq!(diff_section(Some(&d), Some(&d)), "");
    }

    #[test]
    fn added_removed_and_changed_operations_are_listed() {
        let old = doc(
            json!({
                "/users/": {"get": {"operationId": "list_users",
                    "parameters": [{"name": "count", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/UserList"}}}}}}},
                "/gone": {"delete": {"operationId": "remove_it", "responses": {}}}
            }),
            json!({"User": {"type": "object", "properties": {"SID": {"type": "string"}}}}),
        );
        let new = doc(
            json!({
                "/users/": {"get": {"operationId": "list_users",
                    "parameters": [
                        {"name": "count", "in": "query", "required": true, "schema": {"type": "integer"}},
                        {"name": "email", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/UserPage"}}}}}}},
                "/new": {"post": {"operationId": "make_it", "responses": {}}}
            }),
            json!({"User": {"type": "object", "required": ["SID"],
                "properties": {"SID": {"type": "string"}, "Email": {"type": "string"}}}}),
        );
        let report = diff_section(Some(&old), Some(&new));
        assert!(
            report.contains("### Added\n\n- `POST /new` `make_it`"),
            "{report}"
        );
        assert!(
            report.contains("### Removed\n\n- `DELETE /gone` `remove_it`"),
            "{report}"
        );
        assert!(
            report.contains("parameter `count` (query): optional integer → required integer"),
            "{report}"
        );
        assert!(
            report.contains("parameter `email` (query) added (optional string)"),
            "{report}"
        );
        assert!(
            report.contains(
                "response 200 `UserList` `application/json` → 200 `UserPage` `application/json`"
            ),
            "{report}"
        );
        assert!(
            report.contains("- `User`: field `Email` added (string); `SID` now required"),
            "{report}"
        );
    }

    #[test]
    fn a_new_section_says_so() {
        let d = doc(
            json!({"/a": {"get": {"operationId": "get_a", "responses": {}}}}),
            json!({}),
        );
        let report = diff_section(None, Some(&d));
        assert!(report.starts_with("The section is new."), "{report}");
        assert!(report.contains("- `GET /a` `get_a`"), "{report}");
    }
}
