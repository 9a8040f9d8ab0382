//! The embedded store: one SQLite file in WAL mode, migrated at open.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Connection, QueryBuilder, Row, Sqlite, SqliteConnection, Transaction};

use super::records::*;
use super::usage::{CallRecord, UsageQuery, UsageRow};
use super::{Store, StoreError};
use crate::campaign::{CampaignSpec, Outcome};

/// How the SQLite file is opened.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// How long a write waits for another process's lock before failing.
    pub busy_timeout: Duration,
    /// Caps the file at this many pages (tests use it to fill the "disk").
    pub max_page_count: Option<u64>,
    /// `true`: every commit reaches the disk before it returns (power-loss safe).
    pub full_sync: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
            max_page_count: None,
            full_sync: true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writes: Arc<GroupCommit>,
}

mod group;
mod usage;

use group::{GroupCommit, Reply, Write};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Rows per multi-row statement: five parameters each stays far below SQLite's limit of
/// 32,766 bound parameters.
const BATCH_ROWS: usize = 500;

fn ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn map_err(error: sqlx::Error) -> StoreError {
    let text = error.to_string();
    match &error {
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            let primary = code.parse::<u32>().map(|c| c & 0xff).unwrap_or(0);
            match primary {
                5 | 6 => StoreError::Locked(text),
                13 => StoreError::Full(text),
                11 | 26 => StoreError::Corrupt(text),
                _ => StoreError::Database(text),
            }
        }
        sqlx::Error::PoolTimedOut => StoreError::Locked(text),
        sqlx::Error::Io(io) if io.raw_os_error() == Some(28) => StoreError::Full(text),
        _ => StoreError::Database(text),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `url` (`sqlite://projectx.db`,
    /// `sqlite::memory:`) and brings its tables up to date.
    pub async fn open(url: &str, options: &SqliteOptions) -> Result<Self, StoreError> {
        let open_error = |message: String| StoreError::Open {
            url: url.to_owned(),
            message,
        };
        let mut connect = SqliteConnectOptions::from_str(url)
            .map_err(|e| open_error(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(if options.full_sync {
                SqliteSynchronous::Full
            } else {
                SqliteSynchronous::Normal
            })
            .busy_timeout(options.busy_timeout)
            .foreign_keys(true);
        if let Some(pages) = options.max_page_count {
            connect = connect.pragma("max_page_count", pages.to_string());
        }
        let memory = url.contains(":memory:");
        let pool = SqlitePoolOptions::new()
            // An in-memory database lives in one connection.
            .max_connections(if memory { 1 } else { 4 })
            .acquire_timeout(options.busy_timeout + Duration::from_secs(5))
            // A file in this process needs no liveness ping before each use (sqlx's default
            // costs a round trip to the connection's thread on every query).
            .test_before_acquire(false)
            .connect_with(connect.clone())
            .await
            .map_err(|e| open_error(e.to_string()))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| open_error(format!("migrating: {e}")))?;
        // Writes take turns anyway: one connection of their own spares each write transaction
        // the pool's liveness ping when a connection goes back (a round trip to SQLite's
        // thread). A store in memory lives in its one pooled connection.
        let writer = if memory {
            None
        } else {
            Some(
                SqliteConnection::connect_with(&connect)
                    .await
                    .map_err(|e| open_error(e.to_string()))?,
            )
        };
        Ok(Self {
            pool,
            writes: Arc::new(GroupCommit::new(writer)),
        })
    }

    /// A fresh private store in memory, for tests and dry runs.
    pub async fn in_memory() -> Result<Self, StoreError> {
        Self::open("sqlite::memory:", &SqliteOptions::default()).await
    }

    /// The store's turn to write, taken in turn with the group commit's: two writers of this
    /// process never meet on SQLite's lock, whose busy handler would sleep for milliseconds at
    /// a time.
    async fn writing(&self) -> Writing<'_> {
        Writing {
            connection: self.writes.writer.lock().await,
            pool: &self.pool,
        }
    }

    /// Every row of `query`, each read by `row`.
    async fn all<T>(
        &self,
        query: Query<'_>,
        row: fn(&SqliteRow) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        query
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(row)
            .collect()
    }

    /// The row of `query`, if any, read by `row`.
    async fn optional<T>(
        &self,
        query: Query<'_>,
        row: fn(&SqliteRow) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        query
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .as_ref()
            .map(row)
            .transpose()
    }
}

type Query<'q> = sqlx::query::Query<'q, Sqlite, <Sqlite as sqlx::Database>::Arguments>;

/// A turn to write: the writer's connection, held until dropped.
struct Writing<'s> {
    connection: tokio::sync::MutexGuard<'s, Option<SqliteConnection>>,
    pool: &'s SqlitePool,
}

