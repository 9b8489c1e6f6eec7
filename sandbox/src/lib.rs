//! A stand-in Nutrient Workflow Automation tenant, for examples and tests.
//!
//! **This is a test double, not Workflow Automation.** It is an axum server
//! on loopback that keeps one tenant in memory and implements every
//! operation of the OpenAPI documents in the workspace's `openapi/` folder,
//! with the paths, parameter names and JSON shapes those documents declare.
//! Where the public docs say nothing (error bodies, most response shapes
//! marked `x-nwa-assumed`), the sandbox makes a plain choice and this crate
//! documents it; a real tenant may differ. Nothing here should be used to
//! serve real data: keys are fixed and printed in these docs, and nothing is
//! persisted.
//!
//! # Running one
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sandbox = nwa_sandbox::spawn().await?;
//! println!("tenant {} at {}", sandbox.tenant(), sandbox.base_url());
//! // ... point a client at sandbox.base_url() with sandbox.system_key() ...
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! [`spawn`] binds `127.0.0.1:0` on the current tokio runtime;
//! [`spawn_on`] takes a listener the caller bound (the `cargo xtask sandbox
//! --port N` command uses it and prints the keys); [`serve`] runs on a
//! listener until its task is dropped. Dropping a [`Sandbox`] stops it.
//!
//! # The demo tenant
//!
//! [`Config::default`] is tenant `demo` with these keys:
//!
//! | credential | value | exchanged at | acts as |
//! |---|---|---|---|
//! | system API key | `demo-system-key` | `POST /api/auth/token/api-key` | `admin` |
//! | user-based API key | `demo-user-key` | `POST /api/auth/token/user-api-key` | `jdoe` |
//! | application key | `demo-app-key` | `GET /access/impersonate`, `/access/request-token`, `/access/exchange-token` | the named user |
//! | application key and secret `demo-app-secret` | `POST /oauth2/token` (JWT-bearer grant) | the assertion's `sub` |
//!
//! The exchanges answer HS256 JWTs (claims `tenant`, `aud`, `exp`, `iat`,
//! `userName`, `contactSid`, `email`, `name`) or opaque 32-hex tokens; both
//! work on every route. Every route except the two health checks, the
//! exchanges and the spec documents takes `Authorization: Bearer <token>`
//! or the legacy `?token=` query parameter; anything else is a 401.
//!
//! The tenant starts with users `admin`, `jdoe`, `msmith` and `akhan`, the
//! process "Expense Claim" (a data-container task "Enter details" with the
//! fields `description`, `amount`, `due_date` and `receipt`, then an
//! approval task "Manager approval"), the inactive process "Travel
//! Request", the report "Requests by process", and two finished requests.
//! [`Sandbox::demo`] gives their SIDs.
//!
//! # What the sandbox adds to the API
//!
//! - `GET /openapi/{section}.json` serves the bundled document of each
//!   section (`workflow`, `auth`, `files`, `instance`, `core-service`),
//!   without auth, so `cargo xtask fetch` can be tried against it. It is in
//!   [`Config::dialect`], or in the dialect a `?dialect=swagger-2.0`,
//!   `openapi-3.0` or `openapi-3.1` query asks for (see [`dialects`]).
//!   `GET /openapi/swagger-config.json` lists them the way a swagger-ui
//!   configuration does.
//! - `GET /files/stream/{file_key}` is where the `StreamEndpoint` and
//!   `downloadLink` of an attached file point.
//! - `GET /files/stream/synthetic` ([`SYNTHETIC_FILE_LINK`]) serves a file of
//!   [`Config::synthetic_file_bytes`] bytes, made up as it is sent (a
//!   repeating byte pattern, `application/octet-stream`, named
//!   `synthetic.bin`), when that is set. With [`Config::discard_uploads`] and
//!   a raised [`Config::max_body_bytes`], it lets a client move files of any
//!   size through a sandbox that keeps none of them in memory, as the
//!   benchmark (`cargo xtask bench`) does.
//! - `GET /sandbox/login?token=T&user=U` stands in for the login page of the
//!   interactive `/access/request-token` flow: it signs request token `T` in
//!   as user `U`.
//! - `POST /oauth2/token` takes the JWT-bearer grant (RFC 7523) as a form:
//!   `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>`.
//!   The assertion is an HS256 JWT signed with [`Config::app_secret`], with
//!   `iss` the application key, `sub` the user, `aud` `<base URL>/oauth2/token`
//!   and `exp` in the future. The answer is `{"access_token": <opaque token
//!   acting as sub>, "token_type": "Bearer", "expires_in": <seconds>}`; a bad
//!   signature, another key or audience, an unknown user, an expired
//!   assertion or another grant type is a 401, a form that does not parse a
//!   400.
//!
//! # Choices the docs leave open
//!
//! - Errors are `{"error": "..."}` with a fitting status: 400 for bad input,
//!   401 for auth, 404 for an unknown SID or route, 409 for a task that is no
//!   longer active or a process that is Inactive.
//! - `/instances/mine` lists the requests the caller started.
//! - Responses declared without content are `{}`.
//! - An approval task offers `Approve` and `Reject`; either completes the
//!   request, with milestone `Approved` or `Rejected`.
//! - A data-container value of the wrong type (a `numeric` field given
//!   text, a `file` field given anything but an uploaded file's key) is a
//!   400; unknown keys are ignored and no field is required.
//! - `/access/impersonate` issues a token with the `expires` asked for, even
//!   one already past; without `expires` the token lives
//!   [`Config::token_lifetime`].
//!
//! # Controlling time
//!
//! The sandbox reads the time from one clock, which
//! [`Sandbox::advance_clock`] moves forward: a test expires a token that way
//! instead of sleeping. [`Faults::set_clock_offset`] sets it ahead of or
//! behind the wall clock.
//!
//! # Faults
//!
//! [`Sandbox::faults`] gives the fault switches, which a test flips while
//! the sandbox runs (from any thread; each takes effect for the next call),
//! and [`Config::faults`] sets them up front. "API routes" here are all
//! routes but the token exchanges (`/api/auth/token/*`, `/access/*`,
//! `/oauth2/token`), the spec documents (`/openapi/*`) and the login page;
//! the health checks are API routes that take no token.
//!
//! | switch | effect |
//! |---|---|
//! | [`set_latency(d)`](Faults::set_latency) | every answer, exchanges included, waits `d` after the work is done |
//! | [`fail_next(n, status)`](Faults::fail_next) | the next `n` calls to API routes answer `status` with `{"error": ...}`, doing nothing |
//! | [`fail_next_with_retry_after(n, status, s)`](Faults::fail_next_with_retry_after) | the same, with `Retry-After: s` |
//! | [`lose_post_answers(true)`](Faults::lose_post_answers) | a POST to an API route is carried out, then the connection closes with no answer; the same POST (path, query, body) sent again is carried out and answered |
//! | [`cut_next_bodies(n)`](Faults::cut_next_bodies) | the next `n` JSON answers of API routes send the headers and half the body, then the connection closes |
//! | [`set_token_lifetime(d)`](Faults::set_token_lifetime) | tokens issued from now on live `d` (whole seconds) |
//! | [`set_token_endpoint_down(true)`](Faults::set_token_endpoint_down) | every token exchange answers 503 |
//! | [`set_clock_offset(o)`](Faults::set_clock_offset) | the sandbox's clock runs [`Ahead`](ClockOffset::Ahead) of or [`Behind`](ClockOffset::Behind) the wall clock |
//! | [`refuse_next_with_html(n)`](Faults::refuse_next_with_html) | the next `n` calls to routes that take a token answer 401 with a `text/html` page, whatever the token |
//! | [`clear()`](Faults::clear) | every fault off, the clock back on the wall clock |
//!
//! A refusal is decided in this order: the token endpoint down, then
//! `fail_next`, then the HTML 401. The calls a fault refuses are counted by
//! [`Sandbox::hits`] like any other.
//!
//! To see what a client did, the sandbox counts: [`Sandbox::hits`] per
//! method and route, [`Sandbox::token_exchanges`] and
//! [`Sandbox::token_exchanges_for`] per key, [`Sandbox::issued_tokens`],
//! [`Sandbox::requests_started`], and [`Sandbox::uploaded_bytes`].

