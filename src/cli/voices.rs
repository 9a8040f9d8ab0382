//! `projectx voices list|preview` and `projectx twiml`: what a persona sounds like, offline.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use super::{Cli, EXIT_RUNTIME, EXIT_USAGE, load_config};
use crate::config::Config;
use crate::voice::{
    Effect, Emotion, PreviewError, SpeakOptions, VoiceBook, VoiceProfile, VoiceWarning,
};

/// The sentence `voices list` and `check` compile to find what each engine cannot do.
pub(crate) const SAMPLE: &str =
    "Hello, this is a test. Your code is 12,345; call +14155550100 on 2026-12-01 at 9:30 AM.";

#[derive(Debug, Subcommand)]
pub enum VoicesCommand {
    /// Each profile with its concrete Twilio voice, engine and warnings.
    #[command(
        after_help = "Examples:\n  projectx voices list\n  projectx voices list --config examples/projectx.yaml --json"
    )]
    List,
    /// Render a profile (or an agent's profile) to a WAV file with espeak-ng.
    #[command(
        after_help = "Example:\n  projectx voices preview captain_nova \"Quantum timeline alert\" -o nova.wav"
    )]
    Preview(PreviewArgs),
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// A profile under `voices:` or an agent under `agents:`.
    pub name: String,
    pub text: String,
    /// Where to write the WAV.
    #[arg(short, long, default_value = "preview.wav")]
    pub output: PathBuf,
    #[command(flatten)]
    pub delivery: DeliveryArgs,
}

/// Per-utterance emotion and effects.
#[derive(Debug, Args)]
pub struct DeliveryArgs {
    /// neutral, excited, happy, calm, sad, urgent, serious, whisper
    #[arg(long)]
    pub emotion: Option<String>,
    /// whisper, soft, deeper, higher, compress, stretch, stutter, echo (repeatable)
    #[arg(long = "effect")]
    pub effects: Vec<String>,
}

impl DeliveryArgs {
    pub fn options(&self) -> Result<SpeakOptions, String> {
        let emotion = match &self.emotion {
            Some(e) => e.parse::<Emotion>().map_err(|e| e.to_string())?,
            None => Emotion::default(),
        };
        let effects = self
            .effects
            .iter()
            .map(|e| e.parse::<Effect>().map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        Ok(SpeakOptions { emotion, effects })
    }
}

#[derive(Debug, Args)]
pub struct TwimlArgs {
    /// An agent under `agents:` (or a profile under `voices:`).
    #[arg(long)]
    pub agent: String,
    #[arg(long)]
    pub message: String,
    #[command(flatten)]
    pub delivery: DeliveryArgs,
}

fn book(config: &Config) -> Result<VoiceBook, u8> {
    VoiceBook::from_config(config).map_err(|(path, e)| {
        eprintln!("error: {path}: {e}");
        EXIT_USAGE
    })
}

/// Warnings of a profile: its own, and what its engine cannot do with its settings.
pub(crate) fn profile_warnings(profile: &VoiceProfile) -> Vec<VoiceWarning> {
    match profile.speak(SAMPLE, &SpeakOptions::default()) {
        Ok(speech) => speech.warnings,
        Err(e) => vec![VoiceWarning::new(e.to_string())],
    }
}

pub fn run(cli: &Cli, command: &VoicesCommand) -> u8 {
    let config = match load_config(cli) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let book = match book(&config) {
        Ok(b) => b,
        Err(code) => return code,
    };
    match command {
        VoicesCommand::List => list(cli, &config, &book),
        VoicesCommand::Preview(args) => preview(cli, &book, args),
    }
}

fn list(cli: &Cli, config: &Config, book: &VoiceBook) -> u8 {
    let agents_of = |profile: &str| -> Vec<String> {
        config
            .agents
            .iter()
            .filter(|(_, a)| a.voice == profile)
            .map(|(n, _)| n.clone())
            .collect()
    };
    if cli.json {
        let list: Vec<_> = book
            .profiles()
            .map(|p| {
                json!({
                    "name": p.name(), "voice": p.voice(), "engine": p.family().to_string(),
                    "language": p.language(), "style": p.style().as_str(), "pitch": p.pitch(),
                    "rate": p.rate(), "volume_db": p.volume_db(), "agents": agents_of(p.name()),
                    "warnings": profile_warnings(p).iter().map(ToString::to_string).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!("{}", json!(list));
        return 0;
    }
    if book.profiles().next().is_none() {
        println!("no voices configured (add them under `voices:` in projectx.yaml)");
        return 0;
    }
    for p in book.profiles() {
        let agents = agents_of(p.name());
        println!(
            "{}  {} ({}), style {}, pitch {}, rate {}{}",
            p.name(),
            p.voice(),
            p.family(),
            p.style(),
            p.pitch(),
            p.rate(),
            if agents.is_empty() {
                String::new()
            } else {
                format!(", agents: {}", agents.join(", "))
            }
        );
        for w in profile_warnings(p) {
            println!("  warning: {w}");
        }
    }
    0
}

fn preview(cli: &Cli, book: &VoiceBook, args: &PreviewArgs) -> u8 {
    let profile = match book.find(&args.name) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let options = match args.delivery.options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    match crate::voice::render_wav(profile, &args.text, &options, &args.output) {
        Ok(warnings) => {
            for w in &warnings {
                eprintln!("warning: {w}");
            }
            if cli.json {
                println!(
                    "{}",
                    json!({ "output": args.output.display().to_string(), "voice": profile.voice() })
                );
            } else {
                println!(
                    "{}: {} as {}",
                    args.output.display(),
                    profile.name(),
                    profile.voice()
                );
            }
            0
        }
        Err(e @ (PreviewError::Voice(_) | PreviewError::NotInstalled { .. })) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_RUNTIME
        }
    }
}

/// `projectx twiml`: the document a call would get.
pub fn twiml(cli: &Cli, args: &TwimlArgs) -> u8 {
    let config = match load_config(cli) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let book = match book(&config) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let speech = book
        .find(&args.agent)
        .map_err(|e| e.to_string())
        .and_then(|p| {
            let options = args.delivery.options()?;
            p.speak(&args.message, &options).map_err(|e| e.to_string())
        });
    let speech = match speech {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    for w in &speech.warnings {
        eprintln!("warning: {w}");
    }
    let xml = speech.to_response().to_xml();
    if cli.json {
        let warnings: Vec<String> = speech.warnings.iter().map(ToString::to_string).collect();
        println!(
            "{}",
            json!({ "twiml": xml, "characters": xml.chars().count(), "warnings": warnings })
        );
    } else {
        println!("{xml}");
    }
    0
}
