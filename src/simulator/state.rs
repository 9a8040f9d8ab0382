//! What the simulator knows about each call and recording, and how it shows them in Twilio's
//! JSON shapes (numbers as strings, times in RFC 2822).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::twilio::CallStatus;

/// The parameters a call was created with (reference §1.1), as the lifecycle needs them.
#[derive(Debug, Clone, Default)]
pub struct CallParams {
    pub to: String,
    pub from: String,
    pub url: Option<String>,
    pub method: String,
    pub twiml: Option<String>,
    pub status_callback: Option<String>,
    pub status_callback_events: Vec<String>,
    pub status_callback_method: String,
    pub timeout: u32,
    pub time_limit: u32,
    pub machine_detection: Option<String>,
    pub async_amd_callback: Option<String>,
    pub record: bool,
    pub recording_status_callback: Option<String>,
}

/// One line of a call's transcript: what happened, at which second of call time.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TranscriptEntry {
    /// Virtual seconds since the call was created.
    pub at: f64,
    /// `status`, `say`, `play`, `pause`, `gather`, `input`, `record`, `dial`, `redirect`,
    /// `callback`, `fetch`, `error`.
    pub kind: String,
    pub detail: Value,
}

/// A request to change a live call (`POST /Calls/{Sid}.json`).
#[derive(Debug, Clone, PartialEq)]
pub enum Interrupt {
    HangUp,
    Cancel,
    Redirect {
        url: Option<String>,
        twiml: Option<String>,
    },
}

#[derive(Debug)]
pub struct SimCall {
    pub sid: String,
    pub params: CallParams,
    pub direction: &'static str,
    pub status: CallStatus,
    pub created: Duration,
    pub started: Option<Duration>,
    pub ended: Option<Duration>,
    pub duration: Option<u64>,
    pub answered_by: Option<String>,
    pub queue_time_ms: u64,
    pub price: Option<f64>,
    /// Callbacks sent so far; the next one's SequenceNumber.
    pub sequence: u32,
    pub transcript: Vec<TranscriptEntry>,
    pub interrupt: Option<Interrupt>,
    /// A status callback held back by the reorder fault, sent after the next one.
    pub held_callback: Option<HeldCallback>,
    /// Woken when an interrupt is set, so a waiting lifecycle reacts at once.
    pub wake: std::sync::Arc<tokio::sync::Notify>,
}

/// A callback waiting to be delivered: event, URL, method and parameters.
#[derive(Debug, Clone)]
pub struct HeldCallback {
    pub event: String,
    pub url: String,
    pub method: String,
    pub params: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct SimRecording {
    pub sid: String,
    pub call_sid: String,
    pub created: Duration,
    pub duration: u64,
    pub deleted: bool,
}

/// Turns virtual time into Twilio's RFC 2822 timestamps, counted from the simulator's start.
#[derive(Debug, Clone, Copy)]
pub struct Calendar {
    pub start: DateTime<Utc>,
}

impl Calendar {
    pub fn format(&self, at: Duration) -> String {
        let when = self.start + chrono::Duration::from_std(at).unwrap_or_default();
        when.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
    }
}

/// What a minute costs in the simulator, so reports show plausible spend.
pub const PRICE_PER_MINUTE: f64 = 0.014;

impl SimCall {
    pub fn to_json(&self, account: &str, calendar: &Calendar) -> Value {
        let time = |t: Option<Duration>| t.map(|t| calendar.format(t));
        let uri = format!("/2010-04-01/Accounts/{account}/Calls/{}.json", self.sid);
        json!({
            "sid": self.sid,
            "account_sid": account,
            "parent_call_sid": null,
            "date_created": calendar.format(self.created),
            "date_updated": calendar.format(self.ended.or(self.started).unwrap_or(self.created)),
            "to": self.params.to,
            "to_formatted": display_number(&self.params.to),
            "from": self.params.from,
            "from_formatted": display_number(&self.params.from),
            "phone_number_sid": null,
            // `initiated` exists only in callbacks; the resource still says queued then.
            "status": match self.status {
                CallStatus::Initiated => "queued",
                other => other.as_str(),
            },
            "start_time": time(self.started),
            "end_time": time(self.ended),
            "duration": self.duration.map(|d| d.to_string()),
            "price": self.price.map(|p| format!("{p:.5}")),
            "price_unit": "USD",
            "direction": self.direction,
            "answered_by": self.answered_by,
            "api_version": "2010-04-01",
            "forwarded_from": null,
            "group_sid": null,
            "caller_name": null,
            "queue_time": self.queue_time_ms.to_string(),
            "trunk_sid": null,
            "uri": uri,
            "subresource_uris": {
                "recordings": format!("/2010-04-01/Accounts/{account}/Calls/{}/Recordings.json", self.sid),
                "notifications": format!("/2010-04-01/Accounts/{account}/Calls/{}/Notifications.json", self.sid),
            },
        })
    }

