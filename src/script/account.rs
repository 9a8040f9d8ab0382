//! The account's calls and recordings as scripts reach them (`twilio.calls`,
//! `twilio.recordings`): the options each function takes, with the script API's names, and the
//! Twilio requests behind them. Lua and Python both read their arguments into these types and
//! call these functions; each host only shapes the results and errors its own way.

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde::{Deserialize, Deserializer};

use crate::twilio::{
    Call, CallFilter, CallInstructions, CallStatus, MediaFormat, Recording, RecordingFilter,
    TwilioApi, TwilioError, UpdateCall,
};

/// How many items a listing gives when the script names no `limit`.
pub const DEFAULT_LIMIT: usize = 50;

/// `calls.list`: filters and how many calls at most.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallQuery {
    pub to: Option<String>,
    pub from: Option<String>,
    #[serde(default, deserialize_with = "listed_status")]
    pub status: Option<CallStatus>,
    /// Most calls to give (default 50).
    pub limit: Option<usize>,
}

/// `recordings.list`: the call they belong to and how many recordings at most.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordingQuery {
    pub call_sid: Option<String>,
    /// Most recordings to give (default 50).
    pub limit: Option<usize>,
}

/// `calls.redirect`: the call's new instructions, `twiml` or `url`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Redirect {
    pub twiml: Option<String>,
    pub url: Option<String>,
}

/// The statuses the Calls resource can be filtered by: a typo must not become a filter that
/// silently matches nothing.
fn listed_status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CallStatus>, D::Error> {
    const LISTED: [CallStatus; 8] = [
        CallStatus::Queued,
        CallStatus::Ringing,
        CallStatus::InProgress,
        CallStatus::Completed,
        CallStatus::Busy,
        CallStatus::Failed,
        CallStatus::NoAnswer,
        CallStatus::Canceled,
    ];
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    match LISTED.into_iter().find(|s| s.as_str() == text) {
        Some(status) => Ok(Some(status)),
        None => {
            let names: Vec<&str> = LISTED.iter().map(|s| s.as_str()).collect();
            Err(serde::de::Error::custom(format!(
                "{text:?} is not a call status ({})",
                names.join(", ")
            )))
        }
    }
}

/// Pages no larger than the listing needs.
fn page_size(limit: usize) -> u32 {
    u32::try_from(limit.clamp(1, 1000)).unwrap_or(1000)
}

/// The first `limit` items of a listing; the first failure ends it.
async fn first<T>(
    stream: BoxStream<'_, Result<T, TwilioError>>,
    limit: usize,
) -> Result<Vec<T>, TwilioError> {
    let mut stream = stream.take(limit);
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item?);
    }
    Ok(items)
}

/// The account's calls matching `query`, newest first.
pub async fn list_calls(api: &dyn TwilioApi, query: CallQuery) -> Result<Vec<Call>, TwilioError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let filter = CallFilter {
        to: query.to,
        from: query.from,
        status: query.status,
        page_size: Some(page_size(limit)),
        ..CallFilter::default()
    };
    first(api.list_calls(&filter), limit).await
}

/// The account's recordings (of one call, with `call_sid`), newest first.
pub async fn list_recordings(
    api: &dyn TwilioApi,
    query: RecordingQuery,
) -> Result<Vec<Recording>, TwilioError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let filter = RecordingFilter {
        call_sid: query.call_sid,
        page_size: Some(page_size(limit)),
        ..RecordingFilter::default()
    };
    first(api.list_recordings(&filter), limit).await
}

/// Ends a call in progress.
pub async fn hang_up(api: &dyn TwilioApi, sid: &str) -> Result<Call, TwilioError> {
    api.update_call(sid, &UpdateCall::hang_up()).await
}

/// Gives a live call new instructions; exactly one of `twiml` and `url`.
pub async fn redirect(api: &dyn TwilioApi, sid: &str, to: &Redirect) -> Result<Call, TwilioError> {
    let instructions = CallInstructions::from_parts(to.url.as_deref(), to.twiml.as_deref(), None)?;
    api.update_call(sid, &UpdateCall::redirect(instructions))
        .await
}

/// `"wav"` or `"mp3"`; the error says what is wrong with anything else.
pub fn media_format(name: &str) -> Result<MediaFormat, String> {
    match name {
        "wav" => Ok(MediaFormat::Wav),
        "mp3" => Ok(MediaFormat::Mp3),
        other => Err(format!("{other:?} is not \"wav\" or \"mp3\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_filter_must_be_a_listed_status() {
        let query: CallQuery =
            serde_json::from_value(serde_json::json!({ "status": "in-progress" })).unwrap();
        assert_eq!(query.status, Some(CallStatus::InProgress));
        let err = serde_json::from_value::<CallQuery>(serde_json::json!({ "status": "done" }))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"done\" is not a call status"), "{err}");
        let err = serde_json::from_value::<CallQuery>(serde_json::json!({ "call_sid": "CA1" }))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `call_sid`"), "{err}");
    }

    #[test]
    fn pages_are_as_large_as_the_limit_within_twilios_bounds() {
        assert_eq!(page_size(0), 1);
        assert_eq!(page_size(5), 5);
        assert_eq!(page_size(50_000), 1000);
    }

    #[test]
    fn media_formats_are_wav_and_mp3() {
        assert_eq!(media_format("mp3"), Ok(MediaFormat::Mp3));
        assert!(media_format("ogg").unwrap_err().contains("\"ogg\""));
    }
}
