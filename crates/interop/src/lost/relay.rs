//! What a LoST server needs to work with other servers (RFC 5222 §4.4, §5.4, §8.4): a
//! request passed on with its path grown by one `<via>`, a `<redirect>` naming the server to
//! ask instead, and a peer's answer checked before it is relayed.

use super::error::{LostError, Result};
use super::lexical::{collapse_whitespace, is_app_unique_string};
use crate::ns;
use crate::xml::{self, Attribute, Element, Limits, Node, XmlWriter};

/// The request `xml` as this server passes it on: the same document with its `<path>` holding
/// `path` in order (the vias it arrived with, then this server's source). Everything else —
/// every location, the service, extensions — goes on as it came.
pub fn forwarded_request(xml: &[u8], path: &[String]) -> Result<String> {
    let mut root =
        xml::parse(xml, Limits::DEFAULT).map_err(|e| LostError::bad_request(e.to_string()))?;
    if !root.in_ns(ns::LOST) {
        return Err(LostError::bad_request("the request is not in the LoST namespace"));
    }
    root.children.retain(|n| !matches!(n, Node::Element(e) if e.is(ns::LOST, "path")));
    let element = |local: &str, attributes: Vec<Attribute>, children: Vec<Node>| Element {
        ns: Some(ns::LOST.to_owned()),
        local: local.to_owned(),
        name: local.to_owned(),
        attributes,
        children,
    };
    let vias = path
        .iter()
        .map(|source| {
            let source = Attribute { ns: None, local: "source".into(), value: source.clone() };
            Node::Element(element("via", vec![source], Vec::new()))
        })
        .collect();
    // The grammar's order: locations, service, path, extensions.
    let after = root
        .children
        .iter()
        .rposition(|n| {
            matches!(n, Node::Element(e)
                if e.is(ns::LOST, "service") || e.is(ns::LOST, "location"))
        })
        .map_or(0, |i| i + 1);
    root.children.insert(after, Node::Element(element("path", Vec::new(), vias)));
    Ok(xml::serialize(&root))
}

/// A `<redirect>`: ask `target` instead (RFC 5222 §8.4).
pub fn write_redirect(target: &str, source: &str, message: &str) -> String {
    let mut w = XmlWriter::document();
    let message = collapse_whitespace(message);
    w.empty(
        "redirect",
        &[
            ("xmlns", ns::LOST),
            ("target", target),
            ("source", source),
            ("message", &message),
            ("xml:lang", "en"),
        ],
    );
    w.finish()
}

/// What a peer answered, once checked to be a LoST answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerAnswer {
    /// An answer to relay as it is: a response, or `<errors>`.
    Answer,
    /// `<redirect>`: the peer says to ask `target`.
    Redirect { target: String },
}

/// The largest peer answer read (a service boundary by value can be large).
pub const MAX_PEER_ANSWER_BYTES: usize = 4 << 20;