mod clock;
mod demo;
pub mod dialects;
mod error;
mod faults;
mod jwt;
mod routes;
mod site;
mod tenant;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use demo::{Demo, DemoUser};
pub use dialects::Dialect;
pub use faults::{ClockOffset, FailNext, FaultPlan, FaultPlanError, Faults};
pub use tenant::TaskKind;

use site::Site;
use tenant::TaskStatus;

/// Settings for a sandbox; `Config::default()` is the demo tenant.
#[derive(Debug, Clone)]
pub struct Config {
    /// The tenant ID, as System Settings would show it.
    pub tenant: String,
    /// How long an issued token lives, unless `/access/impersonate` is
    /// asked for another expiry.
    pub token_lifetime: Duration,
    /// The system API key (acts as `admin`).
    pub system_key: String,
    /// The user-based API key (acts as `jdoe`).
    pub user_key: String,
    /// The application key for `/access/*`, with impersonation enabled,
    /// and the issuer of JWT-bearer assertions.
    pub impersonation_key: String,
    /// The application's secret, which signs (HS256) the assertions of the
    /// JWT-bearer grant at `/oauth2/token`.
    pub app_secret: String,
    /// The HS256 signing secret. Sandboxes share the default, as tenants on
    /// one site share the site's secret, so a token from another tenant's
    /// sandbox fails on its `tenant` claim rather than on its signature.
    pub jwt_secret: String,
    /// The dialect `GET /openapi/{section}.json` serves the documents in,
    /// unless a request asks for another with `?dialect=`. The default is
    /// OpenAPI 3.0, the bundled documents byte for byte.
    pub dialect: Dialect,
    /// Whether `GET /openapi/{section}.json` wants a bearer token, as a
    /// tenant that keeps its API docs behind a login would. Off by default.
    pub specs_need_token: bool,
    /// The faults on from the start; see [`Faults`]. None by default.
    pub faults: FaultPlan,
    /// The largest request body read, in bytes. 25 MiB by default, as the
    /// real site's ingress allows; raise it to try larger uploads.
    pub max_body_bytes: usize,
    /// Whether uploaded files are counted and dropped instead of kept. The
    /// upload routes answer as usual and store the file's name and type but
    /// no content (a download of it is empty), so an upload of any size
    /// takes no memory. Off by default. [`Sandbox::uploaded_bytes`] counts
    /// either way.
    pub discard_uploads: bool,
    /// The size of a file made up on the fly at [`SYNTHETIC_FILE_LINK`], for
    /// downloads larger than memory; `None` (no such file) by default.
    pub synthetic_file_bytes: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tenant: "demo".to_owned(),
            token_lifetime: Duration::from_secs(3600),
            system_key: "demo-system-key".to_owned(),
            user_key: "demo-user-key".to_owned(),
            impersonation_key: "demo-app-key".to_owned(),
            app_secret: "demo-app-secret".to_owned(),
            jwt_secret: "nwa-sandbox-signing-secret".to_owned(),
            dialect: Dialect::default(),
            specs_need_token: false,
            faults: FaultPlan::default(),
            max_body_bytes: MAX_BODY_BYTES,
            discard_uploads: false,
            synthetic_file_bytes: None,
        }
    }
}

