//! Fault injection (`POST /_sandbox/faults`): a vendor's next N calls fail with 429/500/503
//! (optionally with `Retry-After`) and/or are slowed down, or its next N writes fail at commit
//! (`fail_commit`), so that retry, timeout and storage-failure paths can be tested. Each vendor has
//! its own queue. Faults live in memory only and are cleared by `/_sandbox/reset`.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use axum::http::StatusCode;
use serde::Deserialize;

use crate::vendor::Api;

/// The request body of `POST /_sandbox/faults`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultRequest {
    pub(crate) vendor: Api,
    pub(crate) status: Option<u16>,
    pub(crate) count: Option<u32>,
    pub(crate) retry_after_secs: Option<u32>,
    pub(crate) delay_ms: Option<u64>,
    /// The vendor's next `count` writes fail at commit (nothing of them is applied).
    #[serde(default)]
    pub(crate) fail_commit: bool,
}

/// What a validated fault request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Injection {
    /// The next calls get this fault.
    Calls(Fault),
    /// The next writes fail at commit.
    Commits,
}

/// What happens to one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    /// Answer with this status instead of handling the call (`None`: handle it, after the delay).
    pub(crate) status: Option<StatusCode>,
    pub(crate) retry_after_secs: Option<u32>,
    pub(crate) delay: Duration,
}

const MAX_COUNT: u32 = 100_000;
const MAX_DELAY_MS: u64 = 120_000;

impl FaultRequest {
    /// Checks the request; returns what to inject and how many calls (or writes) it applies to.
    pub(crate) fn validate(self) -> Result<(Api, Injection, u32), String> {
        let count = self.count.unwrap_or(1);
        if !(1..=MAX_COUNT).contains(&count) {
            return Err(format!("count must be between 1 and {MAX_COUNT}"));
        }
        if self.fail_commit {
            if self.status.is_some() || self.delay_ms.is_some() || self.retry_after_secs.is_some() {
                return Err("fail_commit takes only vendor and count".to_string());
            }
            return Ok((self.vendor, Injection::Commits, count));
        }
        let status = match self.status {
            None => None,
            Some(code @ (429 | 500 | 503)) => StatusCode::from_u16(code).ok(),
            Some(other) => return Err(format!("status must be 429, 500 or 503, not {other}")),
        };
        let delay_ms = self.delay_ms.unwrap_or(0);
        if status.is_none() && delay_ms == 0 {
            return Err("give a status, a delay_ms, or both".to_string());
        }
        if delay_ms > MAX_DELAY_MS {
            return Err(format!("delay_ms must be at most {MAX_DELAY_MS}"));
        }
        if self.retry_after_secs.is_some() && status.is_none() {
            return Err("retry_after_secs needs a status".to_string());
        }
        Ok((
            self.vendor,
            Injection::Calls(Fault {
                status,
                retry_after_secs: self.retry_after_secs,
                delay: Duration::from_millis(delay_ms),
            }),
            count,
        ))
    }
}

/// Per vendor, the faults still to apply, in order: each entry covers `remaining` calls.
#[derive(Debug, Default)]
pub(crate) struct FaultQueues {
    queues: HashMap<Api, VecDeque<(Fault, u32)>>,
    failing_commits: HashMap<Api, u32>,
}

impl FaultQueues {
    /// Queues `count` calls' worth of `fault` after the ones already queued; the calls now covered.
    pub(crate) fn push(&mut self, vendor: Api, fault: Fault, count: u32) -> u32 {
        self.queues
            .entry(vendor)
            .or_default()
            .push_back((fault, count));
        self.pending(vendor)
    }

    /// The fault for the vendor's next call, if any.
    pub(crate) fn take(&mut self, vendor: Api) -> Option<Fault> {
        let queue = self.queues.get_mut(&vendor)?;
        let (fault, remaining) = queue.front_mut()?;
        let fault = fault.clone();
        *remaining -= 1;
        if *remaining == 0 {
            queue.pop_front();
        }
        Some(fault)
    }

    /// Makes the vendor's next `count` writes fail at commit (added to any still pending); the
    /// writes now covered.
    pub(crate) fn push_commit_failures(&mut self, vendor: Api, count: u32) -> u32 {
        let pending = self.failing_commits.entry(vendor).or_default();
        *pending = pending.saturating_add(count);
        *pending
    }

