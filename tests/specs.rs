//! Conventions of the bundled documents in `openapi/`, checked so that they
//! cannot drift from what `openapi/README.md` and `Cargo.toml` say.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

struct Operation {
    section: String,
    id: String,
    body: Value,
}

fn sections() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi");
    let mut sections: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("openapi folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let name = path
                .file_stem()
                .expect("stem")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("readable");
            (name, serde_json::from_str(&text).expect("valid JSON"))
        })
        .collect();
    sections.sort_by(|a, b| a.0.cmp(&b.0));
    sections
}

fn operations() -> Vec<Operation> {
    let mut all = Vec::new();
    for (section, doc) in sections() {
        for item in doc["paths"].as_object().expect("paths").values() {
            for method in METHODS {
                if let Some(op) = item.get(*method) {
                    all.push(Operation {
                        section: section.clone(),
                        id: op["operationId"].as_str().expect("operationId").to_owned(),
                        body: op.clone(),
                    });
                }
            }
        }
    }
    all
}

/// The operation names in the README table under `heading`.
fn readme_table(heading: &str) -> BTreeSet<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/README.md");
    let readme = std::fs::read_to_string(path).expect("openapi/README.md");
    let table = readme
        .split(&format!("## {heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("no `## {heading}` in openapi/README.md"));
    table
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row.split('|').map(|c| c.trim().trim_matches('`')).collect();
            (cells[1].to_owned(), cells[2].to_owned())
        })
        .collect()
}

fn marked(key: &str) -> BTreeSet<(String, String)> {
    operations()
        .into_iter()
        .filter(|op| op.body.get(key).is_some())
        .map(|op| (op.section, op.id))
        .collect()
}

#[test]
fn every_document_is_openapi_3_0_3() {
    for (section, doc) in sections() {
        assert_eq!(doc["openapi"], "3.0.3", "{section}");
    }
}

#[test]
fn every_operation_names_its_sources() {
    for op in operations() {
        let source = op.body["x-nwa-source"].as_str().unwrap_or_default();
        assert!(
            !source.is_empty(),
            "{}/{} has no x-nwa-source",
            op.section,
            op.id
        );
    }
}

#[test]
fn assumed_operations_are_all_listed_in_the_readme() {
    assert_eq!(readme_table("Assumed operations"), marked("x-nwa-assumed"));
}

#[test]
fn handwritten_operations_are_all_listed_in_the_readme() {
    assert_eq!(
        readme_table("Hand-written operations"),
        marked("x-nwa-handwritten")
    );
}

#[test]
fn every_section_has_a_cargo_feature_on_by_default() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("Cargo.toml");
    let default = manifest
        .lines()
        .find(|line| line.starts_with("default = "))
        .expect("a default feature list");
    for (section, _) in sections() {
        assert!(
            manifest.contains(&format!("\n{section} = []")),
            "no feature `{section}`"
        );
        assert!(
            default.contains(&format!("\"{section}\"")),
            "`{section}` is not on by default"
        );
    }
}
