//! Generates one typed client per API section from `openapi/<section>.json`.
//!
//! This script only generates. It checks that each document is something
//! progenitor can turn into code and names the section and operation when it is
//! not; making an upstream document meet those rules is the job of
//! `cargo xtask normalize`, so users never compile the normalizer.
//!
//! `NWA_OPENAPI_DIR` points it at a folder of documents fetched from a tenant.

use std::env;
use std::fmt;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use serde_json::Value;

/// Every section: the spec's file stem (also the cargo feature) and the module
/// the generated code lands in.
const SECTIONS: &[Section] = &[
    Section {
        name: "workflow",
        module: "workflow",
    },
    Section {
        name: "auth",
        module: "auth",
    },
    Section {
        name: "files",
        module: "files",
    },
    Section {
        name: "instance",
        module: "instance",
    },
    Section {
        name: "core-service",
        module: "core_service",
    },
];

/// Marks an operation that `src/` implements by hand (multipart uploads);
/// generation skips it.
const HANDWRITTEN: &str = "x-nwa-handwritten";

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

struct Section {
    name: &'static str,
    module: &'static str,
}

impl Section {
    fn enabled(&self) -> bool {
        let feature = self.name.to_uppercase().replace('-', "_");
        env::var_os(format!("CARGO_FEATURE_{feature}")).is_some()
    }
}

/// Why a section's document cannot be generated, with where.
#[derive(Debug)]
struct SpecError {
    section: &'static str,
    operation: Option<String>,
    problem: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "section `{}`", self.section)?;
        if let Some(operation) = &self.operation {
            write!(f, ", operation `{operation}`")?;
        }
        write!(f, ": {}", self.problem)
    }
}

fn main() {
    if let Err(message) = run() {
        // A build script reports failure through its exit status; the message
        // is what cargo shows the user.
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=NWA_OPENAPI_DIR");

    let manifest =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").ok_or("CARGO_MANIFEST_DIR unset")?);
    let out = PathBuf::from(env::var_os("OUT_DIR").ok_or("OUT_DIR unset")?);
    let spec_dir = match env::var_os("NWA_OPENAPI_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => manifest.join("openapi"),
    };

    // `nwa_any_section` saves hand-written code from listing every section
    // feature where it only needs to know that one is on.
    println!("cargo::rustc-check-cfg=cfg(nwa_any_section)");
    if SECTIONS.iter().any(Section::enabled) {
        println!("cargo::rustc-cfg=nwa_any_section");
    }

    for section in SECTIONS.iter().filter(|s| s.enabled()) {
        let path = spec_dir.join(format!("{}.json", section.name));
        println!("cargo:rerun-if-changed={}", path.display());
        let code = generate(section, &path).map_err(|e| e.to_string())?;
        let target = out.join(format!("{}.rs", section.module));
        fs::write(&target, code).map_err(|e| format!("writing {}: {e}", target.display()))?;
    }
    Ok(())
}

fn generate(section: &'static Section, path: &Path) -> Result<String, SpecError> {
    let fail = |operation: Option<String>, problem: String| SpecError {
        section: section.name,
        operation,
        problem,
    };

    let text = fs::read_to_string(path).map_err(|e| {
        let relative = if path.is_relative() {
            " (a relative NWA_OPENAPI_DIR is read from the nutrient-workflow crate's folder; \
             give an absolute path, or `relative = true` in .cargo/config.toml's [env])"
        } else {
            ""
        };
        let problem = format!(
            "cannot read {}: {e}{relative}; fetch the section with `cargo xtask fetch` or \
             turn off its cargo feature `{}`",
            path.display(),
            section.name
        );
        fail(None, problem)
    })?;
    let mut doc: Value = serde_json::from_str(&text)
        .map_err(|e| fail(None, format!("{} is not JSON: {e}", path.display())))?;
    check_version(&doc).map_err(|p| fail(None, p))?;
    drop_handwritten(&mut doc);
    check_operations(&doc).map_err(|(op, p)| fail(Some(op), p))?;
    let public = public_operations(&doc);

    let tokens = match generate_tokens(&doc) {
        Ok(tokens) => tokens,
        Err(problem) => {
            let culprit = failing_operation(&doc);
            let problem = match &culprit {
                Some((_, own)) => own.clone(),
                None => problem,
            };
            return Err(fail(culprit.map(|(op, _)| op), problem));
        }
    };
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| fail(None, format!("generated code does not parse: {e}")))?;
    let mut code = prettyplease::unparse(&file);
    code.push_str(&format!(
        "\n/// Operations the spec marks `security: []`: sent without a token.\n\
         pub(crate) const PUBLIC_OPERATIONS: &[&str] = &{public:?};\n"
    ));
    Ok(code)
}

