//! Every kind of bad script input named for the Lua host: each is refused or contained with
//! an error that says what and where, and the runtime goes on.

use projectx::calls::CallRequest;
use projectx::events::{Event, EventKind};

use crate::harness::{BASE_CONFIG, World};

fn poke() -> Event {
    Event::other(EventKind::CampaignProgress, serde_json::Map::new())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_syntax_error_at_start_names_file_and_line() {
    let world = World::new().await;
    let err = world
        .load(
            "broken.lua",
            "local ok = true\n\nif ok then\n  print('x'\nend\n",
        )
        .await
        .unwrap_err();
    assert_eq!(err.line, Some(5), "{err}");
    assert!(err.to_string().contains("broken.lua:5:"), "{err}");
    assert!(world.runtime.scripts.loaded_files().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_handler_is_reported_and_the_next_event_still_runs() {
    let mut world = World::new().await;
    world
        .load(
            "handler.lua",
            r#"
local n = 0
twilio.on("campaign.progress", function(ev)
  n = n + 1
  if n == 1 then
    local t = nil
    return t.field   -- line 7
  end
  local f = io.open(OUT, "a"); f:write("handled ", n, "\n"); f:close()
end)
"#,
        )
        .await
        .unwrap();
    world.runtime.bus.publish(poke());
    let error = world.next(EventKind::ScriptError).await;
    assert_eq!(error.data["line"], 7, "{:?}", error.data);
    let message = error.data["message"].as_str().unwrap();
    assert!(
        message.contains("attempt to index a nil value"),
        "{message}"
    );
    assert!(message.contains("stack traceback"), "{message}");
    world.runtime.bus.publish(poke());
    assert_eq!(world.out_lines(1).await, ["handled 2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_loop_is_stopped_even_inside_pcall() {
    let mut world = World::new().await;
    let err = world
        .load("spin.lua", "while true do end\n")
        .await
        .unwrap_err();
    assert!(
        err.message.contains("instructions without yielding"),
        "{err}"
    );
    world
        .load(
            "spin2.lua",
            r#"
twilio.on("campaign.progress", function()
  while true do pcall(function() while true do end end) end
end)
twilio.on("campaign.done", function()
  local f = io.open(OUT, "a"); f:write("still alive\n"); f:close()
end)
"#,
        )
        .await
        .unwrap();
    world.runtime.bus.publish(poke());
    let error = world.next(EventKind::ScriptError).await;
    assert!(
        error.data["message"]
            .as_str()
            .unwrap()
            .contains("instructions without yielding"),
        "{:?}",
        error.data
    );
    world.runtime.bus.publish(Event::other(
        EventKind::CampaignDone,
        serde_json::Map::new(),
    ));
    assert_eq!(world.out_lines(1).await, ["still alive"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_table_hits_the_memory_limit() {
    let config = format!("{BASE_CONFIG}\n").replace(
        "runtime: { mode: simulate }",
        "runtime: { mode: simulate, sandbox: { max_memory_mb: 16 } }",
    );
    let world = World::with_config(&config).await;
    let err = world
        .load(
            "hog.lua",
            "local t = {}\nfor i = 1, 1e9 do t[i] = string.rep('x', 64) .. i end\n",
        )
        .await
        .unwrap_err();
    assert!(err.message.contains("memory limit of 16 MiB"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_events_bad_arguments_and_bad_cron_strings_are_refused_by_name() {
    let world = World::new().await;
    let err = world
        .load("on.lua", "twilio.on('call.answerd', function() end)\n")
        .await
        .unwrap_err();
    assert!(
        err.message.contains("unknown event \"call.answerd\""),
        "{err}"
    );
    assert!(err.message.contains("call.answered"), "{err}");
    assert_eq!(err.line, Some(1));

    let err = world
        .load(
            "cron.lua",
            "\nschedule.cron('0 9 * * MOM', function() end)\n",
        )
        .await
        .unwrap_err();
    assert!(
        err.message.contains("schedule.cron: bad argument 'expr'") && err.message.contains("MOM"),
        "{err}"
    );
    assert_eq!(err.line, Some(2));
    let err = world
        .load(
            "cron7.lua",
            "schedule.cron('0 0 9 * * MON 2027', function() end)\n",
        )
        .await
        .unwrap_err();
    assert!(err.message.contains("has 7 fields"), "{err}");
    let err = world
        .load(
            "tz.lua",
            "schedule.cron('0 9 * * *', function() end, { tz = 'Mars/Base' })\n",
        )
        .await
        .unwrap_err();
    assert!(err.message.contains("bad argument 'options.tz'"), "{err}");

    world
        .load(
            "args.lua",
            r#"
twilio.on("campaign.progress", function()
  local f = io.open(OUT, "a")
  local ok, e = pcall(twilio.initiate_call, { to = 5 })
  f:write((tostring(e):gsub("\n.*", "")), "\n")
  ok, e = pcall(twilio.initiate_call, { to = "+14155550101", mesage = "hi" })
  f:write((tostring(e):gsub("\n.*", "")), "\n")
  ok, e = pcall(twilio.on, "call.ended", function() end)
  f:write((tostring(e):gsub("\n.*", "")), "\n")
  ok, e = pcall(twiml.response().say, twiml.response(), "x", { vioce = "alice" })
  f:write((tostring(e):gsub("\n.*", "")), "\n")
  ok, e = pcall(twilio.calls.list, { call_sid = "CA1" })
  f:write((tostring(e):gsub("\n.*", "")), "\n")
  ok, e = pcall(twilio.calls.list, { status = "done" })
  f:write((tostring(e):gsub("\n.*", "")), "\n")
  f:close()
end)
"#,
        )
        .await
        .unwrap();
    world.runtime.bus.publish(poke());
    let lines = world.out_lines(6).await;
    assert!(
        lines[0].contains("twilio.initiate_call: bad argument 'options.to': invalid type: integer `5`, expected a string"),
        "{lines:?}"
    );
    assert!(lines[1].contains("unknown field `mesage`"), "{lines:?}");
    assert!(lines[2].contains("registers at load time"), "{lines:?}");
    assert!(
        lines[3].contains("say() takes no argument \"vioce\""),
        "{lines:?}"
    );
    // A filter of the other listing is not silently ignored, nor is a misspelt status.
    assert!(
        lines[4].contains("twilio.calls.list: bad argument 'options.call_sid': unknown field"),
        "{lines:?}"
    );
    assert!(
        lines[5].contains("'options.status': \"done\" is not a call status"),
        "{lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_refusals_come_back_as_nil_and_an_error() {
    let config = format!("{BASE_CONFIG}\n").replace(
        "simulator:\n",
        "simulator:\n  numbers: [\"+15005550006\"]\n",
    );
    let world = World::with_config(&config).await;
    world
        .load(
            "refused.lua",
            r#"
twilio.on("campaign.progress", function()
  local call, err = twilio.initiate_call{ to = "+14155550101", from = "+14155559999", message = "Hi" }
  local f = io.open(OUT, "a")
  f:write(tostring(call), " ", tostring(err.code), " ", tostring(err.status), " ", err.kind, "\n")
  local call2, err2 = twilio.initiate_call{ to = "+1 415 555", message = "Hi" }
  f:write(tostring(call2), " ", err2.kind, " ", err2.message, "\n")
  f:close()
end)
"#,
        )
        .await
        .unwrap();
    world.runtime.bus.publish(poke());
    let lines = world.out_lines(2).await;
    assert_eq!(lines[0], "nil 21210 400 invalid_number");
    assert!(lines[1].starts_with("nil invalid_number"), "{lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_that_never_hangs_up_ends_at_the_calls_time_limit() {
    let mut world = World::new().await;
    world
        .load(
            "forever.lua",
            r#"
twilio.flow("forever", function(call)
  while true do
    call:say("Still here.")
    call:gather{ timeout = 5 }
  end
end)
"#,
        )
        .await
        .unwrap();
    let request = CallRequest {
        to: "+14155550199".to_owned(),
        flow: Some("forever".to_owned()),
        time_limit: Some(30),
        ..CallRequest::default()
    };
    let call = world.runtime.dialer.place(&request).await.unwrap();
    let heard = world.finished_call(&call.sid).await;
    assert_eq!(heard.last().unwrap(), "hangup time limit", "{heard:?}");
    assert!(heard.iter().filter(|h| *h == "say Still here.").count() >= 3);
    let scripts = world.runtime.scripts.clone();
    crate::harness::wait_until(|| scripts.active_flows() == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_flow_ends_the_call_politely_with_the_configured_line() {
    let config = BASE_CONFIG.replace(
        "runtime: { mode: simulate }",
        "runtime: { mode: simulate, flow_error_line: \"Sorry, goodbye from Quantum Labs.\" }",
    );
    let mut world = World::with_config(&config).await;
    world
        .load(
            "oops.lua",
            "twilio.flow('oops', function(call)\n  call:say('One moment.')\n  error('the database is on fire')\nend)\n",
        )
        .await
        .unwrap();
    let request = CallRequest {
        to: "+14155550199".to_owned(),
        flow: Some("oops".to_owned()),
        ..CallRequest::default()
    };
    let call = world.runtime.dialer.place(&request).await.unwrap();
    let error = world.next(EventKind::ScriptError).await;
    assert!(
        error.data["message"]
            .as_str()
            .unwrap()
            .contains("oops.lua:3: the database is on fire"),
        "{:?}",
        error.data
    );
    let heard = world.finished_call(&call.sid).await;
    assert_eq!(
        heard,
        ["say Sorry, goodbye from Quantum Labs.", "hangup hangup"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_from_a_coroutine_the_script_drives_raises_a_clear_error() {
    let world = World::new().await;
    world
        .load(
            "wrap.lua",
            r#"
twilio.on("campaign.progress", function()
  local ok, e = pcall(coroutine.wrap(function()
    return twilio.initiate_call{ to = "+14155550101", message = "Hi" }
  end))
  local f = io.open(OUT, "a"); f:write(tostring(ok), " ", tostring(e), "\n"); f:close()
end)
"#,
        )
        .await
        .unwrap();
    world.runtime.bus.publish(poke());
    let lines = world.out_lines(1).await;
    assert!(lines[0].starts_with("false "), "{lines:?}");
    assert!(
        lines[0].contains(
            "must run directly in a handler, flow or schedule, not inside coroutine.wrap"
        ),
        "{lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn programs_cannot_be_run_unless_the_configuration_allows_it() {
    let world = World::new().await;
    world
        .load(
            "os.lua",
            r#"
local f = io.open(OUT, "a")
for _, probe in ipairs({ function() return os.execute("true") end,
                         function() return io.popen("true") end,
                         function() return package.loadlib("libc.so.6", "puts") end,
                         function() return os.exit(1) end,
                         function() return require("socket.core") end }) do
  local ok, e = pcall(probe)
  f:write(tostring(ok), " ", tostring(e):gsub("\n.*", ""), "\n")
end
f:close()
"#,
        )
        .await
        .unwrap();
    let lines = world.out();
    assert!(lines.iter().all(|l| l.starts_with("false ")), "{lines:?}");
    assert!(lines[0].contains("os.execute is disabled"), "{lines:?}");
    assert!(lines[1].contains("io.popen is disabled"), "{lines:?}");
    assert!(
        lines[3].contains("would stop the whole runtime"),
        "{lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_name_is_defined_by_one_file_only() {
    let world = World::new().await;
    let flow = "twilio.flow('greet', function(call) call:say('hi') end)\n";
    world.load("a.lua", flow).await.unwrap();
    let err = world.load("b.lua", flow).await.unwrap_err();
    assert!(err.message.contains("already defined in"), "{err}");
}
