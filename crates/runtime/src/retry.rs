//! When to retry and how long to wait: exponential backoff with full jitter, and the server's
//! `Retry-After` (seconds or an HTTP date) up to a cap.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Statuses worth another attempt: timeouts, rate limits and transient server failures.
pub const RETRYABLE_STATUSES: [u16; 6] = [408, 429, 500, 502, 503, 504];

/// Whether a response with `status` is worth another attempt.
pub fn is_retryable_status(status: u16) -> bool {
    RETRYABLE_STATUSES.contains(&status)
}

/// Whether a response with `status` leaves open that the server acted on the request before it
/// failed: a server error (5xx) or a request timeout (408) can come after the work was done. A
/// 429 or another 4xx is a refusal. After such an answer the call counts as one whose earlier
/// attempt may have acted ([`crate::CallRecord::lost_response`]): a later attempt's not-found
/// then proves only "deleted or already absent" (the `x-outcomes` rows for a lost response).
pub fn status_may_have_acted(status: u16) -> bool {
    status >= 500 || status == 408
}

/// How often and how long to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `2` means at most three attempts).
    pub max_retries: u32,
    /// The backoff ceiling of the first retry; it doubles with each retry.
    pub initial_backoff: Duration,
    /// No backoff ceiling grows past this.
    pub max_backoff: Duration,
    /// The longest `Retry-After` the client waits out. A longer one is not retried: the caller
    /// gets the rate-limit error with the delay, to schedule the work itself.
    pub max_retry_after: Duration,
    /// Whether POST and PATCH are retried once the request may have reached the server. Off by
    /// default: a repeated create could create twice.
    pub retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// The ceiling for retry number `retry` (1-based): `initial × 2^(retry-1)`, capped.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// A random wait in `[0, ceiling]` ("full jitter"), so that clients that failed together do
    /// not retry together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.backoff_ceiling(retry);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// The delay a `Retry-After` header asks for: delta-seconds, or an HTTP date (a date in the past
/// means no wait). `None` when the header is absent or malformed.
pub fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, value.parse().unwrap());
        headers
    }

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_retry_after(&headers("3"), now),
            Some(Duration::from_secs(3))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(5));
        assert_eq!(
            parse_retry_after(&headers(&later), now),
            Some(Duration::from_secs(5))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(
            parse_retry_after(&headers(&earlier), now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after(&headers("soon"), now), None);
        assert_eq!(parse_retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitters_below_it() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff_ceiling(1), Duration::from_millis(500));
        assert_eq!(policy.backoff_ceiling(2), Duration::from_secs(1));
        assert_eq!(policy.backoff_ceiling(5), Duration::from_secs(8));
        assert_eq!(policy.backoff_ceiling(40), Duration::from_secs(8));
        for retry in 1..6 {
            assert!(policy.backoff(retry) <= policy.backoff_ceiling(retry));
        }
    }

    #[test]
    fn the_documented_statuses_are_retryable() {
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(status));
        }
        for status in [400, 401, 403, 404, 409, 501] {
            assert!(!is_retryable_status(status));
        }
        for status in [408, 500, 501, 502, 503, 504] {
            assert!(status_may_have_acted(status), "{status}");
        }
        for status in [200, 307, 400, 401, 404, 429] {
            assert!(!status_may_have_acted(status), "{status}");
        }
    }
}
