//! The time zone a report is read in: an agency's (`America/Chicago`), so that "from
//! 2026-11-01" starts at the county's midnight and 20:00 is the evening there. The IANA database
//! is bundled, so every machine answers the same.

use std::sync::atomic::{AtomicU64, Ordering};

use domain::Timestamp;
use jiff::tz::TimeZone;

/// Since 2012 (after St John's last transition at 00:01), every zone's offset is a multiple of
/// 15 minutes and changes at a whole local hour, so at a whole quarter hour of UTC: within one
/// quarter hour the offset found for one instant holds for all. Earlier times are looked up
/// every time.
const QUARTER_HOUR_MS: i64 = 900_000;
/// 2012-01-01T00:00:00Z.
const MEMO_FROM_MS: i64 = 1_325_376_000_000;

/// A named IANA time zone, or UTC.
#[derive(Debug)]
pub struct Zone {
    name: String,
    tz: TimeZone,
    /// The last quarter hour looked up (plus one; 0 is empty) and its offset in seconds, packed:
    /// a report reads incidents in time order, so most look-ups repeat the one before.
    memo: AtomicU64,
}

impl Clone for Zone {
    fn clone(&self) -> Self {
        Self { name: self.name.clone(), tz: self.tz.clone(), memo: AtomicU64::new(0) }
    }
}

/// A name that is not an IANA time zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IANA time zone name such as America/Chicago or UTC")]
pub struct ZoneError(pub String);

impl Default for Zone {
    fn default() -> Self {
        Self::utc()
    }
}

impl Zone {
    pub fn utc() -> Self {
        Self { name: "UTC".into(), tz: TimeZone::UTC, memo: AtomicU64::new(0) }
    }

