//! Wires the runtime together on one tokio runtime: the event bus, the call tracker, the webhook
//! server and the reconciler that covers for callbacks Twilio cannot deliver.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::sync::{oneshot, watch};

use std::path::PathBuf;

use crate::calls::{
    CallTracker, Dialer, DialerSettings, Reconciler, StatusSource, TrackerSettings,
};
use crate::campaign::{CallingHours, CampaignSettings, Campaigns};
use crate::config::{Config, Mode};
use crate::events::{EventBus, EventKind};
use crate::phone::PhoneNumber;
use crate::script::lua::LuaHost;
use crate::script::python::PythonHost;
use crate::script::{HostContext, ScriptError, ScriptLimits, ScriptWatcher, Scripts};
use crate::server::{self, MessageFlows, RequestValidator, ServerState, WebhookSettings};
use crate::simulator::{Simulator, SimulatorSettings};
use crate::store::{SqliteOptions, SqliteStore, Store};
use crate::twilio::{Credentials, TwilioApi, TwilioClient};
use crate::usage::UsageRecorder;
use crate::voice::VoiceBook;

/// The caller ID of simulated calls when none is configured (Twilio's test number).
pub const SIMULATED_CALLER_ID: &str = "+15005550006";

/// How often live calls are fetched when Twilio cannot reach us.
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// A call silent this long may have lost its final callback: fetch it.
const QUIET_AFTER: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the webhook server stopped: {0}")]
    Serve(#[source] std::io::Error),
    #[error("voices.{0}: {1}")]
    Voice(String, crate::voice::VoiceError),
    #[error(transparent)]
    Twilio(#[from] crate::twilio::TwilioError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("compliance.dnc: {0}")]
    DoNotCall(#[source] crate::campaign::CampaignError),
}

/// Opens the configured store (`runtime.store`); a relative SQLite path is found from the
/// configuration file's directory.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, RuntimeError> {
    let url = store_url(config);
    let store = SqliteStore::open(&url, &SqliteOptions::default()).await?;
    Ok(Arc::new(store))
}

/// `runtime.store` with a relative file path made absolute.
pub fn store_url(config: &Config) -> String {
    let url = config.runtime.store.as_str();
    let Some(path) = url.strip_prefix("sqlite://") else {
        return url.to_owned();
    };
    if path.starts_with('/') || path.starts_with(':') {
        return url.to_owned();
    }
    format!("sqlite://{}", config_dir(config).join(path).display())
}

fn config_dir(config: &Config) -> PathBuf {
    config
        .source
        .as_deref()
        .and_then(std::path::Path::parent)
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default()
}

/// The do-not-call file of `compliance.dnc`, found from the configuration file's directory.
pub fn dnc_path(config: &Config) -> Option<PathBuf> {
    let path = config.compliance.dnc.as_ref()?;
    Some(if path.is_absolute() {
        path.clone()
    } else {
        config_dir(config).join(path)
    })
}

/// What campaigns take from the configuration.
pub fn campaign_settings(config: &Config) -> CampaignSettings {
    CampaignSettings {
        hours: CallingHours::parse(&config.compliance.calling_hours)
            .unwrap_or(CallingHours::ALL_DAY),
        max_attempts_per_day: config.compliance.max_attempts_per_day,
        max_spend_usd: config.limits.max_spend_usd,
        region: config.twilio.region().to_owned(),
        max_concurrent_calls: config.limits.max_concurrent_calls,
        cps: config.limits.cps,
        base_dir: config_dir(config),
    }
}

/// Where calls go: real Twilio, or the built-in simulator started in this process.
#[derive(Debug, Clone)]
pub struct Twilio {
    pub client: TwilioClient,
    /// Present in simulate mode.
    pub simulator: Option<Simulator>,
}

/// Connects to real Twilio, or in simulate mode starts the built-in simulator on a loopback
/// port and connects to that.
pub async fn connect(config: &Config) -> Result<Twilio, RuntimeError> {
    if config.effective_mode() == Mode::Live {
        return Ok(Twilio {
            client: config.twilio_client()?,
            simulator: None,
        });
    }
    let settings = SimulatorSettings::from_config(config);
    let simulator = Simulator::new(settings.clone());
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let base = simulator
        .serve(addr)
        .await
        .map_err(|source| RuntimeError::Listen { addr, source })?;
    let credentials = Credentials::auth_token(&settings.account_sid, settings.auth_token.clone())?;
    let client = TwilioClient::builder(credentials)
        .base_url(base.clone())
        .gate(config.pacer())
        .build()?;
    tracing::warn!(%base, speed = settings.speed, "SIMULATE MODE: calls go to the built-in Twilio simulator, nobody is dialled");
    Ok(Twilio {
        client,
        simulator: Some(simulator),
    })
}

/// The parts every command that runs calls shares.
#[derive(Debug, Clone)]
pub struct Runtime {
    pub bus: EventBus,
    pub tracker: Arc<CallTracker>,
    pub api: Option<Arc<dyn TwilioApi>>,
    pub dialer: Dialer,
    pub scripts: Arc<Scripts>,
    pub state: Arc<ServerState>,
    pub campaigns: Campaigns,
    /// Keeps every ended call's duration and price in the store.
    pub usage: UsageRecorder,
    /// What the runtime lends scripts; ordinary Python's service uses it too.
    pub ctx: HostContext,
}

/// Installs the Prometheus recorder once per process and returns its handle.
pub fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<PrometheusHandle>> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .clone()
}

