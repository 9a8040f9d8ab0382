//! The speech plan of an utterance before it meets an engine: what to say, with which prosody,
//! pauses and interpretations, as events in document order. [`super::compile`] turns them into
//! what an engine honours as they arrive, so no plan is built in between.

use super::style::Emphasis;
use crate::twiml::StartTag;

/// An element of the plan that holds content until the matching [`Speaker::close`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Tag {
    Sentence,
    Emphasis(Emphasis),
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
    /// The `<say-as>` start tag that says so.
    pub tag: &'static StartTag,
}

/// The pauses effects add, in milliseconds: between stretched words, after a stammer, before
/// each echo.
pub(crate) const STRETCH_GAP_MS: u32 = 120;
pub(crate) const STUTTER_PAUSE_MS: u32 = 150;
pub(crate) const ECHO_PAUSE_MS: u32 = 300;

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
pub(crate) fn pitch_percent(factor: f64) -> Short {
    signed(rounded((factor - 1.0) * 100.0), "%")
}

/// `0.9` → `90%`: rate as a percentage of the voice's own.
pub(crate) fn rate_percent(factor: f64) -> Short {
    unsigned(rounded(factor * 100.0), "%")
}

/// `3.0` → `+3dB`, `-2.5` → `-2.5dB`: to a tenth of a decibel.
pub(crate) fn volume_db(db: f64) -> Short {
    let tenths = rounded(db * 10.0);
    if tenths % 10 == 0 {
        return signed(tenths / 10, "dB");
    }
    let sign = if tenths < 0 { "-" } else { "+" };
    let mut whole = itoa::Buffer::new();
    let whole = whole.format(tenths.unsigned_abs() / 10);
    let tenth = [b'.', b'0' + (tenths.unsigned_abs() % 10) as u8];
    let tenth = std::str::from_utf8(&tenth).unwrap_or_default();
    Short::of(&[sign, whole, tenth, "dB"])
}

/// `x` rounded half away from zero, as `f64::round` rounds it. Without SSE4.1 in the baseline
/// target, `round` is a library call; a truncating conversion is one instruction, and the
/// difference it leaves is exact for any value a prosody setting can reach.
#[inline]
fn rounded(x: f64) -> i64 {
    let whole = x as i64;
    let rest = x - whole as f64;
    if rest >= 0.5 {
        whole + 1
    } else if rest <= -0.5 {
        whole - 1
    } else {
        whole
    }
}

/// `500` → `500ms`.
pub(crate) fn milliseconds(ms: u32) -> Short {
    unsigned(i64::from(ms), "ms")
}

/// `15` → `+15%`, `-12` → `-12%`.
pub(crate) fn signed_percent(percent: i32) -> Short {
    signed(i64::from(percent), "%")
}

/// The number with its sign (`+0` for zero) and `unit`. Attribute values are written for every
/// utterance: formatted with `itoa` on the stack, without the formatting machinery.
fn signed(n: i64, unit: &str) -> Short {
    let sign = if n < 0 { "-" } else { "+" };
    Short::of(&[sign, itoa::Buffer::new().format(n.unsigned_abs()), unit])
}

fn unsigned(n: i64, unit: &str) -> Short {
    Short::of(&[itoa::Buffer::new().format(n), unit])
}

/// A short attribute value (`+20%`, `500ms`) held on the stack.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Short {
    bytes: [u8; Short::CAPACITY],
    len: u8,
}

impl Short {
    /// A sign, the 20 digits of any `u64`, a tenth and a unit.
    const CAPACITY: usize = 30;

    /// The parts joined; parts past the capacity are left out (none of the values above
    /// comes near it).
    #[inline]
    fn of(parts: &[&str]) -> Short {
        let mut out = Short::default();
        let mut len = 0;
        for part in parts {
            if len + part.len() > Short::CAPACITY {
                break;
            }
            // Byte by byte: the parts are a few bytes long, shorter than a call to `memcpy`.
            for &b in part.as_bytes() {
                out.bytes[len] = b;
                len += 1;
            }
        }
        out.len = len as u8;
        out
    }

    pub fn as_str(&self) -> &str {
        // Whole `&str` parts were copied, so this is UTF-8.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl PartialEq<&str> for Short {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Short {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
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
        assert_eq!(volume_db(-0.5), "-0.5dB");
        assert_eq!(volume_db(0.25), "+0.3dB");
        assert_eq!(volume_db(-12.0), "-12dB");
        assert_eq!(milliseconds(500), "500ms");
        assert_eq!(signed_percent(15), "+15%");
        assert_eq!(signed_percent(-12), "-12%");
    }

    #[test]
    fn rounding_matches_f64_round() {
        let mut rng = fastrand::Rng::with_seed(3);
        let halves = (-4000..=4000).map(|n| f64::from(n) / 2.0);
        let near_halves = (-400..=400).flat_map(|n| {
            let x = f64::from(n) + 0.5;
            [x.next_down(), x.next_up()]
        });
        let random = (0..10_000).map(|_| (rng.f64() - 0.5) * 1000.0);
        for x in halves.chain(near_halves).chain(random) {
            assert_eq!(rounded(x), x.round() as i64, "{x}");
        }
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
