//! What a campaign is: who to call, what they hear, how fast, and when to try again. Field
//! names are the script API's keyword names (`campaign.define(name, { ... })`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A campaign as defined by a script or read back from the store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignSpec {
    /// A CSV file (columns `to`, `name`, `timezone`, any other becomes a variable) or a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<ContactSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Caller ID; `twilio.from_number` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Calls per second for this campaign (the account-wide `limits.cps` applies too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cps: Option<f64>,
    /// Calls of this campaign in progress at once (`limits.max_concurrent_calls` applies too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent: Option<u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub retry: BTreeMap<Outcome, RetryRule>,
    /// `HH:MM-HH:MM` in the recipient's time; narrows `compliance.calling_hours`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calling_hours: Option<String>,
    /// `Enable` or `DetectMessageEnd`; needed for the `machine` outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_detection: Option<String>,
    /// Seconds to let each call ring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    /// Longest a call may last, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit: Option<u32>,
}

/// Where contacts come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ContactSource {
    File(PathBuf),
    List(Vec<ContactRow>),
}

/// One contact given by a script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRow {
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Every other field, read by the flow as `call.vars`.
    #[serde(flatten)]
    pub vars: BTreeMap<String, serde_json::Value>,
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Answered by a person (or, without machine detection, by anyone).
    Completed,
    Busy,
    #[serde(alias = "no_answer")]
    NoAnswer,
    Failed,
    Canceled,
    /// Answered by a machine (needs `machine_detection`).
    Machine,
    /// Twilio refused to place the call (an invalid or blocked number, for example).
    Refused,
}

impl Outcome {
    pub const ALL: &'static [Outcome] = &[
        Outcome::Completed,
        Outcome::Busy,
        Outcome::NoAnswer,
        Outcome::Failed,
        Outcome::Canceled,
        Outcome::Machine,
        Outcome::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Busy => "busy",
            Outcome::NoAnswer => "no-answer",
            Outcome::Failed => "failed",
            Outcome::Canceled => "canceled",
            Outcome::Machine => "machine",
            Outcome::Refused => "refused",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::ALL
            .iter()
            .copied()
            .find(|o| o.as_str() == text || o.as_str().replace('-', "_") == text)
    }

    /// The outcome of a call that ended with Twilio status `status`.
    pub fn from_status(status: &str, answered_by: Option<&str>) -> Outcome {
        let machine = answered_by.is_some_and(|a| a.starts_with("machine") || a == "fax");
        match status {
            "completed" if machine => Outcome::Machine,
            "busy" => Outcome::Busy,
            "no-answer" => Outcome::NoAnswer,
            "canceled" => Outcome::Canceled,
            "failed" => Outcome::Failed,
            _ => Outcome::Completed,
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Try again `after` this long, at most `max` more times, after one outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryRule {
    /// `"10m"`, `"1h 30m"`.
    pub after: String,
    pub max: u32,
}

impl RetryRule {
    pub fn delay(&self) -> Result<Duration, String> {
        humantime::parse_duration(&self.after)
            .map_err(|e| format!("{:?} is not a duration like \"10m\": {e}", self.after))
    }
}

/// A spec that cannot run, with the key at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct SpecError {
    pub key: String,
    pub message: String,
}

impl CampaignSpec {
    /// Checks what serde cannot: numbers in range, durations, hours, something to say.
    pub fn validate(&self) -> Result<(), SpecError> {
        let fail = |key: &str, message: String| {
            Err(SpecError {
                key: key.to_owned(),
                message,
            })
        };
        if self.contacts.is_none() {
            return fail("contacts", "give a CSV file or a list of contacts".into());
        }
        if self.flow.is_none() && self.message.is_none() && self.agent.is_none() {
            return fail(
                "flow",
                "give a flow, a message or an agent with a flow".into(),
            );
        }
        if let Some(cps) = self.cps
            && !(cps.is_finite() && cps > 0.0 && cps <= 1000.0)
        {
            return fail(
                "cps",
                format!("{cps} is not between 0 (exclusive) and 1000"),
            );
        }
        if self.max_concurrent == Some(0) {
            return fail("max_concurrent", "must be at least 1".into());
        }
        for (outcome, rule) in &self.retry {
            if *outcome == Outcome::Completed {
                return fail(
                    "retry.completed",
                    "a completed call is never retried".into(),
                );
            }
            if let Err(message) = rule.delay() {
                return fail(&format!("retry.{outcome}.after"), message);
            }
        }
        if let Some(hours) = &self.calling_hours
            && let Err(e) = super::hours::CallingHours::parse(hours)
        {
            return fail("calling_hours", e.to_string());
        }
        Ok(())
    }
}