/// An active recipient task of a request, as [`Sandbox::open_tasks`] shows
/// it. The API itself has no route that lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTask {
    /// The recipient task's SID, as the task-type routes take it.
    pub sid: String,
    /// The task's name, e.g. "Enter details".
    pub name: String,
    /// `data-container` or `approval`.
    pub kind: TaskKind,
}

/// A running sandbox. Dropping it stops the server.
#[derive(Debug)]
pub struct Sandbox {
    site: Arc<Site>,
    // Dropping the sender is the stop signal, so dropping the sandbox stops
    // the server without a `Drop` impl.
    stop: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

/// How long [`Sandbox::shutdown`] lets open requests finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The largest request body, as the site's ingress allows (25 MiB).
pub(crate) const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

/// Where the file of [`Config::synthetic_file_bytes`] is downloaded, relative
/// to the site root. It takes a token like every download.
pub const SYNTHETIC_FILE_LINK: &str = "/files/stream/synthetic";

impl Sandbox {
    /// The site's root, e.g. `http://127.0.0.1:41234`, without a trailing
    /// slash.
    pub fn base_url(&self) -> &str {
        &self.site.base_url
    }

    /// The tenant ID.
    pub fn tenant(&self) -> &str {
        &self.site.config.tenant
    }

    /// The system API key, accepted by `POST /api/auth/token/api-key`.
    pub fn system_key(&self) -> &str {
        &self.site.config.system_key
    }

    /// The user-based API key, accepted by
    /// `POST /api/auth/token/user-api-key`; its tokens act as `jdoe`.
    pub fn user_key(&self) -> &str {
        &self.site.config.user_key
    }

    /// The application key accepted by `GET /access/impersonate` and the
    /// request-token flow.
    pub fn impersonation_key(&self) -> &str {
        &self.site.config.impersonation_key
    }

    /// The application's secret, which signs JWT-bearer assertions for
    /// [`Sandbox::impersonation_key`].
    pub fn app_secret(&self) -> &str {
        &self.site.config.app_secret
    }

