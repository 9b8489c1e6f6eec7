//! Response types that survive a server that grows: open enums, no
//! `deny_unknown_fields`, and `nullable` that progenitor does not ignore.
//!
//! progenitor turns a string `enum` into a closed Rust enum and
//! `additionalProperties: false` into `deny_unknown_fields`, so a new enum
//! value or a new field fails the whole response. Every schema a response
//! reaches (through `$ref`, properties, items, compositions and maps) loses
//! both; the enum's values move into its description, so they stay
//! documented. Request schemas that no response reaches keep them: there
//! they describe what the client may send.
//!
//! Separately, and in every schema: `nullable: true` beside a `$ref` is
//! ignored by progenitor (the `$ref` wins), so it is rewritten as an
//! `allOf` of the `$ref`, which progenitor does make an `Option`.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::Run;
use super::walk::{self, METHODS};

pub(super) fn fix(document: &mut Value, run: &mut Run) {
    walk::for_each_schema(document, &mut |location, schema| {
        wrap_nullable_ref(location, schema, run);
    });

    let mut pending: Vec<(String, String)> = response_schema_pointers(document);
    let mut visited = BTreeSet::new();
    while let Some((pointer, location)) = pending.pop() {
        if !visited.insert(pointer.clone()) {
            continue;
        }
        let Some(schema) = document.pointer_mut(&pointer) else {
            continue;
        };
        let mut refs = Vec::new();
        open_tree(schema, &location, &mut refs, run);
        for target in refs {
            if let Some(pointer) = target.strip_prefix('#') {
                pending.push((pointer.to_owned(), target.clone()));
            }
        }
    }
}

/// The JSON pointers of every response media type's schema, with the
/// location of their operation; last first, so that popping them visits
/// operations in order.
fn response_schema_pointers(document: &Value) -> Vec<(String, String)> {
    let mut pointers = Vec::new();
    for path in walk::sorted_paths(document) {
        for method in METHODS {
            let operation = format!("/paths/{}/{method}", walk::escape(&path));
            let Some(Value::Object(responses)) =
                document.pointer(&format!("{operation}/responses"))
            else {
                continue;
            };
            for (code, response) in responses {
                let Some(Value::Object(content)) = response.get("content") else {
                    continue;
                };
                for (name, media) in content {
                    if media.get("schema").is_some() {
                        pointers.push((
                            format!(
                                "{operation}/responses/{}/content/{}/schema",
                                walk::escape(code),
                                walk::escape(name)
                            ),
                            format!("{} {path}", method.to_uppercase()),
                        ));
                    }
                }
            }
        }
    }
    pointers.reverse();
    pointers
}

fn wrap_nullable_ref(location: &str, schema: &mut Map<String, Value>, run: &mut Run) {
    if !schema.contains_key("$ref") || schema.get("nullable") != Some(&Value::Bool(true)) {
        return;
    }
    let Some(reference) = schema.remove("$ref") else {
        return;
    };
    let target = reference.as_str().unwrap_or_default().to_owned();
    let mut member = Map::new();
    member.insert("$ref".to_owned(), reference);
    schema.insert(
        "allOf".to_owned(),
        Value::Array(vec![Value::Object(member)]),
    );
    run.record(
        location,
        format!("`nullable` beside `$ref: {target}` rewritten as `allOf: [$ref]` with `nullable`"),
        "progenitor ignores `nullable` beside a `$ref`, so a `null` would fail the response",
    );
}

/// Opens the enums of a schema and its subschemas, collecting the `$ref`s
/// to follow.
fn open_tree(value: &mut Value, location: &str, refs: &mut Vec<String>, run: &mut Run) {
    let Some(schema) = value.as_object_mut() else {
        return;
    };
    if let Some(Value::String(target)) = schema.get("$ref") {
        refs.push(target.clone());
    }
    open_enum(schema, location, run);
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        schema.remove("additionalProperties");
        run.record(
            location,
            "removed `additionalProperties: false` from a response schema",
            "progenitor makes it `deny_unknown_fields`, so a field the server adds would fail the response",
        );
    }
    for child in walk::subschemas_mut(schema) {
        open_tree(child, location, refs, run);
    }
}

fn open_enum(schema: &mut Map<String, Value>, location: &str, run: &mut Run) {
    let Some(Value::Array(values)) = schema.get("enum") else {
        return;
    };
    let is_string = match schema.get("type") {
        Some(Value::String(kind)) => kind == "string",
        None => values.iter().all(|v| v.is_string() || v.is_null()),
        Some(_) => false,
    };
    if !is_string {
        return;
    }
    let known: Vec<String> = values
        .iter()
        .filter(|value| !value.is_null())
        .map(|value| match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect();
    schema.remove("enum");
    if !known.is_empty() {
        let sentence = format!("Known values: {}.", known.join(", "));
        let description = match schema.get("description").and_then(Value::as_str) {
            Some(existing) if !existing.trim().is_empty() => {
                format!("{} {sentence}", existing.trim_end())
            }
            _ => sentence,
        };
        schema.insert("description".to_owned(), Value::String(description));
    }
    run.record(
        location,
        format!(
            "opened the string enum of {} values in a response schema",
            known.len()
        ),
        "progenitor makes a closed enum, so a value the server adds would fail the whole response",
    );
}
