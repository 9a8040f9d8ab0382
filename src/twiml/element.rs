//! The TwiML tree and its writer. The bytes match what Twilio's official Python library
//! (`VoiceResponse.to_xml()`, which uses ElementTree) writes for the same tree:
//! attributes sorted by name, `<Name />` for empty elements, text escaping `&`, `<` and `>`,
//! attribute values also `"`, newline, carriage return and tab.

use std::borrow::Cow;

/// The declaration the official library puts in front, with no newline after it.
pub const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// A TwiML or SSML element.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    name: Cow<'static, str>,
    /// Wire names (`numDigits`) and values, in insertion order; written sorted.
    attributes: Vec<(Cow<'static, str>, String)>,
    /// The text that opens the element (the library's `value`).
    text: Option<String>,
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
    Text(String),
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl AttrValue {
    /// Python's `str()` of the value: `true`/`false` for booleans, `1.0` for whole floats.
    pub fn render(&self) -> String {
        match self {
            AttrValue::Text(s) => s.clone(),
            AttrValue::Bool(b) => b.to_string(),
            AttrValue::Int(i) => i.to_string(),
            AttrValue::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 => {
                format!("{f:.1}")
            }
            AttrValue::Float(f) => f.to_string(),
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
        AttrValue::Text(v.to_owned())
    }
}
impl From<String> for AttrValue {
    fn from(v: String) -> Self {
        AttrValue::Text(v)
    }
}
impl From<&String> for AttrValue {
    fn from(v: &String) -> Self {
        AttrValue::Text(v.clone())
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

    pub fn children(&self) -> &[Child] {
        &self.children
    }

    /// The attribute's value as it will be written.
    pub fn attribute(&self, wire_name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .rev()
            .find(|(k, _)| k == wire_name)
            .map(|(_, v)| v.as_str())
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
        let name = wire_name.into();
        let value = value.into().render();
        match self.attributes.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.attributes.push((name, value)),
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
    pub fn set_text(&mut self, text: impl Into<String>) {
        self.text = Some(text.into());
    }

    pub fn with_text(mut self, text: impl Into<String>) -> Self {
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
                None => self.text = Some(text.to_owned()),
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
            + self.text.as_ref().map_or(0, String::len)
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
    /// after a child keep only the last.
    pub fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        let mut attributes: Vec<&(Cow<'static, str>, String)> = self.attributes.iter().collect();
        attributes.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, value) in attributes {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            escape_into(out, value, true);
            out.push('"');
        }
        let (lead, parts) = self.layout();
        if lead.is_none() && parts.is_empty() {
            out.push_str(" />");
            return;
        }
        out.push('>');
        if let Some(text) = lead {
            escape_into(out, text, false);
        }
        for (element, tail) in parts {
            element.write(out);
            if let Some(tail) = tail {
                escape_into(out, tail, false);
            }
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }

    /// The opening text and each child element with the text that follows it, after
    /// ElementTree's rules. Empty strings count as no text (Python's `if self.value`).
    fn layout(&self) -> (Option<&str>, Vec<(&Element, Option<&str>)>) {
        let mut lead = self.text.as_deref().filter(|t| !t.is_empty());
        let mut parts: Vec<(&Element, Option<&str>)> = Vec::new();
        for child in &self.children {
            match child {
                Child::Element(e) => parts.push((e, None)),
                Child::Text(t) => match parts.last_mut() {
                    Some(last) => last.1 = Some(t.as_str()),
                    None => lead = Some(t.as_str()),
                },
            }
        }
        let lead = lead.filter(|t| !t.is_empty());
        for part in &mut parts {
            part.1 = part.1.filter(|t| !t.is_empty());
        }
        (lead, parts)
    }
}

/// Escapes as ElementTree does. Characters XML 1.0 forbids (most control characters) are
/// dropped, so every document stays well-formed; ElementTree would write them and produce
/// XML that Twilio cannot parse.
fn escape_into(out: &mut String, text: &str, attribute: bool) {
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
