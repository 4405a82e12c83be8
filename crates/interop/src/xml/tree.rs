//! A small, bounded element tree built from a namespaced XML document.
//!
//! LoST and PIDF-LO documents are small and shallow, so the parsers read the whole document
//! into this tree first and then walk it: that keeps each parser a plain function of its
//! element instead of a streaming state machine. The tree is built with an explicit stack
//! (no recursion), and [`Limits`] bound its depth, element count and attribute count, so a
//! hostile document can neither overflow the stack nor make memory grow much beyond its own
//! size.

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use crate::ns;

/// Why a document was refused before any LoST or PIDF-LO meaning was looked at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("the document is {size} bytes; at most {max} are accepted")]
    TooLarge { size: usize, max: usize },
    #[error("the document is not UTF-8 ({0}); send it as UTF-8")]
    NotUtf8(String),
    #[error("the document declares encoding {0:?}; only UTF-8 is accepted")]
    Encoding(String),
    #[error("the document has a DOCTYPE; DTDs and entity declarations are not accepted")]
    DocType,
    #[error("the document is not well-formed XML: {0}")]
    Malformed(String),
    #[error("the document nests elements more than {0} deep")]
    TooDeep(usize),
    #[error("the document has more than {0} elements")]
    TooManyElements(usize),
    #[error("element <{element}> has more than {max} attributes")]
    TooManyAttributes { element: String, max: usize },
    #[error("the document has no root element")]
    NoRoot,
}

/// Bounds on what a document may contain. LoST requests need a depth of about 8 and a few
/// dozen elements; the defaults leave room for extensions and large polygons while keeping
/// the tree within a small multiple of the input size.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_depth: usize,
    pub max_elements: usize,
    pub max_attributes: usize,
}

impl Limits {
    pub const DEFAULT: Self =
        Self { max_bytes: 1 << 20, max_depth: 64, max_elements: 20_000, max_attributes: 64 };
}

/// An attribute with its namespace resolved (`None` for the usual unprefixed attributes).
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub ns: Option<String>,
    pub local: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// An element with its namespace resolved. `name` is the qualified name as written, kept so
/// that messages show the sender the name they used (`gml:Point`, not a namespace URI).
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub ns: Option<String>,
    pub local: String,
    pub name: String,
    pub attributes: Vec<Attribute>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.local == local
    }

    pub fn in_ns(&self, ns: &str) -> bool {
        self.ns.as_deref() == Some(ns)
    }

    /// The value of an unprefixed attribute.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.ns.is_none() && a.local == local)
            .map(|a| a.value.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The element's own character data (comments already removed), as one string.
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }

    /// Whether the element has character data other than XML whitespace.
    pub fn has_text(&self) -> bool {
        self.children.iter().any(|n| matches!(n, Node::Text(t) if !is_xml_whitespace(t)))
    }

    fn push_text(&mut self, text: &str) {
        if let Some(Node::Text(last)) = self.children.last_mut() {
            last.push_str(text);
        } else {
            self.children.push(Node::Text(text.to_owned()));
        }
    }
}

pub fn is_xml_whitespace(s: &str) -> bool {
    s.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// Parses a whole document into its root element.
pub fn parse(bytes: &[u8], limits: Limits) -> Result<Element, XmlError> {
    if bytes.len() > limits.max_bytes {
        return Err(XmlError::TooLarge { size: bytes.len(), max: limits.max_bytes });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| XmlError::NotUtf8(e.to_string()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);

    let mut reader = NsReader::from_str(text);
    // Bounds the resolver's per-element scan; depth × attributes would allow far more.
    reader.resolver_mut().set_max_namespace_bindings(256);
    let mut builder = Builder { stack: Vec::new(), root: None, elements: 0, limits };
    loop {
        let event = reader.read_event().map_err(|e| XmlError::Malformed(e.to_string()))?;
        match event {
            Event::Start(start) => {
                let element = builder.open(&reader, &start)?;
                if builder.stack.len() >= limits.max_depth {
                    return Err(XmlError::TooDeep(limits.max_depth));
                }
                builder.stack.push(element);
            }
            Event::Empty(start) => {
                let element = builder.open(&reader, &start)?;
                builder.close(element)?;
            }
            Event::End(_) => {
                // quick-xml has already checked that the end tag matches the open one.
                let element = builder
                    .stack
                    .pop()
                    .ok_or_else(|| XmlError::Malformed("an end tag closes nothing".into()))?;
                builder.close(element)?;
            }
            Event::Text(t) => builder.text(&t.xml10_content())?,
            Event::CData(t) => builder.text(&t.xml10_content())?,
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => predefined_entity(&r).ok_or_else(|| {
                        XmlError::Malformed(format!("undefined entity &{};", &*r))
                    })?,
                    Err(e) => return Err(XmlError::Malformed(e.to_string())),
                };
                builder.text(c.encode_utf8(&mut [0; 4]))?;
            }
            Event::Decl(decl) => {
                if let Some(encoding) = decl.encoding() {
                    let encoding = encoding.map_err(|e| XmlError::Malformed(e.to_string()))?;
                    if !encoding.eq_ignore_ascii_case("utf-8") {
                        return Err(XmlError::Encoding(encoding.into_owned()));
                    }
                }
            }
            Event::DocType(_) => return Err(XmlError::DocType),
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = builder.stack.last() {
        return Err(XmlError::Malformed(format!("element <{}> is not closed", open.name)));
    }
    builder.root.ok_or(XmlError::NoRoot)
}

fn predefined_entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

struct Builder {
    stack: Vec<Element>,
    root: Option<Element>,
    elements: usize,
    limits: Limits,
}

impl Builder {
    fn open(&mut self, reader: &NsReader<&[u8]>, start: &BytesStart) -> Result<Element, XmlError> {
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(XmlError::TooManyElements(self.limits.max_elements));
        }
        if self.stack.is_empty() && self.root.is_some() {
            return Err(XmlError::Malformed("the document has more than one root element".into()));
        }
        let name = start.name();
        let (resolved, local) = reader.resolver().resolve_element(name);
        let element_ns = resolved_ns(resolved, name.as_ref())?;
        let mut attributes = Vec::new();
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| XmlError::Malformed(e.to_string()))?;
            if attributes.len() >= self.limits.max_attributes {
                return Err(XmlError::TooManyAttributes {
                    element: name.as_ref().to_owned(),
                    max: self.limits.max_attributes,
                });
            }
            if attribute.key.as_namespace_binding().is_some() {
                continue;
            }
            let (resolved, attr_local) = reader.resolver().resolve_attribute(attribute.key);
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| XmlError::Malformed(e.to_string()))?;
            attributes.push(Attribute {
                ns: resolved_ns(resolved, attribute.key.as_ref())?,
                local: attr_local.as_ref().to_owned(),
                value: value.into_owned(),
            });
        }
        Ok(Element {
            ns: element_ns,
            local: local.as_ref().to_owned(),
            name: name.as_ref().to_owned(),
            attributes,
            children: Vec::new(),
        })
    }

    fn close(&mut self, element: Element) -> Result<(), XmlError> {
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(Node::Element(element)),
            None if self.root.is_none() => self.root = Some(element),
            None => {
                return Err(XmlError::Malformed(
                    "the document has more than one root element".into(),
                ));
            }
        }
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<(), XmlError> {
        match self.stack.last_mut() {
            Some(element) => {
                element.push_text(text);
                Ok(())
            }
            None if is_xml_whitespace(text) => Ok(()),
            None => Err(XmlError::Malformed("text outside the root element".into())),
        }
    }
}

