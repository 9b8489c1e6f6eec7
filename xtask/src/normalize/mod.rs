//! Turns an upstream API document into one that progenitor 0.15 generates a
//! client from, and says what it changed and why.
//!
//! A tenant serves Swagger 2.0, OpenAPI 3.0 or OpenAPI 3.1, written by
//! whatever framework the service uses. progenitor accepts a narrow subset
//! of OpenAPI 3.0 and, for much of what it does not accept, panics without
//! naming the operation (see `reference/progenitor.md`). This module closes
//! that gap: it converts the dialect, fixes every construct it can fix in a
//! way that keeps the API's meaning, records each fix as a [`Change`], and
//! refuses the rest with a [`NormalizeError`] that names the section and the
//! operation.
//!
//! It is offline, deterministic and idempotent: normalizing its own output
//! changes nothing, and the committed documents in `openapi/` are fixed
//! points. It is not a validator of OpenAPI in general (it only looks at
//! what progenitor or `build.rs` would trip over), and it never fetches
//! anything: `$ref`s to other files are refused, not resolved.
//!
//! Derived operationIds are `<method>_<segments>`, each literal path segment
//! snake_cased and each template segment `{name}` written `by_<name>`:
//! `GET /users/{sid}` becomes `get_users_by_sid`, `GET /` becomes
//! `get_root`.

mod bodies;
mod openapi31;
mod operation_ids;
mod parameters;
mod references;
mod response_schemas;
mod responses;
mod swagger2;
mod walk;

#[cfg(test)]
mod mutations;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// A normalized document and what normalizing changed in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    /// The document, ready for `to_canonical_json` and `build.rs`.
    pub document: Value,
    /// Every change, in the order it was made.
    pub changes: Vec<Change>,
}

/// One thing the normalizer changed: where (e.g. "GET /users/{sid}" or
/// "#/components/schemas/User"), what, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The operation as `METHOD /path`, a JSON pointer such as
    /// `#/components/schemas/User`, or `document`.
    pub location: String,
    /// What was changed, in a sentence.
    pub what: String,
    /// Why: the rule of progenitor or of this crate that asked for it.
    pub why: String,
}

/// A document the normalizer cannot make generable, and where.
///
/// Displays as "section `S`, operation `O`: message", without the operation
/// part when the problem is not about one operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("section `{section}`{}: {message}", operation_part(.operation))]
pub struct NormalizeError {
    /// The section whose document this is.
    pub section: String,
    /// The operation concerned: its upstream operationId, or `METHOD /path`
    /// when it has none.
    pub operation: Option<String>,
    /// What is wrong and, where there is one, what to do about it.
    pub message: String,
}

fn operation_part(operation: &Option<String>) -> String {
    match operation {
        Some(operation) => format!(", operation `{operation}`"),
        None => String::new(),
    }
}

/// Normalizes `upstream`, the document of `section`, into OpenAPI 3.0.3 that
/// `build.rs` and progenitor accept.
pub fn normalize(section: &str, upstream: &Value) -> Result<Normalized, NormalizeError> {
    let mut run = Run {
        section: section.to_owned(),
        changes: Vec::new(),
    };
    let mut document = upstream.clone();
    if !document.is_object() {
        return Err(run.fail(None, "the document is not a JSON object"));
    }

    convert_dialect(&mut document, &mut run)?;
    check_required_fields(&document, &run)?;
    references::check(&document, &run)?;
    parameters::fix(&mut document, &mut run)?;
    bodies::fix(&mut document, &mut run)?;
    responses::fix(&mut document, &mut run)?;
    operation_ids::fix(&mut document, &mut run)?;
    response_schemas::fix(&mut document, &mut run);

    Ok(Normalized {
        document,
        changes: run.changes,
    })
}

/// Sorted keys, 2-space indent, trailing newline: the committed form.
///
/// The same bytes as Python's `json.dump(d, indent=2, sort_keys=True,
/// ensure_ascii=False)` plus a newline, for the integers and strings API
/// documents hold. Keys are sorted here rather than left to `serde_json`'s
/// map, whose order depends on a cargo feature any crate in the build may
/// turn on.
pub fn to_canonical_json(document: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(document))
        .expect("a serde_json::Value with string keys always serializes");
    text.push('\n');
    text
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let mut out = Map::new();
            for (key, value) in entries {
                out.insert(key.clone(), sorted(value));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The per-section report written next to the spec: a markdown table of
/// what/where/why, or a line saying nothing changed.
pub fn report_markdown(section: &str, changes: &[Change]) -> String {
    let mut out = format!("# Section `{section}`: what normalizing changed\n\n");
    if changes.is_empty() {
        out.push_str("Nothing: the upstream document already meets every rule.\n");
        return out;
    }
    out.push_str("| where | what | why |\n| --- | --- | --- |\n");
    for change in changes {
        // `writeln!` into a String cannot fail.
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            cell(&change.location).replace('`', "'"),
            cell(&change.what),
            cell(&change.why)
        );
    }
    out
}

