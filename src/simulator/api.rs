//! Twilio's REST API as the simulator serves it: the paths, JSON shapes, paging envelope,
//! Basic auth and error bodies of the real thing (reference §1, §3, §5, §6), plus
//! `GET /simulator/calls/{sid}` for a call's transcript.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use secrecy::ExposeSecret;
use serde_json::json;

use super::state::{CallParams, Interrupt, SimCall, silent_wav};
use super::{Simulator, lock};
use crate::config::{Scenario, ScenarioDetail, ScenarioOutcome};
use crate::phone::Endpoint;
use crate::server::parse_form;
use crate::twilio::{CallStatus, MAX_TWIML_CHARS};

type Sim = State<Simulator>;
type Params = Vec<(String, String)>;

/// The simulator's REST API.
pub fn router(simulator: Simulator) -> Router {
    let twilio_api = Router::new()
        .route(
            "/2010-04-01/Accounts/{account}/Calls.json",
            get(list_calls).post(create_call),
        )
        .route(
            "/2010-04-01/Accounts/{account}/Calls/{file}",
            get(fetch_call).post(update_call),
        )
        .route(
            "/2010-04-01/Accounts/{account}/Calls/{sid}/Recordings.json",
            get(call_recordings),
        )
        .route(
            "/2010-04-01/Accounts/{account}/Recordings.json",
            get(list_recordings),
        )
        .route(
            "/2010-04-01/Accounts/{account}/Recordings/{file}",
            get(fetch_recording).delete(delete_recording),
        )
        .layer(axum::middleware::from_fn_with_state(
            simulator.clone(),
            faults,
        ));
    Router::new()
        .merge(twilio_api)
        .route("/simulator/calls/{sid}", get(transcript))
        .route("/simulator/inbound", axum::routing::post(inbound))
        .route("/simulator/scenarios", axum::routing::post(set_scenario))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(simulator)
}

/// The configured API faults: a delay, then maybe a 429 or a 500, before anything is processed.
async fn faults(
    State(sim): Sim,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let faults = sim.settings().faults;
    if faults.slow_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(faults.slow_ms)).await;
    }
    if super::chance(faults.rate_limit) {
        let mut response =
            error(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests").into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        return response;
    }
    if super::chance(faults.server_errors) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            20500,
            "Internal Server Error",
        )
        .into_response();
    }
    next.run(request).await
}

/// A refusal, rendered as Twilio's error body: `{"code", "message", "more_info", "status"}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: u32,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "code": self.code,
            "message": self.message,
            "more_info": format!("https://www.twilio.com/docs/errors/{}", self.code),
            "status": self.status.as_u16(),
        });
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

pub(crate) fn error(status: StatusCode, code: u32, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        code,
        message: message.into(),
    }
}

type Reply = Result<Response, ApiError>;

