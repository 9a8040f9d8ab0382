//! The Lua globals. Each namespace has one `register`, and this is the one list of them.

mod campaign;
mod log;
mod schedule;
mod twilio;
pub(crate) mod twiml;
mod voice;

use mlua::Lua;

pub(crate) fn register_all(lua: &Lua) -> mlua::Result<()> {
    twilio::register(lua)?;
    voice::register(lua)?;
    twiml::register(lua)?;
    schedule::register(lua)?;
    campaign::register(lua)?;
    log::register(lua)?;
    // `script.file` and `script.generation`: which version of which file is running.
    let env = super::registry::env(lua)?;
    let script = lua.create_table()?;
    script.set("file", env.file.display().to_string())?;
    script.set("generation", env.generation)?;
    lua.globals().set("script", script)
}
