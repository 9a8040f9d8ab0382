//! The resources Twilio returns, typed.
//!
//! Twilio sends numbers as strings (`"duration": "4"`) and times as RFC 2822; both are parsed
//! here so the rest of the code never sees the wire quirks. Every field is optional because the
//! API marks every field nullable.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Deserializer, Serialize};

/// A call's status as the Calls resource reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallStatus {
    Queued,
    /// Seen only in status callbacks, never in the resource.
    Initiated,
    Ringing,
    InProgress,
    Completed,
    Busy,
    Failed,
    NoAnswer,
    Canceled,
    /// A status this version does not know yet.
    #[serde(other)]
    Unknown,
}

impl CallStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CallStatus::Queued => "queued",
            CallStatus::Initiated => "initiated",
            CallStatus::Ringing => "ringing",
            CallStatus::InProgress => "in-progress",
            CallStatus::Completed => "completed",
            CallStatus::Busy => "busy",
            CallStatus::Failed => "failed",
            CallStatus::NoAnswer => "no-answer",
            CallStatus::Canceled => "canceled",
            CallStatus::Unknown => "unknown",
        }
    }

    /// True once the call can change no more.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            CallStatus::Completed
                | CallStatus::Busy
                | CallStatus::Failed
                | CallStatus::NoAnswer
                | CallStatus::Canceled
        )
    }
}

impl std::fmt::Display for CallStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A call resource (`api.v2010.account.call`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Call {
    pub sid: String,
    pub account_sid: Option<String>,
    pub parent_call_sid: Option<String>,
    pub to: Option<String>,
    pub to_formatted: Option<String>,
    pub from: Option<String>,
    pub from_formatted: Option<String>,
    pub phone_number_sid: Option<String>,
    pub status: Option<CallStatus>,
    #[serde(default, deserialize_with = "rfc2822")]
    pub date_created: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "rfc2822")]
    pub date_updated: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "rfc2822")]
    pub start_time: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "rfc2822")]
    pub end_time: Option<DateTime<FixedOffset>>,
    /// Seconds.
    #[serde(default, deserialize_with = "number_or_string")]
    pub duration: Option<u64>,
    /// Negative for charges, in `price_unit`.
    #[serde(default, deserialize_with = "number_or_string")]
    pub price: Option<f64>,
    pub price_unit: Option<String>,
    pub direction: Option<String>,
    pub answered_by: Option<String>,
    pub api_version: Option<String>,
    pub forwarded_from: Option<String>,
    pub group_sid: Option<String>,
    pub caller_name: Option<String>,
    /// Milliseconds the call waited in Twilio's CPS queue.
    #[serde(default, deserialize_with = "number_or_string")]
    pub queue_time: Option<u64>,
    pub trunk_sid: Option<String>,
    pub uri: Option<String>,
}

/// A recording resource (`api.v2010.account.recording`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Recording {
    pub sid: String,
    pub account_sid: Option<String>,
    pub call_sid: Option<String>,
    pub conference_sid: Option<String>,
    #[serde(default, deserialize_with = "rfc2822")]
    pub date_created: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "rfc2822")]
    pub date_updated: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "rfc2822")]
    pub start_time: Option<DateTime<FixedOffset>>,
    /// Seconds; `-1` while Twilio is still processing.
    #[serde(default, deserialize_with = "number_or_string")]
    pub duration: Option<i64>,
    #[serde(default, deserialize_with = "number_or_string")]
    pub price: Option<f64>,
    pub price_unit: Option<String>,
    pub status: Option<String>,
    #[serde(default, deserialize_with = "number_or_string")]
    pub channels: Option<u32>,
    pub source: Option<String>,
    #[serde(default, deserialize_with = "number_or_string")]
    pub error_code: Option<u32>,
    pub uri: Option<String>,
    pub media_url: Option<String>,
}

/// One page of a list answer. Twilio names the item array after the resource.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    #[serde(alias = "calls", alias = "recordings")]
    pub items: Vec<T>,
    pub next_page_uri: Option<String>,
    pub uri: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

fn rfc2822<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    let raw: Option<String> = Option::deserialize(d)?;
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => DateTime::parse_from_rfc2822(text)
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("bad RFC 2822 time {text:?}: {e}"))),
    }
}

/// Accepts `"4"`, `4`, `"-0.200"` and `null`.
fn number_or_string<'de, D, N>(d: D) -> Result<Option<N>, D::Error>
where
    D: Deserializer<'de>,
    N: std::str::FromStr,
    N::Err: std::fmt::Display,
{
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(serde_json::Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("bad number {s:?}: {e}"))),
        Some(serde_json::Value::Number(n)) => n
            .to_string()
            .parse()
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("bad number {n}: {e}"))),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a number, got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_twilio_call_json_with_string_numbers_and_rfc2822_times() {
        let json = r#"{"sid":"CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","status":"in-progress",
            "duration":"4","price":"-0.200","queue_time":"1000",
            "date_created":"Fri, 18 Oct 2019 17:00:00 +0000","end_time":null,"to":"+14155550100"}"#;
        let call: Call = serde_json::from_str(json).unwrap();
        assert_eq!(call.status, Some(CallStatus::InProgress));
        assert_eq!(call.duration, Some(4));
        assert_eq!(call.price, Some(-0.2));
        assert_eq!(call.queue_time, Some(1000));
        assert_eq!(
            call.date_created.map(|t| t.to_rfc3339()),
            Some("2019-10-18T17:00:00+00:00".to_owned())
        );
        assert_eq!(call.end_time, None);
    }

    #[test]
    fn unknown_statuses_do_not_break_parsing() {
        let call: Call = serde_json::from_str(r#"{"sid":"CA1","status":"teleported"}"#).unwrap();
        assert_eq!(call.status, Some(CallStatus::Unknown));
    }

    #[test]
    fn bad_numbers_are_errors_naming_the_value() {
        let err = serde_json::from_str::<Call>(r#"{"sid":"CA1","duration":"four"}"#).unwrap_err();
        assert!(err.to_string().contains("\"four\""), "{err}");
    }

    #[test]
    fn terminal_statuses() {
        assert!(CallStatus::NoAnswer.is_terminal());
        assert!(!CallStatus::Ringing.is_terminal());
        assert_eq!(
            serde_json::to_string(&CallStatus::NoAnswer).unwrap(),
            "\"no-answer\""
        );
    }
}