impl Runtime {
    pub fn new(
        config: &Config,
        twilio: &Twilio,
        store: Arc<dyn Store>,
    ) -> Result<Self, RuntimeError> {
        let bus = EventBus::new();
        let tracker = Arc::new(CallTracker::new(bus.clone(), TrackerSettings::default()));
        let voices =
            VoiceBook::from_config(config).map_err(|(path, e)| RuntimeError::Voice(path, e))?;
        let api: Arc<dyn TwilioApi> = Arc::new(twilio.client.clone());
        let simulating = twilio.simulator.is_some();
        let inbound: HashMap<String, String> = config
            .inbound
            .iter()
            .filter_map(|(number, flow)| {
                let number = PhoneNumber::parse_in(number, config.twilio.region()).ok()?;
                Some((number.as_e164().to_owned(), flow.clone()))
            })
            .collect();
        // The simulator reaches this server directly on its listening address, whatever
        // public URL real Twilio would use.
        let public_url = if simulating {
            Some(format!("http://{}", config.server.listen))
        } else {
            config.server.public_url.clone()
        };
        // Twilio signs webhooks with the auth token, even for accounts that call with API keys;
        // the simulator signs with its own.
        let validator = match &twilio.simulator {
            Some(sim) => Some(RequestValidator::new(sim.settings().auth_token.clone())),
            None => config.twilio.auth_token.clone().map(RequestValidator::new),
        };
        let dialer = Dialer::new(
            api.clone(),
            tracker.clone(),
            voices.clone(),
            DialerSettings {
                from: config.twilio.from_number.clone().or_else(|| {
                    // The simulator accepts any caller ID; Twilio's test number stands in.
                    simulating.then(|| SIMULATED_CALLER_ID.to_owned())
                }),
                region: config.twilio.region().to_owned(),
                public_url: public_url.clone(),
                agent_flows: config
                    .agents
                    .iter()
                    .filter_map(|(name, agent)| Some((name.clone(), agent.flow.clone()?)))
                    .collect(),
                disclosure: config
                    .compliance
                    .disclose_automation
                    .then(|| config.compliance.disclosure_line.clone()),
            },
        );
        let mut ctx = HostContext::new(bus.clone(), voices.clone());
        let usage = UsageRecorder::start(&bus, store.clone(), Some(api.clone()));
        let campaigns = Campaigns::new(
            store,
            Some(dialer.clone()),
            campaign_settings(config),
            bus.clone(),
            ctx.opt_outs.clone(),
        );
        ctx.dialer = Some(dialer.clone());
        ctx.campaigns = Some(campaigns.clone());
        ctx.validator = validator.clone();
        ctx.limits = ScriptLimits {
            max_instructions: config.runtime.sandbox.max_instructions,
            max_memory_bytes: usize::try_from(config.runtime.sandbox.max_memory_mb)
                .unwrap_or(usize::MAX / (1024 * 1024))
                .saturating_mul(1024 * 1024),
            allow_os: config.runtime.sandbox.allow_os,
        };
        let scripts = Arc::new(Scripts::new(
            vec![
                Arc::new(LuaHost::new(ctx.clone())),
                Arc::new(PythonHost::new(ctx.clone())),
            ],
            bus.clone(),
            Arc::new(MessageFlows::new(voices)),
        ));
        if config.compliance.disclose_automation {
            scripts.set_disclosure(Some(config.compliance.disclosure_line.clone()));
        }
        let state = Arc::new(ServerState {
            settings: WebhookSettings {
                public_url,
                trust_forwarded_headers: config.server.trust_forwarded_headers,
                fallback_line: config.runtime.flow_error_line.clone(),
                ..WebhookSettings::default()
            },
            validator,
            tracker: tracker.clone(),
            flows: scripts.clone(),
            inbound,
            metrics: metrics_handle(),
        });
        Ok(Self {
            bus,
            tracker,
            api: Some(api),
            dialer,
            scripts,
            state,
            campaigns,
            usage,
            ctx,
        })
    }

