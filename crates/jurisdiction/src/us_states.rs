//! US states and territories: FIPS code, USPS code and name — so a civic address that names a
//! state ("KS", "Kansas") finds areas whose codes are county FIPS codes (`20045`).

/// One state or territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsState {
    /// Two-digit FIPS code, the first two digits of its counties' five-digit codes.
    pub fips: &'static str,
    /// USPS two-letter code.
    pub usps: &'static str,
    pub name: &'static str,
}

const fn state(fips: &'static str, usps: &'static str, name: &'static str) -> UsState {
    UsState { fips, usps, name }
}

/// The 50 states, the District of Columbia and the five inhabited territories: the 56 "states"
/// of the Census cartographic boundary files.
pub const US_STATES: [UsState; 56] = [
    state("01", "AL", "Alabama"),
    state("02", "AK", "Alaska"),
    state("04", "AZ", "Arizona"),
    state("05", "AR", "Arkansas"),
    state("06", "CA", "California"),
    state("08", "CO", "Colorado"),
    state("09", "CT", "Connecticut"),
    state("10", "DE", "Delaware"),
    state("11", "DC", "District of Columbia"),
    state("12", "FL", "Florida"),
    state("13", "GA", "Georgia"),
    state("15", "HI", "Hawaii"),
    state("16", "ID", "Idaho"),
    state("17", "IL", "Illinois"),
    state("18", "IN", "Indiana"),
    state("19", "IA", "Iowa"),
    state("20", "KS", "Kansas"),
    state("21", "KY", "Kentucky"),
    state("22", "LA", "Louisiana"),
    state("23", "ME", "Maine"),
    state("24", "MD", "Maryland"),
    state("25", "MA", "Massachusetts"),
    state("26", "MI", "Michigan"),
    state("27", "MN", "Minnesota"),
    state("28", "MS", "Mississippi"),
    state("29", "MO", "Missouri"),
    state("30", "MT", "Montana"),
    state("31", "NE", "Nebraska"),
    state("32", "NV", "Nevada"),
    state("33", "NH", "New Hampshire"),
    state("34", "NJ", "New Jersey"),
    state("35", "NM", "New Mexico"),
    state("36", "NY", "New York"),
    state("37", "NC", "North Carolina"),
    state("38", "ND", "North Dakota"),
    state("39", "OH", "Ohio"),
    state("40", "OK", "Oklahoma"),
    state("41", "OR", "Oregon"),
    state("42", "PA", "Pennsylvania"),
    state("44", "RI", "Rhode Island"),
    state("45", "SC", "South Carolina"),
    state("46", "SD", "South Dakota"),
    state("47", "TN", "Tennessee"),
    state("48", "TX", "Texas"),
    state("49", "UT", "Utah"),
    state("50", "VT", "Vermont"),
    state("51", "VA", "Virginia"),
    state("53", "WA", "Washington"),
    state("54", "WV", "West Virginia"),
    state("55", "WI", "Wisconsin"),
    state("56", "WY", "Wyoming"),
    state("60", "AS", "American Samoa"),
    state("66", "GU", "Guam"),
    state("69", "MP", "Commonwealth of the Northern Mariana Islands"),
    state("72", "PR", "Puerto Rico"),
    state("78", "VI", "United States Virgin Islands"),
];

/// The state a civic address names, by USPS code or name, ignoring case and surrounding
/// space: `find("ks")`, `find("Kansas")`.
pub fn find(name_or_code: &str) -> Option<&'static UsState> {
    let wanted = name_or_code.trim();
    US_STATES
        .iter()
        .find(|s| s.usps.eq_ignore_ascii_case(wanted) || s.name.eq_ignore_ascii_case(wanted))
}

/// The state with this two-digit FIPS code.
pub fn by_fips(fips: &str) -> Option<&'static UsState> {
    US_STATES.iter().find(|s| s.fips == fips)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_found_by_code_or_name_in_any_case() {
        assert_eq!(find("KS").map(|s| s.fips), Some("20"));
        assert_eq!(find(" kansas ").map(|s| s.usps), Some("KS"));
        assert_eq!(by_fips("72").map(|s| s.name), Some("Puerto Rico"));
        assert_eq!(find("Bavaria"), None);
    }

    #[test]
    fn codes_and_names_are_unique() {
        for (i, a) in US_STATES.iter().enumerate() {
            for b in US_STATES.iter().skip(i + 1) {
                assert!(a.fips != b.fips && a.usps != b.usps && a.name != b.name, "{a:?} {b:?}");
            }
        }
    }
}
