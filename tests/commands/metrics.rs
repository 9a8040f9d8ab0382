//! What a running runtime exports on `/metrics` while a campaign dials: calls by status, the
//! dial rate against the limit, queue depth, callback lag, usage and spend.

use std::process::Stdio;

use crate::{free_port, text};

const SCRIPT: &str = r#"
campaign.define("metrics", {
  contacts = { { to = "+14155550101" }, { to = "+14155550102" }, { to = "+14155550103" } },
  agent = "captain-nova",
  message = "Your timeline check-in is due.",
  cps = 5,
})
campaign.start("metrics")
"#;

const CONFIG: &str = r#"
runtime: { mode: simulate, scripts: [scripts], store: "sqlite://metrics.db" }
voices: { nova: { model: neural, style: warm } }
agents: { captain-nova: { voice: nova } }
compliance: { calling_hours: "00:00-24:00" }
limits: { cps: 5, max_concurrent_calls: 5 }
simulator: { speed: 100, scenarios: { "+14155550102": busy } }
"#;

/// The value of the first sample of `name` whose labels contain every one of `labels`.
fn sample(metrics: &str, name: &str, labels: &[&str]) -> Option<f64> {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

#[tokio::test]
async fn a_running_campaign_shows_in_the_metrics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scripts")).unwrap();
    std::fs::write(dir.path().join("scripts/metrics.lua"), SCRIPT).unwrap();
    let port = free_port();
    std::fs::write(
        dir.path().join("projectx.yaml"),
        format!("{CONFIG}server: {{ listen: \"127.0.0.1:{port}\" }}\n"),
    )
    .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_projectx"))
        .args(["run", "--for", "60s"])
        .current_dir(dir.path())
        .env_remove("PROJECTX_CONFIG")
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    projectx::twilio::install_crypto_provider();
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/metrics");
    let mut metrics = String::new();
    for _ in 0..300 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let Ok(reply) = http.get(&url).send().await else {
            continue;
        };
        metrics = reply.text().await.unwrap();
        let ended = |status: &str| {
            sample(
                &metrics,
                "projectx_calls_ended_total",
                &["campaign=\"metrics\"", &format!("status=\"{status}\"")],
            )
        };
        let pending = sample(
            &metrics,
            "projectx_campaign_pending_contacts",
            &["campaign=\"metrics\""],
        );
        if ended("completed") == Some(2.0) && ended("busy") == Some(1.0) && pending == Some(0.0) {
            break;
        }
    }
    child.kill().unwrap();
    let log = text(&child.wait_with_output().unwrap().stderr);
    let has = |name: &str, labels: &[&str]| {
        sample(&metrics, name, labels)
            .unwrap_or_else(|| panic!("no {name} {labels:?} in\n{metrics}\n{log}"))
    };
    assert_eq!(
        has(
            "projectx_calls_ended_total",
            &[
                "campaign=\"metrics\"",
                "status=\"completed\"",
                "agent=\"captain-nova\""
            ]
        ),
        2.0
    );
    assert_eq!(has("projectx_calls_ended_total", &["status=\"busy\""]), 1.0);
    assert_eq!(
        has("projectx_call_transitions_total", &["status=\"busy\""]),
        1.0
    );
    assert_eq!(has("projectx_dial_limit_cps", &[]), 5.0);
    assert!(has("projectx_dials_total", &[]) >= 3.0);
    assert_eq!(
        has(
            "projectx_campaign_pending_contacts",
            &["campaign=\"metrics\""]
        ),
        0.0
    );
    assert!(has("projectx_call_seconds_total", &["campaign=\"metrics\""]) > 0.0);
    assert!(
        has(
            "projectx_call_billed_minutes_total",
            &["campaign=\"metrics\""]
        ) >= 2.0
    );
    assert!(
        has(
            "projectx_spend_usd",
            &["campaign=\"metrics\"", "agent=\"captain-nova\""]
        ) > 0.0
    );
    assert!(has("projectx_callback_lag_seconds_count", &[]) >= 3.0);
    assert_eq!(has("projectx_event_backlog", &[]), 0.0);
    assert_eq!(has("projectx_live_calls", &[]), 0.0);
}
