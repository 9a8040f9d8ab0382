//! The webhook server through `oneshot`: genuine callbacks drive the state machine; forged,
//! replayed, oversized or malformed ones are refused and change nothing.

#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use futures_util::future::BoxFuture;
use projectx::calls::{CallInfo, CallTracker, TrackerSettings};
use projectx::events::{EventBus, EventKind, Subscription};
use projectx::server::{
    FlowError, FlowRequest, FlowResponder, MessageFlows, RequestValidator, ServerState,
    WebhookSettings, router,
};
use projectx::twilio::CallStatus;
use projectx::twiml::VoiceResponse;
use projectx::voice::VoiceBook;
use secrecy::SecretString;
use tower::ServiceExt;

const TOKEN: &str = "12345";
const PUBLIC: &str = "https://calls.example.com";
const SID: &str = "CA0123456789abcdef0123456789abcdef";

#[derive(Debug)]
struct Scripted;

impl FlowResponder for Scripted {
    fn respond(&self, request: FlowRequest) -> BoxFuture<'_, Result<VoiceResponse, FlowError>> {
        Box::pin(async move {
            match request.flow.as_str() {
                "welcome" => {
                    let mut r = VoiceResponse::new();
                    r.say(format!("Welcome, caller from {}.", request.from));
                    Ok(r)
                }
                "slow" => {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    Ok(VoiceResponse::new())
                }
                other => Err(FlowError::Failed {
                    flow: other.to_owned(),
                    message: "boom".to_owned(),
                }),
            }
        })
    }
}

struct Harness {
    app: axum::Router,
    tracker: Arc<CallTracker>,
    events: Subscription,
}

fn harness_with(settings: WebhookSettings, flows: Arc<dyn FlowResponder>) -> Harness {
    let bus = EventBus::new();
    let events = bus.subscribe("test", &[], 1024);
    let tracker = Arc::new(CallTracker::new(bus, TrackerSettings::default()));
    tracker.register(
        CallInfo {
            sid: SID.into(),
            to: "+14155550100".into(),
            from: "+15005550006".into(),
            agent: None,
            campaign: None,
        },
        CallStatus::Queued,
    );
    let state = ServerState {
        settings,
        validator: Some(RequestValidator::new(SecretString::from(TOKEN))),
        tracker: tracker.clone(),
        flows,
        inbound: HashMap::from([("+15005550006".to_owned(), "welcome".to_owned())]),
        metrics: None,
    };
    Harness {
        app: router(Arc::new(state)),
        tracker,
        events,
    }
}

fn harness() -> Harness {
    let settings = WebhookSettings {
        public_url: Some(PUBLIC.to_owned()),
        ..WebhookSettings::default()
    };
    harness_with(settings, Arc::new(Scripted))
}

fn encode(params: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

fn sign(url: &str, params: &[(&str, &str)], token: &str) -> String {
    RequestValidator::new(SecretString::from(token)).compute_signature(url, params)
}

fn post(path: &str, body: String, signature: Option<String>) -> Request<Body> {
    let mut builder = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "calls.example.com");
    if let Some(sig) = signature {
        builder = builder.header("x-twilio-signature", sig);
    }
    builder.body(Body::from(body)).unwrap()
}

fn signed(path: &str, params: &[(&str, &str)]) -> Request<Body> {
    post(
        path,
        encode(params),
        Some(sign(&format!("{PUBLIC}{path}"), params, TOKEN)),
    )
}

fn status(status: &str, seq: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into()),
        ("CallSid", SID.into()),
        ("CallStatus", status.into()),
        ("SequenceNumber", seq.into()),
        ("To", "+14155550100".into()),
        ("From", "+15005550006".into()),
    ]
}

fn as_refs<'a>(params: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    params.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn send(app: &axum::Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let code = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (code, String::from_utf8_lossy(&body).into_owned())
}

fn kinds(events: &mut Subscription) -> Vec<String> {
    std::iter::from_fn(|| events.try_recv())
        .map(|e| e.kind.name().to_owned())
        .collect()
}

