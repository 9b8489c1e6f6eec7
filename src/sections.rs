//! The generated clients, one module per API section, and the hooks that give
//! each of them the crate's authentication.
//!
//! The code of every module is written by `build.rs` from
//! `openapi/<section>.json` into `OUT_DIR`; nothing here is edited by hand
//! apart from the hook implementations. Lints are silenced for the generated
//! code only.

/// Implements the auth hooks for one section's generated client.
///
/// `pre` stamps the bearer token (except on the operations the spec marks as
/// needing none) and drops the `api-version` header progenitor adds, which the
/// tenant does not expect; `exec` sends through [`Auth::send`], which renews
/// the token and resends once on a 401.
///
/// [`Auth::send`]: crate::auth::Auth
#[cfg(any(
    feature = "workflow",
    feature = "auth",
    feature = "files",
    feature = "instance",
    feature = "core-service"
))]
macro_rules! authenticated_section {
    ($module:ident, $section:literal) => {
        impl progenitor_client::ClientHooks<crate::auth::Auth> for $module::Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> Result<(), progenitor_client::Error<E>> {
                use progenitor_client::ClientInfo as _;
                request.headers_mut().remove("api-version");
                if $module::PUBLIC_OPERATIONS.contains(&info.operation_id) {
                    return Ok(());
                }
                self.inner()
                    .authorize(request)
                    .await
                    .map_err(|error| match error {
                        crate::auth::AuthError::Unreachable(e) => {
                            progenitor_client::Error::CommunicationError(e)
                        }
                        other => progenitor_client::Error::Custom(other.to_string()),
                    })
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                use progenitor_client::ClientInfo as _;
                let template = request.try_clone();
                let rebuild = || template.as_ref().and_then(reqwest::Request::try_clone);
                let call = crate::auth::Call {
                    section: $section,
                    operation: info.operation_id,
                };
                self.inner()
                    .send(self.client(), request, rebuild, call)
                    .await
            }
        }
    };
}

/// The legacy root routes (`/access`, `/files`, `/instances`, `/processes`,
/// `/reports`, `/tasktypes`, `/users`) that v8 still serves.
#[cfg(feature = "workflow")]
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    unused_imports,
    unused_qualifications
)]
pub mod workflow {
    include!(concat!(env!("OUT_DIR"), "/workflow.rs"));
}
#[cfg(feature = "workflow")]
authenticated_section!(workflow, "workflow");

/// The v8 auth service (`/api/auth`).
#[cfg(feature = "auth")]
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    unused_imports,
    unused_qualifications
)]
pub mod auth {
    include!(concat!(env!("OUT_DIR"), "/auth.rs"));
}
#[cfg(feature = "auth")]
authenticated_section!(auth, "auth");

/// The v8 files service (`/api/files`).
#[cfg(feature = "files")]
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    unused_imports,
    unused_qualifications
)]
pub mod files {
    include!(concat!(env!("OUT_DIR"), "/files.rs"));
}
#[cfg(feature = "files")]
authenticated_section!(files, "files");

/// The v8 instance service (`/api/instance`).
#[cfg(feature = "instance")]
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    unused_imports,
    unused_qualifications
)]
pub mod instance {
    include!(concat!(env!("OUT_DIR"), "/instance.rs"));
}
#[cfg(feature = "instance")]
authenticated_section!(instance, "instance");

/// The v8 core service (`/core-service`).
#[cfg(feature = "core-service")]
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    unused_imports,
    unused_qualifications
)]
pub mod core_service {
    include!(concat!(env!("OUT_DIR"), "/core_service.rs"));
}
#[cfg(feature = "core-service")]
authenticated_section!(core_service, "core-service");
