//! Compiles a speech plan for one engine family as it arrives. What the engine cannot do is
//! translated to something it can (emphasis → louder, slower prosody; whisper → very soft
//! prosody) or dropped, and either way a warning says so: nothing is sent silently.

use std::sync::LazyLock;

use smallvec::SmallVec;

use super::engine::{Capabilities, EngineFamily};
use super::ssml::{
    AmazonEffect, ECHO_PAUSE_MS, Interpretation, Prosody, STRETCH_GAP_MS, STUTTER_PAUSE_MS, Short,
    Speaker, Tag, milliseconds, pitch_percent, rate_percent, signed_percent, volume_db,
};
use super::style::{Emotion, Emphasis, Style};
use super::warning::{VoiceWarning, Warnings};
use crate::twiml::{Markup, MarkupWriter, StartTag};

/// The start tags the compiler writes over and over, written once.
struct Tags {
    sentence: StartTag,
    /// `<break time="…ms"` for every pause a style, an emotion or an effect makes.
    breaks: Vec<(u32, StartTag)>,
    /// By [`Emphasis`] level, in the order of [`Emphasis::ALL`].
    emphasis: [StartTag; 3],
    whispered: StartTag,
    soft_phonation: StartTag,
    drc: StartTag,
}

static TAGS: LazyLock<Tags> = LazyLock::new(|| {
    let emphasis = |level: Emphasis| StartTag::new("emphasis", &[("level", level.as_str())]);
    let effect = |name, value| StartTag::new("amazon:effect", &[(name, value)]);
    let deliveries = Style::ALL
        .iter()
        .map(|s| s.delivery())
        .chain(Emotion::ALL.iter().map(|e| e.delivery()));
    let mut pauses: Vec<u32> = deliveries
        .flat_map(|d| [d.clause_pause_ms, d.sentence_pause_ms])
        .chain([STRETCH_GAP_MS, STUTTER_PAUSE_MS, ECHO_PAUSE_MS])
        .collect();
    pauses.sort_unstable();
    pauses.dedup();
    Tags {
        sentence: StartTag::new("s", &[]),
        breaks: pauses
            .into_iter()
            .map(|ms| {
                (
                    ms,
                    StartTag::new("break", &[("time", milliseconds(ms).as_str())]),
                )
            })
            .collect(),
        emphasis: Emphasis::ALL.map(emphasis),
        whispered: effect("name", "whispered"),
        soft_phonation: effect("phonation", "soft"),
        drc: effect("name", "drc"),
    }
});

/// SSML for an engine that reads it, written as markup for the `<Say>`.
pub(crate) struct SsmlCompiler<'w> {
    caps: Capabilities,
    family: EngineFamily,
    warnings: &'w mut Warnings,
    out: &'w mut MarkupWriter,
    /// One per open tag, innermost last; plans nest a handful deep.
    frames: SmallVec<[Frame; 8]>,
    /// The innermost tag is a prosody not written yet, so that a prosody opened directly
    /// inside it becomes one change rather than relative values nested. Only the innermost
    /// tag can wait: anything else opened inside it writes it first.
    pending: Option<Prosody>,
}

#[derive(Clone, Copy)]
struct Frame {
    /// Written to the markup, so closing writes its end tag; else it was dropped or
    /// translated away (or is the pending prosody) and closing writes nothing.
    written: bool,
    /// Prosody tags opened directly inside this one and merged into it: closes to absorb.
    merged: u8,
}

