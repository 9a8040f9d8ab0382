//! The TwiML tree and its writer. The bytes match what Twilio's official Python library
//! (`VoiceResponse.to_xml()`, which uses ElementTree) writes for the same tree:
//! attributes sorted by name, `<Name />` for empty elements, text escaping `&`, `<` and `>`,
//! attribute values also `"`, newline, carriage return and tab.

use std::borrow::Cow;

use compact_str::{CompactString, ToCompactString};

/// The declaration the official library puts in front, with no newline after it.
pub const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// A TwiML or SSML element.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    name: Cow<'static, str>,
    /// Wire names (`numDigits`) and values, kept sorted by name as they are written.
    // Values are mostly short (`POST`, `true`, `en-US`): stored inline, without a heap block.
    attributes: Vec<(Cow<'static, str>, CompactString)>,
    /// The text that opens the element (the library's `value`); short texts are held inline.
    text: Option<CompactString>,
    children: Vec<Child>,
}

/// What an element contains after its opening text.
#[derive(Debug, Clone, PartialEq)]
pub enum Child {
    Element(Element),
    /// Text between children (ElementTree's `tail`), as the library's `nest("text")` writes it.
    Text(String),
}

/// An attribute value as the official library renders it.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// Text; short values are held inline, without a heap allocation.
    Text(CompactString),
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl AttrValue {
    /// Python's `str()` of the value: `true`/`false` for booleans, `1.0` for whole floats.
    pub fn render(self) -> String {
        self.render_compact().into_string()
    }

    fn render_compact(self) -> CompactString {
        match self {
            AttrValue::Text(s) => s,
            AttrValue::Bool(true) => CompactString::const_new("true"),
            AttrValue::Bool(false) => CompactString::const_new("false"),
            AttrValue::Int(i) => i.to_compact_string(),
            AttrValue::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 => {
                compact_str::format_compact!("{f:.1}")
            }
            AttrValue::Float(f) => f.to_compact_string(),
        }
    }
}

macro_rules! attr_from {
    ($($t:ty => $variant:ident $(as $cast:ty)?),+ $(,)?) => {
        $(impl From<$t> for AttrValue {
            fn from(v: $t) -> Self { AttrValue::$variant(v $(as $cast)?) }
        })+
    };
}
attr_from!(bool => Bool, i64 => Int, i32 => Int as i64, u32 => Int as i64, u16 => Int as i64, u8 => Int as i64, f64 => Float);

impl From<&str> for AttrValue {
    fn from(v: &str) -> Self {
        AttrValue::Text(CompactString::from(v))
    }
}
impl From<String> for AttrValue {
    fn from(v: String) -> Self {
        AttrValue::Text(CompactString::from(v))
    }
}
impl From<&String> for AttrValue {
    fn from(v: &String) -> Self {
        AttrValue::Text(CompactString::from(v.as_str()))
    }
}

impl Element {
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// The child at `index` of [`Element::children`], when it is an element.
    pub fn child_mut(&mut self, index: usize) -> Option<&mut Element> {
        match self.children.get_mut(index)? {
            Child::Element(e) => Some(e),
            Child::Text(_) => None,
        }
    }

    /// The child elements, without the text between them.
    pub fn into_children(self) -> impl Iterator<Item = Element> {
        self.children.into_iter().filter_map(|c| match c {
            Child::Element(e) => Some(e),
            Child::Text(_) => None,
        })
    }

    pub fn children(&self) -> &[Child] {
        &self.children
    }

    /// The attribute's value as it will be written.
    pub fn attribute(&self, wire_name: &str) -> Option<&str> {
        self.attributes
            .binary_search_by(|(k, _)| name_order(k, wire_name))
            .ok()
            .map(|i| self.attributes[i].1.as_str())
    }

