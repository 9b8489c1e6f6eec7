//! Typed, authenticated access to the Nutrient Workflow Automation REST API
//! (the workflow product formerly called Integrify).
//!
//! A [`Client`] talks to one tenant. It exchanges the credentials for a token
//! on first use, renews the token before it expires, and puts it on every
//! request of every section's client:
//!
//! ```no_run
//! use nutrient_workflow::{Client, Credentials, ResultExt as _};
//!
//! # async fn demo() -> Result<(), nutrient_workflow::Error> {
//! let client = Client::builder("https://yourcompany.integrify.com")
//!     .tenant("yourtenant")
//!     .credentials(Credentials::system_key("your-private-key"))
//!     .build()?;
//!
//! let mine = client
//!     .workflow()
//!     .list_my_requests()
//!     .status("open")
//!     .send()
//!     .await
//!     .operation("list_my_requests")
//!     .await?;
//! println!("{} open requests", mine.total);
//! # Ok(())
//! # }
//! ```
//!
//! # Sections
//!
//! The tenant's API is split into sections, one service each. Every section
//! is a module generated from `openapi/<section>.json` and a cargo feature of
//! the same name; all are on by default:
//!
//! | feature | module | routes |
//! |---|---|---|
//! | `workflow` | [`workflow`] | the legacy root routes: `/access`, `/files`, `/instances`, `/processes`, `/reports`, `/tasktypes`, `/users` |
//! | `auth` | [`sections::auth`] | `/api/auth` |
//! | `files` | [`files`] | `/api/files` |
//! | `instance` | [`instance`] | `/api/instance` |
//! | `core-service` | [`core_service`] | `/core-service` |
//!
//! The bundled documents are rebuilt from public facts; operations marked
//! `x-nwa-assumed` in them are guesses where no public source shows the path
//! or shape. Build against your own tenant's documents by pointing
//! `NWA_OPENAPI_DIR` at them.
//!
//! Uploads and downloads that progenitor cannot generate are methods of
//! [`Client`]: [`Client::upload_file`], [`Client::upload_temp_file`] and
//! [`Client::download`].
//!
//! # Credentials
//!
//! Keys and tokens never appear in `Debug` output, errors or logs. A
//! credential that is a bare GUID is refused: that is the form of an
//! `IntegrifyEnv` token, which the server gives its own functions.
//!
//! A system API key (System Settings, API Keys) with the tenant ID:
//!
//! ```no_run
//! # fn demo() -> Result<(), nutrient_workflow::Error> {
//! use nutrient_workflow::{Client, Credentials};
//!
//! let client = Client::builder("https://yourcompany.integrify.com")
//!     .tenant("yourtenant")
//!     .credentials(Credentials::system_key("private-key"))
//!     .build()?;
//! # Ok(())
//! # }
//! ```
//!
//! A user-based API key (8.11 and later), whose token acts as its user:
//!
//! ```no_run
//! # fn demo() -> Result<(), nutrient_workflow::Error> {
//! use nutrient_workflow::{Client, Credentials};
//!
//! let client = Client::builder("https://yourcompany.integrify.com")
//!     .tenant("yourtenant")
//!     .credentials(Credentials::user_key("private-key"))
//!     .build()?;
//! # Ok(())
//! # }
//! ```
//!
//! An application key with impersonation enabled, acting as a user (the
//! legacy `/access/impersonate` route; no tenant needed):
//!
//! ```no_run
//! # fn demo() -> Result<(), nutrient_workflow::Error> {
//! use std::time::Duration;
//! use nutrient_workflow::{Client, Credentials};
//!
//! let client = Client::builder("https://yourcompany.integrify.com")
//!     .credentials(Credentials::impersonate_for(
//!         "application-key",
//!         "jdoe",
//!         Duration::from_secs(15 * 60),
//!     ))
//!     .build()?;
//! # Ok(())
//! # }
//! ```
//!
//! An application key and secret through the JWT-bearer grant (feature
//! `jwt-bearer`, on by default):
//!
//! ```no_run
//! # #[cfg(feature = "jwt-bearer")]
//! # fn demo() -> Result<(), nutrient_workflow::Error> {
//! use nutrient_workflow::{Client, Credentials};
//!
//! let client = Client::builder("https://yourcompany.integrify.com")
//!     .credentials(Credentials::jwt_bearer("application-key", "application-secret", "jdoe"))
//!     .build()?;
//! # Ok(())
//! # }
//! ```
//!
//! A token you already hold, sent as it is and never renewed:
//!
//! ```no_run
//! # fn demo() -> Result<(), nutrient_workflow::Error> {
//! use nutrient_workflow::{Client, Credentials};
//!
//! let client = Client::builder("https://yourcompany.integrify.com")
//!     .credentials(Credentials::bearer("eyJhbGciOi..."))
//!     .build()?;
//! # Ok(())
//! # }
//! ```
//!
//! Or from the environment (`NWA_HOST`, `NWA_TENANT`, `NWA_API_KEY`,
//! `NWA_USER`): [`Client::from_env`].
//!
//! # Errors
//!
//! Generated calls return progenitor's error; [`ResultExt::operation`] names
//! the call and turns it into this crate's [`Error`], which tells an auth
//! failure ([`Error::is_auth`]) from a transient one
//! ([`Error::is_transient`]) and, for a body of the wrong shape, names the
//! JSON path where decoding stopped.
//!
//! # Reliability
//!
//! Tokens are renewed a minute (plus up to half a minute of jitter) before
//! they expire, by one caller while the others wait; a 401 drops the token and
//! the call is resent once. Idempotent calls (GET, HEAD, PUT, DELETE) are
//! repeated after transient failures as the [`RetryPolicy`] allows; a POST
//! only inside [`repeat_safe`]. There is a connect and a read timeout
//! ([`DEFAULT_CONNECT_TIMEOUT`], [`DEFAULT_READ_TIMEOUT`]) and no limit on a
//! whole call, so long downloads are never cut off.
//!
//! # Logging
//!
//! The crate logs through `tracing`: one `nwa.call` span per API call with
//! its section, operation, method, status and duration in milliseconds, at
//! DEBUG; a DEBUG event when a token is obtained, with the time until it is
//! renewed, when a call is repeated, and when a call is not sent because no
//! token could be had; a WARN when a refused token cannot be renewed or a
//! renewal failed and the current token is kept. No key, token or request
//! body of the token exchange is ever logged.
//!
//! # Other cargo features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `rustls` | yes | TLS through rustls |
//! | `native-tls` | no | TLS through the platform's library |
//! | `jwt-bearer` | yes | [`Credentials::jwt_bearer`] (adds `hmac` and `sha2`) |
//!
//! Without a TLS feature the client refuses `https://` sites with a clear
//! error. The minimum supported Rust version is 1.88.

