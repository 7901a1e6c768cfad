//! Per-call overrides and per-call records, carried in task-local storage so that they reach the
//! hooks without any change to the generated builders.
//!
//! ```no_run
//! # use std::time::Duration;
//! # async fn demo(call: impl std::future::Future<Output = ()>) {
//! use vendor_runtime::CallOptions;
//! CallOptions { max_retries: Some(0), timeout: Some(Duration::from_secs(2)), ..Default::default() }
//!     .scope(call)
//!     .await;
//! # }
//! ```

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

use crate::failure::ErrorContext;

tokio::task_local! {
    static OPTIONS: CallOptions;
    static RECORD: RefCell<CallRecord>;
}

/// Overrides of the client's [`crate::RuntimeConfig`] for the calls made inside [`Self::scope`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// Time limit of one attempt, from sending to the end of the response body.
    pub timeout: Option<Duration>,
    /// Time limit for establishing a connection.
    pub connect_timeout: Option<Duration>,
    /// Opt in to retrying POST and PATCH after the request may have reached the server.
    pub retry_non_idempotent: Option<bool>,
    /// The largest response body accepted, in bytes.
    pub max_body_bytes: Option<u64>,
    /// An earlier send of this same request (a call before this one, or one a killed process had
    /// in flight) may have reached the vendor with its answer lost. The call then counts as one
    /// whose earlier attempt may have acted from its first attempt
    /// ([`CallRecord::lost_response`]), exactly as when the runtime retried within the call.
    pub earlier_send_may_have_acted: bool,
}

impl CallOptions {
    /// Runs `future` with these options applied to every call it makes.
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        OPTIONS.scope(self, future).await
    }

    /// The options in force for the current task, if a scope set any.
    pub fn current() -> Option<CallOptions> {
        OPTIONS.try_with(Clone::clone).ok()
    }
}

/// What happened during the calls of a [`record`] scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallRecord {
    /// Requests sent, retries and the repeat after a token refresh included.
    pub attempts: u32,
    /// An earlier attempt may have acted: one failed after the request may have reached the
    /// server (a timeout, a broken connection or a body that broke off, not a refused
    /// connection) or was answered with a status after which the server may have acted
    /// ([`crate::status_may_have_acted`]), and a later attempt was made; or the caller said so
    /// of an earlier send ([`CallOptions::earlier_send_may_have_acted`]). The one rule the
    /// outcome rows (`x-outcomes`) read: a later 404 on a
    /// delete then means "deleted or already absent".
    pub lost_response: bool,
    /// Credentials were refreshed after a 401.
    pub credentials_refreshed: bool,
    /// The status of the last response received.
    pub status: Option<u16>,
    /// The request id of the last response received, when a header carried one.
    pub request_id: Option<String>,
}

impl CallRecord {
    /// The context of an error about a success response: its status and request id, from this
    /// record because the response itself is gone. Its body is never quoted: it can hold a
    /// credential (Atenea's token) or the personal data the call was about.
    pub(crate) fn success_context(&self) -> Box<ErrorContext> {
        Box::new(ErrorContext {
            status: self.status,
            request_id: self.request_id.clone(),
            body_excerpt: String::new(),
        })
    }
}

/// Runs `future` and returns what its calls did along with its output. Scopes nest: an
/// enclosing `record` sees the calls of the inner ones too.
pub async fn record<F: Future>(future: F) -> (F::Output, CallRecord) {
    let (output, inner) = RECORD
        .scope(RefCell::new(CallRecord::default()), async {
            let output = future.await;
            let record = RECORD.with(|record| record.borrow().clone());
            (output, record)
        })
        .await;
    note(|outer| {
        outer.attempts += inner.attempts;
        outer.lost_response |= inner.lost_response;
        outer.credentials_refreshed |= inner.credentials_refreshed;
        if inner.status.is_some() {
            outer.status = inner.status;
            outer.request_id.clone_from(&inner.request_id);
        }
    });
    (output, inner)
}

/// Runs `future` apart from the call that started it: with its own `options`, and with a record
/// of its own that the enclosing [`record`] scopes do not see. For a call made on behalf of
/// another one (Trust's token request inside an Index call): its lost responses and retries are
/// not the Index call's.
pub async fn detached<F: Future>(options: CallOptions, future: F) -> F::Output {
    OPTIONS
        .scope(
            options,
            RECORD.scope(RefCell::new(CallRecord::default()), future),
        )
        .await
}

/// Updates the current record, if a [`record`] scope is active.
pub(crate) fn note(update: impl FnOnce(&mut CallRecord)) {
    let _ = RECORD.try_with(|record| update(&mut record.borrow_mut()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn options_reach_the_scoped_future_only() {
        assert_eq!(CallOptions::current(), None);
        let options = CallOptions {
            max_retries: Some(7),
            ..Default::default()
        };
        let seen = options
            .clone()
            .scope(async { CallOptions::current() })
            .await;
        assert_eq!(seen, Some(options));
    }

    #[tokio::test]
    async fn records_collect_notes() {
        let ((), record) = record(async { note(|r| r.attempts += 2) }).await;
        assert_eq!(record.attempts, 2);
        note(|r| r.attempts += 1); // outside a scope: ignored, no panic
    }

    #[tokio::test]
    async fn a_detached_call_reports_to_no_enclosing_record() {
        let ((), outer) = record(async {
            let options = CallOptions {
                max_retries: Some(5),
                ..Default::default()
            };
            detached(options, async {
                note(|r| r.lost_response = true);
                assert_eq!(CallOptions::current().unwrap().max_retries, Some(5));
            })
            .await;
        })
        .await;
        assert!(!outer.lost_response);
    }

    #[tokio::test]
    async fn nested_records_report_to_the_enclosing_one() {
        let (((), inner), outer) = record(record(async { note(|r| r.attempts += 1) })).await;
        assert_eq!(inner.attempts, 1);
        assert_eq!(outer.attempts, 1);
    }
}
