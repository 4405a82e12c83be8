//! Street names as people type them: "West 23rd Street", "w 23rd st" and "W. 23rd St." are
//! one name. [`normalize`] lower-cases, drops punctuation, and writes the usual USPS
//! abbreviations (Publication 28) of directions and street types, and "First" … "Tenth" as
//! ordinals in figures.

/// Words written the short way: directions and street types (USPS Publication 28, appendix
/// C1) and spelled-out ordinals.
const SHORT: [(&str, &str); 44] = [
    ("north", "n"),
    ("south", "s"),
    ("east", "e"),
    ("west", "w"),
    ("northeast", "ne"),
    ("northwest", "nw"),
    ("southeast", "se"),
    ("southwest", "sw"),
    ("street", "st"),
    ("str", "st"),
    ("avenue", "ave"),
    ("av", "ave"),
    ("avn", "ave"),
    ("road", "rd"),
    ("boulevard", "blvd"),
    ("drive", "dr"),
    ("place", "pl"),
    ("lane", "ln"),
    ("court", "ct"),
    ("terrace", "ter"),
    ("parkway", "pkwy"),
    ("highway", "hwy"),
    ("expressway", "expy"),
    ("freeway", "fwy"),
    ("circle", "cir"),
    ("square", "sq"),
    ("plaza", "plz"),
    ("trail", "trl"),
    ("turnpike", "tpke"),
    ("way", "way"),
    ("alley", "aly"),
    ("bridge", "brg"),
    ("tunnel", "tunl"),
    ("first", "1st"),
    ("second", "2nd"),
    ("third", "3rd"),
    ("fourth", "4th"),
    ("fifth", "5th"),
    ("sixth", "6th"),
    ("seventh", "7th"),
    ("eighth", "8th"),
    ("ninth", "9th"),
    ("tenth", "10th"),
    ("saint", "st"),
];

/// The form names are compared in (see the module docs).
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
    {
        let lower = word.to_lowercase().replace('\'', "");
        let short =
            SHORT.iter().find(|(long, _)| *long == lower).map_or(lower.as_str(), |(_, s)| s);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(short);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn spellings_of_one_name_meet() {
        assert_eq!(normalize("West 23rd Street"), "w 23rd st");
        assert_eq!(normalize("W. 23rd St."), "w 23rd st");
        assert_eq!(normalize("  w 23RD  st "), "w 23rd st");
        assert_eq!(normalize("Fifth Avenue"), "5th ave");
        assert_eq!(normalize("St. Mark's Place"), "st marks pl");
        assert_eq!(normalize("Frederick Douglass Blvd"), "frederick douglass blvd");
        assert_eq!(normalize("---"), "");
    }
}