    pub fn note(&mut self, at: Duration, kind: &str, detail: Value) {
        let since = at.saturating_sub(self.created).as_secs_f64();
        self.transcript.push(TranscriptEntry {
            at: (since * 1000.0).round() / 1000.0,
            kind: kind.to_owned(),
            detail,
        });
    }
}

/// How Twilio shows a number: national format for North American numbers, E.164 otherwise.
fn display_number(number: &str) -> String {
    match phonenumber::parse(None, number) {
        Ok(parsed) if parsed.code().value() == 1 => parsed
            .format()
            .mode(phonenumber::Mode::National)
            .to_string(),
        _ => number.to_owned(),
    }
}

impl SimRecording {
    /// The account-level resource (`/Recordings/{Sid}.json`); `media_base` is where the
    /// simulator serves the audio.
    pub fn to_json(&self, account: &str, calendar: &Calendar, media_base: &str) -> Value {
        json!({
            "sid": self.sid,
            "account_sid": account,
            "call_sid": self.call_sid,
            "conference_sid": null,
            "date_created": calendar.format(self.created),
            "date_updated": calendar.format(self.created),
            "start_time": calendar.format(self.created),
            "duration": self.duration.to_string(),
            "price": "-0.00250",
            "price_unit": "USD",
            "status": if self.deleted { "deleted" } else { "completed" },
            "channels": 1,
            "source": "RecordVerb",
            "error_code": null,
            "api_version": "2010-04-01",
            "uri": format!("/2010-04-01/Accounts/{account}/Recordings/{}.json", self.sid),
            "media_url": format!("{media_base}/2010-04-01/Accounts/{account}/Recordings/{}", self.sid),
            "encryption_details": null,
            "subresource_uris": {},
        })
    }
}

impl SimRecording {
    /// The per-call resource (`/Calls/{CallSid}/Recordings/{Sid}.json`): its own fields and URI.
    pub fn to_call_json(&self, account: &str, calendar: &Calendar) -> Value {
        json!({
            "account_sid": account,
            "api_version": "2010-04-01",
            "call_sid": self.call_sid,
            "conference_sid": null,
            "date_created": calendar.format(self.created),
            "date_updated": calendar.format(self.created),
            "start_time": calendar.format(self.created),
            "duration": self.duration.to_string(),
            "sid": self.sid,
            "price": "-0.00250",
            "uri": format!("/2010-04-01/Accounts/{account}/Calls/{}/Recordings/{}.json", self.call_sid, self.sid),
            "encryption_details": null,
            "price_unit": "USD",
            "status": if self.deleted { "deleted" } else { "completed" },
            "channels": 1,
            "source": "RecordVerb",
            "error_code": null,
            "track": "both",
        })
    }
}

/// A short valid WAV file: `seconds` of 8 kHz, 16-bit mono silence.
pub fn silent_wav(seconds: u32) -> Vec<u8> {
    let rate: u32 = 8000;
    let data_len = rate * 2 * seconds.max(1);
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    wav.resize(44 + data_len as usize, 0);
    wav
}
