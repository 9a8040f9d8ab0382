//! `projectx plan` and `projectx campaign run|status|report`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;

use super::run::{Started, finish, start};
use super::usage::{print_usage, usage_rows};
use super::{Cli, EXIT_RUNTIME, EXIT_USAGE, load_config};
use crate::campaign::{CampaignSettings, Campaigns, PlanReport};
use crate::events::EventKind;
use crate::store::{CampaignState, StoreReport, UsageQuery, UsageRow};

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The campaign (defined by a script with campaign.define).
    pub name: String,
    /// Script files or directories that define it (default: runtime.scripts).
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Run a campaign to the end, with a progress bar, then print its report.
    #[command(
        after_help = "Examples:\n  projectx campaign run launch\n  projectx campaign run reminders scripts/reminders.lua --json\nExit code 0 once the campaign is done; 1 if it paused (spend limit, failures, the store) or stopped."
    )]
    Run(RunArgs),
    /// Where campaigns stand (all of them without a name).
    #[command(
        after_help = "Examples:\n  projectx campaign status\n  projectx campaign status launch --json"
    )]
    Status(StatusArgs),
    /// Counts by outcome, skips by reason, minutes and cost, and usage by day and agent.
    #[command(
        after_help = "Examples:\n  projectx campaign report launch\n  projectx campaign report launch --json"
    )]
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    pub name: String,
    /// Script files or directories that define it (default: runtime.scripts).
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    pub name: String,
}

/// Campaigns over the store alone: nothing can be dialled.
async fn offline(config: &crate::config::Config) -> Result<Campaigns, u8> {
    let store = crate::runtime::open_store(config).await.map_err(|e| {
        eprintln!("error: {e}");
        EXIT_USAGE
    })?;
    Ok(Campaigns::new(
        store,
        None,
        crate::runtime::campaign_settings(config),
        crate::events::EventBus::new(),
        crate::script::OptOuts::default(),
    ))
}