impl Writing<'_> {
    async fn begin(&mut self) -> Result<Transaction<'_, Sqlite>, StoreError> {
        match self.connection.as_mut() {
            Some(connection) => connection.begin().await,
            None => self.pool.begin().await,
        }
        .map_err(map_err)
    }
}

fn campaign_row(row: &SqliteRow) -> Result<CampaignRecord, StoreError> {
    let name: String = row.try_get("name").map_err(map_err)?;
    let spec: String = row.try_get("spec").map_err(map_err)?;
    let state: String = row.try_get("state").map_err(map_err)?;
    Ok(CampaignRecord {
        spec: serde_json::from_str(&spec)
            .map_err(|e| StoreError::Corrupt(format!("campaign {name:?} spec: {e}")))?,
        state: CampaignState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("campaign {name:?} state {state:?}")))?,
        reason: row.try_get("reason").map_err(map_err)?,
        imported: row.try_get("imported").map_err(map_err)?,
        owner: row.try_get("owner").map_err(map_err)?,
        created_at: time(row.try_get("created_at").map_err(map_err)?),
        updated_at: time(row.try_get("updated_at").map_err(map_err)?),
        name,
    })
}

fn contact_row(row: &SqliteRow) -> Result<ContactRecord, StoreError> {
    let id: i64 = row.try_get("id").map_err(map_err)?;
    let status: String = row.try_get("status").map_err(map_err)?;
    let vars: String = row.try_get("vars").map_err(map_err)?;
    let outcome: Option<String> = row.try_get("last_outcome").map_err(map_err)?;
    let line: Option<i64> = row.try_get("line").map_err(map_err)?;
    let attempts: i64 = row.try_get("attempts").map_err(map_err)?;
    Ok(ContactRecord {
        id,
        campaign: row.try_get("campaign").map_err(map_err)?,
        to: row.try_get("to_number").map_err(map_err)?,
        name: row.try_get("name").map_err(map_err)?,
        timezone: row.try_get("timezone").map_err(map_err)?,
        vars: serde_json::from_str(&vars)
            .map_err(|e| StoreError::Corrupt(format!("contact {id} vars: {e}")))?,
        line: line.and_then(|l| u64::try_from(l).ok()),
        status: ContactStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("contact {id} status {status:?}")))?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        next_at: time(row.try_get("next_at").map_err(map_err)?),
        last_outcome: outcome.as_deref().and_then(Outcome::parse),
        reason: row.try_get("reason").map_err(map_err)?,
    })
}

fn attempt_row(row: &SqliteRow) -> Result<AttemptRecord, StoreError> {
    let id: i64 = row.try_get("id").map_err(map_err)?;
    let status: String = row.try_get("status").map_err(map_err)?;
    let outcome: Option<String> = row.try_get("outcome").map_err(map_err)?;
    let duration: Option<i64> = row.try_get("duration").map_err(map_err)?;
    Ok(AttemptRecord {
        id,
        campaign: row.try_get("campaign").map_err(map_err)?,
        contact_id: row.try_get("contact_id").map_err(map_err)?,
        to: row.try_get("to_number").map_err(map_err)?,
        from: row.try_get("from_number").map_err(map_err)?,
        journaled_at: time(row.try_get("journaled_at").map_err(map_err)?),
        call_sid: row.try_get("call_sid").map_err(map_err)?,
        status: AttemptStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("attempt {id} status {status:?}")))?,
        outcome: outcome.as_deref().and_then(Outcome::parse),
        duration: duration.and_then(|d| u64::try_from(d).ok()),
        price: row.try_get("price").map_err(map_err)?,
    })
}

fn audit_row(row: &SqliteRow) -> Result<AuditEntry, StoreError> {
    let action: String = row.try_get("action").map_err(map_err)?;
    Ok(AuditEntry {
        at: time(row.try_get("at").map_err(map_err)?),
        campaign: row.try_get("campaign").map_err(map_err)?,
        to: row.try_get("to_number").map_err(map_err)?,
        action: AuditAction::parse(&action)
            .ok_or_else(|| StoreError::Corrupt(format!("audit action {action:?}")))?,
        reason: row.try_get("reason").map_err(map_err)?,
        call_sid: row.try_get("call_sid").map_err(map_err)?,
    })
}

const INSERT_AUDIT: &str = "INSERT INTO audit (at, campaign, to_number, action, reason, call_sid)
     VALUES (?, ?, ?, ?, ?, ?)";

