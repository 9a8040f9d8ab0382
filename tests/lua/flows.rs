//! Straight-line flows, handlers and the API, through the simulator.

use crate::harness::World;

const SURVEY: &str = r#"
twilio.flow("survey", function(call)
  call:say("Hello from Quantum Labs.", { emotion = "excited" })
  local answer = call:gather{ input = "dtmf", num_digits = 1, prompt = "Press 1 to confirm." }
  if answer.digits == "1" then
    call:say("Confirmed. Thank you.")
  else
    call:say("No answer.")
  end
  call:hangup()
  local f = io.open(OUT, "a"); f:write("flow done ", call.sid, " ", tostring(answer.digits), "\n"); f:close()
end)

twilio.on("call.ended", function(ev)
  local f = io.open(OUT, "a")
  f:write("ended ", ev.sid, " ", ev.status, " ", tostring(ev.agent), "\n")
  f:close()
end)

twilio.on("script.reloaded", function(ev)
  local call, err = twilio.initiate_call{ to = "+14155550101", agent = "captain-nova", flow = "survey",
                                          vars = { name = "Nova" } }
  local f = io.open(OUT, "a"); f:write("placed ", tostring(call and call.sid), " ", tostring(err), "\n"); f:close()
end)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_straight_line_flow_says_gathers_and_hangs_up() {
    let mut world = World::new().await;
    world.load("survey.lua", SURVEY).await.unwrap();
    let placed = world.out_lines(1).await;
    assert!(placed[0].starts_with("placed CA"), "{placed:?}");
    let sid = placed[0].split(' ').nth(1).unwrap().to_owned();
    let heard = world.finished_call(&sid).await;
    assert_eq!(
        heard,
        [
            // compliance.disclose_automation is on by default: outbound calls open with it.
            "say This is an automated call.",
            "say Hello from Quantum Labs.",
            "say Press 1 to confirm.",
            "input {\"digits\":\"1\"}",
            "say Confirmed. Thank you.",
            "hangup hangup",
        ],
        "{heard:?}"
    );
    let lines = world.out_lines(3).await;
    assert!(lines.contains(&format!("flow done {sid} 1")), "{lines:?}");
    assert!(
        lines.contains(&format!("ended {sid} completed captain-nova")),
        "{lines:?}"
    );
    assert_eq!(world.runtime.scripts.active_flows(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn make_call_takes_a_twiml_builder_and_calls_list_finds_the_call() {
    let world = World::new().await;
    world
        .load(
            "raw.lua",
            r#"
twilio.on("campaign.progress", function()
  local call, err = twilio.make_call{ to = "+14155550101", twiml = twiml.response():say("Hi"):hangup() }
  local listed, lerr = twilio.calls.list{ to = "+14155550101", limit = 5 }
  local recordings, rerr = twilio.recordings.list{ limit = 5 }
  local f = io.open(OUT, "a")
  f:write(tostring(call and call.sid), " ", tostring(err), " ", #listed, " ", listed[1].sid, " ", #recordings, "\n")
  f:close()
end)
"#,
        )
        .await
        .unwrap();
    world.runtime.bus.publish(projectx::events::Event::other(
        projectx::events::EventKind::CampaignProgress,
        serde_json::Map::new(),
    ));
    let line = world.out_lines(1).await.remove(0);
    let parts: Vec<&str> = line.split(' ').collect();
    assert!(parts[0].starts_with("CA"), "{line}");
    assert_eq!(parts[1], "nil", "{line}");
    assert_eq!(parts[2], "1", "{line}");
    assert_eq!(parts[3], parts[0], "{line}");
    assert_eq!(parts[4], "0", "{line}");
}
