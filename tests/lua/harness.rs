//! A runtime in simulate mode with scripts in a temporary directory. Scripts report what they
//! saw by appending lines to `out.txt` beside them.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use projectx::config::{self, Config};
use projectx::events::{Event, EventKind, Subscription};
use projectx::runtime::{Runtime, Twilio};
use projectx::script::ScriptError;

pub const BASE_CONFIG: &str = r#"
runtime: { mode: simulate }
voices:
  captain_nova: { model: neural, style: authoritative }
agents:
  captain-nova: { voice: captain_nova }
simulator:
  speed: 50
  scenarios:
    "+14155550101": { answer: human, digits: "1" }
    "+14155550102": busy
"#;

pub struct World {
    pub dir: tempfile::TempDir,
    pub runtime: Runtime,
    pub twilio: Twilio,
    pub events: Subscription,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl World {
    pub async fn new() -> Self {
        Self::with_config(BASE_CONFIG).await
    }

    pub async fn with_config(yaml: &str) -> Self {
        projectx::twilio::install_crypto_provider();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config: Config = config::from_str(yaml, None, &|_| None).unwrap().config;
        config.server.listen = addr;
        let twilio = projectx::runtime::connect(&config).await.unwrap();
        let store = projectx::store::SqliteStore::in_memory().await.unwrap();
        let runtime = Runtime::new(&config, &twilio, std::sync::Arc::new(store)).unwrap();
        let events = runtime.bus.subscribe("test", &[], 65_536);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = runtime.clone();
        tokio::spawn(async move {
            serving
                .run_on(listener, &config, async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            dir: tempfile::tempdir().unwrap(),
            runtime,
            twilio,
            events,
            _stop: stop,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a script; `OUT` in its text becomes the path of `out.txt` (a Lua string).
    pub fn write(&self, name: &str, source: &str) -> PathBuf {
        let out = format!("{:?}", self.path("out.txt").display().to_string());
        let source = source.replace("OUT", &out);
        let path = self.path(name);
        std::fs::write(&path, source).unwrap();
        path
    }

    pub async fn load(&self, name: &str, source: &str) -> Result<u64, ScriptError> {
        let path = self.write(name, source);
        self.runtime.scripts.load(&path).await
    }

    /// Lines the scripts wrote so far.
    pub fn out(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("out.txt"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Waits until the scripts have written `n` lines.
    pub async fn out_lines(&self, n: usize) -> Vec<String> {
        wait_until(|| self.out().len() >= n).await;
        self.out()
    }

    /// The next event of `kind` (others are skipped).
    pub async fn next(&mut self, kind: EventKind) -> Arc<Event> {
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let event = self.events.recv().await.unwrap();
                if event.kind == kind {
                    return event;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no {kind} event"))
    }

    pub fn simulator(&self) -> &projectx::simulator::Simulator {
        self.twilio.simulator.as_ref().unwrap()
    }

    /// What the simulated callee heard and did on `sid` (say texts, digits, hangups).
    pub fn heard(&self, sid: &str) -> Vec<String> {
        self.simulator()
            .transcript(sid)
            .unwrap()
            .iter()
            .filter_map(|e| match e.kind.as_str() {
                "say" => Some(format!("say {}", e.detail["text"].as_str().unwrap_or(""))),
                "input" => Some(format!("input {}", e.detail)),
                "hangup" => Some(format!("hangup {}", e.detail["by"].as_str().unwrap_or(""))),
                "gather" => Some(format!(
                    "gather {}",
                    e.detail["result"].as_str().unwrap_or("")
                )),
                "error" => Some(format!("error {}", e.detail)),
                _ => None,
            })
            .collect()
    }

    /// Waits for the call to end and returns what was heard.
    pub async fn finished_call(&mut self, sid: &str) -> Vec<String> {
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let event = self.next(EventKind::CallEnded).await;
                if event.call.as_ref().unwrap().sid == sid {
                    return;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("call {sid} did not end"));
        self.heard(sid)
    }
}

pub async fn wait_until(mut done: impl FnMut() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting");
}
