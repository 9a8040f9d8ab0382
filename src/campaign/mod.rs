//! Campaigns: contacts dialled at a steady pace, retried by outcome, each dial cleared by the
//! compliance guard and journaled before it is placed, so a crash never dials anyone twice.
//!
//! [`Campaigns`] is the handle scripts and the CLI use. Each started campaign has one runner
//! task ([`run`]) that picks due contacts from the store; placing happens in tasks of its own
//! ([`placing`]); call endings come from the event bus ([`outcomes`]) and move contacts on.

mod breaker;
mod contacts;
mod guard;
mod hours;
mod outcomes;
mod pacing;
mod placing;
mod plan;
mod reconcile;
mod run;
mod spec;
mod timezone;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use serde::Serialize;
use tokio::sync::Semaphore;

pub use contacts::{ContactsError, Problems, RowProblem, read_csv, read_dnc};
pub use guard::{Decision, Guard, SkipReason, contact_zones};
pub use hours::CallingHours;
pub use pacing::Pacer;
pub use plan::{PlanLine, PlanReport};
pub use reconcile::ReconcileReport;
pub use spec::{CampaignSpec, ContactRow, ContactSource, Outcome, RetryRule, SpecError};
pub use timezone::zones_for;

use crate::calls::Dialer;
use crate::events::{Event, EventBus, EventKind};
use crate::script::OptOuts;
use crate::store::{CampaignState, ContactCounts, Store, StoreError, StoreReport};

/// What campaigns take from the configuration.
#[derive(Debug, Clone)]
pub struct CampaignSettings {
    pub hours: CallingHours,
    pub max_attempts_per_day: u32,
    pub max_spend_usd: Option<f64>,
    /// For numbers written without `+`.
    pub region: String,
    /// Calls in progress at once, across campaigns.
    pub max_concurrent_calls: u32,
    /// The pace of a campaign that names none (`limits.cps`).
    pub cps: f64,
    /// Relative contact files are found from here.
    pub base_dir: PathBuf,
}

impl Default for CampaignSettings {
    fn default() -> Self {
        Self {
            hours: CallingHours::ALL_DAY,
            max_attempts_per_day: 3,
            max_spend_usd: None,
            region: "US".to_owned(),
            max_concurrent_calls: 10,
            cps: 1.0,
            base_dir: PathBuf::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error("no campaign named {0:?}; define it first (campaign.define)")]
    Unknown(String),
    #[error("campaign {0:?} is already running")]
    AlreadyRunning(String),
    #[error(
        "campaign {name:?} is running in another process ({owner}); stop it there, or wait for its lease to lapse"
    )]
    RunningElsewhere { name: String, owner: String },
    #[error("campaign {0:?} is not running here")]
    NotRunning(String),
    #[error("campaign {name:?}: {error}")]
    Spec { name: String, error: SpecError },
    #[error("campaign names are letters, digits, '-' and '_' (got {0:?})")]
    BadName(String),
    #[error("campaigns cannot dial here: no Twilio connection (this is a dry run)")]
    NoDialer,
    #[error(transparent)]
    Contacts(#[from] ContactsError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CampaignError {
    /// A short name for scripts to branch on (`already_running`, `unknown`, `store`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            CampaignError::Unknown(_) => "unknown",
            CampaignError::AlreadyRunning(_) | CampaignError::RunningElsewhere { .. } => {
                "already_running"
            }
            CampaignError::NotRunning(_) => "not_running",
            CampaignError::NoDialer => "no_dialer",
            CampaignError::Store(_) => "store",
            CampaignError::Contacts(_) => "contacts",
            CampaignError::Spec { .. } | CampaignError::BadName(_) => "invalid",
        }
    }
}

/// A campaign's state and numbers, for `campaign.status` and `projectx campaign status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignStatus {
    pub name: String,
    pub state: CampaignState,
    pub reason: Option<String>,
    pub contacts: ContactCounts,
    /// Calls of this campaign in progress in this process.
    pub in_progress: usize,
    pub spend_usd: f64,
}

/// The campaigns of one runtime. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Campaigns {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    dialer: Option<Dialer>,
    guard: Guard,
    settings: CampaignSettings,
    bus: EventBus,
    /// Who holds the campaigns this process runs: `host:pid`.
    owner: String,
    /// Calls in progress across campaigns.
    slots: Arc<Semaphore>,
    running: Mutex<HashMap<String, Arc<run::Run>>>,
    /// What calls have cost so far, in millionths of a USD: read before every dial.
    spent_micros: std::sync::atomic::AtomicU64,
}

fn is_name(name: &str) -> bool {
    crate::calls::is_flow_name(name)
}

