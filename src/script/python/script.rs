//! One loaded version of Python code: what it registered ([`Registry`]) and the thread that runs
//! it. Sync handlers and flows run on that thread, off tokio's workers, one after another, so
//! each handler sees a call's events in order; a handler or flow that is `async def` is handed to
//! the shared asyncio loop thread and reports back when it finishes.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::call::PyCall;
use super::convert::to_python;
use super::service::TwilioService;
use super::{delivery, logs, runner};
use crate::events::{Event, EventKind};
use crate::schedule::{Missed, Timing};
use crate::script::session::{self, Finished, Reply, SharedSession};
use crate::script::timers::{Runs, tick};
use crate::script::{FlowTurn, HostContext, LoadedScript, ScriptError};
use crate::server::{FlowError, FlowRequest};

/// Commands waiting for the thread; senders wait when it is this far behind.
const QUEUE: usize = 1024;

#[derive(Debug)]
pub(crate) struct ScheduleEntry {
    pub id: u64,
    pub name: String,
    pub timing: Timing,
    pub func: Py<PyAny>,
    pub missed: Missed,
}

/// What Python code registered through its `TwilioService`.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    /// True while a script file's top level runs (or always, for ordinary Python).
    pub open: bool,
    /// In registration order: each event goes to its handlers in that order.
    pub handlers: Vec<(EventKind, Py<PyAny>)>,
    pub flows: BTreeMap<String, Py<PyAny>>,
    /// Registered but not yet started (timers start once the version is current).
    pub new_schedules: Vec<ScheduleEntry>,
    pub next_schedule: u64,
    /// Schedules per name: a second one of the same name gets " (2)".
    pub schedule_names: HashMap<String, u32>,
}

pub(crate) type SharedRegistry = Arc<Mutex<Registry>>;

pub(crate) fn lock(registry: &SharedRegistry) -> MutexGuard<'_, Registry> {
    registry.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug)]
pub(crate) enum Command {
    /// Runs the file's top level with `globals`; answers when it has finished.
    Load {
        source: String,
        done: oneshot::Sender<Result<(), ScriptError>>,
    },
    Activate,
    Retire,
    Event(Arc<Event>),
    Turn(FlowRequest, Reply),
    EndCall(String),
    Fire {
        id: u64,
        at: DateTime<Utc>,
    },
    /// An `async def` handler or flow finished on the loop thread.
    Finished(Job, Option<String>),
}

/// What a handler, flow or schedule run was doing.
#[derive(Debug, Clone)]
pub(crate) enum Job {
    Handler(EventKind),
    Flow(String),
    Schedule(String),
}

/// The thread's state.
struct Worker {
    ctx: HostContext,
    file: PathBuf,
    generation: u64,
    registry: SharedRegistry,
    sender: mpsc::WeakSender<Command>,
    runtime: tokio::runtime::Handle,
    sessions: HashMap<String, SharedSession>,
    timers: HashMap<u64, (String, Py<PyAny>, JoinHandle<()>)>,
    active: bool,
    retired: bool,
}

/// Starts the thread of one version; returns where to send it commands.
pub(crate) fn start(
    ctx: HostContext,
    file: PathBuf,
    generation: u64,
    registry: SharedRegistry,
) -> std::io::Result<mpsc::Sender<Command>> {
    let (sender, mut commands) = mpsc::channel(QUEUE);
    let mut worker = Worker {
        ctx,
        file,
        generation,
        registry,
        sender: sender.downgrade(),
        runtime: tokio::runtime::Handle::current(),
        sessions: HashMap::new(),
        timers: HashMap::new(),
        active: false,
        retired: false,
    };
    let name = format!("python-{generation}");
    std::thread::Builder::new().name(name).spawn(move || {
        while let Some(command) = commands.blocking_recv() {
            delivery::attach(|py| worker.handle(py, command));
        }
        delivery::attach(|py| worker.close(py));
    })?;
    Ok(sender)
}

