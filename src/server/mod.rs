//! The webhook server: Twilio's status, recording and AMD callbacks, inbound calls, and the
//! TwiML of calls' flows; plus `/healthz` and `/metrics`. Only requests that carry a valid
//! `X-Twilio-Signature` for `server.public_url` are believed.

mod flows;
mod form;
mod routes;
pub mod signature;
mod verify;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use metrics_exporter_prometheus::PrometheusHandle;

pub use flows::{FlowError, FlowRequest, FlowResponder, MessageFlows};
pub use form::{FormError, parse_form};
pub use signature::{Algorithm, RequestValidator, SignatureError};

use crate::calls::CallTracker;

/// Largest webhook body accepted; Twilio's callbacks are a few kilobytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How the server checks and answers requests.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// The https URL Twilio uses to reach this server; the base of every signed URL.
    pub public_url: Option<String>,
    /// Rebuild the URL from `X-Forwarded-Proto` and `X-Forwarded-Host` (only behind a proxy
    /// that sets them) when there is no `public_url`.
    pub trust_forwarded_headers: bool,
    pub max_body_bytes: usize,
    /// A flow that has not answered by then gets a polite fallback (Twilio waits 15 s at most).
    pub flow_deadline: Duration,
    /// What a caller hears when no flow can answer, or the flow failed.
    pub fallback_line: String,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            public_url: None,
            trust_forwarded_headers: false,
            max_body_bytes: MAX_BODY_BYTES,
            flow_deadline: Duration::from_secs(10),
            fallback_line: crate::config::DEFAULT_FLOW_ERROR_LINE.to_owned(),
        }
    }
}

/// Everything the routes share.
#[derive(Debug)]
pub struct ServerState {
    pub settings: WebhookSettings,
    /// Without the auth token nothing can be verified, and every Twilio route refuses.
    pub validator: Option<RequestValidator>,
    pub tracker: Arc<CallTracker>,
    pub flows: Arc<dyn FlowResponder>,
    /// Called number (E.164) → the flow that answers it.
    pub inbound: HashMap<String, String>,
    pub metrics: Option<PrometheusHandle>,
}

/// The routes, apart from serving them, so tests can call them with `oneshot`.
pub fn router(state: Arc<ServerState>) -> Router {
    let limit = state.settings.max_body_bytes;
    Router::new()
        .route("/twilio/status", post(routes::status))
        .route("/twilio/recording", post(routes::recording))
        .route("/twilio/amd", post(routes::amd))
        .route("/twilio/voice", post(routes::inbound))
        .route("/twilio/flow/{flow}", post(routes::flow))
        .route("/healthz", get(routes::healthz))
        .route("/metrics", get(routes::metrics))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
