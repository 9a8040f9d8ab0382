//! `projectx call`: place one call and print its SID and status (and, with `--wait`, every
//! status until it ends).

use std::time::Duration;

use clap::{ArgGroup, Args};
use serde_json::json;

use super::{Cli, EXIT_RUNTIME, EXIT_USAGE, load_config};
use crate::phone::Endpoint;
use crate::twilio::{Call, CallInstructions, CallStatus, CreateCall, TwilioClient, TwilioError};
use crate::twiml;

/// How often `--wait` asks Twilio for the call's status.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// The simulator answers at once and runs on a fast clock: ask often.
const SIMULATOR_POLL_INTERVAL: Duration = Duration::from_millis(20);

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("instructions").required(true).args(["message", "twiml", "url"])))]
pub struct CallArgs {
    /// The number to call (E.164, e.g. +14155550100), or a sip:/client: address.
    #[arg(long)]
    pub to: String,
    /// The caller ID; defaults to twilio.from_number.
    #[arg(long)]
    pub from: Option<String>,
    /// Text to say, then hang up.
    #[arg(long)]
    pub message: Option<String>,
    /// Say the message in this agent's voice (an agent or a profile of the configuration).
    #[arg(long, requires = "message")]
    pub agent: Option<String>,
    #[command(flatten)]
    pub delivery: super::voices::DeliveryArgs,
    /// A TwiML document to run (at most 4,000 characters).
    #[arg(long)]
    pub twiml: Option<String>,
    /// A URL Twilio fetches TwiML from when the call connects.
    #[arg(long)]
    pub url: Option<String>,
    /// Seconds to let it ring (1–600).
    #[arg(long)]
    pub timeout: Option<u32>,
    /// A URL for Twilio's status callbacks.
    #[arg(long)]
    pub status_callback: Option<String>,
    /// Follow the call and print each status until it ends.
    #[arg(long)]
    pub wait: bool,
}

