use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;

use super::*;
use crate::events::{EventBus, EventKind, Subscription};
use crate::twilio::{
    Call, CallFilter, CallStatus, CreateCall, MediaFormat, Recording, RecordingFilter, TwilioApi,
    TwilioError, UpdateCall,
};

const SID: &str = "CA0123456789abcdef0123456789abcdef";

fn setup() -> (CallTracker, Subscription) {
    let bus = EventBus::new();
    let events = bus.subscribe("test", &[], 256);
    let tracker = CallTracker::new(bus, TrackerSettings::default());
    tracker.register(
        CallInfo {
            sid: SID.into(),
            to: "+14155550100".into(),
            from: "+15005550006".into(),
            agent: Some("captain-nova".into()),
            campaign: Some("reminders".into()),
        },
        CallStatus::Queued,
    );
    (tracker, events)
}

fn callback(status: CallStatus, sequence: u32) -> StatusUpdate {
    StatusUpdate {
        sid: SID.into(),
        status,
        sequence: Some(sequence),
        duration: status.is_terminal().then_some(42),
        price: None,
        answered_by: None,
        to: None,
        from: None,
        source: UpdateSource::Callback,
    }
}

fn drain(events: &mut Subscription) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(e) = events.try_recv() {
        out.push(format!(
            "{}:{}",
            e.kind,
            e.call.as_ref().map(|c| c.status.as_str()).unwrap_or("")
        ));
    }
    out
}

#[test]
fn a_full_call_publishes_each_transition_in_order() {
    let (tracker, mut events) = setup();
    for (status, seq) in [
        (CallStatus::Initiated, 0),
        (CallStatus::Ringing, 1),
        (CallStatus::InProgress, 2),
        (CallStatus::Completed, 3),
    ] {
        assert_eq!(tracker.apply(callback(status, seq)), Applied::Transition);
    }
    assert_eq!(
        drain(&mut events),
        vec![
            "call.queued:queued",
            "call.started:initiated",
            "call.status:initiated",
            "call.ringing:ringing",
            "call.status:ringing",
            "call.answered:in-progress",
            "call.status:in-progress",
            "call.status:completed",
            "call.ended:completed",
        ]
    );
    assert_eq!(
        tracker.live_count(),
        0,
        "finished calls leave the live table"
    );
}

#[test]
fn the_ended_event_carries_duration_campaign_and_agent() {
    let (tracker, mut events) = setup();
    tracker.apply(callback(CallStatus::Completed, 0));
    let ended = std::iter::from_fn(|| events.try_recv())
        .find(|e| e.kind == EventKind::CallEnded)
        .unwrap();
    let call = ended.call.as_ref().unwrap();
    assert_eq!(call.duration, Some(42));
    assert_eq!(call.campaign.as_deref(), Some("reminders"));
    assert_eq!(call.agent.as_deref(), Some("captain-nova"));
    assert_eq!(call.sequence, Some(0));
}

#[test]
fn out_of_order_callbacks_are_applied_in_sequence_order() {
    let (tracker, mut events) = setup();
    drain(&mut events);
    assert_eq!(
        tracker.apply(callback(CallStatus::InProgress, 2)),
        Applied::Buffered
    );
    assert_eq!(
        tracker.apply(callback(CallStatus::Initiated, 0)),
        Applied::Transition
    );
    assert_eq!(
        tracker.apply(callback(CallStatus::Ringing, 1)),
        Applied::Transition
    );
    assert_eq!(
        drain(&mut events),
        vec![
            "call.started:initiated",
            "call.status:initiated",
            "call.ringing:ringing",
            "call.status:ringing",
            "call.answered:in-progress",
            "call.status:in-progress",
        ]
    );
}

