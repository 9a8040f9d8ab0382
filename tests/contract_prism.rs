//! The Twilio client against Twilio's own OpenAPI description, served by the Stoplight Prism
//! mock (`tests/fixtures/twilio_api_v2010.prism.json`, see `tests/fixtures/README.md`).
//!
//! Prism answers 422 (`application/problem+json`) to any request that breaks the description and
//! 401 to one without Basic auth, so a green run means every request below is one Twilio's
//! description accepts, and every answer (Twilio's own examples) parses into our types.
//!
//! Prism is required: install it with `bash .ci/test` or
//! `npm install --prefix .tools/prism @stoplight/prism-cli@5`, or point `PRISM_BIN` at it.
//! One Prism process serves the whole test binary; its output goes to
//! `target/tmp/prism.log`.

#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use projectx::phone::Endpoint;
use projectx::twilio::{
    Call, CallFilter, CallInstructions, CallStatus, CreateCall, Credentials, HttpMethod,
    MachineDetection, RecordingChannels, RecordingEvent, RecordingFilter, RecordingTrack,
    RetryPolicy, StatusCallbackEvent, Trim, TwilioClient, TwilioError, UpdateCall, UpdateStatus,
};
use secrecy::SecretString;
use serde_json::Value;

const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const TOKEN: &str = "prism-contract-token";
/// The SIDs in Twilio's response examples, which Prism serves back.
const CALL_SID: &str = "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SECOND_CALL_SID: &str = "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0";
const RECORDING_SID: &str = "REaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const APPLICATION_SID: &str = "AP0123456789abcdef0123456789abcdef";

const STARTUP_LIMIT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// The Prism process
// ---------------------------------------------------------------------------------------------

/// The running mock. It lives in a `static`, and statics are never dropped, so a `Drop` guard
/// could not stop it. Instead Prism runs under a small `sh` watchdog whose stdin is a pipe held
/// only by this test binary (`lifeline`): however the binary ends (tests done, panic, Ctrl-C,
/// SIGKILL), the kernel closes the pipe, the watchdog reads end-of-file and kills Prism.
#[derive(Debug)]
struct Prism {
    port: u16,
    log: PathBuf,
    _watchdog: Child,
    _lifeline: ChildStdin,
}

impl Prism {
    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn account_url(&self, path: &str) -> String {
        format!("{}/2010-04-01/Accounts/{ACCOUNT}/{path}", self.base_url())
    }
}

/// Runs `"$@"` (Prism) in the background and kills it once stdin reaches end-of-file; exits when
/// Prism does, so a Prism that dies at start-up is noticed.
const WATCHDOG: &str = r#"
trap '' INT
exec 3<&0
"$@" 3<&- </dev/null &
prism=$!
{ cat <&3 >/dev/null; kill "$prism" 2>/dev/null; } &
exec 3<&-
wait "$prism"
"#;

static PRISM: OnceLock<Result<Prism, String>> = OnceLock::new();

/// The shared Prism, started on first use. Panics (never skips) when it cannot run.
fn prism() -> &'static Prism {
    match PRISM.get_or_init(start_prism) {
        Ok(prism) => prism,
        Err(message) => panic!("{message}"),
    }
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn prism_bin() -> Result<PathBuf, String> {
    let (bin, origin) = match std::env::var_os("PRISM_BIN") {
        Some(bin) => (manifest_dir().join(bin), "PRISM_BIN"),
        None => (
            manifest_dir().join(".tools/prism/node_modules/.bin/prism"),
            "the default location",
        ),
    };
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "the Prism mock server is required for the contract tests but was not found at {} \
             ({origin}). Install it with `bash .ci/test`, or from {} run \
             `npm install --prefix .tools/prism @stoplight/prism-cli@5` \
             (or set PRISM_BIN to a prism executable).",
            bin.display(),
            manifest_dir().display(),
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port on 127.0.0.1: {e}"))?;
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}