mod auth;
mod client;
mod clock;
mod error;
#[cfg(feature = "workflow")]
mod pages;
#[cfg(feature = "workflow")]
mod reports;
mod secret;
pub mod sections;
#[cfg(feature = "workflow")]
mod tasks;
mod transfer;
mod transport;

pub use auth::{
    AuthError, Credentials, DEFAULT_IMPERSONATION_LIFETIME, MAX_IMPERSONATION_LIFETIME,
};
pub use client::{Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT};
pub use clock::{Clock, SystemClock};
pub use error::{Error, ResultExt};
#[cfg(feature = "workflow")]
pub use pages::{DEFAULT_PAGE_SIZE, Paginate};
#[cfg(feature = "workflow")]
pub use reports::ReportFilters;
pub use secret::{AccessToken, ApiKey};
#[cfg(feature = "workflow")]
pub use tasks::{DataContainerTask, TaskValues};
#[cfg(any(feature = "workflow", feature = "files"))]
pub use transfer::Upload;
pub use transfer::{DEFAULT_MAX_UPLOAD_SIZE, Download};
pub use transport::{RetryPolicy, repeat_safe};

#[doc(inline)]
#[cfg(feature = "core-service")]
pub use sections::core_service;
#[doc(inline)]
#[cfg(feature = "files")]
pub use sections::files;
#[doc(inline)]
#[cfg(feature = "instance")]
pub use sections::instance;
#[doc(inline)]
#[cfg(feature = "workflow")]
pub use sections::workflow;

/// The authentication state the generated clients carry; users do not build
/// it themselves.
pub use auth::Auth;
/// The response wrapper and error of generated calls.
pub use progenitor_client::{ByteStream, ResponseValue};
