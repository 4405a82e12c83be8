//! How to reach the person back, and the free text people type about them.

use std::fmt;

/// A phone number to call the person back on, normalised to E.164 (`+17855550100`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CallbackNumber(String);

/// Why a string is not a callback number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "callback number {0:?} is not a phone number: give 10 digits (e.g. 785-555-0100) \
     or + and 8 to 15 digits (E.164, e.g. +17855550100)"
)]
pub struct CallbackNumberError(String);

impl CallbackNumber {
    /// Accepts the usual ways people write numbers: spaces, dashes, dots and parentheses are
    /// ignored. Ten digits are a North American number and get `+1`.
    pub fn parse(input: &str) -> Result<Self, CallbackNumberError> {
        let err = || CallbackNumberError(input.to_owned());
        let trimmed = input.trim();
        let (plus, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(err()),
            }
        }
        let e164 = match (plus, digits.len()) {
            (true, 8..=15) if !digits.starts_with('0') => format!("+{digits}"),
            (false, 10) if nanp_area_code_ok(&digits) => format!("+1{digits}"),
            (false, 11)
                if digits.starts_with('1') && digits.get(1..).is_some_and(nanp_area_code_ok) =>
            {
                format!("+{digits}")
            }
            _ => return Err(err()),
        };
        Ok(Self(e164))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The North American area code (NPA), for numbers in +1; what 988 routed by before
    /// georouting.
    pub fn area_code(&self) -> Option<&str> {
        self.0.strip_prefix("+1").and_then(|n| n.get(..3))
    }
}

/// NANP area codes start with 2 to 9.
fn nanp_area_code_ok(ten_digits: &str) -> bool {
    !matches!(ten_digits.as_bytes().first(), Some(b'0' | b'1') | None)
}

impl fmt::Debug for CallbackNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CallbackNumber({})", self.0)
    }
}

/// Free text of bounded length with no control characters but newline and tab, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text(String);

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("is {len} characters long; at most {max} are allowed")]
    TooLong { len: usize, max: usize },
    #[error("contains a control character (U+{0:04X}); only newlines and tabs are allowed")]
    ControlCharacter(u32),
    #[error("is empty; write at least one character")]
    Empty,
}

impl Text {
    /// A summary of what the caller said.
    pub const SUMMARY_MAX: usize = 4000;
    /// A reason, note title or disposition remark.
    pub const SHORT_MAX: usize = 500;

    /// Trims surrounding whitespace, then checks length (in characters) and content.
    pub fn parse(input: &str, max: usize) -> Result<Self, TextError> {
        let trimmed = input.trim();
        if let Some(c) = trimmed.chars().find(|c| c.is_control() && *c != '\n' && *c != '\t') {
            return Err(TextError::ControlCharacter(u32::from(c)));
        }
        let len = trimmed.chars().count();
        if len > max {
            return Err(TextError::TooLong { len, max });
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// Like [`Text::parse`], and refuses text that is empty after trimming.
    pub fn parse_non_empty(input: &str, max: usize) -> Result<Self, TextError> {
        let text = Self::parse(input, max)?;
        if text.0.is_empty() { Err(TextError::Empty) } else { Ok(text) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How old the person in crisis is, as the caller can say it: the bands the 911 diversion
/// protocol asks about, with older adults apart (they are counted apart in reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgeBand {
    /// Under 12.
    Child,
    /// 12 to 17.
    Adolescent,
    /// 18 to 64.
    Adult,
    /// 65 or older.
    OlderAdult,
}

impl AgeBand {
    pub const ALL: [Self; 4] = [Self::Child, Self::Adolescent, Self::Adult, Self::OlderAdult];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Child => "child",
            Self::Adolescent => "adolescent",
            Self::Adult => "adult",
            Self::OlderAdult => "older_adult",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// Who the person in crisis is, as far as responders need to know before they arrive: the
/// language they speak (as said — "Spanish", "ASL" —, at most [`ContactDetails::LANGUAGE_MAX`]
/// characters; empty when not said), whether an interpreter is needed, and their age band.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactDetails {
    pub language: Text,
    pub interpreter: bool,
    pub age_band: Option<AgeBand>,
}

impl ContactDetails {
    pub const LANGUAGE_MAX: usize = 40;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_numbers_normalise_to_e164() {
        for (input, want) in [
            ("785-555-0100", "+17855550100"),
            ("(785) 555 0100", "+17855550100"),
            ("1.785.555.0100", "+17855550100"),
            ("+44 20 7946 0958", "+442079460958"),
        ] {
            assert_eq!(CallbackNumber::parse(input).unwrap().as_str(), want, "{input}");
        }
        assert_eq!(CallbackNumber::parse("7855550100").unwrap().area_code(), Some("785"));
        assert_eq!(CallbackNumber::parse("+442079460958").unwrap().area_code(), None);
    }

    #[test]
    fn callback_numbers_reject_what_cannot_be_dialled() {
        for bad in
            ["", "911", "555-0100", "085-555-0100", "785-555-01000", "+0123456789", "785x5550100"]
        {
            let err = CallbackNumber::parse(bad).unwrap_err().to_string();
            assert!(err.contains("is not a phone number"), "{bad}: {err}");
        }
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(Text::parse("  hi \n", 10).unwrap().as_str(), "hi");
        assert_eq!(Text::parse("abcdef", 5).unwrap_err(), TextError::TooLong { len: 6, max: 5 });
        assert_eq!(Text::parse("a\u{0}b", 5).unwrap_err(), TextError::ControlCharacter(0));
        assert_eq!(Text::parse_non_empty("   ", 5).unwrap_err(), TextError::Empty);
        assert!(Text::parse("line one\nline\ttwo", 50).is_ok());
    }
}
