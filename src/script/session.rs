//! One call's place in a script's flow, shared by the Lua and Python hosts. Verbs that need no
//! answer (`say`, `play`, `pause`) pile up; a verb that needs the caller (`gather`, `record`,
//! `dial`) sends what piled up to the waiting webhook with itself last, and the flow sleeps
//! until Twilio posts the result.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use tokio::sync::oneshot;

use super::FlowTurn;
use crate::calls::VAR_PREFIX;
use crate::server::{FlowError, FlowRequest};
use crate::twiml::{AttrValue, Element, Extras, Text, VoiceResponse, nest};
use crate::voice::{SpeakOptions, VoiceProfile};

/// Why a waiting verb gives up: the call is gone.
pub const CALLER_HUNG_UP: &str = "the call ended while the flow was waiting for the caller";

/// Where a flow's answer to one webhook goes.
pub type Reply = oneshot::Sender<Result<FlowTurn, FlowError>>;

/// Hands one webhook of a flow to a script's worker (as the command `turn` makes) and waits
/// for the worker's answer; a worker that is gone ends the flow with "the script stopped".
pub async fn request_turn<C>(
    sender: tokio::sync::mpsc::Sender<C>,
    request: FlowRequest,
    turn: fn(FlowRequest, Reply) -> C,
) -> Result<FlowTurn, FlowError> {
    let flow = request.flow.clone();
    let (reply, answer) = oneshot::channel();
    let stopped = || FlowError::Failed {
        flow: flow.clone(),
        message: "the script stopped".to_owned(),
    };
    sender
        .send(turn(request, reply))
        .await
        .map_err(|_| stopped())?;
    answer.await.map_err(|_| stopped())?
}

/// A verb the flow cannot perform now; the message names the verb.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StepError(pub String);

impl StepError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Options as TwiML keywords (the official library's names).
pub type Keywords = Vec<(String, AttrValue)>;

/// One call's place in its flow.
#[derive(Debug)]
pub struct Session {
    pub flow: String,
    /// Carried into every action URL: agent, message, campaign and variables.
    carried: Vec<(String, String)>,
    step: u32,
    verbs: VoiceResponse,
    /// The webhook waiting for this turn's TwiML.
    pub reply: Option<Reply>,
    /// The flow waiting for the caller's answer.
    pub input: Option<oneshot::Sender<FlowRequest>>,
    pub hung_up: bool,
    /// The call ended (Twilio said so).
    pub ended: bool,
    pub profile: Option<VoiceProfile>,
}

pub type SharedSession = Arc<Mutex<Session>>;

pub fn lock(session: &SharedSession) -> MutexGuard<'_, Session> {
    session.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a flow sees of its call: fixed for the call's life.
#[derive(Debug, Clone)]
pub struct CallFacts {
    pub request: FlowRequest,
    /// The contact's variables (CSV columns, `vars` of `initiate_call`).
    pub vars: BTreeMap<String, String>,
}

impl CallFacts {
    /// The other party: who was called, or who called in.
    pub fn party(&self) -> &str {
        if self.request.direction == "inbound" {
            &self.request.from
        } else {
            &self.request.to
        }
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.request.param(name)
    }
}

/// The voice of the agent a flow request names, or the flow error that ends it.
pub fn profile_for(
    voices: &crate::voice::VoiceBook,
    request: &FlowRequest,
) -> Result<Option<VoiceProfile>, FlowError> {
    match request.agent.as_deref() {
        Some(agent) => voices
            .find(agent)
            .map(|profile| Some(profile.clone()))
            .map_err(|e| FlowError::Failed {
                flow: request.flow.clone(),
                message: e.to_string(),
            }),
        None => Ok(None),
    }
}

/// Starts a call at the beginning of `request.flow`.
pub fn start(
    request: FlowRequest,
    profile: Option<VoiceProfile>,
    reply: Reply,
) -> (CallFacts, SharedSession) {
    let carried: Vec<(String, String)> = request
        .params
        .iter()
        .filter(|(k, _)| {
            matches!(k.as_str(), "agent" | "message" | "campaign") || k.starts_with(VAR_PREFIX)
        })
        .cloned()
        .collect();
    let vars = carried
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(VAR_PREFIX)?.to_owned(), v.clone())))
        .collect();
    let session = Arc::new(Mutex::new(Session {
        flow: request.flow.clone(),
        carried,
        step: 0,
        verbs: VoiceResponse::new(),
        reply: Some(reply),
        input: None,
        hung_up: false,
        ended: false,
        profile,
    }));
    (CallFacts { request, vars }, session)
}

