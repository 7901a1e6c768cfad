//! The sandbox's own endpoints under `/_sandbox/`: move the clock, inject faults, reset to the
//! start state. They answer `{"error": ...}` on bad input, and need no credentials (the sandbox is
//! a local test tool listening on loopback by default).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::app::{AppState, NotPersisted};
use crate::extract::{JsonBody, parse_body};
use crate::faults::FaultRequest;
use crate::vendor::{AdminShape, ErrorShape, Problem};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/clock", post(move_clock).get(read_clock))
        .route("/faults", post(inject_faults))
        .route("/reset", post(reset))
        .fallback(|| async { AdminShape::render(Problem::NoSuchRoute) })
}

/// `POST /_sandbox/clock`: exactly one of the two fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockRequest {
    /// Seconds to move the clock by (negative moves it back).
    #[serde(default)]
    advance_secs: Option<i64>,
    /// Unix time (seconds) to set the clock to.
    #[serde(default)]
    set_unix_secs: Option<i64>,
}

/// An admin failure: either a bad request or a state that could not be persisted.
struct AdminError(Problem);

impl From<NotPersisted> for AdminError {
    fn from(NotPersisted(reason): NotPersisted) -> Self {
        tracing::error!(%reason, "admin write not persisted");
        AdminError(Problem::ServerError(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        ))
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        AdminShape::render(self.0)
    }
}

async fn read_clock(State(app): State<AppState>) -> Json<serde_json::Value> {
    let now = app.read(|state| state.clock.now_secs());
    Json(json!({ "now_unix_secs": now }))
}

async fn move_clock(
    State(app): State<AppState>,
    JsonBody(body, ..): JsonBody<AdminShape>,
) -> Result<Json<serde_json::Value>, AdminError> {
    let request: ClockRequest = parse_body(body).map_err(AdminError)?;
    let now = app
        .write(
            |state| match (request.advance_secs, request.set_unix_secs) {
                (Some(secs), None) => state
                    .clock
                    .advance(secs)
                    .map_err(|reason| AdminError(Problem::BadRequest(reason))),
                (None, Some(unix_secs)) if crate::clock::is_representable(unix_secs) => {
                    state.clock.set(unix_secs);
                    Ok(unix_secs)
                }
                (None, Some(_)) => Err(AdminError(Problem::BadRequest(
                    "set_unix_secs must be within years 1970..=9999".to_string(),
                ))),
                _ => Err(AdminError(Problem::BadRequest(
                    "give exactly one of advance_secs and set_unix_secs".to_string(),
                ))),
            },
        )
        .await?;
    Ok(Json(json!({ "now_unix_secs": now })))
}

async fn inject_faults(
    State(app): State<AppState>,
    JsonBody(body, ..): JsonBody<AdminShape>,
) -> Result<Json<serde_json::Value>, AdminError> {
    let request: FaultRequest = parse_body(body).map_err(AdminError)?;
    let (vendor, fault, count) = request
        .validate()
        .map_err(|reason| AdminError(Problem::BadRequest(reason)))?;
    let pending = app.queue_fault(vendor, fault, count);
    Ok(Json(json!({ "vendor": vendor, "pending_calls": pending })))
}

async fn reset(State(app): State<AppState>) -> Result<Json<serde_json::Value>, AdminError> {
    app.reset().await?;
    let now = app.read(|state| state.clock.now_secs());
    Ok(Json(json!({ "reset": true, "now_unix_secs": now })))
}
