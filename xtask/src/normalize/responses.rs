//! Responses with one success type and no error types.
//!
//! progenitor gives an operation one success type and one error type, and
//! panics (naming nothing) when the declared responses disagree. Errors are
//! read by the crate itself from the raw response, so error responses keep
//! only their description. Of the success responses one is kept as the type
//! (200, else the lowest 2xx), with one media type (JSON preferred), and the
//! others must agree with it or go.

use serde_json::{Map, Value, json};

use super::bodies::quoted;
use super::walk::{self, is_json};
use super::{NormalizeError, Operation, Run};

pub(super) fn fix(document: &mut Value, run: &mut Run) -> Result<(), NormalizeError> {
    let snapshot = document.clone();
    walk::for_each_operation(document, &mut |label, operation| {
        fix_operation(label, operation, &snapshot, run)
    })
}

fn fix_operation(
    label: &Operation,
    operation: &mut Map<String, Value>,
    snapshot: &Value,
    run: &mut Run,
) -> Result<(), NormalizeError> {
    let location = label.location();
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return Err(run.fail(Some(label), "`responses` is missing or not an object"));
    };

    // Status codes first: progenitor reads "2XX" but not "2xx", and an
    // unknown key fails the whole document.
    let mut codes: Vec<String> = responses.keys().cloned().collect();
    codes.sort();
    for code in codes {
        let Some(canonical) = status_code(&code) else {
            if code.starts_with("x-") {
                continue;
            }
            return Err(run.fail(
                Some(label),
                format!("`{code}` is not a response status code"),
            ));
        };
        let Some(mut response) = responses.remove(&code) else {
            continue;
        };
        if let Some(target) = response.get("$ref").and_then(Value::as_str) {
            response = walk::resolve(snapshot, target).cloned().ok_or_else(|| {
                run.fail(Some(label), format!("`$ref: {target}` points at nothing"))
            })?;
            run.record(
                &location,
                format!("inlined the `$ref` of response `{code}`"),
                "its content is fixed per operation",
            );
        }
        let Some(map) = response.as_object_mut() else {
            return Err(run.fail(Some(label), format!("response `{code}` is not an object")));
        };
        if !map.get("description").is_some_and(Value::is_string) {
            map.insert("description".to_owned(), Value::String(String::new()));
            run.record(
                &location,
                format!("response `{code}` given an empty description"),
                "OpenAPI 3.0 requires one, and build.rs parses the document strictly",
            );
        }
        fix_media_types(map, &code, label, &location, run)?;
        if canonical != code {
            run.record(
                &location,
                format!("response `{code}` renamed `{canonical}`"),
                "OpenAPI writes status ranges in upper case",
            );
        }
        responses.insert(canonical, response);
    }

    let has_success = responses.keys().any(|code| code.starts_with('2'));
    if !has_success && let Some(default) = responses.remove("default") {
        responses.insert("200".to_owned(), default);
        run.record(
            &location,
            "the `default` response became `200`",
            "it is the only success response, and progenitor would also use it as the error type",
        );
    }

    let mut codes: Vec<String> = responses.keys().cloned().collect();
    codes.sort();
    let primary = codes
        .iter()
        .find(|code| *code == "200")
        .or_else(|| codes.iter().find(|code| code.starts_with('2')))
        .cloned();
    if let Some(primary) = &primary
        && let Some(Value::Object(response)) = responses.get_mut(primary)
    {
        one_media_type(response, primary, &location, run);
    }
    let primary_content = primary
        .as_ref()
        .and_then(|code| responses.get(code))
        .and_then(|response| response.get("content"))
        .cloned();

    for code in codes {
        if Some(&code) == primary.as_ref() || code.starts_with("x-") {
            continue;
        }
        let Some(Value::Object(response)) = responses.get_mut(&code) else {
            continue;
        };
        let first = code.chars().next().unwrap_or('d');
        let success_like = first == '2' || code == "default";
        if first == '1' || (success_like && primary_content.is_some()) {
            if first == '2' {
                one_media_type(response, &code, &location, run);
                if response.get("content") == primary_content.as_ref() {
                    continue;
                }
            }
            responses.remove(&code);
            let why = if first == '1' {
                "progenitor counts a 1xx as a success, so it would be a second success type"
            } else {
                "progenitor panics on success responses of different types (`default` is one)"
            };
            run.record(&location, format!("removed response `{code}`"), why);
        } else if response.remove("content").is_some() {
            let why = if success_like {
                "the success responses of this operation have no body, and progenitor panics on differing success types"
            } else {
                "the crate reads error bodies itself, and progenitor panics on differing error types"
            };
            run.record(
                &location,
                format!("response `{code}` lost its content"),
                why,
            );
        }
    }
    Ok(())
}

