//! The `call` a flow receives. Verbs that need no answer (`say`, `play`, `pause`) pile up; a
//! verb that needs the caller (`gather`, `record`, `dial`) sends what piled up to the waiting
//! webhook with itself last, and the flow's coroutine sleeps until Twilio posts the result.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use mlua::{Lua, Table, UserData, UserDataFields, UserDataMethods, Value};
use tokio::sync::oneshot;

use super::api::twiml::keywords;
use super::registry::{ensure_driven, env};
use crate::calls::VAR_PREFIX;
use crate::script::FlowTurn;
use crate::server::{FlowError, FlowRequest};
use crate::twiml::{Extras, VoiceResponse, nest};
use crate::voice::{Effect, Emotion, SpeakOptions, VoiceProfile};

/// Why a waiting verb gives up: the call is gone.
pub(crate) const CALLER_HUNG_UP: &str = "the call ended while the flow was waiting for the caller";

pub(crate) type Reply = oneshot::Sender<Result<FlowTurn, FlowError>>;

/// One call's place in its flow.
#[derive(Debug)]
pub(crate) struct Session {
    pub flow: String,
    /// Carried into every action URL: agent, message, campaign and variables.
    carried: Vec<(String, String)>,
    step: u32,
    verbs: VoiceResponse,
    /// The webhook waiting for this turn's TwiML.
    pub reply: Option<Reply>,
    /// The coroutine waiting for the caller's answer.
    pub input: Option<oneshot::Sender<FlowRequest>>,
    pub hung_up: bool,
    /// The call ended (Twilio said so).
    pub ended: bool,
    profile: Option<VoiceProfile>,
}

pub(crate) type SharedSession = Arc<Mutex<Session>>;

pub(crate) fn lock(session: &SharedSession) -> MutexGuard<'_, Session> {
    session.lock().unwrap_or_else(|p| p.into_inner())
}

impl Session {
    /// What is left to send when the flow returns: whatever piled up.
    pub(crate) fn take_response(&mut self) -> VoiceResponse {
        std::mem::take(&mut self.verbs)
    }

