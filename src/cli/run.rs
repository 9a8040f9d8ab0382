//! `projectx run`: the runtime in the foreground: scripts (hot-reloaded), their schedules, the
//! webhook server. In simulate mode each call's transcript is printed when it ends.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use serde_json::json;

use super::{Cli, EXIT_RUNTIME, EXIT_USAGE, load_config};
use crate::events::EventKind;
use crate::runtime::{Runtime, RuntimeError};
use crate::simulator::Simulator;

/// How long nothing must be happening before `--until-idle` stops.
const IDLE_SETTLE: Duration = Duration::from_millis(750);

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Script files or directories (default: runtime.scripts of the configuration).
    pub paths: Vec<PathBuf>,
    /// Stop once no call is live and no flow is running (for trying scripts out).
    #[arg(long)]
    pub until_idle: bool,
    /// Stop after this long (e.g. 30s, 5m).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub r#for: Option<Duration>,
}

/// A runtime serving webhooks, with its scripts loaded.
pub(crate) struct Started {
    pub runtime: Runtime,
    pub server: tokio::task::JoinHandle<Result<(), RuntimeError>>,
    pub stop: tokio::sync::oneshot::Sender<()>,
    pub watcher: Option<crate::script::ScriptWatcher>,
    pub errors: Vec<crate::script::ScriptError>,
}

/// Connects, opens the store, serves webhooks and loads the scripts at `paths`.
pub(crate) async fn start(
    cli: &Cli,
    config: &crate::config::Config,
    paths: &[PathBuf],
) -> Result<Started, u8> {
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("error: {e}");
        EXIT_USAGE
    };
    let twilio = crate::runtime::connect(config)
        .await
        .map_err(|e| fail(&e))?;
    let store = crate::runtime::open_store(config)
        .await
        .map_err(|e| fail(&e))?;
    let runtime = Runtime::new(config, &twilio, store).map_err(|e| fail(&e))?;
    if let Some(dnc) = crate::runtime::dnc_path(config) {
        runtime
            .campaigns
            .load_dnc(&dnc)
            .await
            .map_err(|e| fail(&e))?;
    }
    if let Some(simulator) = twilio.simulator.clone() {
        tokio::spawn(print_transcripts(cli.json, runtime.clone(), simulator));
    }
    // The server must be up before scripts place calls: the simulator fetches their flows.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => tracing::info!("stopping"),
            _ = stopped => {}
        }
    };
    let server = tokio::spawn({
        let runtime = runtime.clone();
        let config = config.clone();
        async move { runtime.run(&config, shutdown).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    if server.is_finished() {
        return Err(finish(server.await));
    }
    let (errors, watcher) = runtime
        .load_scripts(config, paths)
        .await
        .map_err(|e| fail(&e))?;
    for error in &errors {
        eprintln!("error: {error}");
    }
    let loaded = runtime.scripts.loaded_files().len();
    tracing::info!(scripts = loaded, failed = errors.len(), "scripts loaded");
    Ok(Started {
        runtime,
        server,
        stop,
        watcher,
        errors,
    })
}

pub async fn run(cli: &Cli, args: &RunArgs) -> u8 {
    let config = match load_config(cli) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let started = match start(cli, &config, &args.paths).await {
        Ok(started) => started,
        Err(code) => return code,
    };
    let Started {
        runtime,
        server,
        stop,
        watcher,
        errors,
    } = started;
    // What a previous run left open is settled before anything is dialled again.
    match runtime.campaigns.reconcile_open().await {
        Ok(report) if report.total() > 0 => {
            tracing::info!(?report, "attempts left open by the last run reconciled");
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "cannot reconcile open attempts"),
    }
    match runtime.campaigns.resume_interrupted().await {
        Ok(resumed) if !resumed.is_empty() => tracing::info!(?resumed, "campaigns resumed"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "cannot resume campaigns"),
    }
    let loaded = runtime.scripts.loaded_files().len();
    if args.until_idle || args.r#for.is_some() {
        let limit = args.r#for.unwrap_or(Duration::MAX);
        let until_idle = args.until_idle;
        let watched = runtime.clone();
        tokio::select! {
            _ = tokio::time::sleep(limit) => {}
            _ = wait_idle(&watched), if until_idle => {}
            _ = wait_server(&server) => {}
        }
        let _ = stop.send(());
    }
    let code = finish(server.await);
    drop(watcher);
    if code == 0 && !errors.is_empty() && loaded == 0 {
        return EXIT_USAGE;
    }
    code
}

pub(crate) async fn wait_server(server: &tokio::task::JoinHandle<Result<(), RuntimeError>>) {
    while !server.is_finished() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Returns once nothing has been live for [`IDLE_SETTLE`].
async fn wait_idle(runtime: &Runtime) {
    let mut quiet_since = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let busy = runtime.tracker.live_count() > 0
            || runtime.scripts.active_flows() > 0
            || runtime.campaigns.running_count() > 0;
        if busy {
            quiet_since = tokio::time::Instant::now();
        } else if quiet_since.elapsed() >= IDLE_SETTLE {
            return;
        }
    }
}

pub(crate) fn finish(result: Result<Result<(), RuntimeError>, tokio::task::JoinError>) -> u8 {
    match result {
        Ok(Ok(())) => 0,
        Ok(Err(e @ RuntimeError::Listen { .. })) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            EXIT_RUNTIME
        }
        Err(e) => {
            eprintln!("error: the runtime stopped: {e}");
            EXIT_RUNTIME
        }
    }
}

/// Prints what was said and pressed on each simulated call once it ends.
async fn print_transcripts(json: bool, runtime: Runtime, simulator: Simulator) {
    let mut events = runtime.bus.subscribe(
        "transcripts",
        &[EventKind::CallEnded],
        crate::events::DEFAULT_QUEUE,
    );
    while let Some(event) = events.recv().await {
        let Some(call) = &event.call else { continue };
        print_transcript(json, &simulator, call, &event);
    }
}

fn print_transcript(
    json: bool,
    simulator: &Simulator,
    call: &crate::events::CallEvent,
    event: &Arc<crate::events::Event>,
) {
    let Some(transcript) = simulator.transcript(&call.sid) else {
        return;
    };
    let entries = transcript
        .iter()
        .filter(|e| e.kind != "status" && e.kind != "callback" && e.kind != "fetch");
    if json {
        let entries: Vec<_> = entries.collect();
        println!(
            "{}",
            json!({ "call": event.as_ref(), "transcript": entries })
        );
        return;
    }
    println!(
        "{} {} -> {} {}{}",
        call.sid,
        call.from,
        call.to,
        call.status,
        call.agent
            .as_deref()
            .map(|a| format!(" agent={a}"))
            .unwrap_or_default()
    );
    for entry in entries {
        let detail = match entry.detail.get("text").and_then(|t| t.as_str()) {
            Some(text) => format!("{text:?}"),
            None => entry.detail.to_string(),
        };
        println!("  {:>6.1}s {} {detail}", entry.at, entry.kind);
    }
}
