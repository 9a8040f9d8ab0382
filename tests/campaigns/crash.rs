//! Kill -9 at any instant: the runtime dials a campaign, is killed again and again mid-run, and
//! restarts. The simulator runs in a process of its own, so it remembers every call made; at
//! the end each contact has been dialled exactly once.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use projectx::twilio::{CallFilter, Credentials, TwilioApi, TwilioClient};

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const CONTACTS: usize = 60;
const KILLS: usize = 8;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn projectx(config: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_projectx"));
    command
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "projectx=warn");
    command
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn killed_mid_campaign_again_and_again_it_dials_everyone_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let (sim_port, port) = (free_port(), free_port());
    let config = dir.path().join("projectx.yaml");
    std::fs::write(
        &config,
        format!(
            r#"
twilio: {{ account_sid: {ACCOUNT}, auth_token: {TOKEN}, from_number: "+15005550006", base_url: "http://127.0.0.1:{sim_port}" }}
server: {{ listen: "127.0.0.1:{port}", public_url: "http://127.0.0.1:{port}" }}
runtime: {{ mode: live, store: sqlite://crash.db, scripts: [crash.lua] }}
compliance: {{ calling_hours: "00:00-24:00", disclose_automation: false, max_attempts_per_day: 5 }}
limits: {{ cps: 25, max_concurrent_calls: 8 }}
simulator: {{ speed: 20 }}
"#
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("crash.lua"),
        r#"campaign.define("crash", { contacts = "contacts.csv", message = "Timeline check.", cps = 25, max_concurrent = 8 })"#,
    )
    .unwrap();
    let mut csv = String::from("to\n");
    for i in 0..CONTACTS {
        csv.push_str(&format!("+1415555{:04}\n", 2000 + i));
    }
    std::fs::write(dir.path().join("contacts.csv"), csv).unwrap();

    let mut simulator = projectx(&config)
        .args(["simulator", "--listen", &format!("127.0.0.1:{sim_port}")])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(simulator.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("Twilio simulator on"), "{first}");
    // Keep reading, so the simulator never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let _simulator = Killed(simulator);

    // Kill it at scattered instants: during import, while dialing, between dials.
    let mut rng = fastrand::Rng::with_seed(7);
    for kill in 0..KILLS {
        let mut run = projectx(&config)
            .args(["campaign", "run", "crash"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if kill == 0 {
            // The first kill lands once dialing has begun, whatever the machine's speed.
            let started = Instant::now();
            while dials(sim_port).is_empty() && started.elapsed() < Duration::from_secs(30) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        std::thread::sleep(Duration::from_millis(rng.u64(0..900)));
        run.kill().unwrap(); // SIGKILL
        run.wait().unwrap();
    }
    // The kills landed mid-campaign: some, not all, were dialled.
    let before: usize = dials(sim_port).values().sum();
    assert!(
        before > 0 && before < CONTACTS,
        "{before} calls before the last run"
    );
    // Then let one run finish.
    let mut last = projectx(&config)
        .args(["campaign", "run", "crash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = last.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the last run did not finish"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = last.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!(
            "campaign crash: {CONTACTS} contacts ({CONTACTS} done"
        )),
        "{stdout}"
    );

    let dials = dials(sim_port);
    assert_eq!(dials.len(), CONTACTS, "numbers never dialled: {dials:?}");
    let twice: Vec<_> = dials.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "dialled more than once: {twice:?}");
}

/// Calls the simulator has received, by number.
fn dials(sim_port: u16) -> BTreeMap<String, usize> {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        projectx::twilio::install_crypto_provider();
        let credentials = Credentials::auth_token(ACCOUNT, TOKEN.to_owned().into()).unwrap();
        let client = TwilioClient::builder(credentials)
            .base_url(format!("http://127.0.0.1:{sim_port}"))
            .build()
            .unwrap();
        let filter = CallFilter::default();
        let mut calls = client.list_calls(&filter);
        let mut dials = BTreeMap::<String, usize>::new();
        while let Some(call) = calls.next().await {
            *dials
                .entry(call.unwrap().to.unwrap_or_default())
                .or_default() += 1;
        }
        dials
    })
}
