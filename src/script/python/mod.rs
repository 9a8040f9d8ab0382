//! The Python host (PyO3) and the `projectx_twilio` module. One set of classes serves both
//! ways Python meets the runtime: `.py` scripts loaded by `projectx run` (CPython embedded,
//! each script given a `twilio` bound to the runtime), and `import projectx_twilio` in ordinary
//! Python (the wheel under `bindings/python` registers the same module).

mod account;
mod call;
mod convert;
mod delivery;
mod errors;
mod logs;
mod runner;
mod script;
mod service;
mod standalone;
mod twiml;
mod validator;

use std::path::Path;
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyModule};
use tokio::sync::oneshot;

use self::script::{Command, PyScript, Registry};
use super::{HostContext, LoadedScript, ScriptError, ScriptHost};

pub use self::account::{AccountCalls, AccountRecordings};
pub use self::call::PyCall;
pub use self::service::TwilioService;
pub use self::validator::RequestValidator;

/// Fills `module` (named `package`) with the API: `TwilioService` (with `AccountCalls` and
/// `AccountRecordings`), `RequestValidator`, the exceptions, `Record`, and the `twiml`
/// submodule (also importable as `package.twiml`).
pub fn register_module(module: &Bound<'_, PyModule>, package: &str) -> PyResult<()> {
    let py = module.py();
    let support = errors::support(py)?;
    module.add_class::<TwilioService>()?;
    module.add_class::<PyCall>()?;
    module.add_class::<AccountCalls>()?;
    module.add_class::<AccountRecordings>()?;
    validator::register(module)?;
    for class in support.getattr("EXCEPTIONS")?.try_iter()? {
        let class = class?;
        let name = class.getattr("__name__")?;
        class.setattr("__module__", package)?;
        module.add(name.str()?, class)?;
    }
    delivery::register_exit_hook(py)?;
    let record = support.getattr("Record")?;
    record.setattr("__module__", package)?;
    module.add("Record", record)?;
    let twiml_module = PyModule::new(py, "twiml")?;
    twiml_module.setattr("__name__", format!("{package}.twiml"))?;
    twiml::register(&twiml_module, support)?;
    module.add_submodule(&twiml_module)?;
    py.import("sys")?
        .getattr("modules")?
        .set_item(format!("{package}.twiml"), &twiml_module)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

/// Makes `runtime` the one Python's awaitables run on (the CLI's, which lives as long as the
/// process); without it they get a runtime of their own.
pub fn adopt_runtime(runtime: &'static tokio::runtime::Runtime) {
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(runtime);
}

/// Loads `.py` scripts into the embedded interpreter.
#[derive(Debug, Clone)]
pub struct PythonHost {
    ctx: HostContext,
}

impl PythonHost {
    /// Starts the interpreter (once per process) and makes `projectx_twilio` importable.
    pub fn new(ctx: HostContext) -> Self {
        Python::initialize();
        let installed = Python::attach(|py| -> PyResult<()> {
            let modules = py.import("sys")?.getattr("modules")?;
            // Ordinary Python that imported the wheel has it already.
            if modules.contains("projectx_twilio")? {
                return Ok(());
            }
            let module = PyModule::new(py, "projectx_twilio")?;
            register_module(&module, "projectx_twilio")?;
            modules.set_item("projectx_twilio", module)
        })
        .and_then(|()| Python::attach(logs::install));
        if let Err(e) = installed {
            tracing::error!(error = %e, "cannot set up the projectx_twilio module for Python scripts");
        }
        runner::watch_loop_for(&ctx.bus);
        Self { ctx }
    }
}

/// The globals a script file starts with: `twilio` bound to the runtime and its version.
pub(crate) fn script_globals<'py>(
    py: Python<'py>,
    service: TwilioService,
    file: &Path,
) -> PyResult<Bound<'py, PyDict>> {
    let globals = PyDict::new(py);
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    globals.set_item("__name__", format!("projectx_script_{stem}"))?;
    globals.set_item("__file__", file.display().to_string())?;
    globals.set_item("__builtins__", py.import("builtins")?)?;
    globals.set_item("twilio", Bound::new(py, service)?)?;
    Ok(globals)
}

impl ScriptHost for PythonHost {
    fn extensions(&self) -> &'static [&'static str] {
        &["py"]
    }

    fn check(&self, file: &Path, source: &str) -> Result<(), ScriptError> {
        Python::attach(|py| {
            runner::compile(py, file, source)
                .map(|_| ())
                .map_err(|e| ScriptError::new(file, runner::describe(py, &e, file)))
        })
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
            let registry = Arc::new(Mutex::new(Registry::default()));
            let sender = script::start(ctx, file.clone(), generation, registry.clone())
                .map_err(|e| ScriptError::new(&file, format!("cannot start its thread: {e}")))?;
            let (done, loaded) = oneshot::channel();
            let gone = || ScriptError::new(&file, "the script's thread stopped while loading");
            sender
                .send(Command::Load { source, done })
                .await
                .map_err(|_| gone())?;
            loaded.await.map_err(|_| gone())??;
            let script: Arc<dyn LoadedScript> =
                Arc::new(PyScript::new(file, generation, registry, sender));
            Ok(script)
        })
    }
}
