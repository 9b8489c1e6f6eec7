//! operationIds that are unique snake_case Rust identifiers.
//!
//! progenitor refuses an operation without an id and turns each id into a
//! method name; `build.rs` and the auth hooks match operations by that
//! snake_case name, so the document must already hold it. An id is split
//! into words at non-alphanumeric characters and at case changes
//! (`getHTTPStatus2` becomes `get_http_status2`), a leading digit gets an
//! `op_` prefix and a keyword an `_op` suffix (progenitor's trailing `_`
//! is not a name `build.rs` accepts). A missing id is derived from the
//! method and path, as the module docs describe. Ids that collide after all
//! that get `_2`, `_3`, ...: an id that was already exactly the name keeps
//! it, then operations in path and method order.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::walk::{self, METHODS};
use super::{NormalizeError, Run};

/// Words a Rust function may not be named: the strict and reserved
/// keywords, and `new`, which the generated `Client` already defines.
const RESERVED: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "new", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

struct Entry {
    path: String,
    method: &'static str,
    original: Option<Value>,
    base: String,
}

pub(super) fn fix(document: &mut Value, run: &mut Run) -> Result<(), NormalizeError> {
    let mut entries = Vec::new();
    for path in walk::sorted_paths(document) {
        for method in METHODS {
            let Some(operation) =
                document.pointer(&format!("/paths/{}/{method}", walk::escape(&path)))
            else {
                continue;
            };
            let original = operation.get("operationId").cloned();
            let base = match original.as_ref().and_then(Value::as_str).map(identifier) {
                Some(id) if !id.is_empty() => id,
                _ => identifier(&derived(method, &path)),
            };
            entries.push(Entry {
                path: path.clone(),
                method,
                original,
                base,
            });
        }
    }

    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, entry) in entries.iter().enumerate() {
        groups.entry(entry.base.clone()).or_default().push(index);
    }
    let mut taken: BTreeSet<String> = groups.keys().cloned().collect();
    let mut names = vec![String::new(); entries.len()];
    for (base, mut members) in groups {
        // Stable: ties keep path and method order.
        members.sort_by_key(|index| {
            entries[*index].original.as_ref().and_then(Value::as_str) != Some(base.as_str())
        });
        let mut members = members.into_iter();
        if let Some(first) = members.next() {
            names[first] = base.clone();
        }
        for index in members {
            let mut n = 2;
            while taken.contains(&format!("{base}_{n}")) {
                n += 1;
            }
            let name = format!("{base}_{n}");
            taken.insert(name.clone());
            names[index] = name;
        }
    }

    for (entry, name) in entries.iter().zip(names) {
        if entry.original.as_ref().and_then(Value::as_str) == Some(name.as_str()) {
            continue;
        }
        let pointer = format!("/paths/{}/{}", walk::escape(&entry.path), entry.method);
        if let Some(Value::Object(operation)) = document.pointer_mut(&pointer) {
            operation.insert("operationId".to_owned(), Value::String(name.clone()));
        }
        let location = format!("{} {}", entry.method.to_uppercase(), entry.path);
        let (what, why) = match &entry.original {
            Some(Value::String(original)) if identifier(original) == name => (
                format!("operationId `{original}` became `{name}`"),
                "operationIds are the snake_case method names of the generated client",
            ),
            Some(Value::String(original)) => (
                format!("operationId `{original}` became `{name}`"),
                "another operation has the same name once both are snake_case",
            ),
            Some(other) => (
                format!("operationId {other} (not a string) replaced by `{name}`"),
                "progenitor needs a string operationId on every operation",
            ),
            None => (
                format!("operationId `{name}` derived from the method and path"),
                "progenitor needs an operationId on every operation",
            ),
        };
        run.record(location, what, why);
    }
    Ok(())
}

/// `get /users/{sid}` → `get users by_sid`, made an identifier later.
fn derived(method: &str, path: &str) -> String {
    let mut words = vec![method.to_owned()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => words.push(format!("by_{name}")),
            None => words.push(segment.to_owned()),
        }
    }
    if words.len() == 1 {
        words.push("root".to_owned());
    }
    words.join("_")
}

/// A snake_case Rust identifier made of the words of `text`; empty when
/// `text` has no letters or digits.
pub(super) fn identifier(text: &str) -> String {
    let words = words(text);
    if words.is_empty() {
        return String::new();
    }
    let mut id = words.join("_");
    if id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert_str(0, "op_");
    }
    if RESERVED.contains(&id.as_str()) {
        id.push_str("_op");
    }
    id
}

/// The lowercase words of `text`: split at anything but ASCII letters and
/// digits, before an upper-case letter that follows a lower-case letter or
/// a digit, and before the last capital of an acronym that starts a word
/// (`HTTPServer` is `http` and `server`).
fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !word.is_empty() && i > 0 {
            let previous = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_is_lower)
            {
                words.push(std::mem::take(&mut word));
            }
        }
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}
