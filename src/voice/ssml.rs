//! The speech plan of an utterance before it meets an engine: what to say, with which prosody,
//! pauses and interpretations. [`super::compile`] turns it into the SSML an engine honours.

/// One piece of an utterance.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ssml {
    Text(String),
    /// A pause in milliseconds.
    Break(u32),
    SayAs {
        interpret_as: &'static str,
        format: Option<&'static str>,
        text: String,
    },
    Sentence(Vec<Ssml>),
    Emphasis {
        level: &'static str,
        content: Vec<Ssml>,
    },
    /// Factors of the voice's own rate and pitch; volume in decibels.
    Prosody {
        rate: Option<f64>,
        pitch: Option<f64>,
        volume_db: Option<f64>,
        content: Vec<Ssml>,
    },
    AmazonEffect {
        effect: AmazonEffect,
        content: Vec<Ssml>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum AmazonEffect {
    Whispered,
    SoftPhonation,
    /// Percent change of the vocal tract: positive is deeper.
    VocalTract(i32),
    Drc,
}

/// `1.2` → `+20%`, `0.95` → `-5%`, as Polly and Google read relative pitch.
pub(crate) fn pitch_percent(factor: f64) -> String {
    let percent = ((factor - 1.0) * 100.0).round() as i64;
    if percent >= 0 {
        format!("+{percent}%")
    } else {
        format!("{percent}%")
    }
}

/// `0.9` → `90%`: rate as a percentage of the voice's own.
pub(crate) fn rate_percent(factor: f64) -> String {
    format!("{}%", (factor * 100.0).round() as i64)
}

/// `3.0` → `+3dB`, `-2.5` → `-2.5dB`.
pub(crate) fn volume_db(db: f64) -> String {
    let rounded = (db * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{:+}dB", rounded as i64)
    } else {
        format!("{rounded:+}dB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prosody_values_are_written_as_engines_expect() {
        assert_eq!(pitch_percent(1.2), "+20%");
        assert_eq!(pitch_percent(0.95), "-5%");
        assert_eq!(pitch_percent(1.0), "+0%");
        assert_eq!(rate_percent(0.9), "90%");
        assert_eq!(rate_percent(1.1), "110%");
        assert_eq!(volume_db(3.0), "+3dB");
        assert_eq!(volume_db(-2.5), "-2.5dB");
    }
}
