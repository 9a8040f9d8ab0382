//! Running Python code for the host: executing a file, telling a coroutine from a value,
//! handing coroutines to the one asyncio loop thread, and describing failures with their
//! traceback and the line of the script they came from.

use std::path::Path;
use std::sync::Mutex;

use pyo3::exceptions::PySyntaxError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};
use pyo3_async_runtimes::TaskLocals;

use super::errors::support;
use crate::events::{Event, EventBus, EventKind};

/// The loop thread and its task locals, made on first use.
static LOOP: PyOnceLock<(Py<PyAny>, TaskLocals)> = PyOnceLock::new();

/// Where a blocked loop is reported (each runtime's bus).
static BUSES: Mutex<Vec<EventBus>> = Mutex::new(Vec::new());

/// How long the loop may go without answering before it counts as blocked.
const BLOCKED_AFTER_SECONDS: f64 = 1.0;

/// Reports a blocked asyncio loop on `bus` too.
pub(super) fn watch_loop_for(bus: &EventBus) {
    let mut buses = BUSES.lock().unwrap_or_else(|p| p.into_inner());
    buses.push(bus.clone());
}

/// Called by the watchdog when the loop did not answer in time.
#[pyfunction]
fn loop_blocked(seconds: f64, stack: String) {
    count_error();
    let message = format!(
        "the asyncio loop was blocked for more than {seconds} s: an async handler or flow called something that blocks (time.sleep, a synchronous HTTP call, a busy loop); await instead, or run it with asyncio.to_thread. The loop was here:\n{stack}"
    );
    tracing::error!("{message}");
    let mut data = serde_json::Map::new();
    data.insert("source".to_owned(), "asyncio loop".into());
    data.insert("message".to_owned(), message.into());
    let buses = BUSES.lock().unwrap_or_else(|p| p.into_inner());
    for bus in buses.iter() {
        bus.publish(Event::other(EventKind::ScriptError, data.clone()));
    }
}

fn loop_thread(py: Python<'_>) -> PyResult<&(Py<PyAny>, TaskLocals)> {
    LOOP.get_or_try_init(py, || {
        let report = wrap_pyfunction!(loop_blocked, py)?;
        let thread = support(py)?
            .getattr("LoopThread")?
            .call1((report, BLOCKED_AFTER_SECONDS))?;
        let event_loop = thread.getattr("loop")?;
        let locals = TaskLocals::new(event_loop).copy_context(py)?;
        Ok::<_, PyErr>((thread.unbind(), locals))
    })
}

/// The task locals of the loop thread, for awaitables made outside any running loop.
pub(super) fn loop_locals(py: Python<'_>) -> PyResult<TaskLocals> {
    Ok(loop_thread(py)?.1.clone())
}

/// Runs `awaitable` on the loop thread; the future resolves with its result.
pub(super) fn on_loop(
    py: Python<'_>,
    awaitable: Bound<'_, PyAny>,
) -> PyResult<impl std::future::Future<Output = PyResult<Py<PyAny>>> + Send + use<>> {
    let locals = loop_locals(py)?;
    pyo3_async_runtimes::into_future_with_locals(&locals, awaitable)
}

/// Whether a handler gave back something to await (it was `async def`).
pub(super) fn is_awaitable(value: &Bound<'_, PyAny>) -> bool {
    !value.is_none() && value.hasattr("__await__").unwrap_or(false)
}

/// Compiles and runs a script file's source in `globals`.
pub(super) fn exec_file(
    py: Python<'_>,
    file: &Path,
    source: &str,
    globals: &Bound<'_, PyDict>,
) -> PyResult<()> {
    let builtins = py.import("builtins")?;
    let code = compile(py, file, source)?;
    builtins.call_method1("exec", (code, globals))?;
    Ok(())
}

/// Compiles without running.
pub(super) fn compile<'py>(
    py: Python<'py>,
    file: &Path,
    source: &str,
) -> PyResult<Bound<'py, PyAny>> {
    py.import("builtins")?
        .call_method1("compile", (source, file.display().to_string(), "exec"))
}

/// `file:line: Kind: message`, then the traceback: the line is the deepest frame in `file`.
pub(super) fn describe(py: Python<'_>, error: &PyErr, file: &Path) -> String {
    let name = file.display().to_string();
    let value = error.value(py);
    let kind = value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "Exception".to_owned());
    let text = value.str().map(|s| s.to_string()).unwrap_or_default();
    let mut line = None;
    if error.is_instance_of::<PySyntaxError>(py) {
        line = value
            .getattr("lineno")
            .ok()
            .and_then(|l| l.extract::<u32>().ok());
    }
    let mut frame = error.traceback(py).map(|tb| tb.into_any());
    while let Some(tb) = frame {
        let in_file = tb
            .getattr("tb_frame")
            .and_then(|f| f.getattr("f_code"))
            .and_then(|c| c.getattr("co_filename"))
            .ok()
            .and_then(|n| n.cast_into::<PyString>().ok())
            .is_some_and(|n| n.to_cow().is_ok_and(|n| n == name));
        if in_file {
            line = tb.getattr("tb_lineno").ok().and_then(|l| l.extract().ok());
        }
        frame = tb.getattr("tb_next").ok().filter(|next| !next.is_none());
    }
    let traceback = support(py)
        .and_then(|s| s.call_method1("format_exception", (value, error.traceback(py))))
        .map(|t| t.to_string())
        .unwrap_or_default();
    let head = match line {
        Some(line) => format!("{name}:{line}: {kind}: {text}"),
        None => format!("{name}: {kind}: {text}"),
    };
    if traceback.is_empty() {
        head
    } else {
        format!("{head}\n{traceback}")
    }
}

/// Counts a failure of Python code.
pub(super) fn count_error() {
    metrics::counter!("projectx_script_errors_total", "language" => "python").increment(1);
}
