//! The reference documents of `tests/fixtures/twiml_vectors.json`, written by Twilio's official
//! Python library, rebuilt here call for call: the bytes must be identical.

#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use projectx::twiml::{Element, VoiceResponse};

fn vector(name: &str) -> (String, String) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/twiml_vectors.json"
    ))
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let doc = json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name}"));
    (
        doc["xml"].as_str().unwrap().to_owned(),
        doc["xml_no_declaration"].as_str().unwrap().to_owned(),
    )
}

fn el(name: &'static str) -> Element {
    Element::new(name)
}

#[test]
fn ivr_gather_menu() {
    let mut r = VoiceResponse::new();
    let g = r.gather();
    g.set_attr("input", "speech dtmf");
    g.set_attr("action", "https://example.com/menu");
    g.set_attr("method", "POST");
    g.set_attr("numDigits", 1);
    g.set_attr("timeout", 5);
    g.set_attr("speechTimeout", "auto");
    g.set_attr("hints", "sales, support, billing");
    g.set_attr("language", "en-US");
    g.set_attr("actionOnEmptyResult", true);
    g.set_attr("bargeIn", true);
    g.push(
        el("Say")
            .with_text("Press 1 or say sales. Press 2 or say support.")
            .attr("voice", "Polly.Joanna-Neural")
            .attr("language", "en-US"),
    );
    r.say("We didn't get that. Goodbye & thanks!")
        .set_attr("voice", "Google.en-US-Chirp3-HD-Aoede");
    r.redirect("https://example.com/menu?retry=1&lang=en")
        .set_attr("method", "POST");
    let (xml, fragment) = vector("ivr_gather_menu");
    assert_eq!(r.to_xml(), xml);
    assert_eq!(r.element().to_xml_fragment(), fragment);
}

#[test]
fn say_ssml_play_pause_hangup() {
    let mut r = VoiceResponse::new();
    let s = r.append(
        el("Say")
            .attr("voice", "Polly.Matthew-Neural")
            .attr("language", "en-US"),
    );
    s.push(el("p").with_text("Hello from the café."));
    s.push(el("break").attr("strength", "medium").attr("time", "500ms"));
    s.push(
        el("prosody")
            .with_text("I speak slowly and softly.")
            .attr("rate", "80%")
            .attr("volume", "soft")
            .attr("pitch", "-5%"),
    );
    s.push(el("emphasis").with_text("really").attr("level", "strong"));
    s.push(
        el("say-as")
            .with_text("12345")
            .attr("interpret-as", "digits"),
    );
    s.push(
        el("say-as")
            .with_text("2024-03-01")
            .attr("interpret-as", "date")
            .attr("format", "ymd"),
    );
    s.push(
        el("sub")
            .with_text("W3C")
            .attr("alias", "World Wide Web Consortium"),
    );
    s.push(
        el("phoneme")
            .with_text("tomato")
            .attr("alphabet", "ipa")
            .attr("ph", "təˈmeɪtoʊ"),
    );
    s.push(el("lang").with_text("Bonjour").attr("xml:lang", "fr-FR"));
    s.push(el("s").with_text("One sentence."));
    s.push(el("w").with_text("read").attr("role", "amazon:VBD"));
    s.push(
        el("amazon:effect")
            .with_text("this is whispered")
            .attr("name", "whispered"),
    );
    s.push(
        el("amazon:domain")
            .with_text("Breaking news tonight.")
            .attr("name", "news"),
    );
    r.pause(2);
    r.play("https://api.twilio.com/cowbell.mp3")
        .set_attr("loop", 2);
    r.append(el("Play").attr("digits", "ww1234#"));
    r.hangup();
    let (xml, fragment) = vector("say_ssml_play_pause_hangup");
    assert_eq!(r.to_xml(), xml);
    assert_eq!(r.element().to_xml_fragment(), fragment);
}

#[test]
fn record_dial_connect_stream() {
    let mut r = VoiceResponse::new();
    r.say("Leave a message after the beep.")
        .set_attr("voice", "alice");
    r.append(
        el("Record")
            .attr("action", "https://example.com/recorded")
            .attr("method", "POST")
            .attr("maxLength", 120)
            .attr("finishOnKey", "#")
            .attr("playBeep", true)
            .attr("timeout", 5)
            .attr("trim", "trim-silence")
            .attr("recordingStatusCallback", "https://example.com/rec-status")
            .attr(
                "recordingStatusCallbackEvent",
                "in-progress completed absent",
            )
            .attr("recordingStatusCallbackMethod", "POST")
            .attr("transcribe", false),
    );
    let d = r.dial(None);
    d.set_attr("callerId", "+15005550006");
    d.set_attr("timeout", 20);
    d.set_attr("record", "record-from-answer-dual");
    d.set_attr("answerOnBridge", true);
    d.set_attr("action", "https://example.com/dial-done");
    d.set_attr("timeLimit", 600);
    d.push(
        el("Number")
            .with_text("+14155550100")
            .attr("statusCallback", "https://example.com/leg-status")
            .attr(
                "statusCallbackEvent",
                "initiated ringing answered completed",
            )
            .attr("statusCallbackMethod", "POST")
            .attr("sendDigits", "wwww1928"),
    );
    let c = r.append(el("Connect").attr("action", "https://example.com/stream-ended"));
    let st = c.push(
        el("Stream")
            .attr("url", "wss://example.com/media")
            .attr("name", "agent-audio")
            .attr("track", "inbound_track")
            .attr("statusCallback", "https://example.com/stream-status"),
    );
    st.push(
        el("Parameter")
            .attr("name", "profile")
            .attr("value", "support \"tier-1\""),
    );
    r.hangup();
    let (xml, fragment) = vector("record_dial_connect_stream");
    assert_eq!(r.to_xml(), xml);
    assert_eq!(r.element().to_xml_fragment(), fragment);
}
