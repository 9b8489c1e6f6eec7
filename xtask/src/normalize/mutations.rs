//! A seeded mutation test: the bundled documents, broken at random, never
//! make the normalizer panic; its errors name the section and, when the
//! damage is inside one operation, that operation; and whatever it accepts
//! meets `build.rs`'s rules and is a fixed point.
//!
//! The generator is a fixed-seed xorshift, so a failure reproduces; the
//! failing case number and its mutations are in the message.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::walk::METHODS;
use super::*;

/// At most this many cases, fewer if the time budget runs out first.
const CASES: u32 = 6000;
/// Keeps the test well under 20 s in a debug build on a small machine.
const BUDGET: Duration = Duration::from_secs(8);

const SECTIONS: [&str; 5] = ["workflow", "auth", "files", "instance", "core-service"];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Every JSON pointer in `value`, the root excluded.
fn pointers(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let pointer = format!("{prefix}/{}", walk::escape(key));
                out.push(pointer.clone());
                pointers(child, &pointer, out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                let pointer = format!("{prefix}/{index}");
                out.push(pointer.clone());
                pointers(child, &pointer, out);
            }
        }
        _ => {}
    }
}

fn parent_and_key(pointer: &str) -> (&str, &str) {
    pointer.rsplit_once('/').unwrap_or(("", pointer))
}

/// The `/paths/P/M` prefix of a pointer inside an operation.
fn operation_of(pointer: &str) -> Option<String> {
    let mut parts = pointer.splitn(5, '/').skip(1);
    let (paths, path, method) = (parts.next()?, parts.next()?, parts.next()?);
    (paths == "paths" && METHODS.contains(&method)).then(|| format!("/paths/{path}/{method}"))
}

/// A value of another JSON type than most schema fields hold.
fn junk(rng: &mut Rng) -> Value {
    match rng.below(8) {
        0 => Value::Null,
        1 => json!(42),
        2 => json!([1, "two", null]),
        3 => json!("surprise"),
        4 => json!(true),
        5 => json!({}),
        6 => json!({"$ref": "#/components/schemas/Missing"}),
        _ => json!({"type": ["string", "null"], "enum": ["a", null]}),
    }
}

/// Applies one random mutation; returns what it did and the pointer it
/// touched.
fn mutate(document: &mut Value, rng: &mut Rng) -> (String, Option<String>) {
    let mut all = Vec::new();
    pointers(document, "", &mut all);
    let target = all.get(rng.below(all.len())).cloned().unwrap_or_default();
    match rng.below(7) {
        0 => {
            let (parent, key) = parent_and_key(&target);
            let key = key.replace("~1", "/").replace("~0", "~");
            match document.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(&key);
                }
                Some(Value::Array(items)) => {
                    if let Ok(index) = key.parse::<usize>()
                        && index < items.len()
                    {
                        items.remove(index);
                    }
                }
                _ => {}
            }
            (format!("deleted {target}"), Some(target))
        }
        1 | 2 => {
            let new = junk(rng);
            if let Some(slot) = document.pointer_mut(&target) {
                *slot = new.clone();
            }
            (format!("set {target} to {new}"), Some(target))
        }
        3 => {
            let operations: Vec<String> = all.iter().filter_map(|p| operation_of(p)).collect();
            let Some(operation) = operations.get(rng.below(operations.len())).cloned() else {
                return ("nothing".into(), None);
            };
            let pointer = format!("{operation}/operationId");
            if let Some(Value::Object(map)) = document.pointer_mut(&operation) {
                map.remove("operationId");
            }
            (format!("deleted {pointer}"), Some(pointer))
        }
        4 => {
            let operations: BTreeSet<String> = all.iter().filter_map(|p| operation_of(p)).collect();
            let operations: Vec<String> = operations.into_iter().collect();
            let from = operations.get(rng.below(operations.len())).cloned();
            let to = operations.get(rng.below(operations.len())).cloned();
            let method = METHODS[rng.below(METHODS.len())];
            let (Some(from), Some(to)) = (from, to) else {
                return ("nothing".into(), None);
            };
            let copy = document.pointer(&from).cloned().unwrap_or(Value::Null);
            let (item, _) = parent_and_key(&to);
            if let Some(Value::Object(item)) = document.pointer_mut(item) {
                item.insert(method.to_owned(), copy);
            }
            (format!("copied {from} to {item}/{method}"), None)
        }
        5 => {
            let flip = match rng.below(3) {
                0 => json!("2.0"),
                1 => json!("3.1.0"),
                _ => json!("3.0"),
            };
            if let Some(root) = document.as_object_mut() {
                if rng.below(2) == 0 && flip == "2.0" {
                    root.remove("openapi");
                    root.insert("swagger".into(), flip.clone());
                } else {
                    root.insert("openapi".into(), flip.clone());
                }
            }
            (format!("version {flip}"), None)
        }
        _ => {
            // A new entry in a random object, often a `null`.
            let new = junk(rng);
            if let Some(Value::Object(map)) = document.pointer_mut(&target) {
                map.insert("x-added".into(), new.clone());
                map.insert("description".into(), new.clone());
            }
            (
                format!("added keys with {new} under {target}"),
                Some(target),
            )
        }
    }
}

