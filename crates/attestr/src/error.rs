//! [`ApiError`]: the error body Attestr sends, decoded. The crate's [`Error`](crate::Error) is
//! the shared runtime's error with this body.

use std::fmt;

use vendor_runtime::__private::evidence::DocumentedError;
use vendor_runtime::ServiceError;

use crate::{ErrorCode, types};

/// Attestr's error body (`{code, message, details?}`), with the code as a documented
/// [`ErrorCode`] (`x-error-codes` in the spec).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The code, one of the documented ones or [`ErrorCode::Unknown`].
    pub code: ErrorCode,
    /// Attestr's message, as sent.
    pub message: String,
    /// The detail message, for the errors that have one.
    pub details: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} ({}): {}",
            self.code,
            self.code.code(),
            self.message
        )?;
        if let Some(details) = &self.details {
            write!(f, " ({details})")?;
        }
        Ok(())
    }
}

impl ServiceError for ApiError {
    const VENDOR: &'static str = "Attestr";

    fn decode(_status: u16, body: &[u8]) -> Option<Self> {
        let body: types::Error = serde_json::from_slice(body).ok()?;
        Some(ApiError {
            code: ErrorCode::from_code(body.code),
            message: body.message,
            details: body.details,
        })
    }

    const DOCUMENTED: &'static [DocumentedError] = crate::operations::ERRORS;

    /// Attestr's codes are its own and name one error each per status (4003 means different
    /// things on 400 and 403, so the status is part of the match, and it already is): the code
    /// identifies the row. The message is not compared, since some carry a placeholder
    /// (`{type}` in 40039).
    fn is_documented_as(&self, row: &DocumentedError) -> bool {
        row.code == Some(self.code.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_attestr_error_bodies_decode() {
        let body =
            br#"{"code": 40038, "message": "Profile is archived already, operation not allowed"}"#;
        let error = ApiError::decode(400, body).unwrap();
        assert_eq!(
            error.code,
            ErrorCode::ProfileIsArchivedAlreadyOperationNotAllowed
        );
        for other in [&b"<html>400</html>"[..], b"", br#"{"message": "no code"}"#] {
            assert_eq!(ApiError::decode(400, other), None);
        }
    }
}
