//! The events of the product (same names and fields in Rust, Lua and Python) and the bus that
//! delivers them. Each subscriber has its own bounded queue: a slow one loses events (counted
//! and logged) instead of slowing the webhook server, and every event reaches each subscriber
//! at most once, in the order it was published.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};

use serde::Serialize;
use tokio::sync::mpsc;

macro_rules! event_kinds {
    ($($variant:ident = $name:literal),+ $(,)?) => {
        /// What happened.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventKind { $($variant),+ }

        impl EventKind {
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant),+];

            pub fn name(self) -> &'static str {
                match self { $(EventKind::$variant => $name),+ }
            }
        }

        impl FromStr for EventKind {
            type Err = UnknownEvent;
            fn from_str(s: &str) -> Result<Self, UnknownEvent> {
                match s {
                    $($name => Ok(EventKind::$variant),)+
                    _ => Err(UnknownEvent(s.to_owned())),
                }
            }
        }
    };
}

event_kinds!(
    CallQueued = "call.queued",
    CallStarted = "call.started",
    CallRinging = "call.ringing",
    CallAnswered = "call.answered",
    CallStatus = "call.status",
    CallEnded = "call.ended",
    CallFailed = "call.failed",
    CallMachine = "call.machine",
    RecordingCompleted = "recording.completed",
    CampaignProgress = "campaign.progress",
    CampaignDone = "campaign.done",
    ScheduleFired = "schedule.fired",
    ScriptReloaded = "script.reloaded",
    ScriptError = "script.error",
);

/// An event name that does not exist; the message lists those that do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event {0:?}; events are: {known}", known = known_events())]
pub struct UnknownEvent(pub String);

fn known_events() -> String {
    EventKind::ALL
        .iter()
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl EventKind {
    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// Twilio's refusal, carried by `call.failed` when the API said no.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventError {
    pub code: Option<u32>,
    pub message: String,
}

/// The fields every call event carries, plus those of particular events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallEvent {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub status: String,
    pub agent: Option<String>,
    pub campaign: Option<String>,
    /// Twilio's SequenceNumber of the callback behind the event.
    pub sequence: Option<u32>,
    /// `call.ended`: seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<u64>,
    /// `call.ended`: what Twilio charged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// `call.failed`, when Twilio refused the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<EventError>,
    /// `call.machine`: human, machine_start, fax, unknown, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<String>,
}

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    #[serde(rename = "event")]
    pub kind: EventKind,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub call: Option<CallEvent>,
    /// Fields of non-call events (campaign, schedule, script, recording).
    #[serde(flatten)]
    pub data: serde_json::Map<String, serde_json::Value>,
}

impl Event {
    pub fn call(kind: EventKind, call: CallEvent) -> Self {
        Self {
            kind,
            call: Some(call),
            data: serde_json::Map::new(),
        }
    }

    pub fn other(kind: EventKind, data: serde_json::Map<String, serde_json::Value>) -> Self {
        Self {
            kind,
            call: None,
            data,
        }
    }
}

/// Queue length per subscriber unless asked otherwise.
pub const DEFAULT_QUEUE: usize = 4096;

/// Publishes events to subscribers. Cheap to clone.
#[derive(Clone, Default)]
pub struct EventBus {
    inner: Arc<BusInner>,
}

#[derive(Default)]
struct BusInner {
    subscribers: RwLock<Vec<Subscriber>>,
    next_id: AtomicU64,
    published: AtomicU64,
    dropped: AtomicU64,
}

struct Subscriber {
    id: u64,
    name: String,
    mask: u32,
    tx: mpsc::Sender<Arc<Event>>,
    dropped: Arc<AtomicU64>,
}

impl fmt::Debug for EventBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventBus")
            .field("subscribers", &self.subscriber_count())
            .field("published", &self.published())
            .field("dropped", &self.dropped())
            .finish()
    }
}

impl EventBus {
    pub fn new() -> Self {
        Self::default()
    }

    /// Subscribes to `kinds` (all events when empty) with a queue of `capacity` events.
    pub fn subscribe(
        &self,
        name: impl Into<String>,
        kinds: &[EventKind],
        capacity: usize,
    ) -> Subscription {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let mask = if kinds.is_empty() {
            u32::MAX
        } else {
            kinds.iter().fold(0, |m, k| m | k.bit())
        };
        let dropped = Arc::new(AtomicU64::new(0));
        let subscriber = Subscriber {
            id,
            name: name.into(),
            mask,
            tx,
            dropped: dropped.clone(),
        };
        self.write_subscribers().push(subscriber);
        Subscription {
            id,
            rx,
            bus: Arc::downgrade(&self.inner),
            dropped,
        }
    }

    /// Delivers `event` to every interested subscriber without waiting for any of them.
    pub fn publish(&self, event: Event) {
        let event = Arc::new(event);
        self.inner.published.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("projectx_events_published_total", "event" => event.kind.name())
            .increment(1);
        let subscribers = match self.inner.subscribers.read() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        for subscriber in subscribers
            .iter()
            .filter(|s| s.mask & event.kind.bit() != 0)
        {
            match subscriber.tx.try_send(event.clone()) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    let lost = subscriber.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                    self.inner.dropped.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("projectx_events_dropped_total", "subscriber" => subscriber.name.clone()).increment(1);
                    // Every loss is counted; the log line comes at 1, 2, 4, 8, … so a stuck
                    // subscriber cannot flood the log.
                    if lost.is_power_of_two() {
                        tracing::warn!(subscriber = %subscriber.name, event = %event.kind, lost, "event queue full: events dropped for this subscriber");
                    }
                }
                // The subscription is being dropped; it removes itself.
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }

