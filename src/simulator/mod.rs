//! The built-in Twilio simulator: Twilio's Voice REST API for the calls and recordings the
//! client uses, call lifecycles on a virtual clock with Twilio's CPS queueing, signed status
//! callbacks, TwiML execution against the scripted callee of each destination, and a transcript
//! of every call. In-process by default, standalone with `projectx simulator`.

mod api;
mod clock;
mod exec;
mod lifecycle;
mod state;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use secrecy::SecretString;

pub use api::router;
pub use clock::VirtualClock;
pub use state::{CallParams, Interrupt, TranscriptEntry, silent_wav};

use crate::config::{Config, FaultsConfig, Scenario, ScenarioDetail, ScenarioOutcome};
use crate::phone::PhoneNumber;
use crate::server::RequestValidator;
use state::{Calendar, SimCall, SimRecording};

/// The account the simulator answers for when no credentials are configured.
pub const DEFAULT_ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
pub const DEFAULT_AUTH_TOKEN: &str = "simulator-auth-token";

#[derive(Debug, Clone)]
pub struct SimulatorSettings {
    pub account_sid: String,
    pub auth_token: SecretString,
    /// Virtual clock factor.
    pub speed: f64,
    /// Calls per second leaving the queue, as Twilio's per-account CPS.
    pub cps: f64,
    /// Destination (E.164) → what the callee does.
    pub scenarios: HashMap<String, Scenario>,
    pub faults: FaultsConfig,
    /// The account's own numbers (E.164); empty accepts every valid caller ID.
    pub numbers: Vec<String>,
}

impl SimulatorSettings {
    /// From the configuration: its credentials (or the simulator's defaults), speed, scenarios
    /// and CPS limit.
    pub fn from_config(config: &Config) -> Self {
        let region = config.twilio.region();
        Self {
            account_sid: config
                .twilio
                .account_sid
                .clone()
                .unwrap_or_else(|| DEFAULT_ACCOUNT_SID.to_owned()),
            auth_token: config
                .twilio
                .auth_token
                .clone()
                .unwrap_or_else(|| SecretString::from(DEFAULT_AUTH_TOKEN)),
            speed: config.simulator.speed,
            cps: config.limits.cps,
            scenarios: config
                .simulator
                .scenarios
                .iter()
                .filter_map(|(number, scenario)| {
                    let number = PhoneNumber::parse_in(number, region).ok()?;
                    Some((number.as_e164().to_owned(), scenario.clone()))
                })
                .collect(),
            faults: config.simulator.faults,
            numbers: config
                .simulator
                .numbers
                .iter()
                .filter_map(|n| PhoneNumber::parse_in(n, region).ok())
                .map(|n| n.as_e164().to_owned())
                .collect(),
        }
    }
}

impl Default for SimulatorSettings {
    fn default() -> Self {
        Self {
            account_sid: DEFAULT_ACCOUNT_SID.to_owned(),
            auth_token: SecretString::from(DEFAULT_AUTH_TOKEN),
            speed: 1.0,
            cps: 1.0,
            scenarios: HashMap::new(),
            faults: FaultsConfig::default(),
            numbers: Vec::new(),
        }
    }
}

/// True with probability `p`.
pub(crate) fn chance(p: f64) -> bool {
    p > 0.0 && fastrand::f64() < p
}

/// What the callee at a destination does, resolved from its scenario.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Callee {
    pub outcome: ScenarioOutcome,
    pub digits: Option<String>,
    pub speech: Option<String>,
    pub hangup_after: Option<f64>,
}

