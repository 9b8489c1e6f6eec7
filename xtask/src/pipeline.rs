//! From an upstream document to the files a section is built from: the
//! normalized spec `<dir>/<section>.json`, the upstream bytes
//! `<dir>/upstream/<section>.json`, and the report of what normalizing
//! changed, `<dir>/<section>.changes.md`.
//!
//! Writing is all or nothing per section: every file is written beside its
//! target first and renamed into place only when all were written.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::normalize;
use crate::sections::Section;

/// The three files of one section, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionFiles {
    /// The document as the tenant served it, byte for byte.
    pub upstream: Vec<u8>,
    /// The normalized document in its committed form.
    pub normalized: String,
    /// What normalizing changed, as markdown.
    pub report: String,
}

impl SectionFiles {
    /// Normalizes the upstream bytes of `section`.
    pub fn build(section: &str, upstream: Vec<u8>) -> Result<Self, String> {
        let document: Value = serde_json::from_slice(&upstream)
            .map_err(|e| format!("section `{section}`: the document is not JSON: {e}"))?;
        let normalized = normalize::normalize(section, &document).map_err(|e| e.to_string())?;
        Ok(Self {
            upstream,
            normalized: normalize::to_canonical_json(&normalized.document),
            report: normalize::report_markdown(section, &normalized.changes),
        })
    }

    /// The paths the three files go to under `dir`.
    fn targets(dir: &Path, section: &str) -> [PathBuf; 3] {
        [
            dir.join("upstream").join(format!("{section}.json")),
            dir.join(format!("{section}.json")),
            dir.join(format!("{section}.changes.md")),
        ]
    }

    /// Writes the files of `section` under `dir`, all or none.
    pub fn write(&self, dir: &Path, section: &str) -> Result<(), String> {
        let targets = Self::targets(dir, section);
        let contents: [&[u8]; 3] = [
            &self.upstream,
            self.normalized.as_bytes(),
            self.report.as_bytes(),
        ];
        let mut staged = Vec::new();
        for (target, content) in targets.iter().zip(contents) {
            let parent = target.parent().unwrap_or(dir);
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            let name = target.file_name().unwrap_or_default().to_string_lossy();
            let temporary = parent.join(format!(".{name}.partial"));
            if let Err(e) = std::fs::write(&temporary, content) {
                let _ = std::fs::remove_file(&temporary);
                for (partial, _) in &staged {
                    let _ = std::fs::remove_file(partial);
                }
                return Err(format!("cannot write {}: {e}", temporary.display()));
            }
            staged.push((temporary, target));
        }
        for (temporary, target) in staged {
            std::fs::rename(&temporary, target)
                .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        }
        Ok(())
    }

    /// Where the files under `dir` differ from these, as a unified diff per
    /// file; empty when they match.
    pub fn stale(&self, dir: &Path, section: &str) -> String {
        let [_, normalized, report] = Self::targets(dir, section);
        let mut out = String::new();
        for (path, expected) in [(normalized, &self.normalized), (report, &self.report)] {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if &current != expected {
                let diff = similar::TextDiff::from_lines(current.as_str(), expected.as_str());
                let label = path.display().to_string();
                out.push_str(
                    &diff
                        .unified_diff()
                        .context_radius(2)
                        .header(
                            &format!("{label} (committed)"),
                            &format!("{label} (normalized)"),
                        )
                        .to_string(),
                );
            }
        }
        out
    }
}

/// Rebuilds every section's normalized files from `<dir>/upstream/`; with
/// `check`, writes nothing and fails with a diff if they are stale.
pub fn normalize_dir(dir: &Path, sections: &[Section], check: bool) -> Result<String, String> {
    let mut stale = String::new();
    let mut summary = String::new();
    for section in sections {
        let path = dir.join("upstream").join(format!("{}.json", section.name));
        let upstream =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let files = SectionFiles::build(&section.name, upstream)?;
        let diff = files.stale(dir, &section.name);
        if diff.is_empty() {
            summary.push_str(&format!("{}: up to date\n", section.name));
        } else if check {
            stale.push_str(&diff);
        } else {
            files.write(dir, &section.name)?;
            summary.push_str(&format!("{}: rewritten\n", section.name));
        }
    }
    if stale.is_empty() {
        Ok(summary)
    } else {
        Err(format!(
            "the normalized documents are stale; run `cargo xtask normalize`:\n{stale}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sections::{Manifest, bundled_dir};

    #[test]
    fn bundled_documents_are_up_to_date_with_their_upstream() {
        let manifest = Manifest::load(&bundled_dir()).expect("sections.toml");
        if let Err(stale) = normalize_dir(&bundled_dir(), &manifest.sections, true) {
            panic!("{stale}");
        }
    }

    #[test]
    fn write_leaves_no_partial_files_and_check_then_passes() {
        let dir = std::env::temp_dir().join(format!("nwa-pipeline-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let upstream = std::fs::read(bundled_dir().join("upstream/instance.json")).expect("read");
        let files = SectionFiles::build("instance", upstream).expect("normalizes");
        files.write(&dir, "instance").expect("writes");

        assert_eq!(files.stale(&dir, "instance"), "");
        let mut names: Vec<String> = walk(&dir);
        names.sort();
        assert_eq!(
            names,
            [
                "instance.changes.md",
                "instance.json",
                "upstream/instance.json"
            ]
        );
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    fn walk(dir: &Path) -> Vec<String> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                let sub = path
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                names.extend(walk(&path).into_iter().map(|n| format!("{sub}/{n}")));
            } else {
                names.push(
                    path.file_name()
                        .expect("name")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
        names
    }
}
