//! Wires the runtime together on one tokio runtime: the event bus, the call tracker, the webhook
//! server and the reconciler that covers for callbacks Twilio cannot deliver.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::sync::watch;

use crate::calls::{CallTracker, Reconciler, StatusSource, TrackerSettings};
use crate::config::{Config, Mode};
use crate::events::{EventBus, EventKind};
use crate::phone::PhoneNumber;
use crate::server::{self, MessageFlows, RequestValidator, ServerState, WebhookSettings};
use crate::simulator::{Simulator, SimulatorSettings};
use crate::twilio::{Credentials, TwilioApi, TwilioClient};
use crate::voice::VoiceBook;

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
    pub state: Arc<ServerState>,
}

/// Installs the Prometheus recorder once per process and returns its handle.
pub fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<PrometheusHandle>> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .clone()
}

impl Runtime {
    pub fn new(config: &Config, twilio: &Twilio) -> Result<Self, RuntimeError> {
        let bus = EventBus::new();
        let tracker = Arc::new(CallTracker::new(bus.clone(), TrackerSettings::default()));
        let voices =
            VoiceBook::from_config(config).map_err(|(path, e)| RuntimeError::Voice(path, e))?;
        let api: Option<Arc<dyn TwilioApi>> = Some(Arc::new(twilio.client.clone()));
        let simulating = twilio.simulator.is_some();
        let inbound: HashMap<String, String> = config
            .inbound
            .iter()
            .filter_map(|(number, flow)| {
                let number = PhoneNumber::parse_in(number, config.twilio.region()).ok()?;
                Some((number.as_e164().to_owned(), flow.clone()))
            })
            .collect();
        let state = Arc::new(ServerState {
            settings: WebhookSettings {
                // The simulator reaches this server directly on its listening address.
                public_url: config
                    .server
                    .public_url
                    .clone()
                    .or_else(|| simulating.then(|| format!("http://{}", config.server.listen))),
                trust_forwarded_headers: config.server.trust_forwarded_headers,
                ..WebhookSettings::default()
            },
            // Twilio signs webhooks with the auth token, even for accounts that call with API keys;
            // the simulator signs with its own.
            validator: match &twilio.simulator {
                Some(sim) => Some(RequestValidator::new(sim.settings().auth_token.clone())),
                None => config.twilio.auth_token.clone().map(RequestValidator::new),
            },
            tracker: tracker.clone(),
            flows: Arc::new(MessageFlows::new(voices)),
            inbound,
            metrics: metrics_handle(),
        });
        Ok(Self {
            bus,
            tracker,
            api,
            state,
        })
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
        let (stop, stopped) = watch::channel(false);
        if self.state.validator.is_none() {
            tracing::warn!(
                "twilio.auth_token is not set: webhook signatures cannot be checked, so every webhook is refused"
            );
        }
        match &self.api {
            Some(api) => {
                let source = match &config.server.public_url {
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
        tracing::info!(%addr, public_url = ?config.server.public_url, "webhook server listening");
        let app = server::router(self.state.clone());
        let result = server::serve(listener, app, shutdown).await;
        let _ = stop.send(true);
        result.map_err(RuntimeError::Serve)
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
