//! Speaking styles (per profile), emotions (per utterance) and effects, each a documented blend
//! of prosody, emphasis and pauses. Styles and emotions multiply into the profile's own pitch and
//! rate; volumes add up in decibels.

use std::fmt;
use std::str::FromStr;

/// SSML's emphasis levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emphasis {
    Moderate,
    Strong,
    Reduced,
}

impl Emphasis {
    pub const ALL: [Emphasis; 3] = [Emphasis::Moderate, Emphasis::Strong, Emphasis::Reduced];

    /// The `level` attribute's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Emphasis::Moderate => "moderate",
            Emphasis::Strong => "strong",
            Emphasis::Reduced => "reduced",
        }
    }
}

/// How a blend changes delivery. `1.0`/`0.0`/`None` leave things as they are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivery {
    pub rate: f64,
    pub pitch: f64,
    pub volume_db: f64,
    /// Emphasis on the first sentence.
    pub emphasis: Option<Emphasis>,
    /// Pause after a clause (`,` `;` `:`), in milliseconds.
    pub clause_pause_ms: u32,
    /// Pause between sentences, in milliseconds.
    pub sentence_pause_ms: u32,
}

impl Delivery {
    pub const NEUTRAL: Delivery = Delivery {
        rate: 1.0,
        pitch: 1.0,
        volume_db: 0.0,
        emphasis: None,
        clause_pause_ms: 0,
        sentence_pause_ms: 0,
    };

    /// Layers `other` on top of `self`.
    pub fn then(self, other: Delivery) -> Delivery {
        Delivery {
            rate: self.rate * other.rate,
            pitch: self.pitch * other.pitch,
            volume_db: self.volume_db + other.volume_db,
            emphasis: other.emphasis.or(self.emphasis),
            clause_pause_ms: other.clause_pause_ms.max(self.clause_pause_ms),
            sentence_pause_ms: other.sentence_pause_ms.max(self.sentence_pause_ms),
        }
    }
}

macro_rules! named_table {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal => $delivery:expr, $doc:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $(#[doc = $doc] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn delivery(self) -> Delivery {
                match self { $($name::$variant => $delivery),+ }
            }

            /// What the blend does, for `projectx voices list` and the docs.
            pub fn describe(self) -> &'static str {
                match self { $($name::$variant => $doc),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// The first entry, `neutral`.
        impl Default for $name {
            fn default() -> Self {
                Self::ALL[0]
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownName { kind: stringify!($name), given: s.to_owned(), known: Self::NAMES }),
                }
            }
        }
    };
}

/// A name that is not in a table; the message lists the ones that are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {} {given:?}; known: {}", kind.to_lowercase(), known.join(", "))]
pub struct UnknownName {
    pub kind: &'static str,
    pub given: String,
    pub known: &'static [&'static str],
}

const fn blend(
    rate: f64,
    pitch: f64,
    volume_db: f64,
    emphasis: Option<Emphasis>,
    clause: u32,
    sentence: u32,
) -> Delivery {
    Delivery {
        rate,
        pitch,
        volume_db,
        emphasis,
        clause_pause_ms: clause,
        sentence_pause_ms: sentence,
    }
}

named_table!(
    /// A persona's habitual way of speaking.
    Style {
        Neutral = "neutral" => Delivery::NEUTRAL, "the voice as it is";
        Authoritative = "authoritative" => blend(0.95, 0.95, 2.0, Some(Emphasis::Moderate), 250, 500), "slightly slower, lower and louder; moderate emphasis on the opening; firm pauses";
        Technical = "technical" => blend(0.97, 1.0, 0.0, None, 300, 450), "even pitch, a touch slower, clear pauses between clauses";
        Warm = "warm" => blend(0.95, 1.03, -1.0, None, 200, 400), "a little slower, higher and softer";
        Friendly = "friendly" => blend(1.05, 1.05, 0.0, None, 150, 300), "a little quicker and brighter";
        Excited = "excited" => blend(1.12, 1.1, 3.0, Some(Emphasis::Strong), 100, 250), "quick, high and loud; strong emphasis on the opening";
        Calm = "calm" => blend(0.88, 0.97, -2.0, None, 350, 700), "slow, low and soft with long pauses";
        Dramatic = "dramatic" => blend(0.9, 0.95, 2.0, Some(Emphasis::Strong), 400, 800), "slow and loud with long pauses; strong emphasis on the opening";
    }
);

