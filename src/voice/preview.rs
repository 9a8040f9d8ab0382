//! Offline preview: a profile's speech rendered to WAV by espeak-ng, so a persona can be heard
//! without Twilio. The profile's prosody, pauses and whisper map onto espeak's own SSML; the
//! result approximates the Twilio voice's delivery, not its timbre.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::engine::EngineFamily;
use super::profile::{SpeakOptions, VoiceError, VoiceProfile};
use super::style::{Effect, Emotion};
use super::warning::VoiceWarning;
use crate::twiml::{Child, Element, MarkupError};

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error(
        "{program} is not installed, so voices cannot be previewed offline; install it (Debian/Ubuntu: apt-get install espeak-ng, macOS: brew install espeak-ng)"
    )]
    NotInstalled { program: String },
    #[error("{program} failed ({status}): {stderr}")]
    Failed {
        program: String,
        status: String,
        stderr: String,
    },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Voice(#[from] VoiceError),
}

/// The SSML document espeak-ng gets for `text` in `profile`, and the espeak voice to use.
pub fn espeak_ssml(
    profile: &VoiceProfile,
    text: &str,
    options: &SpeakOptions,
) -> Result<(String, String, Vec<VoiceWarning>), VoiceError> {
    // Compile as for an engine that honours everything, then translate to espeak's dialect.
    let speech = profile
        .for_family(EngineFamily::PollyStandard)
        .speak(text, options)?;
    let mut speak = Element::new("speak");
    for verb in speech.verbs.to_children()? {
        if let Child::Element(verb) = verb {
            append(&mut speak, translate(&verb)?);
        }
    }
    let whisper = options.effects.contains(&Effect::Whisper) || options.emotion == Emotion::Whisper;
    let mut voice = espeak_language(profile.language().unwrap_or("en-US"));
    if whisper {
        voice.push_str("+whisper");
    }
    Ok((speak.to_xml_fragment(), voice, profile.warnings().to_vec()))
}

/// Renders `text` to a WAV file at `out` with the `espeak-ng` on the PATH.
pub fn render_wav(
    profile: &VoiceProfile,
    text: &str,
    options: &SpeakOptions,
    out: &Path,
) -> Result<Vec<VoiceWarning>, PreviewError> {
    render_wav_with(Path::new("espeak-ng"), profile, text, options, out)
}

/// As [`render_wav`], with an explicit espeak-ng program.
pub fn render_wav_with(
    program: &Path,
    profile: &VoiceProfile,
    text: &str,
    options: &SpeakOptions,
    out: &Path,
) -> Result<Vec<VoiceWarning>, PreviewError> {
    let (ssml, voice, warnings) = espeak_ssml(profile, text, options)?;
    let name = program.display().to_string();
    let output = Command::new(program)
        .args(["-m", "-v", &voice, "-w"])
        .arg(out)
        .arg(&ssml)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => PreviewError::NotInstalled {
                program: name.clone(),
            },
            _ => PreviewError::Io {
                path: program.to_owned(),
                source: e,
            },
        })?;
    if !output.status.success() {
        return Err(PreviewError::Failed {
            program: name,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(warnings)
}

/// espeak-ng's voice for a BCP 47 language tag.
fn espeak_language(language: &str) -> String {
    let lower = language.to_ascii_lowercase();
    match lower.as_str() {
        "en-us" | "en-gb" | "fr-fr" | "pt-br" | "pt-pt" | "en-gb-x-rp" => lower,
        "es-us" | "es-mx" => "es-419".to_owned(),
        _ => lower.split('-').next().unwrap_or("en").to_owned(),
    }
}

/// The content of a compiled `<Say>`, in espeak's SSML: Amazon effects unwrapped (whisper is a
/// voice variant there), decibels as percentages, interpretations read as written.
fn translate(element: &Element) -> Result<Vec<Child>, MarkupError> {
    let mut out = Vec::new();
    if let Some(text) = element.text() {
        out.push(Child::Text(text.to_owned()));
    }
    for child in element.children() {
        translate_child(child, &mut out)?;
    }
    Ok(out)
}

fn translate_child(child: &Child, out: &mut Vec<Child>) -> Result<(), MarkupError> {
    let e = match child {
        Child::Text(t) => {
            out.push(Child::Text(t.clone()));
            return Ok(());
        }
        Child::Markup(markup) => {
            for child in markup.to_children()? {
                translate_child(&child, out)?;
            }
            return Ok(());
        }
        Child::Element(e) => e,
    };
    if matches!(e.name(), "amazon:effect" | "say-as") {
        out.extend(translate(e)?);
        return Ok(());
    }
    let mut copy = Element::new(e.name().to_owned());
    for (key, value) in e.attributes() {
        match (e.name(), key, value.strip_suffix("dB")) {
            ("prosody", "volume", Some(db)) => {
                let factor = 10f64.powf(db.parse::<f64>().unwrap_or(0.0) / 20.0);
                copy.set_attr("volume", format!("{}%", (factor * 100.0).round()));
            }
            _ => copy.set_attr(key.to_owned(), value.to_owned()),
        }
    }
    append(&mut copy, translate(e)?);
    out.push(Child::Element(copy));
    Ok(())
}

fn append(parent: &mut Element, content: Vec<Child>) {
    for child in content {
        match child {
            Child::Element(e) => {
                parent.push(e);
            }
            Child::Text(t) => parent.append_text(&t),
            Child::Markup(m) => parent.push_markup(m),
        }
    }
}