impl<'w> SsmlCompiler<'w> {
    /// A compiler that writes into `out`, inside what `out` has open.
    pub fn new(
        family: EngineFamily,
        warnings: &'w mut Warnings,
        out: &'w mut MarkupWriter,
    ) -> SsmlCompiler<'w> {
        SsmlCompiler {
            caps: family.capabilities(),
            family,
            warnings,
            out,
            frames: SmallVec::new(),
            pending: None,
        }
    }

    /// Closes every tag the plan left open.
    pub fn finish(mut self) {
        while !self.frames.is_empty() {
            self.close();
        }
    }

    fn warn(&mut self, feature: &'static str, outcome: &str) {
        self.warnings
            .push(VoiceWarning::unsupported(self.family, feature, outcome));
    }

    fn push(&mut self, written: bool) {
        self.frames.push(Frame { written, merged: 0 });
    }

    /// Content is about to be written: a pending prosody around it is written first.
    #[inline]
    fn settle(&mut self) {
        if let Some(prosody) = self.pending.take() {
            self.write_pending(prosody);
        }
    }

    fn write_pending(&mut self, prosody: Prosody) {
        let written = self.write_prosody(prosody);
        if let Some(frame) = self.frames.last_mut() {
            frame.written = written;
        }
    }

    /// Opens `<prosody>` with the values the engine takes; false when none is left to write.
    fn write_prosody(&mut self, prosody: Prosody) -> bool {
        let changed = |v: Option<f64>, neutral: f64| v.filter(|v| (v - neutral).abs() > 1e-9);
        let rate = self.value(
            "prosody rate",
            self.caps.rate,
            changed(prosody.rate, 1.0),
            rate_percent,
        );
        let pitch = self.value(
            "prosody pitch",
            self.caps.pitch,
            changed(prosody.pitch, 1.0),
            pitch_percent,
        );
        let volume = self.value(
            "prosody volume",
            self.caps.volume,
            changed(prosody.volume_db, 0.0),
            volume_db,
        );
        let mut attributes: [(&str, &str); 3] = [("", ""); 3];
        let mut len = 0;
        for (name, value) in [("pitch", &pitch), ("rate", &rate), ("volume", &volume)] {
            if let Some(value) = value {
                attributes[len] = (name, value.as_str());
                len += 1;
            }
        }
        if len == 0 {
            return false;
        }
        self.out.open("prosody", &attributes[..len]);
        true
    }

    /// A prosody value the engine takes, written; else a warning that it is dropped.
    // Inlined so that each value is formatted in place, with its formatter known.
    #[inline(always)]
    fn value(
        &mut self,
        feature: &'static str,
        supported: bool,
        value: Option<f64>,
        write: fn(f64) -> Short,
    ) -> Option<Short> {
        let value = value?;
        if supported {
            Some(write(value))
        } else {
            self.warn(feature, "dropped");
            None
        }
    }

    fn open_prosody(&mut self, prosody: Prosody) {
        if let Some(outer) = &mut self.pending
            && let Some(frame) = self.frames.last_mut()
        {
            *outer = outer.around(prosody);
            frame.merged += 1;
            return;
        }
        self.push(false);
        self.pending = Some(prosody);
    }

    fn emphasis(&mut self, level: Emphasis) {
        if self.caps.emphasis {
            self.out.open_tag(&TAGS.emphasis[level as usize]);
            self.push(true);
            return;
        }
        // Emphasis is, in effect, a louder and slightly slower delivery.
        let (volume, rate) = match level {
            Emphasis::Strong => (4.0, 0.9),
            Emphasis::Reduced => (-3.0, 1.0),
            Emphasis::Moderate => (2.0, 0.95),
        };
        if self.caps.volume {
            self.warn("emphasis", "rendered as louder, slower prosody");
            self.open_prosody(Prosody {
                rate: Some(rate),
                pitch: None,
                volume_db: Some(volume),
            });
        } else {
            self.warn("emphasis", "dropped");
            self.push(false);
        }
    }

    fn effect(&mut self, effect: AmazonEffect) {
        let native = match effect {
            AmazonEffect::Drc => self.caps.drc,
            _ => self.caps.amazon_voice_effects,
        };
        if native {
            match effect {
                AmazonEffect::Whispered => self.out.open_tag(&TAGS.whispered),
                AmazonEffect::SoftPhonation => self.out.open_tag(&TAGS.soft_phonation),
                AmazonEffect::Drc => self.out.open_tag(&TAGS.drc),
                AmazonEffect::VocalTract(percent) => self.out.open(
                    "amazon:effect",
                    &[("vocal-tract-length", signed_percent(percent).as_str())],
                ),
            }
            self.push(true);
            return;
        }
        let translated = match effect {
            AmazonEffect::Whispered if self.caps.volume => Some((
                "whisper",
                "rendered as very soft, slower prosody",
                Prosody {
                    rate: Some(0.9),
                    pitch: None,
                    volume_db: Some(-10.0),
                },
            )),
            AmazonEffect::SoftPhonation if self.caps.volume => Some((
                "soft phonation",
                "rendered as softer prosody",
                Prosody {
                    volume_db: Some(-4.0),
                    ..Prosody::default()
                },
            )),
            // A longer tract (positive) sounds deeper: lower the pitch by a similar amount.
            AmazonEffect::VocalTract(percent) if self.caps.pitch => Some((
                "vocal-tract-length",
                "rendered as a pitch change",
                Prosody {
                    pitch: Some(1.0 - f64::from(percent) / 100.0),
                    ..Prosody::default()
                },
            )),
            _ => None,
        };
        if let Some((feature, outcome, prosody)) = translated {
            self.warn(feature, outcome);
            self.open_prosody(prosody);
            return;
        }
        let feature = match effect {
            AmazonEffect::Whispered => "whisper",
            AmazonEffect::SoftPhonation => "soft phonation",
            AmazonEffect::VocalTract(_) => "vocal-tract-length",
            AmazonEffect::Drc => "dynamic range compression",
        };
        self.warn(feature, "dropped");
        self.push(false);
    }
}

