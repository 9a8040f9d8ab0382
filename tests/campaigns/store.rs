//! The store under the campaign: what survives a restart, and what happens when it fails.

use std::sync::Arc;
use std::time::Duration;

use projectx::campaign::Outcome;
use projectx::events::EventKind;
use projectx::store::{
    AttemptStatus, AuditAction, CampaignState, ContactRecord, ContactStatus, Finish, NewAttempt,
    NewContact, Next, SqliteOptions, SqliteStore, Store,
};
use sqlx::Connection;

use crate::harness::{CONFIG, World, numbers};

/// A store in a fresh file with campaign "c" of `n` pending contacts, +1415 numbers counted
/// up from `first`.
async fn campaign_of(
    n: u32,
    first: u32,
) -> (
    tempfile::TempDir,
    SqliteStore,
    chrono::DateTime<chrono::Utc>,
) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let store = SqliteStore::open(&url, &SqliteOptions::default())
        .await
        .unwrap();
    store
        .put_campaign("c", &projectx::campaign::CampaignSpec::default())
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let rows: Vec<NewContact> = (0..n)
        .map(|i| NewContact {
            to: format!("+1415{:07}", first + i),
            ..NewContact::default()
        })
        .collect();
    store.add_contacts("c", &rows, now).await.unwrap();
    (dir, store, now)
}

fn attempt(contact: &ContactRecord, at: chrono::DateTime<chrono::Utc>) -> NewAttempt<'_> {
    NewAttempt {
        contact,
        from: "+15005550006",
        at,
    }
}

/// [`campaign_of`] with an attempt journaled for every contact: the store, shared, and the
/// attempts' ids.
async fn journaled_campaign_of(
    n: u32,
    first: u32,
) -> (
    tempfile::TempDir,
    Arc<SqliteStore>,
    chrono::DateTime<chrono::Utc>,
    Vec<i64>,
) {
    let (dir, store, now) = campaign_of(n, first).await;
    let due = store.due_contacts("c", now, n).await.unwrap();
    let batch: Vec<_> = due.iter().map(|c| attempt(c, now)).collect();
    let ids = store.journal_attempts(&batch).await.unwrap();
    (dir, Arc::new(store), now, ids)
}

#[tokio::test]
async fn the_journal_completes_once_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let store = SqliteStore::open(&url, &SqliteOptions::default())
        .await
        .unwrap();
    let spec = projectx::campaign::CampaignSpec::default();
    store.put_campaign("c", &spec).await.unwrap();
    let now = chrono::Utc::now();
    let contact = NewContact {
        to: "+14155550100".to_owned(),
        ..NewContact::default()
    };
    let added = store
        .add_contacts("c", &[contact.clone(), contact], now)
        .await
        .unwrap();
    assert_eq!((added.added, added.duplicates.clone()), (1, vec![1]));
    let due = store.due_contacts("c", now, 10).await.unwrap();
    let attempt = store
        .journal_attempts(&[attempt(&due[0], now)])
        .await
        .unwrap()[0];
    assert_eq!(store.open_attempts(None).await.unwrap().len(), 1);
    store
        .attempt_placed(attempt, "CA0123", AuditAction::Placed, "placed")
        .await
        .unwrap();
    let finish = Finish {
        price: Some(-0.014),
        duration: Some(30),
        audit: Some((AuditAction::Finished, "completed after 30s".to_owned())),
        ..Finish::default()
    };
    assert!(
        store
            .finish_attempt(attempt, &finish, &Next::Done)
            .await
            .unwrap(),
        "the first ending is recorded"
    );
    // A second ending (a duplicate callback) changes nothing, and says so.
    assert!(
        !store
            .finish_attempt(attempt, &finish, &Next::Retry(now))
            .await
            .unwrap()
    );
    assert!(store.claim_schedule_run("daily", now, now).await.unwrap());
    assert!(!store.claim_schedule_run("daily", now, now).await.unwrap());
    drop(store);

    let store = SqliteStore::open(&url, &SqliteOptions::default())
        .await
        .unwrap();
    let attempt = store.attempt_by_sid("CA0123").await.unwrap().unwrap();
    assert_eq!(attempt.status, AttemptStatus::Finished);
    let contacts = store.contacts("c").await.unwrap();
    assert_eq!(contacts[0].status, projectx::store::ContactStatus::Done);
    assert!((store.spend_usd(Some("c")).await.unwrap() - 0.014).abs() < 1e-9);
    assert_eq!(
        store
            .last_schedule_run("daily")
            .await
            .unwrap()
            .map(|t| t.timestamp_millis()),
        Some(now.timestamp_millis())
    );
    assert!(store.open_attempts(None).await.unwrap().is_empty());
    // The journal wrote the audit entries with the attempt, once each.
    let audit = store.audit_log(Some("c"), 10).await.unwrap();
    let actions: Vec<_> = audit
        .iter()
        .map(|a| (a.action, a.call_sid.as_deref()))
        .collect();
    assert_eq!(
        actions,
        [
            (AuditAction::Placed, Some("CA0123")),
            (AuditAction::Finished, Some("CA0123"))
        ]
    );
}