fn start_prism() -> Result<Prism, String> {
    let bin = prism_bin()?;
    let spec = manifest_dir().join("tests/fixtures/twilio_api_v2010.prism.json");
    if !spec.is_file() {
        return Err(format!("the Prism spec {} is missing", spec.display()));
    }
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("prism.log");
    let log_file = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let log_err = log_file
        .try_clone()
        .map_err(|e| format!("{}: {e}", log.display()))?;
    let port = free_port()?;

    let started = Instant::now();
    let mut watchdog = Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("prism-watchdog")
        .arg(&bin)
        .args([
            "mock",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "--errors",
        ])
        .arg(&spec)
        .current_dir(manifest_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::from(log_file))
        .stderr(Stdio::from(log_err))
        .spawn()
        .map_err(|e| format!("could not start {} under sh: {e}", bin.display()))?;
    let Some(lifeline) = watchdog.stdin.take() else {
        return Err("the Prism watchdog has no stdin pipe".to_owned());
    };

    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while started.elapsed() < STARTUP_LIMIT {
        if let Ok(Some(status)) = watchdog.try_wait() {
            return Err(format!(
                "Prism exited at start-up ({status}); its log ({}):\n{}",
                log.display(),
                log_tail(&log)
            ));
        }
        if answers_http(addr) {
            eprintln!(
                "Prism ready on port {port} after {:.1} s (log: {})",
                started.elapsed().as_secs_f64(),
                log.display()
            );
            return Ok(Prism {
                port,
                log,
                _watchdog: watchdog,
                _lifeline: lifeline,
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Dropping the lifeline makes the watchdog stop Prism.
    drop(lifeline);
    let _ = watchdog.wait();
    Err(format!(
        "Prism did not answer on {addr} within {} s; its log ({}):\n{}",
        STARTUP_LIMIT.as_secs(),
        log.display(),
        log_tail(&log)
    ))
}

/// True once something on `addr` answers a plain HTTP request.
fn answers_http(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 8];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn client() -> TwilioClient {
    let credentials =
        Credentials::auth_token(ACCOUNT, SecretString::from(TOKEN)).expect("valid credentials");
    TwilioClient::builder(credentials)
        .base_url(prism().base_url())
        .retry(RetryPolicy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client builds")
}

/// A plain HTTP client for the requests the typed client cannot (or must not) make.
fn raw_http() -> reqwest::Client {
    // Building any reqwest client needs the TLS provider installed, even for plain HTTP.
    projectx::twilio::install_crypto_provider();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("reqwest client builds")
}

/// Unwraps a client result, showing where to look when Prism refused the request.
fn ok<T>(result: Result<T, TwilioError>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(err) => {
            let body = err.api().map(|api| api.body.as_str()).unwrap_or_default();
            panic!(
                "{what} failed: {err}\nbody: {body}\nPrism log: {}",
                prism().log.display()
            )
        }
    }
}

fn url(path: &str) -> Option<String> {
    Some(format!("https://calls.example.com/twilio/{path}"))
}

/// The `validation` entries of a Prism 422 body, as `(location, code)` pairs.
fn violations(body: &str) -> Vec<(String, String)> {
    let parsed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    parsed["validation"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|v| {
                    let location = v["location"]
                        .as_array()
                        .map(|parts| {
                            parts
                                .iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(".")
                        })
                        .unwrap_or_default();
                    (location, v["code"].as_str().unwrap_or_default().to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Twilio's `create` example, which Prism answers every valid create with.
fn assert_example_call(call: &Call) {
    assert_eq!(call.sid, CALL_SID);
    assert_eq!(call.account_sid.as_deref(), Some(ACCOUNT));
    assert_eq!(call.status, Some(CallStatus::Completed));
    assert_eq!(call.to.as_deref(), Some("+14158675309"));
    assert_eq!(call.from.as_deref(), Some("+14158675308"));
    assert_eq!(call.duration, Some(15));
    assert_eq!(call.price, Some(-0.03));
    assert_eq!(
        call.date_created.map(|t| t.to_rfc3339()).as_deref(),
        Some("2010-08-31T20:36:28+00:00")
    );
}

// ---------------------------------------------------------------------------------------------
// Calls: create
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_with_every_parameter_is_accepted() {
    // A struct literal without `..`: a new CreateCall field fails to compile here until it is
    // added, so this test keeps sending every parameter the client knows.
    let params = CreateCall {
        to: Endpoint::parse("+14155550100").expect("valid To"),
        from: Endpoint::parse("+15005550006").expect("valid From"),
        instructions: CallInstructions::Url {
            url: "https://calls.example.com/twilio/voice".to_owned(),
            method: Some(HttpMethod::Post),
        },
        fallback_url: url("fallback"),
        fallback_method: Some(HttpMethod::Get),
        status_callback: url("status"),
        status_callback_event: StatusCallbackEvent::ALL.to_vec(),
        status_callback_method: Some(HttpMethod::Post),
        send_digits: Some("1234#wW*".to_owned()),
        timeout: Some(30),
        time_limit: Some(3600),
        record: Some(true),
        recording_channels: Some(RecordingChannels::Dual),
        recording_track: Some(RecordingTrack::Both),
        recording_status_callback: url("recording"),
        recording_status_callback_method: Some(HttpMethod::Get),
        recording_status_callback_event: RecordingEvent::ALL.to_vec(),
        trim: Some(Trim::TrimSilence),
        machine_detection: Some(MachineDetection::DetectMessageEnd),
        machine_detection_timeout: Some(30),
        machine_detection_speech_threshold: Some(2400),
        machine_detection_speech_end_threshold: Some(1200),
        machine_detection_silence_timeout: Some(5000),
        async_amd: Some(true),
        async_amd_status_callback: url("amd"),
        async_amd_status_callback_method: Some(HttpMethod::Post),
        caller_id: Some("+15005550006".to_owned()),
        sip_auth_username: Some("alice".to_owned()),
        sip_auth_password: Some("s3cret-pass".to_owned()),
        call_reason: Some("Appointment reminder".to_owned()),
    };

    // What goes on the wire: arrays as repeated keys, one key per other parameter.
    let form = params.to_form().expect("valid parameters");
    let values = |key: &str| -> Vec<&str> {
        form.iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(
        values("StatusCallbackEvent"),
        ["initiated", "ringing", "answered", "completed"]
    );
    assert_eq!(
        values("RecordingStatusCallbackEvent"),
        ["in-progress", "completed", "absent"]
    );
    let mut keys: Vec<&str> = form.iter().map(|(k, _)| *k).collect();
    keys.dedup();
    assert_eq!(keys.len(), 31, "one key per parameter: {keys:?}");

    let call = ok(client().calls().create(&params).await, "create");
    assert_example_call(&call);
}

#[tokio::test]
async fn create_with_twiml_is_accepted() {
    let params = CreateCall::parse(
        "+14155550100",
        "+15005550006",
        CallInstructions::Twiml(
            "<Response><Say voice=\"alice\">Your appointment is tomorrow.</Say></Response>"
                .to_owned(),
        ),
    )
    .expect("valid parameters");
    let call = ok(client().calls().create(&params).await, "create with Twiml");
    assert_example_call(&call);
}

#[tokio::test]
async fn create_with_application_sid_is_accepted() {
    let params = CreateCall::parse(
        "sip:alice@pbx.example.com",
        "+15005550006",
        CallInstructions::ApplicationSid(APPLICATION_SID.to_owned()),
    )
    .expect("valid parameters");
    let call = ok(
        client().calls().create(&params).await,
        "create with ApplicationSid",
    );
    assert_example_call(&call);
}

#[tokio::test]
async fn create_to_a_client_identity_is_accepted() {
    let params = CreateCall::parse(
        "client:agent-7",
        "client:dialer",
        CallInstructions::Url {
            url: "https://calls.example.com/twilio/voice".to_owned(),
            method: Some(HttpMethod::Get),
        },
    )
    .expect("valid parameters");
    let call = ok(client().calls().create(&params).await, "create to client:");
    assert_example_call(&call);
}

// ---------------------------------------------------------------------------------------------
// Calls: fetch and update
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn fetch_parses_twilios_example_call() {
    let call = ok(client().calls().fetch(CALL_SID).await, "fetch");
    assert_eq!(call.sid, CALL_SID);
    assert_eq!(call.account_sid.as_deref(), Some(ACCOUNT));
    assert_eq!(call.status, Some(CallStatus::Completed));
    assert_eq!(call.direction.as_deref(), Some("outbound-api"));
    assert_eq!(call.to.as_deref(), Some("+13051913581"));
    assert_eq!(call.duration, Some(4));
    assert_eq!(call.price, Some(-0.2));
    assert_eq!(call.queue_time, Some(1000));
    assert_eq!(
        call.start_time.map(|t| t.to_rfc3339()).as_deref(),
        Some("2019-10-18T17:02:00+00:00")
    );
}

#[tokio::test]
async fn hang_up_and_cancel_are_accepted() {
    let client = client();
    let hung_up = ok(client.calls().hang_up(CALL_SID).await, "hang up");
    assert_eq!(hung_up.sid, CALL_SID);
    // Prism answers every valid update with Twilio's first example, a completed call.
    assert_eq!(hung_up.status, Some(CallStatus::Completed));

    let canceled = ok(client.calls().cancel(CALL_SID).await, "cancel");
    assert_eq!(canceled.sid, CALL_SID);
    assert!(canceled.status.is_some());
}

#[tokio::test]
async fn redirect_to_a_url_with_every_update_parameter_is_accepted() {
    // A struct literal without `..`, as for create.
    let update = UpdateCall {
        status: Some(UpdateStatus::Completed),
        instructions: Some(CallInstructions::Url {
            url: "https://calls.example.com/twilio/next".to_owned(),
            method: Some(HttpMethod::Get),
        }),
        fallback_url: url("fallback"),
        fallback_method: Some(HttpMethod::Post),
        status_callback: url("status"),
        status_callback_method: Some(HttpMethod::Get),
        time_limit: Some(600),
    };
    assert_eq!(update.to_form().expect("valid update").len(), 8);
    let call = ok(
        client().calls().update(CALL_SID, &update).await,
        "update with every parameter",
    );
    assert_eq!(call.sid, CALL_SID);

    let redirect = UpdateCall::redirect(CallInstructions::Url {
        url: "https://calls.example.com/twilio/next".to_owned(),
        method: None,
    });
    let call = ok(
        client().calls().update(CALL_SID, &redirect).await,
        "redirect to a Url",
    );
    assert_eq!(call.sid, CALL_SID);
    assert_eq!(call.account_sid.as_deref(), Some(ACCOUNT));
}

#[tokio::test]
async fn redirect_to_twiml_is_accepted() {
    let redirect = UpdateCall::redirect(CallInstructions::Twiml(
        "<Response><Say>Goodbye</Say><Hangup/></Response>".to_owned(),
    ));
    let call = ok(
        client().calls().update(CALL_SID, &redirect).await,
        "redirect to Twiml",
    );
    assert_eq!(call.sid, CALL_SID);
    assert_eq!(call.status, Some(CallStatus::Completed));
}

// ---------------------------------------------------------------------------------------------
// Calls: list
// ---------------------------------------------------------------------------------------------

fn list_filter() -> CallFilter {
    CallFilter {
        status: Some(CallStatus::Completed),
        to: Some("+14155550100".to_owned()),
        from: Some("+15005550006".to_owned()),
        start_time: chrono::NaiveDate::from_ymd_opt(2026, 11, 2),
        start_time_after: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
        end_time_before: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
        page_size: Some(2),
        ..CallFilter::default()
    }
}

#[tokio::test]
async fn one_page_of_calls_parses() {
    let page = ok(client().calls().page(&list_filter()).await, "list one page");
    let sids: Vec<&str> = page.items.iter().map(|c| c.sid.as_str()).collect();
    assert_eq!(sids, [CALL_SID, SECOND_CALL_SID]);
    assert_eq!(page.page, Some(0));
    assert_eq!(page.page_size, Some(2));
    let next = page
        .next_page_uri
        .expect("Twilio's example has a next page");
    assert!(next.contains("PageToken="), "{next}");
}

/// Prism answers every list with Twilio's first example page, whose `next_page_uri` is never
/// null, so the stream asks for a second page built from that URI.
///
/// That URI is Twilio's own example and carries `StartTime=2008-01-02&EndTime=2009-01-02`:
/// dates, as Twilio documents and sends them, while the same description declares `StartTime`
/// and `EndTime` as `date-time`. Prism therefore refuses the second page with a 422 naming only
/// those two values, which came verbatim from the server; everything the client adds to it (path,
/// account, Basic auth, the other query parameters) passes. Were the fixture to accept dates, the
/// second page would succeed, the client would stop at the third (Prism hands back the page it
/// just served, and the client refuses to loop) and this test would see 4 calls.
#[tokio::test]
async fn listing_follows_next_page_uri() {
    let client = client();
    let calls: Vec<String> = client
        .calls()
        .list(&list_filter())
        .map(|r| ok(r, "calls list").sid)
        .collect()
        .await;
    // Prism serves Twilio's example page (two calls) whose next_page_uri it then accepts;
    // the second answer points at itself, and the client stops there instead of looping.
    assert_eq!(
        calls,
        [CALL_SID, SECOND_CALL_SID, CALL_SID, SECOND_CALL_SID]
    );
}

// ---------------------------------------------------------------------------------------------
// Recordings
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn account_recordings_filtered_by_call_parse() {
    let client = client();
    let filter = RecordingFilter {
        call_sid: Some(CALL_SID.to_owned()),
        date_created: chrono::NaiveDate::from_ymd_opt(2026, 11, 2),
        page_size: Some(20),
        ..RecordingFilter::default()
    };
    let page = ok(client.recordings().page(&filter).await, "recordings page");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next_page_uri, None);
    let recording = &page.items[0];
    assert_eq!(recording.sid, RECORDING_SID);
    assert_eq!(recording.call_sid.as_deref(), Some(CALL_SID));
    assert_eq!(recording.duration, Some(4));
    assert_eq!(recording.price, Some(0.04));
    assert_eq!(recording.channels, Some(1));
    assert_eq!(recording.status.as_deref(), Some("completed"));

    let listed: Vec<_> = client.recordings().list(&filter).collect().await;
    let sids: Vec<String> = listed
        .into_iter()
        .map(|r| ok(r, "recordings list").sid)
        .collect();
    assert_eq!(sids, [RECORDING_SID]);
}

#[tokio::test]
async fn recordings_of_one_call_parse() {
    let listed: Vec<_> = client()
        .recordings()
        .list_for_call(CALL_SID)
        .collect()
        .await;
    assert_eq!(listed.len(), 1);
    let recording = listed.into_iter().map(|r| ok(r, "list_for_call")).next();
    let recording = recording.expect("one recording");
    assert_eq!(recording.sid, RECORDING_SID);
    assert_eq!(recording.call_sid.as_deref(), Some(CALL_SID));
    assert_eq!(recording.channels, Some(2));
    assert_eq!(recording.source.as_deref(), Some("StartCallRecordingAPI"));
}

#[tokio::test]
async fn fetch_and_delete_a_recording() {
    let client = client();
    let recording = ok(client.recordings().fetch(RECORDING_SID).await, "fetch");
    assert_eq!(recording.sid, RECORDING_SID);
    assert_eq!(recording.account_sid.as_deref(), Some(ACCOUNT));
    assert_eq!(recording.call_sid.as_deref(), Some(CALL_SID));
    assert_eq!(recording.duration, Some(4));
    assert_eq!(recording.price, Some(-0.0025));
    assert_eq!(recording.error_code, None);
    assert_eq!(
        recording.date_created.map(|t| t.to_rfc3339()).as_deref(),
        Some("2016-10-14T21:56:34+00:00")
    );

    ok(client.recordings().delete(RECORDING_SID).await, "delete");
}

// ---------------------------------------------------------------------------------------------
// Prism really validates
// ---------------------------------------------------------------------------------------------

const VALID_CREATE: [(&str, &str); 3] = [
    ("To", "+14155550100"),
    ("From", "+15005550006"),
    ("Url", "https://calls.example.com/twilio/voice"),
];

#[tokio::test]
async fn create_without_basic_auth_is_401() {
    let prism = prism();
    let http = raw_http();
    let response = http
        .post(prism.account_url("Calls.json"))
        .form(&VALID_CREATE)
        .send()
        .await
        .expect("Prism answers");
    assert_eq!(response.status(), 401);
    let body = response.text().await.expect("a body");
    assert!(body.contains("UNAUTHORIZED"), "{body}");

    // The same request with credentials is fine: the 401 is about the auth only.
    let response = http
        .post(prism.account_url("Calls.json"))
        .basic_auth(ACCOUNT, Some(TOKEN))
        .form(&VALID_CREATE)
        .send()
        .await
        .expect("Prism answers");
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn non_integer_timeout_is_422() {
    let mut form = VALID_CREATE.to_vec();
    form.push(("Timeout", "abc"));
    let response = raw_http()
        .post(prism().account_url("Calls.json"))
        .basic_auth(ACCOUNT, Some(TOKEN))
        .form(&form)
        .send()
        .await
        .expect("Prism answers");
    assert_eq!(response.status(), 422);
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/problem+json"),
        "{content_type}"
    );
    let body = response.text().await.expect("a body");
    assert_eq!(
        violations(&body),
        [("body.Timeout".to_owned(), "type".to_owned())],
        "{body}"
    );
}

#[tokio::test]
async fn hangup_is_not_an_update_status() {
    let http = raw_http();
    let call_url = prism().account_url(&format!("Calls/{CALL_SID}.json"));
    let response = http
        .post(&call_url)
        .basic_auth(ACCOUNT, Some(TOKEN))
        .form(&[("Status", "hangup")])
        .send()
        .await
        .expect("Prism answers");
    assert_eq!(response.status(), 422);
    let body = response.text().await.expect("a body");
    assert_eq!(
        violations(&body),
        [("body.Status".to_owned(), "enum".to_owned())],
        "{body}"
    );

    for status in ["completed", "canceled"] {
        let response = http
            .post(&call_url)
            .basic_auth(ACCOUNT, Some(TOKEN))
            .form(&[("Status", status)])
            .send()
            .await
            .expect("Prism answers");
        assert_eq!(response.status(), 200, "Status={status}");
    }
}
