//! User scripts: the [`ScriptHost`] trait the Lua and Python hosts implement, and [`Scripts`],
//! which loads every script, swaps in new versions when files change, hands each event to the
//! current version exactly once and routes each call's flow to the version it started on.

mod account;
pub mod lua;
pub mod python;
mod scripts;
pub mod session;
mod timers;
mod watch;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::future::BoxFuture;

pub use scripts::Scripts;
pub use watch::{DEBOUNCE, ScriptWatcher};

use crate::calls::Dialer;
use crate::events::{Event, EventBus, EventKind};
use crate::server::{FlowError, FlowRequest, RequestValidator};
use crate::twiml::VoiceResponse;
use crate::voice::VoiceBook;

/// A script that could not be loaded or that failed while running.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ScriptError {
    pub file: PathBuf,
    pub line: Option<u32>,
    pub message: String,
}

impl ScriptError {
    pub fn new(file: &Path, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            file: file.to_owned(),
            line: line_in(&message, file),
            message,
        }
    }
}

impl fmt::Display for ScriptError {
    /// `file:line: message`; the interpreter's own messages already start that way.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display().to_string();
        if self.message.starts_with(&file) {
            return f.write_str(&self.message);
        }
        match self.line {
            Some(line) => write!(f, "{file}:{line}: {}", self.message),
            None => write!(f, "{file}: {}", self.message),
        }
    }
}

/// The line of `file` that an interpreter's message points at (`path:12: …`).
fn line_in(message: &str, file: &Path) -> Option<u32> {
    let name = file.to_string_lossy();
    let start = message.find(name.as_ref())? + name.len();
    let rest = message[start..].strip_prefix(':')?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// How far one script may go before it is stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptLimits {
    /// Instructions a script may run without yielding (an infinite loop is stopped here).
    pub max_instructions: u64,
    pub max_memory_bytes: usize,
    /// Lets scripts run programs and load native code (`os.execute`, `io.popen`, …).
    pub allow_os: bool,
}

impl Default for ScriptLimits {
    fn default() -> Self {
        Self {
            max_instructions: 50_000_000,
            max_memory_bytes: 256 * 1024 * 1024,
            allow_os: false,
        }
    }
}

/// What the runtime lends every script.
#[derive(Debug, Clone)]
pub struct HostContext {
    pub bus: EventBus,
    pub voices: VoiceBook,
    /// Places calls; absent where no Twilio is configured (checking scripts, some tests).
    pub dialer: Option<Dialer>,
    /// Checks signatures for `validate_request`.
    pub validator: Option<RequestValidator>,
    pub limits: ScriptLimits,
    /// Numbers that asked not to be called again (`call:opt_out()`).
    pub opt_outs: OptOuts,
    /// Campaigns scripts define and start; absent in dry runs without a store.
    pub campaigns: Option<crate::campaign::Campaigns>,
}

impl HostContext {
    pub fn new(bus: EventBus, voices: VoiceBook) -> Self {
        Self {
            bus,
            voices,
            dialer: None,
            validator: None,
            limits: ScriptLimits::default(),
            opt_outs: OptOuts::default(),
            campaigns: None,
        }
    }
}

/// Numbers callers asked to be taken off the list, shared with the compliance guard.
#[derive(Debug, Clone, Default)]
pub struct OptOuts(Arc<std::sync::Mutex<std::collections::BTreeSet<String>>>);

impl OptOuts {
    pub fn add(&self, number: &str) -> bool {
        self.lock().insert(number.to_owned())
    }

