use std::collections::HashMap;
use std::path::PathBuf;

use secrecy::ExposeSecret;

use super::*;

const TOKEN: &str = "s3cr3t-token-value";

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn load(text: &str, env: EnvLookup<'_>) -> Result<Loaded, ConfigError> {
    from_str(text, Some(PathBuf::from("projectx.yaml")), env)
}

fn errors_of(text: &str) -> Vec<Problem> {
    load(text, &no_env)
        .expect_err("expected the configuration to be rejected")
        .problems
        .into_iter()
        .filter(Problem::is_error)
        .collect()
}

const PRODUCT_EXAMPLE: &str = r#"
twilio:
  account_sid: ${TWILIO_ACCOUNT_SID}     # also read from the environment when the key is absent
  auth_token: ${TWILIO_AUTH_TOKEN}       # or api_key_sid + api_key_secret
  from_number: ${TWILIO_PHONE_NUMBER}
  base_url: https://api.twilio.com       # any Twilio-compatible endpoint (simulator, contract mock)
  voice_settings: { quality: high, language: en-US, model: neural }   # defaults for every voice
server:   { listen: 127.0.0.1:8080, public_url: https://calls.example.com }  # no public_url: poll status
runtime:  { scripts: [scripts], store: sqlite://projectx.db, mode: auto }     # auto | simulate | live
voices:                                   # character-specific voices (seed shape, extended)
  captain_nova: { model: neural, style: authoritative, pitch: 1.2, rate: 0.9 }
  dr_quantum:   { model: neural, style: technical, pitch: 1.0, rate: 1.1, voice: Polly.Matthew-Neural }
agents:                                   # a persona = a voice + optional default flow
  captain-nova: { voice: captain_nova, flow: announce }
compliance: { calling_hours: "08:00-21:00", dnc: dnc.txt, disclose_automation: true }
limits:     { cps: 1, max_concurrent_calls: 10, max_spend_usd: 50 }
inbound:    { "+15005550006": welcome }   # called number -> flow that answers it
simulator:                                # used when mode is simulate (or auto without credentials)
  speed: 1.0                              # virtual clock factor: 60 = a minute per second
  scenarios:                              # per destination; default: a human answers and listens
    "+14155550101": { answer: human, digits: "1" }     # or speech: "yes please"
    "+14155550102": busy                  # busy | no-answer | failed | machine | reject
"#;

fn product_env() -> impl Fn(&str) -> Option<String> {
    env_of(&[
        ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"),
        ("TWILIO_AUTH_TOKEN", TOKEN),
        ("TWILIO_PHONE_NUMBER", "+15005550006"),
    ])
}

#[test]
fn the_product_example_loads() {
    let loaded = load(PRODUCT_EXAMPLE, &product_env()).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let c = loaded.config;
    assert_eq!(
        c.twilio.account_sid.as_deref(),
        Some("AC0123456789abcdef0123456789abcdef")
    );
    assert_eq!(
        c.twilio
            .auth_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
        Some(TOKEN.to_owned())
    );
    assert_eq!(c.twilio.voice_settings.model, Some(VoiceModel::Neural));
    assert_eq!(c.voices["captain_nova"].pitch, Some(1.2));
    assert_eq!(
        c.voices["dr_quantum"].voice.as_deref(),
        Some("Polly.Matthew-Neural")
    );
    assert_eq!(c.agents["captain-nova"].flow.as_deref(), Some("announce"));
    assert_eq!(c.limits.max_spend_usd, Some(50.0));
    assert_eq!(c.inbound["+15005550006"], "welcome");
    assert_eq!(
        c.simulator.scenarios["+14155550102"],
        Scenario::Outcome(ScenarioOutcome::Busy)
    );
    assert!(matches!(
        &c.simulator.scenarios["+14155550101"],
        Scenario::Detailed(d) if d.digits.as_deref() == Some("1") && d.answer == ScenarioOutcome::Human
    ));
    assert_eq!(c.effective_mode(), Mode::Live);
    assert_eq!(c.source, Some(PathBuf::from("projectx.yaml")));
    assert!(c.twilio_client().is_ok());
}

#[test]
fn no_file_and_no_credentials_means_simulate() {
    let loaded = from_str("", None, &no_env).unwrap();
    assert_eq!(loaded.config.effective_mode(), Mode::Simulate);
    assert_eq!(loaded.config.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(loaded.config.limits.cps, 1.0);
    let comments_only = from_str("# nothing yet\n", None, &no_env).unwrap();
    assert_eq!(comments_only.config.effective_mode(), Mode::Simulate);
}

#[test]
fn credentials_fall_back_to_the_usual_environment_variables() {
    let env = env_of(&[
        ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"),
        ("TWILIO_AUTH_TOKEN", TOKEN),
        ("TWILIO_PHONE_NUMBER", "+15005550006"),
    ]);
    let loaded = load("limits: { cps: 2 }\n", &env).unwrap();
    assert_eq!(loaded.config.effective_mode(), Mode::Live);
    assert_eq!(
        loaded.config.twilio.from_number.as_deref(),
        Some("+15005550006")
    );
    // A key written in the file wins over the environment.
    let loaded = load("twilio: { from_number: \"+14155550100\" }\n", &env).unwrap();
    assert_eq!(
        loaded.config.twilio.from_number.as_deref(),
        Some("+14155550100")
    );
}

#[test]
fn unknown_keys_are_reported_with_line_and_suggestion() {
    let errors = errors_of("twilio:\n  from_numbr: \"+15005550006\"\nlimitz: {}\n");
    assert_eq!(errors.len(), 2, "{errors:?}");
    let key = &errors
        .iter()
        .find(|p| p.path == "twilio.from_numbr")
        .unwrap();
    assert_eq!(key.position.map(|p| p.line), Some(2));
    assert_eq!(key.hint.as_deref(), Some("did you mean `from_number`?"));
    let section = errors.iter().find(|p| p.path == "limitz").unwrap();
    assert_eq!(section.position.map(|p| p.line), Some(3));
    assert_eq!(section.hint.as_deref(), Some("did you mean `limits`?"));
    let shown = section.to_string();
    assert!(
        shown.starts_with("projectx.yaml:3:1: error: limitz: unknown key `limitz`"),
        "{shown}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = "\
twilio:
  account_sid: AC0123456789abcdef0123456789abcdef
  from_number: \"+1555\"
  colour: blue
  shade: red
limits:
  cps: fast
compliance:
  calling_hours: \"21:00-08:00\"
voices:
  nova: { pitch: 3.0 }
agents:
  captain-nova: { voice: novaa }
";
    let errors = errors_of(text);
    let paths: Vec<&str> = errors.iter().map(|p| p.path.as_str()).collect();
    for expected in [
        "twilio.from_number",
        "twilio.colour",
        "twilio.shade",
        "twilio.auth_token",
        "limits.cps",
        "compliance.calling_hours",
        "voices.nova.pitch",
        "agents.captain-nova.voice",
    ] {
        assert!(
            paths.contains(&expected),
            "{expected} missing from {paths:?}"
        );
    }
    let cps = errors.iter().find(|p| p.path == "limits.cps").unwrap();
    assert_eq!(cps.position.map(|p| p.line), Some(7));
    let agent = errors
        .iter()
        .find(|p| p.path == "agents.captain-nova.voice")
        .unwrap();
    assert_eq!(agent.hint.as_deref(), Some("did you mean `nova`?"));
}

#[test]
fn unset_variable_without_default_names_the_variable_and_line() {
    let errors = errors_of("server:\n  listen: 127.0.0.1:8080\n  public_url: ${PUBLIC_URL}\n");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].path, "server.public_url");
    assert_eq!(errors[0].position.map(|p| p.line), Some(3));
    assert!(
        errors[0].message.contains("PUBLIC_URL is not set"),
        "{}",
        errors[0]
    );
}

#[test]
fn defaults_and_whole_substitutions_keep_their_type() {
    let env = env_of(&[("CPS", "3")]);
    let loaded = load(
        "limits: { cps: \"${CPS}\", max_concurrent_calls: \"${MAX:-4}\" }\nserver: { listen: \"${LISTEN:-0.0.0.0:9000}\" }\n",
        &env,
    )
    .unwrap();
    assert_eq!(loaded.config.limits.cps, 3.0);
    assert_eq!(loaded.config.limits.max_concurrent_calls, 4);
    assert_eq!(loaded.config.server.listen.to_string(), "0.0.0.0:9000");
}

#[test]
fn malformed_yaml_is_reported_with_its_line() {
    let errors = errors_of("twilio:\n  from_number: \"+15005550006\n  base_url: x\n");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].message.starts_with("not valid YAML"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].position.is_some_and(|p| p.line >= 2),
        "{:?}",
        errors[0]
    );
    let errors = errors_of("limits: [1, 2\n");
    assert!(errors[0].position.is_some(), "{:?}", errors[0]);
}

