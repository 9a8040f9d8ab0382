//! Placing one journaled attempt: the CallSid is written to the journal before any event of
//! the call is published, and an answer that may or may not have reached Twilio leaves the
//! attempt open for reconciliation instead of guessing.

use std::sync::{Arc, Mutex};

use chrono::Utc;

use super::run::{Held, Run};
use super::spec::{CampaignSpec, Outcome};
use super::{Inner, lock, outcomes};
use crate::calls::{CallRequest, Dialer};
use crate::store::{AttemptStatus, AuditAction, ContactRecord, Finish, StoreError};
use crate::twilio::{Delivery, TwilioError};

/// The call a contact gets; its row's name and extra columns become the flow's variables.
pub fn request(campaign: &str, spec: &CampaignSpec, contact: &ContactRecord) -> CallRequest {
    let mut vars = contact.vars.clone();
    if let Some(name) = &contact.name {
        vars.entry("name".to_owned())
            .or_insert_with(|| name.clone());
    }
    CallRequest {
        to: contact.to.clone(),
        from: spec.from.clone(),
        agent: spec.agent.clone(),
        message: spec.message.clone(),
        flow: spec.flow.clone(),
        campaign: Some(campaign.to_owned()),
        vars,
        timeout: spec.timeout,
        time_limit: spec.time_limit,
        machine_detection: spec.machine_detection.clone(),
        ..CallRequest::default()
    }
}

/// True when Twilio cannot have created the call.
pub fn never_placed(error: &TwilioError) -> bool {
    match error {
        TwilioError::Api(_) | TwilioError::InvalidRequest { .. } => true,
        TwilioError::InvalidNumber { .. } | TwilioError::Io { .. } => true,
        TwilioError::Transport { delivery, .. } => *delivery == Delivery::NotSent,
        // A 2xx answer that did not parse: the call exists.
        TwilioError::Decode { status, .. } => *status >= 400,
    }
}

pub async fn place(
    inner: Arc<Inner>,
    run: Arc<Run>,
    dialer: Dialer,
    request: CallRequest,
    contact: ContactRecord,
    held: Held,
) {
    let attempt = held.open.attempt;
    let held = Mutex::new(Some(held));
    let result = dialer
        .place_then(&request, |sid| {
            let (inner, run, held) = (&inner, &run, &held);
            Box::pin(async move {
                let placed = inner
                    .store
                    .attempt_placed(attempt, &sid, AuditAction::Placed, "placed")
                    .await;
                if let Err(e) = placed {
                    tracing::error!(campaign = %run.name, call_sid = %sid, error = %e, "cannot journal the CallSid; the attempt will be reconciled");
                }
                let taken = lock(held).take();
                if let Some(taken) = taken {
                    lock(&run.calls).insert(sid, taken);
                }
            })
        })
        .await;
    lock(&run.placing).remove(&attempt);
    let outcome = match result {
        Ok(_) => {
            if let Some(reason) = lock(&run.breaker).record(None) {
                run.pause(&reason);
            }
            Ok(())
        }
        Err(error) if never_placed(&error) => {
            refused(&inner, &run, &contact, attempt, &error).await
        }
        Err(error) => {
            tracing::warn!(campaign = %run.name, to = %contact.to, %error, "Twilio may or may not have placed this call; it stays open until Twilio's call list tells");
            Ok(())
        }
    };
    if let Err(e) = outcome {
        run.pause(&e.to_string());
    }
    drop(held);
    run.wake.notify_one();
}

async fn refused(
    inner: &Inner,
    run: &Run,
    contact: &ContactRecord,
    attempt: i64,
    error: &TwilioError,
) -> Result<(), StoreError> {
    let now = Utc::now();
    let next = outcomes::next_for(&run.spec, contact.attempts + 1, Outcome::Refused, now);
    let finish = Finish {
        status: Some(AttemptStatus::NotPlaced),
        outcome: Some(Outcome::Refused),
        error_code: error.code(),
        error: Some(error.to_string()),
        at: Some(now),
        audit: Some((AuditAction::Refused, error.to_string())),
        ..Finish::default()
    };
    inner.store.finish_attempt(attempt, &finish, &next).await?;
    tracing::warn!(campaign = %run.name, to = %contact.to, %error, "call refused");
    if let Some(reason) = lock(&run.breaker).record(Some(error.code().unwrap_or(0))) {
        tracing::error!(campaign = %run.name, %reason, "campaign paused");
        run.pause(&reason);
    }
    Ok(())
}
