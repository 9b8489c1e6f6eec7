//! The generated clients, one module per API section, and the hooks that give
//! each of them the crate's authentication.
//!
//! The code of every module is written by `build.rs` from
//! `openapi/<section>.json` into `OUT_DIR`; nothing here is edited by hand
//! apart from the hook implementations. Lints are silenced for the generated
//! code only.

/// The header progenitor adds to every request, naming the document's
/// version; the tenant does not expect it.
#[cfg(nwa_any_section)]
const API_VERSION: reqwest::header::HeaderName =
    reqwest::header::HeaderName::from_static("api-version");

/// Declares one section: its generated module, behind the section's cargo
/// feature, and the auth hooks of its client.
///
/// `pre` stamps the bearer token (except on the operations the spec marks as
/// needing none) and drops the `api-version` header progenitor adds, which the
/// tenant does not expect; `exec` sends through `Auth::send`, which retries
/// transient failures and renews the token and resends once on a 401.
macro_rules! section {
    ($(#[doc = $doc:literal])* $module:ident, feature = $section:literal) => {
        $(#[doc = $doc])*
        #[cfg(feature = $section)]
        #[allow(
            clippy::all,
            clippy::pedantic,
            missing_docs,
            unused_imports,
            unused_qualifications
        )]
        pub mod $module {
            include!(concat!(env!("OUT_DIR"), "/", stringify!($module), ".rs"));
        }

        #[cfg(feature = $section)]
        impl progenitor_client::ClientHooks<crate::auth::Auth> for $module::Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> Result<(), progenitor_client::Error<E>> {
                use progenitor_client::ClientInfo as _;
                request.headers_mut().remove(API_VERSION);
                if $module::PUBLIC_OPERATIONS.contains(&info.operation_id) {
                    return Ok(());
                }
                self.inner()
                    .authorize(request)
                    .await
                    .inspect_err(|error| {
                        tracing::debug!(
                            section = $section,
                            operation = info.operation_id,
                            %error,
                            "call not sent: no usable token"
                        );
                    })
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

section! {
    /// The legacy root routes (`/access`, `/files`, `/instances`,
    /// `/processes`, `/reports`, `/tasktypes`, `/users`) that v8 still serves.
    workflow, feature = "workflow"
}

section! {
    /// The v8 auth service (`/api/auth`).
    auth, feature = "auth"
}

section! {
    /// The v8 files service (`/api/files`).
    files, feature = "files"
}

section! {
    /// The v8 instance service (`/api/instance`).
    instance, feature = "instance"
}

section! {
    /// The v8 core service (`/core-service`).
    core_service, feature = "core-service"
}