#[test]
fn a_plain_http_public_url_is_a_warning_not_an_error() {
    let loaded = load(
        "server: { public_url: \"http://calls.example.com\" }\n",
        &no_env,
    )
    .unwrap();
    assert_eq!(loaded.warnings.len(), 1);
    assert_eq!(loaded.warnings[0].severity, Severity::Warning);
    assert_eq!(loaded.warnings[0].path, "server.public_url");
    assert!(loaded.warnings[0].to_string().contains("not https"));
}

#[test]
fn missing_secrets_are_reported_for_live_mode() {
    let errors = errors_of("runtime: { mode: live }\n");
    let paths: Vec<&str> = errors.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "twilio.account_sid",
            "twilio.auth_token",
            "twilio.from_number"
        ]
    );
    assert!(errors[1].message.contains("missing secret"));
    let errors = errors_of(
        "twilio: { account_sid: AC0123456789abcdef0123456789abcdef, api_key_sid: SK0123456789abcdef0123456789abcdef }\n",
    );
    assert!(
        errors
            .iter()
            .any(|p| p.path == "twilio.api_key_secret" && p.message.contains("missing secret")),
        "{errors:?}"
    );
}

#[test]
fn secrets_never_appear_in_messages_or_debug_output() {
    let text = format!(
        "twilio:\n  account_sid: ACbad\n  auth_token: {TOKEN}\n  from_number: nope\n  extra: 1\n"
    );
    let err = load(&text, &no_env).unwrap_err();
    let shown = format!("{err}{err:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("account_sid"), "{shown}");

    let loaded = load(PRODUCT_EXAMPLE, &product_env()).unwrap();
    let debug = format!("{:?}", loaded.config);
    assert!(!debug.contains(TOKEN), "{debug}");
    // A numeric token stays text and is not echoed by a type error either.
    let loaded = load(
        "twilio: { account_sid: AC0123456789abcdef0123456789abcdef, auth_token: 123456789 }\n",
        &no_env,
    )
    .unwrap();
    assert_eq!(
        loaded
            .config
            .twilio
            .auth_token
            .map(|t| t.expose_secret().to_owned()),
        Some("123456789".into())
    );
}

#[test]
fn bad_values_name_the_choices() {
    let errors =
        errors_of("runtime: { mode: simulated }\ntwilio: { voice_settings: { model: nueral } }\n");
    let mode = errors.iter().find(|p| p.path == "runtime.mode").unwrap();
    assert_eq!(mode.hint.as_deref(), Some("did you mean `simulate`?"));
    let model = errors
        .iter()
        .find(|p| p.path == "twilio.voice_settings.model")
        .unwrap();
    assert_eq!(model.hint.as_deref(), Some("did you mean `neural`?"));
}

#[test]
fn numbers_in_inbound_and_scenarios_are_checked() {
    let errors = errors_of(
        "inbound: { \"+1555\": welcome }\nsimulator:\n  scenarios:\n    \"12\": busy\n    \"+14155550103\": sometimes\n",
    );
    let paths: Vec<&str> = errors.iter().map(|p| p.path.as_str()).collect();
    assert!(paths.contains(&"inbound.+1555"), "{paths:?}");
    assert!(paths.contains(&"simulator.scenarios.12"), "{paths:?}");
    let scenario = errors
        .iter()
        .find(|p| p.path == "simulator.scenarios.+14155550103")
        .unwrap();
    assert!(
        scenario
            .hint
            .as_deref()
            .unwrap_or_default()
            .contains("no-answer"),
        "{scenario:?}"
    );
}

#[test]
fn listen_address_and_store_are_checked() {
    let errors =
        errors_of("server: { listen: \"localhost\" }\nruntime: { store: \"mysql://x\" }\n");
    let paths: Vec<&str> = errors.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, vec!["server.listen", "runtime.store"], "{errors:?}");
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let err = from_file(std::path::Path::new("/nonexistent/projectx.yaml"), &no_env).unwrap_err();
    assert!(
        err.to_string().contains("cannot read the configuration"),
        "{err}"
    );
}

