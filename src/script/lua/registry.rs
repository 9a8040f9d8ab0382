//! What a script registers (handlers, flows, schedules) and what its API functions need from
//! the host, kept as the Lua state's app data.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use mlua::{Function, Lua};

use crate::events::EventKind;
use crate::schedule::Timing;
use crate::script::HostContext;

/// The host's side of one Lua state.
#[derive(Debug)]
pub(crate) struct LuaEnv {
    pub ctx: HostContext,
    pub file: PathBuf,
    pub generation: u64,
}

#[derive(Debug)]
pub(crate) struct ScheduleEntry {
    pub id: u64,
    pub name: String,
    pub timing: Timing,
    pub func: Function,
    pub missed: crate::schedule::Missed,
}

#[derive(Debug, Default)]
pub(crate) struct Registry {
    /// True while the file's top level runs: handlers and flows are registered only then.
    pub loading: bool,
    /// In registration order: each event goes to its handlers in that order.
    pub handlers: Vec<(EventKind, Function)>,
    pub flows: BTreeMap<String, Function>,
    /// Registered but not yet started (timers start once the version is current).
    pub new_schedules: Vec<ScheduleEntry>,
    pub cancelled: Vec<u64>,
    pub next_schedule: u64,
    /// Schedules registered per name: a second one of the same name gets " (2)", so each keeps
    /// its own record of runs.
    pub schedule_names: std::collections::HashMap<String, u32>,
    /// The coroutines the host drives; only these may wait on Twilio.
    pub driven: HashSet<usize>,
}

pub(crate) fn registry(lua: &Lua) -> mlua::Result<mlua::AppDataRefMut<'_, Registry>> {
    lua.try_app_data_mut::<Registry>()
        .map_err(|_| mlua::Error::runtime("the script registry is busy"))?
        .ok_or_else(|| mlua::Error::runtime("the script registry is missing"))
}

pub(crate) fn env(lua: &Lua) -> mlua::Result<mlua::AppDataRef<'_, LuaEnv>> {
    lua.app_data_ref::<LuaEnv>()
        .ok_or_else(|| mlua::Error::runtime("the script host is missing"))
}

/// Raises unless the running coroutine is one the host drives: waiting on Twilio from a
/// coroutine the script resumes itself would hand the host's wake-up to the script.
pub(crate) fn ensure_driven(lua: &Lua, what: &str) -> mlua::Result<()> {
    let current = lua.current_thread().to_pointer() as usize;
    if registry(lua)?.driven.contains(&current) {
        return Ok(());
    }
    Err(mlua::Error::runtime(format!(
        "{what} waits for Twilio, so it must run directly in a handler, flow or schedule, not inside coroutine.wrap or coroutine.resume"
    )))
}

/// Raises unless the file's top level is running.
pub(crate) fn ensure_loading(lua: &Lua, what: &str) -> mlua::Result<()> {
    if registry(lua)?.loading {
        return Ok(());
    }
    Err(mlua::Error::runtime(format!(
        "{what} registers at load time: call it at the top level of the script, not from a handler"
    )))
}
