//! After a crash, attempts the journal left open are settled against Twilio before anything
//! is dialled again: one written down without a CallSid is looked for in Twilio's call list
//! (To, From, created after the journal entry); one with a CallSid is fetched. Whatever
//! Twilio cannot answer stays open, so a contact is never dialled on a guess.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Duration, Utc};
use futures_util::StreamExt;
use serde::Serialize;

use super::spec::Outcome;
use super::{Inner, outcomes};
use crate::calls::CallInfo;
use crate::store::{AttemptRecord, AttemptStatus, AuditAction, Finish, Next, StoreError};
use crate::twilio::{Call, CallFilter, CallStatus};

/// Attempts open longer than this are checked by the periodic sweep.
const STALE_AFTER: Duration = Duration::minutes(2);
/// Clocks differ: a call created this long before its journal entry still matches it.
const CLOCK_SLACK: Duration = Duration::seconds(60);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Journaled attempts found in Twilio's call list.
    pub found: u64,
    /// Journaled attempts Twilio has no call for: their contacts are due again.
    pub never_placed: u64,
    /// Calls that ended while nobody was watching.
    pub finished: u64,
    /// Calls still going, followed from now on.
    pub live: u64,
    /// Attempts Twilio could not be asked about; they stay open.
    pub unresolved: u64,
}

impl ReconcileReport {
    pub fn total(&self) -> u64 {
        self.found + self.never_placed + self.finished + self.live + self.unresolved
    }
}

/// Settles the open attempts (of one campaign, or all) except those in `skip`.
pub async fn reconcile(
    inner: &Arc<Inner>,
    campaign: Option<&str>,
    skip: &HashSet<i64>,
) -> Result<ReconcileReport, StoreError> {
    let mut report = ReconcileReport::default();
    for attempt in inner.store.open_attempts(campaign).await? {
        if !skip.contains(&attempt.id) {
            settle(inner, &attempt, &mut report).await?;
        }
    }
    Ok(report)
}

/// [`reconcile`] for attempts that have been open a while (lost events, lost answers).
pub async fn sweep(
    inner: &Arc<Inner>,
    campaign: &str,
    skip: &HashSet<i64>,
) -> Result<ReconcileReport, StoreError> {
    let mut report = ReconcileReport::default();
    let before = Utc::now() - STALE_AFTER;
    for attempt in inner.store.open_attempts(Some(campaign)).await? {
        if !skip.contains(&attempt.id) && attempt.journaled_at < before {
            settle(inner, &attempt, &mut report).await?;
        }
    }
    Ok(report)
}

async fn settle(
    inner: &Arc<Inner>,
    attempt: &AttemptRecord,
    report: &mut ReconcileReport,
) -> Result<(), StoreError> {
    let Some(dialer) = &inner.dialer else {
        report.unresolved += 1;
        return Ok(());
    };
    let api = dialer.api();
    let call = match &attempt.call_sid {
        Some(sid) => match api.fetch_call(sid).await {
            Ok(call) => call,
            Err(e) => {
                tracing::warn!(call_sid = %sid, error = %e, "cannot fetch the call; its attempt stays open");
                report.unresolved += 1;
                return Ok(());
            }
        },
        None => match find_call(inner, attempt).await {
            Ok(Some(call)) => {
                inner
                    .store
                    .attempt_placed(
                        attempt.id,
                        &call.sid,
                        AuditAction::Reconciled,
                        "found in Twilio's call list",
                    )
                    .await?;
                report.found += 1;
                call
            }
            Ok(None) => {
                let finish = Finish {
                    status: Some(AttemptStatus::NotPlaced),
                    error: Some("never placed (no such call at Twilio)".to_owned()),
                    at: Some(Utc::now()),
                    audit: Some((
                        AuditAction::Reconciled,
                        "never placed: Twilio has no such call; due again".to_owned(),
                    )),
                    ..Finish::default()
                };
                inner
                    .store
                    .finish_attempt(attempt.id, &finish, &Next::Retry(Utc::now()))
                    .await?;
                report.never_placed += 1;
                return Ok(());
            }
            Err(e) => {
                tracing::warn!(to = %attempt.to, error = %e, "cannot search Twilio's call list; the attempt stays open");
                report.unresolved += 1;
                return Ok(());
            }
        },
    };
    let status = call.status.unwrap_or(CallStatus::Queued);
    if status.is_terminal() {
        let mut placed = attempt.clone();
        placed.call_sid = Some(call.sid.clone());
        let finish = Finish {
            outcome: Some(Outcome::from_status(
                status.as_str(),
                call.answered_by.as_deref(),
            )),
            answered_by: call.answered_by.clone(),
            duration: call.duration,
            price: call.price,
            at: Some(Utc::now()),
            ..Finish::default()
        };
        outcomes::finish_attempt(inner, &placed, finish).await?;
        report.finished += 1;
    } else {
        dialer.follow(
            CallInfo {
                sid: call.sid.clone(),
                to: attempt.to.clone(),
                from: attempt.from.clone(),
                agent: None,
                campaign: attempt.campaign.clone(),
            },
            status,
        );
        report.live += 1;
    }
    Ok(())
}

/// The call Twilio created for a journaled attempt: same To and From, created at or after the
/// entry (less clock slack), and not already claimed by another attempt.
async fn find_call(inner: &Inner, attempt: &AttemptRecord) -> Result<Option<Call>, String> {
    let Some(dialer) = &inner.dialer else {
        return Ok(None);
    };
    let since = attempt.journaled_at - CLOCK_SLACK;
    let filter = CallFilter {
        to: Some(attempt.to.clone()),
        from: (!attempt.from.is_empty()).then(|| attempt.from.clone()),
        start_time_after: Some(since.date_naive()),
        page_size: Some(100),
        ..CallFilter::default()
    };
    let mut calls = dialer.api().list_calls(&filter);
    while let Some(call) = calls.next().await {
        let call = call.map_err(|e| e.to_string())?;
        let created = call
            .date_created
            .or(call.start_time)
            .map(|t| t.with_timezone(&Utc));
        if created.is_none_or(|c| c < since) {
            continue;
        }
        // Unsure whether another attempt owns it: give up rather than guess.
        let owner = inner
            .store
            .attempt_by_sid(&call.sid)
            .await
            .map_err(|e| e.to_string())?;
        if owner.is_none() {
            return Ok(Some(call));
        }
    }
    Ok(None)
}
