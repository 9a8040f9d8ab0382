//! Runtime threads entering Python, safely at exit. Python 3.11 ends a thread that takes the
//! GIL while the interpreter shuts down by unwinding it in place, and Python objects dropped on
//! the way crash the process. So every stretch a runtime thread spends in Python is counted,
//! and at exit (an `atexit` hook, while the interpreter is still whole) Python waits with the
//! GIL released until those stretches are over. Results reach asyncio the same way: a future
//! on the caller's loop, resolved through `call_soon_threadsafe` inside a counted stretch.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyo3::BoundObject;
use pyo3::prelude::*;

use super::errors::support;

/// Runtime threads inside Python right now.
static IN_PYTHON: AtomicUsize = AtomicUsize::new(0);

/// The longest exit waits for them (a handler stuck in Python must not hang the exit).
const SETTLE_LIMIT: Duration = Duration::from_secs(2);

struct Counted;

impl Counted {
    fn enter() -> Self {
        IN_PYTHON.fetch_add(1, Ordering::SeqCst);
        Counted
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        IN_PYTHON.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `Python::attach` for threads of the runtime (not Python's): counted, so exit waits for it.
pub(super) fn attach<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> R {
    let _counted = Counted::enter();
    Python::attach(f)
}

/// The `atexit` hook: waits, GIL released, for runtime threads to leave Python.
#[pyfunction]
fn settle(py: Python<'_>) {
    py.detach(|| {
        let deadline = Instant::now() + SETTLE_LIMIT;
        while IN_PYTHON.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Registers the exit hook, once per process.
pub(super) fn register_exit_hook(py: Python<'_>) -> PyResult<()> {
    static REGISTERED: AtomicBool = AtomicBool::new(false);
    if REGISTERED.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    py.import("atexit")?
        .call_method1("register", (wrap_pyfunction!(settle, py)?,))?;
    Ok(())
}

/// An asyncio future on `event_loop` that `work`, run on `runtime`, resolves.
pub(super) fn awaitable<'py, F, T>(
    event_loop: Bound<'py, PyAny>,
    runtime: &tokio::runtime::Handle,
    work: F,
) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let future = event_loop.call_method0("create_future")?;
    let target = (event_loop.unbind(), future.clone().unbind());
    runtime.spawn(async move {
        let outcome = work.await;
        attach(|py| {
            let (event_loop, future) = target;
            let (ok, value) = match outcome.and_then(|v| v.into_pyobject(py).map_err(Into::into)) {
                Ok(value) => (true, value.into_bound().into_any().unbind()),
                Err(error) => (false, error.into_value(py).into_any()),
            };
            let delivered = support(py).and_then(|support| {
                let deliver = support.getattr("deliver")?;
                event_loop
                    .bind(py)
                    .call_method1("call_soon_threadsafe", (deliver, future, ok, value))
            });
            if let Err(e) = delivered {
                // The loop was closed meanwhile: nobody is waiting for the answer.
                tracing::debug!(error = %e, "an answer for a closed asyncio loop was dropped");
            }
        });
    });
    Ok(future)
}
