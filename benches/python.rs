//! Python host figures: events per second dispatched to a sync handler (on the script's own
//! thread) and to an `async def` handler (on the asyncio loop thread). Run with
//! `cargo bench --bench python`; the TwiML and import figures are in bindings/python/bench.
#![allow(clippy::unwrap_used)]

#[path = "common/allocator.rs"]
mod allocator;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use projectx::events::{Event, EventBus, EventKind};
use projectx::script::python::PythonHost;
use projectx::script::{HostContext, Scripts};
use projectx::server::MessageFlows;
use projectx::voice::VoiceBook;

fn scripts(bus: &EventBus) -> Arc<Scripts> {
    let ctx = HostContext::new(bus.clone(), VoiceBook::default());
    Arc::new(Scripts::new(
        vec![Arc::new(PythonHost::new(ctx))],
        bus.clone(),
        Arc::new(MessageFlows::default()),
    ))
}

fn progress(seq: u64) -> Event {
    let mut data = serde_json::Map::new();
    data.insert("seq".to_owned(), seq.into());
    Event::other(EventKind::CampaignProgress, data)
}

async fn dispatch_rate(dir: &Path, kind: &str, total: u64) {
    let bus = EventBus::new();
    let scripts = scripts(&bus);
    let done = dir.join(format!("done-{kind}"));
    let script = dir.join(format!("count_{kind}.py"));
    let def = if kind == "async" { "async def" } else { "def" };
    std::fs::write(
        &script,
        format!(
            "n = 0\n@twilio.on('campaign.progress')\n{def} count(ev):\n    global n\n    n += 1\n    if ev.seq == {last}:\n        with open({done:?}, 'w') as f:\n            f.write(str(n))\n",
            last = total - 1,
            done = done.display().to_string()
        ),
    )
    .unwrap();
    scripts.load(&script).await.unwrap();
    tokio::spawn(scripts.clone().dispatch_events());
    let started = Instant::now();
    for seq in 0..total {
        // Keep the queue from overflowing: this measures the handler, not the bus dropping.
        while bus.backlog() > 30_000 {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        bus.publish(progress(seq));
    }
    while !done.exists() {
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    let elapsed = started.elapsed();
    let handled: u64 = std::fs::read_to_string(&done)
        .unwrap()
        .trim()
        .parse()
        .unwrap_or(0);
    println!(
        "dispatch ({kind} def): {handled} events to one Python handler in {:.2} s = {:.0} events/s (dropped {})",
        elapsed.as_secs_f64(),
        handled as f64 / elapsed.as_secs_f64(),
        bus.dropped()
    );
}

fn main() {
    projectx::twilio::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(dispatch_rate(dir.path(), "sync", 100_000));
    runtime.block_on(dispatch_rate(dir.path(), "async", 50_000));
}