    pub fn contains(&self, number: &str) -> bool {
        self.lock().contains(number)
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.lock().iter().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeSet<String>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The caller asked not to be called again: remembered at once, and kept in the store so it
/// outlives this process. True when the number was not already on the list.
pub fn opt_out(ctx: &HostContext, number: &str, call_sid: &str) -> bool {
    let added = ctx.opt_outs.add(number);
    if let Some(campaigns) = &ctx.campaigns {
        let store = campaigns.store().clone();
        let number = number.to_owned();
        tokio::spawn(async move {
            if let Err(e) = store.add_dnc(&[number], "opt-out").await {
                tracing::error!(error = %e, "cannot record an opt-out in the store; it holds until restart");
            }
        });
    }
    tracing::info!(call_sid = %call_sid, number = %number, "caller opted out; not to be called again");
    added
}

/// The span a handler runs in: log lines it writes about a call carry the call's SID and
/// campaign.
pub fn handler_span(event: &crate::events::Event) -> tracing::Span {
    match &event.call {
        Some(call) => tracing::info_span!(
            "handler",
            event = event.kind.name(),
            call_sid = %call.sid,
            campaign = call.campaign.as_deref().unwrap_or(""),
        ),
        None => tracing::info_span!("handler", event = event.kind.name()),
    }
}

/// The span a call flow runs in.
pub fn flow_span(request: &crate::server::FlowRequest) -> tracing::Span {
    tracing::info_span!(
        "flow",
        flow = %request.flow,
        call_sid = %request.call_sid,
        campaign = request.param("campaign").unwrap_or(""),
    )
}

/// A script's handler, flow or schedule failed: published as `script.error` with its file,
/// line and message (hosts log and count it themselves).
pub fn publish_failure(bus: &EventBus, file: &Path, generation: u64, what: &str, message: &str) {
    let error = ScriptError::new(file, message);
    let mut data = serde_json::Map::new();
    data.insert("file".to_owned(), file.display().to_string().into());
    data.insert("line".to_owned(), error.line.into());
    data.insert("generation".to_owned(), generation.into());
    data.insert("source".to_owned(), what.into());
    data.insert("message".to_owned(), message.into());
    bus.publish(Event::other(EventKind::ScriptError, data));
}

/// One answer of a flow to one of Twilio's requests.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowTurn {
    pub response: VoiceResponse,
    /// The flow has nothing more to say to this call.
    pub finished: bool,
}

/// A language runtime that loads script files.
pub trait ScriptHost: Send + Sync + fmt::Debug {
    /// File extensions it loads, without the dot.
    fn extensions(&self) -> &'static [&'static str];

    /// Compiles without running: syntax errors, with their line.
    fn check(&self, file: &Path, source: &str) -> Result<(), ScriptError>;

    /// Runs the file in a fresh interpreter state as version `generation`. Nothing it
    /// registers is live until [`LoadedScript::activate`].
    fn load(
        &self,
        file: &Path,
        source: String,
        generation: u64,
    ) -> BoxFuture<'static, Result<Arc<dyn LoadedScript>, ScriptError>>;
}

/// One loaded version of one script file.
pub trait LoadedScript: Send + Sync + fmt::Debug {
    fn file(&self) -> &Path;
    fn generation(&self) -> u64;
    /// The flows it defines.
    fn flows(&self) -> Vec<String>;
    /// Whether it has a handler for `kind`.
    fn handles(&self, kind: EventKind) -> bool;
    /// Starts its schedules: called once it is the current version.
    fn activate(&self);
    /// Queues the event for its handlers; waits only while its queue is full.
    fn dispatch(&self, event: Arc<Event>) -> BoxFuture<'_, ()>;
    /// One step of a call's flow: starts the flow, or resumes it with the caller's input.
    fn flow_turn(&self, request: FlowRequest) -> BoxFuture<'static, Result<FlowTurn, FlowError>>;
    /// The call is over: its flow, if waiting for input, is stopped.
    fn end_call(&self, sid: &str);
    /// A newer version took over: timers go quiet; queued events and calls in progress finish.
    fn retire(&self);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_point_at_the_line_the_interpreter_names() {
        let file = Path::new("scripts/survey.lua");
        let err = ScriptError::new(file, "scripts/survey.lua:12: attempt to call a nil value");
        assert_eq!(err.line, Some(12));
        assert_eq!(
            err.to_string(),
            "scripts/survey.lua:12: attempt to call a nil value"
        );
        let err = ScriptError::new(file, "out of memory");
        assert_eq!(err.line, None);
        assert_eq!(err.to_string(), "scripts/survey.lua: out of memory");
    }
}