/// A status code as OpenAPI 3.0 spells it, or `None` if the key is none.
fn status_code(code: &str) -> Option<String> {
    if code == "default" {
        return Some(code.to_owned());
    }
    let bytes = code.as_bytes();
    if bytes.len() != 3 || !(b'1'..=b'5').contains(&bytes[0]) {
        return None;
    }
    if bytes[1..].iter().all(u8::is_ascii_digit) {
        return Some(code.to_owned());
    }
    if bytes[1..].iter().all(|b| b.eq_ignore_ascii_case(&b'x')) {
        return Some(format!("{}XX", char::from(bytes[0])));
    }
    None
}

/// Gives JSON media types a schema and removes `encoding`, on both of which
/// progenitor panics; an empty `content` is removed, as it means no body.
fn fix_media_types(
    response: &mut Map<String, Value>,
    code: &str,
    label: &Operation,
    location: &str,
    run: &mut Run,
) -> Result<(), NormalizeError> {
    let Some(content) = response.get_mut("content") else {
        return Ok(());
    };
    let Some(media_types) = content.as_object_mut() else {
        return Err(run.fail(
            Some(label),
            format!("response `{code}` has a `content` that is not an object"),
        ));
    };
    for (name, media) in media_types.iter_mut() {
        let Some(media) = media.as_object_mut() else {
            return Err(run.fail(
                Some(label),
                format!("media type `{name}` of response `{code}` is not an object"),
            ));
        };
        if media.remove("encoding").is_some() {
            run.record(
                location,
                format!("removed `encoding` from `{name}` of response `{code}`"),
                "progenitor asserts that a response media type has no encoding",
            );
        }
        if is_json(name) && !media.contains_key("schema") {
            media.insert("schema".to_owned(), json!({}));
            run.record(
                location,
                format!("`{name}` of response `{code}` given schema `{{}}`"),
                "progenitor panics on a JSON response without a schema; `{}` is any JSON",
            );
        }
    }
    if media_types.is_empty() {
        response.remove("content");
        run.record(
            location,
            format!("removed the empty `content` of response `{code}`"),
            "an empty content map and none mean the same, and build.rs compares them",
        );
    }
    Ok(())
}

/// Keeps one media type of a success response: JSON if there is one, named
/// `application/json`, else the first in sorted order.
fn one_media_type(response: &mut Map<String, Value>, code: &str, location: &str, run: &mut Run) {
    let Some(Value::Object(media_types)) = response.get_mut("content") else {
        return;
    };
    let mut names: Vec<String> = media_types.keys().cloned().collect();
    names.sort();
    let chosen = names
        .iter()
        .find(|name| name.as_str() == "application/json")
        .or_else(|| names.iter().find(|name| is_json(name)))
        .or_else(|| names.first())
        .cloned();
    let Some(chosen) = chosen else {
        return;
    };
    let Some(media) = media_types.remove(&chosen) else {
        return;
    };
    if !media_types.is_empty() {
        let dropped: Vec<String> = media_types.keys().cloned().collect();
        run.record(
            location,
            format!(
                "response `{code}` kept `{chosen}`, dropped {}",
                quoted(&dropped)
            ),
            "progenitor gives an operation one success type",
        );
    }
    media_types.clear();
    let name = if is_json(&chosen) {
        "application/json".to_owned()
    } else {
        chosen.clone()
    };
    if name != chosen {
        run.record(
            location,
            format!("response `{code}` content type `{chosen}` renamed `{name}`"),
            "progenitor types only `application/json` responses; others become byte streams",
        );
    }
    media_types.insert(name, media);
}
