//! Content written as XML in one pass, for producers that know their content in document
//! order (the SSML a voice compiles from text): building a tree first would only have it
//! written out again. The bytes are those [`super::write`] writes for the same tree.

use quick_xml::events::{BytesStart, Event};
use smallvec::SmallVec;

use super::element::{Child, Element};
use super::writer::{escape_into, name_order, write_attribute, write_attributes};

/// Well-formed XML content: escaped text and elements with sorted attributes. Only a
/// [`MarkupWriter`] makes one, so every `Markup` can be placed inside an element as it is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Markup(String);

/// Markup that an XML parser rejected; only possible if the writer has a bug.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("markup is not well-formed XML: {0}")]
pub struct MarkupError(String);

impl Markup {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The content as a tree, for code that walks it rather than writes it.
    pub fn to_children(&self) -> Result<Vec<Child>, MarkupError> {
        let bad = |e: &dyn std::fmt::Display| MarkupError(e.to_string());
        // Inside an element of its own, so that text opening the markup is content even when
        // it starts with what a parser takes for a byte order mark at the start of a document.
        let wrapped = format!("<m>{}</m>", self.0);
        let mut reader = quick_xml::Reader::from_str(&wrapped);
        let mut stack: Vec<Element> = Vec::new();
        loop {
            let event = reader.read_event().map_err(|e| bad(&e))?;
            if let Some(text) = text_of(&event).map_err(MarkupError)? {
                innermost(&mut stack)?.append_text(&text);
                continue;
            }
            match event {
                Event::Start(start) => stack.push(element(&start)?),
                Event::Empty(start) => {
                    let empty = element(&start)?;
                    innermost(&mut stack)?.push(empty);
                }
                Event::End(_) => {
                    let closed = stack
                        .pop()
                        .ok_or_else(|| bad(&"an end tag closes nothing"))?;
                    match stack.last_mut() {
                        Some(parent) => {
                            parent.push(closed);
                        }
                        // The wrapper: everything inside it is the content.
                        None => return Ok(closed.into_content()),
                    }
                }
                Event::Eof => return Err(bad(&"an element is not closed")),
                other => return Err(MarkupError(format!("unexpected {other:?}"))),
            }
        }
    }
}

fn innermost(stack: &mut [Element]) -> Result<&mut Element, MarkupError> {
    stack
        .last_mut()
        .ok_or_else(|| MarkupError("content outside any element".to_owned()))
}

/// The text an event carries (escaped text, or a character or entity reference), unescaped;
/// `None` for other events. Shared by every reader of TwiML here.
pub(crate) fn text_of(event: &Event<'_>) -> Result<Option<String>, String> {
    match event {
        Event::Text(text) => {
            let text = text.decode().map_err(|e| e.to_string())?;
            let text = quick_xml::escape::unescape(&text).map_err(|e| e.to_string())?;
            Ok(Some(text.into_owned()))
        }
        Event::GeneralRef(reference) => {
            if let Some(c) = reference.resolve_char_ref().map_err(|e| e.to_string())? {
                return Ok(Some(c.to_string()));
            }
            let name = reference.decode().map_err(|e| e.to_string())?;
            quick_xml::escape::unescape(&format!("&{name};"))
                .map(|c| Some(c.into_owned()))
                .map_err(|_| format!("unknown entity &{name};"))
        }
        _ => Ok(None),
    }
}

fn element(start: &BytesStart) -> Result<Element, MarkupError> {
    let bad = |e: &dyn std::fmt::Display| MarkupError(e.to_string());
    let name = start.name();
    let name = std::str::from_utf8(name.as_ref()).map_err(|e| bad(&e))?;
    let mut element = Element::new(name.to_owned());
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| bad(&e))?;
        let key = std::str::from_utf8(attribute.key.as_ref()).map_err(|e| bad(&e))?;
        let value = attribute.unescape_value().map_err(|e| bad(&e))?;
        element.set_attr(key.to_owned(), value.into_owned());
    }
    Ok(element)
}

/// A start tag written once, for content that opens the same element many times (`<s>`,
/// `<say-as format="ymd" interpret-as="date">`): opening it is one copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartTag {
    name: &'static str,
    /// `<name attributes`, without the `>` that waits to see whether content follows.
    markup: String,
}

impl StartTag {
    /// The tag as [`MarkupWriter::open`] writes it: attributes sorted, values escaped.
    pub fn new(name: &'static str, attributes: &[(&str, &str)]) -> Self {
        let mut writer = MarkupWriter::default();
        writer.open(name, attributes);
        Self {
            name,
            markup: writer.out,
        }
    }
}