pub async fn run(cli: &Cli, args: &CallArgs) -> u8 {
    let config = match load_config(cli) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let params = match build_request(&config, args) {
        Ok(params) => params,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let twilio = match crate::runtime::connect(&config).await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let client = twilio.client.clone();
    let call = match client.calls().create(&params).await {
        Ok(call) => call,
        Err(e) => return report_failure(cli, &e),
    };
    print_call(cli, &call);
    // A simulated call lives in this process: follow it to its end, then show what was said.
    if let Some(simulator) = &twilio.simulator {
        let sid = call.sid.clone();
        let passed = |from, to| statuses_between(simulator, &sid, from, to);
        let code = follow(cli, &client, call, SIMULATOR_POLL_INTERVAL, &passed).await;
        print_transcript(cli, simulator, &sid);
        return code;
    }
    if args.wait {
        return follow(cli, &client, call, POLL_INTERVAL, &|_, _| Vec::new()).await;
    }
    0
}

/// The statuses a simulated call reached after `from` and before `to`, from its transcript.
fn statuses_between(
    simulator: &crate::simulator::Simulator,
    sid: &str,
    from: Option<CallStatus>,
    to: Option<CallStatus>,
) -> Vec<CallStatus> {
    let Some(transcript) = simulator.transcript(sid) else {
        return Vec::new();
    };
    let reached: Vec<CallStatus> = transcript
        .iter()
        .filter(|e| e.kind == "status")
        .filter_map(|e| serde_json::from_value(e.detail.get("status")?.clone()).ok())
        // What polling the call could have shown: the resource never reports `initiated`.
        .filter(|s| *s != CallStatus::Initiated)
        .collect();
    let start = from
        .and_then(|f| reached.iter().position(|s| *s == f))
        .map_or(0, |i| i + 1);
    let end = to
        .and_then(|t| reached.iter().position(|s| *s == t))
        .unwrap_or(reached.len());
    reached
        .get(start..end)
        .map(<[_]>::to_vec)
        .unwrap_or_default()
}

fn print_transcript(cli: &Cli, simulator: &crate::simulator::Simulator, sid: &str) {
    let Some(transcript) = simulator.transcript(sid) else {
        return;
    };
    for entry in transcript
        .iter()
        .filter(|e| e.kind != "status" && e.kind != "callback")
    {
        if cli.json {
            println!("{}", json!({ "transcript": entry }));
        } else {
            let detail = match entry.detail.get("text").and_then(|t| t.as_str()) {
                Some(text) => format!("{text:?}"),
                None => entry.detail.to_string(),
            };
            println!("  {:>6.1}s {} {detail}", entry.at, entry.kind);
        }
    }
}

fn build_request(
    config: &crate::config::Config,
    args: &CallArgs,
) -> Result<CreateCall, TwilioError> {
    let region = config.twilio.region();
    let to = Endpoint::parse_in(&args.to, region).map_err(|source| TwilioError::InvalidNumber {
        param: "To (--to)",
        source,
    })?;
    let from_text = args
        .from
        .clone()
        .or_else(|| config.twilio.from_number.clone())
        .or_else(|| {
            // The simulator accepts any caller ID; Twilio's test number stands in.
            (config.effective_mode() == crate::config::Mode::Simulate)
                .then(|| "+15005550006".to_owned())
        })
        .ok_or_else(|| {
            TwilioError::invalid(
                "From",
                "no caller ID: pass --from or set twilio.from_number",
            )
        })?;
    let from =
        Endpoint::parse_in(&from_text, region).map_err(|source| TwilioError::InvalidNumber {
            param: "From",
            source,
        })?;
    let instructions = match (&args.message, &args.twiml, &args.url) {
        (Some(message), None, None) if message.trim().is_empty() => {
            return Err(TwilioError::invalid("--message", "it is empty"));
        }
        (Some(message), None, None) => {
            CallInstructions::Twiml(message_document(config, args, message)?)
        }
        (None, twiml, url) => CallInstructions::from_parts(url.as_deref(), twiml.as_deref(), None)?,
        (Some(_), _, _) => {
            return Err(TwilioError::invalid(
                "--message",
                "--message, --twiml and --url exclude each other: give exactly one",
            ));
        }
    };
    let mut params = CreateCall::new(to, from, instructions);
    params.timeout = args.timeout;
    params.status_callback = args.status_callback.clone();
    // Surface every local rule now, before anything is sent.
    params.to_form()?;
    Ok(params)
}

/// The message as TwiML: in the agent's voice when one is named, else Twilio's default voice.
fn message_document(
    config: &crate::config::Config,
    args: &CallArgs,
    message: &str,
) -> Result<String, TwilioError> {
    let Some(agent) = &args.agent else {
        return Ok(twiml::say_document(message));
    };
    let book = crate::voice::VoiceBook::from_config(config)
        .map_err(|(path, e)| TwilioError::invalid("--agent", format!("{path}: {e}")))?;
    let profile = book
        .find(agent)
        .map_err(|e| TwilioError::invalid("--agent", e.to_string()))?;
    let options = args
        .delivery
        .options()
        .map_err(|e| TwilioError::invalid("--emotion/--effect", e))?;
    let speech = profile
        .speak(message, &options)
        .map_err(|e| TwilioError::invalid("--message", e.to_string()))?;
    for warning in &speech.warnings {
        eprintln!("warning: {warning}");
    }
    let xml = speech.to_response().to_xml();
    if !twiml::fits_inline(&xml) {
        return Err(TwilioError::invalid(
            "--message",
            format!(
                "the document is {} characters, over Twilio's inline limit of {}; shorten the message or serve it with --url",
                xml.chars().count(),
                crate::twilio::MAX_TWIML_CHARS
            ),
        ));
    }
    Ok(xml)
}

pub(super) fn report_failure(cli: &Cli, error: &TwilioError) -> u8 {
    if cli.json {
        let api = error.api();
        println!(
            "{}",
            json!({
                "error": error.to_string(),
                "status": error.status(),
                "code": error.code(),
                "more_info": api.and_then(|a| a.more_info.clone()),
            })
        );
    } else {
        eprintln!("error: {error}");
        if let Some(info) = error.api().and_then(|a| a.more_info.as_deref()) {
            eprintln!("  see: {info}");
        }
    }
    if error.is_local_rejection() {
        EXIT_USAGE
    } else {
        EXIT_RUNTIME
    }
}

fn print_call(cli: &Cli, call: &Call) {
    if cli.json {
        match serde_json::to_string(call) {
            Ok(line) => println!("{line}"),
            Err(e) => eprintln!("error: cannot print the call as JSON: {e}"),
        }
    } else {
        let status = call.status.map(|s| s.as_str()).unwrap_or("unknown");
        let mut line = format!("{} {status}", call.sid);
        // Duration and price are final only once the call has ended.
        if call.status.is_some_and(|s| s.is_terminal()) {
            if let Some(duration) = call.duration {
                line.push_str(&format!(" duration={duration}s"));
            }
            if let (Some(price), Some(unit)) = (call.price, call.price_unit.as_deref()) {
                line.push_str(&format!(" price={price} {unit}"));
            }
        }
        println!("{line}");
    }
}

/// The statuses a call went through between two polls, when they are known.
type Passed<'a> = dyn Fn(Option<CallStatus>, Option<CallStatus>) -> Vec<CallStatus> + 'a;

/// Polls the call until it reaches a terminal status, printing each change. A status that
/// lasted less than the polling interval is printed too when `passed` knows it (a simulated
/// call on a fast clock can pass through `in-progress` between two polls).
async fn follow(
    cli: &Cli,
    client: &TwilioClient,
    mut last: Call,
    interval: Duration,
    passed: &Passed<'_>,
) -> u8 {
    while !last.status.is_some_and(|s| s.is_terminal()) {
        tokio::time::sleep(interval).await;
        let call = match client.calls().fetch(&last.sid).await {
            Ok(call) => call,
            Err(e) => return report_failure(cli, &e),
        };
        if call.status != last.status {
            for status in passed(last.status, call.status) {
                print_call(
                    cli,
                    &Call {
                        status: Some(status),
                        ..last.clone()
                    },
                );
            }
            print_call(cli, &call);
        }
        last = call;
    }
    0
}