/// Checks that `xml` is a LoST answer to `request` (`findService`, …) from `peer`: the
/// response of that request, `<errors>` or `<redirect>`; a response's `<path>` must name
/// `peer` (a peer that answers a request passed to it writes itself there). The reason, when
/// it is not.
pub fn read_peer_answer(
    xml: &[u8],
    request: &str,
    peer: &str,
) -> std::result::Result<PeerAnswer, String> {
    let limits =
        Limits { max_bytes: MAX_PEER_ANSWER_BYTES, max_elements: 200_000, ..Limits::DEFAULT };
    let root = xml::parse(xml, limits).map_err(|e| format!("not XML a LoST client reads: {e}"))?;
    if !root.in_ns(ns::LOST) {
        return Err(format!("<{}> is not in the LoST namespace", root.name));
    }
    let response = format!("{request}Response");
    match root.local.as_str() {
        "redirect" => {
            let target = root.attr("target").map(str::trim).unwrap_or_default();
            if is_app_unique_string(target) {
                Ok(PeerAnswer::Redirect { target: target.to_owned() })
            } else {
                Err(format!("a <redirect> whose target {target:?} is not a server name"))
            }
        }
        "errors" => Ok(PeerAnswer::Answer),
        local if local == response => {
            let vias: Vec<&str> = root
                .elements()
                .filter(|e| e.is(ns::LOST, "path"))
                .flat_map(Element::elements)
                .filter(|v| v.is(ns::LOST, "via"))
                .filter_map(|v| v.attr("source"))
                .collect();
            if vias.iter().any(|v| v.trim().eq_ignore_ascii_case(peer)) {
                Ok(PeerAnswer::Answer)
            } else {
                Err(format!("a {response} whose <path> does not name {peer}"))
            }
        }
        _ => Err(format!("<{}> is not an answer to {request}", root.name)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::lost::{Request, parse_request};

    const FIND: &str = r#"<findService xmlns="urn:ietf:params:xml:ns:lost1" xmlns:gml="http://www.opengis.net/gml" recursive="true">
  <location id="L1" profile="geodetic-2d"><gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>39.1 -94.6</gml:pos></gml:Point></location>
  <service>urn:service:sos</service>
  <path><via source="a.example"/></path>
</findService>"#;

    #[test]
    fn a_forwarded_request_carries_the_grown_path_and_the_rest_unchanged() {
        let path = vec!["a.example".to_owned(), "b.example".to_owned()];
        let forwarded = forwarded_request(FIND.as_bytes(), &path).unwrap();
        let Request::FindService(f) = parse_request(forwarded.as_bytes()).unwrap() else {
            panic!("{forwarded}")
        };
        assert_eq!(f.path, path);
        assert!(f.recursive);
        assert_eq!(f.service.as_deref(), Some("urn:service:sos"));
        let Request::FindService(original) = parse_request(FIND.as_bytes()).unwrap() else {
            panic!()
        };
        assert_eq!(f.location, original.location);
        // A request without a path gets one after its service.
        let bare = FIND.replace(r#"<path><via source="a.example"/></path>"#, "");
        let forwarded = forwarded_request(bare.as_bytes(), &path[1..]).unwrap();
        assert!(
            forwarded.contains(
                r#"<service>urn:service:sos</service><path><via source="b.example"/></path>"#
            ),
            "{forwarded}"
        );
    }

    #[test]
    fn peer_answers_are_checked_before_they_are_relayed() {
        let redirect = write_redirect("lost.mo.example", "lost.ks.example", "ask Missouri");
        let peer = "lost.mo.example";
        assert_eq!(
            read_peer_answer(redirect.as_bytes(), "findService", peer),
            Ok(PeerAnswer::Redirect { target: "lost.mo.example".into() })
        );
        let errors = crate::lost::write_errors(peer, &[LostError::bad_request("x")]);
        assert_eq!(
            read_peer_answer(errors.as_bytes(), "findService", peer),
            Ok(PeerAnswer::Answer)
        );
        assert!(read_peer_answer(b"<html/>", "findService", peer).is_err());
        let wrong = r#"<listServicesResponse xmlns="urn:ietf:params:xml:ns:lost1"/>"#;
        let why = read_peer_answer(wrong.as_bytes(), "findService", peer).unwrap_err();
        assert!(why.contains("not an answer"), "{why}");
        let answered = |via: &str| {
            format!(
                r#"<findServiceResponse xmlns="urn:ietf:params:xml:ns:lost1"><path><via source="a.example"/><via source="{via}"/></path></findServiceResponse>"#
            )
        };
        assert_eq!(
            read_peer_answer(answered(peer).as_bytes(), "findService", peer),
            Ok(PeerAnswer::Answer)
        );
        let why = read_peer_answer(answered("x.example").as_bytes(), "findService", peer);
        assert!(why.unwrap_err().contains("does not name lost.mo.example"));
    }
}
