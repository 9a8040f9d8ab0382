//! One campaign's runner: imports its contacts once, reconciles what a crash left open, then
//! picks due contacts and waits for a slot and the pace for each; the contacts let through are
//! asked of the guard, journaled and dialled in batches, while the pacer goes on.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, watch};

use super::breaker::Breaker;
use super::contacts::{self, Problems};
use super::guard::Decision;
use super::pacing::Pacer;
use super::spec::{CampaignSpec, ContactSource};
use super::{CallingHours, CampaignSettings, Inner, lock, placing, reconcile};
use crate::calls::Dialer;
use crate::events::EventKind;
use crate::store::{
    AuditAction, AuditEntry, CampaignState, ContactRecord, NewAttempt, Next, StoreError,
};

/// How long a campaign's lease lasts; the runner renews it well before.
pub const LEASE: chrono::Duration = chrono::Duration::seconds(30);
const RENEW_EVERY: Duration = Duration::from_secs(10);
/// Contacts read from the store at a time.
const PAGE: u32 = 64;
/// How often open attempts are checked against Twilio while a campaign waits on them.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// The fewest progress events a second.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    Running,
    Paused(String),
    Stopped,
}

/// Permits a call holds while it is in progress, and what its ending needs to know.
#[derive(Debug)]
pub struct Held {
    pub open: OpenAttempt,
    _campaign: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

/// An attempt this run journaled and placed, known without reading it back: the ending of its
/// call needs no read of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenAttempt {
    pub attempt: i64,
    /// The contact's attempts, this one included (what the retry policy counts).
    pub attempts: u32,
}

#[derive(Debug)]
pub struct Run {
    pub name: String,
    pub spec: CampaignSpec,
    pub hours: CallingHours,
    pub control: watch::Sender<Control>,
    pub finished: watch::Sender<bool>,
    slots: Arc<Semaphore>,
    pacer: Pacer,
    /// One reading of both clocks: admission instants become wall-clock times through it, so
    /// the journal keeps the pacer's exact spacing (a clock read later would add delay).
    anchor: (tokio::time::Instant, DateTime<Utc>),
    /// CallSid → the permits of a call in progress.
    pub calls: Mutex<HashMap<String, Held>>,
    /// Attempts being placed right now (journaled, answer not back yet).
    pub placing: Mutex<HashSet<i64>>,
    pub breaker: Mutex<Breaker>,
    pub wake: Notify,
}

impl Run {
    pub fn new(name: &str, spec: CampaignSpec, settings: &CampaignSettings) -> Self {
        let hours = spec
            .calling_hours
            .as_deref()
            .and_then(|h| CallingHours::parse(h).ok())
            .and_then(|h| h.narrow(settings.hours))
            .unwrap_or(settings.hours);
        let cps = spec.cps.unwrap_or(settings.cps).min(settings.cps);
        let concurrent = spec
            .max_concurrent
            .unwrap_or(settings.max_concurrent_calls)
            .max(1);
        Self {
            name: name.to_owned(),
            hours,
            control: watch::Sender::new(Control::Running),
            finished: watch::Sender::new(false),
            slots: Arc::new(Semaphore::new(concurrent as usize)),
            pacer: Pacer::new(cps),
            anchor: (tokio::time::Instant::now(), Utc::now()),
            calls: Mutex::new(HashMap::new()),
            placing: Mutex::new(HashSet::new()),
            breaker: Mutex::new(Breaker::default()),
            wake: Notify::new(),
            spec,
        }
    }

    pub fn pause(&self, reason: &str) {
        self.control
            .send_replace(Control::Paused(reason.to_owned()));
    }

    pub fn resume(&self) {
        self.control.send_if_modified(|c| {
            if matches!(c, Control::Paused(_)) {
                *c = Control::Running;
                true
            } else {
                false
            }
        });
    }

    pub fn stop(&self) {
        self.control.send_replace(Control::Stopped);
    }

    /// The pace: the campaign's `cps`, never above `limits.cps`.
    pub fn cps(&self) -> f64 {
        self.pacer.cps()
    }

    /// The wall-clock time of `instant`, by the run's anchor.
    fn wall_time(&self, instant: tokio::time::Instant) -> DateTime<Utc> {
        let (anchor, wall) = self.anchor;
        let since = instant.saturating_duration_since(anchor);
        wall + chrono::Duration::from_std(since).unwrap_or_default()
    }

    pub fn in_progress(&self) -> usize {
        lock(&self.calls).len() + lock(&self.placing).len()
    }

    /// Frees the slots of the call `sid`; its attempt, if this run was still following it.
    pub fn release(&self, sid: &str) -> Option<OpenAttempt> {
        let held = lock(&self.calls).remove(sid)?;
        self.wake.notify_one();
        Some(held.open)
    }
}