    /// Loads the scripts at `paths` (the configured ones when empty) and reloads them as they
    /// change. A script that fails to load is reported and the others run.
    pub async fn load_scripts(
        &self,
        config: &Config,
        paths: &[PathBuf],
    ) -> Result<(Vec<ScriptError>, Option<ScriptWatcher>), ScriptError> {
        let paths = configured_script_paths(config, paths);
        let files = self.scripts.discover(&paths)?;
        let errors = self.scripts.load_all(&files).await;
        let watcher = match ScriptWatcher::start(self.scripts.clone(), &paths) {
            Ok(watcher) => Some(watcher),
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch the scripts; changes need a restart");
                None
            }
        };
        Ok((errors, watcher))
    }

    /// Serves webhooks on `listen` and keeps call status current until `shutdown` resolves.
    pub async fn run(
        self,
        config: &Config,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), RuntimeError> {
        let addr = config.server.listen;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| RuntimeError::Listen { addr, source })?;
        self.run_on(listener, config, shutdown).await
    }

    /// [`Runtime::run`] on a listener already bound (to `server.listen`).
    pub async fn run_on(
        self,
        listener: tokio::net::TcpListener,
        config: &Config,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), RuntimeError> {
        let addr = listener.local_addr().unwrap_or(config.server.listen);
        let (stop, stopped) = watch::channel(false);
        if self.state.validator.is_none() {
            tracing::warn!(
                "twilio.auth_token is not set: webhook signatures cannot be checked, so every webhook is refused"
            );
        }
        match &self.api {
            Some(api) => {
                let source = match &self.state.settings.public_url {
                    Some(_) => StatusSource::Callbacks {
                        quiet_after: QUIET_AFTER,
                    },
                    None => StatusSource::Poll {
                        interval: POLL_INTERVAL,
                    },
                };
                tracing::info!(?source, "following call status");
                tokio::spawn(
                    Reconciler::new(self.tracker.clone(), api.clone(), source).run(stopped.clone()),
                );
            }
            None => tracing::warn!("no Twilio API to follow calls with"),
        }
        tokio::spawn(log_events(self.bus.clone()));
        tokio::spawn(self.scripts.clone().dispatch_events());
        tracing::info!(%addr, public_url = ?config.server.public_url, "webhook server listening");
        let app = server::router(self.state.clone());
        let result = server::serve(listener, app, shutdown).await;
        let _ = stop.send(true);
        result.map_err(RuntimeError::Serve)
    }
}

