//! The Twilio client against a local HTTP stub: every error shape, every retry rule.

#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use projectx::twilio::{
    Attempt, CallFilter, CallInstructions, CallStatus, CreateCall, Credentials, Delivery,
    MediaFormat, Operation, RecordingFilter, RequestGate, RetryPolicy, StatusCallbackEvent,
    TwilioApi, TwilioClient, TwilioError, UpdateCall,
};
use secrecy::SecretString;
use wiremock::matchers::{body_string_contains, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const CALL_SID: &str = "CA0123456789abcdef0123456789abcdef";
const REC_SID: &str = "RE0123456789abcdef0123456789abcdef";

fn calls_path() -> String {
    format!("/2010-04-01/Accounts/{ACCOUNT}/Calls.json")
}

fn call_json(status: &str) -> serde_json::Value {
    serde_json::json!({
        "sid": CALL_SID, "account_sid": ACCOUNT, "to": "+14155550100", "from": "+15005550006",
        "status": status, "duration": null, "price": null, "queue_time": "0",
        "date_created": "Tue, 24 Nov 2026 10:00:00 +0000"
    })
}

/// Counts attempts through the rate-limiter hook, which sees every try.
#[derive(Debug, Default)]
struct CountingGate(AtomicU32);

impl RequestGate for CountingGate {
    fn admit(&self, _attempt: Attempt) -> BoxFuture<'_, ()> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async {})
    }
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
    }
}

fn client(base: &str) -> (TwilioClient, Arc<CountingGate>) {
    let gate = Arc::new(CountingGate::default());
    let creds = Credentials::auth_token(ACCOUNT, SecretString::from("test-token")).unwrap();
    let client = TwilioClient::builder(creds)
        .base_url(base)
        .retry(fast_retries())
        .timeout(Duration::from_millis(500))
        .gate(gate.clone())
        .build()
        .unwrap();
    (client, gate)
}

fn say_call() -> CreateCall {
    CreateCall::parse(
        "+14155550100",
        "+15005550006",
        CallInstructions::Twiml("<Response><Say>Hi</Say></Response>".into()),
    )
    .unwrap()
}

fn twilio_error(status: u16, code: u32, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(serde_json::json!({
        "code": code, "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status
    }))
}

#[tokio::test]
async fn create_sends_basic_auth_and_repeated_array_keys() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(calls_path()))
        .and(header_exists("authorization"))
        .and(body_string_contains(
            "StatusCallbackEvent=initiated&StatusCallbackEvent=answered&StatusCallbackEvent=completed",
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(call_json("queued")))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    let mut params = say_call();
    params.status_callback = Some("https://calls.example.com/twilio/status".into());
    params.status_callback_event = vec![
        StatusCallbackEvent::Initiated,
        StatusCallbackEvent::Answered,
        StatusCallbackEvent::Completed,
    ];
    let call = client.calls().create(&params).await.unwrap();
    assert_eq!(call.sid, CALL_SID);
    assert_eq!(call.status, Some(CallStatus::Queued));

    let received = server.received_requests().await.unwrap();
    let auth = received[0]
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    // base64("AC…:test-token")
    assert!(auth.starts_with("Basic "), "{auth}");
    let form: Vec<(String, String)> = form_pairs(&received[0]);
    assert!(form.contains(&("To".into(), "+14155550100".into())));
    assert!(form.contains(&("Twiml".into(), "<Response><Say>Hi</Say></Response>".into())));
}

fn form_pairs(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn invalid_to_number_from_twilio_keeps_every_fact() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(twilio_error(
            400,
            21211,
            "The 'To' number is not a valid phone number.",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (client, gate) = client(&server.uri());
    let err = client.calls().create(&say_call()).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some(21211));
    assert!(err.is_invalid_number());
    let api = err.api().unwrap();
    assert_eq!(
        api.more_info.as_deref(),
        Some("https://www.twilio.com/docs/errors/21211")
    );
    assert!(api.body.contains("\"code\":21211"), "{}", api.body);
    assert_eq!(gate.0.load(Ordering::SeqCst), 1, "a 400 is never retried");
}

#[tokio::test]
async fn authentication_failure_is_classified_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(twilio_error(401, 20003, "Authenticate"))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    let err = client.calls().fetch(CALL_SID).await.unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert_eq!(err.code(), Some(20003));
}

