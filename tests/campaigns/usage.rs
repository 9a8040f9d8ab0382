//! Usage: every ended call is kept with its campaign, agent, minutes and price, and summed per
//! day, campaign and agent.

use projectx::calls::CallRequest;
use projectx::events::EventKind;
use projectx::store::{CallRecord, SqliteOptions, UsageQuery};

use crate::harness::{CONFIG, World, numbers};

fn config() -> String {
    format!(
        "{CONFIG}voices:\n  nova: {{ model: neural, style: warm }}\nagents:\n  captain-nova: {{ voice: nova }}\n"
    )
}

#[tokio::test]
async fn campaign_and_script_calls_are_counted_per_campaign_agent_and_day() {
    let mut world = World::with(&config(), SqliteOptions::default()).await;
    // Three contacts, the third busy (+14155550202 is not scripted; 0102 is).
    let csv = format!("{}+14155550102,Busy Cadet\n", numbers(2));
    world
        .define("usage", &csv, |spec| {
            spec.agent = Some("captain-nova".to_owned());
        })
        .await;
    world.run("usage").await;
    // A call a script places, outside any campaign.
    let call = world
        .runtime
        .dialer
        .place(&CallRequest {
            to: "+14155550150".to_owned(),
            agent: Some("captain-nova".to_owned()),
            message: Some("Your timeline check-in is due.".to_owned()),
            ..CallRequest::default()
        })
        .await
        .unwrap();
    let sid = call.sid.clone();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            let event = world.events.recv().await.unwrap();
            if event.kind == EventKind::CallEnded
                && event.call.as_ref().is_some_and(|c| c.sid == sid)
            {
                return;
            }
        }
    });
    ended.await.expect("the call did not end");
    world.runtime.usage.flush().await;

    let rows = world.store.usage(&UsageQuery::default()).await.unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let today = chrono::Utc::now().date_naive();
    let campaign = rows
        .iter()
        .find(|r| r.campaign.as_deref() == Some("usage"))
        .unwrap();
    assert_eq!(campaign.day, today);
    assert_eq!(campaign.agent.as_deref(), Some("captain-nova"));
    assert_eq!(campaign.totals.calls, 3);
    assert_eq!(campaign.totals.completed, 2);
    assert!(campaign.totals.seconds > 0);
    let attempts = world.store.attempts("usage").await.unwrap();
    let seconds: Vec<u64> = attempts.iter().map(|a| a.duration.unwrap_or(0)).collect();
    assert_eq!(campaign.totals.seconds, seconds.iter().sum::<u64>());
    assert_eq!(
        campaign.totals.billed_minutes,
        seconds.iter().map(|s| s.div_ceil(60)).sum::<u64>(),
        "each call is rounded up to a minute: {seconds:?}"
    );
    // Campaign prices reach the attempts; usage reads them there.
    let report = world.campaigns().report("usage").await.unwrap();
    assert!(report.cost_usd > 0.0);
    assert!((campaign.totals.cost_usd - report.cost_usd).abs() < 1e-9);
    assert_eq!(campaign.totals.unrated, 0);

    let single = rows.iter().find(|r| r.campaign.is_none()).unwrap();
    assert_eq!(single.agent.as_deref(), Some("captain-nova"));
    assert_eq!(single.totals.calls, 1);
    assert!(
        single.totals.cost_usd > 0.0,
        "the price is fetched: {single:?}"
    );

    let only = UsageQuery {
        campaign: Some("usage".to_owned()),
        since: Some(today),
    };
    assert_eq!(
        world.store.usage(&only).await.unwrap(),
        vec![campaign.clone()]
    );
    let tomorrow = UsageQuery {
        campaign: None,
        since: today.succ_opt(),
    };
    assert!(world.store.usage(&tomorrow).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_call_is_counted_once_and_a_late_price_fills_in() {
    let world = World::new().await;
    let mut record = CallRecord {
        sid: "CA00000000000000000000000000000001".to_owned(),
        campaign: None,
        agent: Some("dr-quantum".to_owned()),
        to: "+14155550100".to_owned(),
        from: "+15005550006".to_owned(),
        status: "completed".to_owned(),
        duration: 61,
        price: None,
        ended_at: chrono::Utc::now(),
    };
    world.store.record_call(&record).await.unwrap();
    let rows = world.store.usage(&UsageQuery::default()).await.unwrap();
    assert_eq!(rows[0].totals.unrated, 1);
    assert_eq!(rows[0].totals.billed_minutes, 2);
    assert_eq!(rows[0].totals.cost_usd, 0.0);

    // The same call again (a late callback) with its price: counted once, priced now.
    record.price = Some(-0.026);
    world.store.record_call(&record).await.unwrap();
    // A later repeat without the price does not erase it.
    record.price = None;
    world.store.record_call(&record).await.unwrap();
    let rows = world.store.usage(&UsageQuery::default()).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].totals.calls, 1);
    assert_eq!(rows[0].totals.unrated, 0);
    assert!((rows[0].totals.cost_usd - 0.026).abs() < 1e-9);
}

