//! Values across the Lua boundary: typed arguments through serde with errors that name the
//! argument, Twilio failures as `nil, err` tables, and events as plain tables.

use mlua::{IntoLua, Lua, LuaSerdeExt, Table, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::twilio::TwilioError;

/// Reads argument `argument` of `function` as `T`; misuse raises an error naming both.
pub(crate) fn arg<T: DeserializeOwned>(
    value: Value,
    function: &str,
    argument: &str,
) -> mlua::Result<T> {
    let options = mlua::serde::DeserializeOptions::new().deny_unsupported_types(true);
    let deserializer = mlua::serde::Deserializer::new_with_options(value, options);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let place = if path == "." || path.is_empty() {
            argument.to_owned()
        } else {
            format!("{argument}.{path}")
        };
        let reason = match e.inner() {
            mlua::Error::DeserializeError(reason) => reason.clone(),
            other => other.to_string(),
        };
        mlua::Error::runtime(format!("{function}: bad argument '{place}': {reason}"))
    })
}

/// Converts `value` for Lua: absent values become `nil`, not a null marker.
pub(crate) fn to_lua<T: Serialize + ?Sized>(lua: &Lua, value: &T) -> mlua::Result<Value> {
    let options = mlua::serde::SerializeOptions::new()
        .serialize_none_to_null(false)
        .serialize_unit_to_null(false)
        .set_array_metatable(false);
    lua.to_value_with(value, options)
}

/// A short name for the kind of failure, for scripts to branch on.
pub(crate) fn error_kind(error: &TwilioError) -> &'static str {
    if error.is_invalid_number() {
        "invalid_number"
    } else if error.is_auth() {
        "authentication"
    } else if error.is_rate_limited() {
        "rate_limited"
    } else if error.is_not_found() {
        "not_found"
    } else {
        match error {
            TwilioError::InvalidRequest { .. } => "invalid_request",
            TwilioError::Transport { .. } => "transport",
            TwilioError::Api(_) => "api",
            _ => "other",
        }
    }
}

/// The `err` of `nil, err`: `code`, `status`, `message`, `more_info`, `kind`; prints as its
/// message.
pub(crate) fn error_table(lua: &Lua, error: &TwilioError) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.set("code", error.code())?;
    table.set("status", error.status())?;
    table.set("message", error.to_string())?;
    table.set("more_info", error.api().and_then(|a| a.more_info.clone()))?;
    table.set("kind", error_kind(error))?;
    let meta = lua.create_table()?;
    meta.set(
        "__tostring",
        lua.create_function(|_, t: Table| t.get::<String>("message"))?,
    )?;
    table.set_metatable(Some(meta))?;
    Ok(table)
}

/// `value` on success; `nil, err` when Twilio (or the network) said no.
pub(crate) fn result<T: IntoLua>(
    lua: &Lua,
    outcome: Result<T, TwilioError>,
) -> mlua::Result<(Value, Value)> {
    match outcome {
        Ok(value) => Ok((value.into_lua(lua)?, Value::Nil)),
        Err(error) => Ok((Value::Nil, Value::Table(error_table(lua, &error)?))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Options {
        to: String,
        timeout: Option<u32>,
    }

    #[test]
    fn bad_arguments_are_named() {
        let lua = Lua::new();
        let table: Value = lua.load("{ to = 5 }").eval().unwrap();
        let err = arg::<Options>(table, "twilio.make_call", "options").unwrap_err();
        assert!(
            err.to_string()
                .contains("twilio.make_call: bad argument 'options.to': invalid type: integer `5`, expected a string"),
            "{err}"
        );
        let table: Value = lua.load("{ to = '+1', tiemout = 5 }").eval().unwrap();
        let err = arg::<Options>(table, "twilio.make_call", "options").unwrap_err();
        assert!(err.to_string().contains("unknown field `tiemout`"), "{err}");
        let err = arg::<Options>(Value::Boolean(true), "twilio.make_call", "options").unwrap_err();
        assert!(
            err.to_string()
                .contains("twilio.make_call: bad argument 'options'"),
            "{err}"
        );
    }

    #[test]
    fn twilio_errors_become_tables_that_print_as_their_message() {
        let lua = Lua::new();
        let error = TwilioError::Api(Box::new(crate::twilio::ApiError::from_response(
            400,
            r#"{"code":21211,"message":"Invalid 'To' Phone Number","status":400,"more_info":"https://www.twilio.com/docs/errors/21211"}"#.to_owned(),
            None,
        )));
        let (value, err) = result::<bool>(&lua, Err(error)).unwrap();
        assert!(value.is_nil());
        lua.globals().set("err", err).unwrap();
        lua.load(
            r#"
            assert(err.code == 21211, err.code)
            assert(err.status == 400)
            assert(err.kind == "invalid_number", err.kind)
            assert(tostring(err):find("Invalid 'To' Phone Number", 1, true))
            assert(err.more_info == "https://www.twilio.com/docs/errors/21211")
        "#,
        )
        .exec()
        .unwrap();
    }
}