/// What `build.rs` checks, on an accepted document.
fn meets_build_rules(document: &Value) -> Result<(), String> {
    if document["openapi"] != "3.0.3" {
        return Err("not 3.0.3".into());
    }
    let mut ids = BTreeSet::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let id = operation["operationId"].as_str().ok_or("no operationId")?;
            if operation_ids::identifier(id) != id || !ids.insert(id.to_owned()) {
                return Err(format!("{method} {path}: bad or duplicate id {id}"));
            }
            let types = operation
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
                .map(|c| c.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default();
            if types.len() > 1 {
                return Err(format!("{id}: several body types"));
            }
            if types.iter().any(|t| t.starts_with("multipart/"))
                && operation.get(bodies::HANDWRITTEN).is_none()
            {
                return Err(format!("{id}: multipart not flagged"));
            }
            let success: Vec<&Value> = operation["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(code, _)| code.starts_with('2'))
                .map(|(_, r)| r.get("content").unwrap_or(&Value::Null))
                .collect();
            if success.windows(2).any(|pair| pair[0] != pair[1]) {
                return Err(format!("{id}: success types differ"));
            }
        }
    }
    Ok(())
}

#[test]
fn mutated_documents_never_panic_and_errors_name_what_they_concern() {
    let originals: Vec<(&str, Value)> = SECTIONS
        .iter()
        .map(|section| {
            let path = format!("{}/../openapi/{section}.json", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            (*section, serde_json::from_str(&text).expect("bundled JSON"))
        })
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let started = Instant::now();
    let (mut cases, mut accepted, mut refused, mut named) = (0u32, 0u32, 0u32, 0u32);

    while cases < CASES && started.elapsed() < BUDGET {
        cases += 1;
        let (section, original) = &originals[rng.below(originals.len())];
        let mut document = original.clone();
        let mut log = Vec::new();
        let mut touched = BTreeSet::new();
        for _ in 0..=rng.below(3) {
            let (what, pointer) = mutate(&mut document, &mut rng);
            log.push(what);
            touched.insert(pointer.as_deref().and_then(operation_of));
        }
        let context = format!("case {cases}, section {section}: {log:?}");

        let result = catch_unwind(AssertUnwindSafe(|| normalize(section, &document)))
            .unwrap_or_else(|_| panic!("the normalizer panicked on {context}"));
        match result {
            Err(e) => {
                refused += 1;
                assert_eq!(&e.section, section, "{context}");
                assert!(
                    e.to_string().starts_with(&format!("section `{section}`")),
                    "{context}"
                );
                if let [Some(operation)] = touched.iter().collect::<Vec<_>>()[..] {
                    let label = document.pointer(operation);
                    let id = label
                        .and_then(|op| op.get("operationId"))
                        .and_then(Value::as_str)
                        .filter(|id| !id.is_empty());
                    let (_, rest) = operation.split_at("/paths/".len());
                    let (path, method) = rest.rsplit_once('/').unwrap_or_default();
                    let path = path.replace("~1", "/").replace("~0", "~");
                    let fallback = format!("{} {path}", method.to_uppercase());
                    let expected = id.map(str::to_owned).unwrap_or(fallback);
                    assert_eq!(
                        e.operation.as_deref(),
                        Some(expected.as_str()),
                        "{context}: {e}"
                    );
                    named += 1;
                }
            }
            Ok(normalized) => {
                accepted += 1;
                meets_build_rules(&normalized.document)
                    .unwrap_or_else(|problem| panic!("{context}: accepted but {problem}"));
                let again = normalize(section, &normalized.document)
                    .unwrap_or_else(|e| panic!("{context}: its own output is refused: {e}"));
                assert_eq!(again.changes, Vec::new(), "{context}: not idempotent");
                assert_eq!(
                    again.document, normalized.document,
                    "{context}: not idempotent"
                );
            }
        }
    }
    eprintln!(
        "{cases} mutated documents in {:.1?}: {accepted} accepted, {refused} refused \
         ({named} of them about one operation, which they named)",
        started.elapsed()
    );
    assert!(cases >= 500, "only {cases} cases ran in the time budget");
    assert!(
        accepted > 0 && refused > 0 && named > 0,
        "every outcome is exercised"
    );
}
