//! The sandbox's own endpoints under `/_sandbox/`: move the clock, inject faults, reset to the
//! start state, read or clear the request log. They answer `{"error": ...}` on bad input, and need
//! no credentials (the sandbox is a local test tool listening on loopback by default). Every write
//! (any method but `GET` and `HEAD`) must say `Content-Type: application/json`, with or without a
//! body: a web page can send `text/plain`, a form or no content type to any origin without asking,
//! but not JSON, so no page a browser shows can reset the state or inject faults.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock;
use crate::context::AppState;
use crate::extract::JsonBody;
use crate::faults::{FaultRequest, Injection};
use crate::request_log::RecordedRequest;
use crate::surface::{Problem, Render, has_json_content_type, shaped_errors};

/// The admin routes, relative to `/_sandbox`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/clock", post(move_clock).get(read_clock))
        .route("/faults", post(inject_faults))
        .route("/reset", post(reset))
        .route("/requests", get(requests))
        .route("/requests/clear", post(clear_requests))
        .fallback(|| async { Problem::NoSuchRoute })
        .layer(middleware::from_fn(json_writes_only))
        .layer(middleware::from_fn_with_state(
            render as Render,
            shaped_errors,
        ))
}

/// Refuses a write whose `Content-Type` is not JSON with 415, before anything else runs.
async fn json_writes_only(request: Request, next: Next) -> Response {
    let is_write = request.method() != Method::GET && request.method() != Method::HEAD;
    if is_write && !has_json_content_type(request.headers()) {
        return Problem::UnsupportedMediaType.into_response();
    }
    next.run(request).await
}

/// `POST /_sandbox/clock`: exactly one of the two fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockRequest {
    /// Seconds to move the clock by (negative moves it back).
    advance_secs: Option<i64>,
    /// Unix time (seconds) to set the clock to.
    set_unix_secs: Option<i64>,
}

/// A problem in the admin endpoints' own `{"error": ...}` shape.
pub(crate) fn render(problem: Problem) -> Response {
    (problem.status(), Json(json!({ "error": problem.detail() }))).into_response()
}

fn parse<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, Problem> {
    serde_json::from_value(body).map_err(|error| Problem::BadRequest(error.to_string()))
}

async fn read_clock(State(context): State<AppState>) -> Json<Value> {
    Json(json!({ "now_unix_secs": context.clock.now_secs() }))
}

async fn move_clock(
    State(context): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, Problem> {
    let request: ClockRequest = parse(body)?;
    let moved = match (request.advance_secs, request.set_unix_secs) {
        (Some(secs), None) => {
            context
                .move_clock(move |offset| clock::advanced(offset, secs))
                .await?
        }
        (None, Some(unix_secs)) if clock::is_representable(unix_secs) => {
            context
                .move_clock(move |_| Ok((clock::offset_for(unix_secs), unix_secs)))
                .await?
        }
        (None, Some(_)) => {
            return Err(Problem::BadRequest(
                "set_unix_secs must be within years 1970..=9999".to_string(),
            ));
        }
        _ => {
            return Err(Problem::BadRequest(
                "give exactly one of advance_secs and set_unix_secs".to_string(),
            ));
        }
    };
    Ok(Json(
        json!({ "now_unix_secs": moved.map_err(Problem::BadRequest)? }),
    ))
}

async fn inject_faults(
    State(context): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, Problem> {
    let request: FaultRequest = parse(body)?;
    let (vendor, injection, count) = request.validate().map_err(Problem::BadRequest)?;
    let mut faults = context.faults.lock();
    Ok(Json(match injection {
        Injection::Calls(fault) => {
            json!({ "vendor": vendor, "pending_calls": faults.push(vendor, fault, count) })
        }
        Injection::Commits => json!({
            "vendor": vendor,
            "pending_commit_failures": faults.push_commit_failures(vendor, count)
        }),
    }))
}

async fn reset(State(context): State<AppState>) -> Result<Json<Value>, Problem> {
    context.reset().await?;
    Ok(Json(
        json!({ "reset": true, "now_unix_secs": context.clock.now_secs() }),
    ))
}

async fn requests(State(context): State<AppState>) -> Json<Vec<RecordedRequest>> {
    Json(context.requests.snapshot())
}

async fn clear_requests(State(context): State<AppState>) -> Json<Value> {
    context.requests.clear();
    Json(json!({ "cleared": true }))
}
