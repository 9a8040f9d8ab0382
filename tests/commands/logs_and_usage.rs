//! The demo campaign with JSON logs, then what usage and the report say about it.

use crate::{free_port, projectx, root, text};

#[test]
fn json_logs_name_each_call_and_usage_counts_the_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}", dir.path().join("demo.db").display());
    let run = projectx(root())
        .args(["--config", "examples/demo.yaml", "--log-format", "json"])
        .args(["campaign", "run", "launch"])
        .env("PROJECTX_STORE", &store)
        .env("PROJECTX_LISTEN", format!("127.0.0.1:{}", free_port()))
        .output()
        .unwrap();
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");

    // Every log line is one JSON object; progress lines (not logs) are plain text.
    let logs: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(logs.len() > 10, "{stderr}");
    for line in &logs {
        assert!(
            line["level"].is_string() && line["timestamp"].is_string(),
            "{line}"
        );
    }
    // The runtime's own call lines carry the SID and campaign as fields…
    let call_events: Vec<&serde_json::Value> = logs
        .iter()
        .filter(|l| l["message"] == "call event")
        .collect();
    assert!(!call_events.is_empty());
    for line in &call_events {
        assert!(
            line["call_sid"].as_str().unwrap().starts_with("CA"),
            "{line}"
        );
        assert_eq!(line["campaign"], "launch", "{line}");
    }
    // …and so do the lines a script's handler logs about a call (from its span).
    let script_lines: Vec<&serde_json::Value> = logs
        .iter()
        .filter(|l| l["target"] == "projectx::lua" && l["span"]["event"] == "call.ended")
        .collect();
    assert!(!script_lines.is_empty(), "{stderr}");
    for line in script_lines {
        assert!(
            line["span"]["call_sid"].as_str().unwrap().starts_with("CA"),
            "{line}"
        );
        assert_eq!(line["span"]["campaign"], "launch");
        assert!(line["line"].as_u64().unwrap() > 0, "{line}");
    }

    // Usage: the campaign's calls per day and agent, as the report counts them.
    let usage = projectx(root())
        .args(["--config", "examples/demo.yaml", "usage", "--json"])
        .env("PROJECTX_STORE", &store)
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(0), "{}", text(&usage.stderr));
    let usage: serde_json::Value = serde_json::from_slice(&usage.stdout).unwrap();
    let rows = usage["usage"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{usage}");
    assert_eq!(rows[0]["campaign"], "launch");
    assert_eq!(rows[0]["agent"], "captain-nova");
    assert_eq!(
        rows[0]["day"],
        chrono::Utc::now().date_naive().to_string().as_str()
    );
    let report = projectx(root())
        .args(["--config", "examples/demo.yaml", "--json"])
        .args(["campaign", "report", "launch"])
        .env("PROJECTX_STORE", &store)
        .output()
        .unwrap();
    assert_eq!(report.status.code(), Some(0), "{}", text(&report.stderr));
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["usage"], usage["usage"]);
    assert_eq!(usage["total"]["calls"], report["report"]["attempts"]);
    let cost = usage["total"]["cost_usd"].as_f64().unwrap();
    assert!(cost > 0.0);
    assert!((cost - report["report"]["cost_usd"].as_f64().unwrap()).abs() < 1e-9);

    let table = projectx(root())
        .args(["--config", "examples/demo.yaml", "usage", "--days", "1"])
        .env("PROJECTX_STORE", &store)
        .output()
        .unwrap();
    let table = text(&table.stdout);
    assert!(
        table.contains("launch") && table.contains("captain-nova"),
        "{table}"
    );
    assert!(
        table.lines().last().unwrap().starts_with("total"),
        "{table}"
    );
}

#[test]
fn usage_refuses_a_bad_day_and_a_broken_store() {
    let dir = tempfile::tempdir().unwrap();
    let bad_day = projectx(dir.path())
        .args(["usage", "--since", "2026-02-30"])
        .output()
        .unwrap();
    assert_eq!(bad_day.status.code(), Some(2));
    assert!(text(&bad_day.stderr).contains("invalid value '2026-02-30' for '--since <DAY>'"));

    std::fs::write(dir.path().join("not-a-db"), "this is not SQLite").unwrap();
    std::fs::write(
        dir.path().join("projectx.yaml"),
        "runtime: { store: \"sqlite://not-a-db\", mode: simulate }\n",
    )
    .unwrap();
    let broken = projectx(dir.path()).args(["usage"]).output().unwrap();
    assert_eq!(broken.status.code(), Some(2), "{}", text(&broken.stderr));
    assert!(
        text(&broken.stderr).contains("cannot be opened"),
        "{}",
        text(&broken.stderr)
    );
}

const PYTHON_SCRIPT: &str = r#"
import logging

log = logging.getLogger("survey")

@twilio.flow("ask")
async def ask(call):
    log.info("flow started for %s", call.to)
    answer = await call.gather(input="dtmf", num_digits=1, prompt="Press a key.")
    log.warning("pressed %s", answer.digits)
    call.hangup()

@twilio.on("call.ended")
def ended(ev):
    log.info("ended %s", ev.status)

placed = []

@twilio.every("1s", name="dial once")
async def place(run):
    if not placed:
        placed.append(await twilio.initiate_call(to="+14155550101", flow="ask"))
"#;

#[test]
fn python_logging_goes_to_the_runtime_log_with_the_call() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ask.py"), PYTHON_SCRIPT).unwrap();
    std::fs::write(
        dir.path().join("projectx.yaml"),
        format!(
            "runtime: {{ mode: simulate, store: \"sqlite::memory:\" }}\nserver: {{ listen: \"127.0.0.1:{}\" }}\ncompliance: {{ disclose_automation: false }}\nsimulator: {{ speed: 50, scenarios: {{ \"+14155550101\": {{ answer: human, digits: \"7\" }} }} }}\n",
            free_port()
        ),
    )
    .unwrap();
    let out = projectx(dir.path())
        .args(["--log-format", "json", "run", "ask.py", "--for", "8s"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let python: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["target"] == "projectx::python")
        .collect();
    let find = |message: &str| {
        python
            .iter()
            .find(|l| l["message"] == message)
            .unwrap_or_else(|| panic!("no {message:?} in {stderr}"))
    };
    let started = find("flow started for +14155550101");
    let pressed = find("pressed 7");
    let ended = find("ended completed");
    let sid = started["call_sid"].as_str().unwrap();
    assert!(sid.starts_with("CA"), "{started}");
    // The same call through the await in the flow, and in the sync handler.
    assert_eq!(pressed["call_sid"], sid);
    assert_eq!(pressed["level"], "WARN");
    assert_eq!(ended["call_sid"], sid);
    assert_eq!(started["logger"], "survey");
    assert!(started["file"].as_str().unwrap().ends_with("ask.py"));
    assert_eq!(started["line"], 8);
}
