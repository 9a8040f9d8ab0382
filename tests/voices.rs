//! Voice profiles end to end: from configuration to the `<Say>` each engine family gets, with
//! every style, emotion and effect snapshotted per family, and every bad input refused.

#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use projectx::config::{self, VoiceProfileConfig, VoiceSettings};
use projectx::voice::{
    Effect, Emotion, EngineFamily, SpeakOptions, Style, VoiceBook, VoiceError, VoiceProfile,
};

const LINE: &str = "Captain Nova here. Your appointment is on 2026-12-01 at 3:30 PM; call +14155550100, or press 1.";

fn profile(voice: &str, style: Style) -> VoiceProfile {
    let cfg = VoiceProfileConfig {
        voice: Some(voice.to_owned()),
        style: Some(style.as_str().to_owned()),
        pitch: Some(1.2),
        rate: Some(0.9),
        language: Some("en-US".to_owned()),
        ..VoiceProfileConfig::default()
    };
    VoiceProfile::from_config("captain_nova", &cfg, &VoiceSettings::default()).unwrap()
}

const FAMILY_VOICES: &[(EngineFamily, &str)] = &[
    (EngineFamily::PollyStandard, "Polly.Matthew"),
    (EngineFamily::PollyNeural, "Polly.Matthew-Neural"),
    (EngineFamily::PollyGenerative, "Polly.Matthew-Generative"),
    (EngineFamily::Google, "Google.en-US-Neural2-J"),
    (EngineFamily::GoogleChirp, "Google.en-US-Chirp3-HD-Charon"),
    (EngineFamily::Basic, "alice"),
];

fn render(profile: &VoiceProfile, options: &SpeakOptions) -> String {
    let speech = profile.speak(LINE, options).unwrap();
    let xml = speech.verbs.as_str().to_owned();
    let warnings: Vec<String> = speech.warnings.iter().map(ToString::to_string).collect();
    if warnings.is_empty() {
        xml
    } else {
        format!("{xml}\n  warnings: {}", warnings.join(" | "))
    }
}

#[test]
fn every_style_emotion_and_effect_on_every_engine_family() {
    for (family, voice) in FAMILY_VOICES {
        assert_eq!(EngineFamily::of_voice(voice), *family);
        let mut table = String::new();
        for style in Style::ALL {
            let p = profile(voice, *style);
            table += &format!(
                "style {style}:\n{}\n\n",
                render(&p, &SpeakOptions::default())
            );
        }
        let neutral = profile(voice, Style::Neutral);
        for emotion in Emotion::ALL {
            let options = SpeakOptions {
                emotion: *emotion,
                ..SpeakOptions::default()
            };
            table += &format!("emotion {emotion}:\n{}\n\n", render(&neutral, &options));
        }
        for effect in Effect::ALL {
            let options = SpeakOptions {
                effects: vec![*effect],
                ..SpeakOptions::default()
            };
            table += &format!("effect {effect}:\n{}\n\n", render(&neutral, &options));
        }
        let name = format!("{family}").replace(' ', "_").to_lowercase();
        insta::assert_snapshot!(name, table);
    }
}

