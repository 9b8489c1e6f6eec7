//! The structure progenitor needs before any rule can apply: paths that
//! start with `/`, path items and operations that are objects, and `$ref`s
//! that point inside the document at something that exists.
//!
//! None of these can be fixed without guessing (which file did an external
//! `$ref` mean?), so each is an error. progenitor itself panics on most of
//! them without naming the operation.

use serde_json::Value;

use super::walk::{self, METHODS};
use super::{NormalizeError, Operation, Run};

pub(super) fn check(document: &Value, run: &Run) -> Result<(), NormalizeError> {
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return Ok(());
    };
    for path in walk::sorted_paths(document) {
        let Some(item) = paths.get(&path) else {
            continue;
        };
        if !path.starts_with('/') {
            return Err(run.fail(None, format!("path `{path}` does not start with `/`")));
        }
        let Some(item) = item.as_object() else {
            return Err(run.fail(None, format!("path item `{path}` is not an object")));
        };
        if item.contains_key("$ref") {
            return Err(run.fail(
                None,
                format!(
                    "path item `{path}` is a `$ref`, which progenitor does not support; inline it"
                ),
            ));
        }
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let Some(map) = operation.as_object() else {
                let label = Operation {
                    method: method.to_owned(),
                    path: path.clone(),
                    id: None,
                };
                return Err(run.fail(Some(&label), "the operation is not an object"));
            };
            let label = Operation::new(method, &path, map);
            walk::for_each_ref(operation, &mut |t| {
                check_ref(document, run, Some(&label), t)
            })?;
        }
        for (key, value) in item {
            if !METHODS.contains(&key.as_str()) {
                walk::for_each_ref(value, &mut |t| check_ref(document, run, None, t))?;
            }
        }
    }
    for (key, value) in document.as_object().into_iter().flatten() {
        if key != "paths" {
            walk::for_each_ref(value, &mut |t| check_ref(document, run, None, t))?;
        }
    }
    Ok(())
}

fn check_ref(
    document: &Value,
    run: &Run,
    operation: Option<&Operation>,
    target: &str,
) -> Result<(), NormalizeError> {
    if !target.starts_with("#/") {
        return Err(run.fail(
            operation,
            format!(
                "`$ref: {target}` points outside this document, which progenitor cannot \
                 follow; bundle the document into one file first"
            ),
        ));
    }
    if walk::resolve(document, target).is_none() {
        return Err(run.fail(
            operation,
            format!("`$ref: {target}` points at nothing in this document"),
        ));
    }
    Ok(())
}
