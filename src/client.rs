//! The entry point: a [`Client`] for one tenant, holding one connection pool
//! and one token cache that every section's generated client shares.
//!
//! This module builds and validates the configuration; it does not send
//! requests itself apart from [`Client::authenticate`].

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::auth::{Auth, Credentials};
use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::transport::RetryPolicy;

/// How long connecting to the site may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the server may stay silent while a response is read.
///
/// This bounds each read, not the whole call, so a large download of many
/// seconds is never cut off while it is still moving.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// A client for one Workflow Automation tenant.
///
/// Cloning is cheap and the clones share the connection pool and the token.
///
/// ```no_run
/// use nutrient_workflow::{Client, Credentials};
///
/// # async fn demo() -> Result<(), nutrient_workflow::Error> {
/// let client = Client::builder("https://yourcompany.integrify.com")
///     .tenant("yourtenant")
///     .credentials(Credentials::system_key("your-private-key"))
///     .build()?;
/// client.authenticate().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    site: Url,
    tenant: Option<String>,
    http: reqwest::Client,
    auth: Auth,
    max_upload_size: u64,
    #[cfg(feature = "workflow")]
    workflow: crate::workflow::Client,
    #[cfg(feature = "auth")]
    auth_section: crate::sections::auth::Client,
    #[cfg(feature = "files")]
    files: crate::files::Client,
    #[cfg(feature = "instance")]
    instance: crate::instance::Client,
    #[cfg(feature = "core-service")]
    core_service: crate::core_service::Client,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("site", &self.site.as_str())
            .field("tenant", &self.tenant)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client for the site at `site_url`, for example
    /// `https://yourcompany.integrify.com`.
    pub fn builder(site_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            site: site_url.into(),
            tenant: None,
            credentials: None,
            clock: Arc::new(SystemClock),
            allow_http: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            retry: RetryPolicy::default(),
            allow_guid_credentials: false,
            max_upload_size: crate::transfer::DEFAULT_MAX_UPLOAD_SIZE,
        }
    }

    /// A client configured from the environment:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `NWA_HOST` | the site: a host name (`https` is assumed) or a full URL |
    /// | `NWA_TENANT` | the tenant ID |
    /// | `NWA_API_KEY` | a system API key, or with `NWA_USER` an application key |
    /// | `NWA_USER` | impersonate this user (optional) |
    ///
    /// A missing or empty variable is an [`Error::Config`] that names it.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Client::from_env`] over any source of variables.
    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let var = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let required =
            |name: &str| var(name).ok_or_else(|| Error::Config(format!("{name} is not set")));
        let host = required("NWA_HOST")?;
        let site = if host.contains("://") {
            host
        } else {
            format!("https://{host}")
        };
        let key = required("NWA_API_KEY")?;
        let credentials = match var("NWA_USER") {
            Some(user) => Credentials::impersonate(key, user),
            None => Credentials::system_key(key),
        };
        if let Err(Error::Config(why)) = parse_site(&site, false) {
            return Err(Error::Config(format!("NWA_HOST: {why}")));
        }
        Client::builder(site)
            .tenant(required("NWA_TENANT")?)
            .credentials(credentials)
            .build()
    }

    /// Exchanges the credentials for a token now, rather than on the first
    /// call, so that a wrong key shows up at once.
    pub async fn authenticate(&self) -> Result<(), Error> {
        self.auth
            .ensure_token()
            .await
            .map_err(|source| Error::auth("authenticate", source))
    }

    /// The site's base URL, without a trailing slash.
    pub fn site(&self) -> &str {
        self.site.as_str().trim_end_matches('/')
    }

    /// The tenant ID, if one was configured.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The legacy root routes: access, files, instances (requests),
    /// processes, reports, task types and users.
    #[cfg(feature = "workflow")]
    pub fn workflow(&self) -> &crate::workflow::Client {
        &self.workflow
    }

    /// The v8 auth service.
    #[cfg(feature = "auth")]
    pub fn auth(&self) -> &crate::sections::auth::Client {
        &self.auth_section
    }

    /// The v8 files service. Its upload is [`Client::upload_temp_file`].
    #[cfg(feature = "files")]
    pub fn files(&self) -> &crate::files::Client {
        &self.files
    }

    /// The v8 instance service.
    #[cfg(feature = "instance")]
    pub fn instance(&self) -> &crate::instance::Client {
        &self.instance
    }

    /// The v8 core service (report exports).
    #[cfg(feature = "core-service")]
    pub fn core_service(&self) -> &crate::core_service::Client {
        &self.core_service
    }

    /// The largest upload the client sends.
    pub fn max_upload_size(&self) -> u64 {
        self.max_upload_size
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(crate) fn auth_state(&self) -> &Auth {
        &self.auth
    }

    /// The absolute URL of a path on the site (which may itself have a base
    /// path).
    pub(crate) fn url(&self, path: &str) -> Url {
        site_url(&self.site, path)
    }
}