/// Why dialing stopped.
enum Ending {
    Done,
    Stopped,
    Paused,
}

pub async fn drive(inner: Arc<Inner>, run: Arc<Run>, dialer: Dialer) {
    let name = run.name.clone();
    let renew = tokio::spawn(renew_lease(inner.clone(), name.clone()));
    let ending = loop {
        match dial_until_blocked(&inner, &run, &dialer).await {
            Ok(Ending::Paused) => {}
            Ok(ending) => break ending,
            Err(error) => {
                // The store failed (locked, disk full): nothing is dialled without a journal,
                // so pause until someone resumes.
                let reason = error.to_string();
                tracing::error!(campaign = %name, %reason, "campaign paused");
                run.pause(&reason);
                publish_state(&inner, &run, CampaignState::Paused, Some(&reason)).await;
            }
        }
        if !wait_while_paused(&inner, &run).await {
            break Ending::Stopped;
        }
    };
    renew.abort();
    let state = match ending {
        Ending::Done => CampaignState::Done,
        Ending::Stopped | Ending::Paused => CampaignState::Stopped,
    };
    // Calls still in progress finish on their own; their endings are recorded as they come.
    publish_state(&inner, &run, state, None).await;
    if let Err(e) = inner.store.release_campaign(&name, &inner.owner).await {
        tracing::warn!(campaign = %name, error = %e, "cannot release the campaign's lease");
    }
    if matches!(ending, Ending::Done) {
        let report = inner.store.report(&name).await.ok();
        inner.publish(
            EventKind::CampaignDone,
            json!({ "campaign": name, "report": report }),
        );
    }
    lock(&inner.running).remove(&name);
    run.finished.send_replace(true);
}

/// Why a campaign cannot go on until someone acts.
#[derive(Debug, thiserror::Error)]
enum Blocked {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read the contacts: {0}")]
    Contacts(String),
}

/// Sets and announces the campaign's state.
async fn publish_state(inner: &Inner, run: &Run, state: CampaignState, reason: Option<&str>) {
    if let Err(e) = inner
        .store
        .set_campaign_state(&run.name, state, reason)
        .await
    {
        tracing::warn!(campaign = %run.name, error = %e, "cannot record the campaign's state");
    }
    progress(inner, run, state, reason).await;
}

async fn progress(inner: &Inner, run: &Run, state: CampaignState, reason: Option<&str>) {
    let counts = inner
        .store
        .contact_counts(&run.name)
        .await
        .unwrap_or_default();
    // Queue depth: contacts waiting for their turn, and calls this campaign has in progress.
    metrics::gauge!("projectx_campaign_pending_contacts", "campaign" => run.name.clone())
        .set(counts.pending as f64);
    metrics::gauge!("projectx_campaign_calls_in_progress", "campaign" => run.name.clone())
        .set(run.in_progress() as f64);
    inner.publish(
        EventKind::CampaignProgress,
        json!({
            "campaign": run.name,
            "state": state.as_str(),
            "reason": reason,
            "total": counts.total(),
            "pending": counts.pending,
            "dialing": counts.dialing,
            "done": counts.done,
            "skipped": counts.skipped,
            "in_progress": run.in_progress(),
        }),
    );
}

/// Waits out a pause; false when the campaign was stopped instead.
async fn wait_while_paused(inner: &Inner, run: &Run) -> bool {
    let mut control = run.control.subscribe();
    loop {
        let current = control.borrow_and_update().clone();
        match current {
            Control::Running => {
                publish_state(inner, run, CampaignState::Running, None).await;
                return true;
            }
            Control::Stopped => return false,
            Control::Paused(_) => {
                if control.changed().await.is_err() {
                    return false;
                }
            }
        }
    }
}

async fn renew_lease(inner: Arc<Inner>, name: String) {
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        let until = Utc::now() + LEASE;
        if let Err(e) = inner
            .store
            .lease_campaign(&name, &inner.owner, until, Some(&inner.owner))
            .await
        {
            tracing::warn!(campaign = %name, error = %e, "cannot renew the campaign's lease");
        }
    }
}

