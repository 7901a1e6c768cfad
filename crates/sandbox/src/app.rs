//! The running sandbox: the state every handler shares, the router that puts each vendor under its
//! prefix behind its gate, and the in-process start/stop API ([`Sandbox::start`]).

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use utoipa_axum::router::OpenApiRouter;

use crate::config::Config;
use crate::faults::{Fault, FaultQueues};
use crate::openapi::Api;
use crate::persist::Persister;
use crate::rate_limit::RateLimiter;
use crate::state::{SandboxState, Seed};
use crate::vendor::{Gate, Problem, Vendor, gate, vendor_shaped_errors};
use crate::{admin, attestr, gainsight_px, openapi, trust};

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    /// The seed file is unreadable or invalid.
    #[error("seed: {0}")]
    Seed(String),
    /// The state file is unreadable, invalid, or cannot be written.
    #[error("state file {path}: {reason}")]
    State { path: String, reason: String },
}

/// A write was applied in memory but could not be persisted: the caller answers 500.
#[derive(Debug)]
pub(crate) struct NotPersisted(pub(crate) String);

struct Versioned {
    state: SandboxState,
    /// Incremented by every persisted write, to order snapshots (see [`Persister::save`]).
    version: u64,
}

struct Shared {
    config: Config,
    current: Mutex<Versioned>,
    start_state: SandboxState,
    faults: Mutex<FaultQueues>,
    gainsight_px_rate_limiter: RateLimiter,
    persister: Option<Arc<Persister>>,
    documents: Vec<(Api, String)>,
}

/// The state shared by every handler: cheap to clone.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not wedge the sandbox: the data is still consistent, since every
    // write validates before it mutates.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl AppState {
    pub(crate) fn config(&self) -> &Config {
        &self.0.config
    }

    pub(crate) fn body_limit_bytes(&self) -> usize {
        self.0.config.body_limit_bytes
    }

    pub(crate) fn gainsight_px_rate_limiter(&self) -> &RateLimiter {
        &self.0.gainsight_px_rate_limiter
    }

    /// Runs a read-only closure on the state.
    pub(crate) fn read<R>(&self, read: impl FnOnce(&SandboxState) -> R) -> R {
        read(&lock(&self.0.current).state)
    }

    /// Runs a write on the state. With `--state`, an `Ok` write is on disk before this returns,
    /// so the response that follows acknowledges a durable write. An `Err` write must leave the
    /// state unchanged (every write checks before it mutates) and is not persisted.
    pub(crate) async fn write<T, E: From<NotPersisted>>(
        &self,
        write: impl FnOnce(&mut SandboxState) -> Result<T, E>,
    ) -> Result<T, E> {
        let (value, snapshot) = {
            let mut current = lock(&self.0.current);
            let value = write(&mut current.state)?;
            if self.0.persister.is_none() {
                return Ok(value);
            }
            current.version += 1;
            let bytes = serde_json::to_vec(&current.state)
                .map_err(|error| NotPersisted(format!("cannot serialize the state: {error}")))?;
            (value, (current.version, bytes))
        };
        self.persist(snapshot).await?;
        Ok(value)
    }

    async fn persist(&self, (version, bytes): (u64, Vec<u8>)) -> Result<(), NotPersisted> {
        let Some(persister) = self.0.persister.clone() else {
            return Ok(());
        };
        let outcome = tokio::task::spawn_blocking(move || persister.save(version, &bytes)).await;
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => {
                tracing::error!(%error, "could not write the state file");
                Err(NotPersisted(format!(
                    "The state file could not be written: {error}"
                )))
            }
            Err(error) => Err(NotPersisted(format!(
                "The state write did not finish: {error}"
            ))),
        }
    }

    /// Restores the start state (built-in and seeded data, start clock) and clears faults.
    pub(crate) async fn reset(&self) -> Result<(), NotPersisted> {
        lock(&self.0.faults).clear();
        let start_state = self.0.start_state.clone();
        self.write(|state| {
            *state = start_state;
            Ok::<_, NotPersisted>(())
        })
        .await
    }

    pub(crate) fn queue_fault(&self, vendor: Vendor, fault: Fault, count: u32) -> u32 {
        let mut faults = lock(&self.0.faults);
        faults.push(vendor, fault, count);
        faults.pending(vendor)
    }

    pub(crate) fn take_fault(&self, vendor: Vendor) -> Option<Fault> {
        lock(&self.0.faults).take(vendor)
    }

    /// Checks the vendor's credentials in the request headers.
    pub(crate) fn authenticate(&self, vendor: Vendor, headers: &HeaderMap) -> Result<(), Problem> {
        let credentials = &self.0.config.credentials;
        match vendor {
            Vendor::Attestr => {
                let token = authorization(headers, "Basic");
                if token == Some(credentials.attestr_auth_token.as_str()) {
                    Ok(())
                } else {
                    Err(Problem::Unauthorized("Invalid client authorization"))
                }
            }
            Vendor::Trust => {
                let token = authorization(headers, "Bearer").ok_or(Problem::Unauthorized(
                    "Missing or malformed bearer access token",
                ))?;
                self.read(|state| state.trust.check_token(token, state.clock.now_secs()))
                    .map_err(Problem::Unauthorized)
            }
            // The token call itself needs no credentials in a header (`security: []`).
            Vendor::Atenea => Ok(()),
            Vendor::GainsightPx => {
                let key = headers
                    .get("x-aptrinsic-api-key")
                    .and_then(|value| value.to_str().ok());
                if key == Some(credentials.gainsight_px_api_key.as_str()) {
                    Ok(())
                } else {
                    Err(Problem::Unauthorized("Unauthorized or bad API Key"))
                }
            }
        }
    }

    fn document(&self, api: Api) -> Option<&str> {
        self.0
            .documents
            .iter()
            .find(|(candidate, _)| *candidate == api)
            .map(|(_, json)| json.as_str())
    }
}

