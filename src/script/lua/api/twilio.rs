//! `twilio`: handlers, flows, placing calls, and the calls and recordings of the account.
//! What Twilio refuses comes back as `nil, err`; misuse raises.

use mlua::{Function, Lua, LuaSerdeExt, Table, Value};
use serde::de::DeserializeOwned;

use super::twiml::LuaTwiml;
use crate::calls::{CallRequest, Dialer, is_flow_name};
use crate::events::EventKind;
use crate::script::account::{self, CallQuery, RecordingQuery, Redirect};
use crate::script::lua::convert::{arg, error_table, result, to_lua};
use crate::script::lua::registry::{ensure_driven, ensure_loading, env, registry};
use crate::twilio::{MediaFormat, TwilioError};

fn dialer(lua: &Lua, what: &str) -> mlua::Result<Dialer> {
    env(lua)?.ctx.dialer.clone().ok_or_else(|| {
        mlua::Error::runtime(format!("{what}: no Twilio account is configured here"))
    })
}

/// `make_call{ twiml = twiml.response()… }` takes a builder as well as a string.
fn call_request(lua: &Lua, options: Table, function: &str) -> mlua::Result<CallRequest> {
    if let Value::UserData(builder) = options.get::<Value>("twiml")? {
        let xml = builder.borrow::<LuaTwiml>()?.to_xml(true);
        options.set("twiml", xml)?;
    }
    let _ = lua;
    arg(Value::Table(options), function, "options")
}

/// The options table of `calls.list` or `recordings.list`; absent is empty.
fn options<T: DeserializeOwned + Default>(
    options: Option<Table>,
    function: &str,
) -> mlua::Result<T> {
    match options {
        Some(t) => arg(Value::Table(t), function, "options"),
        None => Ok(T::default()),
    }
}

fn register_handlers(lua: &Lua, twilio: &Table) -> mlua::Result<()> {
    twilio.set(
        "on",
        lua.create_function(|lua, (name, handler): (String, Function)| {
            ensure_loading(lua, "twilio.on")?;
            let kind = name
                .parse::<EventKind>()
                .map_err(|e| mlua::Error::runtime(format!("twilio.on: {e}")))?;
            registry(lua)?.handlers.push((kind, handler));
            Ok(())
        })?,
    )?;
    twilio.set(
        "flow",
        lua.create_function(|lua, (name, flow): (String, Function)| {
            ensure_loading(lua, "twilio.flow")?;
            if !is_flow_name(&name) {
                return Err(mlua::Error::runtime(format!(
                    "twilio.flow: bad argument 'name': {name:?} is not a flow name (letters, digits, '-' and '_')"
                )));
            }
            let mut registry = registry(lua)?;
            if registry.flows.contains_key(&name) {
                return Err(mlua::Error::runtime(format!(
                    "twilio.flow: flow {name:?} is defined twice"
                )));
            }
            registry.flows.insert(name, flow);
            Ok(())
        })?,
    )
}

fn register_dialing(lua: &Lua, twilio: &Table) -> mlua::Result<()> {
    twilio.set(
        "initiate_call",
        lua.create_async_function(|lua, options: Table| async move {
            ensure_driven(&lua, "twilio.initiate_call")?;
            let request = call_request(&lua, options, "twilio.initiate_call")?;
            if request.twiml.is_some() || request.url.is_some() {
                return Err(mlua::Error::runtime(
                    "twilio.initiate_call: use make_call for raw twiml or url",
                ));
            }
            let outcome = dialer(&lua, "twilio.initiate_call")?.place(&request).await;
            let outcome = outcome.map(|call| to_lua(&lua, &call));
            flatten(&lua, outcome)
        })?,
    )?;
    twilio.set(
        "make_call",
        lua.create_async_function(|lua, options: Table| async move {
            ensure_driven(&lua, "twilio.make_call")?;
            let request = call_request(&lua, options, "twilio.make_call")?;
            if request.twiml.is_none() && request.url.is_none() {
                return Err(mlua::Error::runtime(
                    "twilio.make_call: bad argument 'options': give twiml or url (initiate_call speaks a message)",
                ));
            }
            let outcome = dialer(&lua, "twilio.make_call")?.place(&request).await;
            let outcome = outcome.map(|call| to_lua(&lua, &call));
            flatten(&lua, outcome)
        })?,
    )
}

/// `nil, err` for Twilio's refusals; a conversion failure is a bug and raises.
fn flatten(
    lua: &Lua,
    outcome: Result<mlua::Result<Value>, TwilioError>,
) -> mlua::Result<(Value, Value)> {
    match outcome {
        Ok(value) => Ok((value?, Value::Nil)),
        Err(error) => Ok((Value::Nil, Value::Table(error_table(lua, &error)?))),
    }
}

