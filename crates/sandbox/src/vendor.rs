//! What the four vendor surfaces share: which vendor a request is for, the generic problems any of
//! them can hit (bad body, wrong media type, unknown route, injected fault…) and the middleware that
//! answers those problems in each vendor's own error shape, never in axum's plain text.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::app::AppState;

/// One of the APIs the sandbox serves. Atenea (Trust's token service) is its own vendor surface:
/// it has its own host at Trust, and faults can be aimed at it alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Vendor {
    /// Attestr factx profiles.
    Attestr,
    /// Trust Index identities.
    Trust,
    /// Trust's Atenea token service.
    Atenea,
    /// Gainsight PX users.
    GainsightPx,
}

impl Vendor {
    /// The URL prefix the sandbox serves the vendor under.
    pub const fn prefix(self) -> &'static str {
        match self {
            Vendor::Attestr => "/attestr/api/{version}",
            Vendor::Trust => "/trust/index/v1",
            Vendor::Atenea => "/atenea",
            Vendor::GainsightPx => "/gainsight-px",
        }
    }

    /// Renders a generic problem in this vendor's error shape.
    pub(crate) fn problem(self, problem: Problem) -> Response {
        match self {
            Vendor::Attestr => crate::attestr::problem_response(problem),
            Vendor::Trust => crate::trust::index_problem_response(problem),
            Vendor::Atenea => crate::trust::atenea_problem_response(problem),
            Vendor::GainsightPx => crate::gainsight_px::problem_response(problem),
        }
    }
}

/// A problem that is not about the vendor's data: each vendor renders it in its own shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// 400: the body or a parameter does not match the spec (the detail says how).
    BadRequest(String),
    /// 401: missing or wrong credentials (the detail says which).
    Unauthorized(&'static str),
    /// 404: no route at this path.
    NoSuchRoute,
    /// 405: the path exists, the method does not.
    MethodNotAllowed,
    /// 413: the body is larger than the configured limit (bytes).
    PayloadTooLarge(usize),
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 429: over the rate limit (Gainsight PX) or an injected 429.
    TooManyRequests,
    /// 5xx: an injected fault, or the state could not be persisted.
    ServerError(StatusCode),
}

impl Problem {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Problem::BadRequest(_) => StatusCode::BAD_REQUEST,
            Problem::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Problem::NoSuchRoute => StatusCode::NOT_FOUND,
            Problem::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Problem::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Problem::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Problem::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Problem::ServerError(status) => *status,
        }
    }

    /// A human-readable detail for vendors whose shape has room for one.
    pub(crate) fn detail(&self) -> String {
        match self {
            Problem::BadRequest(detail) => detail.clone(),
            Problem::Unauthorized(detail) => (*detail).to_string(),
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
        }
    }

    /// The problem a framework-made error response stands for (see [`vendor_shaped_errors`]).
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

/// A type that knows how to render problems for one surface: used by the extractors, which are
/// generic over it.
pub(crate) trait ErrorShape: Send + Sync + 'static {
    fn render(problem: Problem) -> Response;
}

macro_rules! vendor_marker {
    ($(#[$doc:meta])* $name:ident => $vendor:expr) => {
        $(#[$doc])*
        pub(crate) struct $name;
        impl ErrorShape for $name {
            fn render(problem: Problem) -> Response {
                $vendor.problem(problem)
            }
        }
    };
}

vendor_marker!(
    /// Errors in Attestr's `{code, message, details}` shape.
    AttestrShape => Vendor::Attestr
);
vendor_marker!(
    /// Errors in Trust Index's `{code, resource, message}` envelope.
    TrustShape => Vendor::Trust
);
vendor_marker!(
    /// Errors of the Atenea token call (the Index envelope; see the crate docs).
    AteneaShape => Vendor::Atenea
);
vendor_marker!(
    /// Errors in Gainsight PX's `{"externalapierror": {...}}` shape.
    GainsightPxShape => Vendor::GainsightPx
);

/// The `/_sandbox/` admin endpoints' own `{"error": ...}` shape.
pub(crate) struct AdminShape;

impl ErrorShape for AdminShape {
    fn render(problem: Problem) -> Response {
        let body = serde_json::json!({ "error": problem.detail() });
        (problem.status(), axum::Json(body)).into_response()
    }
}

/// Middleware on each vendor's routes (outermost): axum makes some responses itself (404 for an
/// unknown path, 405 with `Allow` for an unknown method, plain-text extractor rejections). Any
/// error response that is not already JSON is replaced by the vendor's shape with the same status;
/// headers such as `Allow` and `Retry-After` are kept.
pub(crate) async fn vendor_shaped_errors(
    State(vendor): State<Vendor>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (parts, _) = response.into_parts();
    let mut replacement = vendor.problem(Problem::from_status(status));
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replacement
                .headers_mut()
                .insert(name.clone(), value.clone());
        }
    }
    replacement
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"))
}

/// The state the gate middleware needs: the app and which vendor it guards.
#[derive(Clone)]
pub(crate) struct Gate {
    pub(crate) app: AppState,
    pub(crate) vendor: Vendor,
}

/// Middleware on each vendor's matched routes, in the order a real gateway would apply them:
/// injected faults, then the rate limit (Gainsight PX), then authentication.
pub(crate) async fn gate(State(gate): State<Gate>, request: Request, next: Next) -> Response {
    let Gate { app, vendor } = gate;
    if let Some(fault) = app.take_fault(vendor) {
        if !fault.delay.is_zero() {
            tokio::time::sleep(fault.delay).await;
        }
        if let Some(status) = fault.status {
            let problem = if status == StatusCode::TOO_MANY_REQUESTS {
                Problem::TooManyRequests
            } else {
                Problem::ServerError(status)
            };
            let mut response = vendor.problem(problem);
            if let Some(secs) = fault.retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return response;
        }
    }
    if vendor == Vendor::GainsightPx && !app.gainsight_px_rate_limiter().try_acquire() {
        return vendor.problem(Problem::TooManyRequests);
    }
    if let Err(problem) = app.authenticate(vendor, request.headers()) {
        let mut response = vendor.problem(problem);
        if vendor == Vendor::Trust {
            // RFC 6750: a bearer-protected resource names the scheme it wants.
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        return response;
    }
    next.run(request).await
}
