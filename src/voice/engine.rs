//! Which engine speaks a voice, what SSML it honours, and which concrete voice a model and
//! language select when the profile names none.

use std::fmt;

use crate::config::VoiceModel;

/// The engine families Twilio's `<Say>` reaches, by what they do with SSML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EngineFamily {
    /// `Polly.Joanna`: every tag, including emphasis, pitch and the amazon effects.
    PollyStandard,
    /// `Polly.Joanna-Neural`: no emphasis, no pitch, no whisper/phonation/vocal-tract effects.
    PollyNeural,
    /// `Polly.Joanna-Generative`: breaks, sentences, rate and volume; little else.
    PollyGenerative,
    /// `Google.en-US-Standard-C`, `-Wavenet-`, `-Neural2-`: W3C SSML, never `amazon:*`.
    Google,
    /// `Google.en-US-Chirp3-HD-Aoede`: breaks, paragraphs and sentences only.
    GoogleChirp,
    /// `man`, `woman`, `alice`: plain text; pauses become `<Pause>` verbs.
    Basic,
}

impl EngineFamily {
    pub const ALL: &'static [EngineFamily] = &[
        EngineFamily::PollyStandard,
        EngineFamily::PollyNeural,
        EngineFamily::PollyGenerative,
        EngineFamily::Google,
        EngineFamily::GoogleChirp,
        EngineFamily::Basic,
    ];

    /// The family a voice name belongs to, from Twilio's naming scheme.
    pub fn of_voice(voice: &str) -> EngineFamily {
        if let Some(name) = voice.strip_prefix("Polly.") {
            if name.ends_with("-Neural") {
                EngineFamily::PollyNeural
            } else if name.ends_with("-Generative") {
                EngineFamily::PollyGenerative
            } else {
                EngineFamily::PollyStandard
            }
        } else if voice.starts_with("Google.") {
            if voice.contains("-Chirp") {
                EngineFamily::GoogleChirp
            } else {
                EngineFamily::Google
            }
        } else {
            EngineFamily::Basic
        }
    }

    pub fn capabilities(self) -> Capabilities {
        let all = Capabilities {
            ssml: true,
            sentences: true,
            breaks: true,
            say_as: true,
            sub: true,
            rate: true,
            volume: true,
            pitch: true,
            emphasis: true,
            amazon_voice_effects: true,
            drc: true,
        };
        match self {
            EngineFamily::PollyStandard => all,
            EngineFamily::PollyNeural => Capabilities {
                pitch: false,
                emphasis: false,
                amazon_voice_effects: false,
                ..all
            },
            EngineFamily::PollyGenerative => Capabilities {
                pitch: false,
                emphasis: false,
                amazon_voice_effects: false,
                drc: false,
                ..all
            },
            EngineFamily::Google => Capabilities {
                amazon_voice_effects: false,
                drc: false,
                ..all
            },
            EngineFamily::GoogleChirp => Capabilities {
                say_as: false,
                sub: false,
                rate: false,
                volume: false,
                pitch: false,
                emphasis: false,
                amazon_voice_effects: false,
                drc: false,
                ..all
            },
            EngineFamily::Basic => Capabilities {
                ssml: false,
                sentences: false,
                breaks: false,
                say_as: false,
                sub: false,
                rate: false,
                volume: false,
                pitch: false,
                emphasis: false,
                amazon_voice_effects: false,
                drc: false,
            },
        }
    }
}

impl fmt::Display for EngineFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EngineFamily::PollyStandard => "Polly standard",
            EngineFamily::PollyNeural => "Polly neural",
            EngineFamily::PollyGenerative => "Polly generative",
            EngineFamily::Google => "Google",
            EngineFamily::GoogleChirp => "Google Chirp HD",
            EngineFamily::Basic => "basic",
        })
    }
}

/// What an engine family does with SSML (reference: "SSML inside Say").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Any SSML at all inside `<Say>`.
    pub ssml: bool,
    /// `<p>` and `<s>`.
    pub sentences: bool,
    pub breaks: bool,
    pub say_as: bool,
    pub sub: bool,
    pub rate: bool,
    pub volume: bool,
    pub pitch: bool,
    pub emphasis: bool,
    /// `amazon:effect` whispered, phonation and vocal-tract-length.
    pub amazon_voice_effects: bool,
    /// `amazon:effect name="drc"`.
    pub drc: bool,
}

