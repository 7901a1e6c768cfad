//! Credentials on each request, from the specs' `securitySchemes` (which progenitor ignores).
//!
//! A static header covers Attestr (`Authorization: Basic …`) and Gainsight PX
//! (`X-APTRINSIC-API-KEY`); Trust's Atenea token provider lives in the `trust` crate and
//! implements [`Authenticator`] with a cache, single-flight fetching and refresh on a 401.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use reqwest::header::{HeaderName, HeaderValue};

use crate::secret::Secret;

/// The future an [`Authenticator`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a request could not be given credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AuthError(pub String);

/// Puts credentials on requests.
pub trait Authenticator: Send + Sync + fmt::Debug {
    /// Adds credentials to `request`. Header values it sets must be marked sensitive.
    fn authorize<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>>;

    /// Called at most once per call, when the server answered 401 to the credentials `rejected`.
    /// Returns whether fresh credentials are ready, in which case the runtime authorizes the
    /// request again and repeats it. Static credentials cannot be refreshed.
    fn refresh<'a>(&'a self, rejected: Option<&'a HeaderValue>) -> BoxFuture<'a, bool> {
        let _ = rejected;
        Box::pin(async { false })
    }
}

/// No credentials: for calls the spec marks `security: []` (Atenea's token call).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

impl Authenticator for NoAuth {
    fn authorize<'a>(
        &'a self,
        _: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async { Ok(()) })
    }
}

/// One fixed header: an API key or a pre-built `Authorization` value.
#[derive(Clone)]
pub struct HeaderAuth {
    name: HeaderName,
    value: HeaderValue,
}

impl HeaderAuth {
    /// `name: value`, with the value marked sensitive so reqwest and `http` never print it. An
    /// empty (or blank) value is refused: it could only be refused by the vendor, later.
    pub fn new(name: &'static str, value: &Secret) -> Result<Self, AuthError> {
        if value.expose().trim().is_empty() {
            return Err(AuthError(format!(
                "the credential for the `{name}` header is empty"
            )));
        }
        let mut header = HeaderValue::from_str(value.expose()).map_err(|_| {
            AuthError(format!(
                "the credential for the `{name}` header contains characters a header cannot carry"
            ))
        })?;
        header.set_sensitive(true);
        Ok(HeaderAuth {
            name: HeaderName::from_static(name),
            value: header,
        })
    }

    /// `Authorization: Basic <token>`, with the token sent exactly as given.
    pub fn basic(token: &Secret) -> Result<Self, AuthError> {
        if token.expose().trim().is_empty() {
            return Err(AuthError("the Basic auth token is empty".to_string()));
        }
        HeaderAuth::new(
            "authorization",
            &Secret::new(format!("Basic {}", token.expose())),
        )
    }
}

impl fmt::Debug for HeaderAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderAuth")
            .field("header", &self.name.as_str())
            .field("value", &"[redacted]")
            .finish()
    }
}

impl Authenticator for HeaderAuth {
    fn authorize<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        request
            .headers_mut()
            .insert(self.name.clone(), self.value.clone());
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_auth_hides_its_value() {
        let auth = HeaderAuth::basic(&Secret::new("s3cr3t-token")).unwrap();
        let debug = format!("{auth:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(auth.value.is_sensitive());
        assert_eq!(auth.value.to_str().unwrap(), "Basic s3cr3t-token");
    }

    #[test]
    fn a_credential_with_a_newline_is_refused_not_sent() {
        let err = HeaderAuth::new("x-aptrinsic-api-key", &Secret::new("bad\nkey")).unwrap_err();
        assert!(err.0.contains("x-aptrinsic-api-key"), "{err}");
        assert!(
            !err.0.contains("bad"),
            "the message must not echo the secret: {err}"
        );
    }
}
