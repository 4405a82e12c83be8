//! An element tree written back out as a document: what a server that passes a request on
//! (LoST recursion) sends after changing one part of it. Namespaces are declared once, on the
//! root, with prefixes of our choosing (the tree keeps namespace names, not prefixes); the
//! root's namespace is the default one. Text is escaped; comments were never kept.

use std::collections::BTreeMap;

use super::tree::{Element, Node};
use super::write::escape_into;
use crate::ns;

/// The tree as a whole document with its XML declaration.
pub fn serialize(root: &Element) -> String {
    let mut prefixes: BTreeMap<String, String> = BTreeMap::new();
    collect(root, &mut prefixes, root.ns.as_deref());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    write(root, &prefixes, root.ns.as_deref(), true, &mut out);
    out.push('\n');
    out
}

/// Gives each namespace a prefix — the usual one where there is one, else `n1`, `n2`, … —
/// except `xml:` and the root's, which elements use as the default. An attribute in the root's
/// namespace still needs a prefix (an unprefixed attribute is in no namespace), so that one
/// gets a prefix too.
fn collect(e: &Element, prefixes: &mut BTreeMap<String, String>, default: Option<&str>) {
    let mut add = |uri: &str, attribute: bool| {
        if (!attribute && Some(uri) == default) || uri == ns::XML || prefixes.contains_key(uri) {
            return;
        }
        let usual = match uri {
            ns::GML => "gml",
            ns::PIDFLO => "gs",
            ns::CIVIC => "ca",
            ns::LOST => "lost",
            _ => "",
        };
        let taken = |p: &str| prefixes.values().any(|v| v == p);
        let prefix = if !usual.is_empty() && !taken(usual) {
            usual.to_owned()
        } else {
            (1..).map(|n| format!("n{n}")).find(|p| !taken(p)).unwrap_or_default()
        };
        prefixes.insert(uri.to_owned(), prefix);
    };
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        if let Some(uri) = &e.ns {
            add(uri, false);
        }
        for a in &e.attributes {
            if let Some(uri) = &a.ns {
                add(uri, true);
            }
        }
        stack.extend(e.elements());
    }
}

fn qualified(
    prefixes: &BTreeMap<String, String>,
    default: Option<&str>,
    uri: Option<&str>,
    local: &str,
) -> String {
    match uri {
        None => local.to_owned(),
        Some(u) if Some(u) == default => local.to_owned(),
        Some(ns::XML) => format!("xml:{local}"),
        Some(u) => format!("{}:{local}", prefixes.get(u).map_or("", String::as_str)),
    }
}

/// Writes `e` and its subtree. Iterative, like the reader: depth is bounded by the reader's
/// limits, but recursion is avoided all the same.
fn write(
    root: &Element,
    prefixes: &BTreeMap<String, String>,
    default: Option<&str>,
    declare: bool,
    out: &mut String,
) {
    enum Step<'a> {
        Open(&'a Element, bool),
        Close(String),
        Text(&'a str),
    }
    let mut stack = vec![Step::Open(root, declare)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Text(t) => escape_into(out, t, false),
            Step::Close(name) => {
                out.push_str("</");
                out.push_str(&name);
                out.push('>');
            }
            Step::Open(e, is_root) => {
                let name = qualified(prefixes, default, e.ns.as_deref(), &e.local);
                out.push('<');
                out.push_str(&name);
                if is_root {
                    if let Some(uri) = default {
                        out.push_str(" xmlns=\"");
                        escape_into(out, uri, true);
                        out.push('"');
                    }
                    for (uri, prefix) in prefixes {
                        out.push_str(&format!(" xmlns:{prefix}=\""));
                        escape_into(out, uri, true);
                        out.push('"');
                    }
                }
                for a in &e.attributes {
                    // An unprefixed attribute has no namespace, whatever its element's.
                    let attribute = match &a.ns {
                        None => a.local.clone(),
                        Some(uri) if uri == ns::XML => format!("xml:{}", a.local),
                        Some(uri) => {
                            format!("{}:{}", prefixes.get(uri).map_or("", String::as_str), a.local)
                        }
                    };
                    out.push(' ');
                    out.push_str(&attribute);
                    out.push_str("=\"");
                    escape_into(out, &a.value, true);
                    out.push('"');
                }
                if e.children.is_empty() {
                    out.push_str("/>");
                    continue;
                }
                out.push('>');
                stack.push(Step::Close(name));
                for child in e.children.iter().rev() {
                    stack.push(match child {
                        Node::Element(c) => Step::Open(c, false),
                        Node::Text(t) => Step::Text(t),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::xml::{Limits, parse};

    #[test]
    fn a_document_read_and_written_reads_back_the_same() {
        let source = r#"<?xml version="1.0"?>
<x:findService xmlns:x="urn:ietf:params:xml:ns:lost1" xmlns:g="http://www.opengis.net/gml" xmlns:e="urn:example:ext" recursive="true">
  <x:location id="L&amp;1" profile="geodetic-2d"><g:Point srsName="urn:ogc:def:crs:EPSG::4326"><g:pos>38.97 -95.24</g:pos></g:Point></x:location>
  <x:service>urn:service:sos</x:service>
  <e:note e:level="2" x:flag="on" xml:lang="en">a &lt; b</e:note>
</x:findService>"#;
        let tree = parse(source.as_bytes(), Limits::DEFAULT).unwrap();
        let written = serialize(&tree);
        assert!(
            written.contains("<findService xmlns=\"urn:ietf:params:xml:ns:lost1\""),
            "{written}"
        );
        assert!(written.contains("<gml:Point"), "{written}");
        // The same tree but for the prefixes written (kept in `name`).
        assert_eq!(unnamed(parse(written.as_bytes(), Limits::DEFAULT).unwrap()), unnamed(tree));
    }

    fn unnamed(mut e: Element) -> Element {
        e.name.clear();
        e.children = e
            .children
            .into_iter()
            .map(|n| match n {
                Node::Element(c) => Node::Element(unnamed(c)),
                text => text,
            })
            .collect();
        e
    }
}
