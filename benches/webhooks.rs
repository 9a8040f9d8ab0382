//! Webhook throughput and latency on loopback: signed status callbacks through signature
//! validation, the call state machine and the event bus, against a bare axum route returning
//! 200 with the same client (the ceiling); then p50/p99 latency at half the measured load, and
//! memory per tracked live call with 100,000 calls.
//!
//! Run: `cargo bench --bench webhooks` (figures on stdout; nothing is asserted).

#![allow(clippy::unwrap_used, clippy::print_stdout)] // a bench binary: fail loudly, print figures

#[path = "common/allocator.rs"]
mod allocator;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use projectx::calls::{CallInfo, CallTracker, StatusUpdate, TrackerSettings, UpdateSource};
use projectx::events::EventBus;
use projectx::server::{MessageFlows, RequestValidator, ServerState, WebhookSettings, router};
use projectx::twilio::CallStatus;
use secrecy::SecretString;

const TOKEN: &str = "bench-auth-token";
const CONCURRENCY: usize = 32;
const CALLS: usize = 40_000;
const LIVE_CALLS_FOR_MEMORY: usize = 100_000;

struct Prepared {
    bodies: Vec<(String, String)>,
}

fn sid(i: usize) -> String {
    format!("CA{i:032x}")
}

/// Four callbacks per call, in order, each with the signature Twilio would send.
fn prepare(url: &str, calls: usize) -> Prepared {
    let validator = RequestValidator::new(SecretString::from(TOKEN));
    let mut bodies = Vec::with_capacity(calls * 4);
    for seq in 0..4u32 {
        let status = ["initiated", "ringing", "in-progress", "completed"][seq as usize];
        for i in 0..calls {
            let sid = sid(i);
            let seq_text = seq.to_string();
            let params = [
                ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
                ("ApiVersion", "2010-04-01"),
                ("CallSid", sid.as_str()),
                ("CallStatus", status),
                ("Direction", "outbound-api"),
                ("From", "+15005550006"),
                ("To", "+14155550100"),
                ("SequenceNumber", seq_text.as_str()),
                ("Timestamp", "Tue, 24 Nov 2026 10:00:00 +0000"),
                ("CallbackSource", "call-progress-events"),
            ];
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params)
                .finish();
            bodies.push((body, validator.compute_signature(url, &params)));
        }
    }
    Prepared { bodies }
}

fn tracker_with(calls: usize, bus: EventBus) -> Arc<CallTracker> {
    let tracker = Arc::new(CallTracker::new(bus, TrackerSettings::default()));
    for i in 0..calls {
        tracker.register(
            CallInfo {
                sid: sid(i),
                to: "+14155550100".into(),
                from: "+15005550006".into(),
                agent: Some("captain-nova".into()),
                campaign: Some("reminders".into()),
            },
            CallStatus::Queued,
        );
    }
    tracker
}

