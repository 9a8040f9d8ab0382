//! `log.trace/debug/info/warn/error(...)` and `print`: into tracing, tagged with the script's
//! file and line, arguments joined like `print` joins them.

use mlua::{Function, Lua, MultiValue, Table};

use crate::script::lua::registry::env;

fn line_of(lua: &Lua, values: MultiValue) -> mlua::Result<(String, String, Option<usize>)> {
    let tostring: Function = lua.globals().get("tostring")?;
    let mut parts = Vec::with_capacity(values.len());
    for value in values {
        parts.push(tostring.call::<String>(value)?);
    }
    let line = lua.inspect_stack(1, |debug| debug.current_line()).flatten();
    let file = env(lua)?.file.display().to_string();
    Ok((parts.join(" "), file, line))
}

macro_rules! level {
    ($lua:expr, $table:expr, $name:literal, $macro:ident) => {
        $table.set(
            $name,
            $lua.create_function(|lua, values: MultiValue| {
                let (message, file, line) = line_of(lua, values)?;
                tracing::$macro!(target: "projectx::lua", file = %file, line = line.unwrap_or_default(), "{message}");
                Ok(())
            })?,
        )?;
    };
}

pub(super) fn register(lua: &Lua) -> mlua::Result<()> {
    let log: Table = lua.create_table()?;
    level!(lua, log, "trace", trace);
    level!(lua, log, "debug", debug);
    level!(lua, log, "info", info);
    level!(lua, log, "warn", warn);
    level!(lua, log, "error", error);
    // `print` goes to the log too: a daemon's stdout is not where operators look.
    lua.globals().set("print", log.get::<Function>("info")?)?;
    lua.globals().set("log", log)
}
