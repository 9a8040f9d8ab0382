//! The TwiML tree, written by [`super::writer`] as Twilio's official Python library writes it.

use std::borrow::Cow;
use std::convert::Infallible;

use compact_str::{CompactString, ToCompactString};

use super::markup::Markup;
use super::writer::{self, Node, XML_DECLARATION, name_order};

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
    /// Content already written as XML, such as the SSML a voice compiles: written as it is.
    Markup(Markup),
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

    // Inlined so that setting a text value (most attributes) compiles to a plain move.
    #[inline(always)]
    fn render_compact(self) -> CompactString {
        match self {
            AttrValue::Text(s) => s,
            other => other.render_scalar(),
        }
    }

    fn render_scalar(self) -> CompactString {
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

/// An element's text. A `&'static str` (a literal, as builders mostly pass) takes no heap
/// block: inline when short, else by reference, as the official library keeps its literals.
/// Other text is copied, inline when short.
#[derive(Debug, Clone, PartialEq)]
pub struct Text(CompactString);

impl Text {
    /// Text borrowed for less than `'static`, copied.
    pub fn copied(text: &str) -> Self {
        Text(CompactString::from(text))
    }
}

impl From<&'static str> for Text {
    fn from(text: &'static str) -> Self {
        Text(literal(text))
    }
}
impl From<String> for Text {
    fn from(text: String) -> Self {
        Text(CompactString::from(text))
    }
}
impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Text(CompactString::from(text.as_str()))
    }
}
impl From<CompactString> for Text {
    fn from(text: CompactString) -> Self {
        Text(text)
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

/// A `&'static str` takes no heap block, as for [`Text`].
impl From<&'static str> for AttrValue {
    fn from(v: &'static str) -> Self {
        AttrValue::Text(literal(v))
    }
}

/// A literal held without a heap block: copied inline when short (`const_new` would copy it
/// byte by byte), else referenced.
#[inline]
fn literal(text: &'static str) -> CompactString {
    if text.len() <= INLINE_TEXT {
        CompactString::from(text)
    } else {
        CompactString::const_new(text)
    }
}

/// The longest text a `CompactString` holds inline.
const INLINE_TEXT: usize = std::mem::size_of::<CompactString>();
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
            Child::Text(_) | Child::Markup(_) => None,
        }
    }

    /// The child elements, without the text between them.
    pub fn into_children(self) -> impl Iterator<Item = Element> {
        self.children.into_iter().filter_map(|c| match c {
            Child::Element(e) => Some(e),
            Child::Text(_) | Child::Markup(_) => None,
        })
    }

    /// Everything inside the element in order: the opening text, then the children.
    pub fn into_content(self) -> Vec<Child> {
        match self.text {
            Some(text) => {
                let mut content = Vec::with_capacity(self.children.len() + 1);
                content.push(Child::Text(text.into_string()));
                content.extend(self.children);
                content
            }
            None => self.children,
        }
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
            Err(i) => {
                // Verbs such as Gather, Record and Dial carry many attributes: start with room
                // for most of them rather than growing 4 → 8 → 16.
                if self.attributes.capacity() == 0 {
                    self.attributes.reserve_exact(FIRST_ATTRIBUTES);
                }
                self.attributes.insert(i, (name, value));
            }
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
    pub fn set_text(&mut self, text: impl Into<Text>) {
        self.text = Some(text.into().0);
    }

    pub fn with_text(mut self, text: impl Into<Text>) -> Self {
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
            Some(Child::Element(_) | Child::Markup(_)) => {
                self.children.push(Child::Text(text.to_owned()))
            }
        }
    }

    /// Appends content already written as XML. Empty markup adds nothing, so an element with
    /// no other content is still written `<Name />`.
    pub fn push_markup(&mut self, markup: Markup) {
        if !markup.is_empty() {
            self.children.push(Child::Markup(markup));
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
                Child::Markup(m) => m.as_str().len(),
            })
            .sum::<usize>()
    }

    /// Writes the element as the official library does (see [`writer::write`]).
    pub fn write(&self, out: &mut String) {
        let Ok(()) = writer::write(self, out);
    }
}

impl Node for Element {
    type Error = Infallible;

    fn name(&self) -> &str {
        &self.name
    }

    fn attributes(&self) -> impl Iterator<Item = (&str, &str)> {
        Element::attributes(self)
    }

    fn attributes_sorted(&self) -> bool {
        true // kept sorted as they are set
    }

    fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    fn child_count(&self) -> usize {
        self.children.len()
    }

    fn child_text(&self, index: usize) -> Option<&str> {
        match &self.children[index] {
            Child::Text(text) => Some(text),
            Child::Element(_) | Child::Markup(_) => None,
        }
    }

    fn write_child(&self, index: usize, out: &mut String) -> Result<(), Infallible> {
        match &self.children[index] {
            Child::Element(element) => writer::write(element, out),
            Child::Markup(markup) => {
                out.push_str(markup.as_str());
                Ok(())
            }
            Child::Text(_) => Ok(()),
        }
    }
}

/// Room for attributes an element gets with its first one.
const FIRST_ATTRIBUTES: usize = 8;

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