    pub fn attributes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.attributes
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_str()))
    }

    /// Sets an attribute by its wire name; setting it again replaces the value.
    pub fn set_attr(
        &mut self,
        wire_name: impl Into<Cow<'static, str>>,
        value: impl Into<AttrValue>,
    ) {
        let name = intern(wire_name.into());
        let value = value.into().render_compact();
        match self
            .attributes
            .binary_search_by(|(k, _)| name_order(k, &name))
        {
            Ok(i) => self.attributes[i].1 = value,
            Err(i) => self.attributes.insert(i, (name, value)),
        }
    }

    /// Builder form of [`Element::set_attr`].
    pub fn attr(
        mut self,
        wire_name: impl Into<Cow<'static, str>>,
        value: impl Into<AttrValue>,
    ) -> Self {
        self.set_attr(wire_name, value);
        self
    }

    /// Sets the opening text (the official library's `value`). Empty text writes nothing.
    pub fn set_text(&mut self, text: impl Into<CompactString>) {
        self.text = Some(text.into());
    }

    pub fn with_text(mut self, text: impl Into<CompactString>) -> Self {
        self.set_text(text);
        self
    }

    /// Appends a child element and returns it for nesting.
    pub fn push(&mut self, child: Element) -> &mut Element {
        self.children.push(Child::Element(child));
        match self.children.last_mut() {
            Some(Child::Element(e)) => e,
            // Just pushed an element.
            _ => unreachable!("the last child is the element just pushed"),
        }
    }

    /// Inserts a child element before the child at `index` (at the end when past it).
    pub fn insert(&mut self, index: usize, child: Element) {
        let index = index.min(self.children.len());
        self.children.insert(index, Child::Element(child));
    }

    /// Keeps the first `len` children: undoes appends made after counting them.
    pub fn truncate(&mut self, len: usize) {
        self.children.truncate(len);
    }

    /// Builder form: appends a child element.
    pub fn child(mut self, child: Element) -> Self {
        self.children.push(Child::Element(child));
        self
    }

    /// Appends text at the end of the content, joining it with text already there (unlike
    /// [`Element::push_text`], which keeps ElementTree's replace-on-repeat behaviour).
    pub fn append_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.children.last_mut() {
            None => match &mut self.text {
                Some(existing) => existing.push_str(text),
                None => self.text = Some(CompactString::from(text)),
            },
            Some(Child::Text(existing)) => existing.push_str(text),
            Some(Child::Element(_)) => self.children.push(Child::Text(text.to_owned())),
        }
    }

    /// Appends text after the last child, as the official library's `nest("text")` does.
    pub fn push_text(&mut self, text: impl Into<String>) {
        self.children.push(Child::Text(text.into()));
    }

    /// The document with the XML declaration, as `to_xml()` writes it.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(XML_DECLARATION.len() + self.estimated_len());
        out.push_str(XML_DECLARATION);
        self.write(&mut out);
        out
    }

    /// The element alone, as `to_xml(xml_declaration=False)` writes it.
    pub fn to_xml_fragment(&self) -> String {
        let mut out = String::with_capacity(self.estimated_len());
        self.write(&mut out);
        out
    }

    fn estimated_len(&self) -> usize {
        let own = 2 * self.name.len()
            + 5
            + self.text.as_ref().map_or(0, |t| t.len())
            + self
                .attributes
                .iter()
                .map(|(k, v)| k.len() + v.len() + 4)
                .sum::<usize>();
        own + self
            .children
            .iter()
            .map(|c| match c {
                Child::Element(e) => e.estimated_len(),
                Child::Text(t) => t.len(),
            })
            .sum::<usize>()
    }

    /// Writes the element as ElementTree does, including its quirks: text given through
    /// `nest("text")` before any child element replaces the opening text, and consecutive texts
    /// after a child keep only the last. Empty strings count as no text (`if self.value`).
    pub fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (name, value) in &self.attributes {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            escape_into(out, value, true);
            out.push('"');
        }
        let first_element = self
            .children
            .iter()
            .position(|c| matches!(c, Child::Element(_)))
            .unwrap_or(self.children.len());
        let lead = last_text(&self.children[..first_element]).or(self.text.as_deref());
        let lead = lead.filter(|t| !t.is_empty());
        if lead.is_none() && first_element == self.children.len() {
            out.push_str(" />");
            return;
        }
        out.push('>');
        if let Some(text) = lead {
            escape_into(out, text, false);
        }
        let mut rest = &self.children[first_element..];
        while let Some((Child::Element(element), after)) = rest.split_first() {
            element.write(out);
            let next = after
                .iter()
                .position(|c| matches!(c, Child::Element(_)))
                .unwrap_or(after.len());
            if let Some(tail) = last_text(&after[..next]).filter(|t| !t.is_empty()) {
                escape_into(out, tail, false);
            }
            rest = &after[next..];
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

/// Byte order of names, as Python's `sorted` orders them. Attribute names mostly differ in
/// their first byte, which is compared inline before calling into a full comparison.
fn name_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ => a.cmp(b),
    }
}