/// The simulator. Cheap to clone; every clone is the same simulated Twilio.
#[derive(Debug, Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    settings: SimulatorSettings,
    clock: VirtualClock,
    calendar: Calendar,
    validator: RequestValidator,
    http: reqwest::Client,
    calls: Mutex<HashMap<String, SimCall>>,
    /// SIDs newest first, as Twilio lists calls.
    order: Mutex<Vec<String>>,
    recordings: Mutex<Vec<SimRecording>>,
    /// When the next queued call may leave the CPS queue (virtual time).
    next_slot: Mutex<Duration>,
    /// The base URL the API is served at, once it is; recordings' `media_url` points there.
    base_url: Mutex<Option<String>>,
    /// Scenarios set through the API, which take precedence over the configured ones.
    scenarios: Mutex<HashMap<String, Scenario>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Simulator {
    pub fn new(settings: SimulatorSettings) -> Self {
        crate::twilio::install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .user_agent("TwilioProxy/1.1")
            .build()
            .unwrap_or_default();
        Self {
            inner: Arc::new(Inner {
                clock: VirtualClock::new(settings.speed),
                calendar: Calendar {
                    start: chrono::Utc::now(),
                },
                validator: RequestValidator::new(settings.auth_token.clone()),
                http,
                settings,
                calls: Mutex::new(HashMap::new()),
                order: Mutex::new(Vec::new()),
                recordings: Mutex::new(Vec::new()),
                next_slot: Mutex::new(Duration::ZERO),
                base_url: Mutex::new(None),
                scenarios: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn settings(&self) -> &SimulatorSettings {
        &self.inner.settings
    }

    pub fn clock(&self) -> &VirtualClock {
        &self.inner.clock
    }

    /// Every entry of a call's transcript so far.
    pub fn transcript(&self, sid: &str) -> Option<Vec<TranscriptEntry>> {
        lock(&self.inner.calls)
            .get(sid)
            .map(|c| c.transcript.clone())
    }

    /// A call's current status.
    pub fn status(&self, sid: &str) -> Option<crate::twilio::CallStatus> {
        lock(&self.inner.calls).get(sid).map(|c| c.status)
    }

    /// SIDs of every call, newest first.
    pub fn call_sids(&self) -> Vec<String> {
        lock(&self.inner.order).clone()
    }

    pub(crate) fn callee(&self, to: &str) -> Callee {
        let human = Callee {
            outcome: ScenarioOutcome::Human,
            digits: None,
            speech: None,
            hangup_after: None,
        };
        let scenario = lock(&self.inner.scenarios)
            .get(to)
            .or_else(|| self.inner.settings.scenarios.get(to))
            .cloned();
        match scenario.as_ref() {
            None => human,
            Some(Scenario::Outcome(outcome)) => Callee {
                outcome: *outcome,
                ..human
            },
            Some(Scenario::Detailed(ScenarioDetail {
                answer,
                digits,
                speech,
                hangup_after,
            })) => Callee {
                outcome: *answer,
                digits: digits.clone(),
                speech: speech.clone(),
                hangup_after: *hangup_after,
            },
        }
    }

    /// Sets what the callee at `number` (E.164) does from now on.
    pub fn set_scenario(&self, number: &str, scenario: Scenario) {
        lock(&self.inner.scenarios).insert(number.to_owned(), scenario);
    }

    pub(crate) fn with_call<R>(&self, sid: &str, f: impl FnOnce(&mut SimCall) -> R) -> Option<R> {
        lock(&self.inner.calls).get_mut(sid).map(f)
    }

    /// Reserves the call's slot in the CPS queue; returns when it may dial (virtual time).
    pub(crate) fn reserve_slot(&self) -> Duration {
        let now = self.inner.clock.now();
        let gap = Duration::from_secs_f64(1.0 / self.inner.settings.cps.max(0.001));
        let mut next = lock(&self.inner.next_slot);
        let slot = (*next).max(now);
        *next = slot + gap;
        slot
    }

    /// Where recordings' media is served: this simulator once served, else Twilio's host.
    pub(crate) fn media_base(&self) -> String {
        lock(&self.inner.base_url)
            .clone()
            .unwrap_or_else(|| "https://api.twilio.com".to_owned())
    }

    pub(crate) fn now(&self) -> Duration {
        self.inner.clock.now()
    }
}

impl Simulator {
    /// Serves the REST API on `listen` in the background; returns the base URL to give the
    /// client.
    pub async fn serve(&self, listen: std::net::SocketAddr) -> std::io::Result<String> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        *lock(&self.inner.base_url) = Some(format!("http://{addr}"));
        let app = router(self.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the simulator stopped serving");
            }
        });
        Ok(format!("http://{addr}"))
    }

    /// Rings one of our numbers from `from`, as a caller would: Twilio requests `voice_url` for
    /// the TwiML that answers, and the caller behaves as `from`'s scenario says.
    pub fn ring(&self, to: &str, from: &str, voice_url: &str) -> serde_json::Value {
        let params = CallParams {
            to: to.to_owned(),
            from: from.to_owned(),
            url: Some(voice_url.to_owned()),
            method: "POST".to_owned(),
            timeout: 60,
            time_limit: 14_400,
            status_callback_method: "POST".to_owned(),
            ..CallParams::default()
        };
        self.create(params, "inbound")
    }
}