/// Several audit rows in one statement.
async fn insert_audits(
    tx: &mut Transaction<'_, Sqlite>,
    entries: &[AuditEntry],
) -> Result<(), StoreError> {
    for chunk in entries.chunks(BATCH_ROWS) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO audit (at, campaign, to_number, action, reason, call_sid) ",
        );
        insert.push_values(chunk, |mut row, entry| {
            row.push_bind(ms(entry.at))
                .push_bind(entry.campaign.as_deref())
                .push_bind(entry.to.as_str())
                .push_bind(entry.action.as_str())
                .push_bind(entry.reason.as_str())
                .push_bind(entry.call_sid.as_deref());
        });
        insert.build().execute(&mut **tx).await.map_err(map_err)?;
    }
    Ok(())
}

async fn insert_audit(
    tx: &mut Transaction<'_, Sqlite>,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    sqlx::query(INSERT_AUDIT)
        .bind(ms(entry.at))
        .bind(&entry.campaign)
        .bind(&entry.to)
        .bind(entry.action.as_str())
        .bind(&entry.reason)
        .bind(&entry.call_sid)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    Ok(())
}

impl SqliteStore {
    /// Commits `write` with whatever others are waiting (see [`group`]). `false`: the write
    /// was an ending of an attempt that had already ended, and changed nothing.
    async fn write(&self, write: Write) -> Result<bool, StoreError> {
        let mut answer = self.writes.enqueue(write);
        loop {
            // A writer that took ours answers while we wait for our turn to write: then there is
            // nothing left for us to do, and we must not hold up the queue for the lock.
            tokio::select! {
                biased;
                answered = &mut answer => {
                    return answered.unwrap_or_else(|_| {
                        Err(StoreError::Database(
                            "the write was abandoned before it was committed".to_owned(),
                        ))
                    });
                }
                connection = self.writes.writer.lock() => {
                    let mut writing = Writing { connection, pool: &self.pool };
                    let group = self.writes.take();
                    if !group.is_empty() {
                        commit_group(&mut writing, group).await;
                    }
                    drop(writing);
                }
            }
        }
    }
}

/// The group in one transaction; if that fails, each write alone, so one bad write cannot
/// fail the others and each caller gets its own answer.
async fn commit_group(writing: &mut Writing<'_>, group: Vec<(Write, Reply)>) {
    metrics::histogram!("projectx_store_writes_per_commit").record(group.len() as f64);
    if group.len() > 1 {
        let writes: Vec<&Write> = group.iter().map(|(write, _)| write).collect();
        if let Ok(changed) = commit_writes(writing, &writes).await {
            for ((_, reply), changed) in group.into_iter().zip(changed) {
                let _ = reply.send(Ok(changed));
            }
            return;
        }
    }
    for (write, reply) in group {
        let alone = commit_writes(writing, &[&write]).await;
        let _ = reply.send(alone.map(|changed| changed.first().copied().unwrap_or(true)));
    }
}

/// `writes` in one transaction. For each write, in order: `false` when it was an ending that
/// changed nothing.
async fn commit_writes(
    writing: &mut Writing<'_>,
    writes: &[&Write],
) -> Result<Vec<bool>, StoreError> {
    let mut tx = writing.begin().await?;
    let changed = apply_group(&mut tx, writes).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(changed)
}

/// Applies the writes in order; a run of writes of one kind goes in one statement where the
/// kind allows (CallSids and their audit rows, usage rows), so a group costs few round trips to
/// SQLite's thread, not a few per call. Answers as [`SqliteStore::commit_writes`].
async fn apply_group(
    tx: &mut Transaction<'_, Sqlite>,
    writes: &[&Write],
) -> Result<Vec<bool>, StoreError> {
    let mut changed = Vec::with_capacity(writes.len());
    for run in writes.chunk_by(|a, b| std::mem::discriminant(*a) == std::mem::discriminant(*b)) {
        for chunk in run.chunks(BATCH_ROWS) {
            match chunk[0] {
                Write::Placed { .. } => apply_placed(tx, chunk).await?,
                Write::Finish { .. } => {
                    changed.extend(apply_finishes(tx, chunk).await?);
                    continue;
                }
                Write::Call(_) => {
                    let calls: Vec<&CallRecord> = chunk
                        .iter()
                        .filter_map(|w| match w {
                            Write::Call(call) => Some(call),
                            _ => None,
                        })
                        .collect();
                    usage::record_calls(tx, &calls).await?;
                }
            }
            changed.extend(std::iter::repeat_n(true, chunk.len()));
        }
    }
    Ok(changed)
}

