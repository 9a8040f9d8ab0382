//! Simulated calls per second, end to end: the client creates calls on the simulator, which runs
//! each lifecycle on its virtual clock and sends four signed status callbacks per call to the
//! webhook server, whose state machine publishes the events; a call counts when its `call.ended`
//! arrives. Everything shares the machine's two cores.
//!
//! Run: `cargo bench --bench simulator` (figures on stdout).

#![allow(clippy::unwrap_used)] // a bench binary: fail loudly

#[path = "common/allocator.rs"]
mod allocator;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use projectx::calls::{CallInfo, CallTracker, TrackerSettings};
use projectx::config::FaultsConfig;
use projectx::events::{EventBus, EventKind};
use projectx::server::{MessageFlows, RequestValidator, ServerState, WebhookSettings};
use projectx::simulator::{Simulator, SimulatorSettings};
use projectx::twilio::{
    CallInstructions, CallStatus, CreateCall, Credentials, StatusCallbackEvent, TwilioClient,
};
use secrecy::SecretString;

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "bench-token";
const CALLS: usize = 20_000;
const CONCURRENCY: usize = 64;
const SPEED: f64 = 10_000.0;

async fn serve(listener: tokio::net::TcpListener, app: axum::Router) {
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let bus = EventBus::new();
        let mut ended_events = bus.subscribe("bench", &[EventKind::CallEnded], CALLS * 2);
        let tracker = Arc::new(CallTracker::new(bus, TrackerSettings::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let webhooks = format!("http://{}", listener.local_addr().unwrap());
        let state = ServerState {
            settings: WebhookSettings { public_url: Some(webhooks.clone()), ..WebhookSettings::default() },
            validator: Some(RequestValidator::new(SecretString::from(TOKEN))),
            tracker: tracker.clone(),
            flows: Arc::new(MessageFlows::default()),
            inbound: HashMap::new(),
            metrics: None,
        };
        serve(listener, projectx::server::router(Arc::new(state))).await;

        let simulator = Simulator::new(SimulatorSettings {
            account_sid: ACCOUNT.into(),
            auth_token: SecretString::from(TOKEN),
            speed: SPEED,
            cps: 1_000_000.0,
            scenarios: HashMap::new(),
            faults: FaultsConfig::default(),
            numbers: Vec::new(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        serve(listener, projectx::simulator::router(simulator.clone())).await;
        let client = TwilioClient::builder(Credentials::auth_token(ACCOUNT, SecretString::from(TOKEN)).unwrap())
            .base_url(base)
            .build()
            .unwrap();

        let mut template = CreateCall::parse(
            "+14155550100",
            "+15005550006",
            CallInstructions::Twiml("<Response><Say>Quantum timeline alert.</Say></Response>".into()),
        )
        .unwrap();
        template.status_callback = Some(format!("{webhooks}/twilio/status"));
        template.status_callback_event = StatusCallbackEvent::ALL.to_vec();
        let template = Arc::new(template);

        let started = Instant::now();
        let next = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..CONCURRENCY)
            .map(|_| {
                let (client, tracker, template, next) = (client.clone(), tracker.clone(), template.clone(), next.clone());
                tokio::spawn(async move {
                    while next.fetch_add(1, Ordering::Relaxed) < CALLS {
                        let call = client.calls().create(&template).await.unwrap();
                        tracker.register(
                            CallInfo { sid: call.sid, to: "+14155550100".into(), from: "+15005550006".into(), agent: None, campaign: None },
                            CallStatus::Queued,
                        );
                    }
                })
            })
            .collect();
        for w in workers {
            w.await.unwrap();
        }
        let created = started.elapsed();
        let mut ended = 0;
        while ended < CALLS {
            tokio::time::timeout(Duration::from_secs(60), ended_events.recv()).await.expect("calls keep ending").unwrap();
            ended += 1;
        }
        let elapsed = started.elapsed();
        let rate = CALLS as f64 / elapsed.as_secs_f64();
        println!("simulated calls end to end: {CALLS} calls, {CONCURRENCY} concurrent creates, speed {SPEED}x, 2 cores shared by client, simulator and webhook server");
        println!("| figure | measured | target |");
        println!("|---|---|---|");
        println!("| calls created | {:.0}/s ({:.2} s) | |", CALLS as f64 / created.as_secs_f64(), created.as_secs_f64());
        println!("| calls completed end to end (4 signed callbacks each, through the state machine) | {rate:.0}/s ({:.2} s) | >= 2,000/s |", elapsed.as_secs_f64());
        assert_eq!(tracker.live_count(), 0);
    });
}
