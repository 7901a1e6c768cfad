//! Request extractors that never answer in axum's plain-text rejections: the JSON body (media
//! type, size limit, syntax), path parameters and query strings, each failing with a [`Problem`]
//! rendered in the vendor's shape.

use std::collections::HashMap;
use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::Response;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::app::AppState;
use crate::vendor::{ErrorShape, Problem};

/// A JSON request body, checked for size (413), presence (400), media type (415) and syntax
/// (400). The schema check is the handler's, with [`parse_body`].
pub(crate) struct JsonBody<S>(pub(crate) Value, pub(crate) PhantomData<S>);

impl<S: ErrorShape> FromRequest<AppState> for JsonBody<S> {
    type Rejection = Response;

    async fn from_request(request: Request, app: &AppState) -> Result<Self, Self::Rejection> {
        read_json(request, app.body_limit_bytes())
            .await
            .map(|value| JsonBody(value, PhantomData))
            .map_err(S::render)
    }
}

async fn read_json(request: Request, limit: usize) -> Result<Value, Problem> {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(is_json_media_type);
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
    serde_json::from_slice(&bytes).map_err(|error| {
        Problem::BadRequest(format!("The request body is not valid JSON: {error}"))
    })
}

/// `application/json`, any parameters (`; charset=utf-8`) and `+json` suffixes, in any case.
fn is_json_media_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Deserializes a checked JSON body into the operation's type; a mismatch is a 400 whose detail
/// names the field.
pub(crate) fn parse_body<T: DeserializeOwned>(value: Value) -> Result<T, Problem> {
    serde_json::from_value(value).map_err(|error| {
        Problem::BadRequest(format!(
            "The request body does not match the schema: {error}"
        ))
    })
}

/// `deserialize_with` for optional fields the spec does not mark nullable: absent is fine
/// (`#[serde(default)]`), but an explicit `null` is a type error, as JSON Schema says.
pub(crate) fn non_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// The decoded path parameters of the matched route (including the ones captured by the prefix a
/// vendor is nested under). `None` when one is not valid UTF-8 once percent-decoded: such a
/// segment can name nothing, and each vendor answers it with its own "not found".
pub(crate) async fn path_params(parts: &mut Parts) -> Option<HashMap<String, String>> {
    Path::<HashMap<String, String>>::from_request_parts(parts, &())
        .await
        .ok()
        .map(|Path(params)| params)
}

/// A parsed query string. Repeated names keep every value, in order.
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        let pairs = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        Self { pairs }
    }

    /// Every value given for `name`.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The single value of a scalar parameter; repeating it is a 400.
    pub(crate) fn single(&self, name: &str) -> Result<Option<&str>, Problem> {
        match self.all(name).as_slice() {
            [] => Ok(None),
            [value] => Ok(Some(value)),
            _ => Err(Problem::BadRequest(format!(
                "Query parameter `{name}` must be given at most once"
            ))),
        }
    }

    /// An integer parameter. Integers beyond 64 bits are valid per the schemas, so they saturate
    /// instead of failing; anything that is not an integer is a 400.
    pub(crate) fn integer(&self, name: &str) -> Result<Option<i64>, Problem> {
        let Some(text) = self.single(name)? else {
            return Ok(None);
        };
        parse_saturating_integer(text).map(Some).ok_or_else(|| {
            Problem::BadRequest(format!(
                "Query parameter `{name}` must be an integer, not {text:?}"
            ))
        })
    }

    /// A boolean parameter: exactly `true` or `false`.
    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>, Problem> {
        match self.single(name)? {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(Problem::BadRequest(format!(
                "Query parameter `{name}` must be true or false, not {other:?}"
            ))),
        }
    }
}

fn parse_saturating_integer(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    Some(match digits.parse::<i64>() {
        Ok(value) if negative => -value,
        Ok(value) => value,
        Err(_) if negative => i64::MIN,
        Err(_) => i64::MAX,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_saturate_and_garbage_is_refused() {
        assert_eq!(parse_saturating_integer("42"), Some(42));
        assert_eq!(parse_saturating_integer("-7"), Some(-7));
        assert_eq!(parse_saturating_integer("+7"), Some(7));
        assert_eq!(
            parse_saturating_integer("123456789012345678901234567890"),
            Some(i64::MAX)
        );
        assert_eq!(
            parse_saturating_integer("-99999999999999999999"),
            Some(i64::MIN)
        );
        for bad in ["", "-", "1.5", "abc", " 1", "0x10"] {
            assert_eq!(parse_saturating_integer(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn media_types_are_matched_on_their_essence() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("Application/JSON; charset=utf-8"));
        assert!(is_json_media_type("application/merge-patch+json"));
        assert!(!is_json_media_type("text/plain"));
        assert!(!is_json_media_type("multipart/form-data"));
        assert!(!is_json_media_type("application/jsonx"));
    }

    #[test]
    fn repeated_scalars_are_refused_and_lists_kept() {
        let query = Query::parse(Some("page=1&page=2&filter=a&filter=b%20c"));
        assert!(query.single("page").is_err());
        assert_eq!(query.all("filter"), ["a", "b c"]);
        assert_eq!(query.single("missing").unwrap(), None);
    }
}
