//! Profiles from the configuration, and speaking: text → plan → the engine's `<Say>`.

use std::collections::BTreeMap;

use super::compile::compile;
use super::engine::{EngineFamily, closest_voice, default_voice, is_known_voice};
use super::flow;
use super::ssml::{AmazonEffect, Ssml};
use super::style::{Delivery, Effect, Emotion, Style, UnknownName};
use super::warning::{VoiceWarning, Warnings};
use crate::config::{Config, VoiceModel, VoiceProfileConfig, VoiceQuality, VoiceSettings};
use crate::twiml::{Element, VoiceResponse, is_xml_char};

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
}

/// A resolved voice: a concrete Twilio voice and the delivery every utterance starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceProfile {
    pub name: String,
    /// The Twilio voice name (`Polly.Matthew-Neural`).
    pub voice: String,
    pub family: EngineFamily,
    pub language: Option<String>,
    pub style: Style,
    pub pitch: f64,
    pub rate: f64,
    pub volume_db: f64,
    /// Problems found while resolving the profile (an unknown voice name, say).
    pub warnings: Vec<VoiceWarning>,
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
        }
    }

    /// The verbs that say `text` in this voice.
    pub fn speak(&self, text: &str, options: &SpeakOptions) -> Result<Speech, VoiceError> {
        let mut warnings = Warnings::default();
        warnings.extend(self.warnings.iter().cloned());
        let text = sanitize(text, &mut warnings)?;
        let delivery = self.style.delivery().then(options.emotion.delivery());
        let plan = self.plan(&text, delivery, options);
        let mut say = Element::new("Say").attr("voice", self.voice.clone());
        if let Some(language) = &self.language {
            say.set_attr("language", language.clone());
        }
        let verbs = compile(&plan, self.family, &say, &mut warnings);
        Ok(Speech {
            verbs,
            warnings: warnings.into_vec(),
        })
    }

    fn plan(&self, text: &str, delivery: Delivery, options: &SpeakOptions) -> Vec<Ssml> {
        let google = matches!(
            self.family,
            EngineFamily::Google | EngineFamily::GoogleChirp
        );
        let has = |effect| options.effects.contains(&effect);
        let mut body = Vec::new();
        let sentences = flow::sentences(text);
        for (i, sentence) in sentences.iter().enumerate() {
            if i > 0 && delivery.sentence_pause_ms > 0 {
                body.push(Ssml::Break(delivery.sentence_pause_ms));
            }
            let mut pieces = Vec::new();
            for (j, clause) in flow::clauses(sentence).iter().enumerate() {
                if j > 0 {
                    if delivery.clause_pause_ms > 0 {
                        pieces.push(Ssml::Break(delivery.clause_pause_ms));
                    } else {
                        pieces.push(Ssml::Text(" ".to_owned()));
                    }
                }
                let interpreted = flow::interpret(clause, google);
                if has(Effect::Stretch) {
                    pieces.extend(stretch(interpreted));
                } else {
                    pieces.extend(interpreted);
                }
            }
            if i == 0 && has(Effect::Stutter) {
                pieces = stutter(pieces);
            }
            if let (0, Some(level)) = (i, delivery.emphasis) {
                pieces = vec![Ssml::Emphasis {
                    level,
                    content: pieces,
                }];
            }
            body.push(Ssml::Sentence(pieces));
        }
        if has(Effect::Echo) {
            body.extend(echo(
                sentences.last().map(String::as_str).unwrap_or_default(),
            ));
        }
        let stretch_rate = if has(Effect::Stretch) { 0.8 } else { 1.0 };
        let mut plan = vec![Ssml::Prosody {
            rate: Some(self.rate * delivery.rate * stretch_rate),
            pitch: Some(self.pitch * delivery.pitch),
            volume_db: Some(self.volume_db + delivery.volume_db),
            content: body,
        }];
        let mut wrap = |effect| {
            plan = vec![Ssml::AmazonEffect {
                effect,
                content: std::mem::take(&mut plan),
            }];
        };
        if has(Effect::Deeper) {
            wrap(AmazonEffect::VocalTract(15));
        }
        if has(Effect::Higher) {
            wrap(AmazonEffect::VocalTract(-12));
        }
        if has(Effect::Soft) {
            wrap(AmazonEffect::SoftPhonation);
        }
        if has(Effect::Whisper) || options.emotion == Emotion::Whisper {
            wrap(AmazonEffect::Whispered);
        }
        if has(Effect::Compress) {
            wrap(AmazonEffect::Drc);
        }
        plan
    }
}

/// Words drawn out with small gaps between them (and at the edges of each text run, so words
/// never run into a neighbouring interpretation).
fn stretch(pieces: Vec<Ssml>) -> Vec<Ssml> {
    const GAP_MS: u32 = 120;
    let mut out = Vec::new();
    for piece in pieces {
        match piece {
            Ssml::Text(text) => {
                if text.starts_with(char::is_whitespace) && !out.is_empty() {
                    out.push(Ssml::Break(GAP_MS));
                }
                for (i, word) in text.split_whitespace().enumerate() {
                    if i > 0 {
                        out.push(Ssml::Break(GAP_MS));
                    }
                    out.push(Ssml::Text(word.to_owned()));
                }
                if text.ends_with(char::is_whitespace) && !text.trim().is_empty() {
                    out.push(Ssml::Break(GAP_MS));
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// "Hello" → "H- H- Hello": the first word stammered.
fn stutter(mut pieces: Vec<Ssml>) -> Vec<Ssml> {
    let Some(Ssml::Text(first)) = pieces.first() else {
        return pieces;
    };
    let Some(initial) = first
        .split_whitespace()
        .next()
        .and_then(|w| w.chars().find(|c| c.is_alphanumeric()))
    else {
        return pieces;
    };
    let mut out = vec![
        Ssml::Text(format!("{initial}-")),
        Ssml::Break(150),
        Ssml::Text(format!("{initial}-")),
        Ssml::Break(150),
    ];
    out.append(&mut pieces);
    out
}

/// The last few words again, twice, fading.
fn echo(last_sentence: &str) -> Vec<Ssml> {
    let words: Vec<&str> = last_sentence.split_whitespace().collect();
    let tail = words[words.len().saturating_sub(3)..].join(" ");
    let tail = tail.trim_end_matches(['.', '!', '?', '…']).to_owned();
    if tail.is_empty() {
        return Vec::new();
    }
    let fade = |db: f64| Ssml::Prosody {
        rate: None,
        pitch: None,
        volume_db: Some(db),
        content: vec![Ssml::Text(tail.clone())],
    };
    vec![Ssml::Break(300), fade(-6.0), Ssml::Break(300), fade(-12.0)]
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
fn sanitize(text: &str, warnings: &mut Warnings) -> Result<String, VoiceError> {
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
    if dropped {
        warnings.push(VoiceWarning::new(
            "control characters were removed from the text",
        ));
    }
    let collapsed = kept.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(VoiceError::EmptyText);
    }
    let chars = collapsed.chars().count();
    if chars > MAX_SAY_CHARS {
        return Err(VoiceError::TooLong(chars));
    }
    Ok(collapsed)
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
    /// Usually one `<Say>`; basic voices get `<Say>` and `<Pause>` in turn.
    pub verbs: Vec<Element>,
    pub warnings: Vec<VoiceWarning>,
}

impl Speech {
    pub fn append_to(&self, response: &mut VoiceResponse) {
        for verb in &self.verbs {
            response.append(verb.clone());
        }
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
