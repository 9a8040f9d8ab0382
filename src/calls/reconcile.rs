//! Keeps call status true when callbacks cannot be relied on: with no public URL every live call
//! is polled; with one, a call that has gone quiet (its final callback lost) is fetched. Also
//! releases callbacks that waited too long for a lost predecessor.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::watch;

use super::tracker::CallTracker;
use super::update::StatusUpdate;
use crate::twilio::TwilioApi;

/// How status reaches the tracker besides callbacks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StatusSource {
    /// Twilio cannot reach us: fetch every live call at this interval.
    Poll { interval: Duration },
    /// Callbacks arrive: fetch only calls quiet for this long.
    Callbacks { quiet_after: Duration },
}

/// Fetches at most this many calls at once, to stay far from Twilio's concurrency limit.
const CONCURRENT_FETCHES: usize = 8;

#[derive(Debug)]
pub struct Reconciler {
    tracker: Arc<CallTracker>,
    api: Arc<dyn TwilioApi>,
    source: StatusSource,
    tick: Duration,
}

impl Reconciler {
    pub fn new(tracker: Arc<CallTracker>, api: Arc<dyn TwilioApi>, source: StatusSource) -> Self {
        let tick = match source {
            StatusSource::Poll { interval } => interval,
            StatusSource::Callbacks { .. } => Duration::from_millis(250),
        };
        Self {
            tracker,
            api,
            source,
            tick,
        }
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut ticker = tokio::time::interval(self.tick);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut since_fetch = Duration::ZERO;
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return;
            }
            self.tracker.flush_stale_reorders();
            since_fetch += self.tick;
            let due = match self.source {
                StatusSource::Poll { .. } => self.tracker.live_sids(),
                // Quiet calls are looked for every few seconds, not every tick.
                StatusSource::Callbacks { quiet_after }
                    if since_fetch >= Duration::from_secs(5) =>
                {
                    since_fetch = Duration::ZERO;
                    self.tracker.idle_calls(quiet_after, 1000)
                }
                StatusSource::Callbacks { .. } => Vec::new(),
            };
            self.fetch_all(due).await;
        }
    }

    /// Fetches each call and applies its status.
    pub async fn fetch_all(&self, sids: Vec<String>) {
        futures_util::stream::iter(sids)
            .for_each_concurrent(CONCURRENT_FETCHES, |sid| async move {
                match self.api.fetch_call(&sid).await {
                    Ok(call) => {
                        if let Some(update) = StatusUpdate::from_resource(&call) {
                            self.tracker.apply(update);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(call_sid = %sid, error = %e, "could not fetch call status")
                    }
                }
            })
            .await;
    }
}
