//! `projectx plan` and `projectx campaign status|report` end to end, with the demo campaign.

use std::process::{Command, Output};

fn projectx(store: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_projectx"))
        .args(["--config", "examples/demo.yaml"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PROJECTX_STORE", format!("sqlite://{}", store.display()))
        .env("PROJECTX_LISTEN", "127.0.0.1:0")
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .output()
        .unwrap()
}

#[test]
fn plan_shows_each_decision_without_dialing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("plan.db");
    let output = projectx(&store, &["plan", "launch", "--json"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let lines = plan["lines"].as_array().unwrap();
    let action = |to: &str| {
        lines
            .iter()
            .find(|l| l["to"] == to)
            .map(|l| l["action"].as_str().unwrap().to_owned())
    };
    assert_eq!(action("+14155550101").as_deref(), Some("dial"));
    assert_eq!(action("+14155550105").as_deref(), Some("skip"));
    assert_eq!(plan["rejected"]["count"], 2);
    // Dial times follow the pace: one a second.
    let times: Vec<chrono::DateTime<chrono::Utc>> = lines
        .iter()
        .filter(|l| l["action"] == "dial")
        .map(|l| l["at"].as_str().unwrap().parse().unwrap())
        .collect();
    for pair in times.windows(2) {
        assert_eq!((pair[1] - pair[0]).num_milliseconds(), 1000);
    }
    // Nothing was dialled or imported.
    let status = projectx(&store, &["campaign", "status", "launch", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status[0]["state"], "defined");
    assert_eq!(status[0]["contacts"]["pending"], 0);
}

#[test]
fn an_unknown_campaign_is_a_usage_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("none.db");
    for args in [
        &["campaign", "report", "nope"][..],
        &["campaign", "status", "nope"][..],
        &["plan", "nope"][..],
    ] {
        let output = projectx(&store, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("no campaign named \"nope\""),
            "{args:?}: {stderr}"
        );
    }
}