/// The credential after `<scheme> ` in `Authorization` (scheme compared case-insensitively).
fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given_scheme, credential) = value.split_once(' ')?;
    given_scheme
        .eq_ignore_ascii_case(scheme)
        .then(|| credential.trim())
}

/// Starts sandboxes. See the crate docs for an example.
pub struct Sandbox;

impl Sandbox {
    /// Loads the start data (and the `--state` file, when given), binds the listen address and
    /// serves on the current tokio runtime until [`RunningSandbox::stop`] or drop.
    pub async fn start(config: Config) -> Result<RunningSandbox, StartError> {
        let seed = match &config.seed_file {
            Some(path) => Seed::load(path).map_err(StartError::Seed)?,
            None => Seed::default(),
        };
        let start_state = SandboxState::initial(&config, seed).map_err(StartError::Seed)?;
        let (state, persister) = match &config.state_file {
            None => (start_state.clone(), None),
            Some(path) => {
                let state_error = |reason: String| StartError::State {
                    path: path.display().to_string(),
                    reason,
                };
                let state = match std::fs::read(path) {
                    Ok(bytes) => SandboxState::from_json(&bytes).map_err(state_error)?,
                    Err(error) if error.kind() == io::ErrorKind::NotFound => start_state.clone(),
                    Err(error) => return Err(state_error(error.to_string())),
                };
                let persister = Persister::new(path.clone());
                // Writing at once proves the file is writable before any write is acknowledged.
                let bytes =
                    serde_json::to_vec(&state).map_err(|error| state_error(error.to_string()))?;
                persister
                    .save(1, &bytes)
                    .map_err(|error| state_error(error.to_string()))?;
                tracing::info!(path = %persister.path().display(), "state persisted to file");
                (state, Some(Arc::new(persister)))
            }
        };
        let documents = Api::ALL
            .iter()
            .map(|api| {
                let json = openapi::document(*api)
                    .to_pretty_json()
                    .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
                (*api, json)
            })
            .collect();
        let app = AppState(Arc::new(Shared {
            gainsight_px_rate_limiter: RateLimiter::new(config.gainsight_px_rate_limit),
            config: config.clone(),
            current: Mutex::new(Versioned { state, version: 1 }),
            start_state,
            faults: Mutex::new(FaultQueues::default()),
            persister,
            documents,
        }));
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
        let (shutdown, shutdown_signal) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router(app))
                .with_graceful_shutdown(async {
                    let _ = shutdown_signal.await;
                })
                .await
        });
        Ok(RunningSandbox {
            addr,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}

/// A sandbox serving in the background. Dropping it asks the server to shut down; [`stop`]
/// also waits for it.
///
/// [`stop`]: RunningSandbox::stop
pub struct RunningSandbox {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl RunningSandbox {
    /// The bound address (with the real port when the config asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`: the root under which every vendor prefix is served.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Attestr's base URL, for `/public/factx/...` paths: `http://<addr>/attestr/api/v1`.
    pub fn attestr_url(&self) -> String {
        format!(
            "{}/attestr/api/{}",
            self.base_url(),
            attestr::SUPPORTED_VERSION
        )
    }

    /// Trust Index's base URL, for `/identity...` paths: `http://<addr>/trust/index/v1`.
    pub fn trust_index_url(&self) -> String {
        format!("{}{}", self.base_url(), Vendor::Trust.prefix())
    }

    /// Atenea's base URL, for `/oauth/token/`: `http://<addr>/atenea`.
    pub fn atenea_url(&self) -> String {
        format!("{}{}", self.base_url(), Vendor::Atenea.prefix())
    }

    /// Gainsight PX's base URL, for `/v1/users...` paths: `http://<addr>/gainsight-px`.
    pub fn gainsight_px_url(&self) -> String {
        format!("{}{}", self.base_url(), Vendor::GainsightPx.prefix())
    }

    /// Stops accepting connections, lets in-flight requests finish (at most 5 s) and returns
    /// the server's outcome.
    pub async fn stop(mut self) -> io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(Duration::from_secs(5), &mut task).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(join_error)) => Err(io::Error::other(join_error)),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Every vendor under its prefix, the admin endpoints, the OpenAPI documents.
fn router(app: AppState) -> Router {
    Router::new()
        .nest(
            Vendor::Attestr.prefix(),
            vendor_router(&app, Vendor::Attestr, attestr::routes()),
        )
        .nest(
            Vendor::Trust.prefix(),
            vendor_router(&app, Vendor::Trust, trust::index_routes()),
        )
        .nest(
            Vendor::Atenea.prefix(),
            vendor_router(&app, Vendor::Atenea, trust::atenea_routes()),
        )
        .nest(
            Vendor::GainsightPx.prefix(),
            vendor_router(&app, Vendor::GainsightPx, gainsight_px::routes()),
        )
        .nest("/_sandbox", admin::routes())
        .route("/openapi/attestr.json", get(serve_document::<0>))
        .route("/openapi/trust.json", get(serve_document::<1>))
        .route("/openapi/gainsight-px.json", get(serve_document::<2>))
        .fallback(unknown_path)
        .layer(middleware::from_fn(log_request))
        .with_state(app)
}

/// One vendor's routes behind its gate (faults, rate limit, auth), with unknown paths and
/// framework-made errors answered in the vendor's shape.
fn vendor_router(
    app: &AppState,
    vendor: Vendor,
    routes: OpenApiRouter<AppState>,
) -> Router<AppState> {
    let (router, _) = routes.split_for_parts();
    router
        .route_layer(middleware::from_fn_with_state(
            Gate {
                app: app.clone(),
                vendor,
            },
            gate,
        ))
        .fallback(move || async move { vendor.problem(Problem::NoSuchRoute) })
        .layer(middleware::from_fn_with_state(vendor, vendor_shaped_errors))
}

async fn serve_document<const INDEX: usize>(State(app): State<AppState>) -> Response {
    match app.document(Api::ALL[INDEX]) {
        Some(json) => (
            [(header::CONTENT_TYPE, "application/json")],
            json.to_string(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn unknown_path() -> Response {
    let body = serde_json::json!({
        "error": "No such path in the sandbox",
        "prefixes": [
            Vendor::Attestr.prefix(),
            Vendor::Trust.prefix(),
            Vendor::Atenea.prefix(),
            Vendor::GainsightPx.prefix(),
            "/_sandbox",
            "/openapi",
        ],
    });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    tracing::debug!(
        %method,
        %path,
        status = response.status().as_u16(),
        elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    response
}
