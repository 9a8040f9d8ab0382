//! The ready-to-run scripts under `scripts/`, run by the `projectx` binary against the built-in
//! simulator, judged by the transcripts it prints.

use std::process::Command;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `projectx run` with the example configuration, from the repository root.
fn run(scripts: &[&str], extra_env: &[(&str, &str)], for_how_long: &str) -> (String, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut args = vec!["run", "--config", "examples/projectx.yaml"];
    args.extend_from_slice(scripts);
    args.extend_from_slice(&["--for", for_how_long]);
    let mut command = Command::new(env!("CARGO_BIN_EXE_projectx"));
    command
        .args(&args)
        .current_dir(root)
        .env("PROJECTX_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("PROJECTX_STORE", "sqlite::memory:")
        .env("NO_COLOR", "1")
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("TWILIO_PHONE_NUMBER")
        .env_remove("PROJECTX_CONFIG");
    for (key, value) in extra_env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

/// The transcript lines printed for the call to `number`.
fn transcript_of(stdout: &str, number: &str) -> Vec<String> {
    let mut lines = stdout.lines();
    let mut found = Vec::new();
    while let Some(line) = lines.next() {
        if line.starts_with("CA") && line.contains(&format!("-> {number} ")) {
            found = lines
                .by_ref()
                .take_while(|l| l.starts_with("  "))
                .map(|l| l.trim().split_once(' ').map_or("", |x| x.1).to_owned())
                .collect();
        }
    }
    found
}

#[test]
fn the_reminder_schedule_runs_the_survey_once_per_number() {
    // Every second instead of weekdays at nine; each number is still dialled once.
    let (stdout, stderr) = run(
        &["scripts/survey.lua", "scripts/reminders.lua"],
        &[("REMINDERS_CRON", "* * * * * *")],
        "4s",
    );
    let calls_to = |n: &str| {
        stdout
            .lines()
            .filter(|l| l.starts_with("CA") && l.contains(&format!("-> {n} ")))
            .count()
    };
    assert_eq!(calls_to("+14155550101"), 1, "{stdout}\n{stderr}");
    assert_eq!(calls_to("+14155550103"), 1, "{stdout}\n{stderr}");
    let first = transcript_of(&stdout, "+14155550101");
    let said: Vec<&str> = first
        .iter()
        .filter(|l| l.starts_with("say ") || l.starts_with("input ") || l.starts_with("hangup "))
        .map(String::as_str)
        .collect();
    assert_eq!(
        said,
        [
            "say \"This is an automated call.\"",
            "say \"Hello Commander, this is Captain Nova from Quantum Labs.\"",
            "say \"On a scale of 1 to 5, how smooth was your last timeline jump? Press a number or say it.\"",
            "input {\"digits\":\"1\"}",
            "say \"Sorry to hear that. In a few words, what went wrong?\"",
            "say \"Press 1 to hear from us again, or 9 to never be called again.\"",
            "input {\"digits\":\"1\"}",
            "say \"Thank you. Your answer is recorded in the timeline. Goodbye.\"",
            "hangup {\"by\":\"hangup\"}",
        ],
        "{stdout}"
    );
    // This callee says "yes please", which is no rating.
    let second = transcript_of(&stdout, "+14155550103");
    assert!(
        second.contains(&"input {\"speech\":\"yes please\"}".to_owned()),
        "{second:?}"
    );
    assert!(
        second.contains(
            &"say \"We did not catch that. We will try again another day. Goodbye.\"".to_owned()
        ),
        "{second:?}"
    );
    assert!(stderr.contains("scripts loaded"), "{stderr}");
}

#[test]
fn the_demo_campaign_dials_each_contact_by_the_rules_and_reports() {
    let store = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_projectx"))
        .args([
            "--config",
            "examples/demo.yaml",
            "campaign",
            "run",
            "launch",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PROJECTX_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env(
            "PROJECTX_STORE",
            format!("sqlite://{}", store.path().join("demo.db").display()),
        )
        .env("NO_COLOR", "1")
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    // Bad rows are reported by line; the duplicate and the do-not-call number are not dialled.
    assert!(
        stderr.contains("line 8: invalid number \"not-a-number\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 9: unknown timezone \"Mars/Olympus_Mons\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 7: duplicate contact +14155550101"),
        "{stderr}"
    );
    let dialled = |number: &str| {
        stdout
            .lines()
            .filter(|l| l.starts_with("CA") && l.contains(&format!("-> {number} ")))
            .count()
    };
    assert_eq!(dialled("+14155550101"), 1, "{stdout}");
    assert_eq!(
        dialled("+14155550102"),
        3,
        "busy: the first call and two retries"
    );
    assert_eq!(dialled("+14155550105"), 0, "on the do-not-call list");
    let nova = transcript_of(&stdout, "+14155550101");
    assert_eq!(nova[0], "say \"This is an automated call.\"", "{nova:?}");
    assert_eq!(
        nova[1],
        "say \"Hello Captain Nova, this is Captain Nova from Quantum Labs.\""
    );
    assert!(
        nova.contains(&"input {\"digits\":\"4\"}".to_owned()),
        "{nova:?}"
    );
    assert!(
        stdout.contains("campaign launch: 5 contacts (4 done, 1 skipped, 0 pending), 6 attempts"),
        "{stdout}"
    );
    assert!(stdout.contains("skipped: do-not-call list"), "{stdout}");
}

#[test]
fn the_shipped_scripts_check_clean() {
    let output = Command::new(env!("CARGO_BIN_EXE_projectx"))
        .args(["check", "--config", "examples/projectx.yaml", "scripts"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every function the host registers is declared in the LuaLS annotations, and nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lua_annotations_declare_exactly_the_registered_api() {
    let world = crate::harness::World::new().await;
    world
        .load(
            "enumerate.lua",
            r#"
local f = io.open(OUT, "a")
local function walk(prefix, t)
  for key, value in pairs(t) do
    if type(value) == "function" then f:write(prefix, ".", key, "\n")
    elseif type(value) == "table" then walk(prefix .. "." .. key, value) end
  end
end
for _, name in ipairs({ "twilio", "voice", "twiml", "schedule", "campaign", "log" }) do walk(name, _G[name]) end
f:close()
"#,
        )
        .await
        .unwrap();
    let mut registered = world.out();
    registered.sort();
    let annotations = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/bindings/lua/projectx.lua"
    ))
    .unwrap();
    let pattern = regex::Regex::new(r"(?m)^function ([a-z]+(?:\.[a-z_]+)*)\(").unwrap();
    let mut declared: Vec<String> = pattern
        .captures_iter(&annotations)
        .map(|c| {
            let name = c[1].to_owned();
            // `calls.get` and `recordings.get` hang off `twilio`.
            if name.starts_with("calls.") || name.starts_with("recordings.") {
                format!("twilio.{name}")
            } else {
                name
            }
        })
        .collect();
    declared.sort();
    assert_eq!(registered, declared);
    // And the annotation file is Lua that loads.
    use projectx::script::ScriptHost;
    let host = projectx::script::lua::LuaHost::new(projectx::script::HostContext::new(
        projectx::events::EventBus::new(),
        projectx::voice::VoiceBook::default(),
    ));
    host.check(
        std::path::Path::new("bindings/lua/projectx.lua"),
        &annotations,
    )
    .unwrap();
}
