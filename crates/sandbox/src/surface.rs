//! What every vendor surface shares: the generic problems a request can hit (bad body, wrong
//! media type, unknown route, injected fault, failed commit…), the [`Surface`] each vendor gives
//! to render them in its own error shape and to check its credentials, and the middleware that
//! puts a vendor's routes behind its gate (faults, authentication, rate limit) and never lets axum
//! answer in plain text.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, OriginalUri, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::context::{AppContext, AppState};
use crate::request_log::RecordedRequest;
use crate::store::StoreError;
use crate::validate::UnknownOperation;
use crate::vendor::Api;

/// Why a request failed, in the sandbox's own terms: the one error type of every handler, which
/// each surface renders in its vendor's shape (with the vendor's status where it has its own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// 400: the body or a parameter does not match the spec (the detail says how).
    BadRequest(String),
    /// 401: missing or wrong credentials (the detail says which).
    Unauthorized(&'static str),
    /// 404: no record has this id (empty when the path segment cannot name one: undecodable).
    NotFound(String),
    /// 404: the id is a former record, merged into the one with this id.
    MergedInto(String),
    /// 400: a record with this id already exists.
    Duplicate(String),
    /// 400: the record is archived and can no longer change.
    Archived,
    /// 400: the API version in the path is not one the sandbox serves.
    UnsupportedVersion,
    /// 404: no route at this path.
    NoSuchRoute,
    /// 405: the path exists, the method does not.
    MethodNotAllowed,
    /// 413: the body is larger than the configured limit (bytes).
    PayloadTooLarge(usize),
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 429: over the rate limit or daily quota, or an injected 429.
    TooManyRequests,
    /// 5xx: an injected fault.
    ServerError(StatusCode),
    /// 500: the write's transaction did not commit; nothing of it was applied.
    NotCommitted(String),
    /// The vendor already holds `--max-records` records.
    RecordCap(u64),
}

impl Problem {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Problem::BadRequest(_)
            | Problem::RecordCap(_)
            | Problem::Duplicate(_)
            | Problem::Archived
            | Problem::UnsupportedVersion => StatusCode::BAD_REQUEST,
            Problem::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Problem::NotFound(_) | Problem::MergedInto(_) | Problem::NoSuchRoute => {
                StatusCode::NOT_FOUND
            }
            Problem::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Problem::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Problem::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Problem::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Problem::ServerError(status) => *status,
            Problem::NotCommitted(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A human-readable detail for vendors whose shape has room for one.
    pub(crate) fn detail(&self) -> String {
        match self {
            Problem::BadRequest(detail) => detail.clone(),
            Problem::Unauthorized(detail) => (*detail).to_string(),
            Problem::NotFound(_) => "No record has this id".to_string(),
            Problem::MergedInto(id) => format!("The record was merged into {id}"),
            Problem::Duplicate(id) => format!("A record with id {id:?} exists"),
            Problem::Archived => "The record is archived and can no longer change".to_string(),
            Problem::UnsupportedVersion => {
                "This endpoint does not support the provided version.".to_string()
            }
            Problem::NoSuchRoute => "No such endpoint in the sandbox".to_string(),
            Problem::MethodNotAllowed => "Method not allowed on this endpoint".to_string(),
            // 0: the limit is not known (a framework-made 413).
            Problem::PayloadTooLarge(0) => "Request body is too large".to_string(),
            Problem::PayloadTooLarge(limit) => {
                format!("Request body is larger than the sandbox limit of {limit} bytes")
            }
            Problem::UnsupportedMediaType => "Content-Type must be application/json".to_string(),
            Problem::TooManyRequests => "Rate limit exceeded".to_string(),
            Problem::ServerError(status) => status
                .canonical_reason()
                .unwrap_or("Server error")
                .to_string(),
            Problem::NotCommitted(reason) => {
                format!("The change was not saved, nothing was applied: {reason}")
            }
            Problem::RecordCap(cap) => {
                format!(
                    "The sandbox holds its maximum of {cap} records for this vendor (--max-records)"
                )
            }
        }
    }

    /// The problem a framework-made error response stands for (see [`shaped_errors`]).
    fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::UNAUTHORIZED => Problem::Unauthorized("Unauthorized"),
            StatusCode::NOT_FOUND => Problem::NoSuchRoute,
            StatusCode::METHOD_NOT_ALLOWED => Problem::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Problem::PayloadTooLarge(0),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Problem::UnsupportedMediaType,
            StatusCode::TOO_MANY_REQUESTS => Problem::TooManyRequests,
            status if status.is_server_error() => Problem::ServerError(status),
            _ => Problem::BadRequest("The request could not be read".to_string()),
        }
    }
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Self {
        tracing::error!(%error, "a state operation failed");
        Problem::NotCommitted(error.to_string())
    }
}

