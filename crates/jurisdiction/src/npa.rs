//! North American area codes (NPA) and the state, territory or province each serves.
//!
//! Before georouting, 988 calls went to a crisis center by the caller's area code, wherever the
//! caller actually was. Crisisbridge keeps that rule around for comparison: reports count the
//! contacts georouting sent elsewhere. The table comes from libphonenumber's geocoding data
//! (`data/npa-regions.csv`, see `data/SOURCE.md`).

use std::collections::HashMap;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../data/npa-regions.csv");

static REGIONS: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    TABLE
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(','))
        .map(|(npa, region)| (npa.trim(), region.trim()))
        .collect()
});

/// The two-letter code (USPS state or territory, or Canadian province) of the region an area
/// code serves: `region_of("785") == Some("KS")`. `None` for non-geographic or unknown codes.
pub fn region_of(npa: &str) -> Option<&'static str> {
    REGIONS.get(npa).copied()
}

/// Every area code serving `region` (a two-letter code, any case), in ascending order.
pub fn area_codes_of(region: &str) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = REGIONS
        .iter()
        .filter(|(_, r)| r.eq_ignore_ascii_case(region))
        .map(|(npa, _)| *npa)
        .collect();
    codes.sort_unstable();
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_three_digits_and_a_two_letter_region() {
        let rows: Vec<&str> = TABLE.lines().skip(1).collect();
        assert!(rows.len() > 400, "{} rows", rows.len());
        for row in rows {
            let (npa, region) = row.split_once(',').unwrap_or_default();
            assert!(npa.len() == 3 && npa.bytes().all(|b| b.is_ascii_digit()), "{row:?}");
            assert!(npa.as_bytes().first().is_some_and(|d| (b'2'..=b'9').contains(d)), "{row:?}");
            assert!(region.len() == 2 && region.bytes().all(|b| b.is_ascii_uppercase()), "{row:?}");
        }
        assert_eq!(REGIONS.len(), TABLE.lines().count() - 1, "no area code is listed twice");
    }

    #[test]
    fn kansas_has_its_four_area_codes_and_others_are_where_they_belong() {
        assert_eq!(area_codes_of("KS"), ["316", "620", "785", "913"]);
        assert_eq!(area_codes_of("ks"), area_codes_of("KS"));
        assert_eq!(region_of("212"), Some("NY"));
        assert_eq!(region_of("787"), Some("PR"));
        assert_eq!(region_of("416"), Some("ON"));
        assert_eq!(region_of("800"), None, "toll-free is not geographic");
        assert_eq!(region_of("876"), None, "Jamaica is not a US or Canadian region");
    }
}
