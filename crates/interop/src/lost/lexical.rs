//! The lexical forms of the LoST grammar's datatypes that parsing and writing check.

/// RFC 5222's `appUniqueString`, the form of every `source` (a server's identity in
/// `<via>`, `<mapping>`, `<errors>`): `([a-zA-Z0-9\-]+\.)+[a-zA-Z0-9]+`, such as
/// `lost.crisisbridge.example.org`.
pub fn is_app_unique_string(s: &str) -> bool {
    let mut labels = s.split('.').peekable();
    let mut count = 0;
    while let Some(label) = labels.next() {
        count += 1;
        let last = labels.peek().is_none();
        let ok_char = |c: char| c.is_ascii_alphanumeric() || (!last && c == '-');
        if label.is_empty() || !label.chars().all(ok_char) {
            return false;
        }
    }
    count >= 2
}

/// RFC 5222's `serviceNumber`: the digits to dial, `[0-9*#]+` (e.g. `911`, `988`).
pub fn is_service_number(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '*' || c == '#')
}

/// XML `NMTOKEN`, the form of a location profile name — restricted to ASCII: every profile
/// in use is ASCII, and validators disagree on which other characters XML names allow
/// (libxml2 follows the older XML 1.0 tables), so only ASCII is sure to be read back.
pub fn is_nmtoken(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| is_name_char(c) || c == ':')
}

/// XML `NCName`, the local part of a QName such as a civic element name; ASCII only, like
/// [`is_nmtoken`].
pub fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(is_name_char)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
}

/// XML Schema `language` (a BCP 47 tag's shape): `[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`.
pub fn is_language(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// XML Schema `boolean`.
pub fn parse_boolean(s: &str) -> Option<bool> {
    match s.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Collapses runs of whitespace to one space and trims, as XML Schema `token` does, so a
/// message written to an attribute reads the same after any parser normalizes it.
pub fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks a requested service. It must be a URN; a `urn:service:` URN must follow RFC 5031
/// (`urn:service:top.sub`, labels of letters, digits and inner hyphens) and is returned
/// lower-cased, because service URNs compare case-insensitively. URNs of other namespaces
/// (NENA's `urn:nena:service:...`) pass unchanged: whether one is served is the server's
/// answer (`serviceNotImplemented`), not a malformed request.
pub fn parse_service_urn(s: &str) -> Result<String, String> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    if let Some(service) = lower.strip_prefix("urn:service:") {
        let labels_ok = service.split('.').all(|label| {
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
        return if labels_ok {
            Ok(lower)
        } else {
            Err(format!(
                "service {s:?} is not a valid service URN; RFC 5031 service URNs look like urn:service:sos.police"
            ))
        };
    }
    // RFC 8141: "urn:" NID ":" NSS, the NID being 2 to 32 letters, digits or hyphens.
    let mut parts = lower.splitn(3, ':');
    let is_urn = parts.next() == Some("urn")
        && parts.next().is_some_and(|nid| {
            (2..=32).contains(&nid.len())
                && nid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && parts.next().is_some_and(|nss| !nss.is_empty() && !nss.chars().any(char::is_whitespace));
    if is_urn {
        Ok(s.to_owned())
    } else {
        Err(format!("service {s:?} is not a URN; send a service URN such as urn:service:sos"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_unique_strings() {
        assert!(is_app_unique_string("lost.example.com"));
        assert!(is_app_unique_string("ecrf-lvf.example.com"));
        assert!(is_app_unique_string("a.b"));
        assert!(!is_app_unique_string("localhost"));
        assert!(!is_app_unique_string("a..b"));
        assert!(!is_app_unique_string("a.b-"));
        assert!(!is_app_unique_string("a b.c"));
        assert!(!is_app_unique_string(""));
    }

    #[test]
    fn service_urns() {
        assert_eq!(
            parse_service_urn(" URN:Service:SOS.Police ").unwrap(),
            "urn:service:sos.police"
        );
        assert_eq!(
            parse_service_urn("urn:service:counseling.mental-health").unwrap(),
            "urn:service:counseling.mental-health"
        );
        assert_eq!(
            parse_service_urn("urn:nena:service:sos.psap").unwrap(),
            "urn:nena:service:sos.psap"
        );
        assert_eq!(
            parse_service_urn("urn:service:sos..police").unwrap_err(),
            "service \"urn:service:sos..police\" is not a valid service URN; RFC 5031 service URNs look like urn:service:sos.police"
        );
        assert!(parse_service_urn("urn:service:").is_err());
        assert!(parse_service_urn("urn:service:-sos").is_err());
        assert_eq!(
            parse_service_urn("police").unwrap_err(),
            "service \"police\" is not a URN; send a service URN such as urn:service:sos"
        );
        assert!(parse_service_urn("http://example.com/x").is_err());
    }

    #[test]
    fn small_datatypes() {
        assert!(
            is_service_number("911") && is_service_number("*#1") && !is_service_number("9-1-1")
        );
        assert!(!is_service_number(""));
        assert!(is_nmtoken("geodetic-2d") && !is_nmtoken("a b") && !is_nmtoken(""));
        assert!(is_ncname("A1") && is_ncname("country") && !is_ncname("1A") && !is_ncname("a:b"));
        assert!(
            is_language("en") && is_language("en-US") && !is_language("") && !is_language("e n")
        );
        assert_eq!(parse_boolean(" 1 "), Some(true));
        assert_eq!(parse_boolean("TRUE"), None);
        assert_eq!(collapse_whitespace(" a \n b\t"), "a b");
    }
}
