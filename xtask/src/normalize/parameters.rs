//! Parameters as progenitor can generate them: path parameters required and
//! in the template, no `Authorization` header or cookies, and only the
//! serialization styles progenitor implements.
//!
//! A parameter that is a `$ref` and needs a fix is inlined into the
//! operation first, so the fix does not reach the other operations that
//! share the component.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::walk::{self, METHODS};
use super::{NormalizeError, Operation, Run};

pub(super) fn fix(document: &mut Value, run: &mut Run) -> Result<(), NormalizeError> {
    let snapshot = document.clone();
    for path in walk::sorted_paths(document) {
        let Some(Value::Object(item)) = document
            .get_mut("paths")
            .and_then(|paths| paths.get_mut(&path))
        else {
            continue;
        };
        let path_label = format!("path `{path}`");
        let template = template_names(&path)
            .ok_or_else(|| run.fail(None, format!("path `{path}` has unbalanced braces")))?;

        if let Some(list) = item.get_mut("parameters") {
            fix_list(list, &snapshot, &path_label, None, run)?;
            drop_untemplated(list, &template, &snapshot, &path_label, run);
        }
        let shared = declared_path_names(item.get("parameters"), &snapshot);

        for method in METHODS {
            let Some(Value::Object(operation)) = item.get_mut(method) else {
                continue;
            };
            let label = Operation::new(method, &path, operation);
            let location = label.location();
            if let Some(list) = operation.get_mut("parameters") {
                fix_list(list, &snapshot, &location, Some(&label), run)?;
                drop_untemplated(list, &template, &snapshot, &location, run);
            }
            let mut declared = shared.clone();
            declared.extend(declared_path_names(operation.get("parameters"), &snapshot));
            if let Some(missing) = template.iter().find(|name| !declared.contains(*name)) {
                return Err(run.fail(
                    Some(&label),
                    format!("the path has `{{{missing}}}` but no path parameter `{missing}`"),
                ));
            }
        }
    }
    Ok(())
}

/// The `{name}`s of a path template, or `None` when its braces do not pair.
fn template_names(path: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return None;
        }
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let name = &after[..close];
        if name.is_empty() || name.contains('{') {
            return None;
        }
        names.push(name.to_owned());
        rest = &after[close + 1..];
    }
    Some(names)
}

/// A parameter, with a `$ref` followed.
fn resolved<'a>(parameter: &'a Value, snapshot: &'a Value) -> &'a Value {
    match parameter.get("$ref").and_then(Value::as_str) {
        Some(target) => walk::resolve(snapshot, target).unwrap_or(parameter),
        None => parameter,
    }
}

fn declared_path_names(list: Option<&Value>, snapshot: &Value) -> BTreeSet<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|parameter| resolved(parameter, snapshot))
        .filter(|parameter| parameter.get("in").and_then(Value::as_str) == Some("path"))
        .filter_map(|parameter| parameter.get("name")?.as_str().map(str::to_owned))
        .collect()
}

/// Removes path parameters the template does not have, on which progenitor
/// panics ("missing from path").
fn drop_untemplated(
    list: &mut Value,
    template: &[String],
    snapshot: &Value,
    location: &str,
    run: &mut Run,
) {
    let Some(parameters) = list.as_array_mut() else {
        return;
    };
    parameters.retain(|parameter| {
        let parameter = resolved(parameter, snapshot);
        let name = parameter.get("name").and_then(Value::as_str).unwrap_or("");
        let keep = parameter.get("in").and_then(Value::as_str) != Some("path")
            || template.iter().any(|t| t == name);
        if !keep {
            run.record(
                location,
                format!("removed path parameter `{name}`, which the path template lacks"),
                "progenitor panics on a path parameter that is not in the path",
            );
        }
        keep
    });
}

