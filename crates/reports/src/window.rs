//! Which incidents a report counts, and the days a period is given in.

use domain::{Channel, Timestamp};

/// Which incidents count.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    /// Opened on or after this time.
    pub from: Option<Timestamp>,
    /// Opened before this time.
    pub to: Option<Timestamp>,
    /// Of this channel.
    pub channel: Option<Channel>,
}

impl Window {
    /// Whether an incident opened at `at` on `channel` counts.
    pub fn counts(&self, at: Timestamp, channel: Channel) -> bool {
        self.from.is_none_or(|f| at >= f)
            && self.to.is_none_or(|t| at < t)
            && self.channel.is_none_or(|c| c == channel)
    }

    /// The period in words, for a report's heading: `from 2026-11-01 to before 2026-12-01
    /// (America/Chicago)`, with the channel when one is chosen.
    pub fn describe(&self, zone: &crate::Zone) -> String {
        let from = self
            .from
            .map_or_else(|| "from the start".to_owned(), |f| format!("from {}", zone.day(f)));
        let to =
            self.to.map_or_else(|| "to now".to_owned(), |t| format!("to before {}", zone.day(t)));
        let channel = self.channel.map_or_else(String::new, |c| format!(", {} only", c.as_str()));
        format!("{from} {to} ({}){channel}", zone.name())
    }

    /// The phone system's call steps a report of this window reads: from its start to a day
    /// after its end, so a call that arrived just before the end is read with its end.
    pub fn call_steps(&self) -> (Timestamp, Timestamp) {
        const DAY_MS: i64 = 86_400_000;
        (
            self.from.unwrap_or(Timestamp::from_millis(i64::MIN)),
            self.to.map_or(Timestamp::from_millis(i64::MAX), |t| t.plus_millis(DAY_MS)),
        )
    }
}

/// A day that is not a calendar day from 1970 to 9999 written `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a day like 2026-12-01")]
pub struct DayError(pub String);

/// `YYYY-MM-DD` as the midnight it starts at in `zone`.
pub fn parse_day_in(day: &str, zone: &crate::Zone) -> Result<Timestamp, DayError> {
    Ok(zone.midnight(parse_day(day)?.as_millis().div_euclid(86_400_000)))
}

/// `YYYY-MM-DD` as the UTC midnight it starts at.
pub fn parse_day(day: &str) -> Result<Timestamp, DayError> {
    let bad = || DayError(day.to_owned());
    let parts: Vec<&str> = day.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i64>(), m.parse::<i64>(), d.parse::<i64>()) else {
        return Err(bad());
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let valid_month = (1..=12).contains(&m);
    let max_day =
        usize::try_from(m - 1).ok().and_then(|i| days_in_month.get(i)).copied().unwrap_or(0);
    if !(1970..=9999).contains(&y) || !valid_month || !(1..=max_day).contains(&d) {
        return Err(bad());
    }
    // Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(Timestamp::from_millis(days * 86_400_000))
}

/// The UTC day `at` falls on, as `YYYY-MM-DD` (Howard Hinnant's civil_from_days).
pub fn format_day(at: Timestamp) -> String {
    let z = at.as_millis().div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn days_format_back_to_what_they_parse_from() {
        for day in ["1970-01-01", "2024-02-29", "2026-12-05", "2000-03-01", "2100-12-31"] {
            assert_eq!(format_day(parse_day(day).unwrap()), day);
            assert_eq!(format_day(parse_day(day).unwrap().plus_millis(86_399_999)), day);
        }
    }

    #[test]
    fn days_are_utc_midnights() {
        assert_eq!(parse_day("1970-01-01").unwrap().as_millis(), 0);
        assert_eq!(parse_day("2026-12-01").unwrap().as_millis(), 1_796_083_200_000);
        assert_eq!(parse_day("2024-02-29").unwrap().as_millis(), 1_709_164_800_000);
        for bad in ["2025-02-29", "2026-13-01", "2026-12", "yesterday", "1969-12-31"] {
            assert_eq!(parse_day(bad), Err(DayError(bad.to_owned())), "{bad}");
        }
    }

    #[test]
    fn a_window_counts_from_inclusive_to_exclusive_and_one_channel() {
        let t = Timestamp::from_millis;
        let w = Window { from: Some(t(10)), to: Some(t(20)), channel: Some(Channel::Nine88) };
        assert!(w.counts(t(10), Channel::Nine88));
        assert!(!w.counts(t(20), Channel::Nine88));
        assert!(!w.counts(t(9), Channel::Nine88));
        assert!(!w.counts(t(15), Channel::Nine11));
        assert!(Window::default().counts(t(0), Channel::Other));
    }
}
