//! What answers a call's TwiML requests: a flow, chosen by name. The scripting hosts implement
//! [`FlowResponder`]; [`MessageFlows`] is the built-in one that says a message in an agent's
//! voice.

use std::fmt;

use futures_util::future::BoxFuture;

use crate::twiml::{Text, VoiceResponse};
use crate::voice::{SpeakOptions, VoiceBook};

/// One TwiML request from Twilio for a call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowRequest {
    pub flow: String,
    /// Which step of the flow asked (a Gather's action returns here with the step).
    pub step: Option<String>,
    pub call_sid: String,
    pub from: String,
    pub to: String,
    /// `inbound` or `outbound-api`.
    pub direction: String,
    pub agent: Option<String>,
    /// Everything Twilio posted (Digits, SpeechResult, AnsweredBy, …) and the URL's query.
    pub params: Vec<(String, String)>,
}

impl FlowRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FlowError {
    #[error("no flow named {0:?}")]
    UnknownFlow(String),
    #[error("flow {flow:?} failed: {message}")]
    Failed { flow: String, message: String },
}

/// Answers TwiML requests.
pub trait FlowResponder: Send + Sync + fmt::Debug {
    fn respond(&self, request: FlowRequest) -> BoxFuture<'_, Result<VoiceResponse, FlowError>>;
}

/// The built-in flow `say`: the `message` parameter in the `agent`'s voice, then hang up.
#[derive(Debug, Default)]
pub struct MessageFlows {
    voices: VoiceBook,
}

impl MessageFlows {
    pub fn new(voices: VoiceBook) -> Self {
        Self { voices }
    }
}

impl FlowResponder for MessageFlows {
    fn respond(&self, request: FlowRequest) -> BoxFuture<'_, Result<VoiceResponse, FlowError>> {
        Box::pin(async move {
            if request.flow != "say" {
                return Err(FlowError::UnknownFlow(request.flow));
            }
            let failed = |message: String| FlowError::Failed {
                flow: request.flow.clone(),
                message,
            };
            let message = request
                .param("message")
                .ok_or_else(|| failed("no message to say".to_owned()))?;
            let mut response = VoiceResponse::new();
            match request.agent.as_deref() {
                Some(agent) => {
                    let profile = self.voices.find(agent).map_err(|e| failed(e.to_string()))?;
                    let speech = profile
                        .speak(message, &SpeakOptions::default())
                        .map_err(|e| failed(e.to_string()))?;
                    speech.append_to(&mut response);
                }
                None => {
                    response.say(Text::copied(message));
                }
            }
            response.hangup();
            Ok(response)
        })
    }
}
