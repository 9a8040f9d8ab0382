//! The runtime `TwilioService(...)` starts in ordinary Python: the same pieces `projectx run`
//! wires (client or simulator, store, webhook server, campaigns), on pyo3's tokio runtime, with
//! the Python program's registrations as one more loaded script.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use tokio::sync::oneshot;

use super::errors::config_error;
use super::script::{self, PyScript, Registry};
use super::service::{Service, standalone_service};
use crate::config::Config;
use crate::runtime::{self, Runtime};

/// The name the Python program's registrations go by (schedules are recorded under it).
const PROGRAM: &str = "<python>";

pub(super) fn start(py: Python<'_>, config: Config) -> PyResult<Service> {
    let tokio = pyo3_async_runtimes::tokio::get_runtime();
    let started = py.detach(|| tokio.block_on(async move { build(config).await }));
    started.map_err(|message| config_error(py, message))
}

async fn build(mut config: Config) -> Result<Service, String> {
    let twilio = runtime::connect(&config).await.map_err(|e| e.to_string())?;
    let store = runtime::open_store(&config)
        .await
        .map_err(|e| e.to_string())?;
    // Simulated calls reach this process on whatever port is free; live ones come through
    // the configured public URL to the configured address.
    if twilio.simulator.is_some() {
        config.server.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    }
    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.server.listen))?;
    if let Ok(addr) = listener.local_addr() {
        config.server.listen = addr;
    }
    let runtime = Runtime::new(&config, &twilio, store).map_err(|e| e.to_string())?;
    if let Some(path) = runtime::dnc_path(&config) {
        runtime
            .campaigns
            .load_dnc(&path)
            .await
            .map_err(|e| e.to_string())?;
    }
    let registry = Arc::new(Mutex::new(Registry {
        open: true,
        ..Registry::default()
    }));
    let file = PathBuf::from(PROGRAM);
    let ctx = runtime.ctx.clone();
    let sender = script::start(ctx.clone(), file.clone(), 0, registry.clone())
        .map_err(|e| format!("cannot start the Python worker thread: {e}"))?;
    let script = Arc::new(PyScript::new(file, 0, registry.clone(), sender));
    runtime.scripts.attach(script.clone());
    let (shutdown, stopped) = oneshot::channel::<()>();
    let simulated = twilio.simulator.is_some();
    let handle = tokio::runtime::Handle::current();
    let serving = runtime.clone();
    tokio::spawn(async move {
        let stop = async move {
            let _ = stopped.await;
        };
        if let Err(e) = serving.run_on(listener, &config, stop).await {
            tracing::error!(error = %e, "the runtime stopped");
        }
    });
    Ok(standalone_service(
        ctx, registry, handle, shutdown, script, simulated,
    ))
}
