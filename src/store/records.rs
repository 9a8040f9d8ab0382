//! The rows of the store, as the rest of the runtime sees them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::campaign::{CampaignSpec, Outcome};

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// Where a campaign is in its life.
    CampaignState {
        Defined = "defined",
        Running = "running",
        Paused = "paused",
        Stopped = "stopped",
        Done = "done",
    }
);

text_enum!(
    /// Where a contact is.
    ContactStatus {
        /// Waiting for its turn (or for a retry, or for its calling hours).
        Pending = "pending",
        /// An attempt is in progress.
        Dialing = "dialing",
        /// Reached, or out of retries.
        Done = "done",
        /// Never to be called: on the do-not-call list, no known timezone, …
        Skipped = "skipped",
    }
);

text_enum!(
    /// Where an attempt is.
    AttemptStatus {
        /// Written down; the API call may or may not have reached Twilio.
        Journaled = "journaled",
        /// Twilio accepted it and gave a CallSid.
        Placed = "placed",
        Finished = "finished",
        /// Twilio never saw it (refused locally, or reconciled as never placed).
        NotPlaced = "not-placed",
    }
);

text_enum!(
    /// What the audit log records.
    AuditAction {
        Placed = "placed",
        Skipped = "skipped",
        Deferred = "deferred",
        Refused = "refused",
        Finished = "finished",
        Reconciled = "reconciled",
        Paused = "paused",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignRecord {
    pub name: String,
    pub spec: CampaignSpec,
    pub state: CampaignState,
    pub reason: Option<String>,
    pub imported: bool,
    pub owner: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An attempt about to be placed for a campaign's contact.
#[derive(Debug, Clone, Copy)]
pub struct NewAttempt<'a> {
    pub contact: &'a ContactRecord,
    /// The caller ID the call will carry.
    pub from: &'a str,
    /// When the pacer let it through: the moment it is counted at for the one-second limit.
    pub at: DateTime<Utc>,
}

/// A contact to add.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewContact {
    /// E.164.
    pub to: String,
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub vars: BTreeMap<String, String>,
    /// The CSV line it came from.
    pub line: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactRecord {
    pub id: i64,
    pub campaign: String,
    pub to: String,
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub vars: BTreeMap<String, String>,
    pub line: Option<u64>,
    pub status: ContactStatus,
    pub attempts: u32,
    pub next_at: DateTime<Utc>,
    pub last_outcome: Option<Outcome>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    pub added: u64,
    /// Positions (in the batch) of contacts already in the campaign.
    pub duplicates: Vec<usize>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ContactCounts {
    pub pending: u64,
    pub dialing: u64,
    pub done: u64,
    pub skipped: u64,
}

impl ContactCounts {
    pub fn total(&self) -> u64 {
        self.pending + self.dialing + self.done + self.skipped
    }
}

/// Where a contact goes next.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Call again at this time.
    Retry(DateTime<Utc>),
    Done,
    Skipped,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Finish {
    pub status: Option<AttemptStatus>,
    pub outcome: Option<Outcome>,
    pub answered_by: Option<String>,
    pub duration: Option<u64>,
    /// Twilio's price (negative: a charge).
    pub price: Option<f64>,
    pub error_code: Option<u32>,
    pub error: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// Written to the audit log with the attempt's number, campaign and CallSid.
    pub audit: Option<(AuditAction, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptRecord {
    pub id: i64,
    pub campaign: Option<String>,
    pub contact_id: Option<i64>,
    pub to: String,
    pub from: String,
    pub journaled_at: DateTime<Utc>,
    pub call_sid: Option<String>,
    pub status: AttemptStatus,
    pub outcome: Option<Outcome>,
    pub duration: Option<u64>,
    pub price: Option<f64>,
}

impl AttemptRecord {
    /// Not yet ended: journaled, or placed and not finished.
    pub fn is_open(&self) -> bool {
        matches!(
            self.status,
            AttemptStatus::Journaled | AttemptStatus::Placed
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub campaign: Option<String>,
    pub to: String,
    pub action: AuditAction,
    pub reason: String,
    pub call_sid: Option<String>,
}

/// What a campaign did, read from its attempts and contacts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoreReport {
    pub contacts: ContactCounts,
    pub attempts: u64,
    /// Attempts by outcome name; open ones are under `in-progress`.
    pub outcomes: BTreeMap<String, u64>,
    /// Skipped contacts by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Billed seconds, summed.
    pub seconds: u64,
    pub cost_usd: f64,
}
