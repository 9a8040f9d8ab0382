//! Profiles from the configuration, and speaking: text → plan → the engine's `<Say>`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::compile::{PlainCompiler, SsmlCompiler};
use super::engine::{EngineFamily, closest_voice, default_voice, is_known_voice};
use super::flow::{self, Piece};
use super::ssml::{
    AmazonEffect, ECHO_PAUSE_MS, Prosody, STRETCH_GAP_MS, STUTTER_PAUSE_MS, Speaker, Tag,
};
use super::style::{Delivery, Effect, Emotion, Style, UnknownName};
use super::warning::{VoiceWarning, Warnings};
use crate::config::{Config, VoiceModel, VoiceProfileConfig, VoiceQuality, VoiceSettings};
use crate::twiml::{
    Element, Markup, MarkupError, MarkupWriter, StartTag, VoiceResponse, is_xml_char,
};

/// Twilio reads at most this many characters of text in one `<Say>`.
pub const MAX_SAY_CHARS: usize = 4096;
const FACTOR_RANGE: std::ops::RangeInclusive<f64> = 0.5..=2.0;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VoiceError {
    #[error("unknown voice profile {given:?}; known: {}", known.join(", "))]
    UnknownProfile { given: String, known: Vec<String> },
    #[error("unknown agent {given:?}; known: {}", known.join(", "))]
    UnknownAgent { given: String, known: Vec<String> },
    #[error(transparent)]
    UnknownName(#[from] UnknownName),
    #[error("{name} {value} is outside 0.5–2.0 (1.0 is the voice's own)")]
    OutOfRange { name: &'static str, value: f64 },
    #[error("volume {0:?} is not soft, medium, loud (x-soft … x-loud) or decibels like +3dB")]
    BadVolume(String),
    #[error("there is no text to say")]
    EmptyText,
    #[error("the text is {0} characters; one <Say> reads at most {MAX_SAY_CHARS}: split it")]
    TooLong(usize),
    /// Compiled SSML that could not be read back (a bug, not bad input).
    #[error(transparent)]
    Markup(#[from] MarkupError),
}

/// A resolved voice: a concrete Twilio voice and the delivery every utterance starts from.
/// Read-only once resolved, so what it compiles once (its `<Say>` start tag) stays true.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceProfile {
    name: String,
    /// The Twilio voice name (`Polly.Matthew-Neural`).
    voice: String,
    family: EngineFamily,
    language: Option<String>,
    style: Style,
    pitch: f64,
    rate: f64,
    volume_db: f64,
    /// Problems found while resolving the profile (an unknown voice name, say).
    warnings: Vec<VoiceWarning>,
    /// `<Say language=… voice=…`, written once for every utterance.
    say: StartTag,
}

impl VoiceProfile {
    /// Resolves a profile from the configuration, filling gaps from `twilio.voice_settings`.
    pub fn from_config(
        name: &str,
        config: &VoiceProfileConfig,
        defaults: &VoiceSettings,
    ) -> Result<Self, VoiceError> {
        let style = match &config.style {
            Some(s) => s.parse::<Style>()?,
            None => Style::Neutral,
        };
        let pitch = factor("pitch", config.pitch)?;
        let rate = factor("rate", config.rate)?;
        let volume_db = match &config.volume {
            Some(v) => parse_volume(v)?,
            None => 0.0,
        };
        let language = config
            .language
            .clone()
            .or_else(|| defaults.language.clone());
        let mut warnings = Vec::new();
        let voice = match &config.voice {
            Some(voice) => {
                if !is_known_voice(voice) {
                    let hint = closest_voice(voice)
                        .map(|v| format!("; did you mean {v}?"))
                        .unwrap_or_default();
                    warnings.push(VoiceWarning::new(format!(
                        "voice {voice:?} is not a voice this version knows{hint}; it is sent to Twilio as written"
                    )));
                }
                voice.clone()
            }
            None => {
                // quality: standard asks for the cheaper standard engine when no model is set.
                let by_quality = match defaults.quality {
                    Some(VoiceQuality::Standard) => VoiceModel::Standard,
                    _ => VoiceModel::Neural,
                };
                let model = config.model.or(defaults.model).unwrap_or(by_quality);
                default_voice(model, language.as_deref().unwrap_or("en-US"))
            }
        };
        Ok(Self {
            name: name.to_owned(),
            family: EngineFamily::of_voice(&voice),
            say: say_tag(&voice, language.as_deref()),
            voice,
            language,
            style,
            pitch,
            rate,
            volume_db,
            warnings,
        })
    }

    /// A profile for a bare Twilio voice, with no styling.
    pub fn plain(voice: &str) -> Self {
        Self {
            name: voice.to_owned(),
            voice: voice.to_owned(),
            family: EngineFamily::of_voice(voice),
            language: None,
            style: Style::Neutral,
            pitch: 1.0,
            rate: 1.0,
            volume_db: 0.0,
            warnings: Vec::new(),
            say: say_tag(voice, None),
        }
    }

    /// The same voice compiled as if its engine were `family` (the espeak preview compiles
    /// for an engine that honours everything).
    pub(crate) fn for_family(&self, family: EngineFamily) -> Self {
        Self {
            family,
            ..self.clone()
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Twilio voice name (`Polly.Matthew-Neural`).
    pub fn voice(&self) -> &str {
        &self.voice
    }

    pub fn family(&self) -> EngineFamily {
        self.family
    }

    pub fn language(&self) -> Option<&str> {
        self.language.as_deref()
    }

    pub fn style(&self) -> Style {
        self.style
    }

    pub fn pitch(&self) -> f64 {
        self.pitch
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    pub fn volume_db(&self) -> f64 {
        self.volume_db
    }

    /// Problems found while resolving the profile (an unknown voice name, say).
    pub fn warnings(&self) -> &[VoiceWarning] {
        &self.warnings
    }

    /// The verbs that say `text` in this voice.
    pub fn speak(&self, text: &str, options: &SpeakOptions) -> Result<Speech, VoiceError> {
        let mut warnings = Warnings::default();
        warnings.extend(self.warnings.iter().cloned());
        let text = sanitize(text, &mut warnings)?;
        let delivery = self.style.delivery().then(options.emotion.delivery());
        let verbs = if self.family.capabilities().ssml {
            // SSML is about four times the text; room for it up front avoids regrowing.
            let mut out = MarkupWriter::with_capacity(4 * text.len() + 192);
            out.open_tag(&self.say);
            let mut ssml = SsmlCompiler::new(self.family, &mut warnings, &mut out);
            self.plan(&text, delivery, options, &mut ssml);
            ssml.finish();
            out.finish()
        } else {
            let mut plain = PlainCompiler::new(self.family, &self.say, &mut warnings);
            self.plan(&text, delivery, options, &mut plain);
            plain.finish()
        };
        Ok(Speech {
            verbs,
            warnings: warnings.into_vec(),
        })
    }

    /// Speaks the plan of `text` into `out`: effects around the voice's prosody, around the
    /// sentences, their clauses and interpretations, with the delivery's pauses.
    fn plan(&self, text: &str, delivery: Delivery, options: &SpeakOptions, out: &mut impl Speaker) {
        let google = matches!(
            self.family,
            EngineFamily::Google | EngineFamily::GoogleChirp
        );
        let has = |effect| options.effects.contains(&effect);
        // Outermost first.
        let wrappers = [
            (has(Effect::Compress), AmazonEffect::Drc),
            (
                has(Effect::Whisper) || options.emotion == Emotion::Whisper,
                AmazonEffect::Whispered,
            ),
            (has(Effect::Soft), AmazonEffect::SoftPhonation),
            (has(Effect::Higher), AmazonEffect::VocalTract(-12)),
            (has(Effect::Deeper), AmazonEffect::VocalTract(15)),
        ];
        let mut open = 0;
        for (_, effect) in wrappers.iter().filter(|(on, _)| *on) {
            out.open(Tag::AmazonEffect(*effect));
            open += 1;
        }
        let stretch = has(Effect::Stretch);
        out.open(Tag::Prosody(Prosody {
            rate: Some(self.rate * delivery.rate * if stretch { 0.8 } else { 1.0 }),
            pitch: Some(self.pitch * delivery.pitch),
            volume_db: Some(self.volume_db + delivery.volume_db),
        }));
        let mut last_sentence = "";
        for (i, sentence) in flow::sentences(text).enumerate() {
            if i > 0 && delivery.sentence_pause_ms > 0 {
                out.pause(delivery.sentence_pause_ms);
            }
            out.open(Tag::Sentence);
            let emphasis = delivery.emphasis.filter(|_| i == 0);
            if let Some(level) = emphasis {
                out.open(Tag::Emphasis(level));
            }
            if i == 0 && has(Effect::Stutter) {
                stutter(sentence, google, out);
            }
            for (j, clause) in flow::clauses(sentence).enumerate() {
                if j > 0 {
                    if delivery.clause_pause_ms > 0 {
                        out.pause(delivery.clause_pause_ms);
                    } else {
                        out.text(" ");
                    }
                }
                let mut stretched = Stretched::default();
                flow::interpret(clause, google, |piece| match piece {
                    Piece::Text(text) if stretch => stretched.text(text, out),
                    Piece::Text(text) => out.text(text),
                    Piece::SayAs(interpretation, text) => {
                        stretched.started = true;
                        out.say_as(interpretation, text);
                    }
                });
            }
            if emphasis.is_some() {
                out.close();
            }
            out.close();
            last_sentence = sentence;
        }
        if has(Effect::Echo) {
            echo(last_sentence, out);
        }
        out.close();
        for _ in 0..open {
            out.close();
        }
    }
}

/// Words drawn out with small gaps between them (and at the edges of each text run, so words
/// never run into a neighbouring interpretation), within one clause.
#[derive(Default)]
struct Stretched {
    /// Something of the clause has been said.
    started: bool,
}

impl Stretched {
    fn text(&mut self, text: &str, out: &mut impl Speaker) {
        if text.starts_with(char::is_whitespace) && self.started {
            out.pause(STRETCH_GAP_MS);
        }
        for (i, word) in text.split_whitespace().enumerate() {
            if i > 0 {
                out.pause(STRETCH_GAP_MS);
            }
            out.text(word);
            self.started = true;
        }
        if text.ends_with(char::is_whitespace) && !text.trim().is_empty() {
            out.pause(STRETCH_GAP_MS);
        }
    }
}

/// "Hello" → "H- H- Hello": the first word stammered, when the sentence opens with a word.
fn stutter(sentence: &str, google: bool, out: &mut impl Speaker) {
    let Some(clause) = flow::clauses(sentence).next() else {
        return;
    };
    let mut opening = None;
    flow::interpret(clause, google, |piece| {
        opening.get_or_insert(piece);
    });
    let Some(Piece::Text(first)) = opening else {
        return;
    };
    let Some(initial) = first
        .split_whitespace()
        .next()
        .and_then(|w| w.chars().find(|c| c.is_alphanumeric()))
    else {
        return;
    };
    let mut stammer = [0; 8];
    let stammer = {
        let len = initial.encode_utf8(&mut stammer).len();
        stammer[len] = b'-';
        std::str::from_utf8(&stammer[..=len]).unwrap_or("-")
    };
    for _ in 0..2 {
        out.text(stammer);
        out.pause(STUTTER_PAUSE_MS);
    }
}

/// The last few words again, twice, fading.
fn echo(last_sentence: &str, out: &mut impl Speaker) {
    // Sanitized text has single spaces: the last three words are the text after the third
    // space from the end.
    let tail = match last_sentence.rmatch_indices(' ').nth(2) {
        Some((space, _)) => &last_sentence[space + 1..],
        None => last_sentence,
    };
    let tail = tail.trim_end_matches(['.', '!', '?', '…']);
    if tail.is_empty() {
        return;
    }
    for db in [-6.0, -12.0] {
        out.pause(ECHO_PAUSE_MS);
        out.open(Tag::Prosody(Prosody {
            volume_db: Some(db),
            ..Prosody::default()
        }));
        out.text(tail);
        out.close();
    }
}

fn factor(name: &'static str, value: Option<f64>) -> Result<f64, VoiceError> {
    match value {
        None => Ok(1.0),
        Some(v) if FACTOR_RANGE.contains(&v) => Ok(v),
        Some(v) => Err(VoiceError::OutOfRange { name, value: v }),
    }
}

/// `soft`, `loud`, `+3dB`, `-6dB` → decibels relative to the voice's default.
pub fn parse_volume(text: &str) -> Result<f64, VoiceError> {
    let named = match text.trim().to_ascii_lowercase().as_str() {
        "x-soft" => Some(-10.0),
        "soft" => Some(-6.0),
        "medium" | "default" => Some(0.0),
        "loud" => Some(6.0),
        "x-loud" => Some(10.0),
        _ => None,
    };
    if let Some(db) = named {
        return Ok(db);
    }
    text.trim()
        .strip_suffix("dB")
        .and_then(|n| n.trim().parse::<f64>().ok())
        .filter(|db| db.is_finite() && db.abs() <= 20.0)
        .ok_or_else(|| VoiceError::BadVolume(text.to_owned()))
}

/// Removes control characters (with a warning) and collapses whitespace.
fn sanitize<'t>(text: &'t str, warnings: &mut Warnings) -> Result<Cow<'t, str>, VoiceError> {
    let text = if is_clean(text) {
        Cow::Borrowed(text)
    } else {
        let (cleaned, dropped) = cleaned(text);
        if dropped {
            warnings.push(VoiceWarning::new(
                "control characters were removed from the text",
            ));
        }
        Cow::Owned(cleaned)
    };
    if text.is_empty() {
        return Err(VoiceError::EmptyText);
    }
    let chars = if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    };
    if chars > MAX_SAY_CHARS {
        return Err(VoiceError::TooLong(chars));
    }
    Ok(text)
}

/// The text without control characters, its words separated by single spaces; whether any
/// character was dropped.
fn cleaned(text: &str) -> (String, bool) {
    let mut dropped = false;
    let kept: String = text
        .chars()
        .map(|c| {
            if c == '\n' || c == '\t' || c == '\r' {
                ' '
            } else {
                c
            }
        })
        .filter(|c| {
            let keep = !c.is_control() && is_xml_char(*c);
            dropped |= !keep;
            keep
        })
        .collect();
    (
        kept.split_whitespace().collect::<Vec<_>>().join(" "),
        dropped,
    )
}

/// Text that [`cleaned`] leaves as it is, as most is: words separated by single spaces, no
/// control characters, nothing XML cannot carry.
fn is_clean(text: &str) -> bool {
    let words_clean = !text.starts_with(' ') && !text.ends_with(' ') && !text.contains("  ");
    // Checked a block at a time without an early exit inside the block, so that the check is
    // vectorised. Nothing outside printable ASCII: clean ASCII text.
    let outside = |block: &[u8]| {
        block
            .iter()
            .fold(false, |out, b| out | !(b' '..0x7f).contains(b))
    };
    if !text.as_bytes().chunks(32).any(outside) {
        return words_clean;
    }
    !text.is_ascii()
        && words_clean
        && text
            .chars()
            .all(|c| c == ' ' || !(c.is_whitespace() || c.is_control() || !is_xml_char(c)))
}

/// `<Say language=… voice=…`: attributes in name order, the language only when set.
fn say_tag(voice: &str, language: Option<&str>) -> StartTag {
    match language {
        Some(language) => StartTag::new("Say", &[("language", language), ("voice", voice)]),
        None => StartTag::new("Say", &[("voice", voice)]),
    }
}

/// Per-utterance choices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpeakOptions {
    pub emotion: Emotion,
    pub effects: Vec<Effect>,
}

/// What an utterance compiles to.
#[derive(Debug, Clone, PartialEq)]
pub struct Speech {
    /// The verbs, written in one pass: usually one `<Say>`; basic voices get `<Say>` and
    /// `<Pause>` in turn. [`Markup::to_children`] reads them back as elements.
    pub verbs: Markup,
    pub warnings: Vec<VoiceWarning>,
}

impl Speech {
    pub fn append_to(&self, response: &mut VoiceResponse) {
        response.push_markup(self.verbs.clone());
    }

    /// Appends the verbs inside `parent` (a `<Gather>` prompt, say).
    pub fn append_into(&self, parent: &mut Element) {
        parent.push_markup(self.verbs.clone());
    }

    /// A whole document: the speech, then nothing (Twilio hangs up when TwiML ends).
    pub fn to_response(&self) -> VoiceResponse {
        let mut response = VoiceResponse::new();
        self.append_to(&mut response);
        response
    }
}

/// Every profile and agent of a configuration, resolved.
#[derive(Debug, Clone, Default)]
pub struct VoiceBook {
    profiles: BTreeMap<String, VoiceProfile>,
    /// Agent name → profile name.
    agents: BTreeMap<String, String>,
}

impl VoiceBook {
    /// Resolves every voice; the first profile that cannot be resolved is the error, named.
    pub fn from_config(config: &Config) -> Result<Self, (String, VoiceError)> {
        let mut profiles = BTreeMap::new();
        for (name, voice) in &config.voices {
            let profile = VoiceProfile::from_config(name, voice, &config.twilio.voice_settings)
                .map_err(|e| (format!("voices.{name}"), e))?;
            profiles.insert(name.clone(), profile);
        }
        let agents = config
            .agents
            .iter()
            .map(|(name, agent)| (name.clone(), agent.voice.clone()))
            .collect();
        Ok(Self { profiles, agents })
    }

    pub fn profiles(&self) -> impl Iterator<Item = &VoiceProfile> {
        self.profiles.values()
    }

    pub fn profile(&self, name: &str) -> Result<&VoiceProfile, VoiceError> {
        self.profiles
            .get(name)
            .ok_or_else(|| VoiceError::UnknownProfile {
                given: name.to_owned(),
                known: self.profiles.keys().cloned().collect(),
            })
    }

    /// The profile an agent speaks with.
    pub fn agent(&self, name: &str) -> Result<&VoiceProfile, VoiceError> {
        let voice = self
            .agents
            .get(name)
            .ok_or_else(|| VoiceError::UnknownAgent {
                given: name.to_owned(),
                known: self.agents.keys().cloned().collect(),
            })?;
        self.profile(voice)
    }

    /// A profile by its own name, or by the name of the agent that uses it.
    pub fn find(&self, name: &str) -> Result<&VoiceProfile, VoiceError> {
        self.profile(name).or_else(|_| self.agent(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_clean_exactly_when_cleaning_leaves_it_as_it_is() {
        let samples = [
            "Hello there.",
            "Hello  there.",
            " Hello",
            "Hello ",
            "tab\there",
            "line\nbreak",
            "no\u{a0}break space",
            "bell\u{7}",
            "delete\u{7f}",
            "c1\u{85}control",
            "non-character\u{fffe}",
            "café, 😀 and 中文",
            "ideographic\u{3000}space",
            "a",
            "",
        ];
        for sample in samples {
            // Longer than a block, so the blocks after the first are checked too.
            for text in [sample.to_owned(), format!("{}{sample}", "x".repeat(40))] {
                assert_eq!(is_clean(&text), cleaned(&text).0 == text, "{text:?}");
            }
        }
    }
}
