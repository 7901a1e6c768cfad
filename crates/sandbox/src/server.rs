//! The top of the sandbox: composes the vendors' routes under their prefixes with the admin
//! endpoints and the OpenAPI documents, opens the state, and starts and stops the server
//! ([`Sandbox::start`]). Nothing imports this module.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::Method;
use axum::routing::MethodFilter;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::admin;
use crate::config::Config;
use crate::connections;
use crate::context::{self, AppContext, AppState, StartData};
use crate::faults::{FaultRequest, Injection};
use crate::openapi;
use crate::request_log::RecordedRequest;
use crate::seed::Seed;
use crate::store::{Layout, Store, StoreError};
use crate::surface::{Handler, Problem, Surface, vendor_router};
use crate::validate::Specs;
use crate::vendor::Api;
use crate::vendors::{attestr, gainsight_px, trust};
use rusqlite::Connection;

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why binding failed.
        #[source]
        source: io::Error,
    },
    /// The seed file is unreadable or invalid.
    #[error("seed: {0}")]
    Seed(String),
    /// The state file is unusable, or held by another sandbox.
    #[error("state: {0}")]
    State(String),
    /// The embedded specs could not be compiled (a build of the sandbox is broken).
    #[error("specs: {0}")]
    Specs(String),
}

/// Starts sandboxes. See the crate docs for an example.
pub struct Sandbox;