#[tokio::test]
async fn genuine_callbacks_drive_the_call_to_its_end() {
    let mut h = harness();
    kinds(&mut h.events);
    for (s, seq) in [
        ("initiated", "0"),
        ("ringing", "1"),
        ("in-progress", "2"),
        ("completed", "3"),
    ] {
        let params = status(s, seq);
        let (code, _) = send(&h.app, signed("/twilio/status", &as_refs(&params))).await;
        assert_eq!(code, StatusCode::OK);
    }
    let got = kinds(&mut h.events);
    assert_eq!(got.iter().filter(|k| *k == "call.status").count(), 4);
    assert_eq!(got.last().map(String::as_str), Some("call.ended"));
    assert_eq!(h.tracker.live_count(), 0);
}

#[tokio::test]
async fn forged_missing_and_wrong_token_signatures_get_403_and_change_nothing() {
    let mut h = harness();
    kinds(&mut h.events);
    let params = status("completed", "0");
    let body = encode(&as_refs(&params));
    let url = format!("{PUBLIC}/twilio/status");
    for signature in [
        Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned()),
        None,
        Some(sign(&url, &as_refs(&params), "54321")),
    ] {
        let (code, body_text) = send(&h.app, post("/twilio/status", body.clone(), signature)).await;
        assert_eq!(code, StatusCode::FORBIDDEN);
        assert_eq!(body_text, "invalid signature");
    }
    assert!(kinds(&mut h.events).is_empty());
    assert_eq!(h.tracker.status(SID), Some(CallStatus::Queued));
}

