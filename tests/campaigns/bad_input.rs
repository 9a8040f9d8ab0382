//! Bad contacts and bad definitions: each is reported by name or line, and the rest goes on.

use projectx::campaign::{CampaignError, CampaignSpec, ContactSource, Outcome, RetryRule};
use projectx::events::EventKind;

use crate::harness::World;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rows_are_reported_by_line_and_the_good_ones_are_dialled() {
    let mut world = World::new().await;
    let csv = "to,name,timezone\n\
               +14155550600,Good One,\n\
               not-a-number,Typo,\n\
               +14155550601,Far Away,Mars/Olympus_Mons\n\
               +14155550602,Short Row\n\
               +14155550600,Good One Again,\n\
               +14155550603,Good Two,America/Chicago\n";
    world.define("rows", csv, |_| {}).await;
    world.campaigns().start("rows").await.unwrap();
    let imported = world
        .event(EventKind::CampaignProgress, |d| d["state"] == "importing")
        .await;
    assert_eq!(imported["imported"], 2);
    assert_eq!(imported["rejected"], 3);
    assert_eq!(imported["duplicates"], 1);
    let problems: Vec<&str> = imported["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        problems[0].starts_with("line 3: invalid number \"not-a-number\""),
        "{problems:?}"
    );
    assert!(problems[1].starts_with("line 4: unknown timezone \"Mars/Olympus_Mons\""));
    assert!(problems[2].starts_with("line 5: 2 fields where the header has 3"));
    assert!(problems[3].starts_with("line 6: duplicate contact +14155550600"));
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        world.campaigns().wait("rows"),
    )
    .await
    .unwrap();
    let dials = world.dials().await;
    assert_eq!(dials.get("+14155550600"), Some(&1));
    assert_eq!(dials.get("+14155550603"), Some(&1));
    assert_eq!(dials.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_with_no_known_timezone_is_not_called_and_is_reported() {
    let world = World::new().await;
    // A toll-free number has no zone to derive, and the row gives none.
    world
        .define("nozone", "to\n+18005550100\n+14155550700\n", |_| {})
        .await;
    world.run("nozone").await;
    let dials = world.dials().await;
    assert!(!dials.contains_key("+18005550100"));
    assert_eq!(dials.get("+14155550700"), Some(&1));
    let report = world.campaigns().report("nozone").await.unwrap();
    assert_eq!(
        report.skipped.get("timezone unknown"),
        Some(&1),
        "{report:?}"
    );
    let audit = world.store.audit_log(Some("nozone"), 10).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.reason.contains("no timezone known for +18005550100"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_definitions_name_the_key_and_store_nothing() {
    let world = World::new().await;
    let base = CampaignSpec {
        contacts: Some(ContactSource::List(Vec::new())),
        message: Some("hello".to_owned()),
        ..CampaignSpec::default()
    };
    let cases: Vec<(&str, CampaignSpec, &str)> = vec![
        (
            "a",
            CampaignSpec {
                cps: Some(0.0),
                ..base.clone()
            },
            "cps: 0 is not between",
        ),
        (
            "b",
            CampaignSpec {
                max_concurrent: Some(0),
                ..base.clone()
            },
            "max_concurrent",
        ),
        (
            "c",
            CampaignSpec {
                calling_hours: Some("9-5".to_owned()),
                ..base.clone()
            },
            "calling_hours: \"9\" is not a time",
        ),
        (
            "d",
            CampaignSpec {
                contacts: None,
                ..base.clone()
            },
            "contacts: give a CSV file",
        ),
        (
            "e",
            CampaignSpec {
                retry: [(
                    Outcome::Busy,
                    RetryRule {
                        after: "soon".to_owned(),
                        max: 1,
                    },
                )]
                .into(),
                ..base.clone()
            },
            "retry.busy.after",
        ),
        ("bad name", base.clone(), "campaign names are letters"),
    ];
    for (name, spec, expected) in cases {
        let error = world
            .campaigns()
            .define(name, spec, None)
            .await
            .unwrap_err();
        assert!(error.to_string().contains(expected), "{name}: {error}");
        assert!(world.store.campaign(name).await.unwrap().is_none());
    }
    let unknown = world.campaigns().start("never-defined").await.unwrap_err();
    assert!(matches!(unknown, CampaignError::Unknown(_)), "{unknown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_contacts_file_pauses_the_campaign_with_the_path() {
    let mut world = World::new().await;
    let spec = CampaignSpec {
        contacts: Some(ContactSource::File(world.path("nowhere.csv"))),
        message: Some("hello".to_owned()),
        ..CampaignSpec::default()
    };
    world.campaigns().define("lost", spec, None).await.unwrap();
    world.campaigns().start("lost").await.unwrap();
    let paused = world
        .event(EventKind::CampaignProgress, |d| d["state"] == "paused")
        .await;
    assert!(
        paused["reason"].as_str().unwrap().contains("nowhere.csv"),
        "{paused:?}"
    );
    assert!(world.dials().await.is_empty());
    world.campaigns().stop("lost").await.unwrap();
}