impl Sandbox {
    /// Opens the state (the `--state` database, created with the start records when missing),
    /// binds the listen address and serves on the current tokio runtime until
    /// [`RunningSandbox::stop`] or drop.
    pub async fn start(config: Config) -> Result<RunningSandbox, StartError> {
        let specs = Specs::get().map_err(StartError::Specs)?;
        let surfaces = surfaces(specs, &handlers()).map_err(StartError::Specs)?;
        let seed = config.seed_file.as_deref().map(Seed::read).transpose();
        let seed = seed.map_err(StartError::Seed)?;
        let start_data = start_data(specs, seed, config.limits.max_records_per_vendor)
            .map_err(StartError::Seed)?;
        let store = open_store(&config, &start_data).await?;
        let context = Arc::new(
            AppContext::new(config.clone(), store, specs, start_data)
                .map_err(|error| StartError::State(error.to_string()))?,
        );
        let cannot_bind = |source| StartError::Bind {
            addr: config.listen,
            source,
        };
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(cannot_bind)?;
        let addr = listener.local_addr().map_err(cannot_bind)?;
        let (shutdown, shutdown_signal) = oneshot::channel::<()>();
        let task = tokio::spawn(connections::serve(
            listener,
            router(&context, surfaces),
            config.limits.clone(),
            shutdown_signal,
        ));
        Ok(RunningSandbox {
            addr,
            context,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}

/// Each surface and its handlers, by operation id, in the order their routes are nested.
fn handlers() -> [(Surface, Vec<Handler>); 4] {
    [
        (attestr::SURFACE, attestr::handlers()),
        (trust::INDEX, trust::index_handlers()),
        (trust::ATENEA, trust::atenea_handlers()),
        (gainsight_px::SURFACE, gainsight_px::handlers()),
    ]
}

/// Each surface's routes: every handler on its operation's method and path, read from the
/// specs. Fails, naming the operation, when an operation has no handler, a handler names no
/// operation, or an operation has two handlers.
fn surfaces(
    specs: &Specs,
    handlers: &[(Surface, Vec<Handler>)],
) -> Result<Vec<(Surface, Router<AppState>)>, String> {
    let mut routers = Vec::new();
    let mut handled = BTreeMap::new();
    for (surface, handlers) in handlers {
        let (mut router, vendor) = (Router::new(), surface.api);
        for (id, handler) in handlers {
            let operation = specs.operation(id).map_err(|error| error.to_string())?;
            if let Some(other) = handled.insert(*id, vendor) {
                return Err(format!(
                    "operation {id} has two handlers ({other:?}, {vendor:?})"
                ));
            }
            let method = Method::from_bytes(operation.method.as_bytes())
                .ok()
                .and_then(|method| MethodFilter::try_from(method).ok())
                .ok_or_else(|| {
                    format!("operation {id}: method {} is not served", operation.method)
                })?;
            router = router.route(&operation.path, handler(method));
        }
        routers.push((*surface, router));
    }
    let unhandled: Vec<String> = specs
        .operations()
        .filter(|operation| !handled.contains_key(operation.id.as_str()))
        .map(|operation| format!("{} ({} {})", operation.id, operation.method, operation.path))
        .collect();
    if !unhandled.is_empty() {
        return Err(format!("no handler for operation {}", unhandled.join(", ")));
    }
    Ok(routers)
}

/// Opens the store off the async threads (opening a file may sync it).
async fn open_store(config: &Config, start_data: &StartData) -> Result<Store, StartError> {
    let path = config.state_file.clone();
    let (offset, wal_limit) = (context::start_offset(config), config.limits.wal_limit_bytes);
    let start_data = start_data.clone();
    let opened = tokio::task::spawn_blocking(move || {
        let fill = |db: &Connection| Ok(context::fill(db, offset, &start_data)?.map(drop));
        let layout = Layout {
            schemas: &[attestr::SCHEMA, trust::SCHEMA, gainsight_px::SCHEMA],
            fill: &fill,
        };
        Store::open(path.as_deref(), &layout, wal_limit)
    })
    .await
    .map_err(|error| StartError::State(format!("opening the state stopped: {error}")))?;
    opened.map_err(|error| match error {
        StoreError::StartRefused(reason) => StartError::Seed(reason),
        other => StartError::State(other.to_string()),
    })
}

/// The start records: Trust's sample identity (from the spec) and the seed, checked against the
/// specs' schemas and the record cap. The seed is kept as the file's text and read again each
/// time the start state is written (at creation and at each reset): its parsed records would
/// take several times the memory, for as long as the sandbox runs.
fn start_data(specs: &'static Specs, seed: Option<String>, cap: u64) -> Result<StartData, String> {
    let parse = |text: Option<&str>| text.map_or(Ok(Seed::default()), Seed::parse);
    let parsed = parse(seed.as_deref())?;
    for (vendor, records) in [
        ("trust_identities", parsed.trust_identities.len() + 1),
        ("attestr_profiles", parsed.attestr_profiles.len()),
        ("gainsight_px_users", parsed.gainsight_px_users.len()),
    ] {
        if records as u64 > cap {
            return Err(format!(
                "{vendor}: {records} records, more than --max-records {cap}"
            ));
        }
    }
    drop(parsed);
    let sample = trust::sample_identity(specs)?;
    Ok(Arc::new(move |db: &Connection, now_millis: i64| {
        let seed = match parse(seed.as_deref()) {
            Ok(seed) => seed,
            Err(reason) => return Ok(Err(reason)),
        };
        let mut identities = vec![sample.clone()];
        identities.extend(seed.trust_identities);
        let seeded = [
            trust::seed(db, &identities, specs)?,
            attestr::seed(db, &seed.attestr_profiles, now_millis, specs)?,
            gainsight_px::seed(db, &seed.gainsight_px_users, now_millis, specs)?,
        ];
        Ok(seeded.into_iter().collect::<Result<(), String>>())
    }))
}

/// Every API under its prefix, the admin endpoints, the OpenAPI documents.
fn router(context: &AppState, surfaces: Vec<(Surface, Router<AppState>)>) -> Router {
    surfaces
        .into_iter()
        .fold(Router::new(), |router, (surface, routes)| {
            router.nest(
                surface.api.prefix(),
                vendor_router(context, surface, routes),
            )
        })
        .nest("/_sandbox", admin::routes())
        .merge(openapi::routes())
        .fallback(|| async { admin::render(Problem::NoSuchRoute) })
        .with_state(context.clone())
}

/// A sandbox serving in the background. Dropping it asks the server to shut down; [`stop`] also
/// waits for it and closes the state.
///
/// [`stop`]: RunningSandbox::stop
pub struct RunningSandbox {
    addr: SocketAddr,
    context: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
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
        format!("{}{}", self.base_url(), trust::INDEX.api.prefix())
    }

    /// Atenea's base URL, for `/oauth/token/`: `http://<addr>/atenea`.
    pub fn atenea_url(&self) -> String {
        format!("{}{}", self.base_url(), trust::ATENEA.api.prefix())
    }

    /// Gainsight PX's base URL, for `/v1/users...` paths: `http://<addr>/gainsight-px`.
    pub fn gainsight_px_url(&self) -> String {
        format!("{}{}", self.base_url(), gainsight_px::SURFACE.api.prefix())
    }

    /// The requests the vendors received, oldest first (as `GET /_sandbox/requests`).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.context.requests.snapshot()
    }

    /// Forgets the recorded requests (as `POST /_sandbox/requests/clear`).
    pub fn clear_requests(&self) {
        self.context.requests.clear();
    }

    /// Makes the vendor's next `count` calls fail with `status`, as `POST /_sandbox/faults` with
    /// `{"vendor", "status", "count"}` does, under the same rules (`status` 429, 500 or 503,
    /// `count` 1 to 100 000); the calls now covered.
    pub fn inject_failures(
        &self,
        api: impl Into<Api>,
        status: u16,
        count: u32,
    ) -> Result<u32, String> {
        let request = FaultRequest {
            vendor: api.into(),
            status: Some(status),
            count: Some(count),
            retry_after_secs: None,
            delay_ms: None,
            fail_commit: false,
        };
        // A request without `fail_commit` is a call fault or an error: the `else` is not reached.
        let (vendor, Injection::Calls(fault), count) = request.validate()? else {
            return Err("not a call fault".to_string());
        };
        Ok(self.context.faults.lock().push(vendor, fault, count))
    }

    /// Stops accepting connections, lets in-flight requests finish (at most 5 s), then closes
    /// the state (every acknowledged write is already committed).
    pub async fn stop(mut self) -> io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let outcome = match self.task.take() {
            None => Ok(()),
            Some(mut task) => {
                match tokio::time::timeout(Duration::from_secs(10), &mut task).await {
                    Ok(joined) => joined.map_err(io::Error::other),
                    Err(_) => {
                        task.abort();
                        Ok(())
                    }
                }
            }
        };
        let context = self.context.clone();
        let _ = tokio::task::spawn_blocking(move || context.store.close()).await;
        outcome
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_handler_and_a_missing_one_fails_the_start() {
        let specs = Specs::get().unwrap();
        assert_eq!(surfaces(specs, &handlers()).unwrap().len(), 4);
        let mut missing_one = handlers();
        missing_one[3].1.retain(|(id, _)| *id != "deleteUserByBody");
        let error = surfaces(specs, &missing_one).err().unwrap();
        assert_eq!(
            error,
            "no handler for operation deleteUserByBody (DELETE /v1/users/delete)"
        );
        let mut twice = handlers();
        let again = twice[0].1[0];
        twice[1].1.push(again);
        let error = surfaces(specs, &twice).err().unwrap();
        assert!(
            error.contains("operation createProfile has two handlers"),
            "{error}"
        );
    }
}
