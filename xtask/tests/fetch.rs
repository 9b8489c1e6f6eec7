//! `cargo xtask fetch` against sandboxes on loopback: the committed documents
//! come back byte for byte from every dialect, a tenant that wants a token
//! gets one, and a failing section is named while the others are kept.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nwa_sandbox::{Config, Dialect, Sandbox};
use xtask::fetch::{FetchOptions, FetchReport, fetch};
use xtask::sections::{Manifest, bundled_dir};

/// A fresh folder under the system's temporary directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("nwa-fetch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn sandbox(config: Config) -> Sandbox {
    nwa_sandbox::spawn_with(config)
        .await
        .expect("sandbox starts")
}

async fn fetch_into(sandbox: &Sandbox, out: &Path, key: Option<&str>) -> FetchReport {
    let manifest = Manifest::load(&bundled_dir()).expect("sections.toml");
    let options = FetchOptions {
        base_url: sandbox.base_url().to_owned(),
        tenant: sandbox.tenant().to_owned(),
        api_key: key.map(str::to_owned),
        sections: Vec::new(),
        out: out.to_owned(),
        allow_insecure_http: false,
    };
    tokio::time::timeout(Duration::from_secs(60), fetch(&options, &manifest))
        .await
        .expect("fetch finishes in time")
        .expect("fetch runs")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test]
