//! TwiML documents, written byte for byte as Twilio's official helper library writes them:
//! the XML declaration with no newline, `&`, `<` and `>` escaped in text, nothing else changed.

const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// Escapes element text the way the official library does (quotes stay as they are).
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A document that says `message` and ends the call: what `projectx call --message` sends.
pub fn say_document(message: &str) -> String {
    format!(
        "{DECLARATION}<Response><Say>{}</Say></Response>",
        escape_text(message)
    )
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
}
