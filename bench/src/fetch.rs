//! Figure 5: `cargo xtask fetch` of every section from the sandbox, with
//! normalizing, diffing and writing, against downloading the same documents
//! and writing them as they came.
//!
//! Both go into a scratch folder that already holds the previous run's
//! files, as a real fetch into a project's folder does.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use xtask::fetch::{FetchOptions, fetch};
use xtask::sections::{Manifest, bundled_dir};

use crate::Server;
use crate::figure::{Figure, Goal, Unit, median_secs};

/// Timed runs of each, alternated, after one untimed run of each.
const RUNS: usize = 7;

pub(crate) async fn fetch_and_normalize(server: &Server, scratch: &Path) -> Result<Figure, String> {
    let manifest = Manifest::load(&bundled_dir())?;
    let options = FetchOptions {
        base_url: server.base_url().to_owned(),
        tenant: server.tenant().to_owned(),
        api_key: None,
        sections: Vec::new(),
        out: scratch.join("fetched"),
        allow_insecure_http: false,
    };
    let downloaded = scratch.join("downloaded");
    std::fs::create_dir_all(&downloaded).map_err(|e| format!("scratch folder: {e}"))?;

    let mut full = Vec::with_capacity(RUNS);
    let mut plain = Vec::with_capacity(RUNS);
    for run in 0..=RUNS {
        let fetched = timed_fetch(&options, &manifest).await?;
        let copied = timed_download(&options.base_url, &manifest, &downloaded).await?;
        if run > 0 {
            full.push(fetched);
            plain.push(copied);
        }
    }
    Ok(Figure::new(
        format!(
            "fetch + normalize, {} sections (median of {RUNS})",
            manifest.sections.len()
        ),
        Unit::Time,
        median_secs(&full),
    )
    .baseline(median_secs(&plain))
    .goal(Goal::AtMost(2.0)))
}

async fn timed_fetch(options: &FetchOptions, manifest: &Manifest) -> Result<Duration, String> {
    let started = Instant::now();
    let report = fetch(options, manifest).await?;
    let took = started.elapsed();
    if let Some((section, why)) = report.failed.first() {
        return Err(format!("fetch: section `{section}`: {why}"));
    }
    if report.fetched.len() != manifest.sections.len() {
        return Err(format!("fetch wrote {:?}", report.fetched));
    }
    Ok(took)
}

/// The documents fetch downloads (the swagger-ui configuration and each
/// section's), written as they came: the part of fetch that is only I/O.
async fn timed_download(
    base_url: &str,
    manifest: &Manifest,
    out: &Path,
) -> Result<Duration, String> {
    let started = Instant::now();
    let http = reqwest::Client::new();
    let mut paths = vec![(
        "swagger-config".to_owned(),
        manifest.discovery.swagger_config.clone(),
    )];
    paths.extend(
        manifest
            .sections
            .iter()
            .map(|s| (s.name.clone(), s.docs.clone())),
    );
    for (name, path) in paths {
        let body = http
            .get(format!("{base_url}{path}"))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("GET {path}: {e}"))?
            .bytes()
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        let target: PathBuf = out.join(format!("{name}.json"));
        std::fs::write(&target, &body).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(started.elapsed())
}