#[test]
fn every_rendering_is_well_formed_and_honours_the_family() {
    for (family, voice) in FAMILY_VOICES {
        let caps = family.capabilities();
        for style in Style::ALL {
            for emotion in Emotion::ALL {
                for effect in Effect::ALL {
                    let options = SpeakOptions {
                        emotion: *emotion,
                        effects: vec![*effect],
                    };
                    let xml = render(&profile(voice, *style), &options);
                    let xml = xml.lines().next().unwrap();
                    let doc = format!("<Response>{xml}</Response>");
                    let mut reader = quick_xml::Reader::from_str(&doc);
                    loop {
                        match reader.read_event() {
                            Ok(quick_xml::events::Event::Eof) => break,
                            Ok(_) => {}
                            Err(e) => panic!("{family} {style} {emotion} {effect}: {e}: {doc}"),
                        }
                    }
                    if !caps.amazon_voice_effects {
                        assert!(
                            !xml.contains("amazon:effect name=\"whispered\""),
                            "{family}: {xml}"
                        );
                        assert!(!xml.contains("vocal-tract-length"), "{family}: {xml}");
                    }
                    if !caps.drc {
                        assert!(!xml.contains("amazon:"), "{family}: {xml}");
                    }
                    if !caps.emphasis {
                        assert!(!xml.contains("<emphasis"), "{family}: {xml}");
                    }
                    if !caps.pitch {
                        assert!(!xml.contains("pitch="), "{family}: {xml}");
                    }
                    if !caps.ssml {
                        assert!(
                            !xml.contains("<s>") && !xml.contains("<prosody"),
                            "{family}: {xml}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn pitch_and_rate_map_to_percentages() {
    let cfg = VoiceProfileConfig {
        voice: Some("Polly.Matthew".to_owned()),
        pitch: Some(1.2),
        rate: Some(0.9),
        ..VoiceProfileConfig::default()
    };
    let p = VoiceProfile::from_config("nova", &cfg, &VoiceSettings::default()).unwrap();
    let speech = p.speak("Hello.", &SpeakOptions::default()).unwrap();
    assert_eq!(
        speech.verbs.as_str(),
        "<Say voice=\"Polly.Matthew\"><prosody pitch=\"+20%\" rate=\"90%\"><s>Hello.</s></prosody></Say>"
    );
    assert!(speech.warnings.is_empty());
}

#[test]
fn neural_voices_report_what_they_cannot_do() {
    let p = profile("Polly.Matthew-Neural", Style::Authoritative);
    let speech = p
        .speak("Attention please.", &SpeakOptions::default())
        .unwrap();
    let warnings: Vec<String> = speech.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings.contains(&"Polly neural voices do not support prosody pitch: dropped".to_owned()),
        "{warnings:?}"
    );
    assert!(
        warnings.contains(
            &"Polly neural voices do not support emphasis: rendered as louder, slower prosody"
                .to_owned()
        ),
        "{warnings:?}"
    );
}

#[test]
fn model_and_language_pick_the_voice_and_defaults_come_from_voice_settings() {
    let settings = VoiceSettings {
        language: Some("en-GB".to_owned()),
        model: Some(config::VoiceModel::Standard),
        ..VoiceSettings::default()
    };
    let p = VoiceProfile::from_config("x", &VoiceProfileConfig::default(), &settings).unwrap();
    assert_eq!(p.voice(), "Polly.Amy");
    assert_eq!(p.language(), Some("en-GB"));
    let cfg = VoiceProfileConfig {
        model: Some(config::VoiceModel::Neural),
        ..VoiceProfileConfig::default()
    };
    let p = VoiceProfile::from_config("x", &cfg, &settings).unwrap();
    assert_eq!(p.voice(), "Polly.Amy-Neural");
    // Without a model, quality decides: high → neural, standard → standard.
    let high = VoiceSettings {
        quality: Some(config::VoiceQuality::High),
        ..VoiceSettings::default()
    };
    let p = VoiceProfile::from_config("x", &VoiceProfileConfig::default(), &high).unwrap();
    assert_eq!(p.voice(), "Polly.Joanna-Neural");
    let low = VoiceSettings {
        quality: Some(config::VoiceQuality::Standard),
        ..VoiceSettings::default()
    };
    let p = VoiceProfile::from_config("x", &VoiceProfileConfig::default(), &low).unwrap();
    assert_eq!(p.voice(), "Polly.Joanna");
}

#[test]
fn user_text_is_escaped_and_control_characters_removed() {
    let p = VoiceProfile::plain("Polly.Joanna");
    let speech = p
        .speak(
            "Fish & chips <now> \"quoted\" it's\u{7} done",
            &SpeakOptions::default(),
        )
        .unwrap();
    let xml = speech.verbs.as_str();
    assert!(
        xml.contains("Fish &amp; chips &lt;now&gt; \"quoted\" it's done"),
        "{xml}"
    );
    assert_eq!(
        speech.warnings[0].to_string(),
        "control characters were removed from the text"
    );
}

#[test]
fn bad_input_is_refused_with_the_known_names() {
    let settings = VoiceSettings::default();
    let with = |cfg: VoiceProfileConfig| {
        VoiceProfile::from_config("x", &cfg, &settings)
            .unwrap_err()
            .to_string()
    };
    let err = with(VoiceProfileConfig {
        style: Some("sarcastic".into()),
        ..Default::default()
    });
    assert!(
        err.contains("unknown style \"sarcastic\"; known: neutral, authoritative"),
        "{err}"
    );
    let err = with(VoiceProfileConfig {
        pitch: Some(2.5),
        ..Default::default()
    });
    assert_eq!(err, "pitch 2.5 is outside 0.5–2.0 (1.0 is the voice's own)");
    let err = with(VoiceProfileConfig {
        rate: Some(0.1),
        ..Default::default()
    });
    assert!(err.starts_with("rate 0.1 is outside"), "{err}");
    let err = with(VoiceProfileConfig {
        volume: Some("deafening".into()),
        ..Default::default()
    });
    assert!(err.contains("deafening"), "{err}");

    assert!(
        "grumpy"
            .parse::<Emotion>()
            .unwrap_err()
            .to_string()
            .contains("known: neutral, excited")
    );
    assert!(
        "wobble"
            .parse::<Effect>()
            .unwrap_err()
            .to_string()
            .contains("known: whisper, soft")
    );

    let p = VoiceProfile::plain("Polly.Joanna");
    assert_eq!(
        p.speak("  \n ", &SpeakOptions::default()).unwrap_err(),
        VoiceError::EmptyText
    );
    let long = "word ".repeat(1000);
    assert!(matches!(
        p.speak(&long, &SpeakOptions::default()),
        Err(VoiceError::TooLong(4999))
    ));
}

#[test]
fn an_unknown_voice_name_is_a_warning_naming_the_closest() {
    let cfg = VoiceProfileConfig {
        voice: Some("Polly.Mathew-Neural".into()),
        ..Default::default()
    };
    let p = VoiceProfile::from_config("x", &cfg, &VoiceSettings::default()).unwrap();
    assert_eq!(p.warnings().len(), 1);
    assert!(
        p.warnings()[0]
            .to_string()
            .contains("did you mean Polly.Matthew-Neural?"),
        "{}",
        p.warnings()[0]
    );
    // The name is still used: Twilio may know voices this build does not.
    assert_eq!(p.voice(), "Polly.Mathew-Neural");
}

#[test]
fn the_book_finds_profiles_and_agents_and_names_the_known_ones() {
    let loaded = config::from_str(
        "voices:\n  captain_nova: { model: neural, style: authoritative, pitch: 1.2, rate: 0.9 }\nagents:\n  captain-nova: { voice: captain_nova }\n",
        None,
        &|_| None,
    )
    .unwrap();
    let book = VoiceBook::from_config(&loaded.config).unwrap();
    assert_eq!(book.agent("captain-nova").unwrap().name(), "captain_nova");
    assert_eq!(
        book.find("captain_nova").unwrap().voice(),
        "Polly.Joanna-Neural"
    );
    let err = book.agent("dr-quantum").unwrap_err().to_string();
    assert_eq!(err, "unknown agent \"dr-quantum\"; known: captain-nova");
    let err = book.profile("dr_quantum").unwrap_err().to_string();
    assert_eq!(
        err,
        "unknown voice profile \"dr_quantum\"; known: captain_nova"
    );
}

#[test]
fn basic_voices_turn_pauses_into_pause_verbs() {
    let p = profile("alice", Style::Calm);
    let speech = p
        .speak("First point. Second point.", &SpeakOptions::default())
        .unwrap();
    assert_eq!(
        speech.verbs.as_str(),
        concat!(
            "<Say language=\"en-US\" voice=\"alice\">First point.</Say>",
            "<Pause length=\"1\" />",
            "<Say language=\"en-US\" voice=\"alice\">Second point.</Say>",
        )
    );
}
