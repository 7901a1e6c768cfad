//! The sandbox clock: real time shifted by an offset that tests move, so that Atenea token expiry
//! and the Gainsight PX 7-day revival window can be tested without waiting. One clock serves every
//! vendor; it is part of the persisted state.

use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

/// The last second of year 9999: beyond it the vendors' timestamps cannot be written.
const LATEST_UNIX_SECS: i64 = 253_402_300_799;

/// Whether a Unix time (seconds) can be shown in RFC 3339 (years 1970 to 9999).
pub(crate) fn is_representable(unix_secs: i64) -> bool {
    (0..=LATEST_UNIX_SECS).contains(&unix_secs)
}

fn real_unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The offset (seconds) that makes the sandbox clock read `unix_secs` now.
pub(crate) fn offset_for(unix_secs: i64) -> i64 {
    unix_secs.saturating_sub(real_unix_millis().div_euclid(1000))
}

/// The sandbox clock: real time plus an offset. The offset is part of the stored state; this is
/// its in-memory copy with the version that stored it, replaced only by a newer committed version
/// (writes may finish out of order).
#[derive(Debug)]
pub(crate) struct Clock(Mutex<(i64, u64)>);

impl Clock {
    pub(crate) fn new(offset_secs: i64, version: u64) -> Self {
        Self(Mutex::new((offset_secs, version)))
    }

    pub(crate) fn offset_secs(&self) -> i64 {
        self.0.lock().0
    }

    pub(crate) fn now_millis(&self) -> i64 {
        millis_with_offset(self.offset_secs())
    }

    pub(crate) fn now_secs(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// Takes a committed offset, unless a newer one is already in place.
    pub(crate) fn apply(&self, offset_secs: i64, version: u64) {
        let mut current = self.0.lock();
        if version > current.1 {
            *current = (offset_secs, version);
        }
    }
}

/// The sandbox time (milliseconds) for an offset.
pub(crate) fn millis_with_offset(offset_secs: i64) -> i64 {
    real_unix_millis().saturating_add(offset_secs.saturating_mul(1000))
}

/// The offset after moving a clock with `offset_secs` by `secs`; refused when the result would
/// leave years 1970..=9999.
pub(crate) fn advanced(offset_secs: i64, secs: i64) -> Result<(i64, i64), String> {
    let target = millis_with_offset(offset_secs)
        .div_euclid(1000)
        .saturating_add(secs);
    if !is_representable(target) {
        return Err(format!(
            "advancing by {secs} s would move the clock outside years 1970..=9999"
        ));
    }
    Ok((offset_for(target), target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_move_the_clock_and_older_versions_never_win() {
        let clock = Clock::new(offset_for(1_590_515_112), 1);
        assert!((clock.now_secs() - 1_590_515_112).abs() <= 1);
        let (offset, target) = advanced(clock.offset_secs(), 7200).unwrap();
        assert!((target - 1_590_522_312).abs() <= 1);
        clock.apply(offset, 3);
        clock.apply(offset_for(0), 2);
        assert!((clock.now_secs() - 1_590_522_312).abs() <= 1);
        assert!(advanced(clock.offset_secs(), i64::MAX).is_err());
    }
}
