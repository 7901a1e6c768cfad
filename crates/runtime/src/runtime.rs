//! The [`Runtime`] each generated client carries: it authenticates, sends, retries and logs.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use progenitor_client::{Error as ClientError, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderName};
use reqwest::{Request, Response};
use tracing::{Instrument, field};

use crate::auth::Authenticator;
use crate::body::{Broken, DEFAULT_MAX_BODY_BYTES, is_too_large, read_whole};
use crate::failure::request_id;
use crate::operation::{Operation, RouteProblem, Routes};
use crate::options::{CallOptions, note};
use crate::retry::{
    AttemptResult, CallRules, CallState, Decision, RetryPolicy, Wait, decide, is_retryable_status,
    parse_retry_after,
};

/// Per-client settings; [`CallOptions`] overrides them per call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// When and how often to retry.
    pub retry: RetryPolicy,
    /// Time limit of one attempt, from sending to the end of the response body.
    pub timeout: Duration,
    /// Time limit for establishing a connection.
    pub connect_timeout: Duration,
    /// The largest response body accepted, success or error, in bytes (default 8 MiB). A larger
    /// one fails the call with `Error::BodyTooLarge` while memory stays flat.
    pub max_body_bytes: u64,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// The runtime of one vendor client. Cheap to clone; clones share credentials and caches.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    vendor: &'static str,
    routes: Routes,
    auth: Arc<dyn Authenticator>,
    config: RuntimeConfig,
    /// The HTTP client every call is sent with, built on first use with the configured connect
    /// timeout: no lock on the call path.
    client: OnceLock<reqwest::Client>,
    /// Clients for calls that override the connect timeout (a client setting in reqwest), built
    /// on first use, at most [`MAX_CONNECT_TIMEOUT_CLIENTS`] of them.
    clients_by_connect_timeout: Mutex<BTreeMap<Duration, reqwest::Client>>,
    /// The base URL progenitor hands to `pre` on every call, and its path, parsed on the first.
    base_path: OnceLock<(String, String)>,
}

/// At most this many clients are kept for per-call connect timeouts; a new value past them
/// starts the set again (clients in use stay alive in their calls).
const MAX_CONNECT_TIMEOUT_CLIENTS: usize = 8;

