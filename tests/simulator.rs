//! Full calls through client → simulator → webhook server → state machine → events, for each
//! scenario, with the simulator's transcript checked; and the simulator's REST API refusing
//! what Twilio refuses, with Twilio's codes.

#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use projectx::calls::{CallInfo, CallTracker, TrackerSettings};
use projectx::config::{FaultsConfig, Scenario, ScenarioDetail, ScenarioOutcome};
use projectx::events::{EventBus, EventKind, Subscription};
use projectx::server::{
    FlowError, FlowRequest, FlowResponder, RequestValidator, ServerState, WebhookSettings,
};
use projectx::simulator::{Simulator, SimulatorSettings};
use projectx::twilio::{
    CallFilter, CallInstructions, CallStatus, CreateCall, Credentials, MediaFormat,
    RecordingFilter, RetryPolicy, StatusCallbackEvent, TwilioClient, UpdateCall,
};
use projectx::twiml::VoiceResponse;
use secrecy::SecretString;

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "sim-token";

/// The events of a call that is answered and completes, in order.
const FULL_CALL: [&str; 9] = [
    "call.queued:queued",
    "call.started:initiated",
    "call.status:initiated",
    "call.ringing:ringing",
    "call.status:ringing",
    "call.answered:in-progress",
    "call.status:in-progress",
    "call.status:completed",
    "call.ended:completed",
];

/// A survey: asks for a key, then says what was pressed.
#[derive(Debug)]
struct Survey {
    base: String,
}

impl FlowResponder for Survey {
    fn respond(&self, request: FlowRequest) -> BoxFuture<'_, Result<VoiceResponse, FlowError>> {
        Box::pin(async move {
            let mut r = VoiceResponse::new();
            match (request.flow.as_str(), request.step.as_deref()) {
                ("survey", None) => {
                    let g = r.gather();
                    g.set_attr("input", "dtmf speech");
                    g.set_attr("numDigits", 1);
                    g.set_attr(
                        "action",
                        format!("{}/twilio/flow/survey?step=answer", self.base),
                    );
                    g.push(
                        projectx::twiml::Element::new("Say")
                            .with_text("Captain Nova here. Press 1 to confirm."),
                    );
                    r.say("We did not hear you. Goodbye.");
                }
                ("survey", Some("answer")) => {
                    let heard = request
                        .param("Digits")
                        .or(request.param("SpeechResult"))
                        .unwrap_or("nothing");
                    r.say(format!("You chose {heard}. Goodbye."));
                    r.hangup();
                }
                ("long", _) => {
                    r.say("This goes on.");
                    r.pause(600);
                }
                (other, _) => return Err(FlowError::UnknownFlow(other.to_owned())),
            }
            Ok(r)
        })
    }
}

