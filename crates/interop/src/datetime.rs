//! Date-times on the wire: UTC epoch milliseconds to and from text.
//!
//! Writing is always in UTC (`Z`), which both XML Schema's `xs:dateTime` (LoST's `expires`
//! and `lastUpdated`) and RFC 3339 (EIDO) accept, so it is the civil-from-days algorithm
//! (Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms") rather than a date crate.
//! Reading takes whatever offset and precision a peer sends, which is where a well-tested
//! crate (`time`) earns its place.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `2026-12-01T19:52:56Z`, with `.mmm` added when the milliseconds are not zero. Years
/// outside 0000–9999 are written with more digits or a minus sign, which XML Schema 1.1
/// accepts; no real mapping time is there.
pub fn format_datetime(epoch_ms: i64) -> String {
    let seconds = epoch_ms.div_euclid(1000);
    let millis = epoch_ms.rem_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (of_day / 3600, of_day % 3600 / 60, of_day % 60);
    let year = if year < 0 { format!("-{:04}", -year) } else { format!("{year:04}") };
    let fraction = if millis == 0 { String::new() } else { format!(".{millis:03}") };
    format!("{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}Z")
}

/// The instant an RFC 3339 date-time (`2021-04-30T14:42:00.0-04:00`, any offset, any
/// fraction) names, in UTC epoch milliseconds, sub-millisecond digits dropped (rounded down).
/// `None` for anything else: no offset, a space for the `T`, a date alone, out-of-range
/// fields.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let instant = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(instant.unix_timestamp_nanos().div_euclid(1_000_000)).ok()
}

/// (year, month 1–12, day 1–31) of the day `days` after 1970-01-01, proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_instants() {
        assert_eq!(format_datetime(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_datetime(1_796_154_776_000), "2026-12-01T19:52:56Z");
        assert_eq!(format_datetime(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(format_datetime(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_datetime(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }

    /// Days from 1970-01-01 counted the slow, obvious way, as the reference.
    fn reference_days(year: i64, month: i64, day: i64) -> i64 {
        let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let month_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let mut days = 0;
        for y in 1970..year {
            days += if leap(y) { 366 } else { 365 };
        }
        for m in 1..month {
            days += month_days[(m - 1) as usize] + i64::from(m == 2 && leap(year));
        }
        days + day - 1
    }

    #[test]
    fn parses_offsets_and_fractions() {
        assert_eq!(parse_rfc3339("2021-04-30T14:42:00.0-04:00"), Some(1_619_808_120_000));
        assert_eq!(parse_rfc3339("2021-04-30T18:42:00Z"), Some(1_619_808_120_000));
        assert_eq!(parse_rfc3339("2021-04-30T18:42:00.4399Z"), Some(1_619_808_120_439));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59.9995Z"), Some(-1));
        for bad in ["2021-04-30T14:42:00", "2021-04-30", "2021-02-30T00:00:00Z", "", "now"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn what_is_written_reads_back(ms in -62_135_596_800_000i64..253_402_300_799_999) {
            prop_assert_eq!(parse_rfc3339(&format_datetime(ms)), Some(ms));
        }

        #[test]
        fn agrees_with_counting_days(ms in 0i64..7_258_118_400_000) {
            let text = format_datetime(ms);
            let year: i64 = text[0..4].parse().unwrap();
            let month: i64 = text[5..7].parse().unwrap();
            let day: i64 = text[8..10].parse().unwrap();
            let h: i64 = text[11..13].parse().unwrap();
            let m: i64 = text[14..16].parse().unwrap();
            let s: i64 = text[17..19].parse().unwrap();
            let seconds = reference_days(year, month, day) * 86_400 + h * 3600 + m * 60 + s;
            prop_assert_eq!(seconds, ms.div_euclid(1000));
        }
    }
}