    fn check_open(&self, what: &str) -> mlua::Result<()> {
        if self.ended {
            return Err(mlua::Error::runtime(CALLER_HUNG_UP));
        }
        if self.hung_up {
            return Err(mlua::Error::runtime(format!(
                "{what} after call:hangup(): the call is over"
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
}

/// The `call` object.
#[derive(Debug)]
pub(crate) struct LuaCall {
    session: SharedSession,
    request: FlowRequest,
    vars: BTreeMap<String, String>,
}

impl LuaCall {
    /// A new call at the start of `request.flow`.
    pub(crate) fn start(
        request: FlowRequest,
        profile: Option<VoiceProfile>,
        reply: Reply,
    ) -> (Self, SharedSession) {
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
        (
            Self {
                session: session.clone(),
                request,
                vars,
            },
            session,
        )
    }

    fn say(&self, lua: &Lua, text: String, options: Option<Table>) -> mlua::Result<()> {
        let mut session = lock(&self.session);
        session.check_open("call:say")?;
        let mut speak = SpeakOptions::default();
        let mut profile = session.profile.clone();
        if let Some(options) = options {
            for pair in options.pairs::<String, Value>() {
                let (key, value) = pair?;
                match (key.as_str(), value) {
                    ("emotion", Value::String(s)) => {
                        speak.emotion = s.to_str()?.parse::<Emotion>().map_err(runtime)?;
                    }
                    ("effects", Value::Table(list)) => {
                        for effect in list.sequence_values::<String>() {
                            speak
                                .effects
                                .push(effect?.parse::<Effect>().map_err(runtime)?);
                        }
                    }
                    ("effects", Value::String(s)) => {
                        speak
                            .effects
                            .push(s.to_str()?.parse::<Effect>().map_err(runtime)?);
                    }
                    ("agent" | "voice", Value::String(s)) => {
                        let name = s.to_str()?.to_owned();
                        profile = Some(env(lua)?.ctx.voices.find(&name).map_err(runtime)?.clone());
                    }
                    (key, value) => {
                        return Err(mlua::Error::runtime(format!(
                            "call:say: bad option '{key}' ({}); options are emotion, effects, agent, voice",
                            value.type_name()
                        )));
                    }
                }
            }
        }
        append_speech(&mut session.verbs, profile.as_ref(), &text, &speak)
    }

    /// Sends what piled up plus the verb `build` appends (which must come back to the flow),
    /// and waits for Twilio's next request.
    async fn exchange(
        &self,
        what: &str,
        build: impl FnOnce(&mut Session, &str) -> mlua::Result<()>,
    ) -> mlua::Result<FlowRequest> {
        let input = {
            let mut session = lock(&self.session);
            session.check_open(what)?;
            session.step += 1;
            let action = session.action_url();
            build(&mut session, &action)?;
            let reply = session.reply.take().ok_or_else(|| {
                mlua::Error::runtime(format!(
                    "{what}: no request from Twilio is waiting for this flow"
                ))
            })?;
            let response = session.take_response();
            let (tx, rx) = oneshot::channel();
            session.input = Some(tx);
            // A webhook that gave up already answered with the fallback line; the call ends.
            let _ = reply.send(Ok(FlowTurn {
                response,
                finished: false,
            }));
            rx
        };
        input
            .await
            .map_err(|_| mlua::Error::runtime(CALLER_HUNG_UP))
    }

    fn hangup(&self) -> mlua::Result<()> {
        let mut session = lock(&self.session);
        session.check_open("call:hangup")?;
        session.verbs.hangup();
        session.hung_up = true;
        if let Some(reply) = session.reply.take() {
            let response = session.take_response();
            let _ = reply.send(Ok(FlowTurn {
                response,
                finished: true,
            }));
        }
        Ok(())
    }

    /// The other party: who was called, or who called in.
    fn party(&self) -> &str {
        if self.request.direction == "inbound" {
            &self.request.from
        } else {
            &self.request.to
        }
    }
}

fn runtime(error: impl std::fmt::Display) -> mlua::Error {
    mlua::Error::runtime(error.to_string())
}

/// Speech in `profile`'s voice, or Twilio's default voice when there is none.
fn append_speech(
    verbs: &mut VoiceResponse,
    profile: Option<&VoiceProfile>,
    text: &str,
    options: &SpeakOptions,
) -> mlua::Result<()> {
    match profile {
        Some(profile) => {
            let speech = profile.speak(text, options).map_err(runtime)?;
            for warning in &speech.warnings {
                tracing::debug!(%warning, "voice");
            }
            speech.append_to(verbs);
        }
        None => {
            verbs.say(text);
        }
    }
    Ok(())
}

/// Appends `method` (a VoiceResponse method of the official library) with Lua options.
fn append_verb<'r>(
    verbs: &'r mut VoiceResponse,
    method: &str,
    value: Option<&str>,
    options: &[(String, crate::twiml::AttrValue)],
) -> mlua::Result<(&'r mut crate::twiml::Element, &'static str)> {
    let keywords: Vec<(&str, crate::twiml::AttrValue)> = options
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let (root, class) = verbs.root_mut();
    nest(root, class, method, value, &keywords, Extras::Refuse).map_err(runtime)
}

/// Refuses options the flow sets itself.
fn refuse_own(options: &[(String, crate::twiml::AttrValue)], what: &str) -> mlua::Result<()> {
    for own in ["action", "method", "action_on_empty_result"] {
        if options.iter().any(|(k, _)| k == own) {
            return Err(mlua::Error::runtime(format!(
                "{what}: '{own}' is set by the flow itself (the answer comes back to this line)"
            )));
        }
    }
    Ok(())
}

fn with_action(
    mut options: Vec<(String, crate::twiml::AttrValue)>,
    action: &str,
) -> Vec<(String, crate::twiml::AttrValue)> {
    options.push(("action".to_owned(), action.into()));
    options.push(("method".to_owned(), "POST".into()));
    options
}

fn param<'r>(request: &'r FlowRequest, name: &str) -> Option<&'r str> {
    request.param(name).filter(|v| !v.is_empty())
}

impl UserData for LuaCall {
    fn add_fields<F: UserDataFields<Self>>(fields: &mut F) {
        fields.add_field_method_get("sid", |_, c| Ok(c.request.call_sid.clone()));
        fields.add_field_method_get("to", |_, c| Ok(c.request.to.clone()));
        fields.add_field_method_get("from", |_, c| Ok(c.request.from.clone()));
        fields.add_field_method_get("direction", |_, c| Ok(c.request.direction.clone()));
        fields.add_field_method_get("flow", |_, c| Ok(c.request.flow.clone()));
        fields.add_field_method_get("agent", |_, c| Ok(c.request.agent.clone()));
        fields.add_field_method_get("message", |_, c| {
            Ok(c.request.param("message").map(str::to_owned))
        });
        fields.add_field_method_get("campaign", |_, c| {
            Ok(c.request.param("campaign").map(str::to_owned))
        });
        fields.add_field_method_get("answered_by", |_, c| {
            Ok(c.request.param("AnsweredBy").map(str::to_owned))
        });
        fields.add_field_method_get("vars", |lua, c| lua.create_table_from(c.vars.clone()));
    }

    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method(
            "say",
            |lua, call, (text, options): (String, Option<Table>)| call.say(lua, text, options),
        );
        methods.add_method(
            "play",
            |_, call, (url, options): (String, Option<Table>)| {
                let options = keywords(options, "call:play")?;
                let mut session = lock(&call.session);
                session.check_open("call:play")?;
                append_verb(&mut session.verbs, "play", Some(&url), &options).map(|_| ())
            },
        );
        methods.add_method("pause", |_, call, seconds: Option<u32>| {
            let mut session = lock(&call.session);
            session.check_open("call:pause")?;
            session.verbs.pause(seconds.unwrap_or(1));
            Ok(())
        });
        methods.add_async_method("gather", |lua, call, options: Option<Table>| async move {
            ensure_driven(&lua, "call:gather")?;
            let prompt: Option<String> = match &options {
                Some(t) => t.get("prompt")?,
                None => None,
            };
            if let Some(t) = &options {
                t.set("prompt", Value::Nil)?;
            }
            let options = keywords(options, "call:gather")?;
            refuse_own(&options, "call:gather")?;
            let request = call
                .exchange("call:gather", |session, action| {
                    let mut options = with_action(options, action);
                    options.push(("action_on_empty_result".to_owned(), true.into()));
                    let profile = session.profile.clone();
                    let (gather, _) = append_verb(&mut session.verbs, "gather", None, &options)?;
                    if let Some(prompt) = &prompt {
                        let mut inner = VoiceResponse::new();
                        append_speech(
                            &mut inner,
                            profile.as_ref(),
                            prompt,
                            &SpeakOptions::default(),
                        )?;
                        for child in inner.into_element().into_children() {
                            gather.push(child);
                        }
                    }
                    Ok(())
                })
                .await?;
            let result = lua.create_table()?;
            result.set("digits", param(&request, "Digits"))?;
            result.set("speech", param(&request, "SpeechResult"))?;
            result.set(
                "confidence",
                param(&request, "Confidence").and_then(|c| c.parse::<f64>().ok()),
            )?;
            result.set(
                "timed_out",
                param(&request, "Digits").is_none() && param(&request, "SpeechResult").is_none(),
            )?;
            Ok(result)
        });
        methods.add_async_method("record", |lua, call, options: Option<Table>| async move {
            ensure_driven(&lua, "call:record")?;
            let options = keywords(options, "call:record")?;
            refuse_own(&options, "call:record")?;
            let request = call
                .exchange("call:record", |session, action| {
                    append_verb(
                        &mut session.verbs,
                        "record",
                        None,
                        &with_action(options, action),
                    )
                    .map(|_| ())
                })
                .await?;
            let result = lua.create_table()?;
            result.set("url", param(&request, "RecordingUrl"))?;
            result.set("sid", param(&request, "RecordingSid"))?;
            result.set(
                "duration",
                param(&request, "RecordingDuration").and_then(|d| d.parse::<f64>().ok()),
            )?;
            result.set("digits", param(&request, "Digits"))?;
            Ok(result)
        });
        methods.add_async_method(
            "dial",
            |lua, call, (number, options): (String, Option<Table>)| async move {
                ensure_driven(&lua, "call:dial")?;
                let options = keywords(options, "call:dial")?;
                refuse_own(&options, "call:dial")?;
                let request = call
                    .exchange("call:dial", |session, action| {
                        append_verb(
                            &mut session.verbs,
                            "dial",
                            Some(&number),
                            &with_action(options, action),
                        )
                        .map(|_| ())
                    })
                    .await?;
                let result = lua.create_table()?;
                result.set("status", param(&request, "DialCallStatus"))?;
                result.set("sid", param(&request, "DialCallSid"))?;
                result.set(
                    "duration",
                    param(&request, "DialCallDuration").and_then(|d| d.parse::<f64>().ok()),
                )?;
                Ok(result)
            },
        );
        methods.add_method("hangup", |_, call, ()| call.hangup());
        methods.add_method("opt_out", |lua, call, ()| {
            let number = call.party().to_owned();
            let env = env(lua)?;
            let added = env.ctx.opt_outs.add(&number);
            // Kept in the store too, so the opt-out outlives this process.
            if let Some(campaigns) = &env.ctx.campaigns {
                let store = campaigns.store().clone();
                let number = number.clone();
                tokio::spawn(async move {
                    if let Err(e) = store.add_dnc(&[number], "opt-out").await {
                        tracing::error!(error = %e, "cannot record an opt-out in the store; it holds until restart");
                    }
                });
            }
            tracing::info!(call_sid = %call.request.call_sid, number = %number, "caller opted out; not to be called again");
            Ok(added)
        });
    }
}
