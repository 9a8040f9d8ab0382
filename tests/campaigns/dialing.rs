//! A campaign dials each contact once, at the pace asked, retries by outcome and reports.

use std::time::Duration;

use projectx::campaign::{CampaignError, Outcome, RetryRule};
use projectx::events::EventKind;
use projectx::store::{AttemptStatus, ContactStatus};

use crate::harness::{World, numbers};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_contact_is_dialled_once_and_outcomes_are_reported() {
    let world = World::new().await;
    let mut csv = numbers(20);
    csv.push_str("+14155550102,Busy Bee\n+14155550103,Nobody Home\n+14155550104,Robo Phone\n");
    world
        .define("launch", &csv, |spec| {
            spec.machine_detection = Some("Enable".to_owned());
            spec.retry.insert(
                Outcome::Busy,
                RetryRule {
                    after: "1s".to_owned(),
                    max: 2,
                },
            );
        })
        .await;
    world.run("launch").await;

    let dials = world.dials().await;
    assert_eq!(dials.len(), 23, "{dials:?}");
    for (number, count) in &dials {
        let expected = if number == "+14155550102" { 3 } else { 1 };
        assert_eq!(*count, expected, "{number} was dialled {count} times");
    }
    let report = world.campaigns().report("launch").await.unwrap();
    assert_eq!(report.contacts.done, 23);
    assert_eq!(report.attempts, 25);
    assert_eq!(report.outcomes.get("completed"), Some(&20), "{report:?}");
    assert_eq!(report.outcomes.get("busy"), Some(&3));
    assert_eq!(report.outcomes.get("no-answer"), Some(&1));
    assert_eq!(report.outcomes.get("machine"), Some(&1));
    assert!(report.seconds > 0 && report.cost_usd > 0.0, "{report:?}");
    // Each busy retry waited out its delay.
    let attempts = world.store.attempts("launch").await.unwrap();
    let busy: Vec<_> = attempts.iter().filter(|a| a.to == "+14155550102").collect();
    for pair in busy.windows(2) {
        assert!(pair[1].journaled_at - pair[0].journaled_at >= chrono::Duration::seconds(1));
    }
    assert!(
        attempts
            .iter()
            .all(|a| a.status == AttemptStatus::Finished && a.call_sid.is_some())
    );
    let status = world.campaigns().status("launch").await.unwrap();
    assert_eq!(status.state, projectx::store::CampaignState::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_one_second_window_holds_more_calls_than_the_pace() {
    let world = World::new().await;
    world
        .define("paced", &numbers(40), |spec| spec.cps = Some(10.0))
        .await;
    world.run("paced").await;
    let mut times: Vec<_> = world
        .store
        .attempts("paced")
        .await
        .unwrap()
        .iter()
        .map(|a| a.journaled_at)
        .collect();
    times.sort();
    assert_eq!(times.len(), 40);
    for window in times.windows(11) {
        assert!(
            window[10] - window[0] >= chrono::Duration::milliseconds(990),
            "11 calls within {:?}",
            window[10] - window[0]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn do_not_call_entries_and_opt_outs_are_never_dialled() {
    let world = World::new().await;
    let dnc = world.csv("dnc.txt", "(415) 555-0201\n+1 415-555-0202 # asked twice\n");
    let problems = world.campaigns().load_dnc(&dnc).await.unwrap();
    assert_eq!(problems.count, 0);
    world.campaigns().guard().opt_outs.add("+14155550203");
    world.define("careful", &numbers(6), |_| {}).await;
    world.run("careful").await;
    let dials = world.dials().await;
    for number in ["+14155550201", "+14155550202", "+14155550203"] {
        assert!(
            !dials.contains_key(number),
            "{number} was dialled: {dials:?}"
        );
    }
    assert_eq!(dials.len(), 3);
    let report = world.campaigns().report("careful").await.unwrap();
    assert_eq!(
        report.skipped.get("do-not-call list"),
        Some(&2),
        "{report:?}"
    );
    assert_eq!(report.skipped.get("opted out"), Some(&1));
    let audit = world.store.audit_log(Some("careful"), 100).await.unwrap();
    let skips: Vec<_> = audit
        .iter()
        .filter(|a| a.action.as_str() == "skipped")
        .collect();
    assert_eq!(skips.len(), 3);
    assert!(
        skips
            .iter()
            .any(|s| s.reason.contains("+14155550201 is on the do-not-call list"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_calling_hours_a_contact_waits_for_its_window() {
    let world = World::new().await;
    // A one-minute window; Tokyo is used when the UTC clock happens to be inside it.
    let now = chrono::Utc::now();
    let zone = if now.format("%H:%M").to_string() == "00:00" {
        "Asia/Tokyo"
    } else {
        "UTC"
    };
    world
        .define(
            "night",
            &format!("to,timezone\n+14155550300,{zone}\n"),
            |spec| {
                spec.calling_hours = Some("00:00-00:01".to_owned());
            },
        )
        .await;
    world.campaigns().start("night").await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(world.dials().await.is_empty());
    let contacts = world.store.contacts("night").await.unwrap();
    assert_eq!(contacts[0].status, ContactStatus::Pending);
    let tz: chrono_tz::Tz = zone.parse().unwrap();
    let local = contacts[0].next_at.with_timezone(&tz);
    assert_eq!(local.format("%H:%M").to_string(), "00:00", "{local}");
    assert!(contacts[0].next_at > now);
    let audit = world.store.audit_log(Some("night"), 10).await.unwrap();
    assert!(
        audit[0]
            .reason
            .contains("outside calling hours 00:00-00:01"),
        "{audit:?}"
    );
    world.campaigns().stop("night").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_started_twice_is_refused() {
    let world = World::new().await;
    world
        .define("twice", "to,timezone\n+14155550400,UTC\n", |spec| {
            spec.calling_hours = Some("00:00-00:01".to_owned());
        })
        .await;
    world.campaigns().start("twice").await.unwrap();
    let again = world.campaigns().start("twice").await.unwrap_err();
    assert!(matches!(again, CampaignError::AlreadyRunning(_)), "{again}");
    world.campaigns().stop("twice").await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), world.campaigns().wait("twice"))
        .await
        .unwrap();

    // Another live process holds it.
    world.define("held", &numbers(1), |_| {}).await;
    let until = chrono::Utc::now() + chrono::Duration::seconds(30);
    world
        .store
        .lease_campaign("held", "elsewhere:1", until, None)
        .await
        .unwrap();
    let error = world.campaigns().start("held").await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("running in another process (elsewhere:1)"),
        "{error}"
    );
    assert!(world.dials().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_refusals_pauses_the_campaign_with_the_codes() {
    let yaml = crate::harness::CONFIG.replace(
        "  scenarios:\n",
        "  scenarios:\n    \"+14155550500\": geo-blocked\n    \"+14155550501\": blocked\n    \"+14155550502\": geo-blocked\n    \"+14155550503\": blocked\n    \"+14155550504\": geo-blocked\n    \"+14155550505\": blocked\n    \"+14155550506\": geo-blocked\n    \"+14155550507\": blocked\n    \"+14155550508\": geo-blocked\n    \"+14155550509\": blocked\n    \"+14155550510\": geo-blocked\n    \"+14155550511\": blocked\n",
    );
    let mut world = World::with(&yaml, Default::default()).await;
    let mut csv = String::from("to\n");
    for i in 0..30 {
        csv.push_str(&format!("+141555505{i:02}\n"));
    }
    world
        .define("storm", &csv, |spec| spec.max_concurrent = Some(1))
        .await;
    world.campaigns().start("storm").await.unwrap();
    let paused = world
        .event(EventKind::CampaignProgress, |d| d["state"] == "paused")
        .await;
    let reason = paused["reason"].as_str().unwrap();
    assert!(reason.contains("circuit breaker"), "{reason}");
    assert!(
        reason.contains("21215 ×") && reason.contains("21216 ×"),
        "{reason}"
    );
    let status = world.campaigns().status("storm").await.unwrap();
    assert_eq!(status.state, projectx::store::CampaignState::Paused);
    assert!(status.contacts.pending >= 15, "{status:?}");
    world.campaigns().stop("storm").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialing_stops_once_the_spend_limit_is_reached() {
    let yaml = crate::harness::CONFIG.replace(
        "limits: { cps: 50, max_concurrent_calls: 20 }",
        "limits: { cps: 50, max_concurrent_calls: 1, max_spend_usd: 0.01 }",
    );
    let mut world = World::with(&yaml, Default::default()).await;
    world.define("spendy", &numbers(10), |_| {}).await;
    world.campaigns().start("spendy").await.unwrap();
    let paused = world
        .event(EventKind::CampaignProgress, |d| d["state"] == "paused")
        .await;
    assert!(
        paused["reason"]
            .as_str()
            .unwrap()
            .contains("limits.max_spend_usd reached")
    );
    let spent = world.store.spend_usd(None).await.unwrap();
    assert!(spent >= 0.01, "{spent}");
    // One call at a time: the one that crossed the limit is the last.
    let dialled: usize = world.dials().await.values().sum();
    assert!(dialled < 10, "{dialled}");
    world.campaigns().stop("spendy").await.unwrap();
}
