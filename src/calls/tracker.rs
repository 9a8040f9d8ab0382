//! The live-call table and the state machine: queued → initiated → ringing → in-progress →
//! completed | busy | no-answer | failed | canceled. Callbacks apply in SequenceNumber order
//! (early ones wait briefly for the gap to fill), duplicates and late arrivals are ignored, and
//! each transition is published on the bus in per-call order. Finished calls leave the table.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::update::{StatusUpdate, UpdateSource, rank};
use crate::events::{CallEvent, Event, EventBus, EventError, EventKind};
use crate::twilio::CallStatus;

const SHARDS: usize = 16;
/// Early callbacks held per call while waiting for a missing SequenceNumber.
const MAX_PENDING: usize = 8;
/// Calls whose callbacks may wait for registration, per shard.
const MAX_EARLY_CALLS: usize = 1024;

/// What the tracker did with an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// It changed the call's status (events were published).
    Transition,
    /// Recorded (an AMD result, a duration) without a status change.
    Recorded,
    /// Held until the callbacks before it arrive.
    Buffered,
    /// Seen before, or older than what was applied.
    Duplicate,
    /// For a call that has already ended.
    Late,
    /// For a call this runtime does not know.
    Unknown,
}

/// Who a call is for, known when it is placed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallInfo {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub agent: Option<String>,
    pub campaign: Option<String>,
}

/// Tuning for the tracker.
#[derive(Debug, Clone, Copy)]
pub struct TrackerSettings {
    /// How long an early callback waits for the ones before it.
    pub reorder_window: Duration,
    /// How many finished calls are remembered, to tell late callbacks from unknown ones.
    pub remember_finished: usize,
}

impl Default for TrackerSettings {
    fn default() -> Self {
        Self {
            reorder_window: Duration::from_secs(2),
            remember_finished: 100_000,
        }
    }
}

struct LiveCall {
    to: Box<str>,
    from: Box<str>,
    agent: Option<Box<str>>,
    campaign: Option<Box<str>>,
    status: CallStatus,
    next_sequence: u32,
    pending: Vec<StatusUpdate>,
    pending_since: Option<Instant>,
    answered_by: Option<Box<str>>,
    duration: Option<u64>,
    last_update: Instant,
}

#[derive(Default)]
struct Shard {
    live: HashMap<Box<str>, LiveCall>,
    /// Callbacks that arrived before their call was registered (the create answer and the
    /// first callback race), held briefly and applied on registration.
    early: HashMap<Box<str>, (Instant, Vec<StatusUpdate>)>,
    finished: HashSet<Box<str>>,
    finished_order: VecDeque<Box<str>>,
}

/// Every live call, sharded so callbacks for different calls rarely contend.
pub struct CallTracker {
    shards: Vec<Mutex<Shard>>,
    hasher: RandomState,
    bus: EventBus,
    settings: TrackerSettings,
}

impl std::fmt::Debug for CallTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallTracker")
            .field("live", &self.live_count())
            .finish()
    }
}

