#![doc = include_str!("../README.md")]

// Every module is private: a user of a vendor crate needs only the items re-exported below,
// and the generated code and the vendor crates' hand-written layers reach the rest through the
// one hidden module, `__private`, whose paths may change with any release.
mod auth;
mod body;
mod call;
mod config;
mod error;
mod evidence;
mod failure;
mod operation;
mod options;
mod paging;
mod retry;
mod runtime;
mod secret;

pub use auth::AuthError;
pub use config::{ConfigError, ConfigureRuntime, Vars};
pub use error::{Error, ServiceError};
pub use failure::ErrorContext;
pub use options::{CallOptions, CallRecord, record};
pub use retry::{RetryPolicy, status_may_have_acted};
pub use runtime::RuntimeConfig;
pub use secret::Secret;

/// What the generated code and the vendor crates' hand-written layers use: the runtime, the
/// operation and outcome tables' types, credentials, paging. Not for clients of the vendor
/// crates; nothing here is stable.
#[doc(hidden)]
pub mod __private {
    pub use crate::auth::{Authenticator, BoxFuture, HeaderAuth, NoAuth};
    pub use crate::call::{SendResult, Settled, call, settle};
    pub use crate::config::checked_base_url;
    pub use crate::operation::{Operation, RouteProblem, check_params};
    pub use crate::options::detached;
    pub use crate::runtime::Runtime;

    /// The `x-outcomes` and `x-error-codes` tables' rows, and how a response is read against them.
    pub mod evidence {
        pub use crate::evidence::{
            Check, DocumentedError, Evidence, Literal, Proof, Response, Rule, Verdict, prove,
        };
    }

    /// Listings as streams of items.
    pub mod paging {
        pub use crate::paging::{DEFAULT_MAX_PAGES, Page, items};
    }
}

/// What every vendor crate implements alike: the public paths of its generated code and
/// tables and of the runtime items its users need, progenitor's `ClientHooks` for its generated
/// `Client`, whose inner value is a `Runtime`, and for its `Config` (a `runtime` field beside a
/// `from_vars`), `from_env` and the [`ConfigureRuntime`] setters. Invoked once at the root of
/// each vendor crate, beside its `generated` and `operations` modules (the traits and the
/// runtime are foreign there, the types local, so the impls have to live in that crate).
#[doc(hidden)]
#[macro_export]
macro_rules! impl_vendor {
    ($client:ty, $config:ty) => {
        /// progenitor's own error, which the generated `send()` returns. Prefer `call()`, which
        /// returns the crate's [`Error`]; this path stays for code that uses `send()` directly.
        #[doc(hidden)]
        pub use generated::Error as ClientError;
        pub use generated::{
            ByteStream, Client, ClientInfo, ResponseValue, builder, prelude, types,
        };
        /// The runtime's tables (operations, outcomes, documented errors), which the shared
        /// runtime and the workspace's own tools read; a client never needs them.
        #[doc(hidden)]
        pub use operations::{ERRORS, OPERATIONS, OUTCOMES};
        pub use $crate::{CallOptions, ConfigError, ConfigureRuntime, ErrorContext, Secret, Vars};

        impl ::progenitor_client::ClientHooks<$crate::__private::Runtime> for $client {
            async fn pre<E>(
                &self,
                request: &mut ::reqwest::Request,
                info: &::progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), ::progenitor_client::Error<E>> {
                use ::progenitor_client::ClientInfo as _;
                self.inner().pre(self.baseurl(), request, info).await
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

        impl $config {
            /// Reads the variables in the module documentation from the process environment.
            pub fn from_env() -> ::std::result::Result<Self, $crate::ConfigError> {
                Self::from_vars($crate::Vars::process())
            }
        }

        impl $crate::ConfigureRuntime for $config {
            fn runtime_config(&mut self) -> &mut $crate::RuntimeConfig {
                &mut self.runtime
            }
        }
    };
}
