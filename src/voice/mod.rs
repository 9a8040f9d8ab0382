//! Voice profiles: a persona's voice (model, style, pitch, rate, volume) compiled into the
//! `<Say>` and SSML its engine honours, with emotions per utterance, effects, and natural flow
//! (sentences, pauses, say-as). Pure: no I/O.

mod compile;
mod engine;
mod flow;
mod preview;
mod profile;
mod scan;
mod ssml;
mod style;
mod warning;

pub use engine::{
    Capabilities, EngineFamily, closest_voice, default_voice, is_known_voice, known_voices,
};
pub use preview::{PreviewError, espeak_ssml, render_wav, render_wav_with};
pub use profile::{
    MAX_SAY_CHARS, SpeakOptions, Speech, VoiceBook, VoiceError, VoiceProfile, parse_volume,
};
pub use style::{Delivery, Effect, Emotion, Style, UnknownName};
pub use warning::{VoiceWarning, Warnings};