#[tokio::test]
async fn not_found_is_classified() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(twilio_error(
            404,
            20404,
            "The requested resource was not found",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    let err = client.recordings().fetch(REC_SID).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn a_create_answered_429_is_retried_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(twilio_error(429, 20429, "Too Many Requests"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(call_json("queued")))
        .mount(&server)
        .await;
    let (client, gate) = client(&server.uri());
    let call = client.calls().create(&say_call()).await.unwrap();
    assert_eq!(call.sid, CALL_SID);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert_eq!(
        gate.0.load(Ordering::SeqCst),
        3,
        "the gate sees retries too"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_on_429() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            twilio_error(429, 20429, "Too Many Requests").insert_header("Retry-After", "1"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(call_json("queued")))
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    client.calls().create(&say_call()).await.unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_goes_back_to_the_caller() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            twilio_error(429, 20429, "Too Many Requests").insert_header("Retry-After", "3600"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    let err = client.calls().create(&say_call()).await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(
        err.api().unwrap().retry_after,
        Some(Duration::from_secs(3600))
    );
}

#[tokio::test]
async fn persistent_429_gives_up_after_max_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(twilio_error(429, 20429, "Too Many Requests"))
        .expect(4)
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    let err = client.calls().create(&say_call()).await.unwrap_err();
    assert!(err.is_rate_limited());
}

#[tokio::test]
async fn a_create_answered_500_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal error"))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    let err = client.calls().create(&say_call()).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(
        err.is_retryable(),
        "retryable in general, yet not safe for a create"
    );
}

#[tokio::test]
async fn a_fetch_answered_500_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(call_json("ringing")))
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    let call = client.calls().fetch(CALL_SID).await.unwrap();
    assert_eq!(call.status, Some(CallStatus::Ringing));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_delete_answered_500_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    client.recordings().delete(REC_SID).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_create_that_times_out_after_sending_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(call_json("queued"))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let (client, gate) = client(&server.uri());
    let err = client.calls().create(&say_call()).await.unwrap_err();
    match &err {
        TwilioError::Transport { delivery, .. } => assert_eq!(*delivery, Delivery::MaybeSent),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert_eq!(
        gate.0.load(Ordering::SeqCst),
        1,
        "one attempt only: the call may exist"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_slow_fetch_is_retried_and_reports_a_time_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let (client, gate) = client(&server.uri());
    let err = client.calls().fetch(CALL_SID).await.unwrap_err();
    assert!(matches!(err, TwilioError::Transport { .. }), "{err:?}");
    assert_eq!(
        gate.0.load(Ordering::SeqCst),
        4,
        "first try plus three retries"
    );
}

#[tokio::test]
async fn a_create_that_cannot_connect_is_retried_because_nothing_was_sent() {
    // Bind and drop a listener: the port is then (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (client, gate) = client(&format!("http://127.0.0.1:{port}"));
    let err = client.calls().create(&say_call()).await.unwrap_err();
    match &err {
        TwilioError::Transport { delivery, .. } => assert_eq!(*delivery, Delivery::NotSent),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert_eq!(gate.0.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"sid\": "))
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    let err = client.calls().fetch(CALL_SID).await.unwrap_err();
    match err {
        TwilioError::Decode { status, body, .. } => {
            assert_eq!(status, 200);
            assert_eq!(body, "{\"sid\": ");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let (client, gate) = client(&server.uri());

    let err = CreateCall::parse(
        "+1555",
        "+15005550006",
        CallInstructions::Twiml("<Response/>".into()),
    )
    .unwrap_err();
    assert!(
        matches!(err, TwilioError::InvalidNumber { param: "To", .. }),
        "{err}"
    );
    let err = CreateCall::parse(
        "+14155550100",
        "12",
        CallInstructions::Twiml("<Response/>".into()),
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("invalid From"), "{err}");

    let mut params = say_call();
    params.timeout = Some(0);
    let err = client.calls().create(&params).await.unwrap_err();
    assert!(err.to_string().contains("Timeout"), "{err}");
    params.timeout = Some(601);
    assert!(client.calls().create(&params).await.is_err());

    let long = CallInstructions::Twiml(format!(
        "<Response><Say>{}</Say></Response>",
        "x".repeat(4000)
    ));
    let mut params = say_call();
    params.instructions = long;
    let err = client.calls().create(&params).await.unwrap_err();
    assert!(err.to_string().contains("limit of 4000"), "{err}");

    let err = client.calls().fetch("CA-not-a-sid").await.unwrap_err();
    assert!(err.is_local_rejection(), "{err}");
    let err = client
        .calls()
        .update(CALL_SID, &UpdateCall::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nothing to change"), "{err}");

    assert_eq!(gate.0.load(Ordering::SeqCst), 0, "nothing reached the gate");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn update_hangs_up_cancels_and_redirects() {
    let server = MockServer::start().await;
    let call_path = format!("/2010-04-01/Accounts/{ACCOUNT}/Calls/{CALL_SID}.json");
    Mock::given(method("POST"))
        .and(path(call_path))
        .respond_with(ResponseTemplate::new(200).set_body_json(call_json("completed")))
        .expect(3)
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    client.calls().hang_up(CALL_SID).await.unwrap();
    client.calls().cancel(CALL_SID).await.unwrap();
    let redirect = UpdateCall::redirect(CallInstructions::Url {
        url: "https://calls.example.com/twilio/flow/next".into(),
        method: None,
    });
    client.calls().update(CALL_SID, &redirect).await.unwrap();
    let bodies: Vec<Vec<(String, String)>> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(form_pairs)
        .collect();
    assert_eq!(bodies[0], vec![("Status".into(), "completed".into())]);
    assert_eq!(bodies[1], vec![("Status".into(), "canceled".into())]);
    assert_eq!(
        bodies[2],
        vec![(
            "Url".into(),
            "https://calls.example.com/twilio/flow/next".into()
        )]
    );
}

#[tokio::test]
async fn list_follows_next_page_uri_across_pages() {
    let server = MockServer::start().await;
    let next = format!("{}?PageSize=1&Page=1&PageToken=PA1", calls_path());
    Mock::given(method("GET"))
        .and(path(calls_path()))
        .and(query_param("PageToken", "PA1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "calls": [call_json("busy")], "next_page_uri": null, "page": 1, "page_size": 1
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(calls_path()))
        .and(query_param("Status", "completed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "calls": [call_json("completed")], "next_page_uri": next, "page": 0, "page_size": 1
        })))
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    let filter = CallFilter {
        status: Some(CallStatus::Completed),
        page_size: Some(1),
        ..CallFilter::default()
    };
    let calls: Vec<_> = client.calls().list(&filter).collect().await;
    let statuses: Vec<_> = calls.into_iter().map(|c| c.unwrap().status).collect();
    assert_eq!(
        statuses,
        vec![Some(CallStatus::Completed), Some(CallStatus::Busy)]
    );
}

#[tokio::test]
async fn list_stops_when_a_server_repeats_the_same_page() {
    let server = MockServer::start().await;
    let same = calls_path();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "calls": [call_json("completed")], "next_page_uri": same
        })))
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    let calls: Vec<_> = client.calls().list(&CallFilter::default()).collect().await;
    assert_eq!(calls.len(), 1);
}