impl CallTracker {
    pub fn new(bus: EventBus, settings: TrackerSettings) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            hasher: RandomState::new(),
            bus,
            settings,
        }
    }

    pub fn bus(&self) -> &EventBus {
        &self.bus
    }

    fn shard(&self, sid: &str) -> std::sync::MutexGuard<'_, Shard> {
        let index = (self.hasher.hash_one(sid) as usize) % SHARDS;
        match self.shards[index].lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Starts tracking a call that Twilio accepted; publishes `call.queued`.
    pub fn register(&self, info: CallInfo, status: CallStatus) {
        let mut shard = self.shard(&info.sid);
        let call = LiveCall {
            to: info.to.into(),
            from: info.from.into(),
            agent: info.agent.map(Into::into),
            campaign: info.campaign.map(Into::into),
            status,
            next_sequence: 0,
            pending: Vec::new(),
            pending_since: None,
            answered_by: None,
            duration: None,
            last_update: Instant::now(),
        };
        let event = Event::call(EventKind::CallQueued, call_event(&info.sid, &call, None));
        let early = shard.early.remove(info.sid.as_str());
        shard.live.insert(info.sid.clone().into(), call);
        self.bus.publish(event);
        metrics::gauge!("projectx_live_calls").increment(1.0);
        drop(shard);
        for update in early.map(|(_, updates)| updates).unwrap_or_default() {
            self.apply(update);
        }
    }

    /// A call Twilio refused (no SID): publishes `call.failed` with the error.
    pub fn report_refused(&self, info: &CallInfo, code: Option<u32>, message: &str) {
        self.bus.publish(Event::call(
            EventKind::CallFailed,
            CallEvent {
                sid: info.sid.clone(),
                to: info.to.clone(),
                from: info.from.clone(),
                status: CallStatus::Failed.as_str().to_owned(),
                agent: info.agent.clone(),
                campaign: info.campaign.clone(),
                sequence: None,
                duration: None,
                price: None,
                error: Some(EventError {
                    code,
                    message: message.to_owned(),
                }),
                answered_by: None,
            },
        ));
    }

    /// Applies a status update and publishes what it changed.
    pub fn apply(&self, update: StatusUpdate) -> Applied {
        let mut shard = self.shard(&update.sid);
        let Some(call) = shard.live.get_mut(update.sid.as_str()) else {
            if shard.finished.contains(update.sid.as_str()) {
                return Applied::Late;
            }
            if shard.early.len() < MAX_EARLY_CALLS || shard.early.contains_key(update.sid.as_str())
            {
                let entry = shard
                    .early
                    .entry(update.sid.as_str().into())
                    .or_insert_with(|| (Instant::now(), Vec::new()));
                if entry.1.len() < MAX_PENDING {
                    entry.1.push(update);
                }
            }
            return Applied::Unknown;
        };
        call.last_update = Instant::now();
        let outcome = match (update.source, update.sequence) {
            (UpdateSource::Callback, Some(sequence)) if sequence < call.next_sequence => {
                Applied::Duplicate
            }
            (UpdateSource::Callback, Some(sequence)) if sequence > call.next_sequence => {
                if call.pending.iter().any(|p| p.sequence == Some(sequence)) {
                    Applied::Duplicate
                } else {
                    call.pending.push(update.clone());
                    call.pending_since.get_or_insert_with(Instant::now);
                    if call.pending.len() >= MAX_PENDING {
                        self.drain(call, true);
                    }
                    Applied::Buffered
                }
            }
            (UpdateSource::Callback, Some(sequence)) => {
                call.next_sequence = sequence + 1;
                let outcome = self.transition(&update, call);
                self.drain(call, false);
                outcome
            }
            _ => self.transition(&update, call),
        };
        if call.status.is_terminal() {
            self.finish(&mut shard, &update.sid);
        }
        outcome
    }

    /// Applies held callbacks in sequence order: those now in line, or all when `force` (the
    /// gap before them is given up on).
    fn drain(&self, call: &mut LiveCall, force: bool) {
        call.pending.sort_by_key(|p| p.sequence);
        while let Some(first) = call.pending.first() {
            let sequence = first.sequence.unwrap_or(0);
            if sequence < call.next_sequence {
                call.pending.remove(0); // overtaken by what was applied meanwhile
                continue;
            }
            if !force && sequence != call.next_sequence {
                break;
            }
            let next = call.pending.remove(0);
            call.next_sequence = sequence + 1;
            self.transition(&next, call);
        }
        if call.pending.is_empty() {
            call.pending_since = None;
        }
    }

    fn transition(&self, update: &StatusUpdate, call: &mut LiveCall) -> Applied {
        let mut recorded = false;
        if update.duration.is_some() {
            call.duration = update.duration;
            recorded = true;
        }
        if let Some(answered_by) = &update.answered_by
            && call.answered_by.as_deref() != Some(answered_by.as_str())
        {
            call.answered_by = Some(answered_by.as_str().into());
            let mut event = call_event(&update.sid, call, update.sequence);
            event.answered_by = Some(answered_by.clone());
            self.bus.publish(Event::call(EventKind::CallMachine, event));
            recorded = true;
        }
        if call.status.is_terminal()
            || rank(update.status) < rank(call.status)
            || update.status == call.status
        {
            return if recorded {
                Applied::Recorded
            } else {
                Applied::Duplicate
            };
        }
        call.status = update.status;
        let mut event = call_event(&update.sid, call, update.sequence);
        let specific = match update.status {
            CallStatus::Initiated => Some(EventKind::CallStarted),
            CallStatus::Ringing => Some(EventKind::CallRinging),
            CallStatus::InProgress => Some(EventKind::CallAnswered),
            _ => None,
        };
        if let Some(kind) = specific {
            self.bus.publish(Event::call(kind, event.clone()));
        }
        self.bus
            .publish(Event::call(EventKind::CallStatus, event.clone()));
        if update.status.is_terminal() {
            event.duration = call.duration.or(Some(0));
            event.price = update.price;
            if update.status != CallStatus::Completed {
                self.bus
                    .publish(Event::call(EventKind::CallFailed, event.clone()));
            }
            self.bus.publish(Event::call(EventKind::CallEnded, event));
        }
        metrics::counter!("projectx_call_transitions_total", "status" => update.status.as_str())
            .increment(1);
        Applied::Transition
    }

    fn finish(&self, shard: &mut Shard, sid: &str) {
        if let Some((key, _)) = shard.live.remove_entry(sid) {
            metrics::gauge!("projectx_live_calls").decrement(1.0);
            shard.finished.insert(key.clone());
            shard.finished_order.push_back(key);
            let limit = (self.settings.remember_finished / SHARDS).max(1);
            while shard.finished_order.len() > limit {
                if let Some(old) = shard.finished_order.pop_front() {
                    shard.finished.remove(&old);
                }
            }
        }
    }

    /// Applies callbacks that waited longer than the reorder window for a gap that never
    /// filled (a lost callback). Call periodically.
    pub fn flush_stale_reorders(&self) {
        let window = self.settings.reorder_window;
        for shard in &self.shards {
            let mut shard = match shard.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            // Callbacks for calls never registered: not ours after all.
            shard.early.retain(|sid, (since, _)| {
                let keep = since.elapsed() < window * 5;
                if !keep {
                    tracing::warn!(call_sid = %sid, "callbacks for a call this runtime never placed; dropped");
                }
                keep
            });
            let due: Vec<Box<str>> = shard
                .live
                .iter()
                .filter(|(_, c)| c.pending_since.is_some_and(|t| t.elapsed() >= window))
                .map(|(sid, _)| sid.clone())
                .collect();
            for sid in due {
                let terminal = match shard.live.get_mut(&sid) {
                    Some(call) => {
                        self.drain(call, true);
                        call.status.is_terminal()
                    }
                    None => false,
                };
                if terminal {
                    self.finish(&mut shard, &sid);
                }
            }
        }
    }

    /// Live calls not updated for `idle` (their final callback may be lost), up to `limit`.
    pub fn idle_calls(&self, idle: Duration, limit: usize) -> Vec<String> {
        let mut out = Vec::new();
        for shard in &self.shards {
            let shard = match shard.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            for (sid, call) in &shard.live {
                if out.len() >= limit {
                    return out;
                }
                if call.last_update.elapsed() >= idle {
                    out.push(sid.to_string());
                }
            }
        }
        out
    }

    /// SIDs of every live call.
    pub fn live_sids(&self) -> Vec<String> {
        self.idle_calls(Duration::ZERO, usize::MAX)
    }

    pub fn live_count(&self) -> usize {
        self.shards
            .iter()
            .map(|s| match s.lock() {
                Ok(g) => g.live.len(),
                Err(p) => p.into_inner().live.len(),
            })
            .sum()
    }

    /// The status of a live call.
    pub fn status(&self, sid: &str) -> Option<CallStatus> {
        self.shard(sid).live.get(sid).map(|c| c.status)
    }

    /// True for a call this runtime placed or answered and is still following.
    pub fn is_live(&self, sid: &str) -> bool {
        self.shard(sid).live.contains_key(sid)
    }
}

fn call_event(sid: &str, call: &LiveCall, sequence: Option<u32>) -> CallEvent {
    CallEvent {
        sid: sid.to_owned(),
        to: call.to.to_string(),
        from: call.from.to_string(),
        status: call.status.as_str().to_owned(),
        agent: call.agent.as_deref().map(str::to_owned),
        campaign: call.campaign.as_deref().map(str::to_owned),
        sequence,
        duration: None,
        price: None,
        error: None,
        answered_by: call.answered_by.as_deref().map(str::to_owned),
    }
}
