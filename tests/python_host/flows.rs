//! Straight-line `async def` flows, sync and async handlers, and placing calls.

use crate::harness::World;

/// `OUT` becomes the path of out.txt (a quoted string, valid in Python too).
pub const SURVEY: &str = r#"
def out(*parts):
    with open(OUT, "a") as f:
        f.write(" ".join(str(p) for p in parts) + "\n")

@twilio.flow("survey")
async def survey(call):
    call.say("Hello from Quantum Labs.", emotion="excited")
    answer = await call.gather(input="dtmf", num_digits=1, prompt="Press 1 to confirm.")
    if answer.digits == "1":
        call.say("Confirmed, " + call.vars["name"] + ".")
    else:
        call.say("No answer.")
    call.hangup()
    out("flow done", call.sid, answer.digits, answer.timed_out)

@twilio.on("call.ended")
def ended(ev):
    out("ended", ev.sid, ev.status, ev.agent, ev.from_)

@twilio.on("script.reloaded")
async def placed(ev):
    call = await twilio.initiate_call(to="+14155550101", agent="captain-nova", flow="survey",
                                      vars={"name": "Nova"})
    out("placed", call.sid)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_flow_says_gathers_and_hangs_up() {
    let mut world = World::new().await;
    world.load("survey.py", SURVEY).await.unwrap();
    let placed = world.out_lines(1).await;
    assert!(placed[0].starts_with("placed CA"), "{placed:?}");
    let sid = placed[0].split(' ').nth(1).unwrap().to_owned();
    let heard = world.finished_call(&sid).await;
    assert_eq!(
        heard,
        [
            "say This is an automated call.",
            "say Hello from Quantum Labs.",
            "say Press 1 to confirm.",
            "input {\"digits\":\"1\"}",
            "say Confirmed, Nova.",
            "hangup hangup",
        ],
        "{heard:?}"
    );
    let lines = world.out_lines(3).await;
    assert!(
        lines.contains(&format!("flow done {sid} 1 False")),
        "{lines:?}"
    );
    assert!(
        lines.contains(&format!("ended {sid} completed captain-nova +15005550006")),
        "{lines:?}"
    );
    assert_eq!(world.runtime.scripts.active_flows(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raw_twiml_call_takes_a_voice_response() {
    let world = World::new().await;
    let script = r#"
from projectx_twilio.twiml import VoiceResponse

@twilio.on("script.reloaded")
async def go(ev):
    r = VoiceResponse()
    r.say("Raw TwiML from Python.")
    r.hangup()
    call = await twilio.make_call(to="+14155550101", twiml=r)
    with open(OUT, "a") as f:
        f.write(call.sid + "\n")
"#;
    world.load("raw.py", script).await.unwrap();
    let sid = world.out_lines(1).await[0].clone();
    let mut world = world;
    let heard = world.finished_call(&sid).await;
    assert_eq!(
        heard,
        ["say Raw TwiML from Python.", "hangup hangup"],
        "{heard:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_reaches_the_accounts_calls_and_recordings_and_checks_signatures() {
    let world = World::new().await;
    let script = r#"
import projectx_twilio
from projectx_twilio import RequestValidator

@twilio.on("script.reloaded")
async def go(ev):
    placed = await twilio.make_call(to="+14155550101",
                                    twiml='<Response><Pause length="600"/></Response>')
    fetched = await twilio.calls.get(placed.sid)
    listed = await twilio.calls.list(to="+14155550101", limit=5)
    ended = await twilio.calls.hangup(placed.sid)
    recordings = await twilio.recordings.list(call_sid=placed.sid)
    try:
        await twilio.recordings.get("RE1")
        refused = "nothing"
    except projectx_twilio.InvalidRequestError as e:
        refused = "InvalidRequestError" if "RE1" in e.message else e.message
    url = "https://example.test/hook"
    params = {"CallSid": placed.sid}
    signature = RequestValidator(SIM_TOKEN).compute_signature(url, params)
    checks = [
        fetched.sid == placed.sid,
        [c.sid for c in listed] == [placed.sid],
        ended.sid == placed.sid,
        recordings == [],
        twilio.validate_request(url, params, signature),
        not twilio.validate_request(url, params, "forged"),
    ]
    with open(OUT, "a") as f:
        f.write(" ".join([placed.sid, refused] + [str(c) for c in checks]) + "\n")
"#
    .replace(
        "SIM_TOKEN",
        &format!("{:?}", projectx::simulator::DEFAULT_AUTH_TOKEN),
    );
    world.load("account.py", &script).await.unwrap();
    let line = world.out_lines(1).await.remove(0);
    let parts: Vec<&str> = line.split(' ').collect();
    assert!(parts[0].starts_with("CA"), "{line}");
    assert_eq!(
        parts[1..],
        [
            "InvalidRequestError",
            "True",
            "True",
            "True",
            "True",
            "True",
            "True"
        ],
        "{line}"
    );
    let sid = parts[0].to_owned();
    let mut world = world;
    world.finished_call(&sid).await;
}
