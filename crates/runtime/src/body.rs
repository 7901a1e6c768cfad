//! Response bodies, bounded: every body a vendor sends is read through a limit, so a hostile or
//! broken server cannot make a client buffer without end, and a body that breaks off is told apart
//! from one that arrived whole.
//!
//! The limit is applied in the `exec` hook, before progenitor reads anything, by wrapping the
//! response's body in [`http_body_util::Limited`]. A body past the limit then fails while it is
//! read, with a [`LengthLimitError`] in the error's source chain, wherever the read happens
//! (progenitor's JSON decoding, or [`read_complete`] for error and raw bodies).

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{LengthLimitError, Limited};
use reqwest::header::CONTENT_LENGTH;
use reqwest::{Response, ResponseBuilderExt};

/// The default maximum of a response body: 8 MiB. Gainsight PX pages hold up to 1,000 users, a
/// few MiB of JSON; nothing these APIs document comes near the limit otherwise.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 8 * 1024 * 1024;

/// Wraps `response`'s body so that reading more than `limit` bytes fails. A declared
/// `Content-Length` above the limit fails at the first byte, so nothing of it is buffered.
pub(crate) fn bounded(response: Response, limit: u64) -> Response {
    let declared = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let allowed = match declared {
        Some(length) if length > limit => 0,
        _ => usize::try_from(limit).unwrap_or(usize::MAX),
    };
    let url = response.url().clone();
    let response: http::Response<reqwest::Body> = response.into();
    let (mut parts, body) = response.into_parts();
    // reqwest drops the URL going to `http::Response`, and coming back reads it only from an
    // extension that its builder sets; without it `url()` would be a placeholder, parsed anew
    // on every call.
    if let Ok(with_url) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(with_url.into_parts().0.extensions);
    }
    let limited = reqwest::Body::wrap(Limited::new(body, allowed));
    Response::from(http::Response::from_parts(parts, limited))
}

/// Why a body could not be read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The body is larger than the configured maximum; reading stopped there.
    TooLarge,
    /// The body broke off or could not be read (a connection closed before the declared length,
    /// a decoding failure). What arrived is kept for the error message.
    Unreadable {
        /// What the transport said.
        reason: String,
        /// What arrived before the break.
        partial: Bytes,
    },
}

/// Whether `error` (a body read failure) was the size limit.
pub fn is_too_large(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<LengthLimitError>() {
            return true;
        }
        current = error.source();
    }
    false
}

/// Reads a whole body stream. It fails when the stream errors (a truncated body) or passes the
/// limit the runtime set on the response (or `cap`, whichever is lower), so a caller never
/// mistakes part of a body for all of it.
pub async fn read_complete<S>(mut stream: S, cap: usize) -> Result<Bytes, BodyError>
where
    S: futures_util::Stream<Item = reqwest::Result<Bytes>> + Unpin,
{
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) if body.len() + chunk.len() > cap => return Err(BodyError::TooLarge),
            Ok(chunk) => body.extend_from_slice(&chunk),
            Err(error) if is_too_large(&error) => return Err(BodyError::TooLarge),
            Err(error) => {
                return Err(BodyError::Unreadable {
                    reason: error_chain(&error),
                    partial: Bytes::from(body),
                });
            }
        }
    }
    Ok(Bytes::from(body))
}

/// An error and its sources, joined: reqwest's own message ("error decoding response body")
/// says little without the cause.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(cause) = current {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        current = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(url: &str, body: &'static str) -> Response {
        Response::from(
            http::Response::builder()
                .url(reqwest::Url::parse(url).unwrap())
                .header(CONTENT_LENGTH, body.len())
                .body(body)
                .unwrap(),
        )
    }

    #[tokio::test]
    async fn a_bounded_response_keeps_its_url_and_body() {
        let url = "http://127.0.0.1:9/api/v1/public/factx/AX1";
        let bounded = bounded(response(url, "{}"), 1024);
        assert_eq!(bounded.url().as_str(), url);
        assert_eq!(bounded.bytes().await.unwrap(), "{}");
    }

    #[tokio::test]
    async fn a_declared_length_past_the_limit_fails_at_the_first_byte() {
        let bounded = bounded(response("http://127.0.0.1:9/x", "0123456789"), 4);
        let error = bounded.bytes().await.unwrap_err();
        assert!(is_too_large(&error), "{error:?}");
    }
}
