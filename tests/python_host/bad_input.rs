//! Broken scripts and misuse, each named for the Python host: refused or contained with an
//! error that says what and where (with the traceback), and the runtime goes on.

use projectx::events::{Event, EventKind};

use crate::harness::World;

fn poke() -> Event {
    Event::other(EventKind::CampaignProgress, serde_json::Map::new())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_syntax_error_at_start_names_file_and_line() {
    let world = World::new().await;
    let err = world
        .load("broken.py", "ok = True\n\nif ok:\n    print('x'\n")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("broken.py:"), "{err}");
    assert!(err.to_string().contains("SyntaxError"), "{err}");
    assert!(err.line.is_some(), "{err}");
    assert!(world.runtime.scripts.loaded_files().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exception_at_load_names_its_line_and_loads_nothing() {
    let world = World::new().await;
    let err = world
        .load("raises.py", "x = 1\n\nraise ValueError('no config here')\n")
        .await
        .unwrap_err();
    assert_eq!(err.line, Some(3), "{err}");
    assert!(
        err.to_string()
            .contains("raises.py:3: ValueError: no config here"),
        "{err}"
    );
    assert!(err.to_string().contains("Traceback"), "{err}");
    assert!(world.runtime.scripts.loaded_files().is_empty());
}

/// A sync and an async handler that fail on the first event and work on the second.
const FLAKY: &str = r#"
seen = {"sync": 0, "async": 0}

def out(line):
    with open(OUT, "a") as f:
        f.write(line + "\n")

@twilio.on("campaign.progress")
def sync_handler(ev):
    seen["sync"] += 1
    if seen["sync"] == 1:
        {}["missing"]          # line 12
    out("sync %d" % seen["sync"])

@twilio.on("campaign.progress")
async def async_handler(ev):
    seen["async"] += 1
    if seen["async"] == 1:
        raise RuntimeError("async handler broke")   # line 19
    out("async %d" % seen["async"])
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_sync_and_async_handlers_are_reported_with_tracebacks_and_the_next_event_runs() {
    let mut world = World::new().await;
    world.load("flaky.py", FLAKY).await.unwrap();
    world.runtime.bus.publish(poke());
    let mut errors = Vec::new();
    while errors.len() < 2 {
        let error = world.next(EventKind::ScriptError).await;
        // The asyncio loop is one per process: another test blocking it is reported here too.
        if error.data["source"] == "asyncio loop" {
            continue;
        }
        errors.push((
            error.data["line"].clone(),
            error.data["message"].as_str().unwrap().to_owned(),
        ));
    }
    errors.sort_by_key(|(line, _)| line.as_u64());
    assert_eq!(errors[0].0, 12, "{errors:?}");
    assert!(errors[0].1.contains("KeyError: 'missing'"), "{errors:?}");
    assert!(
        errors[0].1.contains("Traceback (most recent call last)"),
        "{errors:?}"
    );
    assert_eq!(errors[1].0, 19, "{errors:?}");
    assert!(
        errors[1].1.contains("RuntimeError: async handler broke"),
        "{errors:?}"
    );
    world.runtime.bus.publish(poke());
    let mut lines = world.out_lines(2).await;
    lines.sort();
    assert_eq!(lines, ["async 2", "sync 2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_keyword_types_and_invalid_numbers_raise_named_errors() {
    let world = World::new().await;
    let script = r#"
import projectx_twilio

def out(line):
    with open(OUT, "a") as f:
        f.write(line + "\n")

@twilio.on("script.reloaded")
async def go(ev):
    try:
        await twilio.initiate_call(to=5551234, message="hi")
    except TypeError as e:
        out("TypeError " + str(e))
    try:
        await twilio.initiate_call(to="+1415", message="hi", colour="red")
    except TypeError as e:
        out("TypeError " + str(e))
    try:
        await twilio.initiate_call(to="+1415", message="hi")
    except projectx_twilio.InvalidNumberError as e:
        out("InvalidNumberError " + str(e) + " " + str(isinstance(e, projectx_twilio.TwilioError)))
"#;
    world.load("misuse.py", script).await.unwrap();
    let lines = world.out_lines(3).await;
    assert!(
        lines[0].starts_with("TypeError initiate_call() argument 'to': invalid type: integer"),
        "{lines:?}"
    );
    assert_eq!(
        lines[1],
        "TypeError initiate_call() got an unexpected keyword argument 'colour'"
    );
    assert!(
        lines[2].starts_with("InvalidNumberError invalid to:"),
        "{lines:?}"
    );
    assert!(lines[2].ends_with(" True"), "{lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_inside_the_event_loop_is_refused_or_reported_with_where_it_blocked() {
    let mut world = World::new().await;
    let script = r#"
import time

@twilio.on("campaign.progress")
async def sleepy(ev):
    try:
        twilio.define_campaign("spring", contacts=[{"to": "+14155550101"}], message="hi")
    except RuntimeError as e:
        with open(OUT, "a") as f:
            f.write("refused " + str(e) + "\n")
    time.sleep(1.6)    # line 11: blocks every async handler
"#;
    world.load("sleepy.py", script).await.unwrap();
    world.runtime.bus.publish(poke());
    let lines = world.out_lines(1).await;
    assert!(
        lines[0].starts_with("refused define_campaign() blocks until it is done, so it cannot run inside the asyncio event loop"),
        "{lines:?}"
    );
    let error = world.next(EventKind::ScriptError).await;
    let message = error.data["message"].as_str().unwrap();
    assert!(
        message.contains("the asyncio loop was blocked"),
        "{message}"
    );
    assert!(message.contains("sleepy.py\", line 11"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registering_outside_the_top_level_is_refused() {
    let mut world = World::new().await;
    let script = r#"
@twilio.on("campaign.progress")
def late(ev):
    @twilio.on("call.ended")
    def never(ev):
        pass
"#;
    world.load("late.py", script).await.unwrap();
    world.runtime.bus.publish(poke());
    let error = world.next(EventKind::ScriptError).await;
    let message = error.data["message"].as_str().unwrap();
    assert!(message.contains("on() registers at load time"), "{message}");
}