struct World {
    client: TwilioClient,
    simulator: Simulator,
    tracker: Arc<CallTracker>,
    events: Subscription,
    webhooks: String,
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn world(scenarios: &[(&str, Scenario)]) -> World {
    world_at(500.0, scenarios).await
}

async fn world_at(speed: f64, scenarios: &[(&str, Scenario)]) -> World {
    world_with(speed, scenarios, FaultsConfig::default()).await
}

async fn world_with(speed: f64, scenarios: &[(&str, Scenario)], faults: FaultsConfig) -> World {
    let bus = EventBus::new();
    let events = bus.subscribe("test", &[], 4096);
    let tracker = Arc::new(CallTracker::new(bus, TrackerSettings::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let webhooks = format!("http://{}", listener.local_addr().unwrap());
    let state = ServerState {
        settings: WebhookSettings {
            public_url: Some(webhooks.clone()),
            ..WebhookSettings::default()
        },
        validator: Some(RequestValidator::new(SecretString::from(TOKEN))),
        tracker: tracker.clone(),
        flows: Arc::new(Survey {
            base: webhooks.clone(),
        }),
        inbound: HashMap::from([("+15005550006".to_owned(), "survey".to_owned())]),
        metrics: None,
    };
    let app = projectx::server::router(Arc::new(state)).route(
        "/raw/broken",
        axum::routing::post(|| async { "<Response><Say>unclosed</Response>" }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let simulator = Simulator::new(SimulatorSettings {
        account_sid: ACCOUNT.into(),
        auth_token: SecretString::from(TOKEN),
        speed,
        cps: 1.0,
        scenarios: scenarios
            .iter()
            .map(|(n, s)| ((*n).to_owned(), s.clone()))
            .collect(),
        faults,
        numbers: Vec::new(),
    });
    let base = serve(projectx::simulator::router(simulator.clone())).await;
    let client =
        TwilioClient::builder(Credentials::auth_token(ACCOUNT, SecretString::from(TOKEN)).unwrap())
            .base_url(base)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
    World {
        client,
        simulator,
        tracker,
        events,
        webhooks,
    }
}

impl World {
    async fn call(&self, to: &str, flow: &str) -> String {
        let mut params = CreateCall::parse(
            to,
            "+15005550006",
            CallInstructions::Url {
                url: format!("{}/twilio/flow/{flow}", self.webhooks),
                method: None,
            },
        )
        .unwrap();
        params.status_callback = Some(format!("{}/twilio/status", self.webhooks));
        params.status_callback_event = StatusCallbackEvent::ALL.to_vec();
        let call = self.client.calls().create(&params).await.unwrap();
        assert_eq!(call.status, Some(CallStatus::Queued));
        self.tracker.register(
            CallInfo {
                sid: call.sid.clone(),
                to: to.into(),
                from: "+15005550006".into(),
                agent: None,
                campaign: None,
            },
            CallStatus::Queued,
        );
        call.sid
    }

    /// Event names for `sid` until its call.ended.
    async fn until_ended(&mut self, sid: &str) -> Vec<String> {
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let event = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .expect("the call ended in time")
                .unwrap();
            if event.call.as_ref().is_some_and(|c| c.sid == sid) {
                seen.push(format!(
                    "{}:{}",
                    event.kind,
                    event.call.as_ref().unwrap().status
                ));
                if event.kind == EventKind::CallEnded {
                    return seen;
                }
            }
        }
    }

    fn kinds(&self, sid: &str, kind: &str) -> Vec<serde_json::Value> {
        self.simulator
            .transcript(sid)
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.detail)
            .collect()
    }
}

/// Polls `done` until it holds, for at most ten seconds.
async fn wait_until(mut done: impl FnMut() -> bool) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the condition came true in time");
}

fn detailed(
    answer: ScenarioOutcome,
    digits: Option<&str>,
    speech: Option<&str>,
    hangup_after: Option<f64>,
) -> Scenario {
    Scenario::Detailed(ScenarioDetail {
        answer,
        digits: digits.map(Into::into),
        speech: speech.map(Into::into),
        hangup_after,
    })
}

#[tokio::test]
async fn a_human_presses_1_and_the_flow_hears_it() {
    let mut w = world(&[(
        "+14155550101",
        detailed(ScenarioOutcome::Human, Some("1"), None, None),
    )])
    .await;
    let sid = w.call("+14155550101", "survey").await;
    let events = w.until_ended(&sid).await;
    assert_eq!(events, FULL_CALL);
    let said: Vec<String> = w
        .kinds(&sid, "say")
        .iter()
        .map(|d| d["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        said,
        vec![
            "Captain Nova here. Press 1 to confirm.",
            "You chose 1. Goodbye."
        ]
    );
    assert_eq!(w.kinds(&sid, "input")[0]["digits"], "1");
    // The simulator notes the final callback once the webhook has answered it.
    wait_until(|| w.kinds(&sid, "callback").len() >= 4).await;
    let callbacks = w.kinds(&sid, "callback");
    assert_eq!(callbacks.len(), 4);
    assert!(
        callbacks.iter().all(|c| c["http_status"] == 200),
        "every callback was accepted as genuine: {callbacks:?}"
    );
    let call = w.client.calls().fetch(&sid).await.unwrap();
    assert_eq!(call.status, Some(CallStatus::Completed));
    assert!(call.duration.unwrap() >= 5, "{:?}", call.duration);
    assert!(call.price.unwrap() < 0.0);
}

#[tokio::test]
async fn speech_answers_a_speech_gather() {
    let w = world(&[(
        "+14155550103",
        detailed(ScenarioOutcome::Human, None, Some("yes please"), None),
    )])
    .await;
    let mut w = w;
    let sid = w.call("+14155550103", "survey").await;
    w.until_ended(&sid).await;
    let said: Vec<String> = w
        .kinds(&sid, "say")
        .iter()
        .map(|d| d["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(said.last().unwrap(), "You chose yes please. Goodbye.");
}

#[tokio::test]
async fn busy_no_answer_failed_and_reject_end_as_twilio_reports_them() {
    let mut w = world(&[
        ("+14155550102", Scenario::Outcome(ScenarioOutcome::Busy)),
        ("+14155550104", Scenario::Outcome(ScenarioOutcome::NoAnswer)),
        ("+14155550105", Scenario::Outcome(ScenarioOutcome::Failed)),
        ("+14155550106", Scenario::Outcome(ScenarioOutcome::Reject)),
    ])
    .await;
    for (to, status) in [
        ("+14155550102", "busy"),
        ("+14155550104", "no-answer"),
        ("+14155550105", "failed"),
        ("+14155550106", "busy"),
    ] {
        let sid = w.call(to, "survey").await;
        let events = w.until_ended(&sid).await;
        assert!(
            events.contains(&format!("call.failed:{status}")),
            "{to}: {events:?}"
        );
        assert_eq!(events.last().unwrap(), &format!("call.ended:{status}"));
        assert!(
            w.kinds(&sid, "say").is_empty(),
            "nobody answered, nothing was said"
        );
    }
}

#[tokio::test]
async fn a_machine_answers_and_amd_says_so() {
    let mut w = world(&[("+14155550107", Scenario::Outcome(ScenarioOutcome::Machine))]).await;
    let mut params = CreateCall::parse(
        "+14155550107",
        "+15005550006",
        CallInstructions::Twiml("<Response><Say>Leave a message.</Say></Response>".into()),
    )
    .unwrap();
    params.status_callback = Some(format!("{}/twilio/status", w.webhooks));
    params.status_callback_event = StatusCallbackEvent::ALL.to_vec();
    params.machine_detection = Some(projectx::twilio::MachineDetection::Enable);
    params.async_amd = Some(true);
    params.async_amd_status_callback = Some(format!("{}/twilio/amd", w.webhooks));
    let call = w.client.calls().create(&params).await.unwrap();
    w.tracker.register(
        CallInfo {
            sid: call.sid.clone(),
            to: "+14155550107".into(),
            from: "+15005550006".into(),
            agent: None,
            campaign: None,
        },
        CallStatus::Queued,
    );
    let events = w.until_ended(&call.sid).await;
    assert!(
        events.iter().any(|e| e.starts_with("call.machine")),
        "{events:?}"
    );
    let fetched = w.client.calls().fetch(&call.sid).await.unwrap();
    assert_eq!(fetched.answered_by.as_deref(), Some("machine_start"));
}

#[tokio::test]
async fn the_callee_hangs_up_after_n_seconds_and_the_time_limit_applies() {
    let mut w = world(&[(
        "+14155550108",
        detailed(ScenarioOutcome::Human, None, None, Some(4.0)),
    )])
    .await;
    let sid = w.call("+14155550108", "long").await;
    w.until_ended(&sid).await;
    assert_eq!(w.kinds(&sid, "hangup")[0]["by"], "callee");
    let call = w.client.calls().fetch(&sid).await.unwrap();
    // At 500× a millisecond of scheduling delay is half a virtual second: on a loaded machine
    // the hang-up lands a few virtual seconds late, still far from the flow's 600 s pause.
    assert!(call.duration.unwrap() <= 60, "{:?}", call.duration);

    let mut params = CreateCall::parse(
        "+14155550100",
        "+15005550006",
        CallInstructions::Url {
            url: format!("{}/twilio/flow/long", w.webhooks),
            method: None,
        },
    )
    .unwrap();
    params.time_limit = Some(10);
    let call = w.client.calls().create(&params).await.unwrap();
    wait_until(|| {
        w.simulator
            .status(&call.sid)
            .is_some_and(|s| s.is_terminal())
    })
    .await;
    assert_eq!(w.kinds(&call.sid, "hangup")[0]["by"], "time limit");
    assert!(
        w.client
            .calls()
            .fetch(&call.sid)
            .await
            .unwrap()
            .duration
            .unwrap()
            <= 60
    );
    let _ = &mut w;
}

#[tokio::test]
async fn unparseable_twiml_ends_the_call_with_12100() {
    let w = world(&[]).await;
    let params = CreateCall::parse(
        "+14155550100",
        "+15005550006",
        CallInstructions::Url {
            url: format!("{}/raw/broken", w.webhooks),
            method: None,
        },
    )
    .unwrap();
    let call = w.client.calls().create(&params).await.unwrap();
    wait_until(|| {
        w.simulator
            .status(&call.sid)
            .is_some_and(|s| s.is_terminal())
    })
    .await;
    assert_eq!(w.kinds(&call.sid, "error")[0]["code"], 12100);
}

#[tokio::test]
async fn calls_wait_in_the_cps_queue_and_can_be_canceled_there() {
    // Slow enough that creating the calls takes no noticeable call time.
    let w = world_at(20.0, &[]).await;
    let mut sids = Vec::new();
    for _ in 0..4 {
        let params = CreateCall::parse(
            "+14155550100",
            "+15005550006",
            CallInstructions::Twiml("<Response><Hangup/></Response>".into()),
        )
        .unwrap();
        let call = w.client.calls().create(&params).await.unwrap();
        sids.push((call.sid, call.queue_time.unwrap()));
    }
    // One call per second leaves the queue: the fourth waits about three seconds.
    assert!(sids[3].1 >= 2500, "{:?}", sids);
    w.client.calls().cancel(&sids[3].0).await.unwrap();
    wait_until(|| w.simulator.status(&sids[3].0) == Some(CallStatus::Canceled)).await;
}

#[tokio::test]
async fn a_live_call_can_be_redirected_and_hung_up_through_the_api() {
    let w = world(&[]).await;
    let params = CreateCall::parse(
        "+14155550100",
        "+15005550006",
        CallInstructions::Url {
            url: format!("{}/twilio/flow/long", w.webhooks),
            method: None,
        },
    )
    .unwrap();
    let call = w.client.calls().create(&params).await.unwrap();
    wait_until(|| !w.kinds(&call.sid, "pause").is_empty()).await;
    let redirect = UpdateCall::redirect(CallInstructions::Twiml(
        "<Response><Say>Redirected.</Say><Pause length=\"600\"/></Response>".into(),
    ));
    w.client.calls().update(&call.sid, &redirect).await.unwrap();
    wait_until(|| {
        w.kinds(&call.sid, "say")
            .iter()
            .any(|s| s["text"] == "Redirected.")
    })
    .await;
    w.client.calls().hang_up(&call.sid).await.unwrap();
    wait_until(|| w.simulator.status(&call.sid) == Some(CallStatus::Completed)).await;
    let err = w.client.calls().hang_up(&call.sid).await.unwrap_err();
    assert_eq!(err.code(), Some(21220));
}

#[tokio::test]
async fn the_simulator_refuses_what_twilio_refuses_with_twilios_codes() {
    let w = world(&[]).await;
    let base = w.client.base_url().to_string();
    let http = reqwest::Client::new();
    let url = format!("{base}2010-04-01/Accounts/{ACCOUNT}/Calls.json");
    let post = |form: Vec<(&'static str, &'static str)>, password: &'static str| {
        http.post(&url)
            .basic_auth(ACCOUNT, Some(password))
            .form(&form)
            .send()
    };
    // (form, password, HTTP status, Twilio code)
    type Case = (Vec<(&'static str, &'static str)>, &'static str, u16, u32);
    let cases: Vec<Case> = vec![
        (
            vec![("From", "+15005550006"), ("Url", "https://a.example/t")],
            TOKEN,
            400,
            21201,
        ),
        (
            vec![
                ("To", "+1555"),
                ("From", "+15005550006"),
                ("Url", "https://a.example/t"),
            ],
            TOKEN,
            400,
            21211,
        ),
        (
            vec![
                ("To", "+14155550100"),
                ("From", "12"),
                ("Url", "https://a.example/t"),
            ],
            TOKEN,
            400,
            21212,
        ),
        (
            vec![("To", "+14155550100"), ("From", "+15005550006")],
            TOKEN,
            400,
            21205,
        ),
        (
            vec![
                ("To", "+14155550100"),
                ("From", "+15005550006"),
                ("Url", "not a url"),
            ],
            TOKEN,
            400,
            21205,
        ),
        (
            vec![
                ("To", "+14155550100"),
                ("From", "+15005550006"),
                ("Url", "https://a.example/t"),
                ("Timeout", "abc"),
            ],
            TOKEN,
            400,
            20001,
        ),
        (
            vec![
                ("To", "+14155550100"),
                ("From", "+15005550006"),
                ("Url", "https://a.example/t"),
            ],
            "wrong",
            401,
            20003,
        ),
    ];
    for (form, password, status, code) in cases {
        let response = post(form.clone(), password).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{form:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], code, "{form:?}: {body}");
        assert_eq!(
            body["more_info"],
            format!("https://www.twilio.com/docs/errors/{code}")
        );
    }
    assert!(
        w.simulator.call_sids().is_empty(),
        "nothing refused was created"
    );
    let err = w
        .client
        .calls()
        .fetch("CAffffffffffffffffffffffffffffffff")
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn listing_pages_through_calls_and_recordings_work_end_to_end() {
    let w = world(&[]).await;
    let record = "<Response><Record maxLength=\"3\"/></Response>";
    let mut params = CreateCall::parse(
        "+14155550100",
        "+15005550006",
        CallInstructions::Twiml(record.into()),
    )
    .unwrap();
    params.time_limit = Some(60);
    let recorded = w.client.calls().create(&params).await.unwrap();
    for _ in 0..4 {
        let p = CreateCall::parse(
            "+14155550199",
            "+15005550006",
            CallInstructions::Twiml("<Response/>".into()),
        )
        .unwrap();
        w.client.calls().create(&p).await.unwrap();
    }
    let filter = CallFilter {
        to: Some("+14155550199".into()),
        page_size: Some(2),
        ..CallFilter::default()
    };
    let listed: Vec<_> = w.client.calls().list(&filter).collect().await;
    assert_eq!(listed.len(), 4, "three pages of two, one and nothing");
    wait_until(|| w.simulator.status(&recorded.sid) == Some(CallStatus::Completed)).await;
    let recordings: Vec<_> = w
        .client
        .recordings()
        .list(&RecordingFilter {
            call_sid: Some(recorded.sid.clone()),
            ..RecordingFilter::default()
        })
        .collect()
        .await;
    let recording = recordings[0].as_ref().unwrap();
    assert_eq!(recording.duration, Some(3));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("message.wav");
    let bytes = w
        .client
        .recordings()
        .download(&recording.sid, MediaFormat::Wav, &path)
        .await
        .unwrap();
    assert!(bytes > 44);
    assert_eq!(&std::fs::read(&path).unwrap()[..4], b"RIFF");
    w.client.recordings().delete(&recording.sid).await.unwrap();
    assert!(
        w.client
            .recordings()
            .fetch(&recording.sid)
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn the_simulator_rings_our_number_and_the_inbound_flow_answers() {
    let w = world(&[(
        "+14155550123",
        detailed(ScenarioOutcome::Human, Some("2"), None, None),
    )])
    .await;
    let call = w.simulator.ring(
        "+15005550006",
        "+14155550123",
        &format!("{}/twilio/voice", w.webhooks),
    );
    let sid = call["sid"].as_str().unwrap().to_owned();
    assert_eq!(call["direction"], "inbound");
    wait_until(|| w.simulator.status(&sid) == Some(CallStatus::Completed)).await;
    let said: Vec<String> = w
        .kinds(&sid, "say")
        .iter()
        .map(|d| d["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        said,
        vec![
            "Captain Nova here. Press 1 to confirm.",
            "You chose 2. Goodbye."
        ]
    );
    assert!(
        w.tracker.is_live(&sid) || w.tracker.live_count() == 0,
        "the inbound call was tracked"
    );
}

#[tokio::test]
async fn rate_limit_and_server_error_faults_refuse_before_processing() {
    let faults = FaultsConfig {
        rate_limit: 1.0,
        ..FaultsConfig::default()
    };
    let w = world_with(500.0, &[], faults).await;
    let params = CreateCall::parse(
        "+14155550100",
        "+15005550006",
        CallInstructions::Twiml("<Response/>".into()),
    )
    .unwrap();
    let err = w.client.calls().create(&params).await.unwrap_err();
    assert!(err.is_rate_limited(), "{err}");
    assert_eq!(err.api().unwrap().retry_after, Some(Duration::from_secs(1)));
    assert!(w.simulator.call_sids().is_empty(), "a 429 creates nothing");

    let faults = FaultsConfig {
        server_errors: 1.0,
        ..FaultsConfig::default()
    };
    let w = world_with(500.0, &[], faults).await;
    let err = w
        .client
        .calls()
        .fetch("CA0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
}

#[tokio::test]
async fn duplicated_and_reordered_callbacks_still_give_each_event_once_in_order() {
    for faults in [
        FaultsConfig {
            duplicate_callbacks: 1.0,
            ..FaultsConfig::default()
        },
        FaultsConfig {
            reorder_callbacks: 1.0,
            ..FaultsConfig::default()
        },
    ] {
        let mut w = world_with(500.0, &[], faults).await;
        let sid = w.call("+14155550100", "survey").await;
        let events = w.until_ended(&sid).await;
        assert_eq!(events, FULL_CALL, "{faults:?}");
        // The simulator notes each delivery once the webhook has answered it.
        let expected = if faults.duplicate_callbacks > 0.0 {
            8
        } else {
            4
        };
        let sequences = |w: &World| -> Vec<String> {
            w.kinds(&sid, "callback")
                .iter()
                .filter_map(|c| c["sequence"].as_str().map(str::to_owned))
                .collect()
        };
        wait_until(|| sequences(&w).len() >= expected).await;
        let sent = sequences(&w);
        if faults.duplicate_callbacks > 0.0 {
            assert_eq!(sent, vec!["0", "0", "1", "1", "2", "2", "3", "3"]);
        } else {
            assert_eq!(
                sent.last().map(String::as_str),
                Some("2"),
                "the last callback came after the final one: {sent:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_lost_final_callback_is_made_up_for_by_fetching_the_call() {
    let faults = FaultsConfig {
        lose_final_callback: 1.0,
        ..FaultsConfig::default()
    };
    let mut w = world_with(500.0, &[], faults).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let api: Arc<dyn projectx::twilio::TwilioApi> = Arc::new(w.client.clone());
    let source = projectx::calls::StatusSource::Callbacks {
        quiet_after: Duration::from_millis(300),
    };
    tokio::spawn(projectx::calls::Reconciler::new(w.tracker.clone(), api, source).run(stopped));
    let sid = w.call("+14155550100", "survey").await;
    let events = w.until_ended(&sid).await;
    assert_eq!(events.last().unwrap(), "call.ended:completed");
    assert!(w.kinds(&sid, "callback").iter().any(|c| c["lost"] == true));
    stop.send(true).unwrap();
}

#[tokio::test]
async fn slow_replies_run_into_the_clients_time_limit() {
    let faults = FaultsConfig {
        slow_ms: 500,
        ..FaultsConfig::default()
    };
    let w = world_with(500.0, &[], faults).await;
    let impatient =
        TwilioClient::builder(Credentials::auth_token(ACCOUNT, SecretString::from(TOKEN)).unwrap())
            .base_url(w.client.base_url().as_str())
            .retry(RetryPolicy::none())
            .timeout(Duration::from_millis(100))
            .build()
            .unwrap();
    let err = impatient
        .calls()
        .fetch("CA0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            projectx::twilio::TwilioError::Transport {
                delivery: projectx::twilio::Delivery::MaybeSent,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn inbound_calls_can_be_rung_through_the_simulators_api() {
    let w = world(&[]).await;
    let http = reqwest::Client::new();
    let url = format!("{}simulator/inbound", w.client.base_url());
    let form = [
        ("To", "+15005550006"),
        ("From", "+14155550124"),
        ("Url", &format!("{}/twilio/voice", w.webhooks)),
    ];
    let response = http
        .post(&url)
        .basic_auth(ACCOUNT, Some(TOKEN))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let call: serde_json::Value = response.json().await.unwrap();
    assert_eq!(call["direction"], "inbound");
    let response = http
        .post(&url)
        .basic_auth(ACCOUNT, Some("wrong"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let bad = [("To", "+1555"), ("Url", "https://a.example/voice")];
    let response = http
        .post(&url)
        .basic_auth(ACCOUNT, Some(TOKEN))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn scenarios_can_be_set_through_the_api() {
    let mut w = world(&[]).await;
    let http = reqwest::Client::new();
    let url = format!("{}simulator/scenarios", w.client.base_url());
    let response = http
        .post(&url)
        .basic_auth(ACCOUNT, Some(TOKEN))
        .form(&[
            ("Number", "+14155550109"),
            ("Answer", "human"),
            ("Digits", "3"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let sid = w.call("+14155550109", "survey").await;
    w.until_ended(&sid).await;
    assert_eq!(w.kinds(&sid, "input")[0]["digits"], "3");

    let response = http
        .post(&url)
        .basic_auth(ACCOUNT, Some(TOKEN))
        .form(&[("Number", "+14155550109"), ("Answer", "grumpy")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("human, machine, busy"),
        "{body}"
    );
    let response = http
        .post(&url)
        .basic_auth(ACCOUNT, Some("wrong"))
        .form(&[("Number", "+14155550109")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_caller_id_that_is_not_the_accounts_is_refused_with_21210() {
    let simulator = Simulator::new(SimulatorSettings {
        account_sid: ACCOUNT.into(),
        auth_token: SecretString::from(TOKEN),
        numbers: vec!["+15005550006".into()],
        ..SimulatorSettings::default()
    });
    let base = serve(projectx::simulator::router(simulator.clone())).await;
    let client =
        TwilioClient::builder(Credentials::auth_token(ACCOUNT, SecretString::from(TOKEN)).unwrap())
            .base_url(base)
            .build()
            .unwrap();
    let twiml = || CallInstructions::Twiml("<Response/>".into());
    let foreign = CreateCall::parse("+14155550100", "+14155550111", twiml()).unwrap();
    assert_eq!(
        client.calls().create(&foreign).await.unwrap_err().code(),
        Some(21210)
    );
    let own = CreateCall::parse("+14155550100", "+15005550006", twiml()).unwrap();
    assert!(client.calls().create(&own).await.is_ok());
    assert_eq!(simulator.call_sids().len(), 1);
}