impl Speaker for SsmlCompiler<'_> {
    fn open(&mut self, tag: Tag) {
        if let Tag::Prosody(prosody) = tag {
            return self.open_prosody(prosody);
        }
        self.settle();
        match tag {
            Tag::Sentence => {
                self.out.open_tag(&TAGS.sentence);
                self.push(true);
            }
            Tag::Emphasis(level) => self.emphasis(level),
            Tag::AmazonEffect(effect) => self.effect(effect),
            Tag::Prosody(_) => {}
        }
    }

    fn close(&mut self) {
        if let Some(frame) = self.frames.last_mut()
            && frame.merged > 0
        {
            frame.merged -= 1;
            return;
        }
        // A prosody closed before any content is still written, empty.
        self.settle();
        if let Some(Frame { written: true, .. }) = self.frames.pop() {
            self.out.close();
        }
    }

    fn text(&mut self, text: &str) {
        self.settle();
        self.out.text(text);
    }

    fn say_as(&mut self, interpretation: Interpretation, text: &str) {
        self.settle();
        if !self.caps.say_as {
            self.warn("say-as", "read as written");
            self.out.text(text);
            return;
        }
        self.out.open_tag(interpretation.tag);
        self.out.text(text);
        self.out.close();
    }

    fn pause(&mut self, ms: u32) {
        self.settle();
        match TAGS.breaks.iter().find(|(known, _)| *known == ms) {
            Some((_, tag)) => self.out.open_tag(tag),
            None => self
                .out
                .open("break", &[("time", milliseconds(ms).as_str())]),
        }
        self.out.close();
    }
}

/// Basic voices take no SSML: the words go in `<Say>`, pauses of half a second or more become
/// `<Pause>` verbs, and everything else is reported as dropped.
pub(crate) struct PlainCompiler<'w> {
    family: EngineFamily,
    warnings: &'w mut Warnings,
    /// The start tag of every `<Say>`.
    say: &'w StartTag,
    text: String,
    out: MarkupWriter,
}

impl<'w> PlainCompiler<'w> {
    pub fn new(family: EngineFamily, say: &'w StartTag, warnings: &'w mut Warnings) -> Self {
        Self {
            family,
            warnings,
            say,
            text: String::new(),
            out: MarkupWriter::default(),
        }
    }

    pub fn finish(mut self) -> Markup {
        self.flush();
        self.out.finish()
    }

    fn flush(&mut self) {
        let words = self.text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !words.is_empty() {
            self.out.open_tag(self.say);
            self.out.text(&words);
            self.out.close();
        }
        self.text.clear();
    }

    fn dropped(&mut self, feature: &'static str) {
        self.warnings
            .push(VoiceWarning::unsupported(self.family, feature, "dropped"));
    }
}

impl Speaker for PlainCompiler<'_> {
    fn open(&mut self, tag: Tag) {
        match tag {
            Tag::Sentence => self.text.push(' '),
            Tag::Emphasis(_) => self.dropped("emphasis"),
            Tag::Prosody(_) => self.dropped("prosody"),
            Tag::AmazonEffect(_) => self.dropped("amazon effects"),
        }
    }

    fn close(&mut self) {}

    fn text(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn say_as(&mut self, _: Interpretation, text: &str) {
        self.warnings.push(VoiceWarning::unsupported(
            self.family,
            "say-as",
            "read as written",
        ));
        self.text.push_str(text);
    }

    fn pause(&mut self, ms: u32) {
        if ms < 500 {
            self.text.push(' ');
            return;
        }
        self.flush();
        let mut seconds = itoa::Buffer::new();
        let seconds = seconds.format(ms.div_ceil(1000).max(1));
        self.out.element("Pause", &[("length", seconds)], "");
    }
}
