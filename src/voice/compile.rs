//! Compiles a speech plan for one engine family. What the engine cannot do is translated to
//! something it can (emphasis → louder, slower prosody; whisper → very soft prosody) or dropped,
//! and either way a warning says so: nothing is sent silently.

use super::engine::{Capabilities, EngineFamily};
use super::ssml::{AmazonEffect, Ssml, pitch_percent, rate_percent, volume_db};
use super::warning::{VoiceWarning, Warnings};
use crate::twiml::Element;

/// The verbs that speak the plan: one `<Say>`, or for basic voices `<Say>` and `<Pause>` in turn.
pub(crate) fn compile(
    plan: &[Ssml],
    family: EngineFamily,
    say: &Element,
    warnings: &mut Warnings,
) -> Vec<Element> {
    let caps = family.capabilities();
    if !caps.ssml {
        return compile_plain(plan, family, say, warnings);
    }
    let mut element = say.clone();
    let mut ctx = Context {
        caps,
        family,
        warnings,
    };
    for item in plan {
        ctx.write(item, &mut element);
    }
    vec![element]
}

struct Context<'w> {
    caps: Capabilities,
    family: EngineFamily,
    warnings: &'w mut Warnings,
}

impl Context<'_> {
    fn warn(&mut self, feature: &'static str, outcome: &str) {
        self.warnings
            .push(VoiceWarning::unsupported(self.family, feature, outcome));
    }

    fn write_all(&mut self, items: &[Ssml], parent: &mut Element) {
        for item in items {
            self.write(item, parent);
        }
    }

    fn write(&mut self, item: &Ssml, parent: &mut Element) {
        match item {
            Ssml::Text(text) => parent.append_text(text),
            Ssml::Break(ms) => {
                parent.push(Element::new("break").attr("time", format!("{ms}ms")));
            }
            Ssml::SayAs {
                interpret_as,
                format,
                text,
            } => {
                if self.caps.say_as {
                    let mut e = Element::new("say-as")
                        .attr("interpret-as", *interpret_as)
                        .with_text(text.clone());
                    if let Some(format) = format {
                        e.set_attr("format", *format);
                    }
                    parent.push(e);
                } else {
                    self.warn("say-as", "read as written");
                    parent.append_text(text);
                }
            }
            Ssml::Sentence(content) => {
                let s = parent.push(Element::new("s"));
                self.write_all(content, s);
            }
            Ssml::Emphasis { level, content } => self.emphasis(level, content, parent),
            Ssml::Prosody {
                rate,
                pitch,
                volume_db,
                content,
            } => self.prosody(*rate, *pitch, *volume_db, content, parent),
            Ssml::AmazonEffect { effect, content } => self.effect(*effect, content, parent),
        }
    }

    fn emphasis(&mut self, level: &'static str, content: &[Ssml], parent: &mut Element) {
        if self.caps.emphasis {
            let e = parent.push(Element::new("emphasis").attr("level", level));
            self.write_all(content, e);
            return;
        }
        // Emphasis is, in effect, a louder and slightly slower delivery.
        let (volume, rate) = match level {
            "strong" => (4.0, 0.9),
            "reduced" => (-3.0, 1.0),
            _ => (2.0, 0.95),
        };
        if self.caps.volume {
            self.warn("emphasis", "rendered as louder, slower prosody");
            self.prosody(Some(rate), None, Some(volume), content, parent);
        } else {
            self.warn("emphasis", "dropped");
            self.write_all(content, parent);
        }
    }

    fn prosody(
        &mut self,
        rate: Option<f64>,
        pitch: Option<f64>,
        volume: Option<f64>,
        content: &[Ssml],
        parent: &mut Element,
    ) {
        // Prosody directly inside prosody (a translated effect around the delivery) is one
        // change: merge them rather than nest relative values.
        if let [
            Ssml::Prosody {
                rate: r2,
                pitch: p2,
                volume_db: v2,
                content: inner,
            },
        ] = content
        {
            let times = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(1.0) * b.unwrap_or(1.0)),
            };
            let plus = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
            };
            return self.prosody(
                times(rate, *r2),
                times(pitch, *p2),
                plus(volume, *v2),
                inner,
                parent,
            );
        }
        let mut e = Element::new("prosody");
        let mut any = false;
        if let Some(r) = rate.filter(|r| (r - 1.0).abs() > 1e-9) {
            if self.caps.rate {
                e.set_attr("rate", rate_percent(r));
                any = true;
            } else {
                self.warn("prosody rate", "dropped");
            }
        }
        if let Some(p) = pitch.filter(|p| (p - 1.0).abs() > 1e-9) {
            if self.caps.pitch {
                e.set_attr("pitch", pitch_percent(p));
                any = true;
            } else {
                self.warn("prosody pitch", "dropped");
            }
        }
        if let Some(v) = volume.filter(|v| v.abs() > 1e-9) {
            if self.caps.volume {
                e.set_attr("volume", volume_db(v));
                any = true;
            } else {
                self.warn("prosody volume", "dropped");
            }
        }
        if any {
            let e = parent.push(e);
            self.write_all(content, e);
        } else {
            self.write_all(content, parent);
        }
    }

    fn effect(&mut self, effect: AmazonEffect, content: &[Ssml], parent: &mut Element) {
        let native = match effect {
            AmazonEffect::Drc => self.caps.drc,
            _ => self.caps.amazon_voice_effects,
        };
        if native {
            let e = match effect {
                AmazonEffect::Whispered => Element::new("amazon:effect").attr("name", "whispered"),
                AmazonEffect::SoftPhonation => {
                    Element::new("amazon:effect").attr("phonation", "soft")
                }
                AmazonEffect::VocalTract(percent) => Element::new("amazon:effect")
                    .attr("vocal-tract-length", format!("{percent:+}%")),
                AmazonEffect::Drc => Element::new("amazon:effect").attr("name", "drc"),
            };
            let e = parent.push(e);
            self.write_all(content, e);
            return;
        }
        match effect {
            AmazonEffect::Whispered if self.caps.volume => {
                self.warn("whisper", "rendered as very soft, slower prosody");
                self.prosody(Some(0.9), None, Some(-10.0), content, parent);
            }
            AmazonEffect::SoftPhonation if self.caps.volume => {
                self.warn("soft phonation", "rendered as softer prosody");
                self.prosody(None, None, Some(-4.0), content, parent);
            }
            AmazonEffect::VocalTract(percent) if self.caps.pitch => {
                self.warn("vocal-tract-length", "rendered as a pitch change");
                // A longer tract (positive) sounds deeper: lower the pitch by a similar amount.
                self.prosody(
                    None,
                    Some(1.0 - f64::from(percent) / 100.0),
                    None,
                    content,
                    parent,
                );
            }
            AmazonEffect::Whispered => {
                self.warn("whisper", "dropped");
                self.write_all(content, parent);
            }
            AmazonEffect::SoftPhonation => {
                self.warn("soft phonation", "dropped");
                self.write_all(content, parent);
            }
            AmazonEffect::VocalTract(_) => {
                self.warn("vocal-tract-length", "dropped");
                self.write_all(content, parent);
            }
            AmazonEffect::Drc => {
                self.warn("dynamic range compression", "dropped");
                self.write_all(content, parent);
            }
        }
    }
}