fn resolved_ns(resolved: ResolveResult<'_>, name: &str) -> Result<Option<String>, XmlError> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(Some(ns.0.to_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(prefix) => {
            if prefix == "xml" {
                Ok(Some(ns::XML.to_owned()))
            } else {
                Err(XmlError::Malformed(format!(
                    "<{name}> uses the prefix {prefix:?}, which is not declared"
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn parse_default(s: &str) -> Result<Element, XmlError> {
        parse(s.as_bytes(), Limits::DEFAULT)
    }

    #[test]
    fn resolves_namespaces_and_merges_text_across_comments_and_references() {
        let root = parse_default(
            "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <a xmlns=\"urn:x\" xmlns:g=\"urn:g\" k=\"1 &amp; 2\" xml:lang=\"en\">\
             <g:b>4&lt;5 <!-- c -->&#x41;<![CDATA[<z>]]></g:b></a>",
        )
        .unwrap();
        assert!(root.is("urn:x", "a"));
        assert_eq!(root.attr("k"), Some("1 & 2"));
        assert_eq!(root.attributes[1].ns.as_deref(), Some(ns::XML));
        let b = root.elements().next().unwrap();
        assert!(b.is("urn:g", "b"));
        assert_eq!(b.name, "g:b");
        assert_eq!(b.text(), "4<5 A<z>");
    }

    #[test]
    fn refuses_what_could_expand_or_is_not_xml() {
        assert_eq!(
            parse_default("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>").unwrap_err(),
            XmlError::DocType
        );
        assert!(matches!(parse_default("<a>&e;</a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse_default("<a><b></a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse_default("<a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse_default("<a/><b/>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse_default("<a/>text"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse_default("<p:a/>"), Err(XmlError::Malformed(_))));
        assert_eq!(parse_default("  ").unwrap_err(), XmlError::NoRoot);
        assert!(matches!(parse(b"<a>\xff</a>", Limits::DEFAULT), Err(XmlError::NotUtf8(_))));
        assert_eq!(
            parse_default("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>").unwrap_err(),
            XmlError::Encoding("ISO-8859-1".into())
        );
    }

    #[test]
    fn limits_bound_depth_elements_attributes_and_size() {
        let deep = "<a>".repeat(100_000);
        assert_eq!(parse_default(&deep).unwrap_err(), XmlError::TooDeep(64));
        let wide = format!("<a>{}</a>", "<b/>".repeat(20_001));
        assert_eq!(parse_default(&wide).unwrap_err(), XmlError::TooManyElements(20_000));
        let attrs: String = (0..65).map(|i| format!(" a{i}=\"\"")).collect();
        assert_eq!(
            parse_default(&format!("<x{attrs}/>")).unwrap_err(),
            XmlError::TooManyAttributes { element: "x".into(), max: 64 }
        );
        let big = vec![b' '; (1 << 20) + 1];
        assert_eq!(
            parse(&big, Limits::DEFAULT).unwrap_err(),
            XmlError::TooLarge { size: (1 << 20) + 1, max: 1 << 20 }
        );
    }
}