/// A name given as an owned string that is one of the common attribute names becomes the
/// static one, so the element holds no heap copy of it.
fn intern(name: Cow<'static, str>) -> Cow<'static, str> {
    const COMMON: &[&str] = &[
        "action",
        "alias",
        "alphabet",
        "digits",
        "finishOnKey",
        "format",
        "input",
        "interpret-as",
        "language",
        "length",
        "level",
        "loop",
        "method",
        "name",
        "numDigits",
        "ph",
        "pitch",
        "rate",
        "role",
        "statusCallback",
        "statusCallbackEvent",
        "strength",
        "time",
        "timeout",
        "url",
        "value",
        "voice",
        "volume",
        "xml:lang",
    ];
    match name {
        Cow::Owned(owned) => match COMMON.iter().find(|c| **c == owned) {
            Some(common) => Cow::Borrowed(common),
            None => Cow::Owned(owned),
        },
        borrowed => borrowed,
    }
}

/// The last text among `children` (ElementTree keeps only the last one set).
fn last_text(children: &[Child]) -> Option<&str> {
    children.iter().rev().find_map(|c| match c {
        Child::Text(t) => Some(t.as_str()),
        Child::Element(_) => None,
    })
}

/// Escapes as ElementTree does. Characters XML 1.0 forbids (most control characters) are
/// dropped, so every document stays well-formed; ElementTree would write them and produce
/// XML that Twilio cannot parse.
fn escape_into(out: &mut String, text: &str, attribute: bool) {
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

/// `snake_case` keyword → wire attribute name, as the official library maps it.
pub fn wire_name(keyword: &str) -> Cow<'static, str> {
    match keyword {
        "xml_lang" => Cow::Borrowed("xml:lang"),
        "interpret_as" => Cow::Borrowed("interpret-as"),
        "break_" => Cow::Borrowed("break"),
        "from_" => Cow::Borrowed("from"),
        "for_" => Cow::Borrowed("for"),
        _ if !keyword.contains('_') => Cow::Owned(keyword.to_owned()),
        _ => {
            // Python: "".join(x.title() for x in s.split("_")), then the first letter lowered.
            let mut out = String::with_capacity(keyword.len());
            for part in keyword.split('_') {
                let mut after_letter = false;
                for c in part.chars() {
                    if after_letter {
                        out.extend(c.to_lowercase());
                    } else {
                        out.extend(c.to_uppercase());
                    }
                    after_letter = c.is_alphabetic();
                }
            }
            let mut chars = out.chars();
            let first: String = chars
                .next()
                .map(|c| c.to_lowercase().collect())
                .unwrap_or_default();
            Cow::Owned(first + chars.as_str())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_names_map_like_the_official_library() {
        for (keyword, wire) in [
            ("num_digits", "numDigits"),
            ("action_on_empty_result", "actionOnEmptyResult"),
            ("status_callback_event", "statusCallbackEvent"),
            ("voice", "voice"),
            ("xml_lang", "xml:lang"),
            ("interpret_as", "interpret-as"),
            ("break_", "break"),
            ("from_", "from"),
            ("for_", "for"),
            ("speech_model", "speechModel"),
            ("tts_provider", "ttsProvider"),
        ] {
            assert_eq!(wire_name(keyword), wire, "{keyword}");
        }
    }

    #[test]
    fn values_render_as_python_str_does() {
        assert_eq!(AttrValue::from(true).render(), "true");
        assert_eq!(AttrValue::from(2.0).render(), "2.0");
        assert_eq!(AttrValue::from(0.5).render(), "0.5");
        assert_eq!(AttrValue::from(-3).render(), "-3");
    }

    #[test]
    fn attributes_escape_quotes_and_whitespace_text_does_not() {
        let e = Element::new("Parameter")
            .attr("value", "a \"b\" <c> & d\n\te")
            .with_text("it's \"fine\" & <ok>");
        assert_eq!(
            e.to_xml_fragment(),
            "<Parameter value=\"a &quot;b&quot; &lt;c&gt; &amp; d&#10;&#09;e\">it's \"fine\" &amp; &lt;ok&gt;</Parameter>"
        );
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

    #[test]
    fn setting_an_attribute_again_replaces_it() {
        let e = Element::new("Pause").attr("length", 1).attr("length", 3);
        assert_eq!(e.to_xml_fragment(), "<Pause length=\"3\" />");
        assert_eq!(e.attribute("length"), Some("3"));
    }

    #[test]
    fn added_text_follows_elementtree_rules() {
        let mut say = Element::new("Say").with_text("Hello");
        say.push(Element::new("break").attr("time", "1s"));
        say.push_text(" world");
        assert_eq!(
            say.to_xml_fragment(),
            "<Say>Hello<break time=\"1s\" /> world</Say>"
        );
        // Text added before any child replaces the opening text, as in ElementTree.
        let mut say = Element::new("Say").with_text("first");
        say.push_text("second");
        assert_eq!(say.to_xml_fragment(), "<Say>second</Say>");
        // Empty text counts as none.
        assert_eq!(
            Element::new("Say").with_text("").to_xml_fragment(),
            "<Say />"
        );
    }
}
