//! Checks that need more than types: numbers that must parse, ranges, references between
//! sections, secrets that must be present for live calls.

use reqwest::Url;

use super::diagnostics::{Collector, closest};
use super::schema::{Config, Mode};
use super::tree::PositionIndex;
use crate::phone::{Endpoint, PhoneNumber};

const E164_HINT: &str = "write numbers in E.164 form, e.g. +14155550100";
const FACTOR_RANGE: std::ops::RangeInclusive<f64> = 0.5..=2.0;

pub(crate) fn check(config: &Config, index: &PositionIndex, out: &mut Collector) {
    let mut at = |path: &str| index.nearest(path);
    twilio(config, &mut at, out);
    server(config, &mut at, out);
    runtime(config, &mut at, out);
    voices_and_agents(config, &mut at, out);
    compliance(config, &mut at, out);
    limits(config, &mut at, out);
    numbers_and_simulator(config, &mut at, out);
}

type At<'a> = dyn FnMut(&str) -> Option<super::Position> + 'a;

fn twilio(config: &Config, at: &mut At<'_>, out: &mut Collector) {
    let t = &config.twilio;
    let region = t.region();
    if crate::phone::PhoneNumber::parse_in("+14155550100", region).is_err() {
        out.error(
            "twilio.default_region",
            at("twilio.default_region"),
            format!("unknown region {region:?}"),
            Some("use an ISO 3166 code such as US, GB or DE".to_owned()),
        );
    }
    if let Some(Err(e)) = t.from_number() {
        out.error(
            "twilio.from_number",
            at("twilio.from_number"),
            e.to_string(),
            Some(E164_HINT.to_owned()),
        );
    }
    if let Some(base) = &t.base_url {
        match Url::parse(base) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => out.error(
                "twilio.base_url",
                at("twilio.base_url"),
                format!("{base:?} is not an http(s) URL"),
                Some(
                    "e.g. https://api.twilio.com or http://127.0.0.1:4020 for the simulator"
                        .to_owned(),
                ),
            ),
        }
    }
    if t.api_key_sid.is_some() != t.api_key_secret.is_some() {
        let (missing, present) = if t.api_key_sid.is_some() {
            ("twilio.api_key_secret", "twilio.api_key_sid")
        } else {
            ("twilio.api_key_sid", "twilio.api_key_secret")
        };
        out.error(
            missing,
            at(present),
            format!("missing secret: {present} is set but {missing} is not"),
            Some("an API key needs both its SID (SK…) and its secret".to_owned()),
        );
    }
    let has_any = t.account_sid.is_some() || t.auth_token.is_some() || t.api_key_secret.is_some();
    let live = config.runtime.mode == Mode::Live;
    if live || has_any {
        if t.account_sid.is_none() {
            out.error(
                "twilio.account_sid",
                at("twilio"),
                "missing: the Account SID (AC…) is required for live calls",
                Some(secret_hint()),
            );
        }
        if t.auth_token.is_none() && t.api_key_secret.is_none() {
            out.error("twilio.auth_token", at("twilio"), "missing secret: an auth token (or api_key_sid + api_key_secret) is required for live calls", Some(secret_hint()));
        }
        if t.has_credentials()
            && let Err(e) = t.credentials()
        {
            out.error(
                "twilio.account_sid",
                at("twilio.account_sid"),
                e.to_string(),
                None,
            );
        }
    }
    if live && t.from_number.is_none() {
        out.error(
            "twilio.from_number",
            at("twilio"),
            "missing: live calls need a caller ID",
            Some(
                "set twilio.from_number or TWILIO_PHONE_NUMBER to a number of your Twilio account"
                    .to_owned(),
            ),
        );
    }
}

fn secret_hint() -> String {
    "set it in projectx.yaml as ${TWILIO_AUTH_TOKEN} and export the variable, or leave all credentials out to use the built-in simulator".to_owned()
}

