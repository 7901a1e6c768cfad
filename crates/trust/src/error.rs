//! [`ApiError`]: the error envelope Trust Index sends, decoded. The crate's
//! [`Error`](crate::Error) is the shared runtime's error with this body.

use std::fmt;

use vendor_runtime::__private::evidence::DocumentedError;
use vendor_runtime::ServiceError;

use crate::types;

/// Index's error envelope (`{code, resource, message}`), as the spec declares it.
pub type ApiError = types::ErrorEnvelope;

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.code, self.resource, self.message)
    }
}

impl ServiceError for ApiError {
    const VENDOR: &'static str = "Trust";

    fn decode(_status: u16, body: &[u8]) -> Option<Self> {
        serde_json::from_slice(body).ok()
    }

    const DOCUMENTED: &'static [DocumentedError] = crate::operations::ERRORS;

    /// Trust's `code` only repeats the HTTP status, so it identifies nothing: a documented error
    /// is its row's code and message, verbatim. Any other message on a documented status (a
    /// near-miss, a reworded one) is not documented, and fails closed.
    fn is_documented_as(&self, row: &DocumentedError) -> bool {
        row.code == Some(self.code) && row.message == self.message
    }
}
