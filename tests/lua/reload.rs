//! Hot reload: new versions take over new events, calls in progress finish on theirs, old
//! timers go quiet, a broken version never replaces a good one, nothing is lost or doubled.

use std::collections::BTreeMap;
use std::time::Duration;

use projectx::calls::CallRequest;
use projectx::events::{Event, EventKind};
use projectx::script::ScriptWatcher;

use crate::harness::{World, wait_until};

fn progress(seq: u64) -> Event {
    let mut data = serde_json::Map::new();
    data.insert("seq".to_owned(), seq.into());
    Event::other(EventKind::CampaignProgress, data)
}

fn counter(version: &str) -> String {
    format!(
        r#"
twilio.on("campaign.progress", function(ev)
  local f = io.open(OUT, "a"); f:write("{version} ", ev.seq, "\n"); f:close()
end)
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_swaps_handlers_for_new_events() {
    let mut world = World::new().await;
    assert_eq!(world.load("count.lua", &counter("v1")).await.unwrap(), 1);
    world.runtime.bus.publish(progress(1));
    world.out_lines(1).await;
    assert_eq!(world.load("count.lua", &counter("v2")).await.unwrap(), 2);
    let reloaded = world.next(EventKind::ScriptReloaded).await;
    assert_eq!(reloaded.data["generation"], 1);
    let reloaded = world.next(EventKind::ScriptReloaded).await;
    assert_eq!(reloaded.data["generation"], 2);
    world.runtime.bus.publish(progress(2));
    assert_eq!(world.out_lines(2).await, ["v1 1", "v2 2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_the_file_reloads_it_and_a_broken_save_keeps_the_last_good_version() {
    let mut world = World::new().await;
    let path = world.write("count.lua", &counter("v1"));
    world.runtime.scripts.load(&path).await.unwrap();
    let _watcher = ScriptWatcher::start(
        world.runtime.scripts.clone(),
        &[world.dir.path().to_owned()],
    )
    .unwrap();
    world.next(EventKind::ScriptReloaded).await;

    world.write("count.lua", &counter("v2"));
    let reloaded = world.next(EventKind::ScriptReloaded).await;
    assert_eq!(reloaded.data["generation"], 2);

    // A syntax error on line 3: reported with its line, and v2 stays.
    world.write("count.lua", "-- broken\nlocal x = 1\nthis is not lua\n");
    let error = world.next(EventKind::ScriptError).await;
    assert_eq!(error.data["line"], 3, "{:?}", error.data);
    assert_eq!(error.data["kept_generation"], 2);
    assert!(
        error.data["message"]
            .as_str()
            .unwrap()
            .contains("count.lua:3:"),
        "{:?}",
        error.data
    );
    world.runtime.bus.publish(progress(7));
    assert_eq!(world.out_lines(1).await, ["v2 7"]);

    // An editor that saves by renaming a new file over the old one.
    let temp = world.write("count.lua.tmp", &counter("v4"));
    std::fs::rename(&temp, world.path("count.lua")).unwrap();
    let reloaded = world.next(EventKind::ScriptReloaded).await;
    assert_eq!(reloaded.data["generation"], 4);

    // Deleted: reported, and the last version goes on handling events.
    std::fs::remove_file(world.path("count.lua")).unwrap();
    let error = world.next(EventKind::ScriptError).await;
    assert!(
        error.data["message"].as_str().unwrap().contains("removed"),
        "{:?}",
        error.data
    );
    world.runtime.bus.publish(progress(8));
    assert_eq!(world.out_lines(2).await, ["v2 7", "v4 8"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_event_is_lost_or_handled_twice_across_twenty_reloads() {
    let world = World::new().await;
    world.load("count.lua", &counter("g")).await.unwrap();
    let total = 2_000u64;
    let bus = world.runtime.bus.clone();
    let publisher = tokio::spawn(async move {
        for seq in 0..total {
            bus.publish(progress(seq));
            if seq % 50 == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    });
    for _ in 0..20 {
        world.load("count.lua", &counter("g")).await.unwrap();
    }
    publisher.await.unwrap();
    let lines = world.out_lines(total as usize).await;
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    for line in &lines {
        let seq: u64 = line.split(' ').nth(1).unwrap().parse().unwrap();
        *seen.entry(seq).or_default() += 1;
    }
    assert_eq!(seen.len() as u64, total, "lost events");
    assert!(seen.values().all(|n| *n == 1), "doubled events");
    assert_eq!(world.runtime.bus.dropped(), 0);
}

const SLOW_FLOW: &str = r#"
twilio.flow("slow", function(call)
  call:say("VERSION before")
  local answer = call:gather{ timeout = 3 }
  call:say("VERSION after")
end)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_in_progress_finishes_on_the_version_it_started_with() {
    let mut world = World::new().await;
    world
        .load("slow.lua", &SLOW_FLOW.replace("VERSION", "v1"))
        .await
        .unwrap();
    // No scenario for this number: the callee listens and presses nothing.
    let request = CallRequest {
        to: "+14155550199".to_owned(),
        flow: Some("slow".to_owned()),
        ..CallRequest::default()
    };
    let first = world.runtime.dialer.place(&request).await.unwrap();
    let scripts = world.runtime.scripts.clone();
    wait_until(|| scripts.active_flows() == 1).await;
    world
        .load("slow.lua", &SLOW_FLOW.replace("VERSION", "v2"))
        .await
        .unwrap();
    let second = world.runtime.dialer.place(&request).await.unwrap();
    let heard_first = world.finished_call(&first.sid).await;
    assert_eq!(
        heard_first,
        [
            "say This is an automated call.",
            "say v1 before",
            "gather no input",
            "say v1 after"
        ]
    );
    let heard_second = world.finished_call(&second.sid).await;
    assert_eq!(
        heard_second,
        [
            "say This is an automated call.",
            "say v2 before",
            "gather no input",
            "say v2 after"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_old_versions_timers_go_quiet() {
    let world = World::new().await;
    let ticking = r#"
schedule.every("1s", function() local f = io.open(OUT, "a"); f:write("tick ", script.generation, "\n"); f:close() end)
"#;
    world.load("tick.lua", ticking).await.unwrap();
    world.out_lines(1).await;
    world
        .load("tick.lua", "-- no schedules now\n")
        .await
        .unwrap();
    let at_reload = world.out().len();
    tokio::time::sleep(Duration::from_millis(2_300)).await;
    let lines = world.out();
    assert_eq!(lines.len(), at_reload, "{lines:?}");
    assert!(lines.iter().all(|l| l == "tick 1"), "{lines:?}");
}
