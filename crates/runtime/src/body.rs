//! Response bodies, bounded: every body a vendor sends is read through a limit, so a hostile or
//! broken server cannot make a client buffer without end, and a body that breaks off is told apart
//! from one that arrived whole.
//!
//! The `exec` hook reads every final response's body whole, within the attempt's timeout and
//! through [`http_body_util::Limited`] ([`read_whole`]), before progenitor sees the status: a
//! success whose body breaks off, never ends or is too large then fails as an error of that
//! attempt (retried like a lost response where the call may be retried), and never proves an
//! outcome that progenitor would otherwise read from the status alone (`ResponseValue::empty`
//! never reads the body). A body past the limit fails with a [`LengthLimitError`] in the error's
//! source chain. [`read_complete`] reads error and raw bodies, already whole, into bytes.

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use reqwest::Response;
use reqwest::header::CONTENT_LENGTH;

/// The default maximum of a response body: 8 MiB. Gainsight PX pages hold up to 1,000 users, a
/// few MiB of JSON; nothing these APIs document comes near the limit otherwise.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 8 * 1024 * 1024;

/// Reads `response`'s body whole, at most `limit` bytes of it, and returns the response with the
/// body in memory. Fails when the body breaks off, does not end within the attempt's timeout
/// (reqwest's timeouts cover the body), or passes the limit ([`is_too_large`] tells that case
/// apart on [`Broken::error`]).
pub(crate) async fn read_whole(response: Response, limit: u64) -> Result<Response, Broken> {
    let response: http::Response<reqwest::Body> = bounded(response, limit).into();
    let (parts, mut body) = response.into_parts();
    let mut whole = Vec::new();
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    whole.extend_from_slice(&data);
                }
            }
            Err(error) => {
                return Err(Broken {
                    error,
                    parts,
                    partial: Bytes::from(whole),
                });
            }
        }
    }
    Ok(Response::from(http::Response::from_parts(
        parts,
        reqwest::Body::from(whole),
    )))
}

/// A response whose body did not arrive whole.
pub(crate) struct Broken {
    /// Why: the transport's error.
    pub(crate) error: reqwest::Error,
    parts: http::response::Parts,
    partial: Bytes,
}

impl Broken {
    /// What the call returns when no attempt is left. A success status is not returned with part
    /// of its body: the error is, so nothing reads an outcome from the status alone. An error
    /// status comes back as it came, its body giving what arrived and then the error, so the
    /// call's error keeps the status and quotes the start of the body. A body past the limit is
    /// the error either way.
    pub(crate) fn into_final(self) -> reqwest::Result<Response> {
        if self.parts.status.is_success() || is_too_large(&self.error) {
            Err(self.error)
        } else {
            Ok(self.into_response())
        }
    }

    fn into_response(self) -> Response {
        let replay = futures_util::stream::iter([Ok(self.partial), Err(self.error)]);
        Response::from(http::Response::from_parts(
            self.parts,
            reqwest::Body::wrap_stream(replay),
        ))
    }
}

/// Wraps `response`'s body so that reading more than `limit` bytes fails. A declared
/// `Content-Length` above the limit fails at the first byte, so nothing of it is buffered.
fn bounded(response: Response, limit: u64) -> Response {
    let declared = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let allowed = match declared {
        Some(length) if length > limit => 0,
        _ => usize::try_from(limit).unwrap_or(usize::MAX),
    };
    let response: http::Response<reqwest::Body> = response.into();
    let (parts, body) = response.into_parts();
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