/// Writes [`Markup`]: elements are opened and closed in order, text is escaped as it is
/// written, and an element closed with no content is written `<name />`, as ElementTree does.
#[derive(Debug, Default)]
pub struct MarkupWriter {
    out: String,
    /// The open elements, innermost last; content rarely nests deeper than this holds inline.
    open: SmallVec<[&'static str; 8]>,
    /// The innermost start tag still lacks its `>`: it is written `<name />` if closed now.
    start_unfinished: bool,
}

impl MarkupWriter {
    /// A writer with room for `bytes` of markup.
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            out: String::with_capacity(bytes),
            open: SmallVec::new(),
            start_unfinished: false,
        }
    }

    /// Opens an element. Attributes, each name once, may come in any order; they are written
    /// sorted by name.
    pub fn open(&mut self, name: &'static str, attributes: &[(&str, &str)]) {
        self.finish_start();
        self.out.push('<');
        self.out.push_str(name);
        // Producers mostly pass them sorted already.
        if attributes.is_sorted_by(|a, b| name_order(a.0, b.0).is_le()) {
            for (name, value) in attributes {
                write_attribute(&mut self.out, name, value);
            }
        } else {
            write_attributes(&mut self.out, attributes.iter().copied());
        }
        self.open.push(name);
        self.start_unfinished = true;
    }

    /// Opens an element with a start tag written before.
    pub fn open_tag(&mut self, tag: &StartTag) {
        self.finish_start();
        self.out.push_str(&tag.markup);
        self.open.push(tag.name);
        self.start_unfinished = true;
    }

    /// Closes the innermost open element; does nothing when none is open.
    pub fn close(&mut self) {
        let Some(name) = self.open.pop() else {
            return;
        };
        if std::mem::take(&mut self.start_unfinished) {
            self.out.push_str(" />");
        } else {
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
    }

    /// Writes text, escaped; characters XML does not allow are dropped. Text that writes
    /// nothing leaves an element given only that text written `<name />`.
    pub fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let unfinished = self.start_unfinished;
        let before = self.out.len();
        self.finish_start();
        let opened = self.out.len();
        escape_into(&mut self.out, text, false);
        if unfinished && self.out.len() == opened {
            // Nothing but characters XML cannot carry: the element is still empty.
            self.out.truncate(before);
            self.start_unfinished = true;
        }
    }

    /// An element holding only `text` (none when empty).
    pub fn element(&mut self, name: &'static str, attributes: &[(&str, &str)], text: &str) {
        self.open(name, attributes);
        self.text(text);
        self.close();
    }

    /// How many elements are open.
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// The markup, with every element still open closed.
    pub fn finish(mut self) -> Markup {
        while !self.open.is_empty() {
            self.close();
        }
        Markup(self.out)
    }

    fn finish_start(&mut self) {
        if std::mem::take(&mut self.start_unfinished) {
            self.out.push('>');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_as_the_tree_writer_does() {
        let mut w = MarkupWriter::default();
        w.open("prosody", &[("rate", "90%"), ("pitch", "+20%")]);
        w.open("s", &[]);
        w.text("Fish & chips <now>");
        w.element("break", &[("time", "500ms")], "");
        w.element(
            "say-as",
            &[("interpret-as", "date"), ("format", "ymd")],
            "2026-12-01",
        );
        w.text("");
        let markup = w.finish();

        let mut tree = Element::new("prosody")
            .attr("rate", "90%")
            .attr("pitch", "+20%");
        let s = tree.push(Element::new("s").with_text("Fish & chips <now>"));
        s.push(Element::new("break").attr("time", "500ms"));
        s.push(
            Element::new("say-as")
                .attr("interpret-as", "date")
                .attr("format", "ymd")
                .with_text("2026-12-01"),
        );
        assert_eq!(markup.as_str(), tree.to_xml_fragment());
        assert_eq!(
            markup.as_str(),
            "<prosody pitch=\"+20%\" rate=\"90%\"><s>Fish &amp; chips &lt;now&gt;<break time=\"500ms\" /><say-as format=\"ymd\" interpret-as=\"date\">2026-12-01</say-as></s></prosody>"
        );
        assert_eq!(markup.to_children(), Ok(vec![Child::Element(tree)]));
    }

    #[test]
    fn attribute_values_are_escaped_and_unwritable_characters_dropped() {
        let mut w = MarkupWriter::default();
        w.element("sub", &[("alias", "a \"b\"\n<c>")], "x\u{1}y");
        let markup = w.finish();
        assert_eq!(
            markup.as_str(),
            "<sub alias=\"a &quot;b&quot;&#10;&lt;c&gt;\">xy</sub>"
        );
        let children = markup.to_children().unwrap_or_default();
        let [Child::Element(sub)] = children.as_slice() else {
            panic!("one element: {children:?}");
        };
        assert_eq!(sub.attribute("alias"), Some("a \"b\"\n<c>"));
        assert_eq!(sub.text(), Some("xy"));
    }

    #[test]
    fn text_between_elements_reads_back_in_order() {
        let mut w = MarkupWriter::default();
        w.text("one ");
        w.element("break", &[], "");
        w.text("two & three");
        let children = w.finish().to_children().unwrap_or_default();
        assert_eq!(
            children,
            vec![
                Child::Text("one ".to_owned()),
                Child::Element(Element::new("break")),
                Child::Text("two & three".to_owned()),
            ]
        );
    }

    #[test]
    fn a_start_tag_written_before_opens_as_open_does() {
        let attributes = [("interpret-as", "date"), ("format", "y\"md")];
        let tag = StartTag::new("say-as", &attributes);
        let mut once = MarkupWriter::default();
        once.open_tag(&tag);
        once.text("2026");
        once.close();
        once.open_tag(&tag);
        once.close();
        let mut each = MarkupWriter::default();
        each.element("say-as", &attributes, "2026");
        each.element("say-as", &attributes, "");
        assert_eq!(once.finish(), each.finish());
    }

    #[test]
    fn an_element_whose_text_is_all_dropped_is_still_empty() {
        let mut w = MarkupWriter::default();
        w.element("s", &[], "\u{1}\u{2}");
        assert_eq!(w.finish().as_str(), "<s />");
    }

    #[test]
    fn closing_with_nothing_open_writes_nothing() {
        let mut w = MarkupWriter::default();
        w.close();
        w.open("s", &[]);
        assert_eq!(w.depth(), 1);
        assert_eq!(w.finish().as_str(), "<s />");
    }
}
