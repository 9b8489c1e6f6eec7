//! The list of API sections in `openapi/sections.toml`: each section's name,
//! cargo feature and where a tenant serves its Swagger document.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The parsed `sections.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// How sections may be discovered on a tenant.
    pub discovery: Discovery,
    /// The sections, in the order they are listed.
    #[serde(rename = "section")]
    pub sections: Vec<Section>,
}

/// Where a tenant may list its sections.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discovery {
    /// The path of a swagger-ui configuration document (`{"urls": [...]}`).
    pub swagger_config: String,
}

/// One API section.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// The file stem of its document, e.g. `core-service`.
    pub name: String,
    /// The cargo feature that compiles it.
    pub feature: String,
    /// The path of its Swagger document on a tenant.
    pub docs: String,
}

impl Manifest {
    /// Reads and checks `sections.toml` in `dir`.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let path = dir.join("sections.toml");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let manifest: Self =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut names: Vec<&str> = manifest.sections.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(format!(
                "{}: section `{}` is listed twice",
                path.display(),
                pair[0]
            ));
        }
        if let Some(bad) = manifest.sections.iter().find(|s| !s.docs.starts_with('/')) {
            return Err(format!(
                "{}: `docs` of `{}` must be a path",
                path.display(),
                bad.name
            ));
        }
        Ok(manifest)
    }

    /// The sections named in `only` (all of them when it is empty), or an
    /// error naming the first unknown one.
    pub fn select(&self, only: &[String]) -> Result<Vec<Section>, String> {
        if only.is_empty() {
            return Ok(self.sections.clone());
        }
        only.iter()
            .map(|name| {
                self.sections
                    .iter()
                    .find(|s| &s.name == name)
                    .cloned()
                    .ok_or_else(|| format!("no section `{name}` in sections.toml"))
            })
            .collect()
    }
}

/// The repository's `openapi/` folder.
pub fn bundled_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_manifest_lists_every_bundled_document() {
        let manifest = Manifest::load(&bundled_dir()).expect("valid sections.toml");
        let mut listed: Vec<String> = manifest.sections.iter().map(|s| s.name.clone()).collect();
        let mut documents: Vec<String> = std::fs::read_dir(bundled_dir())
            .expect("openapi folder")
            .filter_map(|entry| {
                let path = entry.expect("entry").path();
                let is_json = path.extension().is_some_and(|e| e == "json");
                is_json.then(|| {
                    path.file_stem()
                        .expect("stem")
                        .to_string_lossy()
                        .into_owned()
                })
            })
            .collect();
        listed.sort();
        documents.sort();
        assert_eq!(listed, documents);
    }

    #[test]
    fn every_section_has_its_own_feature() {
        let manifest = Manifest::load(&bundled_dir()).expect("valid sections.toml");
        for section in &manifest.sections {
            assert_eq!(
                section.feature, section.name,
                "features are named after sections"
            );
        }
    }

    #[test]
    fn build_script_generates_every_section() {
        let build = std::fs::read_to_string(bundled_dir().join("../build.rs")).expect("build.rs");
        // Compare without white space, which rustfmt lays out as it likes.
        let build: String = build.split_whitespace().collect();
        let manifest = Manifest::load(&bundled_dir()).expect("valid sections.toml");
        for section in &manifest.sections {
            let module = section.name.replace('-', "_");
            let entry = format!("Section{{name:\"{}\",module:\"{module}\",}}", section.name);
            assert!(build.contains(&entry), "build.rs lacks `{entry}`");
        }
        assert_eq!(
            build.matches("Section{name:\"").count(),
            manifest.sections.len()
        );
    }

    #[test]
    fn unknown_section_is_named() {
        let manifest = Manifest::load(&bundled_dir()).expect("valid sections.toml");
        let error = manifest.select(&["nope".into()]).expect_err("unknown");
        assert_eq!(error, "no section `nope` in sections.toml");
    }
}
