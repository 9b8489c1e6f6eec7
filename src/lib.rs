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
//! See [`Credentials`]: a system API key, a user-based API key, an
//! application key plus a user to impersonate, or a bearer token. Keys and
//! tokens never appear in `Debug` output, errors or logs.
//!
//! # Logging
//!
//! The crate logs through `tracing`: one `nwa.call` span per API call with
//! its section, operation, method, status and duration in milliseconds, at
//! DEBUG; a DEBUG event when a token is obtained, with the time until it is
//! renewed; a WARN when a refused token cannot be renewed. No key, token or
//! request body of the token exchange is ever logged.
//!
//! # TLS
//!
//! The `rustls` feature (default) uses rustls; `native-tls` uses the
//! platform's TLS instead.

mod auth;
mod client;
mod clock;
mod error;
mod secret;
pub mod sections;
mod transfer;
mod transport;

pub use auth::{
    AuthError, Credentials, DEFAULT_IMPERSONATION_LIFETIME, MAX_IMPERSONATION_LIFETIME,
};
pub use client::{Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT};
pub use clock::{Clock, SystemClock};
pub use error::{Error, ResultExt};
pub use secret::{AccessToken, ApiKey};
pub use transfer::Download;
#[cfg(any(feature = "workflow", feature = "files"))]
pub use transfer::Upload;
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
