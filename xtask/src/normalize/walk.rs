//! Where things sit in an OpenAPI 3.0-shaped document: its operations, its
//! schemas and its `$ref`s, visited in a fixed order.
//!
//! Only positions that OpenAPI defines are visited, so an `example` or a
//! vendor extension whose data happens to look like a schema or a `$ref` is
//! left alone. Values of the wrong JSON type are skipped, not reported: the
//! rules that care about a position report its type themselves.

use serde_json::{Map, Value};

use super::Operation;

/// The HTTP methods a path item may hold, in `build.rs`'s order.
pub(super) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Keys whose values are data, not document structure.
const DATA_KEYS: [&str; 5] = ["example", "examples", "default", "enum", "const"];

/// A key escaped for use in a JSON pointer.
pub(super) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The paths of the document, sorted, so that every walk sees them in the
/// same order whatever order the JSON map keeps.
pub(super) fn sorted_paths(document: &Value) -> Vec<String> {
    let mut paths: Vec<String> = document
        .get("paths")
        .and_then(Value::as_object)
        .map(|paths| paths.keys().cloned().collect())
        .unwrap_or_default();
    paths.sort();
    paths
}

/// An operation visitor: gets where the operation is and what upstream
/// called it.
pub(super) type OperationVisit<'a, E> =
    dyn FnMut(&Operation, &mut Map<String, Value>) -> Result<(), E> + 'a;

/// Calls `visit` on every operation object, by path and then method.
pub(super) fn for_each_operation<E>(
    document: &mut Value,
    visit: &mut OperationVisit<'_, E>,
) -> Result<(), E> {
    for path in sorted_paths(document) {
        let Some(item) = document
            .get_mut("paths")
            .and_then(|paths| paths.get_mut(&path))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for method in METHODS {
            if let Some(Value::Object(operation)) = item.get_mut(method) {
                let label = Operation::new(method, &path, operation);
                visit(&label, operation)?;
            }
        }
    }
    Ok(())
}

/// The direct subschemas of a schema.
pub(super) fn subschemas_mut(schema: &mut Map<String, Value>) -> Vec<&mut Value> {
    let mut out = Vec::new();
    for (key, value) in schema.iter_mut() {
        match (key.as_str(), value) {
            ("items" | "additionalProperties" | "not", value) => out.push(value),
            ("allOf" | "oneOf" | "anyOf", Value::Array(members)) => out.extend(members.iter_mut()),
            ("properties", Value::Object(properties)) => out.extend(properties.values_mut()),
            _ => {}
        }
    }
    out
}

/// A schema visitor: gets the location to record changes under.
pub(super) type SchemaVisit<'a> = dyn FnMut(&str, &mut Map<String, Value>) + 'a;

/// Calls `visit` on every schema object of the document, each parent before
/// its subschemas, so a visitor that rewrites a schema sees the rewritten
/// subschemas afterwards.
pub(super) fn for_each_schema(document: &mut Value, visit: &mut SchemaVisit<'_>) {
    if let Some(components) = document
        .get_mut("components")
        .and_then(Value::as_object_mut)
    {
        let mut kinds: Vec<String> = components.keys().cloned().collect();
        kinds.sort();
        for kind in kinds {
            let Some(Value::Object(entries)) = components.get_mut(&kind) else {
                continue;
            };
            for (name, entry) in entries.iter_mut() {
                let location = format!("#/components/{kind}/{}", escape(name));
                match kind.as_str() {
                    "schemas" => schema_tree(entry, &location, visit),
                    "parameters" | "headers" => parameter(entry, &location, visit),
                    "requestBodies" => content(entry, &location, visit),
                    "responses" => response(entry, &location, visit),
                    _ => {}
                }
            }
        }
    }
    for path in sorted_paths(document) {
        let Some(Value::Object(item)) = document
            .get_mut("paths")
            .and_then(|paths| paths.get_mut(&path))
        else {
            continue;
        };
        if let Some(Value::Array(parameters)) = item.get_mut("parameters") {
            for entry in parameters {
                parameter(entry, &path, visit);
            }
        }
        for method in METHODS {
            let Some(Value::Object(operation)) = item.get_mut(method) else {
                continue;
            };
            let location = format!("{} {path}", method.to_uppercase());
            if let Some(Value::Array(parameters)) = operation.get_mut("parameters") {
                for entry in parameters {
                    parameter(entry, &location, visit);
                }
            }
            if let Some(body) = operation.get_mut("requestBody") {
                content(body, &location, visit);
            }
            if let Some(Value::Object(responses)) = operation.get_mut("responses") {
                for entry in responses.values_mut() {
                    response(entry, &location, visit);
                }
            }
        }
    }
}

/// Visits a schema and, depth first, all its subschemas.
pub(super) fn schema_tree(value: &mut Value, location: &str, visit: &mut SchemaVisit<'_>) {
    let Some(schema) = value.as_object_mut() else {
        return;
    };
    visit(location, schema);
    for child in subschemas_mut(schema) {
        schema_tree(child, location, visit);
    }
}

fn parameter(value: &mut Value, location: &str, visit: &mut SchemaVisit<'_>) {
    if let Some(schema) = value.get_mut("schema") {
        schema_tree(schema, location, visit);
    }
    content(value, location, visit);
}

fn response(value: &mut Value, location: &str, visit: &mut SchemaVisit<'_>) {
    content(value, location, visit);
    if let Some(Value::Object(headers)) = value.get_mut("headers") {
        for header in headers.values_mut() {
            parameter(header, location, visit);
        }
    }
}

/// The schemas of a `content` map's media types.
fn content(value: &mut Value, location: &str, visit: &mut SchemaVisit<'_>) {
    if let Some(Value::Object(media_types)) = value.get_mut("content") {
        for media in media_types.values_mut() {
            if let Some(schema) = media.get_mut("schema") {
                schema_tree(schema, location, visit);
            }
        }
    }
}

/// Calls `visit` on the target of every `$ref` under `value`, skipping data
/// (examples, defaults, enums) and vendor extensions.
pub(super) fn for_each_ref<E>(
    value: &Value,
    visit: &mut dyn FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    if let Value::String(target) = child {
                        visit(target)?;
                    }
                } else if !DATA_KEYS.contains(&key.as_str()) && !key.starts_with("x-") {
                    for_each_ref(child, visit)?;
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                for_each_ref(item, visit)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Rewrites every `$ref` under `value` with `rewrite`, with the same
/// exceptions as [`for_each_ref`].
pub(super) fn rewrite_refs(value: &mut Value, rewrite: &dyn Fn(&str) -> Option<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref" {
                    if let Some(new) = child.as_str().and_then(rewrite) {
                        *child = Value::String(new);
                    }
                } else if !DATA_KEYS.contains(&key.as_str()) && !key.starts_with("x-") {
                    rewrite_refs(child, rewrite);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_refs(item, rewrite);
            }
        }
        _ => {}
    }
}

/// What a local `$ref` points at in `document`.
pub(super) fn resolve<'a>(document: &'a Value, target: &str) -> Option<&'a Value> {
    document.pointer(target.strip_prefix('#')?)
}

/// Whether a media type is JSON for this crate: `application/json` with or
/// without parameters, any `+json` type, and the `text/json` of ASP.NET.
pub(super) fn is_json(media_type: &str) -> bool {
    let base = base_type(media_type);
    base == "application/json" || base.ends_with("+json") || base == "text/json"
}

/// A media type without its parameters, lowercased.
pub(super) fn base_type(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}