/// Completes attempts with their CallSids, and audits each one that was still journaled (an
/// attempt placed or finished before is left as it is).
async fn apply_placed(
    tx: &mut Transaction<'_, Sqlite>,
    writes: &[&Write],
) -> Result<(), StoreError> {
    let placed: Vec<(i64, &str, AuditAction, &str)> = writes
        .iter()
        .filter_map(|w| match w {
            Write::Placed {
                attempt,
                call_sid,
                action,
                reason,
            } => Some((*attempt, call_sid.as_str(), *action, reason.as_str())),
            _ => None,
        })
        .collect();
    let mut update = QueryBuilder::<Sqlite>::new("WITH placed (id, sid) AS (");
    update.push_values(&placed, |mut row, (attempt, sid, ..)| {
        row.push_bind(*attempt).push_bind(*sid);
    });
    update.push(
        ") UPDATE attempts SET call_sid = placed.sid, status = 'placed' FROM placed
         WHERE attempts.id = placed.id AND attempts.status = 'journaled'
         RETURNING attempts.id AS id, attempts.campaign AS campaign, attempts.to_number AS to_number",
    );
    let rows = update.build().fetch_all(&mut **tx).await.map_err(map_err)?;
    let at = Utc::now();
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("id").map_err(map_err)?;
        let Some((_, sid, action, reason)) = placed.iter().find(|p| p.0 == id) else {
            continue;
        };
        entries.push(AuditEntry {
            at,
            campaign: row.try_get("campaign").map_err(map_err)?,
            to: row.try_get("to_number").map_err(map_err)?,
            action: *action,
            reason: (*reason).to_owned(),
            call_sid: Some((*sid).to_owned()),
        });
    }
    insert_audits(tx, &entries).await
}

/// Completes attempts, moves their contacts on and audits them, skipping each attempt that
/// finished before (a repeated ending changes nothing): one statement for the attempts, one for
/// their contacts, one for the audit rows. For each write, in order: whether it was recorded.
async fn apply_finishes(
    tx: &mut Transaction<'_, Sqlite>,
    writes: &[&Write],
) -> Result<Vec<bool>, StoreError> {
    // The first ending of an attempt wins, as it would applied one by one.
    let mut finishes: HashMap<i64, (&Finish, &Next)> = HashMap::with_capacity(writes.len());
    let mut first = Vec::with_capacity(writes.len());
    for write in writes {
        let first_of_its_attempt = match write {
            Write::Finish {
                attempt,
                finish,
                next,
            } => match finishes.entry(*attempt) {
                Entry::Vacant(vacant) => {
                    vacant.insert((finish, next));
                    Some(*attempt)
                }
                Entry::Occupied(_) => None,
            },
            _ => None,
        };
        first.push(first_of_its_attempt);
    }
    let now = Utc::now();
    let mut update = QueryBuilder::<Sqlite>::new(
        "WITH f (id, status, outcome, answered_by, duration, price, error_code, error, finished_at) AS (",
    );
    update.push_values(&finishes, |mut row, (attempt, (finish, _))| {
        row.push_bind(*attempt)
            .push_bind(finish.status.unwrap_or(AttemptStatus::Finished).as_str())
            .push_bind(finish.outcome.map(Outcome::as_str))
            .push_bind(finish.answered_by.as_deref())
            .push_bind(finish.duration.and_then(|d| i64::try_from(d).ok()))
            .push_bind(finish.price)
            .push_bind(finish.error_code.map(i64::from))
            .push_bind(finish.error.as_deref())
            .push_bind(ms(finish.at.unwrap_or(now)));
    });
    update.push(
        ") UPDATE attempts SET status = f.status, outcome = f.outcome, answered_by = f.answered_by,
         duration = f.duration, price = f.price, error_code = f.error_code, error = f.error,
         finished_at = f.finished_at
         FROM f WHERE attempts.id = f.id AND attempts.status IN ('journaled', 'placed')
         RETURNING attempts.id AS id, attempts.contact_id AS contact_id,
         attempts.campaign AS campaign, attempts.to_number AS to_number,
         attempts.call_sid AS call_sid",
    );
    let rows = update.build().fetch_all(&mut **tx).await.map_err(map_err)?;
    let mut moves = Vec::with_capacity(rows.len());
    let mut audits = Vec::with_capacity(rows.len());
    let mut recorded = HashSet::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("id").map_err(map_err)?;
        recorded.insert(id);
        let Some((finish, next)) = finishes.get(&id) else {
            continue;
        };
        if let Some(contact) = row
            .try_get::<Option<i64>, _>("contact_id")
            .map_err(map_err)?
        {
            moves.push(ContactMove {
                contact,
                next,
                outcome: finish.outcome,
                reason: finish.error.as_deref(),
            });
        }
        if let Some((action, reason)) = &finish.audit {
            audits.push(AuditEntry {
                at: finish.at.unwrap_or(now),
                campaign: row.try_get("campaign").map_err(map_err)?,
                to: row.try_get("to_number").map_err(map_err)?,
                action: *action,
                reason: reason.clone(),
                call_sid: row.try_get("call_sid").map_err(map_err)?,
            });
        }
    }
    move_contacts(tx, &moves).await?;
    insert_audits(tx, &audits).await?;
    Ok(first
        .into_iter()
        .map(|attempt| attempt.is_some_and(|id| recorded.contains(&id)))
        .collect())
}