/// Voices known to exist, with the engines each offers: (language, name, standard, neural,
/// generative). A sample of Polly's catalogue as Twilio exposes it.
const POLLY_VOICES: &[(&str, &str, bool, bool, bool)] = &[
    ("en-US", "Joanna", true, true, true),
    ("en-US", "Matthew", true, true, true),
    ("en-US", "Ivy", true, true, false),
    ("en-US", "Justin", true, true, false),
    ("en-US", "Kendra", true, true, false),
    ("en-US", "Kimberly", true, true, false),
    ("en-US", "Salli", true, true, true),
    ("en-US", "Joey", true, true, false),
    ("en-US", "Kevin", false, true, false),
    ("en-US", "Ruth", false, true, true),
    ("en-US", "Stephen", false, true, true),
    ("en-US", "Danielle", false, true, true),
    ("en-US", "Gregory", false, true, false),
    ("en-GB", "Amy", true, true, true),
    ("en-GB", "Emma", true, true, false),
    ("en-GB", "Brian", true, true, false),
    ("en-GB", "Arthur", false, true, false),
    ("en-AU", "Nicole", true, false, false),
    ("en-AU", "Olivia", false, true, true),
    ("en-AU", "Russell", true, false, false),
    ("en-IN", "Aditi", true, false, false),
    ("en-IN", "Raveena", true, false, false),
    ("en-IN", "Kajal", false, true, true),
    ("de-DE", "Vicki", true, true, true),
    ("de-DE", "Marlene", true, false, false),
    ("de-DE", "Hans", true, false, false),
    ("de-DE", "Daniel", false, true, true),
    ("fr-FR", "Lea", true, true, true),
    ("fr-FR", "Celine", true, false, false),
    ("fr-FR", "Mathieu", true, false, false),
    ("fr-FR", "Remi", false, true, true),
    ("es-ES", "Lucia", true, true, true),
    ("es-ES", "Conchita", true, false, false),
    ("es-ES", "Enrique", true, false, false),
    ("es-ES", "Sergio", false, true, true),
    ("es-US", "Lupe", true, true, true),
    ("es-US", "Penelope", true, false, false),
    ("es-US", "Miguel", true, false, false),
    ("es-US", "Pedro", false, true, true),
    ("es-MX", "Mia", true, true, true),
    ("it-IT", "Bianca", true, true, true),
    ("it-IT", "Carla", true, false, false),
    ("it-IT", "Giorgio", true, false, false),
    ("it-IT", "Adriano", false, true, true),
    ("pt-BR", "Camila", true, true, true),
    ("pt-BR", "Vitoria", true, true, false),
    ("pt-BR", "Ricardo", true, false, false),
    ("pt-BR", "Thiago", false, true, true),
    ("ja-JP", "Mizuki", true, false, false),
    ("ja-JP", "Takumi", true, true, false),
    ("ja-JP", "Kazuha", false, true, false),
    ("nl-NL", "Laura", false, true, true),
    ("nl-NL", "Lotte", true, false, false),
];

/// Google voices: (language, name).
const GOOGLE_VOICES: &[(&str, &str)] = &[
    ("en-US", "Google.en-US-Standard-C"),
    ("en-US", "Google.en-US-Standard-D"),
    ("en-US", "Google.en-US-Wavenet-F"),
    ("en-US", "Google.en-US-Neural2-F"),
    ("en-US", "Google.en-US-Neural2-J"),
    ("en-US", "Google.en-US-Chirp3-HD-Aoede"),
    ("en-US", "Google.en-US-Chirp3-HD-Charon"),
    ("en-GB", "Google.en-GB-Standard-A"),
    ("en-GB", "Google.en-GB-Neural2-B"),
    ("de-DE", "Google.de-DE-Neural2-B"),
    ("fr-FR", "Google.fr-FR-Neural2-A"),
    ("es-ES", "Google.es-ES-Neural2-A"),
];