pub async fn plan(cli: &Cli, args: &PlanArgs) -> u8 {
    let Ok(config) = load_config(cli) else {
        return EXIT_USAGE;
    };
    let campaigns = match offline(&config).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Some(dnc) = crate::runtime::dnc_path(&config)
        && let Err(e) = campaigns.load_dnc(&dnc).await
    {
        eprintln!("error: {e}");
        return EXIT_USAGE;
    }
    match super::check::dry_load(&config, &args.paths, Some(campaigns.clone())).await {
        Ok(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    }
    match campaigns.plan(&args.name).await {
        Ok(plan) => {
            print_plan(cli.json, &plan, campaigns.settings());
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
    }
}

fn print_plan(json: bool, plan: &PlanReport, settings: &CampaignSettings) {
    if json {
        println!("{}", json!(plan));
        return;
    }
    println!(
        "campaign {}: {} to dial, {} later, {} skipped, {} done, {} rejected rows (pace {} calls/s, hours {})",
        plan.campaign,
        plan.count("dial"),
        plan.count("later"),
        plan.count("skip"),
        plan.count("done"),
        plan.rejected.count,
        plan.cps,
        settings.hours,
    );
    for line in &plan.lines {
        let at = line
            .at
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default();
        let reason = line.reason.as_deref().unwrap_or_default();
        println!("  {:<6} {:<16} {:<24} {reason}", line.action, line.to, at);
    }
    for problem in &plan.rejected.first {
        println!("  reject {problem}");
    }
}

pub async fn command(cli: &Cli, command: &CampaignCommand) -> u8 {
    let Ok(config) = load_config(cli) else {
        return EXIT_USAGE;
    };
    match command {
        CampaignCommand::Run(args) => run(cli, &config, args).await,
        CampaignCommand::Status(args) => status(cli, &config, args).await,
        CampaignCommand::Report(args) => {
            let campaigns = match offline(&config).await {
                Ok(c) => c,
                Err(code) => return code,
            };
            report(cli.json, &campaigns, &args.name).await
        }
    }
}

async fn status(cli: &Cli, config: &crate::config::Config, args: &StatusArgs) -> u8 {
    let campaigns = match offline(config).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let names = match &args.name {
        Some(name) => vec![name.clone()],
        None => match campaigns.store().campaigns().await {
            Ok(all) => all.into_iter().map(|c| c.name).collect(),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_RUNTIME;
            }
        },
    };
    let mut all = Vec::new();
    for name in names {
        match campaigns.status(&name).await {
            Ok(status) => all.push(status),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        }
    }
    if cli.json {
        println!("{}", json!(all));
        return 0;
    }
    if all.is_empty() {
        println!("no campaigns yet");
    }
    for s in all {
        println!(
            "{:<20} {:<8} {} contacts: {} pending, {} dialing, {} done, {} skipped; spent ${:.2}{}",
            s.name,
            s.state,
            s.contacts.total(),
            s.contacts.pending,
            s.contacts.dialing,
            s.contacts.done,
            s.contacts.skipped,
            s.spend_usd,
            s.reason.map(|r| format!(" ({r})")).unwrap_or_default()
        );
    }
    0
}

/// Prints a campaign's report with its usage by day and agent; the exit code.
async fn report(json: bool, campaigns: &Campaigns, name: &str) -> u8 {
    let report = match campaigns.report(name).await {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let query = UsageQuery {
        campaign: Some(name.to_owned()),
        since: None,
    };
    let usage = match usage_rows(campaigns.store().as_ref(), &query).await {
        Ok(rows) => rows,
        Err(code) => return code,
    };
    print_report(json, name, &report, &usage);
    0
}

pub fn print_report(json: bool, name: &str, report: &StoreReport, usage: &[UsageRow]) {
    if json {
        println!(
            "{}",
            json!({ "campaign": name, "report": report, "usage": usage })
        );
        return;
    }
    println!(
        "campaign {name}: {} contacts ({} done, {} skipped, {} pending), {} attempts",
        report.contacts.total(),
        report.contacts.done,
        report.contacts.skipped,
        report.contacts.pending + report.contacts.dialing,
        report.attempts
    );
    for (outcome, n) in &report.outcomes {
        println!("  {outcome:<12} {n}");
    }
    for (reason, n) in &report.skipped {
        println!("  skipped: {reason:<20} {n}");
    }
    println!(
        "  minutes {:.1}, cost ${:.4}",
        report.seconds as f64 / 60.0,
        report.cost_usd
    );
    if !usage.is_empty() {
        println!("usage by day and agent:");
        print_usage(usage);
    }
}

async fn run(cli: &Cli, config: &crate::config::Config, args: &RunArgs) -> u8 {
    let Started {
        runtime,
        server,
        stop,
        watcher,
        ..
    } = match start(cli, config, &args.paths).await {
        Ok(started) => started,
        Err(code) => return code,
    };
    let campaigns = runtime.campaigns.clone();
    let progress = tokio::spawn(show_progress(runtime.bus.clone(), args.name.clone()));
    let outcome = match campaigns.start(&args.name).await {
        Ok(()) | Err(crate::campaign::CampaignError::AlreadyRunning(_)) => {
            tokio::select! {
                () = campaigns.wait(&args.name) => Ok(()),
                () = super::run::wait_server(&server) => Err(EXIT_RUNTIME),
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(EXIT_USAGE)
        }
    };
    // Let the final events reach the bar.
    tokio::time::sleep(Duration::from_millis(100)).await;
    progress.abort();
    let _ = stop.send(());
    let served = finish(server.await);
    drop(watcher);
    if let Err(code) = outcome {
        return code;
    }
    runtime.usage.flush().await;
    let status = campaigns.status(&args.name).await;
    report(cli.json, &campaigns, &args.name).await;
    match status {
        Ok(s) if s.state == CampaignState::Done => served,
        Ok(s) => {
            eprintln!(
                "campaign {} is {}{}",
                s.name,
                s.state,
                s.reason.map(|r| format!(": {r}")).unwrap_or_default()
            );
            EXIT_RUNTIME
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_RUNTIME
        }
    }
}

/// A progress bar on a terminal; plain lines (at most one a second) otherwise.
async fn show_progress(bus: crate::events::EventBus, name: String) {
    use std::io::IsTerminal;
    let mut events = bus.subscribe(
        "progress",
        &[EventKind::CampaignProgress],
        crate::events::DEFAULT_QUEUE,
    );
    let terminal = std::io::stderr().is_terminal();
    let bar = if terminal {
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {prefix} [{bar:40}] {pos}/{len} {msg} ({elapsed})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(name.clone());
        bar.enable_steady_tick(Duration::from_millis(200));
        Some(bar)
    } else {
        None
    };
    let mut last_line = tokio::time::Instant::now() - Duration::from_secs(2);
    while let Some(event) = events.recv().await {
        if event.data.get("campaign").and_then(|c| c.as_str()) != Some(name.as_str()) {
            continue;
        }
        let number = |key: &str| event.data.get(key).and_then(|v| v.as_u64()).unwrap_or(0);
        let state = event
            .data
            .get("state")
            .and_then(|s| s.as_str())
            .unwrap_or("");
        let finished = number("done") + number("skipped");
        let message = format!(
            "{state}: {} dialing, {} pending{}",
            number("dialing"),
            number("pending"),
            event
                .data
                .get("reason")
                .and_then(|r| r.as_str())
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        );
        match &bar {
            Some(bar) => {
                if number("total") > 0 {
                    bar.set_length(number("total"));
                    bar.set_position(finished);
                }
                bar.set_message(message);
            }
            None => {
                if last_line.elapsed() >= Duration::from_secs(1) || state != "running" {
                    eprintln!("{name}: {finished}/{} {message}", number("total"));
                    last_line = tokio::time::Instant::now();
                }
            }
        }
    }
}
