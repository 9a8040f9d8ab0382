//! Where campaigns, contacts, attempts, the do-not-call list, schedule runs and the audit log
//! are kept. [`Store`] speaks in the product's terms only, so a PostgreSQL store for several
//! nodes can sit beside the embedded SQLite one ([`SqliteStore`]).

mod records;
mod sqlite;
pub mod usage;

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::campaign::CampaignSpec;

pub use records::{
    AttemptRecord, AttemptStatus, AuditAction, AuditEntry, CampaignRecord, CampaignState,
    ContactCounts, ContactRecord, ContactStatus, Finish, ImportCounts, NewAttempt, NewContact,
    Next, StoreReport,
};
pub use sqlite::{SqliteOptions, SqliteStore};
pub use usage::{CallRecord, UsageQuery, UsageRow, UsageTotals};

/// A store that failed; the message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store {url:?} cannot be opened: {message}")]
    Open { url: String, message: String },
    #[error("the store is busy: another process holds it locked ({0}); try again")]
    Locked(String),
    #[error("the store's disk is full ({0}); free space, then resume")]
    Full(String),
    #[error("the store failed: {0}")]
    Database(String),
    #[error("the store's data is damaged: {0}")]
    Corrupt(String),
    #[error("no campaign named {0:?}")]
    NoCampaign(String),
}

/// Everything the runtime keeps between runs.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Adds a campaign, or updates its spec (its state and contacts stay).
    async fn put_campaign(&self, name: &str, spec: &CampaignSpec) -> Result<(), StoreError>;
    async fn campaign(&self, name: &str) -> Result<Option<CampaignRecord>, StoreError>;
    async fn campaigns(&self) -> Result<Vec<CampaignRecord>, StoreError>;
    async fn set_campaign_state(
        &self,
        name: &str,
        state: CampaignState,
        reason: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Takes the campaign for `owner` until `until`, unless another owner holds it. Returns the
    /// other owner when it does.
    async fn lease_campaign(
        &self,
        name: &str,
        owner: &str,
        until: DateTime<Utc>,
        take_over: Option<&str>,
    ) -> Result<Option<String>, StoreError>;
    async fn release_campaign(&self, name: &str, owner: &str) -> Result<(), StoreError>;
    async fn mark_imported(&self, name: &str) -> Result<(), StoreError>;

    /// Adds contacts; one already in the campaign (same number) is counted as a duplicate.
    async fn add_contacts(
        &self,
        campaign: &str,
        contacts: &[NewContact],
        at: DateTime<Utc>,
    ) -> Result<ImportCounts, StoreError>;
    /// Pending contacts whose time has come, oldest first.
    async fn due_contacts(
        &self,
        campaign: &str,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ContactRecord>, StoreError>;
    /// When the next pending contact falls due.
    async fn next_due(&self, campaign: &str) -> Result<Option<DateTime<Utc>>, StoreError>;
    async fn contact_counts(&self, campaign: &str) -> Result<ContactCounts, StoreError>;
    async fn contacts(&self, campaign: &str) -> Result<Vec<ContactRecord>, StoreError>;
    async fn contact(&self, id: i64) -> Result<Option<ContactRecord>, StoreError>;
    /// Moves a contact on without calling it (skipped, or deferred to later).
    async fn settle_contact(
        &self,
        contact: i64,
        next: &Next,
        reason: &str,
    ) -> Result<(), StoreError>;

    /// Writes the attempts down before the calls are placed, and marks their contacts as
    /// dialing, in one transaction. Returns the attempts' ids in the order given; a contact may
    /// appear once.
    async fn journal_attempts(&self, attempts: &[NewAttempt<'_>]) -> Result<Vec<i64>, StoreError>;
    /// Completes the journal entry with the CallSid, and writes `action, reason` to the audit
    /// log in the same transaction.
    async fn attempt_placed(
        &self,
        attempt: i64,
        call_sid: &str,
        action: AuditAction,
        reason: &str,
    ) -> Result<(), StoreError>;
    /// Completes an attempt, moves its contact on and writes `finish.audit` to the audit log,
    /// in one transaction. `Ok(false)`: the attempt had already ended, and nothing changed
    /// (a repeated ending), so whatever the ending would count is not counted again.
    async fn finish_attempt(
        &self,
        attempt: i64,
        finish: &Finish,
        next: &Next,
    ) -> Result<bool, StoreError>;
    async fn attempt_by_sid(&self, call_sid: &str) -> Result<Option<AttemptRecord>, StoreError>;
    async fn attempt(&self, attempt: i64) -> Result<Option<AttemptRecord>, StoreError>;
    /// Every attempt of a campaign, in the order they were journaled.
    async fn attempts(&self, campaign: &str) -> Result<Vec<AttemptRecord>, StoreError>;
    /// Attempts not finished: journaled without a CallSid, or placed and not yet ended.
    async fn open_attempts(&self, campaign: Option<&str>)
    -> Result<Vec<AttemptRecord>, StoreError>;
    /// How many attempts each of `numbers` had since `since`, across campaigns (calls that
    /// were never placed do not count); numbers without attempts are absent.
    async fn attempts_since_each(
        &self,
        numbers: &[String],
        since: DateTime<Utc>,
    ) -> Result<HashMap<String, u32>, StoreError>;
    /// What calls have cost so far, in USD (positive), across campaigns or for one.
    async fn spend_usd(&self, campaign: Option<&str>) -> Result<f64, StoreError>;

    /// Adds numbers (E.164) to the do-not-call list; returns how many were new.
    async fn add_dnc(&self, numbers: &[String], source: &str) -> Result<u64, StoreError>;
    async fn is_dnc(&self, number: &str) -> Result<bool, StoreError>;
    /// The numbers among `numbers` that are on the do-not-call list.
    async fn dnc_among(&self, numbers: &[String]) -> Result<HashSet<String>, StoreError>;

    async fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    async fn audit_log(
        &self,
        campaign: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// Records that schedule `name` ran for its time `due`; false if that run was already made.
    async fn claim_schedule_run(
        &self,
        name: &str,
        due: DateTime<Utc>,
        fired: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn last_schedule_run(&self, name: &str) -> Result<Option<DateTime<Utc>>, StoreError>;

    async fn report(&self, campaign: &str) -> Result<StoreReport, StoreError>;

    /// Records a call that ended (once per CallSid; a repeat only fills in a missing price).
    async fn record_call(&self, call: &CallRecord) -> Result<(), StoreError>;
    /// Calls, minutes and cost per UTC day, campaign and agent.
    async fn usage(&self, query: &UsageQuery) -> Result<Vec<UsageRow>, StoreError>;
}
