#![doc = include_str!("../README.md")]

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