fn server(config: &Config, at: &mut At<'_>, out: &mut Collector) {
    let Some(public) = &config.server.public_url else {
        return;
    };
    match Url::parse(public) {
        Ok(url) if url.scheme() == "https" => {}
        Ok(url) if url.scheme() == "http" => out.warning(
            "server.public_url",
            at("server.public_url"),
            format!("{public:?} is not https: webhooks and their signatures travel in the clear"),
            Some("put the server behind a TLS-terminating proxy and give its https URL".to_owned()),
        ),
        _ => out.error(
            "server.public_url",
            at("server.public_url"),
            format!("{public:?} is not an http(s) URL"),
            Some("e.g. https://calls.example.com".to_owned()),
        ),
    }
}

fn runtime(config: &Config, at: &mut At<'_>, out: &mut Collector) {
    let store = &config.runtime.store;
    if !store.starts_with("sqlite:") {
        out.error(
            "runtime.store",
            at("runtime.store"),
            format!("{store:?} is not a supported store"),
            Some("use sqlite://projectx.db (a file) or sqlite::memory:".to_owned()),
        );
    }
    let sandbox = &config.runtime.sandbox;
    if sandbox.max_instructions < 100_000 {
        out.error(
            "runtime.sandbox.max_instructions",
            at("runtime.sandbox.max_instructions"),
            format!(
                "{} is too small for any script to load",
                sandbox.max_instructions
            ),
            Some("the default is 50000000".to_owned()),
        );
    }
    if !(1..=65_536).contains(&sandbox.max_memory_mb) {
        out.error(
            "runtime.sandbox.max_memory_mb",
            at("runtime.sandbox.max_memory_mb"),
            format!("{} MiB is outside 1-65536", sandbox.max_memory_mb),
            Some("the default is 256".to_owned()),
        );
    }
    if config.runtime.flow_error_line.trim().is_empty() {
        out.error(
            "runtime.flow_error_line",
            at("runtime.flow_error_line"),
            "is empty: a caller whose flow fails would hear silence",
            None,
        );
    }
    if config.runtime.scripts.is_empty() {
        out.error(
            "runtime.scripts",
            at("runtime.scripts"),
            "lists no scripts",
            Some("e.g. scripts: [scripts]".to_owned()),
        );
    }
}