/// Imports the contacts once per campaign, streaming the file in batches.
async fn import(inner: &Inner, run: &Run) -> Result<(), Blocked> {
    let Some(record) = inner.store.campaign(&run.name).await? else {
        return Ok(());
    };
    if record.imported {
        return Ok(());
    }
    let region = inner.settings.region.clone();
    let mut duplicates = Problems::default();
    let mut added = 0;
    let problems = match &run.spec.contacts {
        None => Problems::default(),
        Some(ContactSource::List(rows)) => {
            let (rows, problems) = contacts::from_rows(rows, &region);
            let counts = inner
                .store
                .add_contacts(&run.name, &rows, Utc::now())
                .await?;
            added += counts.added;
            note_duplicates(&rows, &counts.duplicates, &mut duplicates);
            problems
        }
        Some(ContactSource::File(path)) => {
            let mut stream = contacts::CsvStream::start(path, &region);
            while let Some(batch) = stream.batches.recv().await {
                let counts = inner
                    .store
                    .add_contacts(&run.name, &batch, Utc::now())
                    .await?;
                added += counts.added;
                note_duplicates(&batch, &counts.duplicates, &mut duplicates);
            }
            stream
                .finish()
                .await
                .map_err(|e| Blocked::Contacts(e.to_string()))?
        }
    };
    for problem in problems.first.iter().chain(&duplicates.first) {
        tracing::warn!(campaign = %run.name, "contacts: {problem}");
    }
    inner.store.mark_imported(&run.name).await?;
    tracing::info!(campaign = %run.name, added, rejected = problems.count, duplicates = duplicates.count, "contacts imported");
    inner.publish(
        EventKind::CampaignProgress,
        json!({
            "campaign": run.name,
            "state": "importing",
            "imported": added,
            "rejected": problems.count,
            "duplicates": duplicates.count,
            "problems": problems.first.iter().chain(&duplicates.first).map(ToString::to_string).collect::<Vec<_>>(),
        }),
    );
    Ok(())
}

fn note_duplicates(batch: &[crate::store::NewContact], indices: &[usize], out: &mut Problems) {
    for &i in indices {
        if let Some(contact) = batch.get(i) {
            out.push(
                contact.line.unwrap_or(0),
                format!("duplicate contact {} (already in the campaign)", contact.to),
            );
        }
    }
}

/// Dials until the campaign is done, stopped or paused. Errors are the store's.
async fn dial_until_blocked(
    inner: &Arc<Inner>,
    run: &Arc<Run>,
    dialer: &Dialer,
) -> Result<Ending, Blocked> {
    import(inner, run).await?;
    let skip = lock(&run.placing).clone();
    let report = reconcile::reconcile(inner, Some(&run.name), &skip).await?;
    if report.total() > 0 {
        tracing::info!(campaign = %run.name, ?report, "open attempts reconciled");
    }
    let mut control = run.control.subscribe();
    let mut last_progress = tokio::time::Instant::now();
    let mut last_sweep = tokio::time::Instant::now();
    progress(inner, run, CampaignState::Running, None).await;
    loop {
        let current = control.borrow_and_update().clone();
        match current {
            Control::Running => {}
            Control::Paused(reason) => {
                tracing::warn!(campaign = %run.name, %reason, "campaign paused");
                publish_state(inner, run, CampaignState::Paused, Some(&reason)).await;
                return Ok(Ending::Paused);
            }
            Control::Stopped => return Ok(Ending::Stopped),
        }
        if let Some(reason) = inner.over_budget() {
            run.pause(&reason);
            continue;
        }
        if last_progress.elapsed() >= PROGRESS_EVERY {
            progress(inner, run, CampaignState::Running, None).await;
            last_progress = tokio::time::Instant::now();
        }
        let now = Utc::now();
        let due = inner.store.due_contacts(&run.name, now, PAGE).await?;
        if due.is_empty() {
            let counts = inner.store.contact_counts(&run.name).await?;
            if counts.pending == 0 && counts.dialing == 0 && run.in_progress() == 0 {
                return Ok(Ending::Done);
            }
            if last_sweep.elapsed() >= SWEEP_EVERY {
                let skip = lock(&run.placing).clone();
                reconcile::sweep(inner, &run.name, &skip).await?;
                last_sweep = tokio::time::Instant::now();
            }
            let wait = match inner.store.next_due(&run.name).await? {
                Some(at) => (at - Utc::now()).to_std().unwrap_or_default(),
                None => SWEEP_EVERY,
            }
            .clamp(Duration::from_millis(10), Duration::from_secs(1));
            tokio::select! {
                () = run.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                _ = control.changed() => {}
            }
            continue;
        }
        // The guard and the journal work through the contacts in batches while the pacer
        // lets the next ones through; the page is finished before the next one is read.
        let (batches, receiver) = mpsc::unbounded_channel();
        let dialing = tokio::spawn(dial_batches(
            inner.clone(),
            run.clone(),
            dialer.clone(),
            receiver,
        ));
        for contact in due {
            let running = *control.borrow() == Control::Running;
            if !running {
                break;
            }
            let Some(held) = slots(inner, run, &mut control).await else {
                break;
            };
            let admitted = tokio::select! {
                at = run.pacer.ready() => run.wall_time(at),
                _ = control.changed() => break,
            };
            if batches.send((contact, held, admitted)).is_err() {
                break; // the batches stopped on a store error, returned below
            }
        }
        drop(batches);
        match dialing.await {
            Ok(result) => result?,
            Err(panic) => {
                return Err(StoreError::Database(format!("the dialer failed: {panic}")).into());
            }
        }
    }
}