#[test]
fn calling_hours_parse() {
    assert!(parse_calling_hours("08:00-21:00").is_ok());
    assert!(parse_calling_hours("8-21").is_err());
    assert!(parse_calling_hours("25:00-26:00").is_err());
}

#[test]
fn a_value_of_the_wrong_shape_is_reported_not_defaulted() {
    let errors = errors_of("twilio:\n  voice_settings: 5\n");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].path, "twilio.voice_settings");
    assert_eq!(errors[0].position.map(|p| p.line), Some(2));
}

#[test]
fn unquoted_numbers_and_quoted_amounts_are_read_as_meant() {
    let loaded = load(
        "twilio: { from_number: +15005550006 }\nlimits: { cps: \"2\" }\n",
        &no_env,
    )
    .unwrap();
    assert_eq!(
        loaded
            .config
            .twilio
            .from_number()
            .map(|n| n.unwrap().to_string()),
        Some("+15005550006".to_owned())
    );
    assert_eq!(loaded.config.limits.cps, 2.0);
}

#[test]
fn empty_expansions_mean_not_configured() {
    let text =
        "twilio:\n  account_sid: ${TWILIO_ACCOUNT_SID:-}\n  auth_token: ${TWILIO_AUTH_TOKEN:-}\n";
    let loaded = load(text, &no_env).unwrap();
    assert_eq!(loaded.config.effective_mode(), Mode::Simulate);
    // With only the token blank, the SID alone is a configuration error, not silent simulation.
    let errors = errors_of(
        "twilio:\n  account_sid: AC0123456789abcdef0123456789abcdef\n  auth_token: \"\"\n",
    );
    assert_eq!(errors[0].path, "twilio.auth_token");
    assert!(
        errors[0].message.contains("missing secret"),
        "{}",
        errors[0]
    );
}

#[test]
fn voice_styles_and_volumes_are_checked() {
    let errors = errors_of("voices:\n  nova: { style: authoritive, volume: deafening }\n");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].path, "voices.nova.style");
    assert_eq!(
        errors[0].hint.as_deref(),
        Some("did you mean `authoritative`?")
    );
    assert_eq!(errors[1].path, "voices.nova.volume");
}

#[test]
fn simulator_faults_are_probabilities() {
    let errors = errors_of(
        "simulator:\n  faults: { rate_limit: 2, lose_final_callback: -0.1, slow_ms: 5 }\n",
    );
    let paths: Vec<&str> = errors.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "simulator.faults.rate_limit",
            "simulator.faults.lose_final_callback"
        ]
    );
    let loaded = load(
        "simulator:\n  faults: { duplicate_callbacks: 0.25 }\n",
        &no_env,
    )
    .unwrap();
    assert_eq!(loaded.config.simulator.faults.duplicate_callbacks, 0.25);
}
