//! Reloads: a new version takes over new events, a broken save keeps the last good version,
//! each event is handled once, and a call in progress finishes on its version.

use projectx::events::{Event, EventKind};
use projectx::script::ScriptWatcher;

use crate::harness::World;

fn progress(seq: u64) -> Event {
    let mut data = serde_json::Map::new();
    data.insert("seq".to_owned(), seq.into());
    Event::other(EventKind::CampaignProgress, data)
}

fn counter(version: &str) -> String {
    format!(
        r#"
@twilio.on("campaign.progress")
def count(ev):
    with open(OUT, "a") as f:
        f.write("{version} %d\n" % ev.seq)
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_swaps_handlers_and_a_broken_save_keeps_the_last_good_version() {
    let mut world = World::new().await;
    let path = world.write("count.py", &counter("v1"));
    world.runtime.scripts.load(&path).await.unwrap();
    let _watcher = ScriptWatcher::start(
        world.runtime.scripts.clone(),
        &[world.dir.path().to_owned()],
    )
    .unwrap();
    world.next(EventKind::ScriptReloaded).await;
    world.runtime.bus.publish(progress(1));
    assert_eq!(world.out_lines(1).await, ["v1 1"]);

    world.write("count.py", &counter("v2"));
    let reloaded = world.next(EventKind::ScriptReloaded).await;
    assert_eq!(reloaded.data["generation"], 2);

    // A syntax error on line 3: reported with its line, and v2 stays.
    world.write("count.py", "# broken\nx = 1\ndef broken(:\n");
    let error = world.next(EventKind::ScriptError).await;
    assert_eq!(error.data["line"], 3, "{:?}", error.data);
    assert_eq!(error.data["kept_generation"], 2);
    let message = error.data["message"].as_str().unwrap();
    assert!(message.contains("count.py:3: SyntaxError"), "{message}");

    // Each event reaches exactly one version: the current one.
    for seq in 2..=30 {
        world.runtime.bus.publish(progress(seq));
    }
    let lines = world.out_lines(30).await;
    let expected: Vec<String> = std::iter::once("v1 1".to_owned())
        .chain((2..=30).map(|seq| format!("v2 {seq}")))
        .collect();
    assert_eq!(lines, expected);
    assert_eq!(world.runtime.scripts.generation_of(&path), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_in_progress_finishes_on_the_version_it_started_with() {
    let mut world = World::new().await;
    let flow = |version: &str| {
        format!(
            r#"
@twilio.flow("ask")
async def ask(call):
    answer = await call.gather(input="dtmf", num_digits=1, prompt="Press 1.")
    call.say("{version} got " + str(answer.digits))
    call.hangup()
"#
        )
    };
    let path = world.write("ask.py", &flow("v1"));
    world.runtime.scripts.load(&path).await.unwrap();
    let call = world
        .runtime
        .dialer
        .place(&projectx::calls::CallRequest {
            to: "+14155550101".to_owned(),
            flow: Some("ask".to_owned()),
            ..Default::default()
        })
        .await
        .unwrap();
    // Reload once the flow waits for the caller.
    let started = std::time::Instant::now();
    while world.runtime.scripts.active_flows() == 0 && started.elapsed().as_secs() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    world.write("ask.py", &flow("v2"));
    world.runtime.scripts.load(&path).await.unwrap();
    let heard = world.finished_call(&call.sid).await;
    assert!(heard.contains(&"say v1 got 1".to_owned()), "{heard:?}");
}
