//! The projectx runtime inside a Rust program: a configuration written in code, the runtime
//! started with `Runtime::start`, every event of one call followed from the event bus, and what
//! was said on the call printed from the simulator's transcript.
//!
//! Captain Nova tells Dr Quantum that the hyperdrive test moved to Friday. Simulate mode: the
//! call goes to the built-in Twilio simulator, so nobody is dialled and nothing is paid.
//!
//!     cargo run --example embed
//!
//! `cargo test --example embed` (and so `cargo test`) runs it too, and checks what it saw.

use std::time::Duration;

use anyhow::{Context, bail};
use projectx::calls::CallRequest;
use projectx::config;
use projectx::events::EventKind;
use projectx::runtime::Runtime;
use projectx::simulator::TranscriptEntry;

/// The whole configuration: `projectx.yaml` syntax, read from a string. `mode: simulate` keeps
/// the call in the simulator even when `TWILIO_*` credentials are set in the environment.
const CONFIG: &str = r#"
runtime:
  mode: simulate
  store: "sqlite::memory:"      # nothing written to disk
voices:
  captain_nova: { model: neural, style: authoritative, pitch: 1.2, rate: 0.9 }
  dr_quantum:   { model: neural, style: technical, rate: 1.1 }
agents:
  captain-nova: { voice: captain_nova }
  dr-quantum:   { voice: dr_quantum }
compliance:
  disclose_automation: true     # "This is an automated call." comes first
simulator:
  speed: 60                     # a minute of call time passes in a second
  scenarios:
    "+14155550142": { answer: human }   # Dr Quantum's lab: picks up and listens
"#;

/// Dr Quantum's (fictional) number.
const DR_QUANTUM: &str = "+14155550142";
/// How long a call may take before the program gives up on it.
const CALL_DEADLINE: Duration = Duration::from_secs(30);

/// What the program saw of the call.
#[derive(Debug)]
pub struct Report {
    pub sid: String,
    /// Event names in the order they arrived (`call.queued`, …, `call.ended`).
    pub events: Vec<String>,
    /// The status the call ended with (`completed`, `busy`, …).
    pub status: String,
    /// Seconds, as Twilio bills them.
    pub duration: Option<u64>,
    /// What the simulator heard: what was said, played and pressed.
    pub transcript: Vec<TranscriptEntry>,
}

/// Starts the runtime, places the call, follows it to its end and stops the runtime.
pub async fn run() -> anyhow::Result<Report> {
    let loaded = config::from_str(CONFIG, None, &config::process_env)?;
    let running = Runtime::start(loaded.config).await?;

    // Subscribe before dialing, so not one event of the call is missed.
    let mut events = running.runtime.bus.subscribe(
        "embed-example",
        &[], // every kind of event
        projectx::events::DEFAULT_QUEUE,
    );

    let call = running
        .runtime
        .dialer
        .place(&CallRequest {
            to: DR_QUANTUM.to_owned(),
            agent: Some("captain-nova".to_owned()),
            message: Some(
                "Dr Quantum, this is Captain Nova. The hyperdrive test moved to Friday at nine. \
                 Bring the flux capacitor."
                    .to_owned(),
            ),
            ..CallRequest::default()
        })
        .await
        .context("placing the call")?;
    println!("placed {} to {DR_QUANTUM}", call.sid);

    let mut seen = Vec::new();
    let ended = tokio::time::timeout(CALL_DEADLINE, async {
        while let Some(event) = events.recv().await {
            let Some(ev) = &event.call else { continue };
            if ev.sid != call.sid {
                continue;
            }
            println!("  event {:<14} status {}", event.kind.name(), ev.status);
            seen.push(event.kind.name().to_owned());
            if event.kind == EventKind::CallEnded {
                return Some(ev.clone());
            }
        }
        None
    })
    .await;
    let ended = match ended {
        Ok(Some(ended)) => ended,
        Ok(None) => bail!("the event bus closed before the call ended"),
        Err(_) => bail!("the call did not end within {CALL_DEADLINE:?}"),
    };

    let transcript: Vec<TranscriptEntry> = running
        .simulator()
        .and_then(|sim| sim.transcript(&call.sid))
        .unwrap_or_default()
        .into_iter()
        .filter(|entry| {
            matches!(
                entry.kind.as_str(),
                "say" | "play" | "gather" | "input" | "hangup"
            )
        })
        .collect();

    running.stop().await?;
    Ok(Report {
        sid: call.sid,
        events: seen,
        status: ended.status,
        duration: ended.duration,
        transcript,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // RUST_LOG=info shows the runtime's own log too.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    let report = run().await?;
    println!(
        "call {} ended {} after {} s",
        report.sid,
        report.status,
        report.duration.unwrap_or(0)
    );
    println!("transcript:");
    for entry in &report.transcript {
        let detail = match entry.detail.get("text").and_then(|t| t.as_str()) {
            Some(text) => {
                let voice = entry.detail["voice"].as_str().unwrap_or("default voice");
                format!("({voice}) {text:?}")
            }
            None => entry.detail.to_string(),
        };
        println!("  {:>5.1}s {:<6} {detail}", entry.at, entry.kind);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_call_is_followed_from_queued_to_completed() {
        let report = super::run().await.expect("the example runs");
        assert!(report.sid.starts_with("CA"), "{report:?}");
        assert_eq!(report.status, "completed", "{report:?}");
        assert!(report.duration.is_some_and(|s| s > 0), "{report:?}");

        // The call's life, in order, ending with exactly one call.ended.
        let position = |name: &str| report.events.iter().position(|e| e == name);
        let queued = position("call.queued").expect("call.queued arrived");
        let answered = position("call.answered").expect("call.answered arrived");
        assert!(queued < answered, "{:?}", report.events);
        assert_eq!(
            report.events.last().map(String::as_str),
            Some("call.ended"),
            "{:?}",
            report.events
        );
        assert_eq!(
            report.events.iter().filter(|e| *e == "call.ended").count(),
            1
        );

        // The disclosure and the message, said once.
        let said: Vec<&str> = report
            .transcript
            .iter()
            .filter(|e| e.kind == "say")
            .filter_map(|e| e.detail.get("text").and_then(|t| t.as_str()))
            .collect();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].starts_with("This is an automated call. Dr Quantum, this is Captain Nova."),
            "{said:?}"
        );
        assert!(
            said[0].contains("The hyperdrive test moved to Friday"),
            "{said:?}"
        );
        // Captain Nova's profile is `model: neural`: a neural Polly voice said it.
        let voice = report.transcript[0].detail["voice"].as_str().unwrap_or("");
        assert!(
            voice.starts_with("Polly.") && voice.ends_with("-Neural"),
            "{voice}"
        );
    }
}
