//! The TwiML writer: the bytes Twilio's official Python library (`VoiceResponse.to_xml()`,
//! which uses ElementTree) writes for a tree, from any tree that can be read as [`Node`]s: the
//! runtime's [`Element`](super::Element) and the Python binding's nodes share these rules.
//! Attributes are sorted by name, an element with no content is written `<Name />`, text
//! escapes `&`, `<` and `>`, attribute values also `"`, newline, carriage return and tab.

/// The declaration the official library puts in front, with no newline after it.
pub const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// An element as the writer reads it. Its content is a sequence of children, each an element
/// or a text, read by index.
pub trait Node {
    /// Why a child element could not be read.
    type Error;

    fn name(&self) -> &str;

    /// Wire names and values as written, in any order and each name once; the writer sorts
    /// them by name.
    fn attributes(&self) -> impl Iterator<Item = (&str, &str)>;

    /// True when [`attributes`](Node::attributes) already come sorted by name (byte order):
    /// the writer then writes them as they come.
    fn attributes_sorted(&self) -> bool {
        false
    }

    /// The opening text (the official library's `value`).
    fn text(&self) -> Option<&str>;

    /// How many children follow the opening text.
    fn child_count(&self) -> usize;

    /// The text of child `index`; `None` when that child is an element.
    fn child_text(&self, index: usize) -> Option<&str>;

    /// Writes child `index`, an element, by calling [`write`] on it.
    fn write_child(&self, index: usize, out: &mut String) -> Result<(), Self::Error>;
}

/// Writes `node` as ElementTree does, including its quirks: text added as a child before any
/// child element replaces the opening text, and consecutive texts after a child keep only the
/// last. Empty strings count as no text (the library's `if self.value`).
pub fn write<N: Node + ?Sized>(node: &N, out: &mut String) -> Result<(), N::Error> {
    out.push('<');
    out.push_str(node.name());
    if node.attributes_sorted() {
        for (name, value) in node.attributes() {
            write_attribute(out, name, value);
        }
    } else {
        write_attributes(out, node.attributes());
    }
    let count = node.child_count();
    let next_element = |from: usize| {
        (from..count)
            .find(|&i| node.child_text(i).is_none())
            .unwrap_or(count)
    };
    // The last of the texts in `range`: ElementTree keeps only the last one set.
    let last_text = |range: std::ops::Range<usize>| range.rev().find_map(|i| node.child_text(i));
    let mut element = next_element(0);
    let lead = last_text(0..element)
        .or(node.text())
        .filter(|t| !t.is_empty());
    if lead.is_none() && element == count {
        out.push_str(" />");
        return Ok(());
    }
    out.push('>');
    if let Some(text) = lead {
        escape_into(out, text, false);
    }
    while element < count {
        node.write_child(element, out)?;
        let next = next_element(element + 1);
        if let Some(tail) = last_text(element + 1..next).filter(|t| !t.is_empty()) {
            escape_into(out, tail, false);
        }
        element = next;
    }
    out.push_str("</");
    out.push_str(node.name());
    out.push('>');
    Ok(())
}

/// Writes the attributes sorted by name (byte order, as Python's `sorted` orders strings),
/// sorting references to them: up to [`INLINE_ATTRIBUTES`] on the stack.
pub(super) fn write_attributes<'a>(
    out: &mut String,
    attributes: impl Iterator<Item = (&'a str, &'a str)>,
) {
    let mut inline = [("", ""); INLINE_ATTRIBUTES];
    let mut len = 0;
    let mut spilled = Vec::new();
    for attribute in attributes {
        if len < INLINE_ATTRIBUTES {
            inline[len] = attribute;
            len += 1;
        } else {
            if spilled.is_empty() {
                spilled.extend_from_slice(&inline);
            }
            spilled.push(attribute);
        }
    }
    let sorted = if spilled.is_empty() {
        &mut inline[..len]
    } else {
        &mut spilled[..]
    };
    if !sorted.is_sorted_by(|a, b| name_order(a.0, b.0).is_le()) {
        sorted.sort_unstable_by(|a, b| name_order(a.0, b.0));
    }
    for (name, value) in sorted.iter() {
        write_attribute(out, name, value);
    }
}

/// Byte order of names, as Python's `sorted` orders them. Names are short and mostly differ
/// early: compared byte by byte inline, rather than through a call to `memcmp`.
#[inline]
pub(super) fn name_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes().cmp(b.bytes())
}

pub(super) fn write_attribute(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_into(out, value, true);
    out.push('"');
}

/// Attributes sorted without a heap allocation; more than most TwiML elements carry.
const INLINE_ATTRIBUTES: usize = 8;

/// Escapes as ElementTree does. Characters XML 1.0 forbids (most control characters) are
/// dropped, so every document stays well-formed; ElementTree would write them and produce
/// XML that Twilio cannot parse.
pub(super) fn escape_into(out: &mut String, text: &str, attribute: bool) {
    let special = if attribute {
        &ATTRIBUTE_SPECIAL
    } else {
        &TEXT_SPECIAL
    };
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    loop {
        // Most text has nothing to escape: skip eight ordinary bytes at a time, then byte by byte.
        while i + 8 <= bytes.len() && !chunk_may_be_special(&bytes[i..i + 8], attribute) {
            i += 8;
        }
        while i < bytes.len() && !special[usize::from(bytes[i])] {
            i += 1;
        }
        if i == bytes.len() {
            break;
        }
        let (replacement, width) = match bytes[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\n' => ("&#10;", 1),
            b'\r' => ("&#13;", 1),
            b'\t' => ("&#09;", 1),
            // U+FFFE and U+FFFF (EF BF BE/BF) are not XML characters: dropped.
            0xEF if bytes.get(i + 1) == Some(&0xBF)
                && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) =>
            {
                ("", 3)
            }
            0xEF => {
                i += 1;
                continue;
            }
            // Other control characters are not XML characters either.
            _ => ("", 1),
        };
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        i += width;
        start = i;
    }
    out.push_str(&text[start..]);
}