impl From<UnknownOperation> for Problem {
    fn from(error: UnknownOperation) -> Self {
        tracing::error!(%error, "a handler names an operation the specs do not have");
        Problem::ServerError(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// A handler registered under its spec operation id: given the operation's method (read from the
/// spec), the method router that serves it. The id also names the schemas its input is checked
/// with ([`checked_body`], [`checked_query`]); the start fails unless every id is in the specs.
pub(crate) type Handler = (
    &'static str,
    fn(axum::routing::MethodFilter) -> axum::routing::MethodRouter<AppState>,
);

/// A JSON body checked against the request schema of spec operation `id` and read as `T`, or a
/// bad request. Handlers pass the id they are registered under, which the start proves is in the
/// specs; were it not, the request gets a 500 (logged), never a panic.
pub(crate) fn checked_body<T: DeserializeOwned>(
    context: &AppContext,
    id: &str,
    body: Value,
) -> Result<T, Problem> {
    let operation = context.specs.operation(id)?;
    operation.body(body).map_err(Problem::BadRequest)
}

/// The query parameters of spec operation `id`, typed and checked, or a bad request (the id as
/// for [`checked_body`]).
pub(crate) fn checked_query(
    context: &AppContext,
    id: &str,
    raw: Option<&str>,
) -> Result<Map<String, Value>, Problem> {
    let operation = context.specs.operation(id)?;
    operation.query(raw).map_err(Problem::BadRequest)
}

/// A problem answered before it is rendered: an empty response with its status that carries the
/// problem, which [`shaped_errors`] renders in the shape of the routes it came from. Handlers,
/// extractors, the gate and the fallbacks answer this way: none of them knows the vendor's shape.
impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Renders a problem in one error shape (a vendor's, or the admin endpoints').
pub(crate) type Render = fn(Problem) -> Response;

/// One vendor's API as the sandbox serves it.
#[derive(Clone, Copy)]
pub(crate) struct Surface {
    pub(crate) api: Api,
    /// Admits the request or not: its credentials, then, where the vendor limits them, their
    /// rate (after authentication, so that a flood of wrong keys never uses up a valid key's).
    pub(crate) admit: fn(&AppContext, &HeaderMap) -> Result<(), Problem>,
    pub(crate) render: Render,
}

/// A vendor's routes under its prefix, behind its gate, with errors in its shape and every
/// request recorded in the request log.
pub(crate) fn vendor_router(
    context: &AppState,
    surface: Surface,
    routes: Router<AppState>,
) -> Router<AppState> {
    routes
        .route_layer(middleware::from_fn_with_state(
            (context.clone(), surface),
            gate,
        ))
        .fallback(|| async { Problem::NoSuchRoute })
        .layer(middleware::from_fn_with_state(
            surface.render,
            shaped_errors,
        ))
        .layer(middleware::from_fn_with_state(
            (context.clone(), surface),
            record,
        ))
}

/// Middleware on a vendor's matched routes, in the order a real gateway would apply them:
/// injected faults, then the surface's admission (authentication, then the per-credential rate
/// limit); the handler's response once they all pass.
async fn gate(
    State((context, surface)): State<(AppState, Surface)>,
    request: Request,
    next: Next,
) -> Response {
    let fault = context.faults.lock().take(surface.api);
    if let Some(fault) = fault {
        if !fault.delay.is_zero() {
            tokio::time::sleep(fault.delay).await;
        }
        if let Some(status) = fault.status {
            let problem = if status == StatusCode::TOO_MANY_REQUESTS {
                Problem::TooManyRequests
            } else {
                Problem::ServerError(status)
            };
            let mut response = problem.into_response();
            if let Some(secs) = fault.retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return response;
        }
    }
    match (surface.admit)(&context, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(problem) => problem.into_response(),
    }
}

/// Middleware on each vendor's routes and the admin routes: renders every error response that is
/// not already JSON in the surface's shape, with the same status, keeping headers such as `Allow`
/// and `Retry-After`. Those are the [`Problem`]s the sandbox answered with, and the responses
/// axum makes itself (404 for an unknown path, 405 with `Allow` for an unknown method,
/// plain-text rejections).
pub(crate) async fn shaped_errors(
    State(render): State<Render>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || has_json_content_type(response.headers())
    {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let problem = parts.extensions.remove::<Problem>();
    let mut replacement = render(problem.unwrap_or_else(|| Problem::from_status(status)));
    replacement.extensions_mut().extend(parts.extensions);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replacement
                .headers_mut()
                .insert(name.clone(), value.clone());
        }
    }
    replacement
}

/// Middleware (outermost) that records each request and its final status in the request log, and
/// logs it at debug level: the route template rather than the path (a path segment can be a
/// person's id), and never the query, a header or the body.
async fn record(
    State((context, surface)): State<(AppState, Surface)>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let uri = request
        .extensions()
        .get::<OriginalUri>()
        .map(|original| original.0.clone())
        .unwrap_or_else(|| request.uri().clone());
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    tracing::debug!(
        vendor = ?surface.api,
        method = %method,
        route = route.as_ref().map_or("(no route)", MatchedPath::as_str),
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis(),
        "request"
    );
    context.requests.record(RecordedRequest {
        vendor: surface.api,
        method,
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        status: response.status().as_u16(),
    });
    response
}

/// Whether `Content-Type` is JSON (see [`is_json_media_type`]).
pub(crate) fn has_json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(is_json_media_type)
}

/// `application/json`, any parameters (`; charset=utf-8`) and `+json` suffixes, in any case.
pub(crate) fn is_json_media_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// JSON text produced by serializing a value of the generated type `T` (a stored record),
/// answered as is: a read serves the bytes the write stored.
pub(crate) struct StoredJson<T>(String, std::marker::PhantomData<T>);

impl<T> StoredJson<T> {
    pub(crate) fn new(text: String) -> Self {
        Self(text, std::marker::PhantomData)
    }
}

impl<T> IntoResponse for StoredJson<T> {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, "application/json")], self.0).into_response()
    }
}

/// The credential after `<scheme> ` in `Authorization` (scheme compared case-insensitively).
pub(crate) fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given_scheme, credential) = value.split_once(' ')?;
    given_scheme
        .eq_ignore_ascii_case(scheme)
        .then(|| credential.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_matched_on_their_essence() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("Application/JSON; charset=utf-8"));
        assert!(is_json_media_type("application/merge-patch+json"));
        assert!(!is_json_media_type("text/plain"));
        assert!(!is_json_media_type("application/jsonx"));
    }
}