impl Campaigns {
    pub fn new(
        store: Arc<dyn Store>,
        dialer: Option<Dialer>,
        settings: CampaignSettings,
        bus: EventBus,
        opt_outs: OptOuts,
    ) -> Self {
        let guard = Guard {
            hours: settings.hours,
            max_attempts_per_day: settings.max_attempts_per_day,
            region: settings.region.clone(),
            store: store.clone(),
            opt_outs,
        };
        let slots = Arc::new(Semaphore::new(settings.max_concurrent_calls.max(1) as usize));
        let inner = Arc::new(Inner {
            store,
            dialer,
            guard,
            settings,
            bus,
            owner: owner_id(),
            slots,
            running: Mutex::new(HashMap::new()),
            spent_micros: std::sync::atomic::AtomicU64::new(0),
        });
        if inner.dialer.is_some() {
            tokio::spawn(outcomes::follow(Arc::downgrade(&inner)));
        }
        Self { inner }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    pub fn guard(&self) -> &Guard {
        &self.inner.guard
    }

    pub fn settings(&self) -> &CampaignSettings {
        &self.inner.settings
    }

    /// Adds or updates a campaign; a relative contacts file is found from `base`.
    pub async fn define(
        &self,
        name: &str,
        mut spec: CampaignSpec,
        base: Option<&std::path::Path>,
    ) -> Result<(), CampaignError> {
        if !is_name(name) {
            return Err(CampaignError::BadName(name.to_owned()));
        }
        spec.validate().map_err(|error| CampaignError::Spec {
            name: name.to_owned(),
            error,
        })?;
        if let Some(ContactSource::File(path)) = &mut spec.contacts
            && path.is_relative()
        {
            let base = base.unwrap_or(&self.inner.settings.base_dir);
            *path = base.join(&*path);
        }
        self.inner.store.put_campaign(name, &spec).await?;
        Ok(())
    }

    async fn record(&self, name: &str) -> Result<crate::store::CampaignRecord, CampaignError> {
        self.inner
            .store
            .campaign(name)
            .await?
            .ok_or_else(|| CampaignError::Unknown(name.to_owned()))
    }

    /// Starts (or, after a crash or a stop, resumes) dialing a defined campaign.
    pub async fn start(&self, name: &str) -> Result<(), CampaignError> {
        let dialer = self.inner.dialer.clone().ok_or(CampaignError::NoDialer)?;
        let record = self.record(name).await?;
        let run = {
            let mut running = lock(&self.inner.running);
            if running.contains_key(name) {
                return Err(CampaignError::AlreadyRunning(name.to_owned()));
            }
            let run = Arc::new(run::Run::new(
                name,
                record.spec.clone(),
                &self.inner.settings,
            ));
            running.insert(name.to_owned(), run.clone());
            run
        };
        let spent = self.inner.store.spend_usd(None).await?;
        self.inner
            .spent_micros
            .fetch_max((spent * 1e6) as u64, std::sync::atomic::Ordering::Relaxed);
        if let Err(e) = self.take_lease(name).await {
            lock(&self.inner.running).remove(name);
            return Err(e);
        }
        self.inner
            .store
            .set_campaign_state(name, CampaignState::Running, None)
            .await?;
        tokio::spawn(run::drive(self.inner.clone(), run, dialer));
        Ok(())
    }

    async fn take_lease(&self, name: &str) -> Result<(), CampaignError> {
        let store = &self.inner.store;
        let until = Utc::now() + run::LEASE;
        let Some(holder) = store
            .lease_campaign(name, &self.inner.owner, until, None)
            .await?
        else {
            return Ok(());
        };
        if owner_is_gone(&holder) {
            tracing::warn!(campaign = name, previous = %holder, "the process that ran this campaign is gone; taking it over");
            if store
                .lease_campaign(name, &self.inner.owner, until, Some(&holder))
                .await?
                .is_none()
            {
                return Ok(());
            }
        }
        Err(CampaignError::RunningElsewhere {
            name: name.to_owned(),
            owner: holder,
        })
    }

    pub async fn pause(&self, name: &str, reason: Option<&str>) -> Result<(), CampaignError> {
        let run = self.running(name)?;
        run.pause(reason.unwrap_or("paused by request"));
        Ok(())
    }

    pub async fn resume(&self, name: &str) -> Result<(), CampaignError> {
        match lock(&self.inner.running).get(name).cloned() {
            Some(run) => {
                run.resume();
                Ok(())
            }
            None => Err(CampaignError::NotRunning(name.to_owned())),
        }
    }

    /// Stops dialing; calls in progress finish. A later start resumes where it stopped.
    pub async fn stop(&self, name: &str) -> Result<(), CampaignError> {
        let run = self.running(name)?;
        run.stop();
        Ok(())
    }

    fn running(&self, name: &str) -> Result<Arc<run::Run>, CampaignError> {
        lock(&self.inner.running)
            .get(name)
            .cloned()
            .ok_or_else(|| CampaignError::NotRunning(name.to_owned()))
    }

    /// Campaigns whose runner is working in this process.
    pub fn running_count(&self) -> usize {
        lock(&self.inner.running).len()
    }

    /// Resolves when the campaign's runner here has finished (done, stopped or failed).
    pub async fn wait(&self, name: &str) {
        let Ok(run) = self.running(name) else {
            return;
        };
        let mut finished = run.finished.subscribe();
        let _ = finished.wait_for(|f| *f).await;
    }

    pub async fn status(&self, name: &str) -> Result<CampaignStatus, CampaignError> {
        let record = self.record(name).await?;
        let in_progress = lock(&self.inner.running)
            .get(name)
            .map_or(0, |run| run.in_progress());
        Ok(CampaignStatus {
            name: record.name,
            state: record.state,
            reason: record.reason,
            contacts: self.inner.store.contact_counts(name).await?,
            in_progress,
            spend_usd: self.inner.store.spend_usd(Some(name)).await?,
        })
    }

    pub async fn report(&self, name: &str) -> Result<StoreReport, CampaignError> {
        self.record(name).await?;
        Ok(self.inner.store.report(name).await?)
    }

    /// Who would be dialled when, and who is skipped and why, without dialing.
    pub async fn plan(&self, name: &str) -> Result<PlanReport, CampaignError> {
        plan::plan(&self.inner, name, Utc::now()).await
    }

    /// Restarts the campaigns that were running when this process (or one before it) stopped.
    pub async fn resume_interrupted(&self) -> Result<Vec<String>, CampaignError> {
        let mut resumed = Vec::new();
        for record in self.inner.store.campaigns().await? {
            if record.state == CampaignState::Running {
                match self.start(&record.name).await {
                    Ok(()) => resumed.push(record.name),
                    Err(e) => tracing::warn!(campaign = %record.name, error = %e, "cannot resume"),
                }
            }
        }
        Ok(resumed)
    }

    /// Settles every attempt a previous process left open (see [`reconcile`]).
    pub async fn reconcile_open(&self) -> Result<ReconcileReport, CampaignError> {
        let skip = std::collections::HashSet::new();
        Ok(reconcile::reconcile(&self.inner, None, &skip).await?)
    }

    /// Adds the do-not-call file's numbers to the store; returns the lines it could not read.
    pub async fn load_dnc(&self, path: &std::path::Path) -> Result<Problems, CampaignError> {
        let (numbers, problems) = read_dnc(path, &self.inner.settings.region)?;
        let added = self.inner.store.add_dnc(&numbers, "file").await?;
        tracing::info!(path = %path.display(), numbers = numbers.len(), added, "do-not-call list loaded");
        for problem in &problems.first {
            tracing::warn!(path = %path.display(), "{problem}");
        }
        Ok(problems)
    }
}

impl Inner {
    fn spent_usd(&self) -> f64 {
        self.spent_micros.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6
    }

