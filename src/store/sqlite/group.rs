//! Group commit for the writes every call makes (its CallSid, its ending, its usage row).
//! A write that arrives while a transaction is being written waits for it, then goes with all
//! the others that arrived meanwhile in the next one: under load one commit (one `fsync`)
//! serves many calls, and alone a write is its own transaction as before. Every caller still
//! returns only once its write is committed.

use std::sync::Mutex;

use sqlx::SqliteConnection;
use tokio::sync::oneshot;

use crate::store::{AuditAction, CallRecord, Finish, Next, StoreError};

/// A write that can share a transaction with others.
#[derive(Debug, Clone)]
pub(super) enum Write {
    Placed {
        attempt: i64,
        call_sid: String,
        action: AuditAction,
        reason: String,
    },
    Finish {
        attempt: i64,
        finish: Finish,
        next: Next,
    },
    Call(CallRecord),
}

/// The answer to a write: `false` when it was an ending that changed nothing.
pub(super) type Reply = oneshot::Sender<Result<bool, StoreError>>;

#[derive(Debug, Default)]
pub(super) struct GroupCommit {
    queue: Mutex<Vec<(Write, Reply)>>,
    /// Held by whoever is writing a group (the next holder takes everything queued), and by
    /// every other write transaction of the store while it is open. Inside: the connection
    /// writes go through, kept for the store's life (`None`: the pool's, for a store in memory).
    pub(super) writer: tokio::sync::Mutex<Option<SqliteConnection>>,
}

impl GroupCommit {
    pub(super) fn new(writer: Option<SqliteConnection>) -> Self {
        Self {
            queue: Mutex::default(),
            writer: tokio::sync::Mutex::new(writer),
        }
    }

    /// Queues a write; the answer comes once a group holding it is committed.
    pub(super) fn enqueue(&self, write: Write) -> oneshot::Receiver<Result<bool, StoreError>> {
        let (reply, answer) = oneshot::channel();
        lock(&self.queue).push((write, reply));
        answer
    }

    /// Everything queued so far; call it holding [`GroupCommit::writer`].
    pub(super) fn take(&self) -> Vec<(Write, Reply)> {
        std::mem::take(&mut *lock(&self.queue))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