/// progenitor sends `api-version: <info.version>` on every request; these vendors never asked
/// for it, and it would leak this project's document version to them.
static PROGENITOR_VERSION_HEADER: HeaderName = HeaderName::from_static("api-version");

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("vendor", &self.inner.vendor)
            .field("auth", &self.inner.auth)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A runtime for `vendor`'s client, with its operation table, credentials and settings.
    pub fn new(
        vendor: &'static str,
        operations: &'static [Operation],
        auth: Arc<dyn Authenticator>,
        config: RuntimeConfig,
    ) -> Self {
        Runtime {
            inner: Arc::new(Inner {
                vendor,
                routes: Routes::new(operations),
                auth,
                config,
                client: OnceLock::new(),
                clients_by_connect_timeout: Mutex::new(BTreeMap::new()),
                base_path: OnceLock::new(),
            }),
        }
    }

    /// The HTTP client to give the generated `Client`: rustls, the configured connect and
    /// per-attempt timeouts (reqwest keeps them as client settings), and no redirects followed.
    /// Calls are sent with this client whatever client the generated `Client` was given.
    pub fn http_client(&self) -> reqwest::Result<reqwest::Client> {
        self.client_for(self.inner.config.connect_timeout)
    }

    /// progenitor's `pre` hook: strip `api-version`, check that the request reaches its own
    /// operation's route and no other, add credentials. A refused request fails with
    /// `InvalidRequest`, or with `Custom` for a credentials problem so that it stays distinct.
    pub async fn pre<E>(
        &self,
        baseurl: &str,
        request: &mut Request,
        info: &OperationInfo,
    ) -> Result<(), ClientError<E>> {
        request.headers_mut().remove(&PROGENITOR_VERSION_HEADER);
        let refused = |problem: RouteProblem| ClientError::InvalidRequest(problem.to_string());
        let unknown = || RouteProblem::UnknownOperation(info.operation_id.to_string());
        let route = self.inner.routes.find(info.operation_id);
        let route = route.ok_or_else(unknown).map_err(refused)?;
        route
            .check(&self.base_path(baseurl), request.url().path())
            .map_err(refused)?;
        if route.operation.authenticated {
            let authorized = self.inner.auth.authorize(request).await;
            authorized.map_err(|err| ClientError::Custom(err.to_string()))?;
        }
        Ok(())
    }

    /// progenitor's `exec` hook: send with retries, within one tracing span. The request goes
    /// out through the runtime's own HTTP client (see [`Self::http_client`]), not the one the
    /// generated `Client` holds: one built elsewhere (progenitor's `Client::new`) would follow a
    /// redirect, and take the credentials and the ids along to the origin it names.
    pub async fn exec(
        &self,
        _client: &reqwest::Client,
        request: Request,
        info: &OperationInfo,
    ) -> reqwest::Result<Response> {
        let operation = self
            .inner
            .routes
            .find(info.operation_id)
            .map(|route| route.operation);
        let span = tracing::info_span!(
            "vendor_call",
            vendor = self.inner.vendor,
            operation = info.operation_id,
            method = operation.map_or("", |op| op.method),
            path = operation.map_or("", |op| op.path_template),
            attempts = field::Empty,
            status = field::Empty,
            duration_ms = field::Empty,
            request_id = field::Empty,
        );
        self.send_with_retries(request, operation)
            .instrument(span)
            .await
    }

    async fn send_with_retries(
        &self,
        mut request: Request,
        operation: Option<&Operation>,
    ) -> reqwest::Result<Response> {
        let config = &self.inner.config;
        let options = CallOptions::current().unwrap_or_default();
        // The client applies the configured timeout; only an override is set on the request.
        if let Some(timeout) = options.timeout.filter(|timeout| *timeout != config.timeout) {
            *request.timeout_mut() = Some(timeout);
        }
        let max_body = options.max_body_bytes.unwrap_or(config.max_body_bytes);
        if options.earlier_send_may_have_acted {
            note(|record| record.lost_response = true);
        }
        let client = self.client_for(options.connect_timeout.unwrap_or(config.connect_timeout))?;
        let rules = CallRules {
            max_retry_after: config.retry.max_retry_after,
            max_retries: options.max_retries.unwrap_or(config.retry.max_retries),
            idempotent: operation.is_none_or(Operation::is_idempotent),
            retry_non_idempotent: options
                .retry_non_idempotent
                .unwrap_or(config.retry.retry_non_idempotent),
            authenticated: operation.is_some_and(|op| op.authenticated),
        };

        let span = tracing::Span::current();
        // The clock is read for the span's duration only when a subscriber listens to the span.
        let started = (!span.is_disabled()).then(Instant::now);
        let end = |attempts: u32| {
            if let Some(started) = started {
                span.record("attempts", attempts);
                span.record("duration_ms", started.elapsed().as_millis() as u64);
            }
        };
        let mut state = CallState::default();
        let mut attempts = 0;
        loop {
            attempts += 1;
            note(|record| record.attempts += 1);
            // The original stays for later attempts; each attempt sends a copy.
            let Some(this_attempt) = copy_for_attempt(&request) else {
                // A streaming body cannot be copied, so it gets exactly one attempt.
                end(attempts);
                let response = client.execute(request).await?;
                note_response(&response);
                return read_whole(response, max_body)
                    .await
                    .or_else(Broken::into_final);
            };
            let attempt_started = Instant::now();
            let (wait, may_have_acted) = match client.execute(this_attempt).await {
                Err(err) => {
                    tracing::debug!(
                        attempt = attempts,
                        timeout = err.is_timeout(),
                        connect = err.is_connect(),
                        "transport error"
                    );
                    let attempt = AttemptResult::Transport {
                        connect: err.is_connect(),
                    };
                    let Some(retry) = decide(&rules, &state, attempt).retry() else {
                        end(attempts);
                        return Err(err);
                    };
                    retry
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    tracing::debug!(
                        attempt = attempts,
                        status,
                        elapsed_ms = attempt_started.elapsed().as_millis() as u64,
                        "response"
                    );
                    let attempt = AttemptResult::Response {
                        status,
                        // `decide` reads `Retry-After` only on a status it may retry: any other
                        // response skips the header lookup and the clock.
                        retry_after: is_retryable_status(status)
                            .then(|| parse_retry_after(response.headers(), SystemTime::now()))
                            .flatten(),
                    };
                    let decision = decide(&rules, &state, attempt);
                    if decision == Decision::RefreshCredentials {
                        state.refreshed = true;
                        if self.refresh_credentials(&mut request).await {
                            tracing::info!(
                                attempt = attempts,
                                "credentials refreshed after 401; repeating once"
                            );
                            continue;
                        }
                    }
                    if let Some(retry) = decision.retry() {
                        retry
                    } else {
                        // The status ends the call, but proves nothing until its body has
                        // arrived whole, within the attempt's timeout and the size limit.
                        span.record("status", status);
                        // Looking up the request id costs several header lookups; only a
                        // subscriber that listens needs it.
                        if !span.is_disabled()
                            && let Some(id) = request_id(response.headers())
                        {
                            span.record("request_id", id.as_str());
                        }
                        note_response(&response);
                        match read_whole(response, max_body).await {
                            Ok(response) => {
                                end(attempts);
                                return Ok(response);
                            }
                            Err(broken) => {
                                let attempt = AttemptResult::BodyBroken {
                                    too_large: is_too_large(&broken.error),
                                };
                                let Some(retry) = decide(&rules, &state, attempt).retry() else {
                                    end(attempts);
                                    return broken.into_final();
                                };
                                retry
                            }
                        }
                    }
                }
            };
            state.retries += 1;
            if may_have_acted {
                note(|record| record.lost_response = true);
            }
            let delay = match wait {
                Wait::ServerAsked(delay) => delay,
                Wait::Backoff { retry } => config.retry.backoff(retry),
            };
            tracing::info!(
                attempt = attempts,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// Refreshes the credentials the vendor rejected and puts the new ones on `request`; false
    /// when either step fails.
    async fn refresh_credentials(&self, request: &mut Request) -> bool {
        let rejected = request.headers().get(AUTHORIZATION).cloned();
        let refreshed = self.inner.auth.refresh(rejected.as_ref()).await
            && self.inner.auth.authorize(request).await.is_ok();
        if refreshed {
            note(|record| record.credentials_refreshed = true);
        }
        refreshed
    }

    /// The path part of `base_url`. A client keeps one base URL, so the parse is cached; a runtime
    /// shared by clients with different base URLs parses the others each time.
    fn base_path(&self, base_url: &str) -> Cow<'_, str> {
        let path =
            |url: &str| reqwest::Url::parse(url).map_or(String::new(), |url| url.path().into());
        let (cached_url, cached) = self
            .inner
            .base_path
            .get_or_init(|| (base_url.to_string(), path(base_url)));
        if cached_url == base_url {
            Cow::Borrowed(cached)
        } else {
            Cow::Owned(path(base_url))
        }
    }

    fn client_for(&self, connect_timeout: Duration) -> reqwest::Result<reqwest::Client> {
        if connect_timeout == self.inner.config.connect_timeout {
            if let Some(client) = self.inner.client.get() {
                return Ok(client.clone());
            }
            let client = build_http_client(connect_timeout, self.inner.config.timeout)?;
            return Ok(self.inner.client.get_or_init(|| client).clone());
        }
        let mut clients = self
            .inner
            .clients_by_connect_timeout
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = clients.get(&connect_timeout) {
            return Ok(client.clone());
        }
        let client = build_http_client(connect_timeout, self.inner.config.timeout)?;
        if clients.len() >= MAX_CONNECT_TIMEOUT_CLIENTS {
            clients.clear();
        }
        clients.insert(connect_timeout, client.clone());
        Ok(client)
    }
}

/// Notes the final response's status and request id in the call's record, if one is kept. The
/// typed errors need them when the body breaks off after the status arrived.
fn note_response(response: &Response) {
    note(|record| {
        record.status = Some(response.status().as_u16());
        record.request_id = request_id(response.headers());
    });
}

/// A copy of `request` to send as one attempt, or `None` when its body is a stream that cannot
/// be replayed. `Request::try_clone` allocates a timeout slot in the copy even when there is no
/// timeout, so a request without a body (the common case) is copied field by field; of a
/// `Request`'s private extensions, only the timeout can come from the generated code.
fn copy_for_attempt(request: &Request) -> Option<Request> {
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    Some(copy)
}

#[cfg(not(any(feature = "tls-aws-lc", feature = "tls-ring")))]
compile_error!(
    "vendor-runtime needs a TLS provider: its feature `tls-aws-lc` (default) or `tls-ring`"
);

fn build_http_client(
    connect_timeout: Duration,
    timeout: Duration,
) -> reqwest::Result<reqwest::Client> {
    // With `tls-ring` alone reqwest has no provider of its own and panics building a client, so
    // ring becomes the process default, unless the application installed one first (its choice
    // stands). With `tls-aws-lc` on too (features add up in a build), reqwest's default stays.
    #[cfg(all(feature = "tls-ring", not(feature = "tls-aws-lc")))]
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        // A redirect is an answer, never followed: the next origin would get the credentials
        // (reqwest strips only `Authorization`) and the ids in the path, and its answer would
        // pass for the vendor's.
        .redirect(reqwest::redirect::Policy::none())
        // The runtime is the one retry layer. Without reqwest's HTTP/2 and HTTP/3 features its
        // own layer (for protocol NACKs) can retry nothing, yet it copies every request in case.
        .retry(reqwest::retry::never().max_retries_per_request(0))
        // No `User-Agent`: like progenitor's `api-version`, it would tell the vendors about this
        // project rather than about the caller, and none of them asks for one.
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::NoAuth;

    #[test]
    fn clients_kept_for_per_call_connect_timeouts_are_bounded() {
        let runtime = Runtime::new("test", &[], Arc::new(NoAuth), RuntimeConfig::default());
        // A caller that derives each call's connect timeout from a deadline asks for a new value
        // every time.
        for millis in 1..=100 {
            runtime.client_for(Duration::from_millis(millis)).unwrap();
        }
        let kept = runtime
            .inner
            .clients_by_connect_timeout
            .lock()
            .unwrap()
            .len();
        assert!(kept <= MAX_CONNECT_TIMEOUT_CLIENTS, "{kept} clients kept");
    }
}