#[test]
fn duplicates_and_late_callbacks_change_nothing() {
    let (tracker, mut events) = setup();
    tracker.apply(callback(CallStatus::Initiated, 0));
    assert_eq!(
        tracker.apply(callback(CallStatus::Initiated, 0)),
        Applied::Duplicate
    );
    assert_eq!(
        tracker.apply(callback(CallStatus::Ringing, 2)),
        Applied::Buffered
    );
    assert_eq!(
        tracker.apply(callback(CallStatus::Ringing, 2)),
        Applied::Duplicate
    );
    tracker.apply(callback(CallStatus::Ringing, 1));
    tracker.apply(callback(CallStatus::Busy, 3));
    drain(&mut events);
    assert_eq!(
        tracker.apply(callback(CallStatus::Completed, 4)),
        Applied::Late
    );
    assert_eq!(tracker.apply(callback(CallStatus::Busy, 3)), Applied::Late);
    assert!(drain(&mut events).is_empty());
}

#[test]
fn a_failed_outcome_publishes_call_failed_before_call_ended() {
    let (tracker, mut events) = setup();
    drain(&mut events);
    tracker.apply(callback(CallStatus::NoAnswer, 0));
    assert_eq!(
        drain(&mut events),
        vec![
            "call.status:no-answer",
            "call.failed:no-answer",
            "call.ended:no-answer"
        ]
    );
}

#[test]
fn unknown_calls_are_reported_as_such() {
    let (tracker, _events) = setup();
    let mut update = callback(CallStatus::Ringing, 0);
    update.sid = "CAffffffffffffffffffffffffffffffff".into();
    assert_eq!(tracker.apply(update), Applied::Unknown);
}

#[test]
fn an_amd_result_is_published_once() {
    let (tracker, mut events) = setup();
    drain(&mut events);
    let mut update = callback(CallStatus::InProgress, 0);
    update.answered_by = Some("machine_start".into());
    tracker.apply(update.clone());
    let mut again = StatusUpdate {
        sequence: None,
        source: UpdateSource::Fetched,
        ..update
    };
    again.status = CallStatus::InProgress;
    tracker.apply(again);
    let machine: Vec<_> = drain(&mut events)
        .into_iter()
        .filter(|e| e.starts_with("call.machine"))
        .collect();
    assert_eq!(machine.len(), 1);
}

#[test]
fn fetched_status_never_moves_a_call_backwards() {
    let (tracker, _events) = setup();
    tracker.apply(callback(CallStatus::InProgress, 0));
    let update = StatusUpdate {
        sequence: None,
        source: UpdateSource::Fetched,
        ..callback(CallStatus::Ringing, 0)
    };
    assert_eq!(tracker.apply(update), Applied::Duplicate);
    assert_eq!(tracker.status(SID), Some(CallStatus::InProgress));
}

#[tokio::test(start_paused = true)]
async fn a_lost_callback_stops_holding_the_ones_after_it() {
    let (tracker, mut events) = setup();
    drain(&mut events);
    tracker.apply(callback(CallStatus::Initiated, 0));
    // Sequence 1 (ringing) is lost; in-progress waits for it, then goes ahead.
    assert_eq!(
        tracker.apply(callback(CallStatus::InProgress, 2)),
        Applied::Buffered
    );
    tracker.flush_stale_reorders();
    assert_eq!(tracker.status(SID), Some(CallStatus::Initiated));
    tokio::time::advance(Duration::from_secs(3)).await;
    tracker.flush_stale_reorders();
    assert_eq!(tracker.status(SID), Some(CallStatus::InProgress));
    assert!(drain(&mut events).contains(&"call.answered:in-progress".to_owned()));
}

/// Answers every fetch with the same status, counting fetches.
#[derive(Debug)]
struct FixedStatus(CallStatus, AtomicU32);