    /// The zone named `name` (`America/Chicago`).
    pub fn named(name: &str) -> Result<Self, ZoneError> {
        if name == "UTC" {
            return Ok(Self::utc());
        }
        let tz = jiff::tz::db().get(name).map_err(|_| ZoneError(name.to_owned()))?;
        Ok(Self { name: name.to_owned(), tz, memo: AtomicU64::new(0) })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The local wall-clock time at `at`, as epoch milliseconds shifted by the zone's offset
    /// then: day and hour arithmetic on it gives local days and hours.
    fn local_ms(&self, at: Timestamp) -> i64 {
        at.as_millis() + self.offset_s(at) * 1000
    }

    /// The zone's offset from UTC at `at`, in seconds.
    fn offset_s(&self, at: Timestamp) -> i64 {
        let lookup = || {
            jiff::Timestamp::from_millisecond(at.as_millis())
                .map_or(0, |t| self.tz.to_offset(t).seconds())
        };
        // Quarter hours since 1970, plus one (0 is the empty memo); earlier times are looked up.
        let key = match u32::try_from(at.as_millis().div_euclid(QUARTER_HOUR_MS) + 1) {
            Ok(key) if key != 0 && at.as_millis() >= MEMO_FROM_MS => key,
            _ => return i64::from(lookup()),
        };
        let memo = self.memo.load(Ordering::Relaxed);
        if (memo >> 32) as u32 == key {
            return i64::from(memo as u32 as i32);
        }
        let offset = lookup();
        self.memo.store((u64::from(key) << 32) | u64::from(offset as u32), Ordering::Relaxed);
        i64::from(offset)
    }

    /// The local day `at` falls on, as days since 1970-01-01.
    pub fn day_number(&self, at: Timestamp) -> i64 {
        self.local_ms(at).div_euclid(86_400_000)
    }

    /// The local hour of day, 0–23.
    pub fn hour(&self, at: Timestamp) -> i64 {
        self.local_ms(at).div_euclid(3_600_000).rem_euclid(24)
    }

    /// The local day of the week: 0 for Thursday (1970-01-01 was one) to 6 for Wednesday.
    pub fn weekday_from_thursday(&self, at: Timestamp) -> i64 {
        self.day_number(at).rem_euclid(7)
    }

    /// `YYYY-MM-DD` of the local day `at` falls on.
    pub fn day(&self, at: Timestamp) -> String {
        crate::window::format_day(Timestamp::from_millis(self.day_number(at) * 86_400_000))
    }

    /// `YYYY-MM-DD HH:MM` of the local wall-clock time at `at`.
    pub fn minute(&self, at: Timestamp) -> String {
        let minutes = self.local_ms(at).div_euclid(60_000);
        format!(
            "{} {:02}:{:02}",
            self.day(at),
            minutes.div_euclid(60).rem_euclid(24),
            minutes.rem_euclid(60)
        )
    }

    /// The instant local midnight of `day` (days since 1970-01-01) begins: where a transition
    /// repeats midnight, the first one; where it skips midnight, the first instant after.
    pub fn midnight(&self, day: i64) -> Timestamp {
        let utc_midnight = day * 86_400_000;
        let start = jiff::Timestamp::from_millisecond(utc_midnight)
            .ok()
            .map(|t| t.to_zoned(TimeZone::UTC).datetime())
            .and_then(|dt| self.tz.to_ambiguous_zoned(dt).compatible().ok())
            .map_or(utc_midnight, |z| z.timestamp().as_millisecond());
        Timestamp::from_millis(start)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn chicago_days_and_hours_follow_daylight_saving_time() {
        let chicago = Zone::named("America/Chicago").unwrap();
        // 2026-11-02 00:00 CST is 06:00 UTC (daylight saving time ended 2026-11-01).
        let nov2 = crate::parse_day("2026-11-02").unwrap().as_millis() / 86_400_000;
        assert_eq!(chicago.midnight(nov2).as_millis(), 1_793_577_600_000 + 6 * 3_600_000);
        // 2026-07-01 00:00 CDT is 05:00 UTC.
        let jul1 = crate::parse_day("2026-07-01").unwrap().as_millis() / 86_400_000;
        let midnight = chicago.midnight(jul1);
        assert_eq!(
            midnight.as_millis(),
            crate::parse_day("2026-07-01").unwrap().as_millis() + 5 * 3_600_000
        );
        assert_eq!(chicago.hour(midnight), 0);
        assert_eq!(chicago.day(midnight), "2026-07-01");
        // A minute before: 23:00 the day before.
        let before = midnight.plus_millis(-60_000);
        assert_eq!((chicago.hour(before), chicago.day(before)), (23, "2026-06-30".to_owned()));
        // Asked again and out of order, the memo never answers for the wrong quarter hour.
        for at in [before, midnight, before, midnight.plus_millis(3_600_000), before] {
            let fresh = Zone::named("America/Chicago").unwrap();
            assert_eq!(chicago.hour(at), fresh.hour(at));
        }
        // Across the end of daylight saving time (2026-11-01 07:00 UTC): 01:59 CDT, then 01:00 CST.
        let end = crate::parse_day("2026-11-01").unwrap().plus_millis(7 * 3_600_000);
        assert_eq!(chicago.hour(end.plus_millis(-60_000)), 1);
        assert_eq!(chicago.hour(end), 1);
        assert_eq!(chicago.hour(end.plus_millis(-2 * 3_600_000)), 0);
        assert_eq!(chicago.hour(end.plus_millis(3_600_000)), 2);
        // Where midnight happens twice (Havana's daylight saving time ends at 01:00, back to
        // 00:00), the day starts at the first: 04:00 UTC, not 05:00.
        let havana = Zone::named("America/Havana").unwrap();
        let nov1 = crate::parse_day("2026-11-01").unwrap();
        assert_eq!(havana.midnight(nov1.as_millis() / 86_400_000), nov1.plus_millis(4 * 3_600_000));
        // UTC is itself.
        assert_eq!(Zone::utc().hour(Timestamp::from_millis(3_600_000 * 5)), 5);
        assert_eq!(Zone::named("UTC").unwrap().name(), "UTC");
    }

    #[test]
    fn unknown_names_are_refused_with_an_example() {
        let err = Zone::named("Kansas/Lawrence").unwrap_err().to_string();
        assert!(err.contains("America/Chicago"), "{err}");
        assert!(Zone::named("").is_err());
    }
}
