//! The speech plan of an utterance before it meets an engine: what to say, with which prosody,
//! pauses and interpretations, as events in document order. [`super::compile`] turns them into
//! what an engine honours as they arrive, so no plan is built in between.

use compact_str::CompactString;

/// An element of the plan that holds content until the matching [`Speaker::close`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Tag {
    Sentence,
    /// `moderate`, `strong` or `reduced`.
    Emphasis(&'static str),
    Prosody(Prosody),
    AmazonEffect(AmazonEffect),
}

/// Factors of the voice's own rate and pitch; volume in decibels. `None` leaves it as it is.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Prosody {
    pub rate: Option<f64>,
    pub pitch: Option<f64>,
    pub volume_db: Option<f64>,
}

impl Prosody {
    /// One change that does what `self` around `inner` does: factors multiply, decibels add.
    pub fn around(self, inner: Prosody) -> Prosody {
        let times = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(1.0) * b.unwrap_or(1.0)),
        };
        let plus = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        };
        Prosody {
            rate: times(self.rate, inner.rate),
            pitch: times(self.pitch, inner.pitch),
            volume_db: plus(self.volume_db, inner.volume_db),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum AmazonEffect {
    Whispered,
    SoftPhonation,
    /// Percent change of the vocal tract: positive is deeper.
    VocalTract(i32),
    Drc,
}

/// How a token is read: SSML's `say-as`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interpretation {
    pub interpret_as: &'static str,
    pub format: Option<&'static str>,
}

/// Receives a plan: every [`open`](Speaker::open) is matched by a [`close`](Speaker::close).
pub(crate) trait Speaker {
    fn open(&mut self, tag: Tag);
    fn close(&mut self);
    fn text(&mut self, text: &str);
    fn say_as(&mut self, interpretation: Interpretation, text: &str);
    /// A pause in milliseconds.
    fn pause(&mut self, ms: u32);
}

/// `1.2` → `+20%`, `0.95` → `-5%`, as Polly and Google read relative pitch.
pub(crate) fn pitch_percent(factor: f64) -> CompactString {
    signed(((factor - 1.0) * 100.0).round() as i64, "%")
}

/// `0.9` → `90%`: rate as a percentage of the voice's own.
pub(crate) fn rate_percent(factor: f64) -> CompactString {
    unsigned((factor * 100.0).round() as i64, "%")
}

/// `3.0` → `+3dB`, `-2.5` → `-2.5dB`: to a tenth of a decibel.
pub(crate) fn volume_db(db: f64) -> CompactString {
    let tenths = (db * 10.0).round() as i64;
    if tenths % 10 == 0 {
        return signed(tenths / 10, "dB");
    }
    let mut out = signed(tenths / 10, "");
    if tenths < 0 && tenths > -10 {
        // -0.5: the whole part alone lost its sign.
        out = CompactString::const_new("-0");
    }
    out.push('.');
    out.push(char::from(b'0' + (tenths.unsigned_abs() % 10) as u8));
    out.push_str("dB");
    out
}

/// `500` → `500ms`.
pub(crate) fn milliseconds(ms: u32) -> CompactString {
    unsigned(i64::from(ms), "ms")
}

/// `15` → `+15%`, `-12` → `-12%`.
pub(crate) fn signed_percent(percent: i32) -> CompactString {
    signed(i64::from(percent), "%")
}

/// The number with its sign (`+0` for zero) and `unit`. Attribute values are written for every
/// utterance: formatted with `itoa`, without the formatting machinery.
fn signed(n: i64, unit: &str) -> CompactString {
    let mut out = CompactString::const_new(if n < 0 { "-" } else { "+" });
    out.push_str(itoa::Buffer::new().format(n.unsigned_abs()));
    out.push_str(unit);
    out
}

fn unsigned(n: i64, unit: &str) -> CompactString {
    let mut out = CompactString::from(itoa::Buffer::new().format(n));
    out.push_str(unit);
    out
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
        assert_eq!(volume_db(-0.5), "-0.5dB");
        assert_eq!(volume_db(0.25), "+0.3dB");
        assert_eq!(volume_db(-12.0), "-12dB");
        assert_eq!(milliseconds(500), "500ms");
        assert_eq!(signed_percent(15), "+15%");
        assert_eq!(signed_percent(-12), "-12%");
    }

    #[test]
    fn decibels_match_the_shortest_decimal_of_the_rounded_value() {
        for tenths in -200..=200 {
            let db = f64::from(tenths) / 10.0 + 0.01;
            let rounded = (db * 10.0).round() / 10.0;
            let expected = if rounded.fract() == 0.0 {
                format!("{:+}dB", rounded as i64)
            } else {
                format!("{rounded:+}dB")
            };
            assert_eq!(volume_db(db), expected, "{db}");
        }
    }

    #[test]
    fn prosody_around_prosody_multiplies_factors_and_adds_decibels() {
        let outer = Prosody {
            rate: Some(0.9),
            pitch: None,
            volume_db: Some(-10.0),
        };
        let inner = Prosody {
            rate: Some(0.8),
            pitch: Some(1.2),
            volume_db: Some(2.0),
        };
        let merged = outer.around(inner);
        assert!((merged.rate.unwrap_or_default() - 0.72).abs() < 1e-12);
        assert_eq!(merged.pitch, Some(1.2));
        assert_eq!(merged.volume_db, Some(-8.0));
        assert_eq!(
            Prosody::default().around(Prosody::default()),
            Prosody::default()
        );
    }
}
