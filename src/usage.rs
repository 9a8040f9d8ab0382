//! Usage tracking: every call that ends is kept in the store (campaign, agent, duration, price)
//! and counted in the metrics, so calls, minutes and cost can be shown per campaign, agent and
//! day (`projectx usage`, `projectx campaign report`) and watched in Prometheus.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::{mpsc, oneshot};

use crate::events::{CallEvent, Event, EventBus, EventKind, Subscription};
use crate::store::{CallRecord, Store};
use crate::twilio::TwilioApi;

/// Call endings queued for the recorder before the oldest are dropped (counted by the bus).
const QUEUE: usize = 1 << 16;
/// The most endings recorded side by side.
const BATCH: usize = 256;

/// Records each call's usage as it ends. Dropping it stops recording.
#[derive(Debug, Clone)]
pub struct UsageRecorder {
    flushes: mpsc::UnboundedSender<oneshot::Sender<()>>,
}

impl UsageRecorder {
    /// Follows `call.ended` on `bus` into `store`. With `api`, the price of a call that is not a
    /// campaign's is fetched when its callback carried none (a campaign fetches its own).
    pub fn start(bus: &EventBus, store: Arc<dyn Store>, api: Option<Arc<dyn TwilioApi>>) -> Self {
        let events = bus.subscribe("usage", &[EventKind::CallEnded], QUEUE);
        let (flushes, requests) = mpsc::unbounded_channel();
        tokio::spawn(follow(events, requests, store, api));
        Self { flushes }
    }

    /// Returns once every call that ended before this call is recorded.
    pub async fn flush(&self) {
        let (done, finished) = oneshot::channel();
        if self.flushes.send(done).is_ok() {
            let _ = finished.await;
        }
    }
}

async fn follow(
    mut events: Subscription,
    mut flushes: mpsc::UnboundedReceiver<oneshot::Sender<()>>,
    store: Arc<dyn Store>,
    api: Option<Arc<dyn TwilioApi>>,
) {
    loop {
        tokio::select! {
            biased;
            Some(done) = flushes.recv() => {
                // Endings published before the flush are already queued: record them first.
                let mut queued = Vec::new();
                while let Some(event) = events.try_recv() {
                    queued.push(event);
                }
                for batch in queued.chunks(BATCH) {
                    record_all(batch, store.as_ref(), api.as_deref()).await;
                }
                let _ = done.send(());
            }
            event = events.recv() => match event {
                Some(event) => {
                    // Everything queued behind it goes too, recorded side by side: their price
                    // fetches overlap and their rows share the store's commits, so the recorder
                    // keeps up with calls ending faster than one commit at a time.
                    let mut batch = vec![event];
                    while batch.len() < BATCH
                        && let Some(event) = events.try_recv()
                    {
                        batch.push(event);
                    }
                    record_all(&batch, store.as_ref(), api.as_deref()).await;
                }
                None => return,
            },
        }
    }
}

/// Records the calls of `events` side by side.
async fn record_all(events: &[Arc<Event>], store: &dyn Store, api: Option<&dyn TwilioApi>) {
    let records = events
        .iter()
        .filter_map(|event| event.call.as_ref())
        .map(|call| record(call, store, api));
    futures_util::future::join_all(records).await;
}

async fn record(call: &CallEvent, store: &dyn Store, api: Option<&dyn TwilioApi>) {
    if call.sid.is_empty() {
        return; // refused by Twilio: no call, no charge
    }
    let duration = call.duration.unwrap_or(0);
    let price = match api {
        Some(api) if call.campaign.is_none() => price_of(call, api).await,
        _ => call.price,
    };
    count_call(call, duration);
    if call.campaign.is_none() {
        count_cost(None, call.agent.as_deref(), price);
    }
    let record = CallRecord {
        sid: call.sid.clone(),
        campaign: call.campaign.clone(),
        agent: call.agent.clone(),
        to: call.to.clone(),
        from: call.from.clone(),
        status: call.status.clone(),
        duration,
        price,
        ended_at: Utc::now(),
    };
    if let Err(e) = store.record_call(&record).await {
        metrics::counter!("projectx_usage_errors_total").increment(1);
        tracing::error!(call_sid = %call.sid, campaign = call.campaign.as_deref().unwrap_or(""), error = %e, "cannot record the call's usage");
    }
}

/// What Twilio charged for an ended call. Status callbacks carry no price; the call resource
/// has it once Twilio has rated the call, so a call with talk time is fetched.
pub async fn price_of(call: &CallEvent, api: &dyn TwilioApi) -> Option<f64> {
    match (call.price, call.duration) {
        (None, Some(seconds)) if seconds > 0 => {
            api.fetch_call(&call.sid).await.ok().and_then(|c| c.price)
        }
        (price, _) => price,
    }
}

fn label(value: Option<&str>) -> String {
    value.unwrap_or("").to_owned()
}

fn count_call(call: &CallEvent, seconds: u64) {
    let campaign = label(call.campaign.as_deref());
    let agent = label(call.agent.as_deref());
    metrics::counter!("projectx_calls_ended_total", "campaign" => campaign.clone(), "agent" => agent.clone(), "status" => call.status.clone())
        .increment(1);
    metrics::counter!("projectx_call_seconds_total", "campaign" => campaign.clone(), "agent" => agent.clone())
        .increment(seconds);
    metrics::counter!("projectx_call_billed_minutes_total", "campaign" => campaign, "agent" => agent)
        .increment(seconds.div_ceil(60));
}

/// Adds a call's price (negative: a charge) to the spend metric of its campaign and agent.
pub fn count_cost(campaign: Option<&str>, agent: Option<&str>, price: Option<f64>) {
    if let Some(charge) = price.filter(|p| *p < 0.0).map(|p| -p) {
        metrics::gauge!("projectx_spend_usd", "campaign" => label(campaign), "agent" => label(agent))
            .increment(charge);
    }
}