/// Endings arriving together share one multi-row write: a call ended twice in the same group
/// (a late callback) is still one call, and the price either carries fills in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endings_written_together_count_each_call_once() {
    use projectx::store::{SqliteStore, Store};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("u.db").display());
    let store = std::sync::Arc::new(
        SqliteStore::open(&url, &SqliteOptions::default())
            .await
            .unwrap(),
    );
    let ended_at = chrono::Utc::now();
    let call = |i: usize, price: Option<f64>| CallRecord {
        sid: format!("CA{i:032}"),
        campaign: Some("together".to_owned()),
        agent: Some("dr-quantum".to_owned()),
        to: format!("+1415555{:04}", 1000 + i),
        from: "+15005550006".to_owned(),
        status: "completed".to_owned(),
        duration: 61,
        price,
        ended_at,
    };
    // Each of 200 calls ends twice: once unrated, once with its price, in either order.
    let writes = (0..400).map(|n| {
        let store = store.clone();
        let i = n / 2;
        let price = (n % 2 == i % 2).then_some(-0.02);
        let record = call(i, price);
        tokio::spawn(async move { store.record_call(&record).await })
    });
    for write in futures_util::future::join_all(writes).await {
        write.unwrap().unwrap();
    }
    let rows = store.usage(&UsageQuery::default()).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let totals = &rows[0].totals;
    assert_eq!(
        (
            totals.calls,
            totals.seconds,
            totals.billed_minutes,
            totals.unrated
        ),
        (200, 200 * 61, 400, 0)
    );
    assert!((totals.cost_usd - 4.0).abs() < 1e-9, "{totals:?}");
}

/// Endings that pile up while the recorder writes are taken together: every call of a burst
/// is recorded, once, and a flush returns only after all of them are.
#[tokio::test]
async fn a_burst_of_endings_is_recorded_in_full_each_call_once() {
    use projectx::events::{CallEvent, Event, EventBus};
    use projectx::store::{SqliteStore, Store};
    use projectx::usage::UsageRecorder;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("u.db").display());
    let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(
        SqliteStore::open(&url, &SqliteOptions::default())
            .await
            .unwrap(),
    );
    let bus = EventBus::new();
    let recorder = UsageRecorder::start(&bus, store.clone(), None);
    let ended = |i: usize| CallEvent {
        sid: format!("CA{i:032}"),
        to: format!("+1415555{:04}", 1000 + i % 9000),
        from: "+15005550006".to_owned(),
        status: "completed".to_owned(),
        agent: Some("dr-quantum".to_owned()),
        campaign: None,
        sequence: Some(3),
        duration: Some(30),
        price: Some(-0.01),
        error: None,
        answered_by: None,
    };
    // 1,000 calls end at once, and 100 of them end a second time (a repeated callback): all
    // are queued before the recorder takes any.
    for i in (0..1_000).chain(0..100) {
        bus.publish(Event::call(EventKind::CallEnded, ended(i)));
    }
    recorder.flush().await;
    let rows = store.usage(&UsageQuery::default()).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].totals.calls, rows[0].totals.seconds),
        (1_000, 30_000)
    );
    assert!((rows[0].totals.cost_usd - 10.0).abs() < 1e-9, "{rows:?}");
    assert_eq!(bus.dropped(), 0);
}
