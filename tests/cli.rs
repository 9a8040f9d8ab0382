//! The `projectx` binary end to end: exit codes, messages, JSON shapes, and that bad input
//! sends nothing.

#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use std::path::Path;
use std::process::{Command, Output};

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const CALL_SID: &str = "CA0123456789abcdef0123456789abcdef";
const TOKEN: &str = "cli-secret-token";

/// Runs the binary in `dir` with no Twilio variables inherited from the caller's shell.
fn projectx(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_projectx"))
        .args(args)
        .current_dir(dir)
        .env_remove("PROJECTX_CONFIG")
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("TWILIO_PHONE_NUMBER")
        .env_remove("TWILIO_API_KEY")
        .env_remove("TWILIO_API_SECRET")
        .env("NO_COLOR", "1")
        .output()
        .expect("the projectx binary runs")
}

async fn projectx_async(dir: &Path, args: &[&str]) -> Output {
    let dir = dir.to_owned();
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        projectx(&dir, &refs)
    })
    .await
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn live_config(dir: &Path, base_url: &str) {
    std::fs::write(
        dir.join("projectx.yaml"),
        format!(
            "twilio:\n  account_sid: {ACCOUNT}\n  auth_token: {TOKEN}\n  from_number: \"+15005550006\"\n  base_url: {base_url}\n"
        ),
    )
    .unwrap();
}

fn call_json(status: &str) -> serde_json::Value {
    serde_json::json!({"sid": CALL_SID, "status": status, "to": "+14155550100",
        "from": "+15005550006", "duration": "12", "price": "-0.0130", "price_unit": "USD"})
}

#[test]
fn check_accepts_a_good_config_and_names_the_mode() {
    let dir = tempfile::tempdir().unwrap();
    let out = projectx(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "built-in defaults: ok (simulate mode)"
    );

    live_config(dir.path(), "http://127.0.0.1:9");
    let out = projectx(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "projectx.yaml: ok (live mode)");
}

#[test]
fn check_reports_every_error_with_line_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "twilio:\n  from_numbr: \"+15005550006\"\nlimits:\n  cps: 0\nserver:\n  public_url: ${NO_SUCH_VAR}\n",
    )
    .unwrap();
    let out = projectx(dir.path(), &["check", "--config", "bad.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.yaml:2:3: error: twilio.from_numbr: unknown key `from_numbr`"),
        "{err}"
    );
    assert!(err.contains("hint: did you mean `from_number`?"), "{err}");
    assert!(err.contains("bad.yaml:4:3: error: limits.cps"), "{err}");
    assert!(err.contains("NO_SUCH_VAR is not set"), "{err}");
    assert!(err.contains("3 error(s)"), "{err}");
}

#[test]
fn check_json_lists_problems() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("projectx.yaml"),
        "server: { public_url: \"http://x.example\" }\n",
    )
    .unwrap();
    let out = projectx(dir.path(), &["check", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["problems"][0]["severity"], "warning");
    assert_eq!(v["problems"][0]["path"], "server.public_url");
    assert_eq!(v["problems"][0]["line"], 1);
}

#[test]
fn check_never_prints_secrets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("projectx.yaml"),
        format!("twilio:\n  account_sid: nope\n  auth_token: {TOKEN}\n  bogus: 1\n"),
    )
    .unwrap();
    let out = projectx(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(TOKEN), "{all}");
}

#[test]
fn call_with_url_and_twiml_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = projectx(
        dir.path(),
        &[
            "call",
            "--to",
            "+14155550100",
            "--url",
            "https://a.example/t",
            "--twiml",
            "<Response/>",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot be used with"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn call_without_credentials_says_so_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = projectx(
        dir.path(),
        &["call", "--to", "+14155550100", "--message", "hi"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no Twilio credentials"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn bad_call_input_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    live_config(dir.path(), &server.uri());

    let out = projectx_async(dir.path(), &["call", "--to", "+1555", "--message", "hi"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("invalid To (--to): invalid phone number \"+1555\""),
        "{}",
        text(&out.stderr)
    );

    let long = format!("<Response><Say>{}</Say></Response>", "x".repeat(4000));
    let out = projectx_async(
        dir.path(),
        &["call", "--to", "+14155550100", "--twiml", &long],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("limit of 4000"),
        "{}",
        text(&out.stderr)
    );

    let out = projectx_async(
        dir.path(),
        &[
            "call",
            "--to",
            "+14155550100",
            "--message",
            "hi",
            "--timeout",
            "0",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("Timeout"),
        "{}",
        text(&out.stderr)
    );

    let out = projectx_async(
        dir.path(),
        &[
            "call",
            "--to",
            "+14155550100",
            "--message",
            "hi",
            "--from",
            "+1",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("invalid From"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn call_prints_sid_and_status_and_follows_with_wait() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(call_json("queued")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(call_json("completed")))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    live_config(dir.path(), &server.uri());
    let out = projectx_async(
        dir.path(),
        &[
            "call",
            "--to",
            "+14155550100",
            "--message",
            "Quantum timeline alert",
            "--wait",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], format!("{CALL_SID} queued"));
    assert_eq!(
        lines[1],
        format!("{CALL_SID} completed duration=12s price=-0.013 USD")
    );

    let sent = &server.received_requests().await.unwrap()[0];
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&sent.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert!(form.contains(&(
        "Twiml".into(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>Quantum timeline alert</Say></Response>".into()
    )));
    assert!(form.contains(&("From".into(), "+15005550006".into())));
}

#[tokio::test]
async fn call_json_output_and_twilio_refusal_exit_1() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "code": 21219, "message": "The number is unverified.",
            "more_info": "https://www.twilio.com/docs/errors/21219", "status": 400
        })))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    live_config(dir.path(), &server.uri());
    let out = projectx_async(
        dir.path(),
        &["call", "--to", "+14155550100", "--message", "hi", "--json"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], 21219);
    assert_eq!(v["status"], 400);
    assert_eq!(v["more_info"], "https://www.twilio.com/docs/errors/21219");
}

#[test]
fn the_shipped_example_configuration_checks_clean() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/projectx.yaml");
    let dir = tempfile::tempdir().unwrap();
    let out = projectx(
        dir.path(),
        &["check", "--config", example.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).ends_with("ok (simulate mode)\n"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        out.stderr.is_empty(),
        "no warnings expected: {}",
        text(&out.stderr)
    );
}