impl Worker {
    fn handle(&mut self, py: Python<'_>, command: Command) {
        match command {
            Command::Load { source, done } => {
                let _ = done.send(self.load(py, &source));
            }
            Command::Activate => {
                self.active = !self.retired;
                self.start_timers();
            }
            Command::Retire => {
                self.retired = true;
                self.active = false;
                self.stop_timers();
            }
            Command::Event(event) => self.event(py, &event),
            Command::Turn(request, reply) => self.turn(py, request, reply),
            Command::EndCall(sid) => {
                if let Some(session) = self.sessions.get(&sid) {
                    session::lock(session).end();
                }
            }
            Command::Fire { id, at } => self.fire(py, id, at),
            Command::Finished(job, error) => self.finished(job, error),
        }
    }

    fn load(&mut self, py: Python<'_>, source: &str) -> Result<(), ScriptError> {
        let service = TwilioService::for_script(
            self.ctx.clone(),
            self.registry.clone(),
            self.file.clone(),
            self.runtime.clone(),
        );
        lock(&self.registry).open = true;
        let outcome = super::script_globals(py, service, &self.file)
            .and_then(|globals| runner::exec_file(py, &self.file, source, &globals));
        lock(&self.registry).open = false;
        outcome.map_err(|e| ScriptError::new(&self.file, runner::describe(py, &e, &self.file)))
    }

