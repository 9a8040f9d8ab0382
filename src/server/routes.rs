//! The route handlers. Each verifies the request, then acts; a callback for an unknown call is
//! answered 200 with a warning, so Twilio does not retry it forever.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::verify::Signed;
use super::{FlowRequest, ServerState};
use crate::calls::{Applied, CallInfo, StatusUpdate, UpdateSource};
use crate::events::{Event, EventKind};
use crate::phone::PhoneNumber;
use crate::twilio::CallStatus;
use crate::twiml::{Text, VoiceResponse};

type AppState = State<Arc<ServerState>>;

fn ok() -> Response {
    StatusCode::OK.into_response()
}

fn twiml(response: &VoiceResponse) -> Response {
    (
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        response.to_xml(),
    )
        .into_response()
}

fn missing(name: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("missing {name}")).into_response()
}

fn log_outcome(sid: &str, outcome: Applied) {
    metrics::counter!("projectx_callbacks_total", "outcome" => format!("{outcome:?}").to_lowercase()).increment(1);
    if outcome == Applied::Unknown {
        // Usually the call's registration is a moment behind its first callback; a callback
        // for a call never registered here is dropped when the hold lapses.
        tracing::debug!(call_sid = %sid, "callback for a call not registered (yet); held briefly");
    }
}

pub(crate) async fn status(State(state): AppState, signed: Signed) -> Response {
    let Some(sid) = signed.get("CallSid") else {
        return missing("CallSid");
    };
    let Some(status) = signed.get("CallStatus") else {
        return missing("CallStatus");
    };
    let status = match serde_json::from_value::<CallStatus>(serde_json::Value::String(
        status.to_owned(),
    )) {
        Ok(CallStatus::Unknown) | Err(_) => {
            tracing::warn!(call_sid = %sid, status, "callback with a status this version does not know; ignored");
            return ok();
        }
        Ok(s) => s,
    };
    let update = StatusUpdate {
        sid: sid.to_owned(),
        status,
        sequence: signed.get("SequenceNumber").and_then(|s| s.parse().ok()),
        duration: signed.get("CallDuration").and_then(|s| s.parse().ok()),
        price: None,
        answered_by: signed.get("AnsweredBy").map(str::to_owned),
        to: signed.get("To").map(str::to_owned),
        from: signed.get("From").map(str::to_owned),
        source: UpdateSource::Callback,
    };
    if let Some(sent) = signed
        .get("Timestamp")
        .and_then(|t| chrono::DateTime::parse_from_rfc2822(t).ok())
    {
        // How far behind Twilio's clock callbacks arrive (queues, retries, a slow server).
        let lag = chrono::Utc::now().signed_duration_since(sent);
        metrics::histogram!("projectx_callback_lag_seconds")
            .record(lag.num_milliseconds().max(0) as f64 / 1000.0);
    }
    let outcome = state.tracker.apply(update);
    log_outcome(sid, outcome);
    ok()
}

pub(crate) async fn amd(State(state): AppState, signed: Signed) -> Response {
    let (Some(sid), Some(answered_by)) = (signed.get("CallSid"), signed.get("AnsweredBy")) else {
        return missing("CallSid or AnsweredBy");
    };
    // An AMD result only comes for an answered call.
    let update = StatusUpdate {
        sid: sid.to_owned(),
        status: CallStatus::InProgress,
        sequence: None,
        duration: None,
        price: None,
        answered_by: Some(answered_by.to_owned()),
        to: None,
        from: None,
        source: UpdateSource::Fetched,
    };
    let outcome = state.tracker.apply(update);
    log_outcome(sid, outcome);
    ok()
}

pub(crate) async fn recording(State(state): AppState, signed: Signed) -> Response {
    let Some(recording_sid) = signed.get("RecordingSid") else {
        return missing("RecordingSid");
    };
    let status = signed.get("RecordingStatus").unwrap_or("completed");
    if status != "completed" {
        tracing::warn!(
            recording_sid,
            status,
            error_code = signed.get("ErrorCode"),
            "recording did not complete"
        );
        return ok();
    }
    let mut data = serde_json::Map::new();
    for (field, param) in [
        ("sid", "RecordingSid"),
        ("call_sid", "CallSid"),
        ("url", "RecordingUrl"),
        ("status", "RecordingStatus"),
        ("channels", "RecordingChannels"),
        ("source", "RecordingSource"),
    ] {
        if let Some(value) = signed.get(param) {
            data.insert(field.to_owned(), value.into());
        }
    }
    if let Some(duration) = signed
        .get("RecordingDuration")
        .and_then(|d| d.parse::<u64>().ok())
    {
        data.insert("duration".to_owned(), duration.into());
    }
    state
        .tracker
        .bus()
        .publish(Event::other(EventKind::RecordingCompleted, data));
    ok()
}

