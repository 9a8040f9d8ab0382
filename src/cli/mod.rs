//! The `projectx` command line. Thin: each subcommand parses its arguments and calls the library.
//! Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.

mod call;
mod campaign;
mod check;
mod recordings;
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
    /// How log lines are written to stderr: readable text, or one JSON object per line.
    /// RUST_LOG filters them (default: projectx=info,warn).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "PROJECTX_LOG_FORMAT")]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
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
    /// Call recordings: list, download, delete.
    #[command(subcommand)]
    Recordings(recordings::RecordingsCommand),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  projectx completions bash > ~/.local/share/bash-completion/completions/projectx\n  projectx completions zsh > \"${fpath[1]}/_projectx\"\n  projectx completions fish > ~/.config/fish/completions/projectx.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Calls, minutes and cost per day, campaign and agent.
    #[command(
        after_help = "Examples:\n  projectx usage\n  projectx usage --campaign reminders --days 7 --json"
    )]
    Usage(usage::UsageArgs),
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
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
        Command::Recordings(ref command) => run_async(recordings::run(&cli, command)),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "projectx", &mut std::io::stdout());
            0
        }
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

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("projectx=info,warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        // One object per line, span fields flattened in, for log shippers.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
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