#[tokio::test]
async fn recordings_list_filters_by_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/2010-04-01/Accounts/{ACCOUNT}/Recordings.json"
        )))
        .and(query_param("CallSid", CALL_SID))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "recordings": [{"sid": REC_SID, "call_sid": CALL_SID, "duration": "4", "channels": 1}],
            "next_page_uri": null
        })))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    let filter = RecordingFilter {
        call_sid: Some(CALL_SID.into()),
        ..RecordingFilter::default()
    };
    let recordings: Vec<_> = client.recordings().list(&filter).collect().await;
    let recording = recordings[0].as_ref().unwrap();
    assert_eq!(recording.duration, Some(4));
}

#[tokio::test]
async fn download_streams_media_to_a_file_and_leaves_nothing_on_failure() {
    let server = MockServer::start().await;
    let media: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    Mock::given(method("GET"))
        .and(path(format!(
            "/2010-04-01/Accounts/{ACCOUNT}/Recordings/{REC_SID}.mp3"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(media.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/2010-04-01/Accounts/{ACCOUNT}/Recordings/{REC_SID}.wav"
        )))
        .respond_with(twilio_error(404, 20404, "not found"))
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("greeting.mp3");
    let written = client
        .recordings()
        .download(REC_SID, MediaFormat::Mp3, &target)
        .await
        .unwrap();
    assert_eq!(written, media.len() as u64);
    assert_eq!(std::fs::read(&target).unwrap(), media);

    let missing = dir.path().join("missing.wav");
    let err = client
        .recordings()
        .download(REC_SID, MediaFormat::Wav, &missing)
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only the finished download remains");
}

#[tokio::test]
async fn api_key_credentials_authenticate_with_the_key_sid() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(call_json("queued")))
        .mount(&server)
        .await;
    let creds = Credentials::api_key(
        ACCOUNT,
        "SK0123456789abcdef0123456789abcdef",
        SecretString::from("key-secret"),
    )
    .unwrap();
    let client = TwilioClient::builder(creds)
        .base_url(server.uri())
        .build()
        .unwrap();
    client.calls().fetch(CALL_SID).await.unwrap();
    let received = server.received_requests().await.unwrap();
    let auth = received[0]
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.trim_start_matches("Basic "))
        .unwrap();
    assert_eq!(decoded, b"SK0123456789abcdef0123456789abcdef:key-secret");
    // The path still names the account.
    assert!(received[0].url.path().contains(ACCOUNT));
}

#[test]
fn gate_sees_operations() {
    // Compile-time check that the operation names stay public for rate limiters.
    let attempt = Attempt {
        operation: Operation::CreateCall,
        retry: 0,
    };
    assert_eq!(attempt.operation, Operation::CreateCall);
}

#[tokio::test]
async fn the_client_serves_as_a_twilio_api_trait_object() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(call_json("queued")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(calls_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "calls": [call_json("completed")], "next_page_uri": null
        })))
        .mount(&server)
        .await;
    let (client, _) = client(&server.uri());
    let api: Arc<dyn TwilioApi> = Arc::new(client);
    let call = api.create_call(&say_call()).await.unwrap();
    assert_eq!(call.status, Some(CallStatus::Queued));
    let filter = CallFilter::default();
    let listed: Vec<_> = api.list_calls(&filter).collect().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].as_ref().unwrap().status,
        Some(CallStatus::Completed)
    );
}
