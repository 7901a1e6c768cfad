//! When to retry and how long to wait. [`decide`] is the whole decision, a pure function of one
//! attempt's result and the call's state (as smithy-rs keeps its retry classifier apart from the
//! orchestrator's loop); the send loop in `runtime` only carries it out. Waits are exponential
//! backoff with full jitter, or the server's `Retry-After` (seconds or an HTTP date) up to a cap.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Whether a response with `status` is worth another attempt: a timeout, a rate limit or a
/// transient server failure.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
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

/// What one attempt ended with, as far as the retry decision needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptResult {
    /// A response arrived with `status`; `retry_after` is its parsed `Retry-After`, if any.
    Response {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// No response: the transport failed. `connect` means the connection was refused or never
    /// established, so the request cannot have reached the server.
    Transport { connect: bool },
    /// The response that would have ended the call arrived, but its body did not arrive whole
    /// (it broke off or did not end within the attempt), or passed the size limit.
    BodyBroken {
        /// Whether it passed the size limit (never retried: it would again).
        too_large: bool,
    },
}

/// What the call allows, fixed for all its attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallRules {
    /// The longest `Retry-After` waited out ([`RetryPolicy::max_retry_after`]).
    pub max_retry_after: Duration,
    /// Retries allowed after the first attempt (the policy's, or a per-call override).
    pub max_retries: u32,
    /// Whether repeating the request is harmless (GET, PUT, DELETE, ...).
    pub idempotent: bool,
    /// Whether a non-idempotent request may be repeated after it may have reached the server.
    pub retry_non_idempotent: bool,
    /// Whether the operation carries credentials that a 401 may ask to refresh.
    pub authenticated: bool,
}

/// How far the call has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallState {
    /// Retries already made.
    pub retries: u32,
    /// Whether the credentials were already refreshed once in this call.
    pub refreshed: bool,
}

/// How long to wait before the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// The server's `Retry-After`.
    ServerAsked(Duration),
    /// Jittered exponential backoff for retry number `retry` (1-based; see [`RetryPolicy::backoff`]).
    Backoff {
        /// The number of the retry about to be made.
        retry: u32,
    },
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Hand the response to the caller.
    Return,
    /// Refresh the credentials and repeat the request once (after a 401). If the refresh fails,
    /// the response is handed to the caller.
    RefreshCredentials,
    /// Wait, then send the request again. `may_have_acted` says the attempt that failed may have
    /// reached the server, so an outcome proven later must allow for its effect.
    Retry { wait: Wait, may_have_acted: bool },
    /// Hand the transport error to the caller.
    GiveUp,
}

impl Decision {
    /// The wait and whether the failed attempt may have acted, when the decision is to retry.
    pub fn retry(self) -> Option<(Wait, bool)> {
        match self {
            Decision::Retry {
                wait,
                may_have_acted,
            } => Some((wait, may_have_acted)),
            _ => None,
        }
    }
}

/// The retry decision after one attempt: pure, so that it is tested as a table.
pub fn decide(rules: &CallRules, state: &CallState, result: AttemptResult) -> Decision {
    let retries_left = state.retries < rules.max_retries;
    match result {
        AttemptResult::Response { status: 401, .. } if rules.authenticated && !state.refreshed => {
            Decision::RefreshCredentials
        }
        AttemptResult::Response {
            status,
            retry_after,
        } => {
            let allowed = retries_left
                && is_retryable_status(status)
                && (rules.idempotent || rules.retry_non_idempotent);
            let wait = match retry_after {
                // Not waited out: the caller gets the rate-limit error with the delay.
                Some(delay) if delay > rules.max_retry_after => return Decision::Return,
                Some(delay) => Wait::ServerAsked(delay),
                None => Wait::Backoff {
                    retry: state.retries + 1,
                },
            };
            if !allowed {
                return Decision::Return;
            }
            Decision::Retry {
                wait,
                may_have_acted: status_may_have_acted(status),
            }
        }
        AttemptResult::BodyBroken { too_large: true } => Decision::GiveUp,
        AttemptResult::BodyBroken { too_large: false } => {
            decide(rules, state, AttemptResult::Transport { connect: false })
        }
        AttemptResult::Transport { connect } => {
            // A refused connection never reached the server; anything later might have.
            let may_have_acted = !connect;
            if retries_left && (rules.idempotent || !may_have_acted || rules.retry_non_idempotent) {
                Decision::Retry {
                    wait: Wait::Backoff {
                        retry: state.retries + 1,
                    },
                    may_have_acted,
                }
            } else {
                Decision::GiveUp
            }
        }
    }
}

