//! One task per loaded version owns its Lua state. It takes events, flow turns and timer
//! firings from a queue and runs each as a coroutine it drives itself, many at once: a handler
//! waiting on Twilio does not hold up the others. Every resume refills the instruction budget.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::stream::{FuturesUnordered, StreamExt};
use mlua::{Function, Lua, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::call::LuaCall;
use super::convert::to_lua;
use super::registry::{ScheduleEntry, registry};
use super::sandbox::{Budget, describe};
use crate::events::{Event, EventKind};
use crate::script::session::{self, Finished, Reply, SharedSession};
use crate::script::timers::{Runs, tick};
use crate::script::{HostContext, ScriptError};
use crate::server::{FlowError, FlowRequest};

/// Commands waiting for the worker; senders wait when it is this far behind.
pub(crate) const QUEUE: usize = 1024;

#[derive(Debug)]
pub(crate) enum Command {
    /// Runs the file's top level; answers when it has finished.
    Load(Function, oneshot::Sender<Result<(), ScriptError>>),
    Activate,
    Retire,
    Event(Arc<Event>),
    Turn(FlowRequest, Reply),
    EndCall(String),
    Fire {
        id: u64,
        at: DateTime<Utc>,
    },
}

/// What a finished coroutine was doing.
enum Job {
    Load(oneshot::Sender<Result<(), ScriptError>>),
    Handler(EventKind),
    Flow(String),
    Schedule(String),
}

type Running = Pin<Box<dyn Future<Output = (Job, usize, mlua::Result<()>)> + Send>>;

struct Timer {
    name: String,
    func: Function,
    task: JoinHandle<()>,
}

pub(crate) struct Worker {
    lua: Lua,
    ctx: HostContext,
    file: PathBuf,
    generation: u64,
    budget: Arc<Budget>,
    commands: mpsc::Receiver<Command>,
    /// To give timers.
    sender: mpsc::WeakSender<Command>,
    running: FuturesUnordered<Running>,
    sessions: HashMap<String, SharedSession>,
    timers: HashMap<u64, Timer>,
    active: bool,
    retired: bool,
}

impl Worker {
    pub(crate) fn new(
        lua: Lua,
        ctx: HostContext,
        file: PathBuf,
        generation: u64,
        budget: Arc<Budget>,
        commands: mpsc::Receiver<Command>,
        sender: mpsc::WeakSender<Command>,
    ) -> Self {
        Self {
            lua,
            ctx,
            file,
            generation,
            budget,
            commands,
            sender,
            running: FuturesUnordered::new(),
            sessions: HashMap::new(),
            timers: HashMap::new(),
            active: false,
            retired: false,
        }
    }

    /// Runs until every sender is gone and every coroutine has finished.
    pub(crate) async fn run(mut self) {
        loop {
            self.start_timers();
            tokio::select! {
                Some((job, thread, outcome)) = self.running.next(), if !self.running.is_empty() => {
                    self.finished(job, thread, outcome);
                }
                command = self.commands.recv() => match command {
                    Some(command) => self.handle(command),
                    None => break,
                },
            }
        }
        // Nobody can answer a waiting flow any more.
        for (_, session) in self.sessions.drain() {
            session::lock(&session).end();
        }
        self.stop_timers();
        while let Some((job, thread, outcome)) = self.running.next().await {
            self.finished(job, thread, outcome);
        }
        tracing::debug!(file = %self.file.display(), generation = self.generation, "script version finished");
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Load(chunk, done) => {
                self.spawn(Job::Load(done), chunk, Value::Nil, tracing::Span::none())
            }
            Command::Activate => self.active = !self.retired,
            Command::Retire => {
                self.retired = true;
                self.active = false;
                self.stop_timers();
            }
            Command::Event(event) => self.event(&event),
            Command::Turn(request, reply) => self.turn(request, reply),
            Command::EndCall(sid) => {
                if let Some(session) = self.sessions.get(&sid) {
                    // Wakes a waiting verb with an error, which ends the coroutine.
                    session::lock(session).end();
                }
            }
            Command::Fire { id, at } => self.fire(id, at),
        }
    }

    /// Starts `func` as a coroutine the host drives, with the instruction budget refilled at
    /// every resume, inside `span` (so its log lines name the call it is about).
    fn spawn(&mut self, job: Job, func: Function, argument: Value, span: tracing::Span) {
        let thread = match self.lua.create_thread(func) {
            Ok(thread) => thread,
            Err(e) => {
                self.finished(job, 0, Err(e));
                return;
            }
        };
        let key = thread.to_pointer() as usize;
        let registered = registry(&self.lua).map(|mut registry| {
            registry.driven.insert(key);
        });
        if let Err(e) = registered {
            self.finished(job, key, Err(e));
            return;
        }
        let mut future = match thread.into_async::<()>(argument) {
            Ok(future) => future,
            Err(e) => {
                self.finished(job, key, Err(e));
                return;
            }
        };
        let budget = self.budget.clone();
        let mut job = Some(job);
        self.running
            .push(Box::pin(futures_util::future::poll_fn(move |cx| {
                let _entered = span.enter();
                budget.refill();
                match Pin::new(&mut future).poll(cx) {
                    std::task::Poll::Ready(outcome) => match job.take() {
                        Some(job) => std::task::Poll::Ready((job, key, outcome)),
                        None => std::task::Poll::Pending,
                    },
                    std::task::Poll::Pending => std::task::Poll::Pending,
                }
            })));
    }

    fn event(&mut self, event: &Arc<Event>) {
        let handlers: Vec<Function> = match registry(&self.lua) {
            Ok(registry) => registry
                .handlers
                .iter()
                .filter(|(kind, _)| *kind == event.kind)
                .map(|(_, f)| f.clone())
                .collect(),
            Err(e) => {
                tracing::error!(error = %e, "script registry");
                return;
            }
        };
        if handlers.is_empty() {
            return;
        }
        let argument = match to_lua(&self.lua, event.as_ref()) {
            Ok(value) => value,
            Err(e) => {
                tracing::error!(error = %e, event = %event.kind, "cannot hand the event to Lua");
                return;
            }
        };
        for handler in handlers {
            let span = crate::script::handler_span(event);
            self.spawn(Job::Handler(event.kind), handler, argument.clone(), span);
        }
    }

    fn turn(&mut self, request: FlowRequest, reply: Reply) {
        if let Some(session) = self.sessions.get(&request.call_sid) {
            session::resume(session, request, reply);
            return;
        }
        let flow = registry(&self.lua)
            .ok()
            .and_then(|registry| registry.flows.get(&request.flow).cloned());
        let Some(flow) = flow else {
            let _ = reply.send(Err(FlowError::UnknownFlow(request.flow)));
            return;
        };
        let profile = match session::profile_for(&self.ctx.voices, &request) {
            Ok(profile) => profile,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        let sid = request.call_sid.clone();
        let span = crate::script::flow_span(&request);
        let (call, session) = LuaCall::start(request, profile, reply);
        let argument = match self.lua.create_userdata(call) {
            Ok(userdata) => Value::UserData(userdata),
            Err(e) => {
                let message = e.to_string();
                session::finish(&session, Some(message));
                return;
            }
        };
        self.sessions.insert(sid.clone(), session);
        self.spawn(Job::Flow(sid), flow, argument, span);
    }

    fn fire(&mut self, id: u64, at: DateTime<Utc>) {
        if !self.active {
            return;
        }
        let Some(timer) = self.timers.get(&id) else {
            return;
        };
        let (name, func) = (timer.name.clone(), timer.func.clone());
        let mut data = serde_json::Map::new();
        data.insert("name".to_owned(), name.clone().into());
        data.insert("file".to_owned(), self.file.display().to_string().into());
        data.insert("generation".to_owned(), self.generation.into());
        data.insert("at".to_owned(), at.to_rfc3339().into());
        self.ctx
            .bus
            .publish(Event::other(EventKind::ScheduleFired, data));
        let argument = match self.lua.create_table() {
            Ok(t) => {
                let _ = t.set("name", name.clone());
                let _ = t.set("at", at.to_rfc3339());
                Value::Table(t)
            }
            Err(_) => Value::Nil,
        };
        let span = tracing::info_span!("schedule", schedule = %name);
        self.spawn(Job::Schedule(name), func, argument, span);
    }

    /// Starts the timers of schedules registered since the last look, and stops cancelled ones.
    fn start_timers(&mut self) {
        let (new, cancelled) = match registry(&self.lua) {
            Ok(mut registry) => {
                if !self.active && !self.retired && registry.cancelled.is_empty() {
                    return;
                }
                let new = if self.active {
                    std::mem::take(&mut registry.new_schedules)
                } else {
                    Vec::new()
                };
                (new, std::mem::take(&mut registry.cancelled))
            }
            Err(_) => return,
        };
        for id in cancelled {
            if let Some(timer) = self.timers.remove(&id) {
                timer.task.abort();
            }
        }
        let store = self.ctx.campaigns.as_ref().map(|c| c.store().clone());
        for entry in new {
            let ScheduleEntry {
                id,
                name,
                timing,
                func,
                missed,
            } = entry;
            let runs = store.clone().map(|store| Runs {
                store,
                key: format!("{}#{name}", self.file.display()),
                missed,
            });
            let task = tokio::spawn(tick(timing, runs, self.sender.clone(), move |at| {
                Command::Fire { id, at }
            }));
            self.timers.insert(id, Timer { name, func, task });
        }
    }

    fn stop_timers(&mut self) {
        for (_, timer) in self.timers.drain() {
            timer.task.abort();
        }
    }

    fn finished(&mut self, job: Job, thread: usize, outcome: mlua::Result<()>) {
        if let Ok(mut registry) = registry(&self.lua) {
            registry.driven.remove(&thread);
        }
        let error = outcome.err().map(|e| describe(&e, &self.ctx.limits));
        match job {
            Job::Load(done) => {
                let _ = done.send(match error {
                    Some(message) => Err(ScriptError::new(&self.file, message)),
                    None => Ok(()),
                });
            }
            Job::Flow(sid) => self.flow_finished(&sid, error),
            Job::Handler(kind) => {
                if let Some(message) = error {
                    // A failing script.error handler must not feed itself.
                    self.report(
                        &format!("handler for {kind}"),
                        &message,
                        kind != EventKind::ScriptError,
                    );
                }
            }
            Job::Schedule(name) => {
                if let Some(message) = error {
                    self.report(&format!("schedule {name:?}"), &message, true);
                }
            }
        }
    }

    fn flow_finished(&mut self, sid: &str, error: Option<String>) {
        let Some(session) = self.sessions.remove(sid) else {
            return;
        };
        let failed = error.is_some();
        match session::finish(&session, error) {
            Finished::Done if failed => {
                metrics::counter!("projectx_script_errors_total", "language" => "lua").increment(1);
            }
            Finished::Done => {}
            Finished::CallEnded => {
                tracing::debug!(call_sid = %sid, "flow stopped: the call ended");
            }
            Finished::Unanswered { flow, message } => {
                self.report(&format!("flow {flow:?} (call {sid})"), &message, true);
            }
        }
    }

    /// A script failed; the runtime goes on. Logged with its traceback, counted, published.
    fn report(&self, what: &str, message: &str, publish: bool) {
        metrics::counter!("projectx_script_errors_total", "language" => "lua").increment(1);
        tracing::error!(file = %self.file.display(), generation = self.generation, "{what} failed: {message}");
        if !publish {
            return;
        }
        crate::script::publish_failure(&self.ctx.bus, &self.file, self.generation, what, message);
    }
}
