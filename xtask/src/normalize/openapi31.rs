//! OpenAPI 3.1 to 3.0.3, which progenitor cannot read otherwise.
//!
//! 3.1 schemas are JSON Schema 2020-12; the down-conversion maps what 3.0
//! can say (`null` in a type array or a composition becomes `nullable`,
//! `const` a one-value `enum`, `examples` the first `example`, numeric
//! exclusive bounds boolean ones) and drops what it cannot (webhooks, the
//! schema dialect, `info.summary`, `license.identifier`), recording each.

use serde_json::{Map, Value, json};

use super::walk;
use super::{NormalizeError, Run};

const WHY: &str = "progenitor reads only OpenAPI 3.0.x";

pub(super) fn convert(document: &mut Value, run: &mut Run) -> Result<(), NormalizeError> {
    let Some(root) = document.as_object_mut() else {
        return Err(run.fail(None, "the document is not a JSON object"));
    };
    let version = root
        .insert("openapi".to_owned(), Value::from("3.0.3"))
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    run.record(
        "document",
        format!("converted OpenAPI {version} to 3.0.3"),
        WHY,
    );
    for key in ["jsonSchemaDialect", "webhooks"] {
        if root.remove(key).is_some() {
            run.record(
                "document",
                format!("removed `{key}`"),
                "OpenAPI 3.0 has no such field",
            );
        }
    }
    if let Some(Value::Object(info)) = root.get_mut("info") {
        if info.remove("summary").is_some() {
            run.record(
                "document",
                "removed `info.summary`",
                "OpenAPI 3.0 has no such field",
            );
        }
        if let Some(Value::Object(license)) = info.get_mut("license")
            && license.remove("identifier").is_some()
        {
            run.record(
                "document",
                "removed `info.license.identifier`",
                "OpenAPI 3.0 has no such field",
            );
        }
    }
    if let Some(Value::Object(components)) = root.get_mut("components")
        && components.remove("pathItems").is_some()
    {
        run.record(
            "document",
            "removed `components.pathItems`",
            "OpenAPI 3.0 has no such field, and progenitor does not follow path item refs",
        );
    }
    walk::for_each_schema(document, &mut |location, schema| {
        convert_schema(location, schema, run);
    });
    Ok(())
}

fn is_null_schema(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(kind)) => kind == "null",
        Some(Value::Array(kinds)) => kinds.iter().all(|k| k == "null") && !kinds.is_empty(),
        _ => false,
    }
}

fn convert_schema(location: &str, schema: &mut Map<String, Value>, run: &mut Run) {
    if schema.remove("$schema").is_some() {
        run.record(
            location,
            "removed `$schema`",
            "OpenAPI 3.0 schemas have no dialect",
        );
    }
    convert_type(location, schema, run);
    for key in ["oneOf", "anyOf"] {
        convert_null_member(location, schema, key, run);
    }
    if let Some(value) = schema.remove("const") {
        if !schema.contains_key("enum") {
            schema.insert("enum".to_owned(), Value::Array(vec![value]));
        }
        run.record(location, "`const` became a one-value `enum`", WHY);
    }
    if let Some(Value::Array(examples)) = schema.get("examples") {
        let first = examples.first().cloned();
        schema.remove("examples");
        if let Some(first) = first {
            schema.entry("example").or_insert(first);
        }
        run.record(location, "`examples` became its first `example`", WHY);
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Number(limit)) = schema.get(exclusive) {
            let limit = Value::Number(limit.clone());
            schema.insert(bound.to_owned(), limit);
            schema.insert(exclusive.to_owned(), Value::Bool(true));
            run.record(
                location,
                format!("numeric `{exclusive}` became `{bound}` with a boolean `{exclusive}`"),
                WHY,
            );
        }
    }
}

/// `type: [T, "null"]` → `type: T` + `nullable`; several non-null types
/// become an `anyOf` of one type each.
fn convert_type(location: &str, schema: &mut Map<String, Value>, run: &mut Run) {
    let kinds: Vec<Value> = match schema.get("type") {
        Some(Value::Array(kinds)) => kinds.clone(),
        Some(Value::String(kind)) if kind == "null" => vec![Value::from("null")],
        _ => return,
    };
    schema.remove("type");
    let nullable = kinds.iter().any(|k| k == "null");
    let others: Vec<Value> = kinds.into_iter().filter(|k| k != "null").collect();
    match others.as_slice() {
        [] => {}
        [one] => {
            schema.insert("type".to_owned(), one.clone());
        }
        several => {
            let members = several.iter().map(|kind| json!({ "type": kind })).collect();
            add_member(schema, "anyOf", Value::Array(members));
        }
    }
    if nullable {
        schema.insert("nullable".to_owned(), Value::Bool(true));
    }
    run.record(
        location,
        "a `type` array became one type and `nullable`",
        WHY,
    );
}

/// `oneOf`/`anyOf` with a `{type: "null"}` member: the member goes and the
/// schema becomes `nullable`; a single remaining member is merged in (a
/// `$ref` through `allOf`, since progenitor ignores `nullable` beside one).
fn convert_null_member(location: &str, schema: &mut Map<String, Value>, key: &str, run: &mut Run) {
    let Some(Value::Array(members)) = schema.get(key) else {
        return;
    };
    if !members.iter().any(is_null_schema) {
        return;
    }
    let others: Vec<Value> = members
        .iter()
        .filter(|m| !is_null_schema(m))
        .cloned()
        .collect();
    schema.remove(key);
    schema.insert("nullable".to_owned(), Value::Bool(true));
    run.record(
        location,
        format!("the `null` member of `{key}` became `nullable`"),
        WHY,
    );
    match others.len() {
        0 => {}
        1 => {
            let Some(Value::Object(member)) = others.into_iter().next() else {
                return;
            };
            let clashes = member.keys().any(|k| schema.contains_key(k));
            if member.contains_key("$ref") || clashes {
                add_member(schema, "allOf", Value::Array(vec![Value::Object(member)]));
            } else {
                schema.extend(member);
            }
        }
        _ => {
            schema.insert(key.to_owned(), Value::Array(others));
        }
    }
}

/// Adds `members` under `key`, or beside an existing `key` through `allOf`.
fn add_member(schema: &mut Map<String, Value>, key: &str, members: Value) {
    if !schema.contains_key(key) {
        schema.insert(key.to_owned(), members);
        return;
    }
    let wrapper = json!({ key: members });
    match schema.get_mut("allOf") {
        Some(Value::Array(all)) => all.push(wrapper),
        _ => {
            schema.insert("allOf".to_owned(), Value::Array(vec![wrapper]));
        }
    }
}