impl TwilioApi for FixedStatus {
    fn create_call<'a>(&'a self, _: &'a CreateCall) -> BoxFuture<'a, Result<Call, TwilioError>> {
        Box::pin(async { Err(TwilioError::invalid("test", "not used")) })
    }
    fn fetch_call<'a>(&'a self, sid: &'a str) -> BoxFuture<'a, Result<Call, TwilioError>> {
        self.1.fetch_add(1, Ordering::SeqCst);
        let json = serde_json::json!({"sid": sid, "status": self.0.as_str(), "duration": "61", "price": "-0.0130"});
        Box::pin(async move {
            serde_json::from_value(json).map_err(|e| TwilioError::invalid("test", e.to_string()))
        })
    }
    fn update_call<'a>(
        &'a self,
        _: &'a str,
        _: &'a UpdateCall,
    ) -> BoxFuture<'a, Result<Call, TwilioError>> {
        Box::pin(async { Err(TwilioError::invalid("test", "not used")) })
    }
    fn list_calls<'a>(&'a self, _: &'a CallFilter) -> BoxStream<'a, Result<Call, TwilioError>> {
        Box::pin(futures_util::stream::empty())
    }
    fn list_recordings<'a>(
        &'a self,
        _: &'a RecordingFilter,
    ) -> BoxStream<'a, Result<Recording, TwilioError>> {
        Box::pin(futures_util::stream::empty())
    }
    fn fetch_recording<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Recording, TwilioError>> {
        Box::pin(async { Err(TwilioError::invalid("test", "not used")) })
    }
    fn delete_recording<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), TwilioError>> {
        Box::pin(async { Ok(()) })
    }
    fn download_recording<'a>(
        &'a self,
        _: &'a str,
        _: MediaFormat,
        _: &'a std::path::Path,
    ) -> BoxFuture<'a, Result<u64, TwilioError>> {
        Box::pin(async { Ok(0) })
    }
}

#[tokio::test(start_paused = true)]
async fn polling_follows_calls_when_callbacks_cannot_reach_us() {
    let (tracker, mut events) = setup();
    let tracker = Arc::new(tracker);
    let api = Arc::new(FixedStatus(CallStatus::Completed, AtomicU32::new(0)));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let reconciler = Reconciler::new(
        tracker.clone(),
        api.clone(),
        StatusSource::Poll {
            interval: Duration::from_secs(2),
        },
    );
    let task = tokio::spawn(reconciler.run(stopped));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(tracker.live_count(), 0);
    let ended = std::iter::from_fn(|| events.try_recv())
        .find(|e| e.kind == EventKind::CallEnded)
        .unwrap();
    let call = ended.call.as_ref().unwrap();
    assert_eq!((call.duration, call.price), (Some(61), Some(-0.013)));
    stop.send(true).unwrap();
    task.await.unwrap();
    assert!(api.1.load(Ordering::SeqCst) >= 1);
}

#[tokio::test(start_paused = true)]
async fn a_call_whose_final_callback_is_lost_is_fetched_after_going_quiet() {
    let (tracker, _events) = setup();
    let tracker = Arc::new(tracker);
    tracker.apply(callback(CallStatus::InProgress, 0));
    let api = Arc::new(FixedStatus(CallStatus::Completed, AtomicU32::new(0)));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let source = StatusSource::Callbacks {
        quiet_after: Duration::from_secs(60),
    };
    let task = tokio::spawn(Reconciler::new(tracker.clone(), api.clone(), source).run(stopped));
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(
        api.1.load(Ordering::SeqCst),
        0,
        "not fetched while it is young"
    );
    assert!(tracker.is_live(SID));
    tokio::time::sleep(Duration::from_secs(40)).await;
    assert!(
        !tracker.is_live(SID),
        "fetched once quiet and found completed"
    );
    stop.send(true).unwrap();
    task.await.unwrap();
}

#[test]
fn callbacks_that_beat_the_registration_are_applied_when_it_comes() {
    let bus = EventBus::new();
    let mut events = bus.subscribe("test", &[], 64);
    let tracker = CallTracker::new(bus, TrackerSettings::default());
    assert_eq!(
        tracker.apply(callback(CallStatus::Initiated, 0)),
        Applied::Unknown
    );
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
    assert_eq!(tracker.status(SID), Some(CallStatus::Initiated));
    assert_eq!(
        drain(&mut events),
        vec![
            "call.queued:queued",
            "call.started:initiated",
            "call.status:initiated"
        ]
    );
}
