//! Writing XML: escaping and a tiny indenting element writer.
//!
//! The writers in this crate produce small documents from values they already hold, so a
//! string builder is enough. Escaping is done here in one place: text and attribute values
//! may carry anything (messages echo what a peer sent), and the output must still be
//! well-formed XML 1.0.

/// Appends `s` as character data: markup characters become references, and characters XML
/// 1.0 cannot carry at all (most C0 controls, U+FFFE, U+FFFF) become U+FFFD so the document
/// stays well-formed.
pub(super) fn escape_into(out: &mut String, s: &str, in_attribute: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            // Attribute-value normalization would turn literal tabs and newlines into
            // spaces; references survive it. A literal CR in text would be normalized away.
            '\t' if in_attribute => out.push_str("&#9;"),
            '\n' if in_attribute => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// Builds a document element by element, each on its own indented line; elements with text
/// content keep it on their line, so no whitespace is ever added to a text value.
#[derive(Debug)]
pub struct XmlWriter {
    out: String,
    open: Vec<String>,
}

impl XmlWriter {
    /// A writer for a whole document, starting with the XML declaration.
    pub fn document() -> Self {
        Self { out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), open: Vec::new() }
    }

    /// A writer for a fragment (no XML declaration), such as a GML polygon on its own.
    pub fn fragment() -> Self {
        Self { out: String::new(), open: Vec::new() }
    }

    fn newline(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
    }

    fn tag(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.newline();
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attributes {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value, true);
            self.out.push('"');
        }
    }

    pub fn start(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.tag(name, attributes);
        self.out.push('>');
        self.open.push(name.to_owned());
    }

    pub fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.tag(name, attributes);
        self.out.push_str("/>");
    }

    pub fn text_element(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.tag(name, attributes);
        self.out.push('>');
        escape_into(&mut self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Closes the innermost open element.
    pub fn end(&mut self) {
        if let Some(name) = self.open.pop() {
            self.newline();
            self.out.push_str("</");
            self.out.push_str(&name);
            self.out.push('>');
        }
    }

    /// Closes whatever is still open and returns the document.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.end();
        }
        self.out.push('\n');
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_replaces_what_xml_cannot_carry() {
        let mut w = XmlWriter::fragment();
        w.start("a", &[("m", "x\"<&>\t\n\r\u{1}")]);
        w.text_element("b", &[], "1 < 2 & \"q\"\t\n\r\u{0}\u{ffff}é");
        w.empty("c", &[]);
        assert_eq!(
            w.finish(),
            "<a m=\"x&quot;&lt;&amp;&gt;&#9;&#xA;&#xD;\u{fffd}\">\n  \
             <b>1 &lt; 2 &amp; \"q\"\t\n&#xD;\u{fffd}\u{fffd}é</b>\n  <c/>\n</a>\n"
        );
    }
}
