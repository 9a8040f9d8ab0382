//! Places calls for scripts (and, later, campaigns): turns "this agent says this message" or
//! "run this flow" into one Twilio request, sends it once, and hands the call to the tracker so
//! its callbacks become events.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use super::{CallInfo, CallTracker};
use crate::phone::{Endpoint, PhoneError};
use crate::twilio::{
    Call, CallInstructions, CallStatus, CreateCall, MachineDetection, StatusCallbackEvent,
    TwilioApi, TwilioError,
};
use crate::twiml;
use crate::voice::{SpeakOptions, VoiceBook};

/// The query parameter prefix that carries a call's variables through its flow's URLs.
pub const VAR_PREFIX: &str = "var.";

/// One call a script asks for. Field names are the script API's keyword names.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    pub to: String,
    pub from: Option<String>,
    /// Speak in this agent's (or voice profile's) voice, and run its default flow.
    pub agent: Option<String>,
    /// Say this, then hang up.
    pub message: Option<String>,
    /// Run this flow when the call connects.
    pub flow: Option<String>,
    /// A TwiML document to run as is.
    pub twiml: Option<String>,
    /// A URL Twilio fetches TwiML from.
    pub url: Option<String>,
    pub campaign: Option<String>,
    /// Values the flow reads as `call.vars`.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Seconds to let it ring.
    pub timeout: Option<u32>,
    /// Longest the call may last, in seconds.
    pub time_limit: Option<u32>,
    /// `Enable` or `DetectMessageEnd`: answering-machine detection, reported as `call.machine`.
    pub machine_detection: Option<String>,
    pub record: Option<bool>,
}

/// What the dialer needs from the configuration.
#[derive(Debug, Clone, Default)]
pub struct DialerSettings {
    /// The caller ID when a request names none.
    pub from: Option<String>,
    pub region: String,
    /// Where Twilio reaches this runtime; flows and status callbacks need it.
    pub public_url: Option<String>,
    /// Agent → the flow it runs when a call names no message.
    pub agent_flows: BTreeMap<String, String>,
    /// Said first on every call placed, when `compliance.disclose_automation` is on.
    pub disclosure: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Dialer {
    api: Arc<dyn TwilioApi>,
    tracker: Arc<CallTracker>,
    voices: VoiceBook,
    settings: DialerSettings,
    /// `settings.from`, parsed once: most calls go out with it, and parsing a number costs
    /// more than the rest of building the request.
    default_from: Option<Result<Endpoint, PhoneError>>,
}

impl Dialer {
    pub fn new(
        api: Arc<dyn TwilioApi>,
        tracker: Arc<CallTracker>,
        voices: VoiceBook,
        settings: DialerSettings,
    ) -> Self {
        let default_from = settings
            .from
            .as_deref()
            .map(|from| Endpoint::parse_in(from, &settings.region));
        Self {
            api,
            tracker,
            voices,
            settings,
            default_from,
        }
    }

    pub fn api(&self) -> &Arc<dyn TwilioApi> {
        &self.api
    }

    pub fn voices(&self) -> &VoiceBook {
        &self.voices
    }

    pub fn settings(&self) -> &DialerSettings {
        &self.settings
    }

    /// Checks the request, places the call and starts tracking it. A refused call is reported
    /// as `call.failed` (when Twilio refused it) and returned as the error.
    pub async fn place(&self, request: &CallRequest) -> Result<Call, TwilioError> {
        self.place_then(request, |_| Box::pin(async {})).await
    }

    /// [`Dialer::place`], running `accepted` once Twilio has accepted the call and before any
    /// of its events are published (a journal completes its entry there).
    pub async fn place_then<'a, F>(
        &self,
        request: &CallRequest,
        accepted: F,
    ) -> Result<Call, TwilioError>
    where
        F: FnOnce(String) -> futures_util::future::BoxFuture<'a, ()>,
    {
        let params = self.build(request)?;
        let mut info = CallInfo {
            sid: String::new(),
            to: params.to.as_str().to_owned(),
            from: params.from.as_str().to_owned(),
            agent: request.agent.clone(),
            campaign: request.campaign.clone(),
        };
        match self.api.create_call(&params).await {
            Ok(call) => {
                accepted(call.sid.clone()).await;
                info.sid = call.sid.clone();
                let status = call.status.unwrap_or(CallStatus::Queued);
                self.tracker.register(info, status);
                Ok(call)
            }
            Err(error) => {
                if !error.is_local_rejection() {
                    self.tracker
                        .report_refused(&info, error.code(), &error.to_string());
                }
                Err(error)
            }
        }
    }

    /// Follows a call placed earlier (by a process that stopped): its status changes become
    /// events like those of calls placed here.
    pub fn follow(&self, info: CallInfo, status: CallStatus) {
        if !self.tracker.is_live(&info.sid) {
            self.tracker.register(info, status);
        }
    }

    /// The caller ID a request goes out with.
    pub fn caller_id(&self, request: &CallRequest) -> Option<String> {
        self.from(request)?.ok().map(|e| e.as_str().to_owned())
    }

    /// The request's `from`, else the configured caller ID; `None` when neither is given.
    fn from(&self, request: &CallRequest) -> Option<Result<Endpoint, PhoneError>> {
        match &request.from {
            Some(from) => Some(Endpoint::parse_in(from, &self.settings.region)),
            None => self.default_from.clone(),
        }
    }

