//! A call's life in the simulator: the CPS queue, initiated, ringing, then what the scripted
//! callee does (busy, no answer, failure, or an answer that runs the TwiML), and a signed status
//! callback for each subscribed event, as Twilio sends them.

use std::time::Duration;

use serde_json::{Value, json};

use super::exec;
use super::state::{CallParams, HeldCallback, Interrupt, PRICE_PER_MINUTE, SimCall, SimRecording};
use super::{Simulator, lock};
use crate::config::ScenarioOutcome;
use crate::twilio::CallStatus;

/// Ring time before a callee that will answer picks up.
const ANSWER_AFTER: Duration = Duration::from_secs(3);
const BUSY_AFTER: Duration = Duration::from_secs(2);
const RINGING_AFTER: Duration = Duration::from_secs(1);

pub(crate) fn new_sid(prefix: &str) -> String {
    format!(
        "{prefix}{:016x}{:016x}",
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

impl Simulator {
    /// Accepts a call into the CPS queue and starts its lifecycle; returns its resource JSON.
    pub(crate) fn create(&self, params: CallParams, direction: &'static str) -> Value {
        let sid = new_sid("CA");
        let now = self.now();
        let slot = self.reserve_slot();
        let mut call = SimCall {
            sid: sid.clone(),
            params,
            direction,
            status: CallStatus::Queued,
            created: now,
            started: None,
            ended: None,
            duration: None,
            answered_by: None,
            queue_time_ms: u64::try_from(slot.saturating_sub(now).as_millis()).unwrap_or(u64::MAX),
            price: None,
            sequence: 0,
            transcript: Vec::new(),
            interrupt: None,
            held_callback: None,
            wake: Default::default(),
        };
        call.note(
            now,
            "status",
            json!({ "status": "queued", "queue_time_ms": call.queue_time_ms }),
        );
        let json = call.to_json(&self.settings().account_sid, &self.inner.calendar);
        lock(&self.inner.calls).insert(sid.clone(), call);
        lock(&self.inner.order).insert(0, sid.clone());
        tokio::spawn(run(self.clone(), sid, slot));
        json
    }

    fn set_status(&self, sid: &str, status: CallStatus) {
        let now = self.now();
        self.with_call(sid, |call| {
            call.status = status;
            call.note(now, "status", json!({ "status": status.as_str() }));
        });
    }

    /// Takes a pending interrupt, if any.
    pub(crate) fn take_interrupt(&self, sid: &str) -> Option<Interrupt> {
        self.with_call(sid, |c| c.interrupt.take()).flatten()
    }

    /// Waits `time` of call time unless interrupted; returns the interrupt.
    pub(crate) async fn wait(&self, sid: &str, time: Duration) -> Option<Interrupt> {
        if let Some(interrupt) = self.take_interrupt(sid) {
            return Some(interrupt);
        }
        let wake = self.with_call(sid, |c| c.wake.clone())?;
        tokio::select! {
            _ = self.clock().sleep(time) => self.take_interrupt(sid),
            _ = wake.notified() => self.take_interrupt(sid),
        }
    }

    /// Ends the call with `status`, computing duration and price; sends the final callback.
    pub(crate) async fn finish(&self, sid: &str, status: CallStatus) {
        let now = self.now();
        let recording = self.with_call(sid, |call| {
            call.status = status;
            call.ended = Some(now);
            let seconds = call
                .started
                .map_or(0, |s| now.saturating_sub(s).as_secs_f64().ceil() as u64);
            call.duration = Some(seconds);
            let minutes = seconds.div_ceil(60);
            // A call that never connected costs nothing: Twilio shows no price for it.
            call.price = (minutes > 0).then(|| -(minutes as f64) * PRICE_PER_MINUTE);
            call.note(
                now,
                "status",
                json!({ "status": status.as_str(), "duration": seconds }),
            );
            (call.params.record && seconds > 0).then(|| (call.sid.clone(), seconds))
        });
        if let Some(Some((call_sid, seconds))) = recording {
            self.add_recording(&call_sid, seconds);
        }
        self.callback(sid, "completed").await;
    }

    pub(crate) fn add_recording(&self, call_sid: &str, seconds: u64) -> String {
        let sid = new_sid("RE");
        lock(&self.inner.recordings).push(SimRecording {
            sid: sid.clone(),
            call_sid: call_sid.to_owned(),
            created: self.now(),
            duration: seconds,
            deleted: false,
        });
        sid
    }

    /// Sends the status callback for `event` if the call subscribed to it, with the configured
    /// faults: held back and sent after the next one, sent twice, or (the final one) lost.
    pub(crate) async fn callback(&self, sid: &str, event: &str) {
        let Some(Some((callback, terminal))) = self.with_call(sid, |call| {
            let url = call.params.status_callback.clone()?;
            if !call
                .params
                .status_callback_events
                .iter()
                .any(|e| e == event)
            {
                return None;
            }
            let mut params = self.call_params(call);
            params.push(("SequenceNumber".into(), call.sequence.to_string()));
            params.push(("Timestamp".into(), self.inner.calendar.format(self.now())));
            params.push(("CallbackSource".into(), "call-progress-events".into()));
            if call.status.is_terminal() {
                let duration = call.duration.unwrap_or(0).to_string();
                params.push(("CallDuration".into(), duration.clone()));
                params.push(("Duration".into(), duration));
            }
            call.sequence += 1;
            let callback = HeldCallback {
                event: event.to_owned(),
                url,
                method: call.params.status_callback_method.clone(),
                params,
            };
            Some((callback, call.status.is_terminal()))
        }) else {
            return;
        };
        let faults = self.settings().faults;
        if terminal && super::chance(faults.lose_final_callback) {
            self.note_now(
                sid,
                "callback",
                json!({ "event": event, "url": callback.url, "lost": true }),
            );
        } else if !terminal && super::chance(faults.reorder_callbacks) {
            self.note_now(
                sid,
                "callback",
                json!({ "event": event, "url": callback.url, "held": true }),
            );
            let earlier = self
                .with_call(sid, |c| c.held_callback.replace(callback))
                .flatten();
            if let Some(earlier) = earlier {
                self.deliver(sid, &earlier).await;
            }
            return;
        } else {
            self.deliver(sid, &callback).await;
            if super::chance(faults.duplicate_callbacks) {
                self.deliver(sid, &callback).await;
            }
        }
        if let Some(held) = self.with_call(sid, |c| c.held_callback.take()).flatten() {
            self.deliver(sid, &held).await;
        }
    }

    async fn deliver(&self, sid: &str, callback: &HeldCallback) {
        let outcome = self
            .post_signed(&callback.url, &callback.method, &callback.params)
            .await;
        let sequence = callback
            .params
            .iter()
            .find(|(k, _)| k == "SequenceNumber")
            .map(|(_, v)| v.clone());
        let detail = match &outcome {
            Ok((status, _)) => {
                json!({ "event": callback.event, "url": callback.url, "sequence": sequence, "http_status": status })
            }
            Err(e) => {
                json!({ "event": callback.event, "url": callback.url, "sequence": sequence, "error": e })
            }
        };
        self.note_now(sid, "callback", detail);
    }

    fn note_now(&self, sid: &str, kind: &str, detail: Value) {
        let now = self.now();
        self.with_call(sid, |call| call.note(now, kind, detail));
    }

    /// The parameters Twilio sends with every request about a call.
    pub(crate) fn call_params(&self, call: &SimCall) -> Vec<(String, String)> {
        let mut params = vec![
            ("AccountSid".into(), self.settings().account_sid.clone()),
            ("ApiVersion".into(), "2010-04-01".into()),
            ("CallSid".into(), call.sid.clone()),
            ("CallStatus".into(), call.status.as_str().into()),
            ("Direction".into(), call.direction.into()),
            ("From".into(), call.params.from.clone()),
            ("To".into(), call.params.to.clone()),
            ("Caller".into(), call.params.from.clone()),
            ("Called".into(), call.params.to.clone()),
        ];
        if let Some(answered_by) = &call.answered_by {
            params.push(("AnsweredBy".into(), answered_by.clone()));
        }
        params
    }

    /// A request signed as Twilio signs it; returns the HTTP status and body.
    pub(crate) async fn post_signed(
        &self,
        url: &str,
        method: &str,
        params: &[(String, String)],
    ) -> Result<(u16, String), String> {
        let request = if method.eq_ignore_ascii_case("GET") {
            let mut full = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
            full.query_pairs_mut().extend_pairs(params);
            let signature = self
                .inner
                .validator
                .compute_signature::<&str, &str>(full.as_str(), &[]);
            self.inner
                .http
                .get(full)
                .header("X-Twilio-Signature", signature)
        } else {
            let signature = self.inner.validator.compute_signature(url, params);
            self.inner
                .http
                .post(url)
                .header("X-Twilio-Signature", signature)
                .form(params)
        };
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|e| e.to_string())?;
        Ok((status, body))
    }
}

/// The whole lifecycle of one call.
async fn run(sim: Simulator, sid: String, slot: Duration) {
    // Waiting in the CPS queue; a cancel takes effect at once.
    let queued = slot.saturating_sub(sim.now());
    if let Some(Interrupt::Cancel | Interrupt::HangUp) = sim.wait(&sid, queued).await {
        return sim.finish(&sid, CallStatus::Canceled).await;
    }
    sim.set_status(&sid, CallStatus::Initiated);
    sim.callback(&sid, "initiated").await;
    if let Some(Interrupt::Cancel | Interrupt::HangUp) = sim.wait(&sid, RINGING_AFTER).await {
        return sim.finish(&sid, CallStatus::Canceled).await;
    }
    let Some((to, timeout, detection)) = sim.with_call(&sid, |c| {
        (
            c.params.to.clone(),
            c.params.timeout,
            c.params.machine_detection.clone(),
        )
    }) else {
        return;
    };
    // Outbound, the callee is the destination; inbound, the caller is the one scripted.
    let (direction, from) = sim
        .with_call(&sid, |c| (c.direction, c.params.from.clone()))
        .unwrap_or(("outbound-api", String::new()));
    let callee = if direction == "inbound" {
        sim.callee(&from)
    } else {
        sim.callee(&to)
    };
    if callee.outcome == ScenarioOutcome::Failed {
        return sim.finish(&sid, CallStatus::Failed).await;
    }
    sim.set_status(&sid, CallStatus::Ringing);
    sim.callback(&sid, "ringing").await;
    let (ring, outcome) = match callee.outcome {
        ScenarioOutcome::Busy | ScenarioOutcome::Reject => (BUSY_AFTER, CallStatus::Busy),
        ScenarioOutcome::NoAnswer => (
            Duration::from_secs(u64::from(timeout)),
            CallStatus::NoAnswer,
        ),
        _ if Duration::from_secs(u64::from(timeout)) < ANSWER_AFTER => (
            Duration::from_secs(u64::from(timeout)),
            CallStatus::NoAnswer,
        ),
        _ => (ANSWER_AFTER, CallStatus::InProgress),
    };
    if let Some(Interrupt::Cancel | Interrupt::HangUp) = sim.wait(&sid, ring).await {
        return sim.finish(&sid, CallStatus::Canceled).await;
    }
    if outcome != CallStatus::InProgress {
        return sim.finish(&sid, outcome).await;
    }
    let answered_by = detection.map(|_| match callee.outcome {
        ScenarioOutcome::Machine => "machine_start",
        _ => "human",
    });
    let now = sim.now();
    let amd_callback = sim.with_call(&sid, |call| {
        call.started = Some(now);
        call.answered_by = answered_by.map(str::to_owned);
        call.params.async_amd_callback.clone()
    });
    sim.set_status(&sid, CallStatus::InProgress);
    sim.callback(&sid, "answered").await;
    if let (Some(Some(url)), Some(answered_by)) = (amd_callback, answered_by) {
        let params = vec![
            ("AccountSid".to_owned(), sim.settings().account_sid.clone()),
            ("CallSid".to_owned(), sid.clone()),
            ("AnsweredBy".to_owned(), answered_by.to_owned()),
            ("MachineDetectionDuration".to_owned(), "1800".to_owned()),
        ];
        let outcome = sim.post_signed(&url, "POST", &params).await;
        let now = sim.now();
        sim.with_call(&sid, |call| {
            call.note(
                now,
                "callback",
                json!({ "event": "amd", "url": url, "ok": outcome.is_ok() }),
            )
        });
    }
    exec::run(&sim, &sid, &callee).await;
    sim.finish(&sid, CallStatus::Completed).await;
}
