//! `VoiceResponse`: the `<Response>` document with typed shortcuts for the verbs the runtime
//! writes most. Every other verb and attribute goes through [`Element`] directly.

use super::element::{Element, Text};
use super::markup::Markup;

/// A `<Response>` document.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceResponse {
    root: Element,
}

impl Default for VoiceResponse {
    fn default() -> Self {
        Self::new()
    }
}

impl VoiceResponse {
    pub fn new() -> Self {
        Self {
            root: Element::new("Response"),
        }
    }

    /// Appends any verb and returns it for further nesting.
    pub fn append(&mut self, verb: Element) -> &mut Element {
        self.root.push(verb)
    }

    /// Appends verbs already written as XML, such as a voice's speech.
    pub fn push_markup(&mut self, verbs: Markup) {
        self.root.push_markup(verbs);
    }

    /// `<Say>text</Say>`; SSML children may be pushed onto the result.
    pub fn say(&mut self, text: impl Into<Text>) -> &mut Element {
        self.append(Element::new("Say").with_text(text))
    }

    pub fn play(&mut self, url: impl Into<Text>) -> &mut Element {
        self.append(Element::new("Play").with_text(url))
    }

    /// `<Pause length="seconds" />`.
    pub fn pause(&mut self, seconds: u32) -> &mut Element {
        self.append(Element::new("Pause").attr("length", seconds))
    }

    pub fn gather(&mut self) -> &mut Element {
        self.append(Element::new("Gather"))
    }

    pub fn record(&mut self) -> &mut Element {
        self.append(Element::new("Record"))
    }

    /// `<Dial>`, with a number as its text when given.
    pub fn dial(&mut self, number: Option<&str>) -> &mut Element {
        let mut dial = Element::new("Dial");
        if let Some(number) = number {
            dial.set_text(Text::copied(number));
        }
        self.append(dial)
    }

    pub fn redirect(&mut self, url: impl Into<Text>) -> &mut Element {
        self.append(Element::new("Redirect").with_text(url))
    }

    pub fn reject(&mut self) -> &mut Element {
        self.append(Element::new("Reject"))
    }

    pub fn hangup(&mut self) -> &mut Element {
        self.append(Element::new("Hangup"))
    }

    pub fn element(&self) -> &Element {
        &self.root
    }

    pub fn into_element(self) -> Element {
        self.root
    }

    /// The root and its library class, for [`super::nest`].
    pub fn root_mut(&mut self) -> (&mut Element, &'static str) {
        (&mut self.root, super::schema::ROOT_CLASS)
    }

    /// Keeps the first `len` verbs.
    pub fn truncate(&mut self, len: usize) {
        self.root.truncate(len);
    }

    /// Whether no verb has been added.
    pub fn is_empty(&self) -> bool {
        self.root.children().is_empty()
    }

    /// The document with the XML declaration.
    pub fn to_xml(&self) -> String {
        self.root.to_xml()
    }
}

/// True when a document can go inline as a call's `Twiml` (Twilio takes at most 4,000
/// characters); a longer one must be served from a URL.
pub fn fits_inline(xml: &str) -> bool {
    xml.chars().count() <= crate::twilio::MAX_TWIML_CHARS
}

/// A document that says `message` and ends: what `projectx call --message` sends.
pub fn say_document(message: &str) -> String {
    let mut response = VoiceResponse::new();
    response.say(Text::copied(message));
    response.to_xml()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_official_library_bytes() {
        // twilio-python 9.13: VoiceResponse().say("We didn't get that. Goodbye & thanks!").to_xml()
        assert_eq!(
            say_document("We didn't get that. Goodbye & thanks!"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>We didn't get that. Goodbye &amp; thanks!</Say></Response>"
        );
    }

    #[test]
    fn markup_in_text_cannot_inject_verbs() {
        let doc = say_document("</Say><Dial>+19995550100</Dial><Say>");
        assert!(!doc.contains("<Dial>"), "{doc}");
        assert!(doc.contains("&lt;/Say&gt;&lt;Dial&gt;"), "{doc}");
    }

    #[test]
    fn empty_elements_self_close_with_a_space() {
        let mut r = VoiceResponse::new();
        r.hangup();
        assert_eq!(
            r.element().to_xml_fragment(),
            "<Response><Hangup /></Response>"
        );
        assert_eq!(
            VoiceResponse::new().element().to_xml_fragment(),
            "<Response />"
        );
    }
}