/// True when any of eight bytes may need escaping (a control byte, `&`, `<`, `>`, the lead byte
/// of U+FFFE/U+FFFF, or in attributes `"`), by word-at-a-time bit arithmetic; false positives
/// only send the chunk to the byte-by-byte check.
fn chunk_may_be_special(chunk: &[u8], attribute: bool) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let word = chunk.try_into().map(u64::from_le_bytes).unwrap_or(u64::MAX);
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let equal = |b: u8| has_zero(word ^ (ONES * u64::from(b)));
    // Bytes below 0x20: subtracting 0x20 borrows into the high bit of those (and only those,
    // among bytes whose high bit was clear).
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    let mut found = below_space | equal(b'&') | equal(b'<') | equal(b'>') | equal(0xEF);
    if attribute {
        found |= equal(b'"');
    }
    found != 0
}

/// Bytes that need attention in element text: markup, control characters other than tab,
/// newline and carriage return, and the lead byte of U+FFFE/U+FFFF.
static TEXT_SPECIAL: [bool; 256] = special_bytes(false);
/// As [`TEXT_SPECIAL`], plus the quote and the whitespace ElementTree escapes in attributes.
static ATTRIBUTE_SPECIAL: [bool; 256] = special_bytes(true);

const fn special_bytes(attribute: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = !matches!(b as u8, b'\t' | b'\n' | b'\r') || attribute;
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[0xEF] = true;
    if attribute {
        table[b'"' as usize] = true;
    }
    table
}

/// XML 1.0's `Char` production.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Writes `text` escaped for element content.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text, false);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree that keeps its attributes in the order given.
    struct Plain {
        attributes: Vec<(String, String)>,
        children: Vec<Result<Plain, &'static str>>,
    }

    impl Node for Plain {
        type Error = std::convert::Infallible;

        fn name(&self) -> &str {
            "e"
        }

        fn attributes(&self) -> impl Iterator<Item = (&str, &str)> {
            self.attributes
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
        }

        fn text(&self) -> Option<&str> {
            None
        }

        fn child_count(&self) -> usize {
            self.children.len()
        }

        fn child_text(&self, index: usize) -> Option<&str> {
            self.children[index].as_ref().err().copied()
        }

        fn write_child(&self, index: usize, out: &mut String) -> Result<(), Self::Error> {
            match &self.children[index] {
                Ok(child) => write(child, out),
                Err(_) => Ok(()),
            }
        }
    }

    fn plain(attributes: &[&str]) -> Plain {
        Plain {
            attributes: attributes
                .iter()
                .map(|name| ((*name).to_owned(), name.to_uppercase()))
                .collect(),
            children: Vec::new(),
        }
    }

    fn written(node: &Plain) -> String {
        let mut out = String::new();
        let Ok(()) = write(node, &mut out);
        out
    }

    #[test]
    fn attributes_given_in_any_order_are_written_sorted() {
        assert_eq!(
            written(&plain(&["b", "a", "c"])),
            "<e a=\"A\" b=\"B\" c=\"C\" />"
        );
        // More than are sorted on the stack.
        let many = ["k", "j", "i", "h", "g", "f", "e", "d", "c", "b", "a"];
        let expected: String = many
            .iter()
            .rev()
            .map(|n| format!(" {n}=\"{}\"", n.to_uppercase()))
            .collect();
        assert_eq!(written(&plain(&many)), format!("<e{expected} />"));
    }

    #[test]
    fn texts_keep_the_last_before_and_after_each_child() {
        let mut node = plain(&[]);
        node.children = vec![
            Err("dropped"),
            Err("lead"),
            Ok(plain(&["x"])),
            Err("dropped"),
            Err("tail"),
            Ok(plain(&[])),
            Err("not written"),
            Err(""),
        ];
        assert_eq!(written(&node), "<e>lead<e x=\"X\" />tail<e /></e>");
    }

    /// The obvious character-by-character escaping, to check the word-at-a-time one against.
    fn naive(text: &str, attribute: bool) -> String {
        let mut out = String::new();
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' if attribute => out.push_str("&quot;"),
                '\n' if attribute => out.push_str("&#10;"),
                '\r' if attribute => out.push_str("&#13;"),
                '\t' if attribute => out.push_str("&#09;"),
                c if is_xml_char(c) => out.push(c),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn fast_escaping_matches_the_obvious_one_at_every_offset() {
        let specials = [
            '&', '<', '>', '"', '\n', '\r', '\t', '\u{0}', '\u{1f}', '\u{7f}', 'é', '中',
            '\u{FFFE}', '\u{FFFF}', '\u{FFFD}', '\u{EFFF}', '😀', ' ',
        ];
        for special in specials {
            for before in 0..17 {
                for after in [0, 1, 7, 8, 9] {
                    let text = format!("{}{special}{}", "a".repeat(before), "b".repeat(after));
                    for attribute in [false, true] {
                        let mut fast = String::new();
                        escape_into(&mut fast, &text, attribute);
                        assert_eq!(
                            fast,
                            naive(&text, attribute),
                            "{text:?} attribute={attribute}"
                        );
                    }
                }
            }
        }
    }
}