/// The delay a `Retry-After` header asks for: delta-seconds, or an HTTP date (a date in the past
/// means no wait). `None` when the header is absent or malformed. Delta-seconds past what `u64`
/// holds are the longest wait, not an absent header (which would be retried at once).
pub fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit()) {
        return Some(Duration::from_secs(u64::MAX));
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
    fn a_retry_after_past_what_u64_holds_is_the_longest_wait_and_not_waited_out() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let huge = parse_retry_after(&headers("99999999999999999999"), now);
        assert_eq!(huge, Some(Duration::from_secs(u64::MAX)));
        let rules = CallRules {
            max_retry_after: RetryPolicy::default().max_retry_after,
            max_retries: 2,
            idempotent: true,
            retry_non_idempotent: false,
            authenticated: false,
        };
        let attempt = AttemptResult::Response {
            status: 429,
            retry_after: huge,
        };
        assert_eq!(
            decide(&rules, &CallState::default(), attempt),
            Decision::Return
        );
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

    /// One row of the decision table: the call, its state, the attempt's result, the decision.
    struct Row {
        case: &'static str,
        idempotent: bool,
        retry_non_idempotent: bool,
        authenticated: bool,
        retries: u32,
        refreshed: bool,
        result: AttemptResult,
        expected: Decision,
    }

    const GET: (bool, bool) = (true, false);
    const POST: (bool, bool) = (false, false);
    const POST_OPTED_IN: (bool, bool) = (false, true);

    fn row(
        case: &'static str,
        (idempotent, retry_non_idempotent): (bool, bool),
        authenticated: bool,
        (retries, refreshed): (u32, bool),
        result: AttemptResult,
        expected: Decision,
    ) -> Row {
        Row {
            case,
            idempotent,
            retry_non_idempotent,
            authenticated,
            retries,
            refreshed,
            result,
            expected,
        }
    }

    fn status(status: u16) -> AttemptResult {
        AttemptResult::Response {
            status,
            retry_after: None,
        }
    }

    fn status_after(status: u16, seconds: u64) -> AttemptResult {
        AttemptResult::Response {
            status,
            retry_after: Some(Duration::from_secs(seconds)),
        }
    }

    const REFUSED: AttemptResult = AttemptResult::Transport { connect: true };
    const LOST: AttemptResult = AttemptResult::Transport { connect: false };
    const BROKEN: AttemptResult = AttemptResult::BodyBroken { too_large: false };
    const TOO_LARGE: AttemptResult = AttemptResult::BodyBroken { too_large: true };

    fn backoff(retry: u32, may_have_acted: bool) -> Decision {
        Decision::Retry {
            wait: Wait::Backoff { retry },
            may_have_acted,
        }
    }

    fn server_asked(seconds: u64) -> Decision {
        Decision::Retry {
            wait: Wait::ServerAsked(Duration::from_secs(seconds)),
            may_have_acted: false,
        }
    }

    #[test]
    fn the_retry_decision_table() {
        use Decision::{GiveUp, RefreshCredentials, Return};
        let fresh = (0, false);
        // One row per case: the call, its state (retries made, refreshed), the attempt's result,
        // and the decision. Kept one line a row, as a table.
        #[rustfmt::skip]
        let rows = [
            row("success", GET, true, fresh, status(200), Return),
            row("documented 404", GET, true, fresh, status(404), Return),
            row("503 on a GET", GET, false, fresh, status(503), backoff(1, true)),
            row("second 503", GET, false, (1, false), status(503), backoff(2, true)),
            row("503 with no retries left", GET, false, (2, false), status(503), Return),
            row("429 backs off, nothing acted", GET, false, fresh, status(429), backoff(1, false)),
            row("408 may come after the work", GET, false, fresh, status(408), backoff(1, true)),
            row("429 with Retry-After", GET, false, fresh, status_after(429, 3), server_asked(3)),
            row("Retry-After past the cap", GET, false, fresh, status_after(429, 61), Return),
            row("501 is not transient", GET, false, fresh, status(501), Return),
            row("503 on a POST", POST, false, fresh, status(503), Return),
            row("503 on a POST that opted in", POST_OPTED_IN, false, fresh, status(503), backoff(1, true)),
            row("401 refreshes once", GET, true, fresh, status(401), RefreshCredentials),
            row("401 after a refresh", GET, true, (0, true), status(401), Return),
            row("401 without credentials", GET, false, fresh, status(401), Return),
            row("401 on a POST refreshes too", POST, true, fresh, status(401), RefreshCredentials),
            row("refused connection on a GET", GET, false, fresh, REFUSED, backoff(1, false)),
            row("refused connection on a POST", POST, false, fresh, REFUSED, backoff(1, false)),
            row("lost response on a GET", GET, false, fresh, LOST, backoff(1, true)),
            row("lost response on a POST", POST, false, fresh, LOST, GiveUp),
            row("lost response, POST opted in", POST_OPTED_IN, false, fresh, LOST, backoff(1, true)),
            row("transport error, no retries left", GET, false, (2, false), LOST, GiveUp),
            row("body broke off on a GET", GET, false, fresh, BROKEN, backoff(1, true)),
            row("body broke off on a POST", POST, false, fresh, BROKEN, GiveUp),
            row("body too large", GET, false, fresh, TOO_LARGE, GiveUp),
        ];
        let policy = RetryPolicy::default();
        for row in rows {
            let rules = CallRules {
                max_retry_after: policy.max_retry_after,
                max_retries: policy.max_retries,
                idempotent: row.idempotent,
                retry_non_idempotent: row.retry_non_idempotent,
                authenticated: row.authenticated,
            };
            let state = CallState {
                retries: row.retries,
                refreshed: row.refreshed,
            };
            assert_eq!(
                decide(&rules, &state, row.result),
                row.expected,
                "{}",
                row.case
            );
        }
    }
}
