//! An error response of a generated call, read before any vendor interpretation.
//!
//! Normalization (`spec/README.md`, rule `error-ranges`) makes every error response arrive as
//! raw bytes with its status and headers, so nothing is lost before this point: a JSON, HTML,
//! empty or truncated body all reach [`ErrorResponse`] with their status, and whether the body
//! arrived whole is kept ([`ErrorResponse::body`]).

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName};

use crate::body::BodyError;

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

/// An HTTP error response with its body, as far as it could be read.
#[derive(Debug, Clone)]
pub struct ErrorResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The whole body, or why it could not be read whole.
    pub body: Result<Bytes, BodyError>,
}

/// What every vendor error that comes from a response carries: the status, the request id if a
/// header had one, and the start of the body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorContext {
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The vendor's request id, when a response header carried one.
    pub request_id: Option<String>,
    /// The start of the body, on one line and bounded in length.
    pub body_excerpt: String,
}

impl ErrorContext {
    /// The status and the request id, without the body.
    pub(crate) fn fmt_status(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(status) => write!(f, "HTTP {status}")?,
            None => f.write_str("no HTTP status")?,
        }
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for ErrorContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.fmt_status(f)?;
        if self.body_excerpt.is_empty() {
            f.write_str(", empty body")
        } else {
            write!(f, ", body: {}", self.body_excerpt)
        }
    }
}

impl ErrorResponse {
    /// Status, request id and the start of the body (of what arrived, for a broken body).
    pub fn context(&self) -> ErrorContext {
        let body = match &self.body {
            Ok(body) => excerpt(body),
            Err(BodyError::TooLarge) => String::new(),
            Err(BodyError::Unreadable { partial, .. }) => excerpt(partial),
        };
        ErrorContext {
            status: Some(self.status.as_u16()),
            request_id: request_id(&self.headers),
            body_excerpt: body,
        }
    }
}

/// What serde found wrong with a success body, without quoting it: serde's own message can
/// repeat a value from the body (a token, a name), so only the error's kind and place are kept.
pub(crate) fn schema_mismatch(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let kind = match error.classify() {
        Category::Io => "could not be read",
        Category::Syntax => "is not valid JSON",
        Category::Data => "does not match the documented schema",
        Category::Eof => "ends early",
    };
    format!(
        "the response body {kind} (line {}, column {}; the body is not quoted, since a success body may hold credentials or personal data)",
        error.line(),
        error.column()
    )
}

/// The host (and port, when the URL gives one) a redirect's `Location` names; `None` when the
/// header is missing, unreadable or relative (the same host). Only the host: the rest of the URL
/// (the path, a query) may hold the ids the call was about.
pub fn location_host(headers: &HeaderMap) -> Option<String> {
    let location = headers.get(reqwest::header::LOCATION)?.to_str().ok()?;
    let url = reqwest::Url::parse(location.trim()).ok()?;
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// The first request id header present, in the order of [`REQUEST_ID_HEADERS`]. Read from every
/// final response, so in one pass over its few headers: a lookup per name hashes four names that
/// are almost never there.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .iter()
        .filter_map(|(name, value)| {
            let rank = REQUEST_ID_HEADERS.iter().position(|known| known == name)?;
            Some((rank, value))
        })
        // The first of equal ranks: the first value of a repeated header, as `get` gives.
        .min_by_key(|(rank, _)| *rank)
        .and_then(|(_, value)| value.to_str().ok())
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
    fn a_location_gives_its_host_only() {
        let location = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(reqwest::header::LOCATION, value.parse().unwrap());
            location_host(&headers)
        };
        assert_eq!(
            location("https://elsewhere.example:8443/v1/users/jdoe%40example.test?x=1").as_deref(),
            Some("elsewhere.example:8443")
        );
        assert_eq!(location("http://127.0.0.1/a").as_deref(), Some("127.0.0.1"));
        assert_eq!(location("/v1/users/jdoe"), None);
        assert_eq!(location_host(&HeaderMap::new()), None);
    }

    #[test]
    fn request_id_comes_from_the_first_known_header() {
        let mut headers = HeaderMap::new();
        headers.insert("x-correlation-id", "corr-1".parse().unwrap());
        headers.insert("request-id", "req-1".parse().unwrap());
        headers.append("request-id", "req-2".parse().unwrap());
        assert_eq!(request_id(&headers).as_deref(), Some("req-1"));
        assert_eq!(request_id(&HeaderMap::new()), None);
    }

    #[test]
    fn the_start_of_a_broken_body_is_kept_in_the_excerpt() {
        let broken = ErrorResponse {
            status: StatusCode::NOT_FOUND,
            headers: HeaderMap::new(),
            body: Err(BodyError::Unreadable {
                reason: "connection closed".to_string(),
                partial: Bytes::from_static(br#"{"code": 404}"#),
            }),
        };
        assert_eq!(broken.context().body_excerpt, r#"{"code": 404}"#);
    }
}
