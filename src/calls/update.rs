//! A change of a call's status as Twilio reports it: a status callback, or a fetched resource
//! when callbacks cannot reach us.

use crate::twilio::{Call, CallStatus};

/// Where an update came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateSource {
    /// A signed status callback, ordered by its SequenceNumber.
    Callback,
    /// The Calls resource, fetched when polling or reconciling.
    Fetched,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    pub sid: String,
    pub status: CallStatus,
    /// Twilio's SequenceNumber (callbacks only).
    pub sequence: Option<u32>,
    /// Seconds, once the call has ended.
    pub duration: Option<u64>,
    pub price: Option<f64>,
    pub answered_by: Option<String>,
    pub to: Option<String>,
    pub from: Option<String>,
    pub source: UpdateSource,
}

impl StatusUpdate {
    /// From a fetched Calls resource.
    pub fn from_resource(call: &Call) -> Option<Self> {
        Some(Self {
            sid: call.sid.clone(),
            status: call.status?,
            sequence: None,
            duration: call.duration,
            price: call.price,
            answered_by: call.answered_by.clone(),
            to: call.to.clone(),
            from: call.from.clone(),
            source: UpdateSource::Fetched,
        })
    }
}

/// How far along the lifecycle a status is; a call never moves backwards.
pub(crate) fn rank(status: CallStatus) -> u8 {
    match status {
        CallStatus::Queued | CallStatus::Unknown => 0,
        CallStatus::Initiated => 1,
        CallStatus::Ringing => 2,
        CallStatus::InProgress => 3,
        CallStatus::Completed
        | CallStatus::Busy
        | CallStatus::Failed
        | CallStatus::NoAnswer
        | CallStatus::Canceled => 4,
    }
}