async fn start(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn client() -> reqwest::Client {
    projectx::twilio::install_crypto_provider();
    reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap()
}

/// Sends every request as fast as `CONCURRENCY` workers can; returns requests per second.
async fn saturate(client: &reqwest::Client, url: &str, requests: &Arc<Prepared>) -> f64 {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (client, url, requests, next) = (
                client.clone(),
                url.to_owned(),
                requests.clone(),
                next.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((body, signature)) = requests.bodies.get(i) else {
                        return;
                    };
                    let response = client
                        .post(&url)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .header("x-twilio-signature", signature)
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200);
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    requests.bodies.len() as f64 / started.elapsed().as_secs_f64()
}

/// Open-loop load at `rate` per second; latency counts from when each request was due, so a
/// stall is not hidden (no coordinated omission). Returns (p50, p99, achieved rate).
async fn latency_at(
    client: &reqwest::Client,
    url: &str,
    requests: &Arc<Prepared>,
    rate: f64,
) -> (Duration, Duration, f64) {
    // Connections are bounded as a real sender's pool is; a request waiting for one still
    // counts its wait, since latency is measured from when it was due.
    let connections = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let started = tokio::time::Instant::now();
    let interval = Duration::from_secs_f64(1.0 / rate);
    let mut tasks = Vec::with_capacity(requests.bodies.len());
    for i in 0..requests.bodies.len() {
        let due = started + interval * i as u32;
        tokio::time::sleep_until(due).await;
        let (client, url, requests, connections) = (
            client.clone(),
            url.to_owned(),
            requests.clone(),
            connections.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _connection = connections.acquire().await.unwrap();
            let (body, signature) = &requests.bodies[i];
            let response = client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-twilio-signature", signature)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            due.elapsed()
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    for t in tasks {
        latencies.push(t.await.unwrap());
    }
    let achieved = latencies.len() as f64 / started.elapsed().as_secs_f64();
    latencies.sort();
    let pick = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
    (pick(0.50), pick(0.99), achieved)
}

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn full_router(base: &str, tracker: Arc<CallTracker>) -> Router {
    router(Arc::new(ServerState {
        settings: WebhookSettings {
            public_url: Some(base.to_owned()),
            ..WebhookSettings::default()
        },
        validator: Some(RequestValidator::new(SecretString::from(TOKEN))),
        tracker,
        flows: Arc::new(MessageFlows::default()),
        inbound: HashMap::new(),
        metrics: None,
    }))
}

/// Binds first, so the signed URL can name the port, then serves the full router there.
async fn start_full(tracker: Arc<CallTracker>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = full_router(&base, tracker);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn drain_events(bus: &EventBus) {
    let mut events = bus.subscribe("bench", &[], 65_536);
    tokio::spawn(async move { while events.recv().await.is_some() {} });
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = client();
        // Memory per live call, first: later phases would leave freed memory that new calls reuse
        // without growing the resident set.
        let before = resident_bytes();
        let bus = EventBus::new();
        let tracker = Arc::new(CallTracker::new(bus.clone(), TrackerSettings::default()));
        for i in 0..LIVE_CALLS_FOR_MEMORY {
            let sid = format!("CB{i:032x}");
            tracker.register(
                CallInfo { sid: sid.clone(), to: "+14155550100".into(), from: "+15005550006".into(), agent: Some("captain-nova".into()), campaign: Some("reminders".into()) },
                CallStatus::Queued,
            );
            tracker.apply(StatusUpdate {
                sid,
                status: CallStatus::Ringing,
                sequence: Some(1),
                duration: None,
                price: None,
                answered_by: None,
                to: None,
                from: None,
                source: UpdateSource::Callback,
            });
        }
        let after = resident_bytes();
        let per_call = after.saturating_sub(before) as f64 / LIVE_CALLS_FOR_MEMORY as f64;
        assert_eq!(tracker.live_count(), LIVE_CALLS_FOR_MEMORY);
        drop(tracker);

        println!("machine: {} cores; {CONCURRENCY} concurrent keep-alive connections; client and server share the machine", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0));

        // Ceiling: a bare route, same client, same bodies.
        let bare = start(Router::new().route("/bare", post(|| async { "" }))).await;
        let bare_url = format!("{bare}/bare");
        let warm = Arc::new(prepare(&bare_url, 2_000));
        saturate(&client, &bare_url, &warm).await;
        let bare_requests = Arc::new(prepare(&bare_url, CALLS));
        let bare_rate = saturate(&client, &bare_url, &bare_requests).await;

        // Full path: signature, state machine, bus (with a subscriber draining it).
        let bus = EventBus::new();
        drain_events(&bus);
        let tracker = tracker_with(CALLS, bus.clone());
        let base = start_full(tracker.clone()).await;
        let url = format!("{base}/twilio/status");
        let requests = Arc::new(prepare(&url, CALLS));
        let full_rate = saturate(&client, &url, &requests).await;
        assert_eq!(tracker.live_count(), 0, "every call reached its end");
        println!("bare route: {bare_rate:.0} req/s; signed callbacks: {full_rate:.0} req/s");

        // Latency at half the measured load, on fresh calls.
        let bus = EventBus::new();
        drain_events(&bus);
        let half_calls = ((full_rate / 2.0) * 10.0 / 4.0) as usize; // about ten seconds of load
        let tracker = tracker_with(half_calls, bus.clone());
        let base = start_full(tracker.clone()).await;
        let url = format!("{base}/twilio/status");
        let requests = Arc::new(prepare(&url, half_calls));
        let (p50, p99, achieved) = latency_at(&client, &url, &requests, full_rate / 2.0).await;

        println!();
        println!("| figure | measured | target |");
        println!("|---|---|---|");
        println!("| bare axum route (ceiling) | {bare_rate:.0} req/s | |");
        println!("| signed status callbacks | {full_rate:.0} req/s ({:.0}% of bare) | >= 20,000/s and >= 50% |", 100.0 * full_rate / bare_rate);
        println!("| latency at half load ({achieved:.0} req/s) | p50 {:.2} ms, p99 {:.2} ms | p99 <= 5 ms |", p50.as_secs_f64() * 1e3, p99.as_secs_f64() * 1e3);
        println!("| memory per live call ({LIVE_CALLS_FOR_MEMORY} calls, RSS) | {per_call:.0} bytes | <= 2048 |");
    });
}
