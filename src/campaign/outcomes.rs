//! Call endings move contacts on: the attempt is completed with its outcome, duration and
//! price, and the contact is retried or done by the campaign's retry policy.

use std::sync::{Arc, Weak};

use chrono::{DateTime, Utc};

use super::run::OpenAttempt;
use super::spec::{CampaignSpec, Outcome};
use super::{Inner, lock};
use crate::events::{CallEvent, EventKind};
use crate::store::{AttemptRecord, AuditAction, Finish, Next, StoreError};

/// Events queued for campaigns before the oldest are dropped (and then reconciled).
const QUEUE: usize = 1 << 16;

/// Where a contact goes after its `attempts`-th attempt ended with `outcome`: `max` in a retry
/// rule counts retries after the first call, whatever their outcomes were.
pub fn next_for(spec: &CampaignSpec, attempts: u32, outcome: Outcome, now: DateTime<Utc>) -> Next {
    match spec.retry.get(&outcome) {
        Some(rule) if attempts <= rule.max => match rule.delay() {
            Ok(delay) => Next::Retry(now + chrono::Duration::from_std(delay).unwrap_or_default()),
            Err(_) => Next::Done,
        },
        _ => Next::Done,
    }
}

/// Follows the endings of campaign calls until the campaigns are dropped.
pub async fn follow(inner: Weak<Inner>) {
    let mut events = match inner.upgrade() {
        Some(inner) => inner.bus.subscribe(
            "campaigns",
            &[EventKind::CallEnded, EventKind::CallFailed],
            QUEUE,
        ),
        None => return,
    };
    while let Some(event) = events.recv().await {
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let Some(call) = &event.call else {
            continue;
        };
        if call.campaign.is_none() || call.sid.is_empty() {
            continue;
        }
        // The slot is free as soon as the call is over; recording it (and fetching its price)
        // happens beside the next calls, not before them.
        let open = lock(&inner.running)
            .get(call.campaign.as_deref().unwrap_or_default())
            .and_then(|run| run.release(&call.sid));
        let call = call.clone();
        tokio::spawn(async move {
            if let Err(e) = ended(&inner, &call, open).await {
                // The attempt stays open; the next sweep finishes it from Twilio's records.
                tracing::error!(call_sid = %call.sid, error = %e, "cannot record the end of a campaign call");
            }
        });
    }
}

/// Records how a call ended, once; a repeated ending changes nothing. `open`: the attempt as
/// this process placed it, when it was still following the call; otherwise it is read back.
async fn ended(
    inner: &Arc<Inner>,
    call: &CallEvent,
    open: Option<OpenAttempt>,
) -> Result<(), StoreError> {
    let ending = match open {
        Some(open) => Ending {
            attempt: open.attempt,
            campaign: call.campaign.clone().unwrap_or_default(),
            attempts: open.attempts,
            call_sid: Some(call.sid.clone()),
        },
        None => match inner.store.attempt_by_sid(&call.sid).await? {
            Some(attempt) if attempt.is_open() => Ending::read(inner, &attempt).await?,
            _ => return Ok(()),
        },
    };
    let outcome = Outcome::from_status(&call.status, call.answered_by.as_deref());
    let price = match &inner.dialer {
        Some(dialer) => crate::usage::price_of(call, dialer.api().as_ref()).await,
        None => call.price,
    };
    let finish = Finish {
        outcome: Some(outcome),
        answered_by: call.answered_by.clone(),
        duration: call.duration,
        price,
        error_code: call.error.as_ref().and_then(|e| e.code),
        error: call.error.as_ref().map(|e| e.message.clone()),
        at: Some(Utc::now()),
        ..Finish::default()
    };
    if finish_open(inner, &ending, finish).await? {
        crate::usage::count_cost(call.campaign.as_deref(), call.agent.as_deref(), price);
    }
    Ok(())
}

/// An open attempt, as its ending needs it.
struct Ending {
    attempt: i64,
    campaign: String,
    /// The contact's attempts, this one included.
    attempts: u32,
    call_sid: Option<String>,
}

impl Ending {
    /// Reads what `attempt` (open) does not carry: its contact's attempts.
    async fn read(inner: &Inner, attempt: &AttemptRecord) -> Result<Self, StoreError> {
        let attempts = match attempt.contact_id {
            Some(id) => inner.store.contact(id).await?.map_or(1, |c| c.attempts),
            None => 1,
        };
        Ok(Self {
            attempt: attempt.id,
            campaign: attempt.campaign.clone().unwrap_or_default(),
            attempts,
            call_sid: attempt.call_sid.clone(),
        })
    }
}

/// Completes an attempt by its outcome and moves its contact on, if it is still open.
pub async fn finish_attempt(
    inner: &Arc<Inner>,
    attempt: &AttemptRecord,
    finish: Finish,
) -> Result<(), StoreError> {
    if attempt.is_open() {
        let ending = Ending::read(inner, attempt).await?;
        finish_open(inner, &ending, finish).await?;
    } else if let Some(sid) = &attempt.call_sid
        && let Some(run) = lock(&inner.running).get(attempt.campaign.as_deref().unwrap_or_default())
    {
        run.release(sid);
    }
    Ok(())
}

/// Completes an open attempt by its outcome and moves its contact on. `false`: it had
/// already ended, and nothing was counted again.
async fn finish_open(
    inner: &Arc<Inner>,
    ending: &Ending,
    finish: Finish,
) -> Result<bool, StoreError> {
    let run = lock(&inner.running).get(&ending.campaign).cloned();
    let spec = match &run {
        Some(run) => run.spec.clone(),
        None => inner
            .store
            .campaign(&ending.campaign)
            .await?
            .map(|c| c.spec)
            .unwrap_or_default(),
    };
    let outcome = finish.outcome.unwrap_or(Outcome::Completed);
    let now = Utc::now();
    let next = next_for(&spec, ending.attempts, outcome, now);
    let reason = match (&next, finish.duration) {
        (Next::Retry(at), _) => {
            format!("{outcome}; retry at {}", at.format("%Y-%m-%d %H:%M:%S UTC"))
        }
        (_, Some(seconds)) => format!("{outcome} after {seconds}s"),
        _ => outcome.to_string(),
    };
    let finish = Finish {
        audit: Some((AuditAction::Finished, reason)),
        ..finish
    };
    let recorded = inner
        .store
        .finish_attempt(ending.attempt, &finish, &next)
        .await?;
    if recorded {
        inner.add_price(finish.price);
    }
    if let Some(run) = &run {
        if recorded {
            let failure = (outcome == Outcome::Failed).then(|| finish.error_code.unwrap_or(0));
            if let Some(reason) = lock(&run.breaker).record(failure) {
                tracing::error!(campaign = %ending.campaign, %reason, "campaign paused");
                run.pause(&reason);
            }
        }
        if let Some(sid) = &ending.call_sid {
            run.release(sid);
        }
    }
    Ok(recorded)
}
