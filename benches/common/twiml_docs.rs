//! The documents the TwiML benches build: the three reference documents of
//! `tests/fixtures/twiml_vectors.json`, built call for call as the official library's builder
//! calls did, and twenty utterances spoken by a profile voice. Shared by `twiml` (timing),
//! `twiml_allocations` (allocation counts) and `tests/twiml_vectors.rs` (byte equality).

use projectx::config::{VoiceProfileConfig, VoiceSettings};
use projectx::twiml::{Child, Element, VoiceResponse};
use projectx::voice::{Effect, Emotion, SpeakOptions, VoiceProfile};

pub fn el(name: &'static str) -> Element {
    Element::new(name)
}

// The three reference documents, built call for call as tests/twiml_vectors.rs builds them.

pub fn ivr_gather_menu() -> String {
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
    r.to_xml()
}

pub fn say_ssml_play_pause_hangup() -> String {
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
    r.to_xml()
}

pub fn record_dial_connect_stream() -> String {
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
    r.to_xml()
}

// profile_say_20: twenty utterances spoken by a profile-driven Polly standard voice.

/// Text, emotion and effects of each utterance.
pub const UTTERANCES: [(&str, Emotion, &[Effect]); 20] = [
    (
        "Hello, this is Acme Energy calling about your account ending in 4821.",
        Emotion::Neutral,
        &[],
    ),
    (
        "Your next payment of $142.50 is due on 2025-07-15.",
        Emotion::Neutral,
        &[],
    ),
    (
        "If you have questions, call us at (800) 555-0199, Monday to Friday.",
        Emotion::Neutral,
        &[],
    ),
    (
        "Our office is open from 8:30 AM until 6:00 PM.",
        Emotion::Happy,
        &[],
    ),
    (
        "We received your request on 03/14/2025 at 14:05.",
        Emotion::Neutral,
        &[],
    ),
    (
        "This is your 3rd reminder, so please act soon!",
        Emotion::Urgent,
        &[],
    ),
    (
        "Your balance is 1,250 dollars and 40 cents.",
        Emotion::Serious,
        &[],
    ),
    (
        "Press 1 to pay now, press 2 to speak with an agent, or press 9 to hear this again.",
        Emotion::Neutral,
        &[],
    ),
    (
        "Great news: your refund of 86 dollars was approved yesterday.",
        Emotion::Excited,
        &[],
    ),
    (
        "Dr. Patel will call you back from +14155550123 before 5:00 PM.",
        Emotion::Neutral,
        &[],
    ),
    (
        "Your appointment is on 2025-08-02 at 10:15 AM, at 221 Baker St. in suite 4.",
        Emotion::Calm,
        &[],
    ),
    (
        "Please have your policy number ready; it starts with 7F and ends with 0093.",
        Emotion::Serious,
        &[],
    ),
    (
        "We're sorry for the outage on 06/30/2025, which affected 12,400 customers.",
        Emotion::Sad,
        &[],
    ),
    (
        "Take a deep breath: there is nothing you need to do right now.",
        Emotion::Calm,
        &[Effect::Soft],
    ),
    (
        "Between you and me, the promotion ends on the 31st.",
        Emotion::Whisper,
        &[],
    ),
    (
        "Attention! Service in your area will be interrupted on 2025-09-01 from 01:00 to 04:00.",
        Emotion::Urgent,
        &[Effect::Compress],
    ),
    (
        "Your confirmation code is 4 7 2 9, again, 4 7 2 9.",
        Emotion::Neutral,
        &[Effect::Stretch],
    ),
    (
        "Sorry, let me check that for you.",
        Emotion::Neutral,
        &[Effect::Stutter],
    ),
    (
        "Thank you for being with us since 2009. Goodbye, and have a wonderful day.",
        Emotion::Happy,
        &[Effect::Echo],
    ),
    (
        "For billing, call 212-555-0147; for outages, call 800-555-0100, any time, day or night.",
        Emotion::Neutral,
        &[Effect::Deeper],
    ),
];

/// Polly standard voice, style authoritative, pitch 1.2, rate 0.9.
pub fn profile() -> VoiceProfile {
    let config = VoiceProfileConfig {
        voice: Some("Polly.Joanna".to_owned()),
        language: Some("en-US".to_owned()),
        style: Some("authoritative".to_owned()),
        pitch: Some(1.2),
        rate: Some(0.9),
        ..VoiceProfileConfig::default()
    };
    let profile = VoiceProfile::from_config("announcer", &config, &VoiceSettings::default())
        .expect("the bench profile resolves");
    assert!(
        profile.warnings().is_empty(),
        "bench profile warnings: {:?}",
        profile.warnings()
    );
    profile
}

pub fn utterance_options() -> Vec<SpeakOptions> {
    UTTERANCES
        .iter()
        .map(|(_, emotion, effects)| SpeakOptions {
            emotion: *emotion,
            effects: effects.to_vec(),
        })
        .collect()
}

/// The whole response: twenty `speak()` calls, their verbs moved into one `<Response>`.
pub fn profile_response(profile: &VoiceProfile, options: &[SpeakOptions]) -> VoiceResponse {
    let mut r = VoiceResponse::new();
    for ((text, _, _), options) in UTTERANCES.iter().zip(options) {
        let speech = profile.speak(text, options).expect("bench text speaks");
        r.push_markup(speech.verbs);
    }
    r
}

/// The children of `e`, with markup (the SSML `speak()` writes in one pass) read back into the
/// elements and texts a builder would have made.
pub fn content(e: &Element) -> Vec<Child> {
    let mut out = Vec::new();
    for child in e.children() {
        match child {
            Child::Markup(m) => {
                out.extend(m.to_children().expect("speak() writes well-formed markup"))
            }
            other => out.push(other.clone()),
        }
    }
    out
}

/// A finished tree as straight-line builder calls would spell it: every name and string a
/// literal (`&'static str`). The Python side runs generated straight-line code whose names and
/// strings are constants, so the Rust side must not pay for owned copies of names either.
pub struct Recipe {
    name: &'static str,
    attrs: Vec<(&'static str, &'static str)>,
    text: Option<&'static str>,
    children: Vec<RecipeChild>,
}

enum RecipeChild {
    Element(Recipe),
    Text(&'static str),
}

/// Leaked once, outside any timing: these strings live as long as the bench, like literals.
fn literal(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

impl Recipe {
    pub fn of(e: &Element) -> Self {
        Self {
            name: literal(e.name()),
            attrs: e
                .attributes()
                .map(|(k, v)| (literal(k), literal(v)))
                .collect(),
            text: e.text().map(literal),
            children: content(e)
                .iter()
                .map(|c| match c {
                    Child::Element(c) => RecipeChild::Element(Recipe::of(c)),
                    Child::Text(t) => RecipeChild::Text(literal(t)),
                    Child::Markup(_) => unreachable!("content() reads markup back"),
                })
                .collect(),
        }
    }

    /// The tree built again through the public builder API, without speak(): the Rust
    /// counterpart of what the Python side does for profile_say_20.
    pub fn build(&self) -> Element {
        let mut out = Element::new(self.name);
        for &(k, v) in &self.attrs {
            out.set_attr(k, v);
        }
        if let Some(text) = self.text {
            out.set_text(text);
        }
        for child in &self.children {
            match child {
                RecipeChild::Element(c) => {
                    out.push(c.build());
                }
                RecipeChild::Text(t) => out.push_text(*t),
            }
        }
        out
    }
}