fn register_calls(lua: &Lua) -> mlua::Result<Table> {
    let calls = lua.create_table()?;
    calls.set(
        "get",
        lua.create_async_function(|lua, sid: String| async move {
            ensure_driven(&lua, "twilio.calls.get")?;
            let dialer = dialer(&lua, "twilio.calls.get")?;
            let outcome = dialer.api().fetch_call(&sid).await;
            flatten(&lua, outcome.map(|c| to_lua(&lua, &c)))
        })?,
    )?;
    calls.set(
        "list",
        lua.create_async_function(|lua, options: Option<Table>| async move {
            ensure_driven(&lua, "twilio.calls.list")?;
            let query: CallQuery = self::options(options, "twilio.calls.list")?;
            let dialer = dialer(&lua, "twilio.calls.list")?;
            let outcome = account::list_calls(dialer.api().as_ref(), query).await;
            flatten(&lua, outcome.map(|calls| to_lua(&lua, &calls)))
        })?,
    )?;
    calls.set(
        "hangup",
        lua.create_async_function(|lua, sid: String| async move {
            ensure_driven(&lua, "twilio.calls.hangup")?;
            let dialer = dialer(&lua, "twilio.calls.hangup")?;
            let outcome = account::hang_up(dialer.api().as_ref(), &sid).await;
            flatten(&lua, outcome.map(|c| to_lua(&lua, &c)))
        })?,
    )?;
    calls.set(
        "redirect",
        lua.create_async_function(|lua, (sid, options): (String, Table)| async move {
            ensure_driven(&lua, "twilio.calls.redirect")?;
            let to: Redirect = arg(Value::Table(options), "twilio.calls.redirect", "options")?;
            let dialer = dialer(&lua, "twilio.calls.redirect")?;
            let outcome = account::redirect(dialer.api().as_ref(), &sid, &to).await;
            flatten(&lua, outcome.map(|c| to_lua(&lua, &c)))
        })?,
    )?;
    Ok(calls)
}

fn register_recordings(lua: &Lua) -> mlua::Result<Table> {
    let recordings = lua.create_table()?;
    recordings.set(
        "list",
        lua.create_async_function(|lua, options: Option<Table>| async move {
            ensure_driven(&lua, "twilio.recordings.list")?;
            let query: RecordingQuery = self::options(options, "twilio.recordings.list")?;
            let dialer = dialer(&lua, "twilio.recordings.list")?;
            let outcome = account::list_recordings(dialer.api().as_ref(), query).await;
            flatten(&lua, outcome.map(|recordings| to_lua(&lua, &recordings)))
        })?,
    )?;
    recordings.set(
        "get",
        lua.create_async_function(|lua, sid: String| async move {
            ensure_driven(&lua, "twilio.recordings.get")?;
            let dialer = dialer(&lua, "twilio.recordings.get")?;
            let outcome = dialer.api().fetch_recording(&sid).await;
            flatten(&lua, outcome.map(|r| to_lua(&lua, &r)))
        })?,
    )?;
    recordings.set(
        "delete",
        lua.create_async_function(|lua, sid: String| async move {
            ensure_driven(&lua, "twilio.recordings.delete")?;
            let dialer = dialer(&lua, "twilio.recordings.delete")?;
            let outcome = dialer.api().delete_recording(&sid).await;
            result(&lua, outcome.map(|()| true))
        })?,
    )?;
    recordings.set(
        "download",
        lua.create_async_function(
            |lua, (sid, path, format): (String, String, Option<String>)| async move {
                ensure_driven(&lua, "twilio.recordings.download")?;
                let format = match format.as_deref() {
                    None => MediaFormat::Wav,
                    Some(name) => account::media_format(name).map_err(|reason| {
                        mlua::Error::runtime(format!(
                            "twilio.recordings.download: bad argument 'format': {reason}"
                        ))
                    })?,
                };
                let dialer = dialer(&lua, "twilio.recordings.download")?;
                let outcome = dialer
                    .api()
                    .download_recording(&sid, format, std::path::Path::new(&path))
                    .await;
                result(&lua, outcome)
            },
        )?,
    )?;
    Ok(recordings)
}

pub(super) fn register(lua: &Lua) -> mlua::Result<()> {
    let twilio = lua.create_table()?;
    register_handlers(lua, &twilio)?;
    register_dialing(lua, &twilio)?;
    twilio.set("calls", register_calls(lua)?)?;
    twilio.set("recordings", register_recordings(lua)?)?;
    twilio.set(
        "validate_request",
        lua.create_function(
            |lua, (url, params, signature): (String, Option<Table>, String)| {
                let env = env(lua)?;
                let validator = env.ctx.validator.as_ref().ok_or_else(|| {
                    mlua::Error::runtime(
                        "twilio.validate_request: twilio.auth_token is not configured",
                    )
                })?;
                let mut pairs: Vec<(String, String)> = Vec::new();
                if let Some(params) = params {
                    for pair in params.pairs::<String, Value>() {
                        let (key, value) = pair?;
                        let value = match value {
                            Value::String(s) => s.to_str()?.to_owned(),
                            other => lua.from_value::<serde_json::Value>(other)?.to_string(),
                        };
                        pairs.push((key, value));
                    }
                }
                Ok(validator.validate(&url, &pairs, Some(&signature)).is_ok())
            },
        )?,
    )?;
    lua.globals().set("twilio", twilio)
}
