//! What went wrong in a generated call, in one shape every vendor crate can match on.
//!
//! Normalization (`spec/README.md`, rule `error-ranges`) makes every error response arrive as
//! raw bytes with its status and headers, so nothing is lost before this point: a JSON, HTML,
//! empty or truncated body all reach [`ErrorResponse`] with their status.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::StreamExt;
use progenitor_client::{ByteStream, Error as ClientError, ResponseValue};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName};

use crate::retry::parse_retry_after;

/// Error bodies are read up to this size; a larger (hostile) body is cut, never buffered whole.
pub const MAX_ERROR_BODY: usize = 64 * 1024;
/// How much of a body an error message quotes.
pub const EXCERPT_CHARS: usize = 300;
/// Response headers that carry a request id, in the order they are looked for. None of the
/// vendors documents one (unknown), so the common names are tried.
pub static REQUEST_ID_HEADERS: [HeaderName; 4] = [
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("request-id"),
    HeaderName::from_static("x-correlation-id"),
    HeaderName::from_static("x-amzn-requestid"),
];

/// A failed generated call, before vendor-specific interpretation.
#[derive(Debug)]
pub enum Failure {
    /// The server answered with a status the operation treats as an error (or did not expect).
    Response(ErrorResponse),
    /// The request could not be sent or the response could not be received.
    Transport(reqwest::Error),
    /// The request was refused before sending (a bad argument, a route-changing id).
    InvalidRequest(String),
    /// Credentials could not be put on the request (for Trust: the Atenea token call failed).
    Credentials(String),
    /// A success status whose body does not match the documented schema.
    InvalidResponse {
        context: ErrorContext,
        message: String,
    },
}

/// An HTTP error response, body included (up to [`MAX_ERROR_BODY`]).
#[derive(Debug, Clone)]
pub struct ErrorResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// What every vendor error carries: the status, the request id if a header had one, and the
/// start of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorContext {
    pub status: Option<u16>,
    pub request_id: Option<String>,
    pub body_excerpt: String,
}

impl std::fmt::Display for ErrorContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(status) => write!(f, "HTTP {status}")?,
            None => f.write_str("no HTTP status")?,
        }
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        if self.body_excerpt.is_empty() {
            f.write_str(", empty body")
        } else {
            write!(f, ", body: {}", self.body_excerpt)
        }
    }
}

impl ErrorResponse {
    pub fn context(&self) -> ErrorContext {
        ErrorContext {
            status: Some(self.status.as_u16()),
            request_id: request_id(&self.headers),
            body_excerpt: excerpt(&self.body),
        }
    }

    /// The `Retry-After` delay, if the response gave a valid one.
    pub fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(&self.headers, SystemTime::now())
    }

    /// Whether the body declares itself JSON, or parses as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl Failure {
    /// Reads whatever a generated call returned into a `Failure`, consuming any error body.
    pub async fn from_client_error(error: ClientError<ByteStream>) -> Failure {
        match error {
            ClientError::ErrorResponse(response) => {
                Failure::Response(read_error_response(response).await)
            }
            ClientError::UnexpectedResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let body = read_limited(response.bytes_stream()).await;
                Failure::Response(ErrorResponse {
                    status,
                    headers,
                    body,
                })
            }
            ClientError::CommunicationError(err)
            | ClientError::ResponseBodyError(err)
            | ClientError::InvalidUpgrade(err) => Failure::Transport(err),
            ClientError::InvalidRequest(message) => Failure::InvalidRequest(message),
            // Only the runtime's `pre` hook returns `Custom`, for credentials (see `PreError`).
            ClientError::Custom(message) => Failure::Credentials(message),
            ClientError::InvalidResponsePayload(body, err) => Failure::InvalidResponse {
                context: ErrorContext {
                    status: None,
                    request_id: None,
                    body_excerpt: excerpt(&body),
                },
                message: format!("the response body does not match the documented schema: {err}"),
            },
        }
    }
}

async fn read_error_response(response: ResponseValue<ByteStream>) -> ErrorResponse {
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_limited(response.into_inner().into_inner()).await;
    ErrorResponse {
        status,
        headers,
        body,
    }
}

/// Collects a body stream up to [`MAX_ERROR_BODY`]. A stream that breaks off keeps what arrived:
/// a truncated error body is still worth quoting.
pub async fn read_limited<S>(mut stream: S) -> Bytes
where
    S: futures_util::Stream<Item = reqwest::Result<Bytes>> + Unpin,
{
    let mut body = Vec::new();
    while let Some(Ok(chunk)) = stream.next().await {
        let room = MAX_ERROR_BODY - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    Bytes::from(body)
}

/// The first request id header present.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(name))
        .and_then(|value| value.to_str().ok())
        .map(|value| value.chars().take(128).collect())
}

/// The start of a body as text, on one line, for error messages.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > EXCERPT_CHARS {
        let cut: String = one_line.chars().take(EXCERPT_CHARS).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_one_line_and_bounded() {
        assert_eq!(
            excerpt(b"<html>\n  <title>403</title>\n</html>"),
            "<html> <title>403</title> </html>"
        );
        let long = "x".repeat(1000);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), EXCERPT_CHARS + 1);
        assert_eq!(excerpt(&[0xff, 0xfe, b'a']), "\u{fffd}\u{fffd}a");
    }

    #[test]
    fn request_id_comes_from_the_first_known_header() {
        let mut headers = HeaderMap::new();
        headers.insert("x-correlation-id", "corr-1".parse().unwrap());
        headers.insert("request-id", "req-1".parse().unwrap());
        assert_eq!(request_id(&headers).as_deref(), Some("req-1"));
    }
}