/// A table cell's text: a `|` would end the cell and a newline the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The state of one normalization: whose document it is and what changed so
/// far.
pub(crate) struct Run {
    section: String,
    changes: Vec<Change>,
}

impl Run {
    fn record(&mut self, location: impl Into<String>, what: impl Into<String>, why: &str) {
        self.changes.push(Change {
            location: location.into(),
            what: what.into(),
            why: why.to_owned(),
        });
    }

    fn fail(&self, operation: Option<&Operation>, message: impl Into<String>) -> NormalizeError {
        NormalizeError {
            section: self.section.clone(),
            operation: operation.map(Operation::name),
            message: message.into(),
        }
    }
}

/// Where an operation is, and what upstream called it.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    method: String,
    path: String,
    id: Option<String>,
}

impl Operation {
    fn new(method: &str, path: &str, operation: &Map<String, Value>) -> Self {
        let id = operation
            .get("operationId")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        Operation {
            method: method.to_owned(),
            path: path.to_owned(),
            id,
        }
    }

    /// `GET /users/{sid}`: the location changes are recorded under.
    fn location(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    /// The name errors use: the upstream operationId, which is what the
    /// reader will search the upstream document for.
    fn name(&self) -> String {
        self.id.clone().unwrap_or_else(|| self.location())
    }
}

/// Brings Swagger 2.0 and OpenAPI 3.1 to 3.0.3, and any 3.0.x to 3.0.3.
fn convert_dialect(document: &mut Value, run: &mut Run) -> Result<(), NormalizeError> {
    if let Some(swagger) = document.get("swagger") {
        return match swagger.as_str() {
            Some("2.0") => swagger2::convert(document, run),
            _ => Err(run.fail(
                None,
                format!("`swagger: {swagger}` is not a version this normalizer knows (2.0)"),
            )),
        };
    }
    let version = match document.get("openapi") {
        Some(Value::String(version)) => version.clone(),
        Some(other) => {
            return Err(run.fail(None, format!("`openapi` is {other}, not a version string")));
        }
        None => return Err(run.fail(None, "neither an `openapi` nor a `swagger` version")),
    };
    if version.starts_with("3.1.") || version == "3.1" {
        return openapi31::convert(document, run);
    }
    if version != "3.0" && !version.starts_with("3.0.") {
        return Err(run.fail(
            None,
            format!("OpenAPI {version} is not a version this normalizer knows (2.0, 3.0, 3.1)"),
        ));
    }
    if version != "3.0.3" {
        set(document, "openapi", Value::from("3.0.3"));
        run.record(
            "document",
            format!("`openapi: {version}` became 3.0.3"),
            "every committed document has the same version, and progenitor rejects a bare `3.0`",
        );
    }
    Ok(())
}

/// The fields without which `build.rs` cannot even parse the document.
fn check_required_fields(document: &Value, run: &Run) -> Result<(), NormalizeError> {
    let info = document
        .get("info")
        .and_then(Value::as_object)
        .ok_or_else(|| run.fail(None, "no `info` object"))?;
    for field in ["title", "version"] {
        if !info.get(field).is_some_and(Value::is_string) {
            return Err(run.fail(None, format!("`info.{field}` is missing or not a string")));
        }
    }
    if !document.get("paths").is_some_and(Value::is_object) {
        return Err(run.fail(None, "no `paths` object"));
    }
    if let Some(components) = document.get("components") {
        let Some(components) = components.as_object() else {
            return Err(run.fail(None, "`components` is not an object"));
        };
        for (kind, entries) in components {
            if !kind.starts_with("x-") && !entries.is_object() {
                return Err(run.fail(None, format!("`components.{kind}` is not an object")));
            }
        }
    }
    Ok(())
}

/// Sets `key` on `value` when it is an object; a no-op otherwise, which the
/// callers have ruled out.
fn set(value: &mut Value, key: &str, new: Value) {
    if let Some(map) = value.as_object_mut() {
        map.insert(key.to_owned(), new);
    }
}