const BASIC_VOICES: &[&str] = &["man", "woman", "alice"];

/// Every voice name this build knows.
pub fn known_voices() -> impl Iterator<Item = String> {
    let polly = POLLY_VOICES
        .iter()
        .flat_map(|(_, name, std, neural, generative)| {
            [
                std.then(|| format!("Polly.{name}")),
                neural.then(|| format!("Polly.{name}-Neural")),
                generative.then(|| format!("Polly.{name}-Generative")),
            ]
            .into_iter()
            .flatten()
        });
    polly
        .chain(GOOGLE_VOICES.iter().map(|(_, v)| (*v).to_owned()))
        .chain(BASIC_VOICES.iter().map(|v| (*v).to_owned()))
}

pub fn is_known_voice(voice: &str) -> bool {
    known_voices().any(|v| v == voice)
}

/// The known voice closest to `voice`, for "did you mean".
pub fn closest_voice(voice: &str) -> Option<String> {
    known_voices()
        .map(|v| {
            (
                strsim::damerau_levenshtein(&v.to_lowercase(), &voice.to_lowercase()),
                v,
            )
        })
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, v)| *distance <= 3.max(v.len() / 4))
        .map(|(_, v)| v)
}

/// The voice a model and language select: the first catalogue voice of that language with
/// that engine; English (US) Joanna when the language has none.
pub fn default_voice(model: VoiceModel, language: &str) -> String {
    let offers = |entry: &&(&str, &str, bool, bool, bool)| match model {
        VoiceModel::Standard => entry.2,
        VoiceModel::Neural => entry.3,
        VoiceModel::Generative => entry.4,
    };
    let name = POLLY_VOICES
        .iter()
        .filter(|e| e.0.eq_ignore_ascii_case(language))
        .find(offers)
        .map(|e| e.1)
        .unwrap_or("Joanna");
    match model {
        VoiceModel::Standard => format!("Polly.{name}"),
        VoiceModel::Neural => format!("Polly.{name}-Neural"),
        VoiceModel::Generative => format!("Polly.{name}-Generative"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_follow_twilio_voice_names() {
        assert_eq!(
            EngineFamily::of_voice("Polly.Joanna"),
            EngineFamily::PollyStandard
        );
        assert_eq!(
            EngineFamily::of_voice("Polly.Matthew-Neural"),
            EngineFamily::PollyNeural
        );
        assert_eq!(
            EngineFamily::of_voice("Polly.Ruth-Generative"),
            EngineFamily::PollyGenerative
        );
        assert_eq!(
            EngineFamily::of_voice("Google.en-US-Neural2-F"),
            EngineFamily::Google
        );
        assert_eq!(
            EngineFamily::of_voice("Google.en-US-Chirp3-HD-Aoede"),
            EngineFamily::GoogleChirp
        );
        assert_eq!(EngineFamily::of_voice("alice"), EngineFamily::Basic);
    }

    #[test]
    fn model_and_language_pick_a_voice() {
        assert_eq!(
            default_voice(VoiceModel::Neural, "en-US"),
            "Polly.Joanna-Neural"
        );
        assert_eq!(default_voice(VoiceModel::Standard, "de-DE"), "Polly.Vicki");
        assert_eq!(
            default_voice(VoiceModel::Neural, "en-GB"),
            "Polly.Amy-Neural"
        );
        assert_eq!(
            default_voice(VoiceModel::Generative, "fr-FR"),
            "Polly.Lea-Generative"
        );
        assert_eq!(
            default_voice(VoiceModel::Neural, "xx-XX"),
            "Polly.Joanna-Neural"
        );
        assert!(is_known_voice(&default_voice(VoiceModel::Neural, "ja-JP")));
    }

    #[test]
    fn unknown_voice_names_get_the_closest_known_one() {
        assert_eq!(
            closest_voice("Polly.Mathew-Neural").as_deref(),
            Some("Polly.Matthew-Neural")
        );
        assert_eq!(
            closest_voice("Polly.Joana").as_deref(),
            Some("Polly.Joanna")
        );
        assert_eq!(closest_voice("Completely.Different.Thing.Entirely"), None);
    }
}
