//! The shared runtime of the generated vendor clients.
//!
//! progenitor generates typed requests and responses, but ignores `securitySchemes`, never
//! retries and returns one untyped error per operation. This crate supplies the rest, once for
//! all three vendors. Each generated `Client` carries a [`Runtime`] as its inner value, and each
//! vendor crate plugs it into progenitor's `ClientHooks` with [`impl_client_hooks!`]:
//!
//! - `pre`: strips progenitor's `api-version` header, refuses a request whose path is not its
//!   operation's alone ([`operation::check_route`]: a hostile id such as `..` would move it, an
//!   id such as `delete` would reach another route), and authenticates it ([`auth`]).
//! - `exec`: sends it through the runtime's own HTTP client, which never follows a redirect (a
//!   3xx is [`Error::Redirect`]), with retries, backoff and `Retry-After` ([`retry`]), per-call
//!   options ([`options`]), a single token refresh on a 401, a response body read whole and
//!   bounded within the attempt before its status counts ([`body`]), and one `tracing` span per
//!   call that holds no secret and no personal id.
//!
//! A vendor crate names one error, `Error<ItsApiError>` ([`Error`], with the vendor's body through
//! [`ServiceError`]); every generated builder gets a `call()` that returns it ([`call()`]); the
//! starting operations read their outcome from the spec's `x-outcomes` ([`evidence`], [`settle`]);
//! listings become streams ([`paging`]).

#![warn(missing_docs)]

pub mod auth;
pub mod body;
mod call;
pub mod config;
mod error;
pub mod evidence;
pub mod failure;
pub mod operation;
pub mod options;
pub mod paging;
pub mod retry;
mod runtime;
pub mod secret;

pub use auth::{AuthError, Authenticator, HeaderAuth, NoAuth};
pub use call::{SendResult, Settled, call, settle};
pub use config::{ConfigError, ConfigureRuntime, Vars};
pub use error::{Error, ServiceError};
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
