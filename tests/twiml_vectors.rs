//! The reference documents of `tests/fixtures/twiml_vectors.json`, written by Twilio's official
//! Python library, rebuilt here call for call: the bytes must be identical.

#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

fn vector(name: &str) -> (String, String) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/twiml_vectors.json"
    ))
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let doc = json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name}"));
    (
        doc["xml"].as_str().unwrap().to_owned(),
        doc["xml_no_declaration"].as_str().unwrap().to_owned(),
    )
}

#[path = "../benches/common/twiml_docs.rs"]
#[allow(dead_code)] // the benches use the profile documents too
mod docs;

#[test]
fn ivr_gather_menu() {
    let (xml, _) = vector("ivr_gather_menu");
    assert_eq!(docs::ivr_gather_menu(), xml);
}

#[test]
fn say_ssml_play_pause_hangup() {
    let (xml, _) = vector("say_ssml_play_pause_hangup");
    assert_eq!(docs::say_ssml_play_pause_hangup(), xml);
}

#[test]
fn record_dial_connect_stream() {
    let (xml, _) = vector("record_dial_connect_stream");
    assert_eq!(docs::record_dial_connect_stream(), xml);
}

#[test]
fn documents_without_the_declaration_match_too() {
    for (name, build) in [
        ("ivr_gather_menu", docs::ivr_gather_menu as fn() -> String),
        (
            "say_ssml_play_pause_hangup",
            docs::say_ssml_play_pause_hangup,
        ),
        (
            "record_dial_connect_stream",
            docs::record_dial_connect_stream,
        ),
    ] {
        let (_, fragment) = vector(name);
        let full = build();
        assert_eq!(
            full.strip_prefix(projectx::twiml::XML_DECLARATION),
            Some(fragment.as_str()),
            "{name}"
        );
    }
}
