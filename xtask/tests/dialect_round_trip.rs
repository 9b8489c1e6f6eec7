//! The sandbox's foreign dialects are exact inverses of the normalizer: a
//! bundled document converted to Swagger 2.0 or OpenAPI 3.1 and normalized
//! again is the committed file, byte for byte.

use nwa_sandbox::Dialect;
use nwa_sandbox::dialects::convert;
use serde_json::Value;
use xtask::normalize::{normalize, to_canonical_json};

const SECTIONS: [&str; 5] = ["workflow", "auth", "files", "instance", "core-service"];

fn bundled(section: &str) -> String {
    let path = format!("{}/../openapi/{section}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn round_trip(dialect: Dialect, version_key: &str, version: &str) {
    for section in SECTIONS {
        let text = bundled(section);
        let document: Value = serde_json::from_str(&text).expect("bundled JSON");
        let converted = convert(&document, dialect);
        assert_eq!(converted[version_key], version, "{section} in {dialect:?}");
        assert_ne!(
            converted, document,
            "{section}: {dialect:?} changed nothing"
        );

        let normalized = normalize(section, &converted)
            .unwrap_or_else(|e| panic!("{section} in {dialect:?}: {e}"));
        let back = to_canonical_json(&normalized.document);
        assert!(
            back == text,
            "{section} in {dialect:?} does not come back exactly:\n{}",
            first_difference(&text, &back)
        );
        assert!(
            !normalized.changes.is_empty(),
            "{section}: the conversion is reported"
        );
    }
}

fn first_difference(expected: &str, actual: &str) -> String {
    for (number, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("line {}: expected {e:?}, got {a:?}", number + 1);
        }
    }
    format!(
        "lengths differ: {} vs {} lines",
        expected.lines().count(),
        actual.lines().count()
    )
}

#[test]
fn swagger_2_documents_normalize_back_to_the_bundled_files() {
    round_trip(Dialect::Swagger20, "swagger", "2.0");
}

#[test]
fn openapi_3_1_documents_normalize_back_to_the_bundled_files() {
    round_trip(Dialect::OpenApi31, "openapi", "3.1.0");
}

#[test]
fn openapi_3_0_is_the_bundled_document_itself() {
    for section in SECTIONS {
        let document: Value = serde_json::from_str(&bundled(section)).expect("bundled JSON");
        assert_eq!(convert(&document, Dialect::OpenApi30), document);
    }
}