/// An inbound call: the flow configured for the called number answers it.
pub(crate) async fn inbound(State(state): AppState, uri: Uri, signed: Signed) -> Response {
    let (Some(sid), Some(called)) = (signed.get("CallSid"), signed.get("To")) else {
        return missing("CallSid or To");
    };
    let from = signed.get("From").unwrap_or_default();
    let flow = PhoneNumber::parse(called)
        .ok()
        .and_then(|n| state.inbound.get(n.as_e164()).cloned());
    let Some(flow) = flow else {
        tracing::warn!(call_sid = %sid, called, "inbound call to a number with no flow; declined politely");
        let mut response = VoiceResponse::new();
        response.say(Text::copied(&state.settings.fallback_line));
        response.hangup();
        return twiml(&response);
    };
    if !state.tracker.is_live(sid) {
        let info = CallInfo {
            sid: sid.to_owned(),
            to: called.to_owned(),
            from: from.to_owned(),
            agent: None,
            campaign: None,
        };
        state.tracker.register(info, CallStatus::Ringing);
    }
    let request = flow_request(flow, &signed, &uri, "inbound");
    answer(&state, request).await
}

/// The TwiML of an outbound call, and of each step of its flow (Gather actions return here).
pub(crate) async fn flow(
    State(state): AppState,
    Path(flow): Path<String>,
    uri: Uri,
    signed: Signed,
) -> Response {
    if signed.get("CallSid").is_none() {
        return missing("CallSid");
    }
    let request = flow_request(flow, &signed, &uri, "outbound-api");
    answer(&state, request).await
}

fn flow_request(flow: String, signed: &Signed, uri: &Uri, direction: &str) -> FlowRequest {
    let mut params = signed.params.clone();
    if let Some(query) = uri.query() {
        params.extend(super::parse_form(query.as_bytes()).unwrap_or_default());
    }
    let find = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    FlowRequest {
        flow,
        step: find("step"),
        call_sid: find("CallSid").unwrap_or_default(),
        from: find("From").unwrap_or_default(),
        to: find("To").unwrap_or_default(),
        direction: direction.to_owned(),
        agent: find("agent"),
        params,
    }
}

/// Runs the flow within the deadline; a failure or a slow flow gets a polite goodbye.
async fn answer(state: &ServerState, request: FlowRequest) -> Response {
    let sid = request.call_sid.clone();
    let flow = request.flow.clone();
    let outcome =
        tokio::time::timeout(state.settings.flow_deadline, state.flows.respond(request)).await;
    let failure = match outcome {
        Ok(Ok(response)) => return twiml(&response),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!(
            "flow {flow:?} did not answer within {:?}",
            state.settings.flow_deadline
        ),
    };
    tracing::error!(call_sid = %sid, %flow, error = %failure, "flow failed; the call ends politely");
    let mut data = serde_json::Map::new();
    data.insert("flow".to_owned(), flow.into());
    data.insert("call_sid".to_owned(), sid.into());
    data.insert("message".to_owned(), failure.into());
    state
        .tracker
        .bus()
        .publish(Event::other(EventKind::ScriptError, data));
    let mut response = VoiceResponse::new();
    response.say(Text::copied(&state.settings.fallback_line));
    response.hangup();
    twiml(&response)
}

pub(crate) async fn healthz(State(state): AppState) -> Response {
    let body = serde_json::json!({
        "status": "ok",
        "live_calls": state.tracker.live_count(),
        "events_dropped": state.tracker.bus().dropped(),
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub(crate) async fn metrics(State(state): AppState) -> Response {
    // Read at scrape time: how far the slowest event consumer is behind.
    metrics::gauge!("projectx_event_backlog").set(state.tracker.bus().backlog() as f64);
    match &state.metrics {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "metrics are not enabled").into_response(),
    }
}
