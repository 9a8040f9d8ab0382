//! The `call` a flow receives: a Lua face on the shared flow [`Session`]. Verbs that need the
//! caller (`gather`, `record`, `dial`) suspend the flow's coroutine until Twilio answers.

use mlua::{Lua, Table, UserData, UserDataFields, UserDataMethods, Value};

use super::api::twiml::keywords;
use super::convert::to_lua;
use super::registry::{ensure_driven, env};
use crate::script::session::{
    self, CallFacts, Dialled, Gathered, Recorded, Reply, SharedSession, StepError, lock,
};
use crate::server::FlowRequest;
use crate::voice::{Effect, Emotion, SpeakOptions, VoiceProfile};

/// The `call` object.
#[derive(Debug)]
pub(crate) struct LuaCall {
    session: SharedSession,
    facts: CallFacts,
}

impl LuaCall {
    /// A new call at the start of `request.flow`.
    pub(crate) fn start(
        request: FlowRequest,
        profile: Option<VoiceProfile>,
        reply: Reply,
    ) -> (Self, SharedSession) {
        let (facts, session) = session::start(request, profile, reply);
        (
            Self {
                session: session.clone(),
                facts,
            },
            session,
        )
    }

    fn say(&self, lua: &Lua, text: String, options: Option<Table>) -> mlua::Result<()> {
        let mut speak = SpeakOptions::default();
        let mut profile = None;
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
        lock(&self.session)
            .say("call:say", &text, &speak, profile.as_ref())
            .map_err(step)
    }

    /// Sends what piled up plus `method`, and waits for Twilio's next request.
    async fn exchange(
        &self,
        what: &str,
        method: &str,
        value: Option<&str>,
        options: Option<Table>,
        prompt: Option<String>,
    ) -> mlua::Result<FlowRequest> {
        let options = keywords(options, what)?;
        let input = lock(&self.session)
            .exchange(what, method, value, options, prompt.as_deref())
            .map_err(step)?;
        session::answer(input).await.map_err(step)
    }
}

fn runtime(error: impl std::fmt::Display) -> mlua::Error {
    mlua::Error::runtime(error.to_string())
}

fn step(error: StepError) -> mlua::Error {
    mlua::Error::runtime(error.0.replace("hangup()", "call:hangup()"))
}

impl UserData for LuaCall {
    fn add_fields<F: UserDataFields<Self>>(fields: &mut F) {
        fields.add_field_method_get("sid", |_, c| Ok(c.facts.request.call_sid.clone()));
        fields.add_field_method_get("to", |_, c| Ok(c.facts.request.to.clone()));
        fields.add_field_method_get("from", |_, c| Ok(c.facts.request.from.clone()));
        fields.add_field_method_get("direction", |_, c| Ok(c.facts.request.direction.clone()));
        fields.add_field_method_get("flow", |_, c| Ok(c.facts.request.flow.clone()));
        fields.add_field_method_get("agent", |_, c| Ok(c.facts.request.agent.clone()));
        fields.add_field_method_get("message", |_, c| {
            Ok(c.facts.param("message").map(str::to_owned))
        });
        fields.add_field_method_get("campaign", |_, c| {
            Ok(c.facts.param("campaign").map(str::to_owned))
        });
        fields.add_field_method_get("answered_by", |_, c| {
            Ok(c.facts.param("AnsweredBy").map(str::to_owned))
        });
        fields.add_field_method_get("vars", |lua, c| lua.create_table_from(c.facts.vars.clone()));
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
                lock(&call.session)
                    .append("call:play", "play", Some(&url), &options)
                    .map_err(step)
            },
        );
        methods.add_method("pause", |_, call, seconds: Option<u32>| {
            let options = vec![("length".to_owned(), seconds.unwrap_or(1).into())];
            lock(&call.session)
                .append("call:pause", "pause", None, &options)
                .map_err(step)
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
            let request = call
                .exchange("call:gather", "gather", None, options, prompt)
                .await?;
            to_lua(&lua, &Gathered::from_request(&request))
        });
        methods.add_async_method("record", |lua, call, options: Option<Table>| async move {
            ensure_driven(&lua, "call:record")?;
            let request = call
                .exchange("call:record", "record", None, options, None)
                .await?;
            to_lua(&lua, &Recorded::from_request(&request))
        });
        methods.add_async_method(
            "dial",
            |lua, call, (number, options): (String, Option<Table>)| async move {
                ensure_driven(&lua, "call:dial")?;
                let request = call
                    .exchange("call:dial", "dial", Some(&number), options, None)
                    .await?;
                to_lua(&lua, &Dialled::from_request(&request))
            },
        );
        methods.add_method("hangup", |_, call, ()| {
            lock(&call.session).hangup("call:hangup").map_err(step)
        });
        methods.add_method("opt_out", |lua, call, ()| {
            let env = env(lua)?;
            Ok(crate::script::opt_out(
                &env.ctx,
                call.facts.party(),
                &call.facts.request.call_sid,
            ))
        });
    }
}
