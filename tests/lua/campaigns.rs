//! The `campaign` namespace and durable schedules, from Lua.

use std::time::Duration;

use crate::harness::World;

const CONFIG: &str = r#"
runtime: { mode: simulate }
compliance: { calling_hours: "00:00-24:00", disclose_automation: false }
limits: { cps: 20 }
simulator:
  speed: 100
  scenarios:
    "+14155550102": busy
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_defines_starts_and_reports_a_campaign() {
    let world = World::with_config(CONFIG).await;
    world
        .load(
            "campaign.lua",
            r#"
local function out(...) local f = io.open(OUT, "a"); f:write(table.concat({...}, " "), "\n"); f:close() end
assert(campaign.define("from-lua", {
  contacts = { { to = "+14155550101", name = "Nova", plan = "gold" }, { to = "+14155550102" } },
  message = "Timeline check-in.",
  retry = { busy = { after = "1s", max = 1 } },
}))
twilio.on("campaign.done", function(ev)
  local status = campaign.status(ev.campaign)
  out("done", ev.campaign, status.state, ev.report.attempts, ev.report.outcomes.busy, ev.report.outcomes.completed)
end)
out("start", tostring(campaign.start("from-lua")))
local again, err = campaign.start("from-lua")
out("again", tostring(again), err.kind)
"#,
        )
        .await
        .unwrap();
    let lines = world.out_lines(3).await;
    assert_eq!(lines[0], "start true");
    assert_eq!(lines[1], "again nil already_running");
    // One answered call, and the busy number twice (one retry).
    assert_eq!(lines[2], "done from-lua done 3 2 1", "{lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_definition_raises_naming_the_key() {
    let world = World::with_config(CONFIG).await;
    for (source, expected) in [
        (
            "campaign.define('x', { contacts = 'c.csv', message = 'hi', cps = 'fast' })",
            "bad argument 'options.cps'",
        ),
        (
            "campaign.define('x', { contacts = 'c.csv', message = 'hi', pace = 1 })",
            "unknown field `pace`",
        ),
        (
            "campaign.define('x', { contacts = 'c.csv', message = 'hi', retry = { busy = { after = 'soon', max = 1 } } })",
            "retry.busy.after",
        ),
    ] {
        let err = world.load("bad.lua", source).await.unwrap_err();
        assert!(err.message.contains(expected), "{source}: {}", err.message);
    }
    assert!(
        world
            .runtime
            .campaigns
            .store()
            .campaign("x")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_run_is_caught_up_once_when_asked_and_skipped_otherwise() {
    let world = World::with_config(CONFIG).await;
    let store = world.runtime.campaigns.store().clone();
    let file = world.path("nightly.lua");
    let two_days_ago = chrono::Utc::now() - chrono::Duration::days(2);
    for name in ["catch-up", "skip"] {
        let key = format!("{}#{name}", file.display());
        assert!(
            store
                .claim_schedule_run(&key, two_days_ago, two_days_ago)
                .await
                .unwrap()
        );
    }
    world
        .load(
            "nightly.lua",
            r#"
local function out(...) local f = io.open(OUT, "a"); f:write(table.concat({...}, " "), "\n"); f:close() end
schedule.cron("0 3 * * *", function(run) out("ran", run.name) end, { name = "catch-up", missed = "run_once" })
schedule.cron("0 3 * * *", function(run) out("ran", run.name) end, { name = "skip", missed = "skip" })
"#,
        )
        .await
        .unwrap();
    let lines = world.out_lines(1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(world.out(), ["ran catch-up"], "{lines:?}");
    // The catch-up run is recorded: loading the file again does not run it again.
    world
        .load("nightly.lua", &std::fs::read_to_string(&file).unwrap())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(world.out(), ["ran catch-up"]);
    let err = world
        .load(
            "late.lua",
            "schedule.every('1h', function() end, { missed = 'later' })",
        )
        .await
        .unwrap_err();
    assert!(
        err.message.contains("bad argument 'options.missed'"),
        "{}",
        err.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_never_fires_twice_for_one_time_across_reloads() {
    let world = World::with_config(CONFIG).await;
    let source = r#"
schedule.every("1s", function(run) local f = io.open(OUT, "a"); f:write(run.at, "\n"); f:close() end)
"#;
    world.load("tick.lua", source).await.unwrap();
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(450)).await;
        world.load("tick.lua", source).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let lines = world.out();
    let distinct: std::collections::BTreeSet<_> = lines.iter().collect();
    assert_eq!(distinct.len(), lines.len(), "a run fired twice: {lines:?}");
}