impl Session {
    /// What is left to send when the flow returns: whatever piled up.
    pub fn take_response(&mut self) -> VoiceResponse {
        std::mem::take(&mut self.verbs)
    }

    pub fn check_open(&self, what: &str) -> Result<(), StepError> {
        if self.ended {
            return Err(StepError::new(CALLER_HUNG_UP));
        }
        if self.hung_up {
            return Err(StepError::new(format!(
                "{what} after hangup(): the call is over"
            )));
        }
        Ok(())
    }

    fn action_url(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("step", &self.step.to_string());
        for (name, value) in &self.carried {
            query.append_pair(name, value);
        }
        format!("/twilio/flow/{}?{}", self.flow, query.finish())
    }

    /// Speech in `profile` (else the call's own voice), or Twilio's default voice.
    pub fn say(
        &mut self,
        what: &str,
        text: &str,
        options: &SpeakOptions,
        profile: Option<&VoiceProfile>,
    ) -> Result<(), StepError> {
        self.check_open(what)?;
        let profile = profile.or(self.profile.as_ref()).cloned();
        append_speech(self.verbs.root_mut().0, profile.as_ref(), text, options)
    }

    /// Appends a verb that needs no answer (`play`, `pause`, …).
    pub fn append(
        &mut self,
        what: &str,
        method: &str,
        value: Option<&str>,
        options: &[(String, AttrValue)],
    ) -> Result<(), StepError> {
        self.check_open(what)?;
        append_verb(&mut self.verbs, method, value, options).map(|_| ())
    }

    /// Sends what piled up plus the verb `method` (whose answer comes back to the flow) and
    /// returns where Twilio's next request will arrive. `prompt` is said inside a `gather`.
    pub fn exchange(
        &mut self,
        what: &str,
        method: &str,
        value: Option<&str>,
        options: Keywords,
        prompt: Option<&str>,
    ) -> Result<oneshot::Receiver<FlowRequest>, StepError> {
        self.check_open(what)?;
        refuse_own(&options, what)?;
        let step = self.step + 1;
        let action = {
            self.step = step;
            self.action_url()
        };
        let mut options = options;
        options.push(("action".to_owned(), action.into()));
        options.push(("method".to_owned(), "POST".into()));
        if method == "gather" {
            options.push(("action_on_empty_result".to_owned(), true.into()));
        }
        let profile = self.profile.clone();
        let mark = self.verbs.element().children().len();
        let built = append_verb(&mut self.verbs, method, value, &options).and_then(|verb| {
            if let Some(prompt) = prompt {
                append_speech(verb, profile.as_ref(), prompt, &SpeakOptions::default())?;
            }
            Ok(())
        });
        if let Err(e) = built {
            self.step -= 1;
            self.verbs.truncate(mark);
            return Err(e);
        }
        let reply = self.reply.take().ok_or_else(|| {
            StepError::new(format!(
                "{what}: no request from Twilio is waiting for this flow"
            ))
        })?;
        let response = self.take_response();
        let (tx, rx) = oneshot::channel();
        self.input = Some(tx);
        // A webhook that gave up already answered with the fallback line; the call ends.
        let _ = reply.send(Ok(FlowTurn {
            response,
            finished: false,
        }));
        Ok(rx)
    }

    pub fn hangup(&mut self, what: &str) -> Result<(), StepError> {
        self.check_open(what)?;
        self.verbs.hangup();
        self.hung_up = true;
        if let Some(reply) = self.reply.take() {
            let response = self.take_response();
            let _ = reply.send(Ok(FlowTurn {
                response,
                finished: true,
            }));
        }
        Ok(())
    }

    /// The call is over: a waiting verb wakes with [`CALLER_HUNG_UP`].
    pub fn end(&mut self) {
        self.ended = true;
        self.input = None;
    }
}

/// Waits for the request a verb of [`Session::exchange`] asked for.
pub async fn answer(input: oneshot::Receiver<FlowRequest>) -> Result<FlowRequest, StepError> {
    input.await.map_err(|_| StepError::new(CALLER_HUNG_UP))
}

/// Hands Twilio's request to the flow waiting on this call, or refuses it.
pub fn resume(session: &SharedSession, request: FlowRequest, reply: Reply) {
    let mut session = lock(session);
    match session.input.take() {
        Some(input) => {
            session.reply = Some(reply);
            let _ = input.send(request);
        }
        None => {
            let _ = reply.send(Err(FlowError::Failed {
                flow: request.flow,
                message: "the flow is still answering this call's previous request".to_owned(),
            }));
        }
    }
}