    pub fn published(&self) -> u64 {
        self.inner.published.load(Ordering::Relaxed)
    }

    /// Events lost to full queues, over all subscribers.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// Events waiting in the fullest subscriber's queue: how far the slowest consumer is behind.
    pub fn backlog(&self) -> usize {
        let subscribers = match self.inner.subscribers.read() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        subscribers
            .iter()
            .map(|s| s.tx.max_capacity() - s.tx.capacity())
            .max()
            .unwrap_or(0)
    }

    pub fn subscriber_count(&self) -> usize {
        match self.inner.subscribers.read() {
            Ok(s) => s.len(),
            Err(poisoned) => poisoned.into_inner().len(),
        }
    }

    fn write_subscribers(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Subscriber>> {
        match self.inner.subscribers.write() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// A subscriber's end; dropping it unsubscribes.
#[derive(Debug)]
pub struct Subscription {
    id: u64,
    rx: mpsc::Receiver<Arc<Event>>,
    bus: Weak<BusInner>,
    dropped: Arc<AtomicU64>,
}

impl Subscription {
    pub async fn recv(&mut self) -> Option<Arc<Event>> {
        self.rx.recv().await
    }

    pub fn try_recv(&mut self) -> Option<Arc<Event>> {
        self.rx.try_recv().ok()
    }

    /// Events this subscriber lost because its queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(bus) = self.bus.upgrade() {
            let mut subscribers = match bus.subscribers.write() {
                Ok(s) => s,
                Err(poisoned) => poisoned.into_inner(),
            };
            subscribers.retain(|s| s.id != self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call_event(kind: EventKind, sid: &str, sequence: u32) -> Event {
        Event::call(
            kind,
            CallEvent {
                sid: sid.to_owned(),
                to: "+14155550100".to_owned(),
                from: "+15005550006".to_owned(),
                status: "ringing".to_owned(),
                agent: Some("captain-nova".to_owned()),
                campaign: None,
                sequence: Some(sequence),
                duration: None,
                price: None,
                error: None,
                answered_by: None,
            },
        )
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_known() {
        for kind in EventKind::ALL {
            assert_eq!(kind.name().parse::<EventKind>().unwrap(), *kind);
        }
        let err = "call.exploded"
            .parse::<EventKind>()
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "unknown event \"call.exploded\"; events are: call.queued, call.started"
            ),
            "{err}"
        );
    }

    #[test]
    fn events_serialize_with_their_name_and_fields() {
        let json = serde_json::to_value(call_event(EventKind::CallRinging, "CA1", 1)).unwrap();
        assert_eq!(json["event"], "call.ringing");
        assert_eq!(json["sid"], "CA1");
        assert_eq!(json["sequence"], 1);
        assert_eq!(json["campaign"], serde_json::Value::Null);
        assert!(json.get("duration").is_none());
    }

    #[tokio::test]
    async fn each_subscriber_gets_each_matching_event_once_in_order() {
        let bus = EventBus::new();
        let mut all = bus.subscribe("all", &[], 16);
        let mut ended = bus.subscribe("ended", &[EventKind::CallEnded], 16);
        for (i, kind) in [
            EventKind::CallRinging,
            EventKind::CallAnswered,
            EventKind::CallEnded,
        ]
        .into_iter()
        .enumerate()
        {
            bus.publish(call_event(kind, "CA1", i as u32));
        }
        let got: Vec<EventKind> = (0..3).map(|_| all.try_recv().unwrap().kind).collect();
        assert_eq!(
            got,
            vec![
                EventKind::CallRinging,
                EventKind::CallAnswered,
                EventKind::CallEnded
            ]
        );
        assert!(all.try_recv().is_none());
        assert_eq!(ended.recv().await.unwrap().kind, EventKind::CallEnded);
        assert!(ended.try_recv().is_none());
    }

    #[test]
    fn a_slow_subscriber_loses_events_counted_without_blocking_others() {
        let bus = EventBus::new();
        let slow = bus.subscribe("slow", &[], 2);
        let mut fast = bus.subscribe("fast", &[], 100);
        for i in 0..10 {
            bus.publish(call_event(EventKind::CallStatus, "CA1", i));
        }
        assert_eq!(slow.dropped(), 8);
        assert_eq!(bus.dropped(), 8);
        assert_eq!(bus.published(), 10);
        let mut seen = 0;
        while fast.try_recv().is_some() {
            seen += 1;
        }
        assert_eq!(seen, 10);
    }

    #[test]
    fn dropping_a_subscription_unsubscribes() {
        let bus = EventBus::new();
        let sub = bus.subscribe("temp", &[], 4);
        assert_eq!(bus.subscriber_count(), 1);
        drop(sub);
        assert_eq!(bus.subscriber_count(), 0);
        bus.publish(call_event(EventKind::CallStatus, "CA1", 0));
        assert_eq!(bus.dropped(), 0);
    }
}