#[tokio::test]
async fn a_replayed_callback_with_its_status_changed_is_refused() {
    let mut h = harness();
    kinds(&mut h.events);
    let genuine = status("ringing", "0");
    let signature = sign(
        &format!("{PUBLIC}/twilio/status"),
        &as_refs(&genuine),
        TOKEN,
    );
    let tampered = status("completed", "0");
    let (code, _) = send(
        &h.app,
        post(
            "/twilio/status",
            encode(&as_refs(&tampered)),
            Some(signature.clone()),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(h.tracker.status(SID), Some(CallStatus::Queued));
    // The genuine one still works, once.
    let (code, _) = send(
        &h.app,
        post(
            "/twilio/status",
            encode(&as_refs(&genuine)),
            Some(signature.clone()),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    let (code, _) = send(
        &h.app,
        post(
            "/twilio/status",
            encode(&as_refs(&genuine)),
            Some(signature),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    let got = kinds(&mut h.events);
    assert_eq!(
        got,
        vec!["call.ringing", "call.status"],
        "the replay was a duplicate"
    );
}

#[tokio::test]
async fn the_host_header_is_never_trusted() {
    let h = harness();
    let params = status("ringing", "0");
    // Signed for the attacker's host: refused even though Host says the same.
    let evil = sign(
        "https://evil.example/twilio/status",
        &as_refs(&params),
        TOKEN,
    );
    let request = Request::post("/twilio/status")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "evil.example")
        .header("x-twilio-signature", evil)
        .body(Body::from(encode(&as_refs(&params))))
        .unwrap();
    assert_eq!(send(&h.app, request).await.0, StatusCode::FORBIDDEN);
    // Signed for public_url: accepted whatever Host says.
    let genuine = sign(&format!("{PUBLIC}/twilio/status"), &as_refs(&params), TOKEN);
    let request = Request::post("/twilio/status")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "evil.example")
        .header("x-twilio-signature", genuine)
        .body(Body::from(encode(&as_refs(&params))))
        .unwrap();
    assert_eq!(send(&h.app, request).await.0, StatusCode::OK);
}

#[tokio::test]
async fn without_public_url_everything_is_refused_unless_a_proxy_is_trusted() {
    let h = harness_with(WebhookSettings::default(), Arc::new(Scripted));
    let params = status("ringing", "0");
    let (code, _) = send(&h.app, signed("/twilio/status", &as_refs(&params))).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "fails closed");

    let settings = WebhookSettings {
        trust_forwarded_headers: true,
        ..WebhookSettings::default()
    };
    let h = harness_with(settings, Arc::new(Scripted));
    let signature = sign(
        "https://proxy.example/twilio/status",
        &as_refs(&params),
        TOKEN,
    );
    let request = Request::post("/twilio/status")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "proxy.example")
        .header("x-twilio-signature", signature)
        .body(Body::from(encode(&as_refs(&params))))
        .unwrap();
    assert_eq!(send(&h.app, request).await.0, StatusCode::OK);
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_refused() {
    let mut h = harness();
    kinds(&mut h.events);
    let huge = format!("CallSid={SID}&Pad={}", "x".repeat(70 * 1024));
    let (code, _) = send(&h.app, post("/twilio/status", huge, Some("x".into()))).await;
    assert_eq!(code, StatusCode::PAYLOAD_TOO_LARGE);
    let (code, body) = send(
        &h.app,
        post(
            "/twilio/status",
            format!("CallSid={SID}&CallStatus=ring%2"),
            Some("x".into()),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(body.contains("malformed percent-encoding"), "{body}");
    assert!(kinds(&mut h.events).is_empty());
}

#[tokio::test]
async fn out_of_order_and_duplicate_callbacks_over_http_come_out_in_order() {
    let mut h = harness();
    kinds(&mut h.events);
    for (s, seq) in [
        ("in-progress", "2"),
        ("initiated", "0"),
        ("in-progress", "2"),
        ("ringing", "1"),
        ("ringing", "1"),
    ] {
        let params = status(s, seq);
        assert_eq!(
            send(&h.app, signed("/twilio/status", &as_refs(&params)))
                .await
                .0,
            StatusCode::OK
        );
    }
    let got: Vec<String> = kinds(&mut h.events)
        .into_iter()
        .filter(|k| k != "call.status")
        .collect();
    assert_eq!(got, vec!["call.started", "call.ringing", "call.answered"]);
}

#[tokio::test]
async fn callbacks_for_unknown_calls_are_accepted_and_ignored() {
    let mut h = harness();
    kinds(&mut h.events);
    let mut params = status("completed", "0");
    params[1].1 = "CAffffffffffffffffffffffffffffffff".into();
    assert_eq!(
        send(&h.app, signed("/twilio/status", &as_refs(&params)))
            .await
            .0,
        StatusCode::OK
    );
    assert!(kinds(&mut h.events).is_empty());
}

#[tokio::test]
async fn amd_and_recording_callbacks_publish_their_events() {
    let mut h = harness();
    kinds(&mut h.events);
    let amd = [
        ("CallSid", SID),
        ("AnsweredBy", "machine_start"),
        ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ];
    assert_eq!(
        send(&h.app, signed("/twilio/amd", &amd)).await.0,
        StatusCode::OK
    );
    let recording = [
        ("CallSid", SID),
        ("RecordingSid", "RE0123456789abcdef0123456789abcdef"),
        ("RecordingStatus", "completed"),
        ("RecordingDuration", "7"),
        (
            "RecordingUrl",
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        ),
    ];
    assert_eq!(
        send(&h.app, signed("/twilio/recording", &recording))
            .await
            .0,
        StatusCode::OK
    );
    let events: Vec<_> = std::iter::from_fn(|| h.events.try_recv()).collect();
    let machine = events
        .iter()
        .find(|e| e.kind == EventKind::CallMachine)
        .unwrap();
    assert_eq!(
        machine.call.as_ref().unwrap().answered_by.as_deref(),
        Some("machine_start")
    );
    let rec = events
        .iter()
        .find(|e| e.kind == EventKind::RecordingCompleted)
        .unwrap();
    assert_eq!(rec.data["duration"], 7);
    assert_eq!(rec.data["call_sid"], SID);
}

#[tokio::test]
async fn inbound_calls_are_answered_by_the_configured_flow() {
    let h = harness();
    let params = [
        ("CallSid", "CA1111111111111111111111111111111a"),
        ("To", "+15005550006"),
        ("From", "+14155550123"),
    ];
    let (code, body) = send(&h.app, signed("/twilio/voice", &params)).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>Welcome, caller from +14155550123.</Say></Response>"
    );
    assert!(h.tracker.is_live("CA1111111111111111111111111111111a"));

    let params = [
        ("CallSid", "CA2222222222222222222222222222222b"),
        ("To", "+14155550199"),
        ("From", "+14155550123"),
    ];
    let (code, body) = send(&h.app, signed("/twilio/voice", &params)).await;
    assert_eq!(code, StatusCode::OK);
    assert!(body.contains("cannot be completed right now"), "{body}");
}

#[tokio::test]
async fn a_failing_or_slow_flow_ends_the_call_politely_and_reports_it() {
    let mut h = harness();
    kinds(&mut h.events);
    let params = [
        ("CallSid", SID),
        ("To", "+14155550100"),
        ("From", "+15005550006"),
    ];
    let (code, body) = send(&h.app, signed("/twilio/flow/broken", &params)).await;
    assert_eq!(code, StatusCode::OK);
    assert!(body.contains("<Hangup />"), "{body}");
    assert_eq!(kinds(&mut h.events), vec!["script.error"]);

    let settings = WebhookSettings {
        public_url: Some(PUBLIC.to_owned()),
        flow_deadline: Duration::from_millis(50),
        ..WebhookSettings::default()
    };
    let h = harness_with(settings, Arc::new(Scripted));
    let (code, body) = send(&h.app, signed("/twilio/flow/slow", &params)).await;
    assert_eq!(code, StatusCode::OK);
    assert!(body.contains("cannot be completed right now"), "{body}");
}

#[tokio::test]
async fn the_built_in_say_flow_speaks_in_the_agents_voice() {
    let loaded = projectx::config::from_str(
        "voices:\n  nova: { voice: Polly.Matthew }\nagents:\n  captain-nova: { voice: nova }\n",
        None,
        &|_| None,
    )
    .unwrap();
    let flows = Arc::new(MessageFlows::new(
        VoiceBook::from_config(&loaded.config).unwrap(),
    ));
    let settings = WebhookSettings {
        public_url: Some(PUBLIC.to_owned()),
        ..WebhookSettings::default()
    };
    let h = harness_with(settings, flows);
    let path = "/twilio/flow/say?agent=captain-nova&message=Quantum+timeline+alert";
    let params = [
        ("CallSid", SID),
        ("To", "+14155550100"),
        ("From", "+15005550006"),
    ];
    let (code, body) = send(&h.app, signed(path, &params)).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say voice=\"Polly.Matthew\"><s>Quantum timeline alert</s></Say><Hangup /></Response>"
    );
}

#[tokio::test]
async fn json_bodies_are_checked_against_body_sha256() {
    let h = harness();
    let body =
        format!("{{\"CallSid\":\"{SID}\",\"CallStatus\":\"ringing\",\"SequenceNumber\":\"0\"}}");
    let digest = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(body.as_bytes()))
    };
    let path = format!("/twilio/status?bodySHA256={digest}");
    let signature = sign(&format!("{PUBLIC}{path}"), &[] as &[(&str, &str)], TOKEN);
    let request = |body: String| {
        Request::post(path.as_str())
            .header("content-type", "application/json")
            .header("x-twilio-signature", signature.clone())
            .body(Body::from(body))
            .unwrap()
    };
    assert_eq!(
        send(&h.app, request(body.replace("ringing", "completed")))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(send(&h.app, request(body)).await.0, StatusCode::OK);
    assert_eq!(h.tracker.status(SID), Some(CallStatus::Ringing));
}

#[tokio::test]
async fn healthz_reports_live_calls() {
    let h = harness();
    let (code, body) = send(
        &h.app,
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["live_calls"], 1);
}
