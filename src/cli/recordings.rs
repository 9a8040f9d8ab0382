//! `projectx recordings list|download|delete`: the account's call recordings.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use futures_util::StreamExt;
use serde_json::json;

use super::call::report_failure;
use super::{Cli, EXIT_RUNTIME, EXIT_USAGE, load_config};
use crate::twilio::{MediaFormat, Recording, RecordingFilter, TwilioClient};

#[derive(Debug, Subcommand)]
pub enum RecordingsCommand {
    /// List recordings, newest first.
    #[command(
        after_help = "Examples:\n  projectx recordings list --since 2026-11-01\n  projectx recordings list --call CA0123456789abcdef0123456789abcdef --json"
    )]
    List(ListArgs),
    /// Download recordings' media into a directory, each as SID.wav (or .mp3).
    #[command(
        after_help = "Examples:\n  projectx recordings download RE0123456789abcdef0123456789abcdef -o recordings/\n  projectx recordings download --call CA0123456789abcdef0123456789abcdef --format mp3"
    )]
    Download(DownloadArgs),
    /// Delete recordings from Twilio. Asks first on a terminal; elsewhere needs --yes.
    #[command(
        after_help = "Example:\n  projectx recordings delete RE0123456789abcdef0123456789abcdef --yes"
    )]
    Delete(DeleteArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this call's recordings.
    #[arg(long, value_name = "CALL_SID")]
    pub call: Option<String>,
    /// Only recordings made on this day or later (YYYY-MM-DD).
    #[arg(long, value_name = "DAY")]
    pub since: Option<chrono::NaiveDate>,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Recording SIDs (RE…); with --call, that call's recordings instead.
    #[arg(required_unless_present = "call")]
    pub sids: Vec<String>,
    /// Every recording of this call.
    #[arg(long, value_name = "CALL_SID", conflicts_with = "sids")]
    pub call: Option<String>,
    /// The directory to write into (created if missing).
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub output: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Wav)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Recording SIDs (RE…).
    #[arg(required = true)]
    pub sids: Vec<String>,
    /// Delete without asking.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Wav,
    Mp3,
}

impl From<Format> for MediaFormat {
    fn from(format: Format) -> Self {
        match format {
            Format::Wav => MediaFormat::Wav,
            Format::Mp3 => MediaFormat::Mp3,
        }
    }
}

pub async fn run(cli: &Cli, command: &RecordingsCommand) -> u8 {
    let Ok(config) = load_config(cli) else {
        return EXIT_USAGE;
    };
    let twilio = match crate::runtime::connect(&config).await {
        Ok(twilio) => twilio,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    if twilio.simulator.is_some() {
        // A simulator of its own starts empty: recordings live in the process that made them.
        eprintln!(
            "note: simulate mode; this simulator has only the recordings made in this process. Point twilio.base_url at `projectx simulator` to manage its recordings."
        );
    }
    let client = &twilio.client;
    match command {
        RecordingsCommand::List(args) => list(cli, client, args).await,
        RecordingsCommand::Download(args) => download(cli, client, args).await,
        RecordingsCommand::Delete(args) => delete(cli, client, args).await,
    }
}

async fn collect(
    client: &TwilioClient,
    call: Option<&str>,
    since: Option<chrono::NaiveDate>,
    limit: usize,
) -> Result<Vec<Recording>, crate::twilio::TwilioError> {
    let filter = RecordingFilter {
        call_sid: call.map(str::to_owned),
        // `DateCreated>=DAY`: on that day or later.
        date_created_after: since,
        page_size: Some(limit.clamp(1, 1000) as u32),
        ..RecordingFilter::default()
    };
    let mut stream = Box::pin(client.recordings().list(&filter).take(limit));
    let mut all = Vec::new();
    while let Some(recording) = stream.next().await {
        all.push(recording?);
    }
    Ok(all)
}

async fn list(cli: &Cli, client: &TwilioClient, args: &ListArgs) -> u8 {
    let recordings = match collect(client, args.call.as_deref(), args.since, args.limit).await {
        Ok(all) => all,
        Err(e) => return report_failure(cli, &e),
    };
    if cli.json {
        println!("{}", json!(recordings));
        return 0;
    }
    if recordings.is_empty() {
        println!("no recordings");
        return 0;
    }
    println!(
        "{:<34}  {:<34}  {:<25} {:>8}  status",
        "sid", "call", "created", "seconds"
    );
    for r in &recordings {
        println!(
            "{:<34}  {:<34}  {:<25} {:>8}  {}",
            r.sid,
            r.call_sid.as_deref().unwrap_or("-"),
            r.date_created.map(|d| d.to_rfc3339()).unwrap_or_default(),
            r.duration.map(|d| d.to_string()).unwrap_or_default(),
            r.status.as_deref().unwrap_or("")
        );
    }
    0
}

async fn download(cli: &Cli, client: &TwilioClient, args: &DownloadArgs) -> u8 {
    let sids: Vec<String> = match &args.call {
        Some(call) => match collect(client, Some(call), None, usize::MAX).await {
            Ok(all) => all.into_iter().map(|r| r.sid).collect(),
            Err(e) => return report_failure(cli, &e),
        },
        None => args.sids.clone(),
    };
    if let Err(e) = std::fs::create_dir_all(&args.output) {
        eprintln!("error: cannot create {}: {e}", args.output.display());
        return EXIT_USAGE;
    }
    let format = MediaFormat::from(args.format);
    let progress = Progress::new(sids.len() as u64, cli.json);
    let mut saved = Vec::new();
    let mut code = 0;
    for sid in &sids {
        let path = args.output.join(format!("{sid}.{}", format.extension()));
        progress.start(sid);
        match client.recordings().download(sid, format, &path).await {
            Ok(bytes) => {
                progress.done(sid, &path, bytes);
                saved.push(json!({ "sid": sid, "path": path, "bytes": bytes }));
            }
            Err(e) => {
                progress.suspend(|| {
                    code = code.max(report_failure(cli, &e));
                });
            }
        }
    }
    progress.finish();
    if cli.json {
        println!("{}", json!({ "downloaded": saved }));
    } else if sids.is_empty() {
        println!("no recordings to download");
    }
    code
}

async fn delete(cli: &Cli, client: &TwilioClient, args: &DeleteArgs) -> u8 {
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            eprintln!(
                "error: deleting recordings cannot be undone; pass --yes to delete without asking"
            );
            return EXIT_USAGE;
        }
        if !confirm(&format!(
            "Delete {} recording(s) from Twilio?",
            args.sids.len()
        )) {
            eprintln!("nothing deleted");
            return EXIT_RUNTIME;
        }
    }
    let mut deleted = Vec::new();
    let mut code = 0;
    for sid in &args.sids {
        match client.recordings().delete(sid).await {
            Ok(()) => {
                if !cli.json {
                    println!("deleted {sid}");
                }
                deleted.push(sid.clone());
            }
            Err(e) => code = code.max(report_failure(cli, &e)),
        }
    }
    if cli.json {
        println!("{}", json!({ "deleted": deleted }));
    }
    code
}

fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok()
        && matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// A bar on a terminal; one line per file otherwise (none with --json).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
}

impl Progress {
    fn new(total: u64, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("[{bar:30}] {pos}/{len} {msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self { bar, quiet }
    }

    fn start(&self, sid: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(sid.to_owned());
        }
    }

    fn done(&self, sid: &str, path: &Path, bytes: u64) {
        match &self.bar {
            Some(bar) => bar.inc(1),
            None if !self.quiet => println!("{sid} -> {} ({bytes} bytes)", path.display()),
            None => {}
        }
    }

    fn suspend(&self, f: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
