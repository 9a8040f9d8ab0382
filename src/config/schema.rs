//! The shape of `projectx.yaml`. Every section is optional and has working defaults, so an
//! empty file (or none at all) runs the built-in simulator.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

/// The top-level sections, in the order users meet them.
pub const SECTIONS: &[&str] = &[
    "twilio",
    "server",
    "runtime",
    "voices",
    "agents",
    "compliance",
    "limits",
    "inbound",
    "simulator",
];

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub twilio: TwilioConfig,
    pub server: ServerConfig,
    pub runtime: RuntimeConfig,
    pub voices: BTreeMap<String, VoiceProfileConfig>,
    pub agents: BTreeMap<String, AgentConfig>,
    pub compliance: ComplianceConfig,
    pub limits: LimitsConfig,
    /// Called number (E.164) → the flow that answers it.
    pub inbound: BTreeMap<String, String>,
    pub simulator: SimulatorConfig,
    /// The file this came from, when it came from one.
    pub source: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TwilioConfig {
    pub account_sid: Option<String>,
    pub auth_token: Option<SecretString>,
    pub api_key_sid: Option<String>,
    pub api_key_secret: Option<SecretString>,
    pub from_number: Option<String>,
    /// Real Twilio when absent; the simulator or a contract mock otherwise.
    pub base_url: Option<String>,
    /// ISO 3166 region for numbers written without `+` (default `US`).
    pub default_region: Option<String>,
    pub voice_settings: VoiceSettings,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VoiceSettings {
    pub quality: Option<VoiceQuality>,
    pub language: Option<String>,
    pub model: Option<VoiceModel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VoiceQuality {
    Standard,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VoiceModel {
    Standard,
    Neural,
    Generative,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The https URL Twilio reaches this server at; without it, call status is polled.
    pub public_url: Option<String>,
    /// Trust `X-Forwarded-Proto`/`X-Forwarded-Host` from a reverse proxy in front of us.
    pub trust_forwarded_headers: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            trust_forwarded_headers: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeConfig {
    /// Script files or directories, hot-reloaded.
    pub scripts: Vec<PathBuf>,
    /// Where campaigns, attempts and the audit log are kept.
    pub store: String,
    pub mode: Mode,
    /// What a caller hears when a flow fails, before the call ends.
    pub flow_error_line: String,
    pub sandbox: SandboxConfig,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            scripts: vec![PathBuf::from("scripts")],
            store: "sqlite://projectx.db".to_owned(),
            mode: Mode::Auto,
            flow_error_line: DEFAULT_FLOW_ERROR_LINE.to_owned(),
            sandbox: SandboxConfig::default(),
        }
    }
}

pub const DEFAULT_DISCLOSURE_LINE: &str = "This is an automated call.";

pub const DEFAULT_FLOW_ERROR_LINE: &str =
    "We are sorry, this call cannot be completed right now. Goodbye.";

/// Limits on every script.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxConfig {
    /// Instructions a script may run without yielding; stops endless loops.
    pub max_instructions: u64,
    /// Memory per script state, in MiB.
    pub max_memory_mb: u64,
    /// Allows `os.execute`, `io.popen`, `os.remove` and friends.
    pub allow_os: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            max_instructions: 50_000_000,
            max_memory_mb: 256,
            allow_os: false,
        }
    }
}

/// Whether calls go to real Twilio or to the built-in simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Live when credentials are configured, simulated otherwise.
    #[default]
    Auto,
    Simulate,
    Live,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VoiceProfileConfig {
    pub model: Option<VoiceModel>,
    pub style: Option<String>,
    /// 1.0 is the voice's own pitch; 1.2 is 20 % higher. 0.5–2.0.
    pub pitch: Option<f64>,
    /// 1.0 is the voice's own speed; 0.9 is 10 % slower. 0.5–2.0.
    pub rate: Option<f64>,
    /// A concrete voice (`Polly.Matthew-Neural`); picked from model and language when absent.
    pub voice: Option<String>,
    pub language: Option<String>,
    /// SSML prosody volume (`soft`, `loud`, `+6dB`).
    pub volume: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// A key of `voices`.
    pub voice: String,
    /// The flow calls of this agent run when none is named.
    #[serde(default)]
    pub flow: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ComplianceConfig {
    /// `HH:MM-HH:MM` in the recipient's local time.
    pub calling_hours: String,
    /// A do-not-call file, one number per line.
    pub dnc: Option<PathBuf>,
    /// Say that the call is automated at its start.
    pub disclose_automation: bool,
    /// What is said then.
    pub disclosure_line: String,
    /// Attempts per number per day, across campaigns.
    pub max_attempts_per_day: u32,
}

impl Default for ComplianceConfig {
    fn default() -> Self {
        Self {
            calling_hours: "08:00-21:00".to_owned(),
            dnc: None,
            disclose_automation: true,
            disclosure_line: DEFAULT_DISCLOSURE_LINE.to_owned(),
            max_attempts_per_day: 3,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Calls per second, account-wide (Twilio's default is 1).
    pub cps: f64,
    pub max_concurrent_calls: u32,
    /// Dialing stops once this much has been spent.
    pub max_spend_usd: Option<f64>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            cps: 1.0,
            max_concurrent_calls: 10,
            max_spend_usd: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimulatorConfig {
    /// Virtual clock factor: 60 runs a minute per second.
    pub speed: f64,
    /// Destination number → what happens when it is called.
    pub scenarios: BTreeMap<String, Scenario>,
    /// Misbehaviour to test against, as Twilio sometimes misbehaves.
    pub faults: FaultsConfig,
    /// The simulated account's own numbers; when listed, a call from any other number is
    /// refused as Twilio refuses it (21210). Empty: every valid number may call.
    pub numbers: Vec<String>,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            speed: 1.0,
            scenarios: BTreeMap::new(),
            faults: FaultsConfig::default(),
            numbers: Vec::new(),
        }
    }
}

/// Probabilities (0–1) of each fault, and a delay for every API reply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultsConfig {
    /// An API request answered 429 (code 20429) without being processed.
    pub rate_limit: f64,
    /// An API request answered 500 without being processed.
    pub server_errors: f64,
    /// Milliseconds (real time) added to every API reply.
    pub slow_ms: u64,
    /// A status callback sent twice.
    pub duplicate_callbacks: f64,
    /// A status callback held back and sent after the next one.
    pub reorder_callbacks: f64,
    /// The final status callback never sent.
    pub lose_final_callback: f64,
}

/// What the simulated callee does: a bare outcome, or a human's answer in detail.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Scenario {
    Outcome(ScenarioOutcome),
    Detailed(ScenarioDetail),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScenarioOutcome {
    Human,
    Machine,
    Busy,
    NoAnswer,
    Failed,
    Reject,
    /// Refused at creation with 21215 (no geographic permission).
    GeoBlocked,
    /// Refused at creation with 21216 (on Twilio's blocklist).
    Blocked,
}

impl ScenarioOutcome {
    pub const NAMES: &'static [&'static str] = &[
        "human",
        "machine",
        "busy",
        "no-answer",
        "failed",
        "reject",
        "geo-blocked",
        "blocked",
    ];
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioDetail {
    pub answer: ScenarioOutcome,
    /// Keys the caller presses at a `<Gather>`.
    #[serde(default)]
    pub digits: Option<String>,
    /// What the caller says at a speech `<Gather>`.
    #[serde(default)]
    pub speech: Option<String>,
    /// The caller hangs up after this many seconds.
    #[serde(default)]
    pub hangup_after: Option<f64>,
}
