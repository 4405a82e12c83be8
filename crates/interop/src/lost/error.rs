//! LoST errors and warnings (RFC 5222 §13): the crate's error type for requests, and the
//! `<errors>` / `<warnings>` elements that carry them.

use std::fmt;

use super::lexical::{collapse_whitespace, is_nmtoken};
use crate::ns;
use crate::xml::XmlWriter;

/// The kinds of LoST exception. Each is written as the element of the same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    InternalError,
    ServiceSubstitution,
    DefaultMappingReturned,
    Forbidden,
    NotFound,
    Loop,
    ServiceNotImplemented,
    ServerTimeout,
    ServerError,
    LocationInvalid,
    /// The profiles of the request's locations, none of which this server understands.
    LocationProfileUnrecognized {
        unsupported_profiles: Vec<String>,
    },
}

impl ErrorKind {
    /// The element name, e.g. `badRequest`: stable, and bounded, so fit for a metric label.
    pub const fn element_name(&self) -> &'static str {
        match self {
            Self::BadRequest => "badRequest",
            Self::InternalError => "internalError",
            Self::ServiceSubstitution => "serviceSubstitution",
            Self::DefaultMappingReturned => "defaultMappingReturned",
            Self::Forbidden => "forbidden",
            Self::NotFound => "notFound",
            Self::Loop => "loop",
            Self::ServiceNotImplemented => "serviceNotImplemented",
            Self::ServerTimeout => "serverTimeout",
            Self::ServerError => "serverError",
            Self::LocationInvalid => "locationInvalid",
            Self::LocationProfileUnrecognized { .. } => "locationProfileUnrecognized",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.element_name())
    }
}

/// One LoST exception: what `parse_request` returns when it refuses a request, and what a
/// server puts in `<errors>` or `<warnings>`. The message is for people (written with
/// `xml:lang="en"`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct LostError {
    pub kind: ErrorKind,
    pub message: String,
}

impl LostError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }

    pub fn location_invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::LocationInvalid, message)
    }
}

pub type Result<T, E = LostError> = std::result::Result<T, E>;

/// An `<errors source=…>` document: the whole answer to a request that failed. `source` is
/// this server's `appUniqueString`.
///
/// The grammar allows each kind at most once per container, so exceptions of the same kind
/// are merged: their messages joined with "; ", their unsupported profiles united.
pub fn write_errors(source: &str, errors: &[LostError]) -> String {
    let mut w = XmlWriter::document();
    write_container(&mut w, "errors", source, errors, true);
    w.finish()
}

/// Writes an `<errors>` or `<warnings>` element.
pub(crate) fn write_container(
    w: &mut XmlWriter,
    element: &str,
    source: &str,
    list: &[LostError],
    root: bool,
) {
    let mut attributes = vec![("source", source)];
    if root {
        attributes.insert(0, ("xmlns", ns::LOST));
    }
    w.start(element, &attributes);
    for (kind, message, profiles) in merged(list) {
        let mut attributes: Vec<(&str, &str)> = Vec::new();
        let profiles = profiles.map(|p| {
            let valid: Vec<&str> = p.iter().map(String::as_str).filter(|p| is_nmtoken(p)).collect();
            // The attribute is required and may not be empty; a request whose locations
            // had no profile at all is still told that none was understood.
            if valid.is_empty() { "unknown".to_owned() } else { valid.join(" ") }
        });
        if let Some(profiles) = &profiles {
            attributes.push(("unsupportedProfiles", profiles));
        }
        if !message.is_empty() {
            attributes.push(("message", &message));
            attributes.push(("xml:lang", "en"));
        }
        w.empty(kind.element_name(), &attributes);
    }
    w.end();
}

/// One entry per kind, in order of first appearance.
fn merged(list: &[LostError]) -> Vec<(&ErrorKind, String, Option<Vec<String>>)> {
    let mut out: Vec<(&ErrorKind, String, Option<Vec<String>>)> = Vec::new();
    for error in list {
        let message = collapse_whitespace(&error.message);
        let profiles = match &error.kind {
            ErrorKind::LocationProfileUnrecognized { unsupported_profiles } => {
                Some(unsupported_profiles.clone())
            }
            _ => None,
        };
        let same = |(k, _, _): &&mut (&ErrorKind, String, Option<Vec<String>>)| {
            k.element_name() == error.kind.element_name()
        };
        match out.iter_mut().find(same) {
            Some((_, existing, existing_profiles)) => {
                if !message.is_empty() {
                    if !existing.is_empty() {
                        existing.push_str("; ");
                    }
                    existing.push_str(&message);
                }
                if let (Some(existing), Some(more)) = (existing_profiles, profiles) {
                    for p in more {
                        if !existing.contains(&p) {
                            existing.push(p);
                        }
                    }
                }
            }
            None => out.push((&error.kind, message, profiles)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_kind_then_the_message() {
        let e = LostError::bad_request("the root element <x> is not a LoST request");
        assert_eq!(e.to_string(), "badRequest: the root element <x> is not a LoST request");
    }

    #[test]
    fn same_kinds_merge_because_the_grammar_allows_each_once() {
        let errors = [
            LostError::new(ErrorKind::NotFound, "no mapping"),
            LostError::new(
                ErrorKind::LocationProfileUnrecognized { unsupported_profiles: vec!["x".into()] },
                "",
            ),
            LostError::new(ErrorKind::NotFound, "  for\nthat service "),
            LostError::new(
                ErrorKind::LocationProfileUnrecognized {
                    unsupported_profiles: vec!["y".into(), "x".into(), "not valid".into()],
                },
                "none understood",
            ),
        ];
        assert_eq!(
            write_errors("lost.example.org", &errors),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <errors xmlns=\"urn:ietf:params:xml:ns:lost1\" source=\"lost.example.org\">\n  \
             <notFound message=\"no mapping; for that service\" xml:lang=\"en\"/>\n  \
             <locationProfileUnrecognized unsupportedProfiles=\"x y\" message=\"none understood\" xml:lang=\"en\"/>\n\
             </errors>\n"
        );
    }
}
