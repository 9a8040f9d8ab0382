//! A fresh Lua state with the limits of [`ScriptLimits`]: a memory ceiling, an instruction
//! budget between yields (so an infinite loop is stopped, even one inside `pcall`), and no way
//! to run programs unless the configuration allows it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use mlua::{HookTriggers, Lua, LuaOptions, StdLib, VmState};

use crate::script::ScriptLimits;

/// The hook runs every this many instructions; the budget is spent in these steps.
const HOOK_EVERY: u32 = 1000;

/// Instructions left before the running code is stopped; refilled each time the host resumes
/// a script, so only code that never yields can exhaust it.
#[derive(Debug)]
pub(crate) struct Budget {
    left: AtomicI64,
    limit: i64,
}

impl Budget {
    pub(crate) fn new(limit: u64) -> Arc<Self> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Arc::new(Self {
            left: AtomicI64::new(limit),
            limit,
        })
    }

    pub(crate) fn refill(&self) {
        self.left.store(self.limit, Ordering::Relaxed);
    }

    fn exhausted(&self) -> bool {
        self.left.load(Ordering::Relaxed) <= 0
    }

    fn spend(&self) -> mlua::Result<VmState> {
        // Once exhausted it stays exhausted, so `pcall` in a loop cannot escape.
        if self
            .left
            .fetch_sub(i64::from(HOOK_EVERY), Ordering::Relaxed)
            <= 0
        {
            return Err(mlua::Error::runtime(format!(
                "stopped after {} instructions without yielding (an endless loop?); raise runtime.sandbox.max_instructions if this is real work",
                self.limit
            )));
        }
        Ok(VmState::Continue)
    }
}

/// Functions removed unless `allow_os` is set: they run programs or touch the file system
/// beyond reading.
const OS_FUNCTIONS: &[(&str, &str)] = &[
    ("os", "execute"),
    ("os", "remove"),
    ("os", "rename"),
    ("os", "tmpname"),
    ("io", "popen"),
    ("io", "tmpfile"),
];

pub(crate) fn new_state(limits: &ScriptLimits, budget: Arc<Budget>) -> mlua::Result<Lua> {
    // The safe constructor also refuses native modules (`package.loadlib`, C searchers).
    let lua = Lua::new_with(StdLib::ALL_SAFE, LuaOptions::default())?;
    lua.set_memory_limit(limits.max_memory_bytes)?;
    let spender = budget.clone();
    lua.set_global_hook(
        HookTriggers::new().every_nth_instruction(HOOK_EVERY),
        move |_, _| spender.spend(),
    )?;
    // Whatever catches errors re-raises the budget's, so a loop around `pcall` cannot outlive it.
    let exhausted = lua.create_function(move |_, ()| Ok(budget.exhausted()))?;
    lua.load(
        r#"
        local exhausted, raw_pcall, raw_xpcall, raw_resume = ...
        local function check(ok, ...)
          if not ok and exhausted() then error((...), 0) end
          return ok, ...
        end
        pcall = function(...) return check(raw_pcall(...)) end
        xpcall = function(...) return check(raw_xpcall(...)) end
        coroutine.resume = function(...) return check(raw_resume(...)) end
        "#,
    )
    .set_name("=sandbox")
    .call::<()>((
        exhausted,
        lua.globals().get::<mlua::Function>("pcall")?,
        lua.globals().get::<mlua::Function>("xpcall")?,
        lua.globals()
            .get::<mlua::Table>("coroutine")?
            .get::<mlua::Function>("resume")?,
    ))?;
    let globals = lua.globals();
    if !limits.allow_os {
        for (library, name) in OS_FUNCTIONS {
            let table: mlua::Table = globals.get(*library)?;
            let qualified = format!("{library}.{name}");
            table.set(
                *name,
                lua.create_function(move |_, _: mlua::MultiValue| -> mlua::Result<()> {
                    Err(mlua::Error::runtime(format!(
                        "{qualified} is disabled; set runtime.sandbox.allow_os: true to allow it"
                    )))
                })?,
            )?;
        }
    }
    // Never: it would end the whole runtime, not the script.
    let os: mlua::Table = globals.get("os")?;
    os.set(
        "exit",
        lua.create_function(|_, _: mlua::MultiValue| -> mlua::Result<()> {
            Err(mlua::Error::runtime(
                "os.exit would stop the whole runtime; return from the handler instead",
            ))
        })?,
    )?;
    Ok(lua)
}

/// Makes a Lua error readable: memory errors say which limit was hit.
pub(crate) fn describe(error: &mlua::Error, limits: &ScriptLimits) -> String {
    match error {
        mlua::Error::MemoryError(_) => format!(
            "the script used more than its memory limit of {} MiB (runtime.sandbox.max_memory_mb)",
            limits.max_memory_bytes / (1024 * 1024)
        ),
        mlua::Error::CallbackError { traceback, cause } => {
            format!("{}\n{traceback}", describe(cause, limits))
        }
        mlua::Error::WithContext { context, cause } => {
            format!("{context}: {}", describe(cause, limits))
        }
        mlua::Error::RuntimeError(message) => message.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(max_instructions: u64) -> (Lua, Arc<Budget>) {
        let limits = ScriptLimits {
            max_instructions,
            ..ScriptLimits::default()
        };
        let budget = Budget::new(max_instructions);
        (new_state(&limits, budget.clone()).unwrap(), budget)
    }

    #[test]
    fn an_endless_loop_runs_out_of_instructions_in_any_thread() {
        let (lua, budget) = state(1_000_000);
        budget.refill();
        let err = lua.load("while true do end").exec().unwrap_err();
        assert!(
            err.to_string().contains("instructions without yielding"),
            "{err}"
        );
        budget.refill();
        let func = lua.load("while true do end").into_function().unwrap();
        let thread = lua.create_thread(func).unwrap();
        let err = thread.resume::<()>(()).unwrap_err();
        assert!(
            err.to_string().contains("instructions without yielding"),
            "{err}"
        );
        budget.refill();
        let err = lua
            .load("while true do pcall(function() while true do end end) end")
            .exec()
            .unwrap_err();
        assert!(
            err.to_string().contains("instructions without yielding"),
            "{err}"
        );
    }
}
