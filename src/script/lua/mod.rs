//! The Lua host (mlua, Lua 5.4). Each loaded version of a file gets its own sandboxed state and
//! a worker task that owns it; [`LuaScript`] is the handle the rest of the runtime holds.

mod api;
mod call;
mod convert;
mod registry;
mod sandbox;
mod worker;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use self::registry::{LuaEnv, Registry};
use self::worker::{Command, Worker};
use super::{FlowTurn, HostContext, LoadedScript, ScriptError, ScriptHost};
use crate::events::{Event, EventKind};
use crate::server::{FlowError, FlowRequest};

/// What a loaded file registered.
#[derive(Debug, Clone, Default)]
pub(crate) struct Registered {
    pub flows: Vec<String>,
    pub events: BTreeSet<EventKind>,
}

#[derive(Debug, Clone)]
pub struct LuaHost {
    ctx: HostContext,
}

impl LuaHost {
    pub fn new(ctx: HostContext) -> Self {
        Self { ctx }
    }
}

fn chunk_name(file: &Path) -> String {
    // `@` marks a file name: messages read `scripts/x.lua:12: …`.
    format!("@{}", file.display())
}

impl ScriptHost for LuaHost {
    fn extensions(&self) -> &'static [&'static str] {
        &["lua"]
    }

    fn check(&self, file: &Path, source: &str) -> Result<(), ScriptError> {
        let lua = mlua::Lua::new();
        lua.load(source)
            .set_name(chunk_name(file))
            .into_function()
            .map(|_| ())
            .map_err(|e| ScriptError::new(file, e.to_string()))
    }

    fn load(
        &self,
        file: &Path,
        source: String,
        generation: u64,
    ) -> BoxFuture<'static, Result<Arc<dyn LoadedScript>, ScriptError>> {
        let ctx = self.ctx.clone();
        let file = file.to_owned();
        Box::pin(async move {
            let failed = |e: mlua::Error| ScriptError::new(&file, e.to_string());
            let budget = sandbox::Budget::new(ctx.limits.max_instructions);
            let lua = sandbox::new_state(&ctx.limits, budget.clone()).map_err(failed)?;
            lua.set_app_data(LuaEnv {
                ctx: ctx.clone(),
                file: file.clone(),
                generation,
            });
            lua.set_app_data(Registry {
                loading: true,
                ..Registry::default()
            });
            api::register_all(&lua).map_err(failed)?;
            let chunk = lua
                .load(&source)
                .set_name(chunk_name(&file))
                .into_function()
                .map_err(failed)?;
            let (sender, commands) = mpsc::channel(worker::QUEUE);
            let worker = Worker::new(
                lua.clone(),
                ctx,
                file.clone(),
                generation,
                budget,
                commands,
                sender.downgrade(),
            );
            tokio::spawn(worker.run());
            let (done, loaded) = oneshot::channel();
            let gone = || ScriptError::new(&file, "the script's worker stopped while loading");
            sender
                .send(Command::Load(chunk, done))
                .await
                .map_err(|_| gone())?;
            loaded.await.map_err(|_| gone())??;
            let registered = {
                let mut registry = registry::registry(&lua).map_err(failed)?;
                registry.loading = false;
                Registered {
                    flows: registry.flows.keys().cloned().collect(),
                    events: registry.handlers.iter().map(|(k, _)| *k).collect(),
                }
            };
            let script: Arc<dyn LoadedScript> = Arc::new(LuaScript {
                file,
                generation,
                registered,
                sender,
            });
            Ok(script)
        })
    }
}

/// One loaded version of a Lua file.
#[derive(Debug)]
pub struct LuaScript {
    file: PathBuf,
    generation: u64,
    registered: Registered,
    sender: mpsc::Sender<Command>,
}

impl LuaScript {
    /// Control messages must not be lost to a full queue, nor block the caller.
    fn post(&self, command: Command) {
        match self.sender.try_send(command) {
            Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => {}
            Err(mpsc::error::TrySendError::Full(command)) => {
                let sender = self.sender.clone();
                tokio::spawn(async move {
                    let _ = sender.send(command).await;
                });
            }
        }
    }
}

impl LoadedScript for LuaScript {
    fn file(&self) -> &Path {
        &self.file
    }

    fn generation(&self) -> u64 {
        self.generation
    }

    fn flows(&self) -> Vec<String> {
        self.registered.flows.clone()
    }

    fn handles(&self, kind: EventKind) -> bool {
        self.registered.events.contains(&kind)
    }

    fn activate(&self) {
        self.post(Command::Activate);
    }

    fn dispatch(&self, event: Arc<Event>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let _ = self.sender.send(Command::Event(event)).await;
        })
    }

    fn flow_turn(&self, request: FlowRequest) -> BoxFuture<'static, Result<FlowTurn, FlowError>> {
        Box::pin(crate::script::session::request_turn(
            self.sender.clone(),
            request,
            Command::Turn,
        ))
    }

    fn end_call(&self, sid: &str) {
        self.post(Command::EndCall(sid.to_owned()));
    }

    fn retire(&self) {
        self.post(Command::Retire);
    }
}