/// The site without a trailing slash, as the generated clients join paths
/// to it.
#[cfg(nwa_any_section)]
fn base_url(site: &Url) -> &str {
    site.as_str().trim_end_matches('/')
}

/// `path` under the site, keeping the site's own base path if it has one.
pub(crate) fn site_url(site: &Url, path: &str) -> Url {
    let mut url = site.clone();
    let base = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{base}{path}"));
    url
}

/// Configures a [`Client`]; see [`Client::builder`].
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    site: String,
    tenant: Option<String>,
    credentials: Option<Credentials>,
    clock: Arc<dyn Clock>,
    allow_http: bool,
    connect_timeout: Duration,
    read_timeout: Duration,
    retry: RetryPolicy,
    allow_guid_credentials: bool,
    max_upload_size: u64,
}

impl ClientBuilder {
    /// The tenant ID (System Settings, `ID`). Needed by API keys and by the
    /// v8 file upload.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// What to authenticate with.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Allows `http://` for a site that is not on loopback. Tokens and keys
    /// then cross the network in clear text.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// How long connecting may take; [`DEFAULT_CONNECT_TIMEOUT`] by default.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long the server may stay silent during a response;
    /// [`DEFAULT_READ_TIMEOUT`] by default.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// When failed calls are sent again; [`RetryPolicy::default`] unless
    /// set. See [`repeat_safe`](crate::repeat_safe) for POST calls.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Accepts a credential that is a bare GUID.
    ///
    /// By default such a credential is refused, because it is the form of an
    /// `IntegrifyEnv` token (`INTEGRIFY_ENV_TOKEN`), which the server gives
    /// its own functions and does not accept from API clients. Allow it only
    /// if your tenant really issued a key of that form.
    pub fn allow_guid_credentials(mut self, allow: bool) -> Self {
        self.allow_guid_credentials = allow;
        self
    }

    /// The largest upload to send, in bytes; a larger one of known size is
    /// refused before sending. [`DEFAULT_MAX_UPLOAD_SIZE`] (the vendor's
    /// ingress limit) unless set; raise it for a site that accepts more.
    ///
    /// [`DEFAULT_MAX_UPLOAD_SIZE`]: crate::DEFAULT_MAX_UPLOAD_SIZE
    pub fn max_upload_size(mut self, bytes: u64) -> Self {
        self.max_upload_size = bytes;
        self
    }

