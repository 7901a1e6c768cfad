//! Request extractors that never answer in axum's plain text: the JSON body (size, media type,
//! nesting depth, syntax) and the path parameters, each failing with a [`Problem`] (rendered in
//! the vendor's shape by [`crate::surface::shaped_errors`]). Checking a body against the spec is the handler's next step
//! ([`crate::validate::Operation::body`]).

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header;
use axum::http::request::Parts;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::Value;

use crate::context::AppState;
use crate::surface::{Problem, has_json_content_type};

/// A JSON request body, checked for size (413), presence (400), media type (415), nesting depth
/// (400) and syntax (400).
pub(crate) struct JsonBody(pub(crate) Value);

impl FromRequest<AppState> for JsonBody {
    type Rejection = Problem;

    async fn from_request(request: Request, context: &AppState) -> Result<Self, Self::Rejection> {
        let limit = context.config.limits.body_limit_bytes;
        let is_json = has_json_content_type(request.headers());
        let declared_length = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if declared_length.is_some_and(|length| length > limit as u64) {
            return Err(Problem::PayloadTooLarge(limit));
        }
        // `Limited` stops reading at the limit, so an unannounced large body is cut off too.
        let collected = Limited::new(request.into_body(), limit)
            .collect()
            .await
            .map_err(|error| {
                if error.is::<LengthLimitError>() {
                    Problem::PayloadTooLarge(limit)
                } else {
                    Problem::BadRequest("The request body could not be read".to_string())
                }
            })?;
        let bytes = collected.to_bytes();
        // No body at all is a missing required value (400), whatever the media type says; a body
        // in another media type is a 415.
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Problem::BadRequest(
                "The request body is missing".to_string(),
            ));
        }
        if !is_json {
            return Err(Problem::UnsupportedMediaType);
        }
        // Measured before parsing: what is accepted here is stored and read back after a restart,
        // so the limit stays below what the JSON reader can read back.
        let max_depth = context.config.limits.max_json_depth;
        if let Some(depth) = nesting_deeper_than(&bytes, max_depth) {
            return Err(Problem::BadRequest(format!(
                "The request body nests JSON {depth} levels deep; the sandbox accepts at most \
                 {max_depth} (--max-json-depth)"
            )));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|error| {
                Problem::BadRequest(format!("The request body is not valid JSON: {error}"))
            })
    }
}

/// The nesting depth of JSON text (objects and arrays) when it exceeds `max`, without parsing it.
/// Brackets inside strings do not count.
pub(crate) fn nesting_deeper_than(bytes: &[u8], max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in bytes {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(depth);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The decoded path parameters of the matched route, including the ones captured by the prefix
/// the vendor is nested under. A segment that is not valid UTF-8 once percent-decoded can name
/// nothing: the vendor's "not found" ([`Problem::NotFound`]).
pub(crate) struct PathParams(HashMap<String, String>);

impl PathParams {
    /// A parameter's decoded value.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A parameter's decoded value, or the vendor's "not found".
    pub(crate) fn require(&self, name: &str) -> Result<String, Problem> {
        self.get(name)
            .map(str::to_string)
            .ok_or(Problem::NotFound(String::new()))
    }
}

impl FromRequestParts<AppState> for PathParams {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Path::<HashMap<String, String>>::from_request_parts(parts, &())
            .await
            .map(|Path(params)| PathParams(params))
            .map_err(|_| Problem::NotFound(String::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_outside_strings() {
        assert_eq!(nesting_deeper_than(br#"{"a": [1, {"b": 2}]}"#, 3), None);
        assert_eq!(nesting_deeper_than(br#"{"a": [1, {"b": 2}]}"#, 2), Some(3));
        assert_eq!(nesting_deeper_than(br#"{"a": "[[[[[\"[[["}"#, 1), None);
        assert_eq!(nesting_deeper_than(&[b'['; 100_000], 32), Some(33));
    }
}
