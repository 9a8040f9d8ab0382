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
fn call_without_credentials_goes_to_the_simulator_and_shows_what_was_said() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("projectx.yaml"),
        "simulator: { speed: 100 }\n",
    )
    .unwrap();
    let out = projectx(
        dir.path(),
        &[
            "call",
            "--to",
            "+14155550100",
            "--message",
            "Quantum timeline alert.",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.lines().next().unwrap().ends_with(" queued"),
        "{stdout}"
    );
    // Every status in order, however short it was on the simulator's fast clock.
    let statuses: Vec<&str> = stdout
        .lines()
        .take_while(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(
        statuses,
        ["queued", "ringing", "in-progress", "completed"],
        "{stdout}"
    );
    assert!(stdout.contains(" completed duration="), "{stdout}");
    assert!(
        stdout.contains("say \"Quantum timeline alert.\""),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("SIMULATE MODE"),
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
    // The only warnings: the neural engine ignores the persona's pitch and emphasis.
    let warnings = text(&out.stderr);
    assert_eq!(warnings.lines().count(), 2, "{warnings}");
    assert!(warnings.contains("warning: voices.captain_nova: Polly neural voices do not support prosody pitch: dropped"), "{warnings}");
}

fn example_config() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/projectx.yaml")
        .display()
        .to_string()
}

#[test]
fn voices_list_shows_concrete_voices_engines_and_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let out = projectx(
        dir.path(),
        &["voices", "list", "--json", "--config", &example_config()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["name"], "captain_nova");
    assert_eq!(v[0]["voice"], "Polly.Joanna-Neural");
    assert_eq!(v[0]["engine"], "Polly neural");
    assert_eq!(v[0]["agents"][0], "captain-nova");
    assert_eq!(v[1]["voice"], "Polly.Matthew-Neural");
    assert!(
        v[0]["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("pitch"))
    );
}

#[test]
fn twiml_prints_the_document_a_call_would_get() {
    let dir = tempfile::tempdir().unwrap();
    let config = example_config();
    let out = projectx(
        dir.path(),
        &[
            "twiml",
            "--config",
            &config,
            "--agent",
            "dr-quantum",
            "--message",
            "Timeline stable & <safe>.",
            "--emotion",
            "calm",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say language=\"en-US\" voice=\"Polly.Matthew-Neural\"><prosody rate=\"96%\" volume=\"-2dB\"><s>Timeline stable &amp; &lt;safe&gt;.</s></prosody></Say></Response>"
    );

    let out = projectx(
        dir.path(),
        &[
            "twiml",
            "--config",
            &config,
            "--agent",
            "major-tom",
            "--message",
            "hi",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("known: captain-nova, dr-quantum"),
        "{}",
        text(&out.stderr)
    );

    let out = projectx(
        dir.path(),
        &[
            "twiml",
            "--config",
            &config,
            "--agent",
            "dr-quantum",
            "--message",
            "hi",
            "--emotion",
            "grumpy",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown emotion \"grumpy\"; known: neutral"),
        "{}",
        text(&out.stderr)
    );

    let out = projectx(
        dir.path(),
        &[
            "twiml",
            "--config",
            &config,
            "--agent",
            "dr-quantum",
            "--message",
            "hi",
            "--effect",
            "wobble",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown effect \"wobble\""),
        "{}",
        text(&out.stderr)
    );

    let out = projectx(
        dir.path(),
        &[
            "twiml",
            "--config",
            &config,
            "--agent",
            "dr-quantum",
            "--message",
            "  ",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no text to say"),
        "{}",
        text(&out.stderr)
    );
}

/// Reads a 16-bit mono WAV and returns its length in seconds and its peak amplitude.
fn wav_stats(path: &Path) -> (f64, i16) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WAVE");
    let rate = u32::from_le_bytes(bytes[24..28].try_into().unwrap());
    let data = bytes.windows(4).position(|w| w == b"data").unwrap() + 8;
    let samples: Vec<i16> = bytes[data..]
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    let peak = samples
        .iter()
        .map(|s| s.saturating_abs())
        .max()
        .unwrap_or(0);
    (samples.len() as f64 / f64::from(rate), peak)
}

#[test]
fn voices_preview_renders_speech_offline() {
    assert!(
        Command::new("espeak-ng").arg("--version").output().is_ok(),
        "espeak-ng is required for this test: apt-get install espeak-ng (bash .ci/test installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let config = example_config();
    let plain = dir.path().join("plain.wav");
    let out = projectx(
        dir.path(),
        &[
            "voices",
            "preview",
            "captain-nova",
            "Quantum timeline alert. Press 1 to confirm.",
            "-o",
            plain.to_str().unwrap(),
            "--config",
            &config,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (seconds, peak) = wav_stats(&plain);
    assert!(seconds > 1.0, "{seconds} s");
    assert!(
        peak > 1000,
        "the file holds sound, not silence: peak {peak}"
    );

    let slow = dir.path().join("slow.wav");
    let out = projectx(
        dir.path(),
        &[
            "voices",
            "preview",
            "captain-nova",
            "Quantum timeline alert. Press 1 to confirm.",
            "-o",
            slow.to_str().unwrap(),
            "--config",
            &config,
            "--emotion",
            "sad",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (slow_seconds, _) = wav_stats(&slow);
    assert!(
        slow_seconds > seconds,
        "a sad delivery is slower: {slow_seconds} vs {seconds}"
    );
}

#[test]
fn voices_preview_without_espeak_says_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_projectx"))
        .args([
            "voices",
            "preview",
            "captain-nova",
            "hello",
            "--config",
            &example_config(),
        ])
        .current_dir(dir.path())
        .env("PATH", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("espeak-ng is not installed"), "{err}");
    assert!(err.contains("apt-get install espeak-ng"), "{err}");
}

#[tokio::test]
async fn call_with_an_agent_speaks_in_its_voice_and_refuses_overlong_documents() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(call_json("queued")))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    live_config(dir.path(), &server.uri());
    let mut yaml = std::fs::read_to_string(dir.path().join("projectx.yaml")).unwrap();
    yaml += "voices:\n  nova: { voice: Polly.Matthew, style: authoritative }\nagents:\n  captain-nova: { voice: nova }\n";
    std::fs::write(dir.path().join("projectx.yaml"), yaml).unwrap();

    let out = projectx_async(
        dir.path(),
        &[
            "call",
            "--to",
            "+14155550100",
            "--agent",
            "captain-nova",
            "--message",
            "Quantum timeline alert.",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let sent = &server.received_requests().await.unwrap()[0];
    let twiml: String = url::form_urlencoded::parse(&sent.body)
        .find(|(k, _)| k == "Twiml")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert!(
        twiml.contains(
            "<Say voice=\"Polly.Matthew\"><prosody pitch=\"-5%\" rate=\"95%\" volume=\"+2dB\">"
        ),
        "{twiml}"
    );

    // Sixty sentences with their pauses overflow the inline limit: refused, unsent.
    let long = "Attention, this is a very long announcement about the timeline. ".repeat(60);
    let out = projectx_async(
        dir.path(),
        &[
            "call",
            "--to",
            "+14155550100",
            "--agent",
            "captain-nova",
            "--message",
            &long,
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("over Twilio's inline limit of 4000"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn run_serves_signed_webhooks_health_and_metrics_until_stopped() {
    let twilio = MockServer::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("projectx.yaml"),
        format!(
            "twilio:\n  account_sid: {ACCOUNT}\n  auth_token: {TOKEN}\n  from_number: \"+15005550006\"\n  base_url: {}\nserver:\n  listen: 127.0.0.1:{port}\n  public_url: http://127.0.0.1:{port}\ninbound:\n  \"+15005550006\": say\n",
            twilio.uri()
        ),
    )
    .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_projectx"))
        .arg("run")
        .current_dir(dir.path())
        .env_remove("PROJECTX_CONFIG")
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    projectx::twilio::install_crypto_provider();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut healthy = false;
    for _ in 0..100 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status() == 200
        {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(healthy, "the server did not come up");

    // An inbound call, signed as Twilio signs it, answered by the built-in `say` flow.
    let url = format!("{base}/twilio/voice?message=Hello+from+projectx");
    let params = [
        ("CallSid", "CA9999999999999999999999999999999a"),
        ("To", "+15005550006"),
        ("From", "+14155550123"),
    ];
    let signature = projectx::server::RequestValidator::new(secrecy::SecretString::from(TOKEN))
        .compute_signature(&url, &params);
    let reply = http
        .post(&url)
        .header("x-twilio-signature", signature)
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let body = reply.text().await.unwrap();
    assert!(
        body.contains("<Say>Hello from projectx</Say><Hangup />"),
        "{body}"
    );
    let forged = http
        .post(&url)
        .header("x-twilio-signature", "bogus")
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    let metrics = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("projectx_webhook_accepted_total"),
        "{metrics}"
    );
    assert!(
        metrics.contains("projectx_webhook_rejected_total"),
        "{metrics}"
    );

    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let log = text(&out.stderr);
    assert!(log.contains("webhook server listening"), "{log}");
    assert!(
        log.contains("refused a webhook that is not provably from Twilio"),
        "{log}"
    );
}

#[tokio::test]
async fn the_standalone_simulator_serves_twilios_api() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_projectx"))
        .args([
            "simulator",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--speed",
            "100",
        ])
        .current_dir(dir.path())
        .env_remove("PROJECTX_CONFIG")
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    projectx::twilio::install_crypto_provider();
    let creds = projectx::twilio::Credentials::auth_token(
        projectx::simulator::DEFAULT_ACCOUNT_SID,
        secrecy::SecretString::from(projectx::simulator::DEFAULT_AUTH_TOKEN),
    )
    .unwrap();
    let client = projectx::twilio::TwilioClient::builder(creds)
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let mut call = None;
    for _ in 0..100 {
        let params = projectx::twilio::CreateCall::parse(
            "+14155550100",
            "+15005550006",
            projectx::twilio::CallInstructions::Twiml(
                "<Response><Say>Hello.</Say></Response>".into(),
            ),
        )
        .unwrap();
        if let Ok(c) = client.calls().create(&params).await {
            call = Some(c);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let call = call.expect("the simulator came up");
    let mut status = None;
    for _ in 0..200 {
        status = client.calls().fetch(&call.sid).await.unwrap().status;
        if status.is_some_and(|s| s.is_terminal()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, Some(projectx::twilio::CallStatus::Completed));
    let transcript: serde_json::Value = reqwest::get(format!(
        "http://127.0.0.1:{port}/simulator/calls/{}",
        call.sid
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(
        transcript["transcript"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "say" && e["detail"]["text"] == "Hello.")
    );
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        text(&out.stdout).contains("Twilio simulator on http://127.0.0.1:"),
        "{}",
        text(&out.stdout)
    );
}

/// The README's main command, as written there: the Lua campaign against the simulator.
#[test]
fn the_readme_main_job_runs_offline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains("cargo run -- --config examples/demo.yaml campaign run launch"));
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_projectx"))
        .args([
            "--config",
            "examples/demo.yaml",
            "campaign",
            "run",
            "launch",
        ])
        .current_dir(root)
        .env(
            "PROJECTX_STORE",
            format!("sqlite://{}", dir.path().join("demo.db").display()),
        )
        .env("PROJECTX_LISTEN", format!("127.0.0.1:{port}"))
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("campaign launch: 5 contacts (4 done, 1 skipped, 0 pending)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("say \"Hello Captain Nova, this is Captain Nova from Quantum Labs.\""),
        "{stdout}"
    );
}