/// A runtime started inside another program by [`Runtime::start`]: connected, serving
/// webhooks, following calls. Stop it with [`Running::stop`]; dropping it stops it too.
#[derive(Debug)]
pub struct Running {
    /// The event bus, the dialer, campaigns and scripts: `runtime.bus.subscribe(...)`,
    /// `runtime.dialer.place(...)`, `runtime.load_scripts(...)`.
    pub runtime: Runtime,
    /// The Twilio client, and in simulate mode the simulator (for each call's transcript).
    pub twilio: Twilio,
    /// The configuration it runs with; `server.listen` is the address actually bound.
    pub config: Config,
    stop: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<Result<(), RuntimeError>>,
}

impl Runtime {
    /// Starts a runtime in this program, as `projectx run` does minus the scripts: connects to
    /// Twilio (or starts the built-in simulator), opens the store, loads the do-not-call file
    /// and serves webhooks in the background. In simulate mode the webhook server listens on
    /// a free loopback port, whatever `server.listen` says, so any number of runtimes can
    /// run side by side. Scripts are loaded only on request:
    /// `running.runtime.load_scripts(&running.config, &paths)`.
    pub async fn start(mut config: Config) -> Result<Running, RuntimeError> {
        let twilio = connect(&config).await?;
        let store = open_store(&config).await?;
        if twilio.simulator.is_some() {
            config.server.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        }
        let addr = config.server.listen;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| RuntimeError::Listen { addr, source })?;
        // Flows and callbacks are addressed to the port actually bound.
        config.server.listen = listener.local_addr().unwrap_or(addr);
        let runtime = Runtime::new(&config, &twilio, store)?;
        if let Some(path) = dnc_path(&config) {
            runtime
                .campaigns
                .load_dnc(&path)
                .await
                .map_err(RuntimeError::DoNotCall)?;
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn({
            let runtime = runtime.clone();
            let config = config.clone();
            async move {
                let shutdown = async move {
                    let _ = stopped.await;
                };
                runtime.run_on(listener, &config, shutdown).await
            }
        });
        Ok(Running {
            runtime,
            twilio,
            config,
            stop: Some(stop),
            server,
        })
    }
}

impl Running {
    /// The built-in simulator, in simulate mode.
    pub fn simulator(&self) -> Option<&Simulator> {
        self.twilio.simulator.as_ref()
    }

    /// Stops serving webhooks and following calls; returns how the server ended.
    pub async fn stop(mut self) -> Result<(), RuntimeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.server).await {
            Ok(result) => result,
            Err(e) => Err(RuntimeError::Serve(std::io::Error::other(e))),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Writes every event to the log, so an operator sees what happens.
async fn log_events(bus: EventBus) {
    let mut events = bus.subscribe("log", &[], crate::events::DEFAULT_QUEUE);
    while let Some(event) = events.recv().await {
        match (&event.call, event.kind) {
            (_, EventKind::CallStatus) => {}
            (Some(call), kind) => tracing::info!(
                event = %kind,
                call_sid = %call.sid,
                campaign = call.campaign.as_deref().unwrap_or("-"),
                status = %call.status,
                "call event"
            ),
            (None, kind) => {
                tracing::info!(event = %kind, data = %serde_json::Value::Object(event.data.clone()), "event")
            }
        }
    }
}

/// Explicit paths, else the configured ones (relative to the configuration file) that exist:
/// the default `scripts` directory may not.
pub fn configured_script_paths(config: &Config, paths: &[PathBuf]) -> Vec<PathBuf> {
    if !paths.is_empty() {
        return paths.to_vec();
    }
    let base = config
        .source
        .as_deref()
        .and_then(std::path::Path::parent)
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    config
        .runtime
        .scripts
        .iter()
        .map(|p| {
            if p.is_absolute() {
                p.clone()
            } else {
                base.join(p)
            }
        })
        .filter(|p| p.exists())
        .collect()
}
