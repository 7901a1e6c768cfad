//! The sandbox clock: real time shifted by an offset that tests move, so that Atenea token expiry
//! and the Gainsight PX 7-day revival window can be tested without waiting. One clock serves every
//! vendor; it is part of the persisted state.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

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

/// The offset of the sandbox clock from real time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Clock {
    offset_secs: i64,
}

impl Clock {
    /// A clock that reads `unix_secs` now (or the real time for `None`).
    pub(crate) fn starting_at(unix_secs: Option<i64>) -> Self {
        let mut clock = Self::default();
        if let Some(secs) = unix_secs {
            clock.set(secs);
        }
        clock
    }

    pub(crate) fn now_millis(&self) -> i64 {
        real_unix_millis().saturating_add(self.offset_secs.saturating_mul(1000))
    }

    pub(crate) fn now_secs(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// Moves the clock so that it reads `unix_secs` now.
    pub(crate) fn set(&mut self, unix_secs: i64) {
        let real_secs = real_unix_millis().div_euclid(1000);
        self.offset_secs = unix_secs.saturating_sub(real_secs);
    }

    /// Moves the clock by `secs` (negative moves it back). Refused, leaving the clock unchanged,
    /// when the result would leave years 1970..=9999.
    pub(crate) fn advance(&mut self, secs: i64) -> Result<i64, String> {
        let target = self.now_secs().saturating_add(secs);
        if !is_representable(target) {
            return Err(format!(
                "advancing by {secs} s would move the clock outside years 1970..=9999"
            ));
        }
        self.set(target);
        Ok(target)
    }
}

/// `2021-07-07T21:05:43.657Z`: the timestamp format of the Trust samples.
pub(crate) fn rfc3339_millis(unix_millis: i64) -> String {
    let millis = unix_millis.clamp(0, LATEST_UNIX_SECS * 1000 + 999);
    let secs = millis.div_euclid(1000);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let second_of_day = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60,
        millis.rem_euclid(1000)
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_trust_samples() {
        assert_eq!(
            rfc3339_millis(1_625_691_943_657),
            "2021-07-07T21:05:43.657Z"
        );
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339_millis(i64::MAX), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn set_and_advance_move_the_clock() {
        let mut clock = Clock::starting_at(Some(1_590_515_112));
        assert!((clock.now_secs() - 1_590_515_112).abs() <= 1);
        clock.advance(7200).unwrap();
        assert!((clock.now_secs() - 1_590_522_312).abs() <= 1);
        assert!(clock.advance(i64::MAX).is_err());
        assert!((clock.now_secs() - 1_590_522_312).abs() <= 1);
    }
}