/// Operations that opt out of the document's security requirement.
fn public_operations(doc: &Value) -> Vec<String> {
    let mut public: Vec<String> = operations(doc)
        .filter(|(_, _, op)| {
            op.get("security")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
        })
        .filter_map(|(_, _, op)| op.get("operationId")?.as_str().map(str::to_owned))
        .collect();
    public.sort();
    public
}

/// Runs progenitor on a document, turning its panics (it has several for
/// input it does not support) into an error message.
fn generate_tokens(doc: &Value) -> Result<proc_macro2::TokenStream, String> {
    let spec: openapiv3::OpenAPI = serde_json::from_value(doc.clone())
        .map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))?;
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type(quote::quote!(crate::auth::Auth))
        .with_hooks(HooksMode::Expected)
        .with_map_type("::std::collections::BTreeMap")
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");

    let quiet = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        Generator::new(&settings).generate_tokens(&spec)
    }));
    panic::set_hook(quiet);
    match outcome {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(error)) => Err(format!("progenitor cannot generate it: {error}")),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "an unknown construct".to_owned());
            Err(format!("progenitor cannot generate it: {message}"))
        }
    }
}

/// Finds the operation progenitor fails on by generating each one alone
/// (with all the components), so the message can name it.
fn failing_operation(doc: &Value) -> Option<(String, String)> {
    for (path, method, op) in operations(doc) {
        let mut alone = doc.clone();
        let item = serde_json::json!({ method: op });
        alone["paths"] = serde_json::json!({ path: item });
        if let Err(problem) = generate_tokens(&alone) {
            let name = op.get("operationId").and_then(Value::as_str);
            let name = name.map_or_else(
                || format!("{} {path}", method.to_uppercase()),
                str::to_owned,
            );
            return Some((name, problem));
        }
    }
    None
}

fn check_version(doc: &Value) -> Result<(), String> {
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => Ok(()),
        Some(v) => Err(format!(
            "OpenAPI {v} is not supported; run `cargo xtask normalize` to convert it to 3.0.3"
        )),
        None => {
            Err("no `openapi` version field (Swagger 2.0?); run `cargo xtask normalize`".into())
        }
    }
}

fn operations(doc: &Value) -> impl Iterator<Item = (&str, &str, &Value)> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter_map(move |m| Some((path.as_str(), *m, item.get(*m)?)))
        })
}

fn drop_handwritten(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        if let Some(item) = item.as_object_mut() {
            item.retain(|_, op| op.get(HANDWRITTEN).is_none());
        }
    }
    paths.retain(|_, item| METHODS.iter().any(|m| item.get(*m).is_some()));
}

/// Checks the rules progenitor enforces with panics that name no operation.
fn check_operations(doc: &Value) -> Result<(), (String, String)> {
    for (path, method, op) in operations(doc) {
        let name = match op.get("operationId").and_then(Value::as_str) {
            Some(id) => id.to_owned(),
            None => {
                let problem = "no operationId; run `cargo xtask normalize`".to_owned();
                return Err((format!("{} {path}", method.to_uppercase()), problem));
            }
        };
        if !is_snake_case_identifier(&name) {
            let problem = "operationId is not a snake_case identifier; run `cargo xtask normalize`";
            return Err((name, problem.to_owned()));
        }
        let body_types = op
            .pointer("/requestBody/content")
            .and_then(Value::as_object)
            .map(|c| c.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        if body_types.len() > 1 {
            return Err((
                name,
                format!("several request content types: {body_types:?}"),
            ));
        }
        if let Some(kind) = body_types.first().filter(|k| k.starts_with("multipart/")) {
            let problem =
                format!("{kind} request body; mark it `{HANDWRITTEN}` and write it in src/");
            return Err((name, problem));
        }
        let success = op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(code, _)| code.starts_with('2'))
            .map(|(_, response)| response.get("content").cloned().unwrap_or(Value::Null))
            .collect::<Vec<_>>();
        if success.windows(2).any(|pair| pair[0] != pair[1]) {
            return Err((name, "success responses of different types".to_owned()));
        }
    }
    Ok(())
}

/// The hooks match operations by the snake_case name progenitor gives them, so
/// the spec's ids must already be in that form.
fn is_snake_case_identifier(id: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while",
    ];
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !id.contains("__")
        && !id.ends_with('_')
        && !KEYWORDS.contains(&id)
}
