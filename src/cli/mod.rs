//! The `projectx` command line. Thin: each subcommand parses its arguments and calls the library.
//! Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.

mod call;
mod campaign;
mod check;
mod run;
mod simulator;
mod usage;
mod voices;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for a failure at run time (Twilio refused, network down).
pub const EXIT_RUNTIME: u8 = 1;
/// Exit code for bad usage or a bad configuration.
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "projectx",
    version,
    about = "Automated voice calls on Twilio, scripted in Lua or Python",
    after_help = "Configuration: --config FILE, else $PROJECTX_CONFIG, else ./projectx.yaml, else built-in defaults (simulate mode)."
)]
pub struct Cli {
    /// The configuration file.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the runtime: scripts (hot-reloaded), their schedules, the webhook server.
    #[command(
        after_help = "Examples:\n  projectx run                          # the scripts of runtime.scripts\n  projectx run scripts/survey.lua --until-idle\n  projectx run scripts/ --for 10m"
    )]
    Run(run::RunArgs),
    /// Validate the configuration without calling anyone.
    #[command(after_help = "Example:\n  projectx check --config projectx.yaml")]
    Check(check::CheckArgs),
    /// Place one call and print its SID and status.
    #[command(
        after_help = "Examples:\n  projectx call --to +14155550100 --message \"Quantum timeline alert\"\n  projectx call --to +14155550100 --url https://calls.example.com/twiml --wait"
    )]
    Call(call::CallArgs),
    /// Voice profiles: list them, or hear one offline.
    #[command(subcommand)]
    Voices(voices::VoicesCommand),
    /// Serve the built-in Twilio simulator for any Twilio client.
    #[command(after_help = "Example:\n  projectx simulator --listen 127.0.0.1:4020 --speed 60")]
    Simulator(simulator::SimulatorArgs),
    /// Dry run: who a campaign would dial when, and who is skipped and why.
    #[command(
        after_help = "Examples:\n  projectx plan reminders\n  projectx plan reminders scripts/campaign.lua --json"
    )]
    Plan(campaign::PlanArgs),
    /// Campaign control: run one to the end, see where they stand, read a report.
    #[command(
        subcommand,
        after_help = "Examples:\n  projectx campaign run reminders scripts/campaign.lua\n  projectx campaign status\n  projectx campaign report reminders --json"
    )]
    Campaign(campaign::CampaignCommand),
    /// Print the TwiML a call would get.
    #[command(
        after_help = "Example:\n  projectx twiml --agent captain-nova --message \"Quantum timeline alert\" --emotion urgent"
    )]
    Twiml(voices::TwimlArgs),
    /// Calls, minutes and cost per day, campaign and agent.
    #[command(
        after_help = "Examples:\n  projectx usage\n  projectx usage --campaign reminders --days 7 --json"
    )]
    Usage(usage::UsageArgs),
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let code = match cli.command {
        Command::Check(ref args) => check::run(&cli, args),
        Command::Run(ref args) => run_async(run::run(&cli, args)),
        Command::Call(ref args) => run_async(call::run(&cli, args)),
        Command::Voices(ref command) => voices::run(&cli, command),
        Command::Twiml(ref args) => voices::twiml(&cli, args),
        Command::Simulator(ref args) => run_async(simulator::run(&cli, args)),
        Command::Plan(ref args) => run_async(campaign::plan(&cli, args)),
        Command::Campaign(ref command) => run_async(campaign::command(&cli, command)),
        Command::Usage(ref args) => run_async(usage::run(&cli, args)),
    };
    ExitCode::from(code)
}

/// Runs `future` on a runtime of its own, for the synchronous commands that need one.
pub(crate) fn run_async_value<T: Default>(future: impl std::future::Future<Output = T>) -> T {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(future),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            T::default()
        }
    }
}

fn run_async(future: impl std::future::Future<Output = u8>) -> u8 {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => {
            // Lives as long as the process: Python scripts' awaitables run on it too.
            let runtime: &'static tokio::runtime::Runtime = Box::leak(Box::new(runtime));
            crate::script::python::adopt_runtime(runtime);
            runtime.block_on(future)
        }
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            EXIT_RUNTIME
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("projectx=info,warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Loads the configuration, printing its warnings; on errors prints them all and returns the
/// exit code to stop with.
pub(crate) fn load_config(cli: &Cli) -> Result<crate::config::Config, u8> {
    match crate::config::load(cli.config.as_deref()) {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                eprintln!("{warning}");
            }
            Ok(loaded.config)
        }
        Err(e) => {
            eprint!("{e}");
            Err(EXIT_USAGE)
        }
    }
}