fn voices_and_agents(config: &Config, at: &mut At<'_>, out: &mut Collector) {
    for (name, voice) in &config.voices {
        if let Some(style) = &voice.style
            && let Err(e) = style.parse::<crate::voice::Style>()
        {
            let path = format!("voices.{name}.style");
            let hint = closest(style, e.known.iter().copied())
                .map(|k| format!("did you mean `{k}`?"))
                .unwrap_or_else(|| format!("known styles: {}", e.known.join(", ")));
            out.error(
                &path,
                at(&path),
                format!("unknown style `{style}`"),
                Some(hint),
            );
        }
        if let Some(volume) = &voice.volume
            && let Err(e) = crate::voice::parse_volume(volume)
        {
            let path = format!("voices.{name}.volume");
            out.error(&path, at(&path), e.to_string(), None);
        }
        for (key, value) in [("pitch", voice.pitch), ("rate", voice.rate)] {
            if let Some(v) = value
                && !FACTOR_RANGE.contains(&v)
            {
                let path = format!("voices.{name}.{key}");
                out.error(
                    &path,
                    at(&path),
                    format!("{v} is outside 0.5–2.0"),
                    Some(format!("1.0 is the voice's own {key}; 1.2 is 20% more")),
                );
            }
        }
    }
    for (name, agent) in &config.agents {
        if !config.voices.contains_key(&agent.voice) {
            let path = format!("agents.{name}.voice");
            let hint = match closest(&agent.voice, config.voices.keys().map(String::as_str)) {
                Some(known) => format!("did you mean `{known}`?"),
                None if config.voices.is_empty() => "define it under `voices:`".to_owned(),
                None => format!(
                    "known voices: {}",
                    config.voices.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            };
            out.error(
                &path,
                at(&path),
                format!("unknown voice `{}`", agent.voice),
                Some(hint),
            );
        }
    }
}

/// Parses `HH:MM-HH:MM` (`24:00` ends at midnight).
pub fn parse_calling_hours(text: &str) -> Result<crate::campaign::CallingHours, String> {
    crate::campaign::CallingHours::parse(text)
}

fn compliance(config: &Config, at: &mut At<'_>, out: &mut Collector) {
    if let Err(e) = parse_calling_hours(&config.compliance.calling_hours) {
        out.error(
            "compliance.calling_hours",
            at("compliance.calling_hours"),
            e,
            Some("write HH:MM-HH:MM in the recipient's local time, e.g. 08:00-21:00".to_owned()),
        );
    }
    if config.compliance.max_attempts_per_day == 0 {
        out.error(
            "compliance.max_attempts_per_day",
            at("compliance.max_attempts_per_day"),
            "0 would forbid every call",
            None,
        );
    }
}

fn limits(config: &Config, at: &mut At<'_>, out: &mut Collector) {
    let l = &config.limits;
    if !(l.cps > 0.0 && l.cps.is_finite()) {
        out.error(
            "limits.cps",
            at("limits.cps"),
            format!("{} must be above 0", l.cps),
            Some("Twilio's default is 1 call per second".to_owned()),
        );
    } else if l.cps > 30.0 {
        out.warning(
            "limits.cps",
            at("limits.cps"),
            format!(
                "{} calls per second is above Twilio's self-service maximum of 30",
                l.cps
            ),
            Some("excess calls would wait in Twilio's queue".to_owned()),
        );
    }
    if l.max_concurrent_calls == 0 {
        out.error(
            "limits.max_concurrent_calls",
            at("limits.max_concurrent_calls"),
            "0 would forbid every call",
            None,
        );
    }
    if let Some(spend) = l.max_spend_usd
        && !(spend >= 0.0 && spend.is_finite())
    {
        out.error(
            "limits.max_spend_usd",
            at("limits.max_spend_usd"),
            format!("{spend} is not an amount"),
            None,
        );
    }
}

fn numbers_and_simulator(config: &Config, at: &mut At<'_>, out: &mut Collector) {
    let region = config.twilio.region();
    for (number, flow) in &config.inbound {
        let path = format!("inbound.{number}");
        if let Err(e) = PhoneNumber::parse_in(number, region) {
            out.error(
                &path,
                at(&path),
                e.to_string(),
                Some(format!("{E164_HINT}; quote it: \"+15005550006\": welcome")),
            );
        }
        if flow.trim().is_empty() {
            out.error(&path, at(&path), "names no flow", None);
        }
    }
    let sim = &config.simulator;
    if !(sim.speed > 0.0 && sim.speed.is_finite()) {
        out.error(
            "simulator.speed",
            at("simulator.speed"),
            format!("{} must be above 0", sim.speed),
            Some("1.0 is real time; 60 runs a minute per second".to_owned()),
        );
    }
    for (i, number) in sim.numbers.iter().enumerate() {
        let path = format!("simulator.numbers[{i}]");
        if let Err(e) = PhoneNumber::parse_in(number, region) {
            out.error(&path, at(&path), e.to_string(), Some(E164_HINT.to_owned()));
        }
    }
    let f = &sim.faults;
    for (name, p) in [
        ("rate_limit", f.rate_limit),
        ("server_errors", f.server_errors),
        ("duplicate_callbacks", f.duplicate_callbacks),
        ("reorder_callbacks", f.reorder_callbacks),
        ("lose_final_callback", f.lose_final_callback),
    ] {
        if !(0.0..=1.0).contains(&p) {
            let path = format!("simulator.faults.{name}");
            out.error(
                &path,
                at(&path),
                format!("{p} is not a probability"),
                Some("write a number from 0 (never) to 1 (always)".to_owned()),
            );
        }
    }
    for number in sim.scenarios.keys() {
        let path = format!("simulator.scenarios.{number}");
        if let Err(e) = Endpoint::parse_in(number, region) {
            out.error(&path, at(&path), e.to_string(), Some(E164_HINT.to_owned()));
        }
    }
}
