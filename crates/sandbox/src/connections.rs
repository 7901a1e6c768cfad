//! The HTTP/1.1 server loop under the router, with the connection limits axum's `serve` does not
//! offer: at most `max_connections` open, a header-read timeout (hyper's: it runs from when a
//! connection opens or goes idle until a request head is complete, so a client that trickles its
//! head is cut off), and an idle timeout (a connection with no request in progress and no bytes
//! either way is closed). When every slot is taken, idle connections give way: a new client is
//! accepted and the connection idle the longest is closed for it; only when every connection has
//! a request in progress does a new client wait (in the listen backlog). Shutdown is graceful,
//! bounded by five seconds. hyper answers a request head it cannot read (431) itself, with no
//! body: that answer is replaced on its way out by one in the sandbox's error shape.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, oneshot};
use tower::ServiceExt;

use crate::config::Limits;

/// How long shutdown waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves `router` on `listener` until `shutdown` fires (or its sender is dropped).
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    mut shutdown: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let open = OpenConnections::default();
    loop {
        // Waits while every connection has a request in progress; otherwise the longest idle one
        // makes room (checked again every few milliseconds while waiting).
        let slot = loop {
            if let Ok(slot) = slots.clone().try_acquire_owned() {
                break Some(slot);
            }
            open.close_longest_idle();
            tokio::select! {
                slot = slots.clone().acquire_owned() => break slot.ok(),
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
                _ = &mut shutdown => break None,
            }
        };
        let Some(slot) = slot else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors or a connection reset before accept: wait a
                    // little rather than spin, and keep serving.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity {
            opened: Instant::now(),
            last_millis: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            give_way: Notify::new(),
        });
        let io = TokioIo::new(Tracked {
            stream,
            activity: activity.clone(),
            replacing: None,
        });
        let requests = activity.clone();
        let router = router.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let guard = InFlight::start(&requests);
            let handled = router.clone().oneshot(request.map(Body::new));
            async move {
                let response = handled.await;
                drop(guard);
                response
            }
        });
        let connection = graceful.watch(http.serve_connection(io, service));
        let idle_timeout = limits.idle_timeout;
        open.0.lock().push(activity.clone());
        let open = open.clone();
        tokio::spawn(async move {
            let _slot = slot;
            tokio::select! {
                served = connection => {
                    if let Err(error) = served {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                }
                () = activity.idle_for(idle_timeout) => {
                    tracing::debug!("idle connection closed");
                }
                () = activity.give_way.notified() => {
                    tracing::debug!("idle connection closed for a new client");
                }
            }
            open.0.lock().retain(|open| !Arc::ptr_eq(open, &activity));
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
}

/// The open connections' activity.
#[derive(Clone, Default)]
struct OpenConnections(Arc<Mutex<Vec<Arc<Activity>>>>);

impl OpenConnections {
    /// Closes the connection with no request in progress that has been silent the longest, if
    /// any (its task ends and frees its slot).
    fn close_longest_idle(&self) {
        let mut open = self.0.lock();
        let longest = (0..open.len())
            .filter(|&index| open[index].in_flight.load(Ordering::Relaxed) == 0)
            .max_by_key(|&index| open[index].silent_for());
        if let Some(index) = longest {
            // `notify_one` keeps the signal if the task is not waiting yet.
            open.swap_remove(index).give_way.notify_one();
        }
    }
}

/// When a connection last moved bytes, how many of its requests are being handled, and the
/// signal that closes it for a new client.
struct Activity {
    opened: Instant,
    last_millis: AtomicU64,
    in_flight: AtomicUsize,
    give_way: Notify,
}

impl Activity {
    fn touch(&self) {
        let millis = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_millis.store(millis, Ordering::Relaxed);
    }

    fn silent_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_millis.load(Ordering::Relaxed));
        self.opened.elapsed().saturating_sub(last)
    }

    /// Resolves once the connection has been idle (no request in progress, no bytes) for `limit`.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let silent = self.silent_for();
            if self.in_flight.load(Ordering::Relaxed) > 0 {
                tokio::time::sleep(limit).await;
            } else if silent >= limit {
                return;
            } else {
                tokio::time::sleep(limit - silent).await;
            }
        }
    }
}

/// Counts one request as in progress until dropped (then the connection is active again).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: &Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        Self(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A TCP stream that records when bytes move, and that replaces hyper's bodiless 431.
struct Tracked {
    stream: TcpStream,
    activity: Arc<Activity>,
    /// The replacement being written: its bytes, how many are written, and how many bytes of
    /// hyper's own answer it stands for.
    replacing: Option<(Vec<u8>, usize, usize)>,
}

/// The start of the answer hyper writes, with no body, for a request head larger than it reads.
const HYPER_431: &[u8] = b"HTTP/1.1 431 ";

/// The same answer in the sandbox's error shape (the admin endpoints' `{"error": ...}`): the
/// request was never read, so no vendor can be named.
fn headers_too_large() -> Vec<u8> {
    let body = serde_json::json!({ "error": "Request headers are too large" }).to_string();
    format!(
        "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buffer.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(context, buffer);
        if buffer.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.replacing.is_none() && bytes.starts_with(HYPER_431) {
            self.replacing = Some((headers_too_large(), 0, bytes.len()));
        }
        if let Some((replacement, mut written, stands_for)) = self.replacing.take() {
            while written < replacement.len() {
                match Pin::new(&mut self.stream).poll_write(context, &replacement[written..]) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                    Poll::Ready(Ok(more)) => written += more,
                    Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                    Poll::Pending => {
                        self.replacing = Some((replacement, written, stands_for));
                        return Poll::Pending;
                    }
                }
            }
            // Everything hyper meant to write is accounted for, so it goes on to close.
            return Poll::Ready(Ok(stands_for.min(bytes.len())));
        }
        let polled = Pin::new(&mut self.stream).poll_write(context, bytes);
        if matches!(polled, Poll::Ready(Ok(written)) if written > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(context)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(context)
    }
}