/// The runner guards and journals the contacts the pacer lets through together: the batch
/// methods must answer each contact as the one-at-a-time ones would, across statement chunks.
#[tokio::test]
async fn a_journal_batch_answers_each_contact_in_order() {
    // More than one multi-row statement holds (500 rows each).
    let (_dir, store, now) = campaign_of(1_203, 1_000_000).await;
    let mut due = store.due_contacts("c", now, 2_000).await.unwrap();
    assert_eq!(due.len(), 1_203);
    due.reverse(); // ids out of order: the answer must still follow the order given
    // Each attempt keeps its own time (when the pacer let it through), not the batch's.
    let at = |i: usize| now + chrono::Duration::milliseconds(i as i64);
    let batch: Vec<_> = due
        .iter()
        .enumerate()
        .map(|(i, c)| attempt(c, at(i)))
        .collect();
    let ids = store.journal_attempts(&batch).await.unwrap();
    assert_eq!(ids.len(), due.len());
    for (i, (contact, id)) in due.iter().zip(&ids).enumerate().step_by(97) {
        let attempt = store.attempt(*id).await.unwrap().unwrap();
        assert_eq!(
            (
                attempt.contact_id,
                attempt.to.as_str(),
                attempt.status,
                attempt.journaled_at.timestamp_millis()
            ),
            (
                Some(contact.id),
                contact.to.as_str(),
                AttemptStatus::Journaled,
                at(i).timestamp_millis()
            )
        );
    }
    let contacts = store.contacts("c").await.unwrap();
    assert!(
        contacts
            .iter()
            .all(|c| c.status == projectx::store::ContactStatus::Dialing && c.attempts == 1)
    );
    assert!(store.due_contacts("c", now, 10).await.unwrap().is_empty());
    // A contact given twice in one batch is refused, and nothing of the batch is written.
    let again = store
        .journal_attempts(&[attempt(&due[0], now), attempt(&due[0], now)])
        .await;
    assert!(again.is_err(), "{again:?}");
    assert_eq!(store.attempts("c").await.unwrap().len(), 1_203);

    // Attempt counts and the do-not-call list, for many numbers at once.
    let asked: Vec<String> = vec![
        due[0].to.clone(),
        due[700].to.clone(),
        "+14155550999".to_owned(),
    ];
    let counts = store
        .attempts_since_each(&asked, now - chrono::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(counts.get(&due[0].to), Some(&1));
    assert_eq!(counts.get(&due[700].to), Some(&1));
    assert_eq!(counts.get("+14155550999"), None);
    let later = store
        .attempts_since_each(&asked, now + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert!(later.is_empty(), "{later:?}");
    let listed: Vec<String> = (0..600)
        .map(|i| format!("+1628{:07}", 2_000_000 + i))
        .collect();
    store.add_dnc(&listed, "test").await.unwrap();
    let mut asked: Vec<String> = listed.iter().step_by(50).cloned().collect();
    asked.extend((0..550).map(|i| format!("+1707{:07}", 3_000_000 + i)));
    let among = store.dnc_among(&asked).await.unwrap();
    assert_eq!(among.len(), 12);
    assert!(among.iter().all(|n| n.starts_with("+1628")));
    assert!(store.dnc_among(&[]).await.unwrap().is_empty());
}

/// Calls placed and ended at the same moment share commits: every one must still be written,
/// once, with its own audit entries, and each caller must get its answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_made_together_are_each_committed_once() {
    let (_dir, store, _, ids) = journaled_campaign_of(300, 4_000_000).await;
    let calls = ids.iter().enumerate().map(|(i, &attempt)| {
        let store = store.clone();
        tokio::spawn(async move {
            let sid = format!("CA{i:032}");
            store
                .attempt_placed(attempt, &sid, AuditAction::Placed, "placed")
                .await?;
            // Placed again (a retried answer): the first CallSid stays, no second audit row.
            store
                .attempt_placed(attempt, "CAother", AuditAction::Placed, "placed")
                .await?;
            let finish = Finish {
                status: Some(AttemptStatus::Finished),
                duration: Some(30),
                price: Some(-0.01),
                audit: Some((AuditAction::Finished, "completed".to_owned())),
                ..Finish::default()
            };
            let first = store.finish_attempt(attempt, &finish, &Next::Done).await?;
            // A repeated ending (a late callback) changes nothing.
            let repeated = store.finish_attempt(attempt, &finish, &Next::Done).await?;
            Ok::<_, projectx::store::StoreError>((first, repeated))
        })
    });
    for call in futures_util::future::join_all(calls).await {
        assert_eq!(
            call.unwrap().unwrap(),
            (true, false),
            "each ending is told whether it was the one recorded"
        );
    }
    let attempts = store.attempts("c").await.unwrap();
    assert_eq!(attempts.len(), 300);
    assert!(attempts.iter().all(|a| {
        a.status == AttemptStatus::Finished
            && a.call_sid
                .as_deref()
                .is_some_and(|sid| sid.starts_with("CA0"))
            && a.duration == Some(30)
    }));
    assert!((store.spend_usd(Some("c")).await.unwrap() - 3.0).abs() < 1e-9);
    let audit = store.audit_log(Some("c"), 1_000).await.unwrap();
    assert_eq!(
        audit.len(),
        600,
        "one placed and one finished entry per call"
    );
    let contacts = store.contacts("c").await.unwrap();
    assert!(contacts.iter().all(|c| c.status == ContactStatus::Done));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_different_endings_of_one_call_at_once_leave_one_consistent_ending() {
    let (_dir, store, now, ids) = journaled_campaign_of(200, 5_000_000).await;
    let retry_at = now + chrono::Duration::minutes(10);
    // A callback says busy (retry later) while a sweep says completed (done), at the same time:
    // whichever is committed first is the ending, and the contact follows that one.
    let endings = ids.iter().flat_map(|&attempt| {
        [
            (Outcome::Busy, Next::Retry(retry_at)),
            (Outcome::Completed, Next::Done),
        ]
        .map(|(outcome, next)| {
            let store = store.clone();
            tokio::spawn(async move {
                let finish = Finish {
                    outcome: Some(outcome),
                    audit: Some((AuditAction::Finished, outcome.to_string())),
                    ..Finish::default()
                };
                let recorded = store.finish_attempt(attempt, &finish, &next).await?;
                Ok::<_, projectx::store::StoreError>((attempt, recorded))
            })
        })
    });
    let mut recorded = std::collections::HashMap::<i64, usize>::new();
    for ending in futures_util::future::join_all(endings).await {
        let (attempt, was_recorded) = ending.unwrap().unwrap();
        *recorded.entry(attempt).or_default() += usize::from(was_recorded);
    }
    assert!(
        ids.iter().all(|id| recorded.get(id) == Some(&1)),
        "exactly one of the two endings of each call is told it was recorded"
    );
    let attempts = store.attempts("c").await.unwrap();
    let contacts = store.contacts("c").await.unwrap();
    assert_eq!(attempts.len(), 200);
    for attempt in &attempts {
        let contact = contacts
            .iter()
            .find(|c| Some(c.id) == attempt.contact_id)
            .unwrap();
        let expected = match attempt.outcome {
            Some(Outcome::Busy) => ContactStatus::Pending,
            Some(Outcome::Completed) => ContactStatus::Done,
            other => panic!("attempt {} ended as {other:?}", attempt.id),
        };
        assert_eq!(contact.status, expected, "attempt {}", attempt.id);
        assert_eq!(contact.last_outcome, attempt.outcome);
    }
    let audit = store.audit_log(Some("c"), 1_000).await.unwrap();
    assert_eq!(audit.len(), 200, "one finished entry per call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_store_pauses_the_campaign_and_nothing_is_lost() {
    let options = SqliteOptions {
        busy_timeout: Duration::from_millis(200),
        ..SqliteOptions::default()
    };
    let mut world = World::with(CONFIG, options).await;
    world
        .define("locked", &numbers(30), |spec| spec.cps = Some(20.0))
        .await;
    let url = format!("sqlite://{}", world.path("store.db").display());
    let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
    world.campaigns().start("locked").await.unwrap();
    // Let a few calls go, then hold the write lock from another connection.
    world.event(EventKind::CallEnded, |_| true).await;
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut other)
        .await
        .unwrap();
    let paused = world
        .event(EventKind::CampaignProgress, |d| d["state"] == "paused")
        .await;
    let reason = paused["reason"].as_str().unwrap().to_owned();
    assert!(reason.contains("the store is busy"), "{reason}");
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    world.campaigns().resume("locked").await.unwrap();
    // An attempt whose CallSid could not be journaled during the lock is settled by the next
    // sweep of open attempts (every 60 s): allow for two.
    tokio::time::timeout(Duration::from_secs(150), world.campaigns().wait("locked"))
        .await
        .unwrap();
    let dials = world.dials().await;
    assert_eq!(dials.len(), 30, "{dials:?}");
    assert!(dials.values().all(|n| *n == 1), "{dials:?}");
    let status = world.campaigns().status("locked").await.unwrap();
    assert_eq!(status.state, CampaignState::Done);
    assert_eq!(status.contacts.done, 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_pauses_the_campaign_and_every_call_made_is_journaled() {
    // Size the file so the contacts fit and the attempts and audit entries soon do not.
    let dir = tempfile::tempdir().unwrap();
    let probe_url = format!("sqlite://{}", dir.path().join("probe.db").display());
    let probe = SqliteStore::open(&probe_url, &SqliteOptions::default())
        .await
        .unwrap();
    probe
        .put_campaign("full", &Default::default())
        .await
        .unwrap();
    let contacts: Vec<NewContact> = (0..300)
        .map(|i| NewContact {
            to: format!("+1415555{:04}", 1000 + i),
            ..NewContact::default()
        })
        .collect();
    probe
        .add_contacts("full", &contacts, chrono::Utc::now())
        .await
        .unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&probe_url).await.unwrap();
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    drop(probe);

    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    let options = SqliteOptions {
        max_page_count: Some(pages as u64 + 2),
        ..SqliteOptions::default()
    };
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url, &options).await.unwrap());
    let mut world = World::on_store(CONFIG, dir, store).await;
    let mut csv = String::from("to\n");
    for contact in &contacts {
        csv.push_str(&contact.to);
        csv.push('\n');
    }
    world
        .define("full", &csv, |spec| spec.cps = Some(50.0))
        .await;
    world.campaigns().start("full").await.unwrap();
    let paused = world
        .event(EventKind::CampaignProgress, |d| d["state"] == "paused")
        .await;
    let reason = paused["reason"].as_str().unwrap().to_owned();
    assert!(reason.contains("disk is full"), "{reason}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Every call Twilio got has its journal entry; no contact went missing.
    let dials = world.dials().await;
    let attempts = world.store.attempts("full").await.unwrap();
    assert!(!dials.is_empty() && dials.len() < 300, "{}", dials.len());
    for number in dials.keys() {
        assert!(
            attempts.iter().any(|a| &a.to == number),
            "{number} dialled without a journal entry"
        );
    }
    let counts = world.store.contact_counts("full").await.unwrap();
    assert_eq!(counts.total(), 300);
    assert!(counts.pending > 0);
    world.campaigns().stop("full").await.unwrap();
}