fn json_reply(status: StatusCode, body: serde_json::Value) -> Reply {
    Ok((
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}

/// Basic auth with the Account SID and auth token, and the account in the path.
fn authorize(sim: &Simulator, headers: &HeaderMap, account: &str) -> Result<(), ApiError> {
    let settings = sim.settings();
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    let expected = format!(
        "{}:{}",
        settings.account_sid,
        settings.auth_token.expose_secret()
    );
    if given.as_deref() != Some(expected.as_str()) {
        return Err(error(StatusCode::UNAUTHORIZED, 20003, "Authenticate"));
    }
    if account != settings.account_sid {
        return Err(error(
            StatusCode::NOT_FOUND,
            20404,
            format!("The requested resource /2010-04-01/Accounts/{account} was not found"),
        ));
    }
    Ok(())
}

fn form(body: &[u8]) -> Result<Params, ApiError> {
    parse_form(body).map_err(|e| error(StatusCode::BAD_REQUEST, 20001, e.to_string()))
}

fn first<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn all(params: &Params, name: &str) -> Vec<String> {
    params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

fn valid_url(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

fn bad(code: u32, message: impl Into<String>) -> ApiError {
    error(StatusCode::BAD_REQUEST, code, message)
}

/// Checks a create request as Twilio does, with Twilio's codes; `numbers` are the account's
/// own (empty: any caller ID).
fn call_params(params: &Params, numbers: &[String]) -> Result<CallParams, ApiError> {
    let to = first(params, "To")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad(21201, "No 'To' number is specified"))?;
    let to = Endpoint::parse(to).map_err(|_| {
        bad(
            21211,
            format!("The 'To' number {to} is not a valid phone number."),
        )
    })?;
    let from = first(params, "From")
        .filter(|f| !f.is_empty())
        .ok_or_else(|| bad(21212, "No 'From' number is specified"))?;
    let from = Endpoint::parse(from).map_err(|_| bad(21212, format!("The 'From' number {from} is not a valid phone number, shortcode, or alphanumeric sender ID.")))?;
    if from.is_phone() && !numbers.is_empty() && !numbers.iter().any(|n| n == from.as_str()) {
        return Err(bad(
            21210,
            format!(
                "The source phone number provided, {from}, is not yet verified for your account."
            ),
        ));
    }
    let url = first(params, "Url").map(str::to_owned);
    let twiml = first(params, "Twiml").map(str::to_owned);
    if url.is_none() && twiml.is_none() && first(params, "ApplicationSid").is_none() {
        return Err(bad(
            21205,
            "A 'Url', 'Twiml' or 'ApplicationSid' parameter is required",
        ));
    }
    if let Some(url) = &url
        && !valid_url(url)
    {
        return Err(bad(21205, format!("Url is not a valid URL: {url}")));
    }
    if let Some(twiml) = &twiml
        && twiml.chars().count() > MAX_TWIML_CHARS
    {
        return Err(bad(
            20001,
            format!("Twiml exceeds the maximum of {MAX_TWIML_CHARS} characters"),
        ));
    }
    for name in [
        "StatusCallback",
        "FallbackUrl",
        "AsyncAmdStatusCallback",
        "RecordingStatusCallback",
    ] {
        if let Some(value) = first(params, name)
            && !valid_url(value)
        {
            return Err(bad(21609, format!("{name} is not a valid URL: {value}")));
        }
    }
    let number = |name: &str, default: u32, low: u32, high: u32| -> Result<u32, ApiError> {
        match first(params, name) {
            None => Ok(default),
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|v| (low..=high).contains(v))
                .ok_or_else(|| {
                    bad(
                        20001,
                        format!("{name} must be a whole number from {low} to {high}, not {text:?}"),
                    )
                }),
        }
    };
    let events = all(params, "StatusCallbackEvent");
    if let Some(bad_event) = events
        .iter()
        .find(|e| !["initiated", "ringing", "answered", "completed"].contains(&e.as_str()))
    {
        return Err(bad(
            20001,
            format!(
                "StatusCallbackEvent {bad_event:?} is not one of initiated, ringing, answered, completed"
            ),
        ));
    }
    let method = |name: &str| first(params, name).unwrap_or("POST").to_ascii_uppercase();
    Ok(CallParams {
        to: to.as_str().to_owned(),
        from: from.as_str().to_owned(),
        url,
        method: method("Method"),
        twiml,
        status_callback: first(params, "StatusCallback").map(str::to_owned),
        status_callback_events: if events.is_empty() {
            vec!["completed".to_owned()]
        } else {
            events
        },
        status_callback_method: method("StatusCallbackMethod"),
        timeout: number("Timeout", 60, 1, 600)?,
        time_limit: number("TimeLimit", 14_400, 1, 86_400)?,
        machine_detection: first(params, "MachineDetection").map(str::to_owned),
        async_amd_callback: first(params, "AsyncAmdStatusCallback").map(str::to_owned),
        record: first(params, "Record").is_some_and(|r| r.eq_ignore_ascii_case("true")),
        recording_status_callback: first(params, "RecordingStatusCallback").map(str::to_owned),
    })
}

async fn create_call(
    State(sim): Sim,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    authorize(&sim, &headers, &account)?;
    let params = match form(&body).and_then(|p| call_params(&p, &sim.settings().numbers)) {
        Ok(p) => p,
        Err(r) => return Err(r),
    };
    // Numbers Twilio refuses outright, as it does when geographic permissions or its blocklist
    // forbid them.
    let to = params.to.as_str().to_owned();
    match sim.callee(&to).outcome {
        ScenarioOutcome::GeoBlocked => {
            return Err(bad(
                21215,
                format!(
                    "Account not authorized to call {to}. Perhaps you need to enable some international permissions"
                ),
            ));
        }
        ScenarioOutcome::Blocked => {
            return Err(bad(
                21216,
                format!("Call blocked by Twilio blocklist: {to}"),
            ));
        }
        _ => {}
    }
    let call = sim.create(params, "outbound-api");
    json_reply(StatusCode::CREATED, call)
}

fn sid_of(file: &str, prefix: &str) -> Option<String> {
    file.strip_suffix(".json")
        .filter(|s| s.starts_with(prefix))
        .map(str::to_owned)
}

fn call_json(sim: &Simulator, sid: &str) -> Option<serde_json::Value> {
    let settings = sim.settings();
    lock(&sim.inner.calls)
        .get(sid)
        .map(|c| c.to_json(&settings.account_sid, &sim.inner.calendar))
}

fn not_found(what: &str) -> ApiError {
    error(
        StatusCode::NOT_FOUND,
        20404,
        format!("The requested resource {what} was not found"),
    )
}

async fn fetch_call(
    State(sim): Sim,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Reply {
    authorize(&sim, &headers, &account)?;
    match sid_of(&file, "CA").and_then(|sid| call_json(&sim, &sid)) {
        Some(call) => json_reply(StatusCode::OK, call),
        None => Err(not_found(&file)),
    }
}

async fn update_call(
    State(sim): Sim,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    authorize(&sim, &headers, &account)?;
    let params = match form(&body) {
        Ok(p) => p,
        Err(r) => return Err(r),
    };
    let Some(sid) = sid_of(&file, "CA") else {
        return Err(not_found(&file));
    };
    let interrupt = match (
        first(&params, "Status"),
        first(&params, "Url"),
        first(&params, "Twiml"),
    ) {
        (Some("completed"), _, _) => Interrupt::HangUp,
        (Some("canceled"), _, _) => Interrupt::Cancel,
        (Some(other), _, _) => {
            return Err(bad(
                20001,
                format!("Status {other:?} is not one of completed, canceled"),
            ));
        }
        (None, Some(_), Some(_)) => {
            return Err(bad(20001, "Url and Twiml exclude each other on update"));
        }
        (None, Some(url), None) if !valid_url(url) => {
            return Err(bad(21205, format!("Url is not a valid URL: {url}")));
        }
        (None, url, twiml) if url.is_some() || twiml.is_some() => Interrupt::Redirect {
            url: url.map(str::to_owned),
            twiml: twiml.map(str::to_owned),
        },
        _ => return Err(bad(20001, "Nothing to update: give Status, Url or Twiml")),
    };
    let outcome = sim.with_call(&sid, |call: &mut SimCall| {
        if call.status.is_terminal() {
            return Err(bad(21220, "Call is not in-progress. Cannot redirect."));
        }
        // Canceling affects only calls that have not been answered, as on Twilio.
        if interrupt == Interrupt::Cancel && call.status == CallStatus::InProgress {
            return Ok(());
        }
        call.interrupt = Some(interrupt.clone());
        call.wake.notify_one();
        Ok(())
    });
    match outcome {
        None => Err(not_found(&file)),
        Some(Err(r)) => Err(r),
        Some(Ok(())) => match call_json(&sim, &sid) {
            Some(call) => json_reply(StatusCode::OK, call),
            None => Err(not_found(&file)),
        },
    }
}

#[derive(Debug, serde::Deserialize)]
struct ListQuery {
    #[serde(rename = "To")]
    to: Option<String>,
    #[serde(rename = "From")]
    from: Option<String>,
    #[serde(rename = "Status")]
    status: Option<String>,
    #[serde(rename = "PageSize")]
    page_size: Option<usize>,
    #[serde(rename = "Page")]
    page: Option<usize>,
    #[serde(rename = "CallSid")]
    call_sid: Option<String>,
}

/// Twilio's paging envelope around `items`, which are already filtered.
fn page(
    path: &str,
    key: &str,
    items: Vec<serde_json::Value>,
    query: &ListQuery,
    filters: &[(&str, &Option<String>)],
) -> Reply {
    let size = query.page_size.unwrap_or(50).clamp(1, 1000);
    let number = query.page.unwrap_or(0);
    let start = number * size;
    let chunk: Vec<_> = items.iter().skip(start).take(size).cloned().collect();
    let mut base = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in filters {
        if let Some(value) = value {
            base.append_pair(name, value);
        }
    }
    let filter_query = base.finish();
    let uri = |p: usize| {
        let sep = if filter_query.is_empty() { "" } else { "&" };
        format!(
            "{path}?{filter_query}{sep}PageSize={size}&Page={p}&PageToken=PA{}",
            p * size
        )
    };
    let next = (start + size < items.len()).then(|| uri(number + 1));
    let previous = (number > 0).then(|| uri(number - 1));
    json_reply(
        StatusCode::OK,
        json!({
            key: chunk,
            "first_page_uri": uri(0),
            "next_page_uri": next,
            "previous_page_uri": previous,
            "uri": uri(number),
            "page": number,
            "page_size": size,
            "start": start,
            "end": start + chunk.len().saturating_sub(1),
        }),
    )
}

async fn list_calls(
    State(sim): Sim,
    Path(account): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Reply {
    authorize(&sim, &headers, &account)?;
    let normalize = |n: &Option<String>| {
        n.as_deref().map(|n| {
            Endpoint::parse(n)
                .map(|e| e.as_str().to_owned())
                .unwrap_or(n.to_owned())
        })
    };
    let (to, from) = (normalize(&query.to), normalize(&query.from));
    let settings = sim.settings();
    let items: Vec<_> = {
        let calls = lock(&sim.inner.calls);
        sim.call_sids()
            .iter()
            .filter_map(|sid| calls.get(sid))
            .filter(|c| to.as_ref().is_none_or(|t| &c.params.to == t))
            .filter(|c| from.as_ref().is_none_or(|f| &c.params.from == f))
            .filter(|c| query.status.as_ref().is_none_or(|s| c.status.as_str() == s))
            .map(|c| c.to_json(&settings.account_sid, &sim.inner.calendar))
            .collect()
    };
    let path = format!("/2010-04-01/Accounts/{account}/Calls.json");
    page(
        &path,
        "calls",
        items,
        &query,
        &[
            ("To", &query.to),
            ("From", &query.from),
            ("Status", &query.status),
        ],
    )
}

/// Recordings newest first; per call they take the per-call resource's shape.
fn recordings_json(sim: &Simulator, call: Option<&str>, per_call: bool) -> Vec<serde_json::Value> {
    let settings = sim.settings();
    let media_base = sim.media_base();
    lock(&sim.inner.recordings)
        .iter()
        .rev()
        .filter(|r| !r.deleted && call.is_none_or(|c| r.call_sid == c))
        .map(|r| {
            if per_call {
                r.to_call_json(&settings.account_sid, &sim.inner.calendar)
            } else {
                r.to_json(&settings.account_sid, &sim.inner.calendar, &media_base)
            }
        })
        .collect()
}

async fn list_recordings(
    State(sim): Sim,
    Path(account): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Reply {
    authorize(&sim, &headers, &account)?;
    let items = recordings_json(&sim, query.call_sid.as_deref(), false);
    let path = format!("/2010-04-01/Accounts/{account}/Recordings.json");
    page(
        &path,
        "recordings",
        items,
        &query,
        &[("CallSid", &query.call_sid)],
    )
}

async fn call_recordings(
    State(sim): Sim,
    Path((account, sid)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Reply {
    authorize(&sim, &headers, &account)?;
    let items = recordings_json(&sim, Some(&sid), true);
    let path = format!("/2010-04-01/Accounts/{account}/Calls/{sid}/Recordings.json");
    page(&path, "recordings", items, &query, &[])
}

async fn fetch_recording(
    State(sim): Sim,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Reply {
    authorize(&sim, &headers, &account)?;
    let (sid, extension) = file.rsplit_once('.').unwrap_or((file.as_str(), ""));
    let recording = lock(&sim.inner.recordings)
        .iter()
        .find(|r| r.sid == sid && !r.deleted)
        .cloned();
    let Some(recording) = recording else {
        return Err(not_found(&file));
    };
    match extension {
        "json" => json_reply(
            StatusCode::OK,
            recording.to_json(&account, &sim.inner.calendar, &sim.media_base()),
        ),
        "wav" | "" => {
            let seconds = u32::try_from(recording.duration).unwrap_or(1).clamp(1, 5);
            Ok(([(header::CONTENT_TYPE, "audio/x-wav")], silent_wav(seconds)).into_response())
        }
        _ => Err(error(
            StatusCode::NOT_FOUND,
            20404,
            format!("The simulator serves recordings as .wav, not .{extension}"),
        )),
    }
}

async fn delete_recording(
    State(sim): Sim,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Reply {
    authorize(&sim, &headers, &account)?;
    let sid = file.strip_suffix(".json").unwrap_or(&file);
    let mut recordings = lock(&sim.inner.recordings);
    match recordings.iter_mut().find(|r| r.sid == sid && !r.deleted) {
        Some(r) => {
            r.deleted = true;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        None => Err(not_found(&file)),
    }
}

async fn transcript(State(sim): Sim, Path(sid): Path<String>) -> Reply {
    match (sim.transcript(&sid), call_json(&sim, &sid)) {
        (Some(transcript), Some(call)) => json_reply(
            StatusCode::OK,
            json!({ "call": call, "transcript": transcript }),
        ),
        _ => Err(not_found(&sid)),
    }
}

/// `POST /simulator/inbound` with `To`, `From` and `Url` (the number's voice URL): a caller
/// rings one of our numbers. Authenticated like the REST API.
async fn inbound(State(sim): Sim, headers: HeaderMap, body: Bytes) -> Reply {
    let account = sim.settings().account_sid.clone();
    authorize(&sim, &headers, &account)?;
    let params = form(&body)?;
    let to = first(&params, "To").ok_or_else(|| bad(21201, "No 'To' number is specified"))?;
    let to = Endpoint::parse(to).map_err(|_| {
        bad(
            21211,
            format!("The 'To' number {to} is not a valid phone number."),
        )
    })?;
    let from = first(&params, "From").unwrap_or("+14155550100");
    let url = first(&params, "Url")
        .filter(|u| valid_url(u))
        .ok_or_else(|| bad(21205, "Url (the number's voice URL) is required"))?;
    json_reply(StatusCode::CREATED, sim.ring(to.as_str(), from, url))
}

/// `POST /simulator/scenarios` with `Number`, `Answer` (human, machine, busy, no-answer, failed,
/// reject) and for a human optionally `Digits`, `Speech`, `HangupAfter`: scripts a destination.
async fn set_scenario(State(sim): Sim, headers: HeaderMap, body: Bytes) -> Reply {
    let account = sim.settings().account_sid.clone();
    authorize(&sim, &headers, &account)?;
    let params = form(&body)?;
    let number = first(&params, "Number").ok_or_else(|| bad(20001, "Number is required"))?;
    let number = Endpoint::parse(number).map_err(|e| bad(21211, e.to_string()))?;
    let answer = first(&params, "Answer").unwrap_or("human");
    let outcome: ScenarioOutcome = serde_json::from_value(json!(answer)).map_err(|_| {
        bad(
            20001,
            format!(
                "Answer {answer:?} is not one of {}",
                ScenarioOutcome::NAMES.join(", ")
            ),
        )
    })?;
    let hangup_after = match first(&params, "HangupAfter") {
        Some(text) => Some(
            text.parse::<f64>()
                .ok()
                .filter(|s| *s > 0.0 && s.is_finite())
                .ok_or_else(|| {
                    bad(
                        20001,
                        format!("HangupAfter {text:?} is not a number of seconds"),
                    )
                })?,
        ),
        None => None,
    };
    let scenario = Scenario::Detailed(ScenarioDetail {
        answer: outcome,
        digits: first(&params, "Digits").map(str::to_owned),
        speech: first(&params, "Speech").map(str::to_owned),
        hangup_after,
    });
    sim.set_scenario(number.as_str(), scenario);
    json_reply(
        StatusCode::OK,
        json!({ "number": number.as_str(), "answer": answer }),
    )
}
