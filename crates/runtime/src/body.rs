//! Response bodies, bounded: every body a vendor sends is read through a limit, so a hostile or
//! broken server cannot make a client buffer without end, and a body that breaks off is told apart
//! from one that arrived whole.
//!
//! The `exec` hook reads every final response's body whole, within the attempt's timeout and
//! through [`http_body_util::Limited`] (`read_whole`), before progenitor sees the status: a
//! success whose body breaks off, never ends or is too large then fails as an error of that
//! attempt (retried like a lost response where the call may be retried), and never proves an
//! outcome that progenitor would otherwise read from the status alone (`ResponseValue::empty`
//! never reads the body). A body past the limit fails with a [`LengthLimitError`] in the error's
//! source chain. [`read_complete`] reads error and raw bodies, already whole, into bytes.

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use reqwest::{Response, ResponseBuilderExt};

/// The default maximum of a response body: 8 MiB. Gainsight PX pages hold up to 1,000 users, a
/// few MiB of JSON; nothing these APIs document comes near the limit otherwise.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 8 * 1024 * 1024;

/// Reads `response`'s body whole, at most `limit` bytes of it, and returns the response with the
/// body in memory. Fails when the body breaks off, does not end within the attempt's timeout
/// (reqwest's timeouts cover the body), or passes the limit ([`is_too_large`] tells that case
/// apart on [`Broken::error`]).
pub(crate) async fn read_whole(response: Response, limit: u64) -> Result<Response, Broken> {
    // The `Content-Length` the response declares, as hyper read it.
    let declared = response.content_length();
    let allowed = match declared {
        // Past the limit before a byte is read: nothing of it is buffered.
        Some(length) if length > limit => 0,
        _ => usize::try_from(limit).unwrap_or(usize::MAX),
    };
    let url = response.url().clone();
    let (mut parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    keep_url(&mut parts, url);
    let mut body = reqwest::Body::wrap(Limited::new(body, allowed));
    // One buffer, sized once from the declared length when there is one within the limit.
    let capacity = declared.map_or(0, |length| {
        usize::try_from(length).unwrap_or(0).min(allowed)
    });
    let mut whole = Vec::with_capacity(capacity);
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
            return Err(self.error);
        }
        let replay = futures_util::stream::iter([Ok(self.partial), Err(self.error)]);
        Ok(Response::from(http::Response::from_parts(
            self.parts,
            reqwest::Body::wrap_stream(replay),
        )))
    }
}

/// Puts `url` back on response parts. reqwest drops the URL going to `http::Response`, and coming
/// back reads it only from an extension that its builder sets; without it `url()` would be a
/// placeholder, parsed anew on every call.
fn keep_url(parts: &mut http::response::Parts, url: reqwest::Url) {
    if let Ok(with_url) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(with_url.into_parts().0.extensions);
    }
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
    std::iter::successors(Some(error), |error| error.source())
        .any(|error| error.is::<LengthLimitError>())
}

/// Reads a whole body stream, failing when the stream errors (a truncated body) or passes the
/// limit the runtime set on the response: part of a body is never mistaken for all of it.
pub async fn read_complete<S>(mut stream: S) -> Result<Bytes, BodyError>
where
    S: futures_util::Stream<Item = reqwest::Result<Bytes>> + Unpin,
{
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
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
    for cause in std::iter::successors(error.source(), |cause| cause.source()) {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::CONTENT_LENGTH;

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
    async fn a_response_read_whole_keeps_its_url_and_body() {
        let url = "http://127.0.0.1:9/api/v1/public/factx/AX1";
        let Ok(whole) = read_whole(response(url, "{}"), 1024).await else {
            panic!("a body within the limit is read whole");
        };
        assert_eq!(whole.url().as_str(), url);
        assert_eq!(whole.bytes().await.unwrap(), "{}");
    }

    #[tokio::test]
    async fn a_declared_length_past_the_limit_fails_at_the_first_byte() {
        let Err(broken) = read_whole(response("http://127.0.0.1:9/x", "0123456789"), 4).await
        else {
            panic!("a body past the limit is not read whole");
        };
        assert!(is_too_large(&broken.error), "{:?}", broken.error);
        assert!(broken.partial.is_empty());
    }
}
