//! Warnings about what a voice cannot do as asked, collected once per kind.

use std::fmt;

use super::engine::EngineFamily;

/// Something a profile or utterance asked for that the engine does not do as asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VoiceWarning {
    pub message: String,
}

impl VoiceWarning {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    pub(crate) fn unsupported(family: EngineFamily, feature: &str, outcome: &str) -> Self {
        Self::new(format!(
            "{family} voices do not support {feature}: {outcome}"
        ))
    }
}

impl fmt::Display for VoiceWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Warnings without repeats, in the order first seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warnings(Vec<VoiceWarning>);

impl Warnings {
    pub fn push(&mut self, warning: VoiceWarning) {
        if !self.0.contains(&warning) {
            self.0.push(warning);
        }
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = VoiceWarning>) {
        for w in other {
            self.push(w);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &VoiceWarning> {
        self.0.iter()
    }

    pub fn into_vec(self) -> Vec<VoiceWarning> {
        self.0
    }
}
