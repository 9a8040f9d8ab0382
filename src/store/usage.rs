//! Usage: what every call cost, kept per call and summed per campaign, agent and day.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// A call that ended, as usage counts it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRecord {
    pub sid: String,
    pub campaign: Option<String>,
    pub agent: Option<String>,
    pub to: String,
    pub from: String,
    /// The terminal status: completed, busy, no-answer, failed, canceled.
    pub status: String,
    /// Seconds, as Twilio bills them.
    pub duration: u64,
    /// Twilio's price (negative: a charge); `None` until Twilio has rated the call.
    pub price: Option<f64>,
    pub ended_at: DateTime<Utc>,
}

/// Which calls a usage summary covers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageQuery {
    /// Only this campaign's calls.
    pub campaign: Option<String>,
    /// Only calls that ended on this UTC day or later.
    pub since: Option<NaiveDate>,
}

/// Calls, minutes and cost of one campaign (or none) and agent (or none) on one UTC day.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UsageRow {
    pub day: NaiveDate,
    pub campaign: Option<String>,
    pub agent: Option<String>,
    #[serde(flatten)]
    pub totals: UsageTotals,
}

/// What a set of calls used.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UsageTotals {
    pub calls: u64,
    /// Calls that were answered (by a person or a machine) and ended normally.
    pub completed: u64,
    pub seconds: u64,
    /// Minutes as Twilio bills them: each call rounded up to a whole minute.
    pub billed_minutes: u64,
    /// What Twilio charged, in USD (positive).
    pub cost_usd: f64,
    /// Calls with talk time whose price Twilio has not reported yet: `cost_usd` may grow.
    pub unrated: u64,
}

/// The sum of `rows`.
pub fn total(rows: &[UsageRow]) -> UsageTotals {
    rows.iter().fold(UsageTotals::default(), |mut sum, row| {
        let row = &row.totals;
        sum.calls += row.calls;
        sum.completed += row.completed;
        sum.seconds += row.seconds;
        sum.billed_minutes += row.billed_minutes;
        sum.cost_usd += row.cost_usd;
        sum.unrated += row.unrated;
        sum
    })
}
