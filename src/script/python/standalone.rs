//! The runtime `TwilioService(...)` starts in ordinary Python: the same pieces `projectx run`
//! wires (client or simulator, store, webhook server, campaigns), on pyo3's tokio runtime, with
//! the Python program's registrations as one more loaded script.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;

use super::errors::config_error;
use super::script::{self, PyScript, Registry};
use super::service::{Service, standalone_service};
use crate::config::Config;
use crate::runtime::Runtime;

/// The name the Python program's registrations go by (schedules are recorded under it).
const PROGRAM: &str = "<python>";

pub(super) fn start(py: Python<'_>, config: Config) -> PyResult<Service> {
    let tokio = pyo3_async_runtimes::tokio::get_runtime();
    let started = py.detach(|| tokio.block_on(async move { build(config).await }));
    started.map_err(|message| config_error(py, message))
}

async fn build(config: Config) -> Result<Service, String> {
    let running = Runtime::start(config).await.map_err(|e| e.to_string())?;
    let registry = Arc::new(Mutex::new(Registry {
        open: true,
        ..Registry::default()
    }));
    let file = PathBuf::from(PROGRAM);
    let ctx = running.runtime.ctx.clone();
    let sender = script::start(ctx.clone(), file.clone(), 0, registry.clone())
        .map_err(|e| format!("cannot start the Python worker thread: {e}"))?;
    let script = Arc::new(PyScript::new(file, 0, registry.clone(), sender));
    running.runtime.scripts.attach(script.clone());
    let handle = tokio::runtime::Handle::current();
    Ok(standalone_service(ctx, registry, handle, running, script))
}
