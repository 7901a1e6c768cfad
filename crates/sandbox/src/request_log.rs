//! The requests the vendors received, in order (`GET /_sandbox/requests`): what a test of a client
//! (the erasure tool) checks it sent. Bounded: past the capacity the oldest are dropped.

use std::collections::VecDeque;

use parking_lot::Mutex;
use serde::Serialize;

use crate::vendor::Api;

/// One request a vendor surface received, and the status it was answered with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordedRequest {
    /// The surface (`attestr`, `trust`, `atenea`, `gainsight-px`).
    pub vendor: Api,
    /// The HTTP method.
    pub method: String,
    /// The path as received, prefix included, percent-encoding kept.
    pub path: String,
    /// The query string as received, without `?`; `None` when there was none.
    pub query: Option<String>,
    /// The response status.
    pub status: u16,
}

/// The log: a ring of the last `capacity` requests.
#[derive(Debug)]
pub(crate) struct RequestLog {
    capacity: usize,
    entries: Mutex<VecDeque<RecordedRequest>>,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(VecDeque::new()),
        }
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock();
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(request);
    }

    /// Every kept request, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        self.entries.lock().iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        self.entries.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(status: u16) -> RecordedRequest {
        RecordedRequest {
            vendor: crate::Vendor::Attestr.into(),
            method: "GET".to_string(),
            path: "/attestr/api/v1/public/factx/x".to_string(),
            query: None,
            status,
        }
    }

    #[test]
    fn the_oldest_requests_go_first() {
        let log = RequestLog::new(2);
        for status in [200, 201, 202] {
            log.record(request(status));
        }
        let statuses: Vec<u16> = log.snapshot().iter().map(|r| r.status).collect();
        assert_eq!(statuses, [201, 202]);
        log.clear();
        assert!(log.snapshot().is_empty());
    }

    #[test]
    fn a_holder_that_panicked_leaves_the_log_usable() {
        let log = RequestLog::new(2);
        std::thread::scope(|scope| {
            let _ = scope
                .spawn(|| {
                    let _held = log.entries.lock();
                    panic!("a holder panics");
                })
                .join();
        });
        log.record(request(200));
        assert_eq!(log.snapshot(), [request(200)]);
    }
}
