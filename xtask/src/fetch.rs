//! Downloads each section's Swagger document from a tenant, normalizes it,
//! writes the section's files, and reports what changed in the API.
//!
//! A document is asked for without credentials first; only when the tenant
//! answers 401 or 403 is the API key exchanged for a token, through the
//! crate's own auth. A section that fails is named and skipped, and the files
//! of the others are still written.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use nutrient_workflow::{Client, Credentials};
use serde_json::Value;

use crate::diff::diff_section;
use crate::pipeline::SectionFiles;
use crate::sections::{Manifest, Section};

/// How long connecting to the tenant may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the tenant may stay silent while a document downloads.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// What to fetch, from where, into where.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The site, e.g. `https://yourcompany.integrify.com`.
    pub base_url: String,
    /// The tenant ID.
    pub tenant: String,
    /// A system API key, used only if the documents need a token.
    pub api_key: Option<String>,
    /// The sections to fetch; all when empty.
    pub sections: Vec<String>,
    /// The folder the section files go to.
    pub out: PathBuf,
    /// Whether `http://` may be used for a site off loopback.
    pub allow_insecure_http: bool,
}

/// How a fetch went.
#[derive(Debug, Default)]
pub struct FetchReport {
    /// The sections whose files were written.
    pub fetched: Vec<String>,
    /// The sections that failed, with why.
    pub failed: Vec<(String, String)>,
    /// Things worth knowing that are not failures.
    pub notes: Vec<String>,
    /// What changed in the API of the fetched sections, as markdown.
    pub changes: String,
}

/// Fetches the selected sections.
pub async fn fetch(options: &FetchOptions, manifest: &Manifest) -> Result<FetchReport, String> {
    let sections = manifest.select(&options.sections)?;
    check_site(&options.base_url, options.allow_insecure_http)?;
    let base = options.base_url.trim_end_matches('/').to_owned();
    let http = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .build()
        .map_err(|e| format!("cannot set up HTTP: {e}"))?;
    let mut tenant = Tenant {
        base,
        http,
        options,
        authenticated: None,
    };
    let mut report = FetchReport::default();
    let discovered = tenant
        .discover(&manifest.discovery.swagger_config, &mut report)
        .await;

    let mut changes = String::new();
    for section in &sections {
        let docs = discovered
            .get(&section.name)
            .unwrap_or(&section.docs)
            .clone();
        let old = read_json(&options.out.join(format!("{}.json", section.name)));
        match tenant.fetch_section(section, &docs).await {
            Ok(files) => {
                files.write(&options.out, &section.name)?;
                let new: Value = serde_json::from_str(&files.normalized).unwrap_or(Value::Null);
                let diff = diff_section(old.as_ref(), Some(&new));
                if !diff.is_empty() {
                    changes.push_str(&format!("\n## {}\n\n{diff}", section.name));
                }
                report.fetched.push(section.name.clone());
            }
            Err(why) => report.failed.push((section.name.clone(), why)),
        }
    }
    for name in discovered.keys() {
        if !manifest.sections.iter().any(|s| &s.name == name) {
            let note = format!("the tenant lists a section `{name}` that sections.toml lacks");
            report.notes.push(note);
        }
    }
    report.changes = if report.fetched.is_empty() {
        "# API changes\n\nNothing was fetched.\n".to_owned()
    } else if changes.is_empty() {
        "# API changes\n\nNo changes.\n".to_owned()
    } else {
        format!("# API changes\n{changes}")
    };
    Ok(report)
}

/// Refuses clear text to anything but loopback, as the crate's client does:
/// the documents may need the key exchanged for a token.
fn check_site(base_url: &str, allow_insecure_http: bool) -> Result<(), String> {
    let url =
        reqwest::Url::parse(base_url).map_err(|e| format!("the site URL is not a URL: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback || allow_insecure_http => Ok(()),
        "http" => Err(format!(
            "http://{} is not https; pass --allow-insecure-http to send in clear text",
            url.host_str().unwrap_or_default()
        )),
        other => Err(format!("`{other}` is not an HTTP scheme")),
    }
}

fn read_json(path: &std::path::Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// The tenant being fetched from, with the authenticated client once one
/// was needed.
struct Tenant<'a> {
    base: String,
    http: reqwest::Client,
    options: &'a FetchOptions,
    authenticated: Option<Client>,
}

impl Tenant<'_> {
    /// The section documents a swagger-ui configuration lists, by name; none
    /// when the tenant serves no such document.
    async fn discover(&self, path: &str, report: &mut FetchReport) -> BTreeMap<String, String> {
        #[derive(serde::Deserialize)]
        struct Config {
            urls: Vec<Entry>,
        }
        #[derive(serde::Deserialize)]
        struct Entry {
            name: String,
            url: String,
        }
        let url = format!("{}{path}", self.base);
        let Ok(response) = self.http.get(&url).send().await else {
            return BTreeMap::new();
        };
        if !response.status().is_success() {
            return BTreeMap::new();
        }
        let Ok(config) = response.json::<Config>().await else {
            report
                .notes
                .push(format!("{path} is not a swagger-ui configuration; ignored"));
            return BTreeMap::new();
        };
        config
            .urls
            .into_iter()
            .filter_map(|entry| {
                // Only paths on the same site: the token must not travel elsewhere.
                let path = entry.url.strip_prefix(&self.base).unwrap_or(&entry.url);
                path.starts_with('/').then(|| (entry.name, path.to_owned()))
            })
            .collect()
    }

    async fn fetch_section(
        &mut self,
        section: &Section,
        docs: &str,
    ) -> Result<SectionFiles, String> {
        let bytes = self.download(docs).await?;
        SectionFiles::build(&section.name, bytes)
    }

    /// The document at `path`, asking without a token first.
    async fn download(&mut self, path: &str) -> Result<Vec<u8>, String> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("GET {path} did not complete: {}", chain(&e.without_url())))?;
        let status = response.status();
        if status.is_success() {
            let body = response.bytes().await;
            return body
                .map(|b| b.to_vec())
                .map_err(|e| format!("GET {path}: {}", chain(&e.without_url())));
        }
        if status != reqwest::StatusCode::UNAUTHORIZED && status != reqwest::StatusCode::FORBIDDEN {
            return Err(format!("GET {path} answered HTTP {status}"));
        }
        let client = self.client()?;
        let download = client.download(path).await.map_err(|e| e.full_message())?;
        let body = download.bytes().await.map_err(|e| e.full_message())?;
        Ok(body.to_vec())
    }

    fn client(&mut self) -> Result<&Client, String> {
        let client = match self.authenticated.take() {
            Some(client) => client,
            None => {
                let key = self.options.api_key.clone().ok_or(
                    "the documents need a token, and no API key was given (--api-key-env)",
                )?;
                Client::builder(&self.base)
                    .tenant(&self.options.tenant)
                    .credentials(Credentials::system_key(key))
                    .build()
                    .map_err(|e| e.full_message())?
            }
        };
        Ok(self.authenticated.insert(client))
    }
}

/// An error and its causes on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        line.push_str(": ");
        line.push_str(&inner.to_string());
        cause = inner.source();
    }
    line
}