/// Basic voices take no SSML: the words go in `<Say>`, pauses of half a second or more become
/// `<Pause>` verbs, and everything else is reported as dropped.
fn compile_plain(
    plan: &[Ssml],
    family: EngineFamily,
    say: &Element,
    warnings: &mut Warnings,
) -> Vec<Element> {
    let mut verbs = Vec::new();
    let mut text = String::new();
    let flush = |text: &mut String, verbs: &mut Vec<Element>| {
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !words.is_empty() {
            verbs.push(say.clone().with_text(words));
        }
        text.clear();
    };
    walk_plain(plan, family, warnings, &mut |piece| match piece {
        Plain::Text(t) => text.push_str(&t),
        Plain::Pause(ms) if ms >= 500 => {
            flush(&mut text, &mut verbs);
            let seconds = ms.div_ceil(1000).max(1);
            verbs.push(Element::new("Pause").attr("length", seconds));
        }
        Plain::Pause(_) => text.push(' '),
    });
    flush(&mut text, &mut verbs);
    verbs
}

enum Plain {
    Text(String),
    Pause(u32),
}

fn walk_plain(
    plan: &[Ssml],
    family: EngineFamily,
    warnings: &mut Warnings,
    emit: &mut dyn FnMut(Plain),
) {
    for item in plan {
        let (feature, content): (Option<&'static str>, &[Ssml]) = match item {
            Ssml::Text(t) => {
                emit(Plain::Text(t.clone()));
                continue;
            }
            Ssml::SayAs { text, .. } => {
                warnings.push(VoiceWarning::unsupported(
                    family,
                    "say-as",
                    "read as written",
                ));
                emit(Plain::Text(text.clone()));
                continue;
            }
            Ssml::Break(ms) => {
                emit(Plain::Pause(*ms));
                continue;
            }
            Ssml::Sentence(content) => {
                emit(Plain::Text(" ".to_owned()));
                (None, content)
            }
            Ssml::Emphasis { content, .. } => (Some("emphasis"), content),
            Ssml::Prosody { content, .. } => (Some("prosody"), content),
            Ssml::AmazonEffect { content, .. } => (Some("amazon effects"), content),
        };
        if let Some(feature) = feature {
            warnings.push(VoiceWarning::unsupported(family, feature, "dropped"));
        }
        walk_plain(content, family, warnings, emit);
    }
}
