//! Per-credential rate limits, applied after authentication (a flood of wrong keys never uses up a
//! valid key's budget). Gainsight PX documents "around 200 requests per second and 1 Million
//! requests per day": each API key gets a token bucket holding one second's worth of requests,
//! refilled continuously on real time (not the sandbox clock, which tests move by days), and a
//! daily count per UTC day of the sandbox clock.

use std::collections::HashMap;
use std::time::Instant;

use parking_lot::Mutex;

/// The limits of one vendor, per credential. The credentials are the configured ones only (the
/// check runs after authentication), so the maps stay as small as the configuration.
#[derive(Debug)]
pub(crate) struct RateLimits {
    per_second: u32,
    per_day: u64,
    state: Mutex<HashMap<String, Usage>>,
}

#[derive(Debug)]
struct Usage {
    tokens: f64,
    refilled_at: Instant,
    day: i64,
    used_today: u64,
}

impl RateLimits {
    /// `per_second` requests per second and `per_day` per day per credential; 0 turns either off.
    pub(crate) fn new(per_second: u32, per_day: u64) -> Self {
        Self {
            per_second,
            per_day,
            state: Mutex::new(HashMap::new()),
        }
    }

    /// Whether one more request with `credential` fits now (and counts it if so). `day` is the
    /// sandbox clock's day number (Unix seconds / 86 400).
    pub(crate) fn try_acquire(&self, credential: &str, day: i64) -> bool {
        self.try_acquire_at(credential, day, Instant::now())
    }

    fn try_acquire_at(&self, credential: &str, day: i64, now: Instant) -> bool {
        if self.per_second == 0 && self.per_day == 0 {
            return true;
        }
        let mut state = self.state.lock();
        // Looked up by `&str` first: the credential is copied once, on its first request.
        if let Some(usage) = state.get_mut(credential) {
            return self.charge(usage, day, now);
        }
        let usage = state.entry(credential.to_string()).or_insert(Usage {
            tokens: f64::from(self.per_second),
            refilled_at: now,
            day,
            used_today: 0,
        });
        self.charge(usage, day, now)
    }

    /// Counts one request against `usage` if it fits.
    fn charge(&self, usage: &mut Usage, day: i64, now: Instant) -> bool {
        let capacity = f64::from(self.per_second);
        if usage.day != day {
            usage.day = day;
            usage.used_today = 0;
        }
        if self.per_day > 0 && usage.used_today >= self.per_day {
            return false;
        }
        if self.per_second > 0 {
            let elapsed = now
                .saturating_duration_since(usage.refilled_at)
                .as_secs_f64();
            usage.tokens = (usage.tokens + elapsed * capacity).min(capacity);
            usage.refilled_at = now;
            if usage.tokens < 1.0 {
                return false;
            }
            usage.tokens -= 1.0;
        }
        usage.used_today += 1;
        true
    }

    /// Forgets every count (a sandbox reset).
    pub(crate) fn clear(&self) {
        self.state.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_over_the_rate_is_refused_then_refilled() {
        let limits = RateLimits::new(200, 0);
        let start = Instant::now();
        let accepted = (0..250)
            .filter(|_| limits.try_acquire_at("key", 0, start))
            .count();
        assert_eq!(accepted, 200);
        let later = start + Duration::from_millis(10);
        assert!(limits.try_acquire_at("key", 0, later));
        assert!(limits.try_acquire_at("key", 0, later));
        assert!(!limits.try_acquire_at("key", 0, later));
        assert!(
            limits.try_acquire_at("other", 0, later),
            "each credential has its own bucket"
        );
    }

    #[test]
    fn the_daily_quota_resets_with_the_day() {
        let limits = RateLimits::new(0, 3);
        let now = Instant::now();
        assert_eq!(
            (0..5)
                .filter(|_| limits.try_acquire_at("key", 7, now))
                .count(),
            3
        );
        assert!(limits.try_acquire_at("key", 8, now));
    }

    #[test]
    fn zero_turns_the_limits_off() {
        let limits = RateLimits::new(0, 0);
        assert!((0..10_000).all(|_| limits.try_acquire("key", 0)));
    }
}
