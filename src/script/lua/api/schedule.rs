//! `schedule.cron/every/at/cancel`. Timers start once the script's version is current and go
//! quiet when a newer version replaces it.

use chrono::Utc;
use mlua::{Function, Lua, Table};
use serde::Deserialize;

use crate::schedule::{Missed, Timing};
use crate::script::lua::convert::arg;
use crate::script::lua::registry::{ScheduleEntry, registry};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    tz: Option<String>,
    name: Option<String>,
    /// After downtime: `skip` the runs missed (default) or `run_once` to catch up once.
    missed: Option<String>,
}

fn options(value: Option<Table>, function: &str) -> mlua::Result<Options> {
    match value {
        Some(table) => arg(mlua::Value::Table(table), function, "options"),
        None => Ok(Options::default()),
    }
}

fn missed(opts: &Options, function: &str) -> mlua::Result<Missed> {
    match opts.missed.as_deref() {
        None | Some("skip") => Ok(Missed::Skip),
        Some("run_once") => Ok(Missed::RunOnce),
        Some(other) => Err(bad(
            function,
            "options.missed",
            format!("{other:?} is not \"skip\" or \"run_once\""),
        )),
    }
}

fn add(
    lua: &Lua,
    timing: Timing,
    func: Function,
    name: String,
    missed: Missed,
) -> mlua::Result<u64> {
    let mut registry = registry(lua)?;
    let seen = registry.schedule_names.entry(name.clone()).or_insert(0);
    *seen += 1;
    let name = match *seen {
        1 => name,
        n => format!("{name} ({n})"),
    };
    registry.next_schedule += 1;
    let id = registry.next_schedule;
    registry.new_schedules.push(ScheduleEntry {
        id,
        name,
        timing,
        func,
        missed,
    });
    Ok(id)
}

fn bad(function: &str, argument: &str, error: impl std::fmt::Display) -> mlua::Error {
    mlua::Error::runtime(format!("{function}: bad argument '{argument}': {error}"))
}

pub(super) fn register(lua: &Lua) -> mlua::Result<()> {
    let schedule = lua.create_table()?;
    schedule.set(
        "cron",
        lua.create_function(
            |lua, (expr, func, opts): (String, Function, Option<Table>)| {
                let opts = options(opts, "schedule.cron")?;
                let timing = Timing::cron(&expr, opts.tz.as_deref()).map_err(|e| {
                    let argument = if matches!(e, crate::schedule::ScheduleError::Timezone(_)) {
                        "options.tz"
                    } else {
                        "expr"
                    };
                    bad("schedule.cron", argument, e)
                })?;
                let missed = missed(&opts, "schedule.cron")?;
                add(lua, timing, func, opts.name.unwrap_or(expr), missed)
            },
        )?,
    )?;
    schedule.set(
        "every",
        lua.create_function(
            |lua, (interval, func, opts): (mlua::Value, Function, Option<Table>)| {
                let opts = options(opts, "schedule.every")?;
                let text = match &interval {
                    mlua::Value::String(s) => s.to_str()?.to_owned(),
                    mlua::Value::Integer(i) => i.to_string(),
                    mlua::Value::Number(n) => n.to_string(),
                    other => {
                        return Err(bad(
                            "schedule.every",
                            "interval",
                            format!("expected \"10m\" or seconds, got {}", other.type_name()),
                        ));
                    }
                };
                let timing =
                    Timing::every(&text).map_err(|e| bad("schedule.every", "interval", e))?;
                let missed = missed(&opts, "schedule.every")?;
                add(
                    lua,
                    timing,
                    func,
                    opts.name.unwrap_or_else(|| format!("every {text}")),
                    missed,
                )
            },
        )?,
    )?;
    schedule.set(
        "at",
        lua.create_function(
            |lua, (when, func, opts): (String, Function, Option<Table>)| {
                let opts = options(opts, "schedule.at")?;
                let timing = Timing::at(&when, opts.tz.as_deref(), Utc::now())
                    .map_err(|e| bad("schedule.at", "time", e))?;
                let missed = missed(&opts, "schedule.at")?;
                add(
                    lua,
                    timing,
                    func,
                    opts.name.unwrap_or_else(|| format!("at {when}")),
                    missed,
                )
            },
        )?,
    )?;
    schedule.set(
        "cancel",
        lua.create_function(|lua, id: u64| {
            let mut registry = registry(lua)?;
            let pending = registry.new_schedules.len();
            registry.new_schedules.retain(|s| s.id != id);
            let removed = registry.new_schedules.len() != pending;
            registry.cancelled.push(id);
            Ok(removed || id <= registry.next_schedule)
        })?,
    )?;
    lua.globals().set("schedule", schedule)
}