async fn fetch_reproduces_the_committed_documents_from_every_dialect() {
    let manifest = Manifest::load(&bundled_dir()).expect("sections.toml");
    for dialect in Dialect::ALL {
        let sandbox = sandbox(Config {
            dialect,
            ..Config::default()
        })
        .await;
        let out = Scratch::new(dialect.name());
        let report = fetch_into(&sandbox, &out.0, None).await;

        assert!(report.failed.is_empty(), "{dialect:?}: {:?}", report.failed);
        assert_eq!(report.fetched.len(), manifest.sections.len());
        for section in &manifest.sections {
            let name = &section.name;
            let fetched = read(&out.0.join(format!("{name}.json")));
            let committed = read(&bundled_dir().join(format!("{name}.json")));
            assert!(
                fetched == committed,
                "{dialect:?}: {name}.json differs from the committed one"
            );
            let upstream = read(&out.0.join(format!("upstream/{name}.json")));
            let served = if dialect == Dialect::OpenApi30 {
                "\"openapi\": \"3.0.3\""
            } else if dialect == Dialect::Swagger20 {
                "\"swagger\": \"2.0\""
            } else {
                "\"openapi\": \"3.1.0\""
            };
            assert!(
                upstream.contains(served),
                "{dialect:?}: upstream {name} is not as served"
            );
        }
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn discovered_document_urls_override_the_configured_paths() {
    let sandbox = sandbox(Config::default()).await;
    let out = Scratch::new("discovered");
    let mut manifest = Manifest::load(&bundled_dir()).expect("sections.toml");
    for section in &mut manifest.sections {
        section.docs = "/moved-away.json".into();
    }
    let options = FetchOptions {
        base_url: sandbox.base_url().to_owned(),
        tenant: sandbox.tenant().to_owned(),
        api_key: None,
        sections: vec!["workflow".into()],
        out: out.0.clone(),
        allow_insecure_http: false,
    };
    let report = fetch(&options, &manifest).await.expect("fetch runs");
    assert_eq!(report.fetched, ["workflow"], "{:?}", report.failed);
}

#[tokio::test]
async fn fetch_exchanges_the_key_only_when_the_documents_need_a_token() {
    let open = sandbox(Config::default()).await;
    let out = Scratch::new("open");
    fetch_into(&open, &out.0, Some(open.system_key())).await;
    assert_eq!(open.token_exchanges(), 0, "public documents need no token");

    let closed = sandbox(Config {
        specs_need_token: true,
        ..Config::default()
    })
    .await;
    let out = Scratch::new("closed");
    let report = fetch_into(&closed, &out.0, Some(closed.system_key())).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(closed.token_exchanges(), 1, "one token for every section");
}

#[tokio::test]
async fn documents_behind_a_login_without_a_key_fail_by_section() {
    let closed = sandbox(Config {
        specs_need_token: true,
        ..Config::default()
    })
    .await;
    let out = Scratch::new("nokey");
    let report = fetch_into(&closed, &out.0, None).await;
    assert!(report.fetched.is_empty());
    assert!(
        report.changes.contains("Nothing was fetched."),
        "{}",
        report.changes
    );
    assert_eq!(report.failed.len(), 5);
    for (section, why) in &report.failed {
        assert!(why.contains("no API key was given"), "{section}: {why}");
        assert!(
            !out.0.join(format!("{section}.json")).exists(),
            "{section} was written"
        );
    }
}

#[tokio::test]
async fn a_failing_section_is_named_and_the_others_are_written() {
    let sandbox = sandbox(Config::default()).await;
    let out = Scratch::new("partial");
    // The folder already holds a broken upstream and an old document for
    // `instance`; the fetch must replace them whole.
    std::fs::create_dir_all(out.0.join("upstream")).expect("folder");
    std::fs::write(out.0.join("instance.json"), "{}").expect("old document");

    let manifest = Manifest::load(&bundled_dir()).expect("sections.toml");
    let mut broken = manifest.clone();
    // Without discovery, so the tenant's own list cannot correct the path.
    broken.discovery.swagger_config = "/no-swagger-config".into();
    for section in &mut broken.sections {
        if section.name == "auth" {
            section.docs = "/openapi/no-such-section.json".into();
        }
    }
    let options = FetchOptions {
        base_url: sandbox.base_url().to_owned(),
        tenant: sandbox.tenant().to_owned(),
        api_key: None,
        sections: Vec::new(),
        out: out.0.clone(),
        allow_insecure_http: false,
    };
    let report = fetch(&options, &broken).await.expect("fetch runs");

    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert_eq!(report.failed[0].0, "auth");
    assert!(report.failed[0].1.contains("404"), "{}", report.failed[0].1);
    assert!(!out.0.join("auth.json").exists());
    assert_eq!(report.fetched.len(), 4);
    assert_eq!(
        read(&out.0.join("instance.json")),
        read(&bundled_dir().join("instance.json"))
    );
    assert!(report.changes.contains("## instance"), "{}", report.changes);
    let leftovers: Vec<_> = std::fs::read_dir(&out.0)
        .expect("folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "half-written files were left behind");
}

#[tokio::test]
async fn clear_text_to_a_remote_site_is_refused_before_any_request() {
    let manifest = Manifest::load(&bundled_dir()).expect("sections.toml");
    let out = Scratch::new("insecure");
    let options = FetchOptions {
        // A documentation host name: refused before any lookup or connection.
        base_url: "http://tenant.example".to_owned(),
        tenant: "demo".to_owned(),
        api_key: None,
        sections: Vec::new(),
        out: out.0.clone(),
        allow_insecure_http: false,
    };
    let error = fetch(&options, &manifest)
        .await
        .expect_err("clear text refused");
    assert!(error.contains("--allow-insecure-http"), "{error}");
}

#[tokio::test]
async fn a_closed_port_is_reported_with_its_cause() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base_url = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let manifest = Manifest::load(&bundled_dir()).expect("sections.toml");
    let out = Scratch::new("closed-port");
    let options = FetchOptions {
        base_url,
        tenant: "demo".to_owned(),
        api_key: None,
        sections: vec!["auth".into()],
        out: out.0.clone(),
        allow_insecure_http: false,
    };
    let report = fetch(&options, &manifest).await.expect("fetch runs");
    let (_, why) = &report.failed[0];
    assert!(
        why.to_lowercase().contains("refused"),
        "the cause is shown: {why}"
    );
}