    /// The settings the sandbox started with ([`Faults`] may have changed
    /// some since).
    pub fn config(&self) -> &Config {
        &self.site.config
    }

    /// The SIDs of the seeded records.
    pub fn demo(&self) -> &Demo {
        &self.site.demo
    }

    /// How many access tokens were issued so far, by all exchange routes
    /// together (request tokens of the interactive flow are not counted).
    pub fn token_exchanges(&self) -> u64 {
        self.site.token_exchanges()
    }

    /// How many access tokens were issued for `key`: the system key, the
    /// user-based key, or the application key (impersonation, the
    /// request-token flow and the JWT-bearer grant together).
    pub fn token_exchanges_for(&self, key: &str) -> u64 {
        self.site.token_exchanges_for(key)
    }

    /// Every access token issued so far, in order, for tests that check no
    /// token shows where it should not.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.site.issued_tokens()
    }

    /// How many calls of `method` reached `route`, which is either a route
    /// pattern as the router declares it (`/reports/{report_sid}`) or a
    /// path as called (`/reports/8f0c...`), without the query. Calls that a
    /// fault refused count too.
    pub fn hits(&self, method: &str, route: &str) -> u64 {
        self.site.hits(method, route)
    }

    /// How many bytes of file content the upload routes accepted, kept or
    /// discarded ([`Config::discard_uploads`]); a refused upload adds
    /// nothing.
    pub fn uploaded_bytes(&self) -> u64 {
        self.site.uploaded_bytes()
    }

    /// How many requests the tenant holds: the two seeded ones plus every
    /// request started since.
    pub fn requests_started(&self) -> usize {
        self.site.tenant().requests.len()
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.site.faults
    }

    /// Moves the sandbox's clock forward, so tokens expire without waiting.
    pub fn advance_clock(&self, by: Duration) {
        self.site.clock.advance(by);
    }

    /// The request's active recipient tasks. For tests only: the API has no
    /// route that lists them.
    pub fn open_tasks(&self, request_sid: &str) -> Vec<OpenTask> {
        let request_sid = request_sid.to_lowercase();
        self.site
            .tenant()
            .tasks
            .iter()
            .filter(|task| task.request_sid == request_sid && task.status == TaskStatus::Active)
            .map(|task| OpenTask {
                sid: task.sid.clone(),
                name: task.name.clone(),
                kind: task.kind,
            })
            .collect()
    }

    /// Stops accepting connections and waits (a few seconds at most) for
    /// open requests to finish.
    pub async fn shutdown(self) {
        let Sandbox {
            site: _,
            stop,
            task,
        } = self;
        drop(stop);
        let abort = task.abort_handle();
        if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
            abort.abort();
        }
    }
}

/// Starts the demo tenant on `127.0.0.1`, on a free port.
pub async fn spawn() -> io::Result<Sandbox> {
    spawn_with(Config::default()).await
}

/// Starts a sandbox with `config` on `127.0.0.1`, on a free port.
pub async fn spawn_with(config: Config) -> io::Result<Sandbox> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    spawn_on(listener, config).await
}

/// Starts a sandbox on a listener the caller bound, as a task on the
/// current tokio runtime.
pub async fn spawn_on(listener: TcpListener, config: Config) -> io::Result<Sandbox> {
    let site = Arc::new(Site::new(config, base_url(listener.local_addr()?)));
    let app = routes::router(Arc::clone(&site));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // Either a send or a dropped sender means stop.
                let _ = stopped.await;
            })
            .await
    });
    tracing::debug!(base_url = %site.base_url, tenant = %site.config.tenant, "sandbox started");
    Ok(Sandbox { site, stop, task })
}

/// Serves a sandbox on `listener` until this future is dropped. Prints
/// nothing; the keys are those of `config`.
pub async fn serve(listener: TcpListener, config: Config) -> io::Result<()> {
    let site = Arc::new(Site::new(config, base_url(listener.local_addr()?)));
    axum::serve(listener, routes::router(site)).await
}

/// The URL clients reach `address` at. A wildcard bind is reached through
/// loopback, the only interface the sandbox is meant for.
fn base_url(address: SocketAddr) -> String {
    let ip = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, address.port()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_have_no_trailing_slash_and_bracket_ipv6() {
        let v4 = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);
        assert_eq!(base_url(v4), "http://127.0.0.1:8080");
        let v6 = SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 8080);
        assert_eq!(base_url(v6), "http://[::1]:8080");
        let any = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 8080);
        assert_eq!(base_url(any), "http://127.0.0.1:8080");
    }
}
