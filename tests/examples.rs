//! The Lua example of examples/lua/ run through the binary, as examples/README.md gives it, with
//! a store in a temporary directory so nothing is left in the repository. (examples/embed.rs is
//! run by its own test, `cargo test --example embed`; the Python example by pytest.)

#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use projectx::store::{SqliteOptions, SqliteStore, Store};

const CONFIG: &str = "examples/lua/renewals.yaml";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs the binary from the repository's root, with `store` as the store and no Twilio
/// credentials inherited from the caller's shell.
fn projectx(store: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_projectx"))
        .args(["--config", CONFIG])
        .args(args)
        .current_dir(root())
        .env("PROJECTX_STORE", format!("sqlite://{}", store.display()))
        .env("PROJECTX_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("NO_COLOR", "1")
        .env_remove("PROJECTX_CONFIG")
        .env_remove("RENEWALS_CRON")
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("TWILIO_PHONE_NUMBER")
        .env_remove("TWILIO_API_KEY")
        .env_remove("TWILIO_API_SECRET")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every JSON line of `--json` output.
fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// What was said on the calls to `to`, from the transcripts `--json` prints.
fn said_to(lines: &[serde_json::Value], to: &str) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l["call"]["to"] == to)
        .flat_map(|l| l["transcript"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["kind"] == "say")
        .filter_map(|e| e["detail"]["text"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn the_readme_names_the_commands_tested_here() {
    let readme = std::fs::read_to_string(root().join("examples/README.md")).unwrap();
    for command in [
        "projectx --config examples/lua/renewals.yaml campaign run renewals",
        "cargo run --example embed",
        "python examples/python/asyncio_campaign.py",
    ] {
        assert!(
            readme.contains(command),
            "examples/README.md lacks {command:?}"
        );
    }
}

#[tokio::test]
async fn the_lua_renewals_campaign_runs_to_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("renewals.db");
    let out = tokio::task::spawn_blocking({
        let store = store.clone();
        move || projectx(&store, &["--json", "campaign", "run", "renewals"], &[])
    })
    .await
    .unwrap();
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let lines = json_lines(&stdout);

    // The report, counted by outcome: every attempt of every contact.
    let report = lines
        .iter()
        .find(|l| l["campaign"] == "renewals" && l.get("report").is_some())
        .map(|l| &l["report"])
        .unwrap_or_else(|| panic!("no report in {stdout}"));
    let outcomes: BTreeMap<String, u64> =
        serde_json::from_value(report["outcomes"].clone()).unwrap();
    let expected: BTreeMap<String, u64> = [
        ("completed", 4), // renewed, call back, opted out, no reply
        ("busy", 3),      // the first try and both retries
        ("no-answer", 2), // the first try and one retry
        ("machine", 2),   // the voicemail and one retry
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(outcomes, expected, "{report}");
    assert_eq!(report["attempts"], 11, "{report}");
    assert_eq!(report["contacts"]["done"], 7, "{report}");
    assert_eq!(report["contacts"]["skipped"], 1, "{report}");
    assert_eq!(report["contacts"]["pending"], 0, "{report}");
    assert_eq!(report["skipped"]["do-not-call list"], 1, "{report}");

    // The bad row is reported by line; the do-not-call number is never dialled.
    assert!(
        stderr.contains("line 10: invalid number \"+1415555\""),
        "{stderr}"
    );
    assert!(
        !lines.iter().any(|l| l["call"]["to"] == "+14155550138"),
        "{stdout}"
    );

    // Each branch of the flow, as the members heard it.
    let renewed = said_to(&lines, "+14155550131");
    assert!(
        renewed.contains(
            &"Done: your gold membership runs for another year. Welcome aboard!".to_owned()
        ),
        "{renewed:?}"
    );
    let call_back = said_to(&lines, "+14155550132");
    assert!(
        call_back.contains(&"Captain Nova will call you Tuesday at noon.".to_owned()),
        "{call_back:?}"
    );
    let opted_out = said_to(&lines, "+14155550133");
    assert!(
        opted_out.contains(&"Understood. We will not call you again. Goodbye.".to_owned()),
        "{opted_out:?}"
    );
    let voicemail = said_to(&lines, "+14155550136");
    assert_eq!(
        voicemail
            .iter()
            .filter(|s| s.ends_with("We will call you again. Goodbye."))
            .count(),
        2,
        "{voicemail:?}"
    );
    assert!(
        stderr.contains(
            "renewals done: 1 renewed, 1 call back, 1 opted out, 1 no reply, 2 voicemail; 11 attempts, 1 skipped"
        ),
        "{stderr}"
    );

    // The opt-out outlives the run: it is on the store's do-not-call list.
    let store = SqliteStore::open(
        &format!("sqlite://{}", store.display()),
        &SqliteOptions::default(),
    )
    .await
    .unwrap();
    assert!(store.is_dnc("+14155550133").await.unwrap());
    assert!(!store.is_dnc("+14155550131").await.unwrap());
}

#[test]
fn the_lua_schedule_starts_the_renewals() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("renewals.db");
    // Every second instead of weekday mornings; stopped after a few seconds.
    let out = projectx(
        &store,
        &["run", "--for", "3s"],
        &[("RENEWALS_CRON", "* * * * * *")],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("renewals started by the schedule"),
        "{stderr}"
    );
    let status = projectx(&store, &["--json", "campaign", "status", "renewals"], &[]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status.stderr));
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    // Dialing began: the contacts were imported and the do-not-call number set aside.
    assert_ne!(status[0]["state"], "defined", "{status}");
    assert_eq!(status[0]["contacts"]["skipped"], 1, "{status}");
}
