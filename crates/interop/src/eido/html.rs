//! Notes text in and out of EIDO's `notesActionComments`, which the standard says is HTML5.
//!
//! Writing escapes the text and turns line breaks into `<br>`, so a CAD shows what was
//! typed. Reading is the reverse for what CADs send: markup is dropped (line-breaking elements
//! become newlines), character references are decoded, and everything else — including the
//! plain text many CADs send instead of HTML, with its `<` and `&` — is kept as it is. The
//! result is plain text; nothing read here is ever shown as HTML.

/// The text as an HTML5 fragment.
pub fn from_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// Elements after which the text goes on on a new line.
const LINE_BREAKING: &[&str] = &["br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"];

/// Plain text from an HTML5 fragment (or from plain text). Runs in one pass over the input.
pub fn to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        let after = rest.get(c.len_utf8()..).unwrap_or("");
        match c {
            '<' => match markup(after) {
                Some((name, consumed)) => {
                    if LINE_BREAKING.contains(&name.as_str()) {
                        out.push('\n');
                    }
                    rest = after.get(consumed..).unwrap_or("");
                    continue;
                }
                None => out.push('<'),
            },
            '&' => {
                if let Some((decoded, consumed)) = reference(after) {
                    out.push(decoded);
                    rest = after.get(consumed..).unwrap_or("");
                    continue;
                }
                out.push('&');
            }
            '\r' => {
                // CRLF and lone CR are line breaks; the domain's text keeps only `\n`.
                if !after.starts_with('\n') {
                    out.push('\n');
                }
            }
            c => out.push(c),
        }
        rest = after;
    }
    out
}

/// After a `<`: a tag (`br`, `/p`, `p class="x"`), a comment or a declaration, as its
/// lower-case element name (empty for comments) and the bytes up to and including its `>`.
/// `None` when this `<` starts no markup and is text.
fn markup(after: &str) -> Option<(String, usize)> {
    if let Some(comment) = after.strip_prefix("!--") {
        let end = comment.find("-->")?;
        return Some((String::new(), 3 + end + 3));
    }
    let first = after.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '/' || first == '!' || first == '?') {
        return None;
    }
    let end = after.find('>')?;
    let inside = after.get(..end)?;
    let name: String = inside
        .trim_start_matches(['/', '!', '?'])
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Some((name, end + 1))
}

/// After a `&`: a character reference (`amp;`, `#39;`, `#x27;`), as the character and the
/// bytes it took. Only the references text commonly carries are known by name; others stay
/// as written.
fn reference(after: &str) -> Option<(char, usize)> {
    let end = after.char_indices().take(12).find(|&(_, c)| c == ';')?.0;
    let body = after.get(..end)?;
    let decoded = match body {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => {
            let number = body.strip_prefix('#')?;
            let value = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(value)?
        }
    };
    Some((decoded, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_survives_the_round_trip() {
        for text in ["plain", "a < b & c > d \"q\"", "line one\nline two\n\n\ttabbed", "é ✓"] {
            assert_eq!(to_text(&from_text(text)), text, "{text}");
        }
        assert_eq!(from_text("a<b\nc"), "a&lt;b<br>c");
    }

    #[test]
    fn markup_is_dropped_and_breaks_become_newlines() {
        assert_eq!(
            to_text("<p>Caller <b>calm</b> now.</p><p>Knife &amp; pills<br/>in kitchen</p>"),
            "\nCaller calm now.\n\nKnife & pills\nin kitchen\n"
        );
        assert_eq!(to_text("a<!-- hidden <b> -->b"), "ab");
        assert_eq!(to_text("&#39;&#x41;&lt;&bogus;&#xZZ;"), "'A<&bogus;&#xZZ;");
    }

    #[test]
    fn plain_text_with_markup_characters_is_kept() {
        assert_eq!(to_text("x < y, AT&T, 3<4, a <"), "x < y, AT&T, 3<4, a <");
        assert_eq!(to_text("line\r\nnext\rlast"), "line\nnext\nlast");
        assert_eq!(to_text("<unclosed"), "<unclosed");
    }
}