    /// Calls `func(argument)`, its log lines about the call `fields` names; a coroutine it
    /// returns goes to the loop thread.
    fn invoke<'py>(
        &mut self,
        py: Python<'py>,
        func: &Py<PyAny>,
        argument: Bound<'py, PyAny>,
        fields: Option<Bound<'py, PyDict>>,
        job: Job,
    ) {
        let result = match logs::call_with(py, fields, func, argument) {
            Ok(result) => result,
            Err(e) => {
                let message = runner::describe(py, &e, &self.file);
                self.finished(job, Some(message));
                return;
            }
        };
        if !runner::is_awaitable(result.bind(py)) {
            self.finished(job, None);
            return;
        }
        let future = match runner::on_loop(py, result.into_bound(py)) {
            Ok(future) => future,
            Err(e) => {
                let message = runner::describe(py, &e, &self.file);
                self.finished(job, Some(message));
                return;
            }
        };
        let Some(sender) = self.sender.upgrade() else {
            return;
        };
        let file = self.file.clone();
        self.runtime.spawn(async move {
            let error = match future.await {
                Ok(_) => None,
                Err(e) => Some(delivery::attach(|py| runner::describe(py, &e, &file))),
            };
            let _ = sender.send(Command::Finished(job, error)).await;
        });
    }

    fn event(&mut self, py: Python<'_>, event: &Arc<Event>) {
        let handlers: Vec<Py<PyAny>> = lock(&self.registry)
            .handlers
            .iter()
            .filter(|(kind, _)| *kind == event.kind)
            .map(|(_, f)| f.clone_ref(py))
            .collect();
        if handlers.is_empty() {
            return;
        }
        for handler in handlers {
            // Each handler gets its own copy: one cannot change what the next sees.
            let prepared = to_python(py, event.as_ref())
                .and_then(|argument| Ok((argument, logs::event_fields(py, event)?)));
            match prepared {
                Ok((argument, fields)) => {
                    self.invoke(py, &handler, argument, fields, Job::Handler(event.kind))
                }
                Err(e) => {
                    tracing::error!(error = %e, event = %event.kind, "cannot hand the event to Python");
                    return;
                }
            }
        }
    }

    fn turn(&mut self, py: Python<'_>, request: FlowRequest, reply: Reply) {
        if let Some(session) = self.sessions.get(&request.call_sid) {
            session::resume(session, request, reply);
            return;
        }
        let flow = lock(&self.registry)
            .flows
            .get(&request.flow)
            .map(|f| f.clone_ref(py));
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
        let fields = logs::flow_fields(py, &request).ok();
        let (facts, session) = session::start(request, profile, reply);
        let call = PyCall::new(facts, session.clone(), self.ctx.clone());
        let call = match Bound::new(py, call) {
            Ok(call) => call.into_any(),
            Err(e) => {
                session::finish(&session, Some(e.to_string()));
                return;
            }
        };
        self.sessions.insert(sid.clone(), session);
        self.invoke(py, &flow, call, fields, Job::Flow(sid));
    }

    fn fire(&mut self, py: Python<'_>, id: u64, at: DateTime<Utc>) {
        if !self.active {
            return;
        }
        let Some((name, func, _)) = self.timers.get(&id) else {
            return;
        };
        let (name, func) = (name.clone(), func.clone_ref(py));
        let mut data = serde_json::Map::new();
        data.insert("name".to_owned(), name.clone().into());
        data.insert("file".to_owned(), self.file.display().to_string().into());
        data.insert("generation".to_owned(), self.generation.into());
        data.insert("at".to_owned(), at.to_rfc3339().into());
        self.ctx
            .bus
            .publish(Event::other(EventKind::ScheduleFired, data.clone()));
        match to_python(py, &data) {
            Ok(argument) => self.invoke(py, &func, argument, None, Job::Schedule(name)),
            Err(e) => tracing::error!(error = %e, "cannot hand the schedule to Python"),
        }
    }

    /// Starts the timers of schedules registered since the last look.
    fn start_timers(&mut self) {
        if !self.active {
            return;
        }
        let new = std::mem::take(&mut lock(&self.registry).new_schedules);
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
            let task = self
                .runtime
                .spawn(tick(timing, runs, self.sender.clone(), move |at| {
                    Command::Fire { id, at }
                }));
            self.timers.insert(id, (name, func, task));
        }
    }

    fn stop_timers(&mut self) {
        for (_, (_, _, task)) in self.timers.drain() {
            task.abort();
        }
    }

    fn finished(&mut self, job: Job, error: Option<String>) {
        match job {
            Job::Flow(sid) => {
                let Some(session) = self.sessions.remove(&sid) else {
                    return;
                };
                let failed = error.is_some();
                match session::finish(&session, error) {
                    Finished::Done if failed => runner::count_error(),
                    Finished::Done => {}
                    Finished::CallEnded => {
                        tracing::debug!(call_sid = %sid, "flow stopped: the call ended");
                    }
                    Finished::Unanswered { flow, message } => {
                        self.report(&format!("flow {flow:?} (call {sid})"), &message, true);
                    }
                }
            }
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

    /// A script failed; the runtime goes on. Logged with its traceback, counted, published.
    fn report(&self, what: &str, message: &str, publish: bool) {
        runner::count_error();
        tracing::error!(file = %self.file.display(), generation = self.generation, "{what} failed: {message}");
        if !publish {
            return;
        }
        crate::script::publish_failure(&self.ctx.bus, &self.file, self.generation, what, message);
    }

    /// Every sender is gone: nobody can answer a waiting flow any more.
    fn close(&mut self, _py: Python<'_>) {
        for (_, session) in self.sessions.drain() {
            session::lock(&session).end();
        }
        self.stop_timers();
        tracing::debug!(file = %self.file.display(), generation = self.generation, "script version finished");
    }
}

/// One loaded version of Python code: a `.py` file, or the registrations of ordinary Python.
#[derive(Debug)]
pub struct PyScript {
    file: PathBuf,
    generation: u64,
    registry: SharedRegistry,
    sender: mpsc::Sender<Command>,
}

impl PyScript {
    pub(crate) fn new(
        file: PathBuf,
        generation: u64,
        registry: SharedRegistry,
        sender: mpsc::Sender<Command>,
    ) -> Self {
        Self {
            file,
            generation,
            registry,
            sender,
        }
    }

    /// Control messages must not be lost to a full queue, nor block the caller.
    pub(crate) fn post(&self, command: Command) {
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

impl LoadedScript for PyScript {
    fn file(&self) -> &Path {
        &self.file
    }

    fn generation(&self) -> u64 {
        self.generation
    }

    fn flows(&self) -> Vec<String> {
        lock(&self.registry).flows.keys().cloned().collect()
    }

    fn handles(&self, kind: EventKind) -> bool {
        lock(&self.registry)
            .handlers
            .iter()
            .any(|(k, _)| *k == kind)
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
        Box::pin(session::request_turn(
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