named_table!(
    /// How one utterance feels, layered on the style.
    Emotion {
        Neutral = "neutral" => Delivery::NEUTRAL, "no change";
        Excited = "excited" => blend(1.12, 1.1, 3.0, Some(Emphasis::Strong), 0, 0), "quicker, higher, louder; strong emphasis";
        Happy = "happy" => blend(1.05, 1.08, 1.0, None, 0, 0), "a little quicker and higher";
        Calm = "calm" => blend(0.9, 0.97, -2.0, None, 300, 600), "slower, softer, longer pauses";
        Sad = "sad" => blend(0.85, 0.9, -3.0, None, 300, 700), "slow, low and soft";
        Urgent = "urgent" => blend(1.15, 1.05, 4.0, Some(Emphasis::Strong), 0, 150), "fast and loud with short pauses; strong emphasis";
        Serious = "serious" => blend(0.95, 0.93, 1.0, Some(Emphasis::Moderate), 250, 500), "lower and measured; moderate emphasis";
        Whisper = "whisper" => blend(0.92, 1.0, -6.0, None, 200, 400), "whispered where the engine can, otherwise very soft and a little slower";
    }
);

/// Effects ("reality distortion") applied to an utterance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Breathy whisper (`amazon:effect name="whispered"`).
    Whisper,
    /// Soft phonation (`amazon:effect phonation="soft"`).
    Soft,
    /// A longer vocal tract: a deeper, larger-sounding speaker.
    Deeper,
    /// A shorter vocal tract: a higher, smaller-sounding speaker.
    Higher,
    /// Dynamic range compression, for noisy lines.
    Compress,
    /// Slowed words with small gaps between them.
    Stretch,
    /// The first word stammered.
    Stutter,
    /// The last phrase repeated, fading.
    Echo,
}

impl Effect {
    pub const ALL: &'static [Effect] = &[
        Effect::Whisper,
        Effect::Soft,
        Effect::Deeper,
        Effect::Higher,
        Effect::Compress,
        Effect::Stretch,
        Effect::Stutter,
        Effect::Echo,
    ];
    pub const NAMES: &'static [&'static str] = &[
        "whisper", "soft", "deeper", "higher", "compress", "stretch", "stutter", "echo",
    ];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[Self::ALL.iter().position(|e| *e == self).unwrap_or(0)]
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Effect {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        let wanted = s.trim().to_ascii_lowercase();
        let alias = match wanted.as_str() {
            "drc" => "compress",
            "whispered" => "whisper",
            other => other,
        };
        Self::NAMES
            .iter()
            .position(|n| *n == alias)
            .map(|i| Self::ALL[i])
            .ok_or_else(|| UnknownName {
                kind: "Effect",
                given: s.to_owned(),
                known: Self::NAMES,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_known() {
        for style in Style::ALL {
            assert_eq!(style.as_str().parse::<Style>().unwrap(), *style);
        }
        for effect in Effect::ALL {
            assert_eq!(effect.as_str().parse::<Effect>().unwrap(), *effect);
        }
        assert_eq!("DRC".parse::<Effect>().unwrap(), Effect::Compress);
        let err = "grumpy".parse::<Emotion>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown emotion \"grumpy\"; known: neutral, excited, happy, calm, sad, urgent, serious, whisper"
        );
    }

    #[test]
    fn blends_multiply_rates_and_add_volumes() {
        let d = Style::Calm.delivery().then(Emotion::Urgent.delivery());
        assert!((d.rate - 0.88 * 1.15).abs() < 1e-9);
        assert!((d.volume_db - 2.0).abs() < 1e-9);
        assert_eq!(d.emphasis, Some(Emphasis::Strong));
        assert_eq!(d.sentence_pause_ms, 700);
    }
}