/// A slot of the campaign and one of the account, or None when the campaign stops or pauses.
async fn slots(inner: &Inner, run: &Run, control: &mut watch::Receiver<Control>) -> Option<Slots> {
    let campaign = tokio::select! {
        permit = run.slots.clone().acquire_owned() => permit.ok()?,
        _ = control.changed() => return None,
    };
    let global = tokio::select! {
        permit = inner.slots.clone().acquire_owned() => permit.ok()?,
        _ = control.changed() => return None,
    };
    Some((campaign, global))
}

/// A contact let through by the pacer, with its slots and when it was let through.
type Admitted = (ContactRecord, Slots, DateTime<Utc>);
type Slots = (OwnedSemaphorePermit, OwnedSemaphorePermit);

/// The most contacts guarded and journaled together.
const MAX_BATCH: usize = 256;

/// Takes whatever the pacer has let through since the last batch, so under load one look at
/// the lists and one journal transaction serve many contacts, and when idle a batch is one.
async fn dial_batches(
    inner: Arc<Inner>,
    run: Arc<Run>,
    dialer: Dialer,
    mut admitted: mpsc::UnboundedReceiver<Admitted>,
) -> Result<(), StoreError> {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while admitted.recv_many(&mut batch, MAX_BATCH).await > 0 {
        dial_batch(&inner, &run, &dialer, std::mem::take(&mut batch)).await?;
    }
    Ok(())
}

async fn dial_batch(
    inner: &Arc<Inner>,
    run: &Arc<Run>,
    dialer: &Dialer,
    batch: Vec<Admitted>,
) -> Result<(), StoreError> {
    // Checked again here: a call that ended while these waited for their slots may have
    // crossed the limit.
    if let Some(reason) = inner.over_budget() {
        run.pause(&reason);
        return Ok(());
    }
    let now = Utc::now();
    let asked: Vec<(&str, Option<&str>)> = batch
        .iter()
        .map(|(contact, _, _)| (contact.to.as_str(), contact.timezone.as_deref()))
        .collect();
    let decisions = inner.guard.check_many(&asked, run.hours, now).await?;
    let mut dials = Vec::with_capacity(batch.len());
    for ((contact, slots, admitted), decision) in batch.into_iter().zip(decisions) {
        if decision == Decision::Dial {
            let request = placing::request(&run.name, &run.spec, &contact);
            let from = dialer.caller_id(&request).unwrap_or_default();
            dials.push((contact, slots, request, from, admitted));
        } else {
            settle(inner, run, &contact, decision, now).await?;
        }
    }
    let journal: Vec<NewAttempt> = dials
        .iter()
        .map(|(contact, _, _, from, at)| NewAttempt {
            contact,
            from,
            at: *at,
        })
        .collect();
    let attempts = inner.store.journal_attempts(&journal).await?;
    for ((contact, (campaign, global), request, ..), attempt) in dials.into_iter().zip(attempts) {
        lock(&run.placing).insert(attempt);
        let held = Held {
            open: OpenAttempt {
                attempt,
                attempts: contact.attempts.saturating_add(1),
            },
            _campaign: campaign,
            _global: global,
        };
        tokio::spawn(placing::place(
            inner.clone(),
            run.clone(),
            dialer.clone(),
            request,
            contact,
            held,
        ));
    }
    Ok(())
}

/// Records a contact the guard did not let through: skipped for good, or deferred.
async fn settle(
    inner: &Inner,
    run: &Run,
    contact: &ContactRecord,
    decision: Decision,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let audit = |action, reason: String| AuditEntry {
        at: now,
        campaign: Some(run.name.clone()),
        to: contact.to.clone(),
        action,
        reason,
        call_sid: None,
    };
    match decision {
        Decision::Skip { reason, detail } => {
            inner
                .store
                .settle_contact(contact.id, &Next::Skipped, reason.as_str())
                .await?;
            inner
                .store
                .audit(&audit(AuditAction::Skipped, detail))
                .await
        }
        Decision::Defer { until, reason } => {
            inner
                .store
                .settle_contact(contact.id, &Next::Retry(until), &reason)
                .await?;
            inner
                .store
                .audit(&audit(
                    AuditAction::Deferred,
                    format!("{reason}; next try {}", until.format("%Y-%m-%d %H:%M UTC")),
                ))
                .await
        }
        Decision::Dial => Ok(()),
    }
}
