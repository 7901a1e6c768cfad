//! [`ApiError`]: the error body Gainsight PX sends, decoded. The vendor documents none; third-party
//! code has seen `{"externalapierror": {...}}` (and HTML pages from a gateway, which do not
//! decode). The crate's [`Error`](crate::Error) is the shared runtime's error with this body.

use std::fmt;

use vendor_runtime::__private::evidence::DocumentedError;
use vendor_runtime::ServiceError;

use crate::types;

/// The `externalapierror` object of a Gainsight PX error body (third-party evidence only).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError(pub Box<types::ApiError>);

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.0.status.as_deref().unwrap_or("no status");
        match &self.0.message {
            Some(message) => write!(f, "{status}: {message}"),
            None => f.write_str(status),
        }
    }
}

impl ServiceError for ApiError {
    const VENDOR: &'static str = "Gainsight PX";

    fn decode(_status: u16, body: &[u8]) -> Option<Self> {
        let body: types::ExternalApiError = serde_json::from_slice(body).ok()?;
        body.externalapierror.map(|error| ApiError(Box::new(error)))
    }

    const DOCUMENTED: &'static [DocumentedError] = crate::operations::ERRORS;

    /// Gainsight PX documents statuses with a description ("User not found"), but no error body
    /// and no code: the `externalapierror` shape is third-party evidence only. No body can be
    /// shown to be a documented error, so none is (fail closed): on a status where an outcome can
    /// be proven, a body that proves none stays [`Error::Unproven`](crate::Error::Unproven).
    fn is_documented_as(&self, _row: &DocumentedError) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_observed_error_shape_decodes() {
        let body =
            br#"{"externalapierror": {"status": "NOT_FOUND", "message": "User was not found"}}"#;
        let error = ApiError::decode(404, body).unwrap();
        assert_eq!(error.to_string(), "NOT_FOUND: User was not found");
        for other in [
            &b"<html><title>403</title>403 Forbidden</html>"[..],
            b"",
            b"{}",
        ] {
            assert_eq!(ApiError::decode(403, other), None);
        }
    }
}
