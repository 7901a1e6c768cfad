//! The shared runtime of the generated vendor clients.
//!
//! progenitor generates typed requests and responses, but ignores `securitySchemes`, never
//! retries and returns one untyped error per operation. This crate supplies the rest, once for
//! all three vendors. Each generated `Client` carries a [`Runtime`] as its inner value, and each
//! vendor crate plugs it into progenitor's `ClientHooks` with [`impl_client_hooks!`]:
//!
//! - `pre`: strips progenitor's `api-version` header, refuses a request whose path no longer
//!   matches its operation's template (a hostile id such as `..` would have moved it to another
//!   route), and authenticates it ([`auth`]).
//! - `exec`: sends it with retries, backoff and `Retry-After` ([`retry`]), per-call options
//!   ([`options`]), a single token refresh on a 401, and one `tracing` span per call that holds
//!   no secret and no personal id.
//!
//! [`failure`] turns whatever a generated call returned into a [`Failure`] that each vendor crate
//! matches into its own typed error.

pub mod auth;
pub mod config;
pub mod failure;
pub mod operation;
pub mod options;
pub mod retry;
mod runtime;
pub mod secret;

pub use auth::{AuthError, Authenticator, HeaderAuth, NoAuth};
pub use config::{ConfigError, ConfigureRuntime, Vars};
pub use failure::{ErrorContext, ErrorResponse, Failure};
pub use operation::Operation;
pub use options::{CallOptions, CallRecord};
pub use retry::RetryPolicy;
pub use runtime::{PreError, Runtime, RuntimeConfig};
pub use secret::Secret;

/// Implements progenitor's `ClientHooks` for a generated `Client` whose inner value is a
/// [`Runtime`]. Invoked once in each vendor crate (the trait and the runtime are foreign there,
/// the client is local, so the impl has to live in that crate).
#[macro_export]
macro_rules! impl_client_hooks {
    ($client:ty) => {
        impl ::progenitor_client::ClientHooks<$crate::Runtime> for $client {
            async fn pre<E>(
                &self,
                request: &mut ::reqwest::Request,
                info: &::progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), ::progenitor_client::Error<E>> {
                use ::progenitor_client::ClientInfo as _;
                self.inner()
                    .pre(self.baseurl(), request, info)
                    .await
                    .map_err($crate::PreError::into_client_error)
            }

            async fn exec(
                &self,
                request: ::reqwest::Request,
                info: &::progenitor_client::OperationInfo,
            ) -> ::reqwest::Result<::reqwest::Response> {
                use ::progenitor_client::ClientInfo as _;
                self.inner().exec(self.client(), request, info).await
            }
        }
    };
}