    /// Whether the vendor's next write must fail at commit (and counts it if so).
    pub(crate) fn take_commit_failure(&mut self, vendor: Api) -> bool {
        match self.failing_commits.get_mut(&vendor) {
            Some(pending) if *pending > 0 => {
                *pending -= 1;
                true
            }
            _ => false,
        }
    }

    /// Calls still covered, per vendor (for the admin response), at most `u32::MAX`: enough
    /// requests of the largest count cover more.
    pub(crate) fn pending(&self, vendor: Api) -> u32 {
        self.queues
            .get(&vendor)
            .into_iter()
            .flatten()
            .fold(0, |sum, (_, remaining)| sum.saturating_add(*remaining))
    }

    pub(crate) fn clear(&mut self) {
        self.queues.clear();
        self.failing_commits.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendor::Vendor;

    fn request(json: &str) -> Result<(Api, Fault, u32), String> {
        match injection(json)? {
            (vendor, Injection::Calls(fault), count) => Ok((vendor, fault, count)),
            (_, Injection::Commits, _) => Err("a commit fault".to_string()),
        }
    }

    fn injection(json: &str) -> Result<(Api, Injection, u32), String> {
        serde_json::from_str::<FaultRequest>(json)
            .map_err(|error| error.to_string())?
            .validate()
    }

    #[test]
    fn faults_apply_to_the_next_n_calls_in_order() {
        let mut queues = FaultQueues::default();
        let (vendor, first, count) =
            request(r#"{"vendor": "gainsight-px", "status": 503, "count": 2}"#).unwrap();
        queues.push(vendor, first, count);
        let (_, second, count) =
            request(r#"{"vendor": "gainsight-px", "status": 429, "retry_after_secs": 3}"#).unwrap();
        queues.push(vendor, second, count);
        assert_eq!(queues.pending(Vendor::GainsightPx.into()), 3);
        assert_eq!(queues.take(Vendor::Attestr.into()), None);
        let statuses: Vec<_> = std::iter::from_fn(|| queues.take(Vendor::GainsightPx.into()))
            .map(|fault| fault.status.map(|status| status.as_u16()))
            .collect();
        assert_eq!(statuses, [Some(503), Some(503), Some(429)]);
    }

    #[test]
    fn commit_failures_are_counted_per_vendor() {
        let mut queues = FaultQueues::default();
        let (vendor, injection, count) =
            injection(r#"{"vendor": "attestr", "fail_commit": true, "count": 2}"#).unwrap();
        assert_eq!(injection, Injection::Commits);
        queues.push_commit_failures(vendor, count);
        assert!(!queues.take_commit_failure(Vendor::GainsightPx.into()));
        assert!(queues.take_commit_failure(Vendor::Attestr.into()));
        assert!(queues.take_commit_failure(Vendor::Attestr.into()));
        assert!(!queues.take_commit_failure(Vendor::Attestr.into()));
    }

    #[test]
    fn the_calls_covered_saturate_rather_than_overflow() {
        let mut queues = FaultQueues::default();
        let (vendor, fault, count) =
            request(r#"{"vendor": "attestr", "status": 503, "count": 100000}"#).unwrap();
        // 42,950 requests of the largest count cover more calls than a `u32` holds; as many
        // calls as 42,949 of them cover, then one more request.
        queues.push(vendor, fault.clone(), 42_949 * count);
        assert_eq!(queues.push(vendor, fault, count), u32::MAX);
        assert_eq!(queues.pending(vendor), u32::MAX);
    }

    #[test]
    fn bad_fault_requests_are_refused() {
        for bad in [
            r#"{"vendor": "attestr", "status": 404}"#,
            r#"{"vendor": "attestr"}"#,
            r#"{"vendor": "attestr", "status": 500, "count": 0}"#,
            r#"{"vendor": "attestr", "delay_ms": 10, "retry_after_secs": 1}"#,
            r#"{"vendor": "nobody", "status": 500}"#,
            r#"{"vendor": "attestr", "status": 500, "extra": 1}"#,
        ] {
            assert!(request(bad).is_err(), "{bad}");
        }
        assert!(injection(r#"{"vendor": "attestr", "fail_commit": true, "status": 500}"#).is_err());
        let (_, fault, _) = request(r#"{"vendor": "atenea", "delay_ms": 250}"#).unwrap();
        assert_eq!(fault.status, None);
        assert_eq!(fault.delay, Duration::from_millis(250));
    }
}