    /// The clock token expiry is judged by; the system clock by default.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let site = parse_site(&self.site, self.allow_http)?;
        let credentials = self
            .credentials
            .ok_or_else(|| Error::Config("no credentials given".into()))?;
        let tenant = match self.tenant {
            Some(t) if t.trim().is_empty() || t.contains(['/', '?', '#']) => {
                return Err(Error::Config(format!("`{t}` is not a tenant ID")));
            }
            other => other,
        };
        credentials.check().map_err(Error::Config)?;
        if credentials.looks_like_env_token() && !self.allow_guid_credentials {
            return Err(Error::Config(format!(
                "the {} is a bare GUID, the form of an IntegrifyEnv token; that token is for \
                 the server's own functions and is not accepted as an API credential \
                 (if your key really is a GUID, use allow_guid_credentials)",
                credentials.kind()
            )));
        }
        if credentials.needs_tenant() && tenant.is_none() {
            let kind = credentials.kind();
            return Err(Error::Config(format!("a {kind} needs the tenant ID")));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .user_agent(concat!("nutrient-workflow/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("cannot set up HTTP: {e}")))?;
        let auth = Auth::new(
            credentials,
            tenant.clone(),
            site.clone(),
            http.clone(),
            self.clock,
            self.retry,
        );
        Ok(Client {
            #[cfg(feature = "workflow")]
            workflow: crate::workflow::Client::new_with_client(
                base_url(&site),
                http.clone(),
                auth.clone(),
            ),
            #[cfg(feature = "auth")]
            auth_section: crate::sections::auth::Client::new_with_client(
                base_url(&site),
                http.clone(),
                auth.clone(),
            ),
            #[cfg(feature = "files")]
            files: crate::files::Client::new_with_client(
                base_url(&site),
                http.clone(),
                auth.clone(),
            ),
            #[cfg(feature = "instance")]
            instance: crate::instance::Client::new_with_client(
                base_url(&site),
                http.clone(),
                auth.clone(),
            ),
            #[cfg(feature = "core-service")]
            core_service: crate::core_service::Client::new_with_client(
                base_url(&site),
                http.clone(),
                auth.clone(),
            ),
            site,
            tenant,
            http,
            auth,
            max_upload_size: self.max_upload_size,
        })
    }
}

/// Parses the site URL and refuses clear text to anything but loopback unless
/// the caller opted in.
fn parse_site(site: &str, allow_http: bool) -> Result<Url, Error> {
    // Messages name the scheme and host only: a URL can carry a secret in
    // its query or user info, and configuration errors get printed.
    let url = Url::parse(site.trim()).map_err(|e| {
        match e {
        url::ParseError::RelativeUrlWithoutBase => Error::Config(
            "the site URL has no scheme; write it in full, e.g. `https://yourcompany.integrify.com`"
                .into(),
        ),
        other => Error::Config(format!("the site URL is not a URL: {other}")),
    }
    })?;
    let origin = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "the site URL ({origin}/...) must not have a query or fragment"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(
            "the site URL must not carry a user name or password".into(),
        ));
    }
    match url.scheme() {
        "https" if cfg!(not(any(feature = "rustls", feature = "native-tls"))) => {
            Err(Error::Config(
                "https needs the `rustls` or `native-tls` feature of nutrient-workflow".into(),
            ))
        }
        "https" => Ok(url),
        "http" if allow_http || is_loopback(&url) => Ok(url),
        "http" => Err(Error::Config(format!(
            "`{origin}` is not https; tokens would cross the network in clear text \
             (use allow_insecure_http to accept that)"
        ))),
        other => Err(Error::Config(format!("`{other}` is not an HTTP scheme"))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(site: &str) -> Result<Client, Error> {
        Client::builder(site)
            .tenant("demo")
            .credentials(Credentials::system_key("k"))
            .build()
    }

    fn from_vars(vars: &[(&str, &str)]) -> Result<Client, Error> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Client::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn from_env_names_the_missing_variable() {
        let error =
            from_vars(&[("NWA_HOST", "example.com"), ("NWA_API_KEY", "k")]).expect_err("no tenant");
        assert_eq!(
            error.to_string(),
            "invalid configuration: NWA_TENANT is not set"
        );
        let error = from_vars(&[("NWA_HOST", " "), ("NWA_TENANT", "t"), ("NWA_API_KEY", "k")])
            .expect_err("empty host");
        assert_eq!(
            error.to_string(),
            "invalid configuration: NWA_HOST is not set"
        );
    }

    #[test]
    fn from_env_assumes_https_for_a_bare_host() {
        let client = from_vars(&[
            ("NWA_HOST", "yourcompany.integrify.com"),
            ("NWA_TENANT", "yourtenant"),
            ("NWA_API_KEY", "k"),
        ])
        .expect("valid");
        assert_eq!(client.site(), "https://yourcompany.integrify.com");
        assert_eq!(client.tenant(), Some("yourtenant"));
    }

    #[test]
    fn from_env_with_a_user_impersonates() {
        let client = from_vars(&[
            ("NWA_HOST", "http://127.0.0.1:1"),
            ("NWA_TENANT", "demo"),
            ("NWA_API_KEY", "app-key"),
            ("NWA_USER", "jdoe"),
        ])
        .expect("valid");
        assert!(
            format!("{client:?}").contains("impersonation key"),
            "{client:?}"
        );
    }

    #[test]
    fn from_env_reports_a_malformed_host() {
        let error = from_vars(&[
            ("NWA_HOST", "http://example.com"),
            ("NWA_TENANT", "demo"),
            ("NWA_API_KEY", "k"),
        ])
        .expect_err("clear text");
        assert!(error.to_string().contains("NWA_HOST"), "{error}");
    }

    #[test]
    fn clear_text_is_refused_off_loopback() {
        let error = build("http://example.com").expect_err("http off loopback");
        assert!(error.to_string().contains("not https"), "{error}");
        assert!(build("http://127.0.0.1:8080").is_ok());
        assert!(build("http://[::1]:8080").is_ok());
        assert!(build("http://localhost").is_ok());
        assert!(build("https://example.com").is_ok());
    }

    #[test]
    fn a_secret_in_the_site_url_is_not_echoed() {
        let error = build("https://example.com/?token=SECRETTOKEN").expect_err("a query");
        assert!(!error.to_string().contains("SECRETTOKEN"), "{error}");
        let error = build("ftp://user:SECRETTOKEN@example.com").expect_err("user info");
        assert!(!error.to_string().contains("SECRETTOKEN"), "{error}");
    }

    #[test]
    fn a_site_without_scheme_gets_a_hint() {
        let error = build("yourcompany.integrify.com").expect_err("no scheme");
        assert!(error.to_string().contains("no scheme"), "{error}");
    }

    #[test]
    fn empty_keys_and_unsendable_tokens_are_refused_up_front() {
        for credentials in [
            Credentials::system_key("  "),
            Credentials::bearer("abc\ndef"),
            Credentials::impersonate("key", ""),
        ] {
            let kind = credentials.kind();
            let error = Client::builder("https://example.com")
                .tenant("demo")
                .credentials(credentials)
                .build()
                .expect_err("unusable credentials");
            assert!(matches!(error, Error::Config(_)), "{kind}: {error:?}");
        }
    }

    #[test]
    fn api_key_without_tenant_is_refused() {
        let error = Client::builder("https://example.com")
            .credentials(Credentials::system_key("k"))
            .build()
            .expect_err("no tenant");
        assert_eq!(
            error.to_string(),
            "invalid configuration: a system API key needs the tenant ID"
        );
    }

    #[test]
    fn env_token_as_credential_is_a_configuration_error() {
        let error = Client::builder("https://example.com")
            .tenant("demo")
            .credentials(Credentials::system_key(
                "12345678-1234-1234-1234-123456789ABC",
            ))
            .build()
            .expect_err("an env token");
        let message = error.to_string();
        assert!(message.contains("IntegrifyEnv token"), "{message}");
        assert!(
            !message.contains("123456789ABC"),
            "the token leaked: {message}"
        );
    }

    #[test]
    fn site_keeps_its_base_path_without_trailing_slash() {
        let client = build("https://example.com/workflow/").expect("valid");
        assert_eq!(client.site(), "https://example.com/workflow");
        assert_eq!(
            client.url("/users/current").as_str(),
            "https://example.com/workflow/users/current"
        );
    }

    #[test]
    fn client_debug_hides_the_key() {
        let client = Client::builder("https://example.com")
            .tenant("demo")
            .credentials(Credentials::system_key("private-key-value"))
            .build()
            .expect("valid");
        let printed = format!("{client:?}");
        assert!(!printed.contains("private-key-value"), "{printed}");
    }
}