fn fix_list(
    list: &mut Value,
    snapshot: &Value,
    location: &str,
    operation: Option<&Operation>,
    run: &mut Run,
) -> Result<(), NormalizeError> {
    let Some(parameters) = list.as_array_mut() else {
        return Err(run.fail(operation, "`parameters` is not an array"));
    };
    let mut kept = Vec::new();
    let mut seen = BTreeSet::new();
    for mut parameter in std::mem::take(parameters) {
        let target = resolved(&parameter, snapshot).clone();
        let Some(map) = target.as_object() else {
            return Err(run.fail(operation, "a parameter is not an object"));
        };
        let name = map
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| run.fail(operation, "a parameter has no `name`"))?;
        let place = map
            .get("in")
            .and_then(Value::as_str)
            .ok_or_else(|| run.fail(operation, format!("parameter `{name}` has no `in`")))?;

        if !["path", "query", "header", "cookie"].contains(&place) {
            return Err(run.fail(
                operation,
                format!("parameter `{name}` is `in: {place}`, which OpenAPI 3 does not have"),
            ));
        }
        if place == "cookie" {
            run.record(
                location,
                format!("removed cookie parameter `{name}`"),
                "progenitor does not support cookie parameters",
            );
            continue;
        }
        if place == "header" && name.eq_ignore_ascii_case("authorization") {
            run.record(
                location,
                format!("removed header parameter `{name}`"),
                "the crate sends the Authorization header itself, from its token cache",
            );
            continue;
        }
        if !seen.insert((place.to_owned(), name.to_owned())) {
            run.record(
                location,
                format!("removed a second {place} parameter `{name}`"),
                "two parameters of one name would be two fields of one name in generated code",
            );
            continue;
        }
        check_style(map, name, place, operation, run)?;

        let needs_schema = !map.contains_key("schema");
        let needs_required = place == "path" && map.get("required") != Some(&Value::Bool(true));
        if !(needs_schema || needs_required) {
            kept.push(parameter);
            continue;
        }
        if parameter.get("$ref").is_some() {
            run.record(
                location,
                format!("inlined the `$ref` of parameter `{name}` to fix it here"),
                "the fix below must not change other operations that share the component",
            );
        }
        parameter = target.clone();
        let Some(map) = parameter.as_object_mut() else {
            continue;
        };
        if needs_schema {
            add_schema(map, name, operation, location, run)?;
        }
        if needs_required {
            map.insert("required".to_owned(), Value::Bool(true));
            run.record(
                location,
                format!("path parameter `{name}` made `required: true`"),
                "a path parameter is always required, and progenitor asserts it",
            );
        }
        kept.push(parameter);
    }
    *parameters = kept;
    Ok(())
}

fn check_style(
    map: &Map<String, Value>,
    name: &str,
    place: &str,
    operation: Option<&Operation>,
    run: &Run,
) -> Result<(), NormalizeError> {
    let Some(style) = map.get("style") else {
        return Ok(());
    };
    let supported: &[&str] = match place {
        "query" => &["form"],
        _ => &["simple"],
    };
    match style.as_str() {
        Some(style) if supported.contains(&style) => Ok(()),
        Some(style) => Err(run.fail(
            operation,
            format!(
                "{place} parameter `{name}` has `style: {style}`, which progenitor does not \
                 serialize (it supports only {})",
                supported.join(", ")
            ),
        )),
        None => Err(run.fail(
            operation,
            format!("parameter `{name}` has a `style` that is not a string"),
        )),
    }
}

/// Gives a parameter without `schema` one: the schema of its single
/// `content` entry, or a plain string.
fn add_schema(
    map: &mut Map<String, Value>,
    name: &str,
    operation: Option<&Operation>,
    location: &str,
    run: &mut Run,
) -> Result<(), NormalizeError> {
    let schema = match map.remove("content") {
        Some(Value::Object(content)) if content.len() == 1 => content
            .into_iter()
            .next()
            .and_then(|(_, media)| media.get("schema").cloned())
            .unwrap_or_else(|| json!({"type": "string"})),
        Some(_) => {
            return Err(run.fail(
                operation,
                format!("parameter `{name}` describes its value with several media types"),
            ));
        }
        None => json!({"type": "string"}),
    };
    map.insert("schema".to_owned(), schema);
    run.record(
        location,
        format!("parameter `{name}` given a `schema`"),
        "progenitor needs a schema for every parameter (a `content` entry or, without one, a string)",
    );
    Ok(())
}
