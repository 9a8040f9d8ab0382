//! Schedule timers shared by the script hosts: each sleeps until its next firing, records the
//! run in the store so no run happens twice across reloads and restarts, and hands it to the
//! script's worker.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use crate::schedule::Timing;

/// Where a schedule's runs are recorded, so none runs twice across reloads and restarts.
pub(crate) struct Runs {
    pub store: std::sync::Arc<dyn crate::store::Store>,
    /// `file#name`: the schedule's identity across versions and restarts.
    pub key: String,
    pub missed: crate::schedule::Missed,
}

impl Runs {
    /// Records the run due at `at`; false when it was made already (by an earlier version or
    /// process). A store that cannot say means no run: better late than twice.
    async fn claim(&self, at: DateTime<Utc>) -> bool {
        match self
            .store
            .claim_schedule_run(&self.key, at, Utc::now())
            .await
        {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::error!(schedule = %self.key, error = %e, "cannot record the run; skipped");
                false
            }
        }
    }
}

/// Sleeps until each firing and sends the worker `fire(at)`; ends when the worker is gone.
pub(crate) async fn tick<C: Send>(
    timing: Timing,
    runs: Option<Runs>,
    worker: mpsc::WeakSender<C>,
    fire: impl Fn(DateTime<Utc>) -> C + Send,
) {
    let mut after = Utc::now();
    if let Some(runs) = &runs
        && runs.missed == crate::schedule::Missed::RunOnce
        && let Ok(Some(last)) = runs.store.last_schedule_run(&runs.key).await
        && let Some(at) = crate::schedule::latest_missed(&timing, last, after)
        && runs.claim(at).await
    {
        tracing::info!(schedule = %runs.key, due = %at, "running a run missed while down");
        let Some(worker) = worker.upgrade() else {
            return;
        };
        if worker.send(fire(at)).await.is_err() {
            return;
        }
    }
    while let Some(at) = timing.next_after(after) {
        let wait = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        tokio::time::sleep(wait).await;
        after = at;
        if let Some(runs) = &runs
            && !runs.claim(at).await
        {
            continue;
        }
        let Some(worker) = worker.upgrade() else {
            return;
        };
        if worker.send(fire(at)).await.is_err() {
            return;
        }
    }
}