/// A contact to move on after its attempt ended.
struct ContactMove<'a> {
    contact: i64,
    next: &'a Next,
    outcome: Option<Outcome>,
    reason: Option<&'a str>,
}

/// Moves contacts on inside `tx`, in one statement.
async fn move_contacts(
    tx: &mut Transaction<'_, Sqlite>,
    moves: &[ContactMove<'_>],
) -> Result<(), StoreError> {
    if moves.is_empty() {
        return Ok(());
    }
    let mut update =
        QueryBuilder::<Sqlite>::new("WITH m (id, status, next_at, outcome, reason) AS (");
    update.push_values(moves, |mut row, m| {
        let (status, next_at) = contact_next(m.next);
        row.push_bind(m.contact)
            .push_bind(status.as_str())
            .push_bind(next_at)
            .push_bind(m.outcome.map(Outcome::as_str))
            .push_bind(m.reason);
    });
    update.push(
        ") UPDATE contacts SET status = m.status, next_at = COALESCE(m.next_at, contacts.next_at),
         last_outcome = COALESCE(m.outcome, contacts.last_outcome), reason = m.reason
         FROM m WHERE contacts.id = m.id",
    );
    update.build().execute(&mut **tx).await.map_err(map_err)?;
    Ok(())
}

/// A contact's status and next due time after `next`.
fn contact_next(next: &Next) -> (ContactStatus, Option<i64>) {
    match next {
        Next::Retry(at) => (ContactStatus::Pending, Some(ms(*at))),
        Next::Done => (ContactStatus::Done, None),
        Next::Skipped => (ContactStatus::Skipped, None),
    }
}

/// Moves a contact on inside `tx`.
async fn move_contact(
    tx: &mut Transaction<'_, Sqlite>,
    contact: i64,
    next: &Next,
    outcome: Option<Outcome>,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let (status, next_at) = contact_next(next);
    sqlx::query(
        "UPDATE contacts SET status = ?, next_at = COALESCE(?, next_at),
         last_outcome = COALESCE(?, last_outcome), reason = ? WHERE id = ?",
    )
    .bind(status.as_str())
    .bind(next_at)
    .bind(outcome.map(Outcome::as_str))
    .bind(reason)
    .bind(contact)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    async fn record_call(&self, call: &CallRecord) -> Result<(), StoreError> {
        self.write(Write::Call(call.clone())).await.map(drop)
    }

    async fn usage(&self, query: &UsageQuery) -> Result<Vec<UsageRow>, StoreError> {
        usage::usage(&self.pool, query).await
    }

    async fn put_campaign(&self, name: &str, spec: &CampaignSpec) -> Result<(), StoreError> {
        let spec = serde_json::to_string(spec).map_err(|e| StoreError::Database(e.to_string()))?;
        let now = ms(Utc::now());
        sqlx::query(
            "INSERT INTO campaigns (name, spec, state, created_at, updated_at)
             VALUES (?, ?, 'defined', ?, ?)
             ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(spec)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn campaign(&self, name: &str) -> Result<Option<CampaignRecord>, StoreError> {
        self.optional(
            sqlx::query("SELECT * FROM campaigns WHERE name = ?").bind(name),
            campaign_row,
        )
        .await
    }

    async fn campaigns(&self) -> Result<Vec<CampaignRecord>, StoreError> {
        self.all(
            sqlx::query("SELECT * FROM campaigns ORDER BY name"),
            campaign_row,
        )
        .await
    }

    async fn set_campaign_state(
        &self,
        name: &str,
        state: CampaignState,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE campaigns SET state = ?, reason = ?, updated_at = ? WHERE name = ?",
        )
        .bind(state.as_str())
        .bind(reason)
        .bind(ms(Utc::now()))
        .bind(name)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NoCampaign(name.to_owned()));
        }
        Ok(())
    }

    async fn lease_campaign(
        &self,
        name: &str,
        owner: &str,
        until: DateTime<Utc>,
        take_over: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        let mut writing = self.writing().await;
        let mut tx = writing.begin().await?;
        let row = sqlx::query("SELECT owner, lease_until FROM campaigns WHERE name = ?")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
            .ok_or_else(|| StoreError::NoCampaign(name.to_owned()))?;
        let holder: Option<String> = row.try_get("owner").map_err(map_err)?;
        let lease: Option<i64> = row.try_get("lease_until").map_err(map_err)?;
        if let Some(holder) = holder
            && holder != owner
            && lease.is_some_and(|l| l > ms(Utc::now()))
            && take_over != Some(holder.as_str())
        {
            return Ok(Some(holder));
        }
        sqlx::query("UPDATE campaigns SET owner = ?, lease_until = ? WHERE name = ?")
            .bind(owner)
            .bind(ms(until))
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(None)
    }

    async fn release_campaign(&self, name: &str, owner: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE campaigns SET owner = NULL, lease_until = NULL WHERE name = ? AND owner = ?",
        )
        .bind(name)
        .bind(owner)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn mark_imported(&self, name: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE campaigns SET imported = TRUE WHERE name = ?")
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn add_contacts(
        &self,
        campaign: &str,
        contacts: &[NewContact],
        at: DateTime<Utc>,
    ) -> Result<ImportCounts, StoreError> {
        let mut writing = self.writing().await;
        let mut tx = writing.begin().await?;
        let mut counts = ImportCounts::default();
        for (index, contact) in contacts.iter().enumerate() {
            let vars = serde_json::to_string(&contact.vars)
                .map_err(|e| StoreError::Database(e.to_string()))?;
            let done = sqlx::query(
                "INSERT INTO contacts (campaign, to_number, name, timezone, vars, line, status, next_at)
                 VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)
                 ON CONFLICT (campaign, to_number) DO NOTHING",
            )
            .bind(campaign)
            .bind(&contact.to)
            .bind(&contact.name)
            .bind(&contact.timezone)
            .bind(vars)
            .bind(contact.line.and_then(|l| i64::try_from(l).ok()))
            .bind(ms(at))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            if done.rows_affected() == 1 {
                counts.added += 1;
            } else {
                counts.duplicates.push(index);
            }
        }
        tx.commit().await.map_err(map_err)?;
        Ok(counts)
    }

    async fn due_contacts(
        &self,
        campaign: &str,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ContactRecord>, StoreError> {
        sqlx::query(
            "SELECT * FROM contacts WHERE campaign = ? AND status = 'pending' AND next_at <= ?
             ORDER BY next_at, id LIMIT ?",
        )
        .bind(campaign)
        .bind(ms(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(contact_row)
        .collect()
    }

    async fn next_due(&self, campaign: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = sqlx::query(
            "SELECT MIN(next_at) AS next FROM contacts WHERE campaign = ? AND status = 'pending'",
        )
        .bind(campaign)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        let next: Option<i64> = row.try_get("next").map_err(map_err)?;
        Ok(next.map(time))
    }

    async fn contact_counts(&self, campaign: &str) -> Result<ContactCounts, StoreError> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM contacts WHERE campaign = ? GROUP BY status",
        )
        .bind(campaign)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let mut counts = ContactCounts::default();
        for row in rows {
            let status: String = row.try_get("status").map_err(map_err)?;
            let n: i64 = row.try_get("n").map_err(map_err)?;
            let n = u64::try_from(n).unwrap_or(0);
            match ContactStatus::parse(&status) {
                Some(ContactStatus::Pending) => counts.pending = n,
                Some(ContactStatus::Dialing) => counts.dialing = n,
                Some(ContactStatus::Done) => counts.done = n,
                Some(ContactStatus::Skipped) => counts.skipped = n,
                None => return Err(StoreError::Corrupt(format!("contact status {status:?}"))),
            }
        }
        Ok(counts)
    }

    async fn contacts(&self, campaign: &str) -> Result<Vec<ContactRecord>, StoreError> {
        self.all(
            sqlx::query("SELECT * FROM contacts WHERE campaign = ? ORDER BY id").bind(campaign),
            contact_row,
        )
        .await
    }

    async fn contact(&self, id: i64) -> Result<Option<ContactRecord>, StoreError> {
        self.optional(
            sqlx::query("SELECT * FROM contacts WHERE id = ?").bind(id),
            contact_row,
        )
        .await
    }

    async fn settle_contact(
        &self,
        contact: i64,
        next: &Next,
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut writing = self.writing().await;
        let mut tx = writing.begin().await?;
        move_contact(&mut tx, contact, next, None, Some(reason)).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn journal_attempts(&self, attempts: &[NewAttempt<'_>]) -> Result<Vec<i64>, StoreError> {
        if attempts.is_empty() {
            return Ok(Vec::new());
        }
        let mut given = HashSet::with_capacity(attempts.len());
        if let Some(NewAttempt { contact: twice, .. }) =
            attempts.iter().find(|a| !given.insert(a.contact.id))
        {
            return Err(StoreError::Database(format!(
                "contact {} ({}) was given twice in one journal batch; nothing was journaled",
                twice.id, twice.to
            )));
        }
        let mut writing = self.writing().await;
        let mut tx = writing.begin().await?;
        let mut ids = HashMap::with_capacity(attempts.len());
        // Bounded so one statement stays under SQLite's limit of bound parameters.
        for chunk in attempts.chunks(BATCH_ROWS) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO attempts (campaign, contact_id, to_number, from_number, journaled_at, status) ",
            );
            insert.push_values(chunk, |mut row, attempt| {
                row.push_bind(attempt.contact.campaign.as_str())
                    .push_bind(attempt.contact.id)
                    .push_bind(attempt.contact.to.as_str())
                    .push_bind(attempt.from)
                    .push_bind(ms(attempt.at))
                    .push("'journaled'");
            });
            // RETURNING gives rows in no promised order: they are matched by contact.
            insert.push(" RETURNING id, contact_id");
            for row in insert.build().fetch_all(&mut *tx).await.map_err(map_err)? {
                let id: i64 = row.try_get("id").map_err(map_err)?;
                let contact: i64 = row.try_get("contact_id").map_err(map_err)?;
                ids.insert(contact, id);
            }
            let mut dialing = QueryBuilder::<Sqlite>::new(
                "UPDATE contacts SET status = 'dialing', attempts = attempts + 1 WHERE id IN (",
            );
            let mut list = dialing.separated(", ");
            for attempt in chunk {
                list.push_bind(attempt.contact.id);
            }
            dialing.push(")");
            dialing.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        attempts
            .iter()
            .map(|NewAttempt { contact, .. }| {
                ids.get(&contact.id).copied().ok_or_else(|| {
                    StoreError::Database(format!("no attempt came back for contact {}", contact.id))
                })
            })
            .collect()
    }

    async fn attempt_placed(
        &self,
        attempt: i64,
        call_sid: &str,
        action: AuditAction,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.write(Write::Placed {
            attempt,
            call_sid: call_sid.to_owned(),
            action,
            reason: reason.to_owned(),
        })
        .await
        .map(drop)
    }

    async fn finish_attempt(
        &self,
        attempt: i64,
        finish: &Finish,
        next: &Next,
    ) -> Result<bool, StoreError> {
        self.write(Write::Finish {
            attempt,
            finish: finish.clone(),
            next: next.clone(),
        })
        .await
    }

    async fn attempt_by_sid(&self, call_sid: &str) -> Result<Option<AttemptRecord>, StoreError> {
        self.optional(
            sqlx::query("SELECT * FROM attempts WHERE call_sid = ?").bind(call_sid),
            attempt_row,
        )
        .await
    }

    async fn attempt(&self, attempt: i64) -> Result<Option<AttemptRecord>, StoreError> {
        self.optional(
            sqlx::query("SELECT * FROM attempts WHERE id = ?").bind(attempt),
            attempt_row,
        )
        .await
    }

    async fn attempts(&self, campaign: &str) -> Result<Vec<AttemptRecord>, StoreError> {
        self.all(
            sqlx::query("SELECT * FROM attempts WHERE campaign = ? ORDER BY id").bind(campaign),
            attempt_row,
        )
        .await
    }

    async fn open_attempts(
        &self,
        campaign: Option<&str>,
    ) -> Result<Vec<AttemptRecord>, StoreError> {
        sqlx::query(
            "SELECT * FROM attempts WHERE status IN ('journaled', 'placed')
             AND (? IS NULL OR campaign = ?) ORDER BY id",
        )
        .bind(campaign)
        .bind(campaign)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(attempt_row)
        .collect()
    }

    async fn attempts_since_each(
        &self,
        numbers: &[String],
        since: DateTime<Utc>,
    ) -> Result<HashMap<String, u32>, StoreError> {
        let mut counts = HashMap::with_capacity(numbers.len());
        for chunk in numbers.chunks(BATCH_ROWS) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "SELECT to_number, COUNT(*) AS n FROM attempts WHERE journaled_at >= ",
            );
            query.push_bind(ms(since));
            query.push(" AND status <> 'not-placed' AND to_number IN (");
            let mut list = query.separated(", ");
            for number in chunk {
                list.push_bind(number.as_str());
            }
            query.push(") GROUP BY to_number");
            for row in query.build().fetch_all(&self.pool).await.map_err(map_err)? {
                let n: i64 = row.try_get("n").map_err(map_err)?;
                counts.insert(
                    row.try_get("to_number").map_err(map_err)?,
                    u32::try_from(n).unwrap_or(u32::MAX),
                );
            }
        }
        Ok(counts)
    }

    async fn spend_usd(&self, campaign: Option<&str>) -> Result<f64, StoreError> {
        let spent: Option<f64> = sqlx::query(
            "SELECT SUM(-price) AS spent FROM attempts WHERE price IS NOT NULL
             AND (? IS NULL OR campaign = ?)",
        )
        .bind(campaign)
        .bind(campaign)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?
        .try_get("spent")
        .map_err(map_err)?;
        Ok(spent.unwrap_or(0.0))
    }

    async fn add_dnc(&self, numbers: &[String], source: &str) -> Result<u64, StoreError> {
        let mut writing = self.writing().await;
        let mut tx = writing.begin().await?;
        let now = ms(Utc::now());
        let mut added = 0;
        for number in numbers {
            added += sqlx::query(
                "INSERT INTO dnc (number, source, added_at) VALUES (?, ?, ?)
                 ON CONFLICT (number) DO NOTHING",
            )
            .bind(number)
            .bind(source)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        }
        tx.commit().await.map_err(map_err)?;
        Ok(added)
    }

    async fn is_dnc(&self, number: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query("SELECT 1 FROM dnc WHERE number = ?")
            .bind(number)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .is_some())
    }

    async fn dnc_among(&self, numbers: &[String]) -> Result<HashSet<String>, StoreError> {
        let mut listed = HashSet::new();
        for chunk in numbers.chunks(BATCH_ROWS) {
            let mut query = QueryBuilder::<Sqlite>::new("SELECT number FROM dnc WHERE number IN (");
            let mut list = query.separated(", ");
            for number in chunk {
                list.push_bind(number.as_str());
            }
            query.push(")");
            for row in query.build().fetch_all(&self.pool).await.map_err(map_err)? {
                listed.insert(row.try_get("number").map_err(map_err)?);
            }
        }
        Ok(listed)
    }

    async fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut writing = self.writing().await;
        let mut tx = writing.begin().await?;
        insert_audit(&mut tx, entry).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn audit_log(
        &self,
        campaign: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        sqlx::query(
            "SELECT * FROM audit WHERE (? IS NULL OR campaign = ?) ORDER BY id DESC LIMIT ?",
        )
        .bind(campaign)
        .bind(campaign)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .rev()
        .map(audit_row)
        .collect()
    }

    async fn claim_schedule_run(
        &self,
        name: &str,
        due: DateTime<Utc>,
        fired: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO schedule_runs (schedule, due_at, fired_at) VALUES (?, ?, ?)
             ON CONFLICT (schedule, due_at) DO NOTHING",
        )
        .bind(name)
        .bind(ms(due))
        .bind(ms(fired))
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn last_schedule_run(&self, name: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let last: Option<i64> =
            sqlx::query("SELECT MAX(due_at) AS last FROM schedule_runs WHERE schedule = ?")
                .bind(name)
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?
                .try_get("last")
                .map_err(map_err)?;
        Ok(last.map(time))
    }

    async fn report(&self, campaign: &str) -> Result<StoreReport, StoreError> {
        let mut report = StoreReport {
            contacts: self.contact_counts(campaign).await?,
            ..StoreReport::default()
        };
        let rows = sqlx::query(
            "SELECT status, outcome, COUNT(*) AS n, SUM(duration) AS seconds, SUM(-price) AS cost
             FROM attempts WHERE campaign = ? GROUP BY status, outcome",
        )
        .bind(campaign)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        for row in rows {
            let status: String = row.try_get("status").map_err(map_err)?;
            let outcome: Option<String> = row.try_get("outcome").map_err(map_err)?;
            let n: i64 = row.try_get("n").map_err(map_err)?;
            let seconds: Option<i64> = row.try_get("seconds").map_err(map_err)?;
            let cost: Option<f64> = row.try_get("cost").map_err(map_err)?;
            let key = match (status.as_str(), outcome) {
                ("journaled" | "placed", _) => "in-progress".to_owned(),
                (_, Some(outcome)) => outcome,
                (status, None) => status.to_owned(),
            };
            let n = u64::try_from(n).unwrap_or(0);
            report.attempts += n;
            *report.outcomes.entry(key).or_default() += n;
            report.seconds += seconds.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
            report.cost_usd += cost.unwrap_or(0.0);
        }
        let skipped = sqlx::query(
            "SELECT reason, COUNT(*) AS n FROM contacts WHERE campaign = ? AND status = 'skipped'
             GROUP BY reason",
        )
        .bind(campaign)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let mut by_reason = BTreeMap::new();
        for row in skipped {
            let reason: Option<String> = row.try_get("reason").map_err(map_err)?;
            let n: i64 = row.try_get("n").map_err(map_err)?;
            by_reason.insert(
                reason.unwrap_or_else(|| "unknown".to_owned()),
                u64::try_from(n).unwrap_or(0),
            );
        }
        report.skipped = by_reason;
        Ok(report)
    }
}
