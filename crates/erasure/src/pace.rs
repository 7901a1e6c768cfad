//! Pacing, per vendor: a client-side rate limit (governor's GCRA), a bound on requests in flight,
//! a pause the whole vendor takes when it answers 429, and a halt after it refuses the credentials
//! (so that a batch does not hammer a vendor with credentials it has refused).

use std::num::NonZeroU32;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

use crate::lock;
use crate::outcome::ProblemKind;
use crate::vendor::Vendor;

/// Gainsight PX's documented limit: "around 200 requests per second".
pub const GAINSIGHT_PX_RATE: f64 = 200.0;
/// Attestr and Trust publish no number (Attestr sets limits per customer; Trust documents none):
/// a cautious default, to raise with `--attestr-rate` / `--trust-rate` once the vendor says more.
pub const UNDOCUMENTED_RATE: f64 = 20.0;
/// Requests in flight per vendor, by default.
pub const DEFAULT_CONCURRENCY: usize = 32;
/// The fastest rate accepted.
pub const MAX_RATE: f64 = 100_000.0;

/// How fast one vendor may be called.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    /// Requests per second, at most.
    pub per_second: f64,
    /// Requests in flight, at most.
    pub concurrency: usize,
}

impl Pace {
    /// The default pace for `vendor`.
    pub fn default_for(vendor: Vendor) -> Pace {
        Pace {
            per_second: match vendor {
                Vendor::GainsightPx => GAINSIGHT_PX_RATE,
                Vendor::Attestr | Vendor::Trust => UNDOCUMENTED_RATE,
            },
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// Checks a rate from the command line.
    pub fn check_rate(rate: f64) -> Result<f64, String> {
        if rate.is_finite() && rate > 0.0 && rate <= MAX_RATE {
            Ok(rate)
        } else {
            Err(format!(
                "a rate must be a number of requests per second above 0 and at most {MAX_RATE}"
            ))
        }
    }
}

/// One vendor's limiter, pause and halt, shared by its steps.
#[derive(Debug)]
pub struct Lane {
    limiter: DefaultDirectRateLimiter,
    /// Waiters queue here (first come, first served), so one at a time waits on the limiter
    /// rather than all of them waking for every permit.
    queue: tokio::sync::Mutex<()>,
    paused_until: Mutex<Option<Instant>>,
    halted: OnceLock<(ProblemKind, String)>,
}

impl Lane {
    /// A lane sending at most `pace.per_second` requests a second. Bursts are capped at 50 ms'
    /// worth, so that the vendor's own bucket stays nearly full and late timer wake-ups are
    /// made up without ever running ahead of the rate for long.
    pub fn new(pace: &Pace) -> Lane {
        let rate = Pace::check_rate(pace.per_second).unwrap_or(UNDOCUMENTED_RATE);
        let burst = NonZeroU32::new((rate / 20.0).floor() as u32).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(Duration::from_secs_f64(1.0 / rate))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Lane {
            limiter: RateLimiter::direct(quota),
            queue: tokio::sync::Mutex::new(()),
            paused_until: Mutex::new(None),
            halted: OnceLock::new(),
        }
    }

    /// Waits until a request may be sent: after any pause, within the rate.
    pub async fn ready(&self) {
        let _turn = self.queue.lock().await;
        loop {
            if let Some(until) = self.pause_deadline() {
                tokio::time::sleep_until(until).await;
                continue;
            }
            self.limiter.until_ready().await;
            if self.pause_deadline().is_none() {
                return;
            }
        }
    }

    fn pause_deadline(&self) -> Option<Instant> {
        lock(&self.paused_until).filter(|until| *until > Instant::now())
    }

    /// Holds every request of this vendor for `delay` (a 429's `Retry-After`).
    pub fn pause(&self, delay: Duration) {
        // A delay past what the clock holds (a vendor's `Retry-After` of 2^64 - 1 seconds) holds
        // the lane as long as tokio's own far future, about 30 years: until the run stops.
        let now = Instant::now();
        let until = now
            .checked_add(delay)
            .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365 * 30));
        let mut paused = lock(&self.paused_until);
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }

    /// Stops sending to this vendor for the rest of the run, for a problem of `kind`; returns
    /// whether this call did (the first reason is kept).
    pub fn halt(&self, kind: ProblemKind, reason: &str) -> bool {
        self.halted.set((kind, reason.to_string())).is_ok()
    }

    /// Why the vendor was halted, if it was.
    pub fn halted(&self) -> Option<(ProblemKind, String)> {
        self.halted.get().cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_checked() {
        assert!(Pace::check_rate(200.0).is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e9] {
            assert!(Pace::check_rate(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_lane_keeps_to_its_rate() {
        let lane = Lane::new(&Pace {
            per_second: 100.0,
            concurrency: 1,
        });
        let started = std::time::Instant::now();
        for _ in 0..30 {
            lane.ready().await;
        }
        // A burst of 5 (50 ms' worth), then 25 more at 10 ms each.
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(230), "{elapsed:?}");
    }

    #[tokio::test]
    async fn a_pause_past_what_the_clock_holds_holds_the_lane_without_a_panic() {
        let lane = Lane::new(&Pace {
            per_second: 1000.0,
            concurrency: 1,
        });
        // A vendor's `Retry-After: 18446744073709551615`.
        lane.pause(Duration::from_secs(u64::MAX));
        assert!(lane.pause_deadline().is_some());
    }

    #[tokio::test]
    async fn a_pause_holds_the_lane() {
        let lane = Lane::new(&Pace {
            per_second: 1000.0,
            concurrency: 1,
        });
        lane.pause(Duration::from_millis(200));
        let started = std::time::Instant::now();
        lane.ready().await;
        assert!(started.elapsed() >= Duration::from_millis(190));
        assert!(lane.halt(ProblemKind::Auth, "refused"));
        assert!(!lane.halt(ProblemKind::Unproven, "again"));
        assert_eq!(
            lane.halted(),
            Some((ProblemKind::Auth, "refused".to_string()))
        );
    }
}
