//! Gainsight PX's documented rate limit ("around 200 requests per second"): a token bucket that
//! holds one second's worth of requests and refills continuously, on real time (not the sandbox
//! clock, which tests move by days).

use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_second: u32,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

impl RateLimiter {
    /// A limiter allowing `per_second` requests per second; 0 allows everything.
    pub(crate) fn new(per_second: u32) -> Self {
        Self {
            per_second,
            bucket: Mutex::new(Bucket {
                tokens: f64::from(per_second),
                refilled_at: Instant::now(),
            }),
        }
    }

    /// Whether one more request fits now (and counts it if so).
    pub(crate) fn try_acquire(&self) -> bool {
        self.try_acquire_at(Instant::now())
    }

    fn try_acquire_at(&self, now: Instant) -> bool {
        if self.per_second == 0 {
            return true;
        }
        let mut bucket = self
            .bucket
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let capacity = f64::from(self.per_second);
        let elapsed = now
            .saturating_duration_since(bucket.refilled_at)
            .as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * capacity).min(capacity);
        bucket.refilled_at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_over_the_rate_is_refused_then_refilled() {
        let limiter = RateLimiter::new(200);
        let start = Instant::now();
        let accepted = (0..250).filter(|_| limiter.try_acquire_at(start)).count();
        assert_eq!(accepted, 200);
        assert!(limiter.try_acquire_at(start + Duration::from_millis(10)));
        assert!(limiter.try_acquire_at(start + Duration::from_millis(10)));
        assert!(!limiter.try_acquire_at(start + Duration::from_millis(10)));
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = RateLimiter::new(0);
        assert!((0..10_000).all(|_| limiter.try_acquire()));
    }
}