    /// The Twilio request for `request`, with every local rule checked.
    pub fn build(&self, request: &CallRequest) -> Result<CreateCall, TwilioError> {
        let region = self.settings.region.as_str();
        let to = Endpoint::parse_in(&request.to, region).map_err(|source| {
            TwilioError::InvalidNumber {
                param: "to",
                source,
            }
        })?;
        let from = self
            .from(request)
            .ok_or_else(|| {
                TwilioError::invalid("from", "no caller ID: pass from or set twilio.from_number")
            })?
            .map_err(|source| TwilioError::InvalidNumber {
                param: "from",
                source,
            })?;
        let instructions = self.instructions(request)?;
        let mut params = CreateCall::new(to, from, instructions);
        params.timeout = request.timeout;
        params.time_limit = request.time_limit;
        params.record = request.record;
        if let Some(base) = self.base() {
            params.status_callback = Some(format!("{base}/twilio/status"));
            params.status_callback_event = StatusCallbackEvent::ALL.to_vec();
        }
        if let Some(mode) = &request.machine_detection {
            let mode = mode.parse::<MachineDetection>().map_err(|_| {
                TwilioError::invalid(
                    "machine_detection",
                    format!("{mode:?} is not Enable or DetectMessageEnd"),
                )
            })?;
            params.machine_detection = Some(mode);
            if let Some(base) = self.base() {
                params.async_amd = Some(true);
                params.async_amd_status_callback = Some(format!("{base}/twilio/amd"));
            }
        }
        params.to_form()?;
        Ok(params)
    }

    fn base(&self) -> Option<&str> {
        self.settings
            .public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/'))
    }

    fn instructions(&self, request: &CallRequest) -> Result<CallInstructions, TwilioError> {
        let given = [
            request.twiml.is_some(),
            request.url.is_some(),
            request.flow.is_some() || request.message.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(TwilioError::invalid(
                "twiml",
                "give one of message/flow, twiml or url",
            ));
        }
        if request.twiml.is_some() || request.url.is_some() {
            return CallInstructions::from_parts(
                request.url.as_deref(),
                request.twiml.as_deref(),
                None,
            );
        }
        let agent_flow = request
            .agent
            .as_ref()
            .and_then(|a| self.settings.agent_flows.get(a));
        match (&request.flow, &request.message, agent_flow) {
            (Some(flow), _, _) => self.flow_url(flow, request),
            (None, Some(message), _) => self.message_twiml(request.agent.as_deref(), message),
            (None, None, Some(flow)) => self.flow_url(flow, request),
            (None, None, None) => Err(TwilioError::invalid(
                "message",
                "nothing to run: give message, flow, twiml or url (or an agent with a flow)",
            )),
        }
    }

    fn message_twiml(
        &self,
        agent: Option<&str>,
        message: &str,
    ) -> Result<CallInstructions, TwilioError> {
        if message.trim().is_empty() {
            return Err(TwilioError::invalid("message", "it is empty"));
        }
        let spoken = match &self.settings.disclosure {
            Some(line) => format!("{line} {message}"),
            None => message.to_owned(),
        };
        let message = spoken.as_str();
        let xml = match agent {
            None => twiml::say_document(message),
            Some(agent) => {
                let profile = self
                    .voices
                    .find(agent)
                    .map_err(|e| TwilioError::invalid("agent", e.to_string()))?;
                let speech = profile
                    .speak(message, &SpeakOptions::default())
                    .map_err(|e| TwilioError::invalid("message", e.to_string()))?;
                speech.to_response().to_xml()
            }
        };
        if !twiml::fits_inline(&xml) {
            return Err(TwilioError::invalid(
                "message",
                format!(
                    "the document is {} characters, over Twilio's inline limit; shorten it or use a flow",
                    xml.chars().count()
                ),
            ));
        }
        Ok(CallInstructions::Twiml(xml))
    }

    /// The URL of a flow's first step; the agent, message and variables ride along in the query,
    /// so every step of the flow sees them.
    fn flow_url(&self, flow: &str, request: &CallRequest) -> Result<CallInstructions, TwilioError> {
        let base = self.base().ok_or_else(|| {
            TwilioError::invalid(
                "flow",
                "flows need server.public_url, the address Twilio reaches this runtime at",
            )
        })?;
        if !is_flow_name(flow) {
            return Err(TwilioError::invalid(
                "flow",
                format!("{flow:?} is not a flow name (letters, digits, '-' and '_')"),
            ));
        }
        let mut pairs: Vec<(String, &str)> = Vec::new();
        if let Some(agent) = &request.agent {
            pairs.push(("agent".to_owned(), agent));
        }
        if let Some(message) = &request.message {
            pairs.push(("message".to_owned(), message));
        }
        if let Some(campaign) = &request.campaign {
            pairs.push(("campaign".to_owned(), campaign));
        }
        for (name, value) in &request.vars {
            pairs.push((format!("{VAR_PREFIX}{name}"), value));
        }
        let mut url = url::Url::parse(&format!("{base}/twilio/flow/{flow}"))
            .map_err(|e| TwilioError::invalid("flow", format!("{base}: {e}")))?;
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        Ok(CallInstructions::Url {
            url: url.to_string(),
            method: None,
        })
    }
}

/// Flow names travel in URL paths: keep them to characters that need no escaping.
pub fn is_flow_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