/// What became of a flow that returned or failed.
#[derive(Debug)]
pub enum Finished {
    /// Answered the webhook, or nothing was waiting.
    Done,
    /// Stopped because the call ended; nothing to report.
    CallEnded,
    /// Failed with no webhook waiting: the host reports it.
    Unanswered { flow: String, message: String },
}

/// Answers the waiting webhook with what is left, or with the flow's error.
pub fn finish(session: &SharedSession, error: Option<String>) -> Finished {
    let mut session = lock(session);
    let reply = session.reply.take();
    match (error, reply) {
        (None, Some(reply)) => {
            let response = session.take_response();
            let _ = reply.send(Ok(FlowTurn {
                response,
                finished: true,
            }));
            Finished::Done
        }
        (None, None) => Finished::Done,
        (Some(message), _) if session.ended && message.contains(CALLER_HUNG_UP) => {
            Finished::CallEnded
        }
        // The webhook reports it (and ends the call politely).
        (Some(message), Some(reply)) => {
            let _ = reply.send(Err(FlowError::Failed {
                flow: session.flow.clone(),
                message,
            }));
            Finished::Done
        }
        (Some(message), None) => Finished::Unanswered {
            flow: session.flow.clone(),
            message,
        },
    }
}

/// The answer to `gather`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gathered {
    pub digits: Option<String>,
    pub speech: Option<String>,
    pub confidence: Option<f64>,
    pub timed_out: bool,
}

/// The answer to `record`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    pub url: Option<String>,
    pub sid: Option<String>,
    pub duration: Option<f64>,
    pub digits: Option<String>,
}

/// The answer to `dial`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dialled {
    pub status: Option<String>,
    pub sid: Option<String>,
    pub duration: Option<f64>,
}

fn param(request: &FlowRequest, name: &str) -> Option<String> {
    request
        .param(name)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn number(request: &FlowRequest, name: &str) -> Option<f64> {
    param(request, name).and_then(|v| v.parse().ok())
}

impl Gathered {
    pub fn from_request(request: &FlowRequest) -> Self {
        let digits = param(request, "Digits");
        let speech = param(request, "SpeechResult");
        Self {
            timed_out: digits.is_none() && speech.is_none(),
            confidence: number(request, "Confidence"),
            digits,
            speech,
        }
    }
}

impl Recorded {
    pub fn from_request(request: &FlowRequest) -> Self {
        Self {
            url: param(request, "RecordingUrl"),
            sid: param(request, "RecordingSid"),
            duration: number(request, "RecordingDuration"),
            digits: param(request, "Digits"),
        }
    }
}

impl Dialled {
    pub fn from_request(request: &FlowRequest) -> Self {
        Self {
            status: param(request, "DialCallStatus"),
            sid: param(request, "DialCallSid"),
            duration: number(request, "DialCallDuration"),
        }
    }
}

/// Speech in `profile`'s voice, or Twilio's default voice when there is none.
fn append_speech(
    parent: &mut Element,
    profile: Option<&VoiceProfile>,
    text: &str,
    options: &SpeakOptions,
) -> Result<(), StepError> {
    match profile {
        Some(profile) => {
            let speech = profile
                .speak(text, options)
                .map_err(|e| StepError::new(e.to_string()))?;
            for warning in &speech.warnings {
                tracing::debug!(%warning, "voice");
            }
            speech.append_into(parent);
        }
        None => {
            parent.push(Element::new("Say").with_text(Text::copied(text)));
        }
    }
    Ok(())
}

/// Appends `method` (a VoiceResponse method of the official library) with its options.
fn append_verb<'r>(
    verbs: &'r mut VoiceResponse,
    method: &str,
    value: Option<&str>,
    options: &[(String, AttrValue)],
) -> Result<&'r mut Element, StepError> {
    let keywords: Vec<(&str, AttrValue)> = options
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let (root, class) = verbs.root_mut();
    nest(root, class, method, value, &keywords, Extras::Refuse)
        .map(|(verb, _)| verb)
        .map_err(|e| StepError::new(e.to_string()))
}