    /// Counts a call's price (negative: a charge) toward the spend limit.
    fn add_price(&self, price: Option<f64>) {
        if let Some(price) = price.filter(|p| *p < 0.0) {
            self.spent_micros
                .fetch_add((-price * 1e6) as u64, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The reason to stop dialing when the spend limit is reached.
    fn over_budget(&self) -> Option<String> {
        let limit = self.settings.max_spend_usd?;
        let spent = self.spent_usd();
        (spent >= limit).then(|| {
            format!(
                "limits.max_spend_usd reached: {spent:.4} spent of {limit:.2}; raise it to go on"
            )
        })
    }

    fn publish(&self, kind: EventKind, data: serde_json::Value) {
        if let serde_json::Value::Object(map) = data {
            self.bus.publish(Event::other(kind, map));
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

fn owner_id() -> String {
    format!("{}:{}", host_name(), std::process::id())
}

/// A holder on this host whose process has exited (Linux: no /proc entry) is gone.
fn owner_is_gone(owner: &str) -> bool {
    let Some((host, pid)) = owner.rsplit_once(':') else {
        return false;
    };
    if host != host_name() {
        return false;
    }
    let proc = std::path::Path::new("/proc");
    proc.exists() && pid.parse::<u32>().is_ok() && !proc.join(pid).exists()
}
