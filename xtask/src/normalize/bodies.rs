//! Request bodies with exactly one content type that progenitor generates,
//! or flagged `x-nwa-handwritten` when the crate must send them by hand.
//!
//! progenitor panics on a body with several media types, refuses any type it
//! does not know (multipart, XML, `+json`), and wants exact schemas for
//! octet streams and plain text. The preference order keeps the richest
//! typing: JSON, then `+json` renamed to JSON, then multipart (flagged, as
//! `src/` writes multipart uploads), form, octet stream, plain text, and
//! anything else flagged.

use serde_json::{Map, Value, json};

use super::walk::{self, base_type, is_json};
use super::{NormalizeError, Operation, Run};

/// The extension `build.rs` skips an operation for.
pub(super) const HANDWRITTEN: &str = "x-nwa-handwritten";

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
    let Some(body) = operation.get_mut("requestBody") else {
        return Ok(());
    };
    if let Some(target) = body.get("$ref").and_then(Value::as_str) {
        let resolved = walk::resolve(snapshot, target)
            .cloned()
            .ok_or_else(|| run.fail(Some(label), format!("`$ref: {target}` points at nothing")))?;
        *body = resolved;
        run.record(
            &location,
            "inlined the request body's `$ref`",
            "its content type and schema are fixed per operation",
        );
    }
    let Some(body) = body.as_object_mut() else {
        return Err(run.fail(Some(label), "`requestBody` is not an object"));
    };
    let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) else {
        return Err(run.fail(Some(label), "the request body has no `content` object"));
    };
    if content.is_empty() {
        operation.remove("requestBody");
        run.record(
            &location,
            "removed a request body with no content type",
            "a body without a content type is no body to progenitor",
        );
        return Ok(());
    }

    let (chosen, kind) = choose(content);
    let Some(mut media) = content.remove(&chosen) else {
        return Ok(());
    };
    if !content.is_empty() {
        let dropped: Vec<String> = content.keys().cloned().collect();
        run.record(
            &location,
            format!(
                "kept request content type `{chosen}`, dropped {}",
                quoted(&dropped)
            ),
            "progenitor panics on a request body with more than one content type",
        );
    }
    content.clear();
    let name = kind.media_type(&chosen);
    if name != chosen {
        run.record(
            &location,
            format!("request content type `{chosen}` renamed `{name}`"),
            "progenitor serializes only `application/json` and a few other exact types",
        );
    }
    let Some(media_map) = media.as_object_mut() else {
        return Err(run.fail(
            Some(label),
            format!("media type `{chosen}` is not an object"),
        ));
    };
    fix_schema(media_map, kind, &location, run);
    content.insert(name.clone(), media);

    if let Some(reason) = kind.handwritten_reason(&name)
        && !operation.contains_key(HANDWRITTEN)
    {
        operation.insert(HANDWRITTEN.to_owned(), Value::String(reason));
        run.record(
            &location,
            format!("flagged `{HANDWRITTEN}`"),
            "progenitor cannot send this body; build.rs skips the operation and src/ writes it",
        );
    }
    Ok(())
}

/// The kinds of request body, in order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Json,
    PlusJson,
    Multipart,
    Form,
    OctetStream,
    Text,
    Other,
}

impl Kind {
    fn of(media_type: &str) -> Kind {
        let base = base_type(media_type);
        match base.as_str() {
            "application/json" => Kind::Json,
            _ if is_json(&base) => Kind::PlusJson,
            "multipart/form-data" => Kind::Multipart,
            "application/x-www-form-urlencoded" => Kind::Form,
            "application/octet-stream" => Kind::OctetStream,
            "text/plain" => Kind::Text,
            _ => Kind::Other,
        }
    }

    /// The name the kept media type gets: the bare type progenitor matches.
    fn media_type(self, original: &str) -> String {
        match self {
            Kind::Json | Kind::PlusJson => "application/json".to_owned(),
            Kind::Other => original.to_owned(),
            _ => base_type(original),
        }
    }

    fn handwritten_reason(self, media_type: &str) -> Option<String> {
        matches!(self, Kind::Multipart | Kind::Other).then(|| {
            format!(
                "{media_type} request body, which progenitor does not generate: write it by \
                 hand in src/ on the same client and auth."
            )
        })
    }
}

/// The media type to keep: the most preferred kind, the first name of that
/// kind in sorted order.
fn choose(content: &Map<String, Value>) -> (String, Kind) {
    let mut names: Vec<&String> = content.keys().collect();
    names.sort();
    names
        .into_iter()
        .map(|name| (name.clone(), Kind::of(name)))
        .min_by_key(|(_, kind)| *kind)
        .unwrap_or_else(|| ("application/json".to_owned(), Kind::Json))
}

/// Makes the schema one progenitor accepts for the kind of body.
fn fix_schema(media: &mut Map<String, Value>, kind: Kind, location: &str, run: &mut Run) {
    let schema = media.get("schema");
    let (fine, wanted, why) = match kind {
        Kind::OctetStream => (
            schema.is_some_and(|s| is_plain_string(s, Some("binary"))),
            json!({"format": "binary", "type": "string"}),
            "progenitor takes an octet-stream body only with exactly this schema",
        ),
        Kind::Text => (
            schema.is_some_and(|s| is_plain_string(s, None)),
            json!({"type": "string"}),
            "progenitor takes a text/plain body only as a plain string",
        ),
        _ => (
            schema.is_some(),
            json!({}),
            "progenitor needs a schema for a request body; `{}` accepts any JSON",
        ),
    };
    if fine {
        return;
    }
    let mut wanted = wanted;
    if let (Some(description), Some(map)) = (
        schema.and_then(|s| s.get("description")).cloned(),
        wanted.as_object_mut(),
    ) {
        map.insert("description".to_owned(), description);
    }
    let what = if schema.is_some() {
        format!("request body schema replaced by {wanted}")
    } else {
        format!("request body given schema {wanted}")
    };
    media.insert("schema".to_owned(), wanted);
    run.record(location, what, why);
}

/// A string schema with no constraints progenitor would refuse.
fn is_plain_string(schema: &Value, format: Option<&str>) -> bool {
    let Some(map) = schema.as_object() else {
        return false;
    };
    let constrained = [
        "pattern",
        "minLength",
        "maxLength",
        "enum",
        "default",
        "discriminator",
    ]
    .iter()
    .any(|key| map.contains_key(*key));
    map.get("type").and_then(Value::as_str) == Some("string")
        && map.get("format").and_then(Value::as_str) == format
        && map.get("nullable") != Some(&Value::Bool(true))
        && !map.contains_key("$ref")
        && !constrained
}

/// `a`, `b` and `c`, each in backticks.
pub(super) fn quoted(names: &[String]) -> String {
    let names: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    names.join(", ")
}