/// Refuses options the flow sets itself.
fn refuse_own(options: &[(String, AttrValue)], what: &str) -> Result<(), StepError> {
    for own in ["action", "method", "action_on_empty_result"] {
        if options.iter().any(|(k, _)| k == own) {
            return Err(StepError::new(format!(
                "{what}: '{own}' is set by the flow itself (the answer comes back to this line)"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> FlowRequest {
        FlowRequest {
            flow: "survey".to_owned(),
            step: None,
            call_sid: "CA1".to_owned(),
            from: "+15005550006".to_owned(),
            to: "+14155550100".to_owned(),
            direction: "outbound-api".to_owned(),
            agent: None,
            params: vec![
                ("campaign".to_owned(), "spring".to_owned()),
                ("var.name".to_owned(), "Ada".to_owned()),
            ],
        }
    }

    #[tokio::test]
    async fn an_exchange_sends_what_piled_up_and_waits_for_the_answer() {
        let (reply, turn) = oneshot::channel();
        let (facts, session) = start(request(), None, reply);
        assert_eq!(facts.vars.get("name").map(String::as_str), Some("Ada"));
        assert_eq!(facts.party(), "+14155550100");
        let input = {
            let mut s = lock(&session);
            s.say("say", "Hello", &SpeakOptions::default(), None)
                .unwrap();
            s.exchange(
                "gather",
                "gather",
                None,
                vec![("num_digits".to_owned(), 1.into())],
                Some("Press 1."),
            )
            .unwrap()
        };
        let turn = turn.await.unwrap().unwrap();
        assert!(!turn.finished);
        assert_eq!(
            turn.response.element().to_xml_fragment(),
            "<Response><Say>Hello</Say><Gather action=\"/twilio/flow/survey?step=1&amp;campaign=spring&amp;var.name=Ada\" actionOnEmptyResult=\"true\" method=\"POST\" numDigits=\"1\"><Say>Press 1.</Say></Gather></Response>"
        );
        let (reply, _next) = oneshot::channel();
        let mut answer_request = request();
        answer_request
            .params
            .push(("Digits".to_owned(), "1".to_owned()));
        resume(&session, answer_request, reply);
        let got = answer(input).await.unwrap();
        let gathered = Gathered::from_request(&got);
        assert_eq!(gathered.digits.as_deref(), Some("1"));
        assert!(!gathered.timed_out);
    }

    #[tokio::test]
    async fn a_prompt_is_said_inside_the_gather_in_the_call_voice() {
        let (reply, turn) = oneshot::channel();
        let profile = VoiceProfile::plain("Polly.Joanna");
        let (_, session) = start(request(), Some(profile), reply);
        {
            let mut s = lock(&session);
            // A prompt that cannot be said changes nothing.
            let err = s
                .exchange("gather", "gather", None, Vec::new(), Some("  "))
                .unwrap_err();
            assert!(err.0.contains("no text to say"), "{err}");
            assert!(s.verbs.is_empty());
            s.exchange("gather", "gather", None, Vec::new(), Some("Press 1."))
                .unwrap();
        }
        let turn = turn.await.unwrap().unwrap();
        assert_eq!(
            turn.response.element().to_xml_fragment(),
            "<Response><Gather action=\"/twilio/flow/survey?step=1&amp;campaign=spring&amp;var.name=Ada\" actionOnEmptyResult=\"true\" method=\"POST\"><Say voice=\"Polly.Joanna\"><s>Press 1.</s></Say></Gather></Response>"
        );
    }

    #[tokio::test]
    async fn a_refused_verb_changes_nothing() {
        let (reply, _turn) = oneshot::channel();
        let (_, session) = start(request(), None, reply);
        let mut s = lock(&session);
        s.say("say", "Hi", &SpeakOptions::default(), None).unwrap();
        let err = s
            .exchange(
                "gather",
                "gather",
                None,
                vec![("action".to_owned(), "/x".into())],
                None,
            )
            .unwrap_err();
        assert!(
            err.0.contains("'action' is set by the flow itself"),
            "{err}"
        );
        let err = s
            .exchange(
                "gather",
                "gather",
                None,
                vec![("colour".to_owned(), "red".into())],
                None,
            )
            .unwrap_err();
        assert!(err.0.contains("colour"), "{err}");
        assert!(s.reply.is_some(), "the webhook still waits");
        assert_eq!(
            s.take_response().element().to_xml_fragment(),
            "<Response><Say>Hi</Say></Response>"
        );
    }

    #[tokio::test]
    async fn an_ended_call_wakes_the_waiting_flow() {
        let (reply, _turn) = oneshot::channel();
        let (_, session) = start(request(), None, reply);
        let input = lock(&session)
            .exchange("record", "record", None, Vec::new(), None)
            .unwrap();
        lock(&session).end();
        assert_eq!(answer(input).await.unwrap_err().0, CALLER_HUNG_UP);
        assert!(matches!(
            finish(&session, Some(CALLER_HUNG_UP.to_owned())),
            Finished::CallEnded
        ));
    }
}
