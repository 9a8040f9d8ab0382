//! `TwilioService`: the Python API of the runtime. Inside `projectx run` each script gets one
//! bound to the runtime (the global `twilio`); in ordinary Python, `TwilioService(...)` starts a
//! runtime of its own — against real Twilio, or the built-in simulator with `simulate=True`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::runtime::Running;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use super::account::{AccountCalls, AccountRecordings};
use super::convert::{kwargs_into, to_python};
use super::delivery;
use super::errors::{campaign_error, config_error, twilio_error};
use super::script::{self, Registry, ScheduleEntry, SharedRegistry, lock};
use super::validator;
use crate::calls::{CallRequest, Dialer, is_flow_name};
use crate::campaign::{CampaignError, CampaignSpec, Campaigns};
use crate::config::Mode;
use crate::events::EventKind;
use crate::schedule::{Missed, ScheduleError, Timing};
use crate::script::{HostContext, LoadedScript};
use crate::twilio::TwilioError;

/// A runtime started by ordinary Python, stopped by `close()`.
#[derive(Debug)]
struct Standalone {
    /// Serving until taken by `close()` (dropping it stops the runtime).
    running: Mutex<Option<Running>>,
    script: Arc<script::PyScript>,
    /// Calls go to the built-in simulator.
    simulated: bool,
}

#[derive(Debug)]
pub(super) struct Service {
    ctx: HostContext,
    registry: SharedRegistry,
    /// The script file (campaign contacts are found from its directory).
    file: Option<PathBuf>,
    runtime: tokio::runtime::Handle,
    standalone: Option<Standalone>,
}

#[pyclass(module = "projectx_twilio", name = "TwilioService", frozen)]
#[derive(Debug)]
pub struct TwilioService {
    inner: Arc<Service>,
}

impl TwilioService {
    /// The service a script file sees: registrations go to its version's registry.
    pub(super) fn for_script(
        ctx: HostContext,
        registry: SharedRegistry,
        file: PathBuf,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        Self {
            inner: Arc::new(Service {
                ctx,
                registry,
                file: Some(file),
                runtime,
                standalone: None,
            }),
        }
    }

    pub(super) fn dialer(&self, what: &str) -> PyResult<Dialer> {
        self.inner.ctx.dialer.clone().ok_or_else(|| {
            PyRuntimeError::new_err(format!("{what}(): no Twilio account is configured here"))
        })
    }

    fn campaigns(&self, what: &str) -> PyResult<Campaigns> {
        self.inner.ctx.campaigns.clone().ok_or_else(|| {
            PyRuntimeError::new_err(format!(
                "{what}(): campaigns are not available here (no store)"
            ))
        })
    }

    /// Registration is open while a script's top level runs, and always in ordinary Python.
    fn ensure_open(&self, what: &str) -> PyResult<()> {
        if lock(&self.inner.registry).open {
            return Ok(());
        }
        Err(PyRuntimeError::new_err(format!(
            "{what} registers at load time: use it at the top level of the script, not from a handler"
        )))
    }

    /// Starts timers registered after the service went live (ordinary Python).
    fn poke(&self) {
        if let Some(standalone) = &self.inner.standalone {
            standalone.script.activate();
        }
    }

    /// An awaitable of `future`, on the caller's running loop.
    fn awaitable<'py, F, T>(
        &self,
        py: Python<'py>,
        what: &str,
        future: F,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        F: std::future::Future<Output = PyResult<T>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        let event_loop = pyo3_async_runtimes::get_running_loop(py).map_err(|_| {
            PyRuntimeError::new_err(format!(
                "{what}() must be awaited inside async code: `await twilio.{what}(...)` in an async def (or asyncio.run)"
            ))
        })?;
        // The runtime's own tokio runtime does the work, whatever runs the Python side.
        delivery::awaitable(event_loop, &self.inner.runtime, future)
    }

    /// An awaitable of a request to Twilio: its answer as `Record`s, its failure as the
    /// matching `TwilioError`.
    pub(super) fn request<'py, F, T>(
        &self,
        py: Python<'py>,
        what: &str,
        future: F,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        F: std::future::Future<Output = Result<T, TwilioError>> + Send + 'static,
        T: serde::Serialize + Send + 'static,
    {
        self.awaitable(py, what, async move {
            match future.await {
                Ok(value) => delivery::attach(|py| to_python(py, &value).map(Bound::unbind)),
                Err(e) => Err(delivery::attach(|py| twilio_error(py, &e))),
            }
        })
    }

    /// Refuses a call that blocks when it is made on a running asyncio loop: it would stall
    /// every handler and flow on that loop.
    fn refuse_on_loop(py: Python<'_>, what: &str) -> PyResult<()> {
        if pyo3_async_runtimes::get_running_loop(py).is_ok() {
            return Err(PyRuntimeError::new_err(format!(
                "{what}() blocks until it is done, so it cannot run inside the asyncio event loop (it would stall every handler): call it at the top level of the script, or `await asyncio.to_thread(twilio.{what}, ...)`"
            )));
        }
        Ok(())
    }

    fn place<'py>(
        &self,
        py: Python<'py>,
        what: &'static str,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kwargs = normalise_call_kwargs(py, kwargs)?;
        let request: CallRequest = kwargs_into(what, Some(&kwargs))?;
        let raw = request.twiml.is_some() || request.url.is_some();
        if what == "initiate_call" && raw {
            return Err(PyTypeError::new_err(
                "initiate_call(): use make_call for raw twiml or url",
            ));
        }
        if what == "make_call" && !raw {
            return Err(PyTypeError::new_err(
                "make_call(): give twiml= or url= (initiate_call speaks a message)",
            ));
        }
        let dialer = self.dialer(what)?;
        self.request(py, what, async move { dialer.place(&request).await })
    }

    fn control<'py, F, Fut, T>(
        &self,
        py: Python<'py>,
        what: &'static str,
        name: String,
        action: F,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        F: FnOnce(Campaigns, String) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<T, CampaignError>> + Send,
        T: serde::Serialize + Send + 'static,
    {
        let campaigns = self.campaigns(what)?;
        self.awaitable(py, what, async move {
            match action(campaigns, name).await {
                Ok(value) => delivery::attach(|py| to_python(py, &value).map(Bound::unbind)),
                Err(e) => Err(delivery::attach(|py| campaign_error(py, &e))),
            }
        })
    }
}

/// `from_` → `from` (as the official library spells it), and a TwiML document → its XML.
pub(super) fn normalise_call_kwargs<'py>(
    py: Python<'py>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    if let Some(kwargs) = kwargs {
        for (key, value) in kwargs.iter() {
            let key = key.cast::<PyString>()?.to_cow()?.into_owned();
            let key = if key == "from_" {
                "from".to_owned()
            } else {
                key
            };
            let value = if key == "twiml" && !value.is_none() && value.cast::<PyString>().is_err() {
                value.call_method0("to_xml")?
            } else {
                value
            };
            out.set_item(key, value)?;
        }
    }
    Ok(out)
}

/// A decorator that registers what it decorates.
#[pyclass(module = "projectx_twilio", name = "_Registration", frozen)]
#[derive(Debug)]
pub struct Registration {
    service: Py<TwilioService>,
    target: Target,
}

#[derive(Debug)]
enum Target {
    Handler(EventKind),
    Flow(String),
    Schedule {
        timing: Mutex<Option<Timing>>,
        name: String,
        missed: Missed,
    },
}

#[pymethods]
impl Registration {
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        func: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if !func.is_callable() {
            return Err(PyTypeError::new_err(format!(
                "expected a function to register, got {}",
                func.get_type().name()?
            )));
        }
        let service = self.service.bind(py).get();
        let mut registry = lock(&service.inner.registry);
        match &self.target {
            Target::Handler(kind) => registry.handlers.push((*kind, func.clone().unbind())),
            Target::Flow(name) => {
                if registry.flows.contains_key(name) {
                    return Err(PyValueError::new_err(format!(
                        "flow() : flow {name:?} is defined twice"
                    )));
                }
                registry.flows.insert(name.clone(), func.clone().unbind());
            }
            Target::Schedule {
                timing,
                name,
                missed,
            } => {
                let timing = timing
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take()
                    .ok_or_else(|| {
                        PyRuntimeError::new_err("this schedule decorator was used already")
                    })?;
                add_schedule(
                    &mut registry,
                    timing,
                    func.clone().unbind(),
                    name.clone(),
                    *missed,
                );
            }
        }
        drop(registry);
        service.poke();
        Ok(func)
    }
}

fn add_schedule(
    registry: &mut Registry,
    timing: Timing,
    func: Py<PyAny>,
    name: String,
    missed: Missed,
) {
    let seen = registry.schedule_names.entry(name.clone()).or_insert(0);
    *seen += 1;
    let name = match *seen {
        1 => name,
        n => format!("{name} ({n})"),
    };
    registry.next_schedule += 1;
    let id = registry.next_schedule;
    registry.new_schedules.push(ScheduleEntry {
        id,
        name,
        timing,
        func,
        missed,
    });
}

fn missed(value: &str) -> PyResult<Missed> {
    match value {
        "skip" => Ok(Missed::Skip),
        "run_once" => Ok(Missed::RunOnce),
        other => Err(PyValueError::new_err(format!(
            "argument 'missed': {other:?} is not \"skip\" or \"run_once\""
        ))),
    }
}

fn schedule_error(argument: &str, error: ScheduleError) -> PyErr {
    PyValueError::new_err(format!("argument '{argument}': {error}"))
}

/// The interval of `every()` as written (a `timedelta` as `10m`, `1h 30m`) and its timing.
fn every_interval(interval: &Bound<'_, PyAny>) -> PyResult<(String, Timing)> {
    let timedelta = interval.py().import("datetime")?.getattr("timedelta")?;
    if !interval.is_instance(&timedelta)? {
        let text = interval.str()?.to_string();
        let timing = Timing::every(&text).map_err(|e| schedule_error("interval", e))?;
        return Ok((text, timing));
    }
    let seconds: f64 = interval.call_method0("total_seconds")?.extract()?;
    // A timedelta is always a number of seconds: what can be wrong is only its length.
    let timing = Timing::every(&seconds.to_string()).map_err(|_| {
        let written = interval.str().map(|s| s.to_string()).unwrap_or_default();
        schedule_error("interval", ScheduleError::IntervalTooShort(written))
    })?;
    let text = match &timing {
        Timing::Every(duration) => humantime::format_duration(*duration).to_string(),
        _ => seconds.to_string(),
    };
    Ok((text, timing))
}

#[pymethods]
impl TwilioService {
    /// A runtime of its own: real Twilio with credentials, else the built-in simulator
    /// (`simulate=True` forces it). Give `config` to read a `projectx.yaml`.
    #[new]
    #[pyo3(signature = (account_sid = None, auth_token = None, from_number = None, *, simulate = false, config = None, base_url = None))]
    fn new(
        py: Python<'_>,
        account_sid: Option<String>,
        auth_token: Option<String>,
        from_number: Option<String>,
        simulate: bool,
        config: Option<PathBuf>,
        base_url: Option<String>,
    ) -> PyResult<Self> {
        let loaded = match &config {
            Some(path) => crate::config::from_file(path, &crate::config::process_env),
            None => crate::config::from_str("", None, &crate::config::process_env),
        }
        .map_err(|e| config_error(py, e.to_string()))?;
        let mut config_value = loaded.config;
        if config.is_none() {
            // Ordinary Python keeps nothing on disk unless a configuration says where.
            config_value.runtime.store = "sqlite::memory:".to_owned();
        }
        if let Some(sid) = account_sid {
            config_value.twilio.account_sid = Some(sid);
        }
        if let Some(token) = auth_token {
            config_value.twilio.auth_token = Some(token.into());
        }
        if let Some(number) = from_number {
            config_value.twilio.from_number = Some(number);
        }
        if let Some(url) = base_url {
            config_value.twilio.base_url = Some(url);
        }
        if simulate {
            config_value.runtime.mode = Mode::Simulate;
        }
        super::standalone::start(py, config_value).map(|inner| Self {
            inner: Arc::new(inner),
        })
    }

    /// A runtime configured by `path` (a `projectx.yaml`).
    #[staticmethod]
    fn from_config(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        Self::new(py, None, None, None, false, Some(path), None)
    }

    /// Registers the decorated function for `event` (`"call.status"`, `"call.ended"`, …).
    fn on(slf: Bound<'_, Self>, event: &str) -> PyResult<Registration> {
        slf.get().ensure_open("on()")?;
        let kind = event
            .parse::<EventKind>()
            .map_err(|e| PyValueError::new_err(format!("on(): {e}")))?;
        Ok(Registration {
            service: slf.unbind(),
            target: Target::Handler(kind),
        })
    }

    /// Registers the decorated function (usually `async def`) as the flow `name`.
    fn flow(slf: Bound<'_, Self>, name: &str) -> PyResult<Registration> {
        slf.get().ensure_open("flow()")?;
        if !is_flow_name(name) {
            return Err(PyValueError::new_err(format!(
                "flow(): {name:?} is not a flow name (letters, digits, '-' and '_')"
            )));
        }
        Ok(Registration {
            service: slf.unbind(),
            target: Target::Flow(name.to_owned()),
        })
    }

    /// Runs the decorated function on a cron schedule (5 fields, or 6 with seconds).
    #[pyo3(signature = (expr, *, tz = None, name = None, missed = "skip"))]
    fn cron(
        slf: Bound<'_, Self>,
        expr: &str,
        tz: Option<&str>,
        name: Option<String>,
        missed: &str,
    ) -> PyResult<Registration> {
        slf.get().ensure_open("cron()")?;
        let timing = Timing::cron(expr, tz).map_err(|e| {
            let argument = if matches!(e, ScheduleError::Timezone(_)) {
                "tz"
            } else {
                "expr"
            };
            schedule_error(argument, e)
        })?;
        Ok(Registration {
            service: slf.unbind(),
            target: Target::Schedule {
                timing: Mutex::new(Some(timing)),
                name: name.unwrap_or_else(|| expr.to_owned()),
                missed: self::missed(missed)?,
            },
        })
    }

    /// Runs the decorated function every `interval` (`"10m"`, `"1h30m"`, seconds, or a
    /// `datetime.timedelta`).
    #[pyo3(signature = (interval, *, name = None, missed = "skip"))]
    fn every(
        slf: Bound<'_, Self>,
        interval: &Bound<'_, PyAny>,
        name: Option<String>,
        missed: &str,
    ) -> PyResult<Registration> {
        slf.get().ensure_open("every()")?;
        let (text, timing) = every_interval(interval)?;
        Ok(Registration {
            service: slf.unbind(),
            target: Target::Schedule {
                timing: Mutex::new(Some(timing)),
                name: name.unwrap_or_else(|| format!("every {text}")),
                missed: self::missed(missed)?,
            },
        })
    }

    /// Places a call that speaks `message` in `agent`'s voice, or runs `flow`.
    #[pyo3(signature = (**kwargs))]
    fn initiate_call<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.place(py, "initiate_call", kwargs)
    }

    /// Places a call that runs `twiml` (a string or a `VoiceResponse`) or fetches `url`.
    #[pyo3(signature = (**kwargs))]
    fn make_call<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.place(py, "make_call", kwargs)
    }

    /// Adds or updates a campaign (keys as in `campaign.define` of Lua). Blocks until stored.
    #[pyo3(signature = (name, **spec))]
    fn define_campaign(
        &self,
        py: Python<'_>,
        name: String,
        spec: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        Self::refuse_on_loop(py, "define_campaign")?;
        let spec = normalise_call_kwargs(py, spec)?;
        let spec: CampaignSpec = kwargs_into("define_campaign", Some(&spec))?;
        let campaigns = self.campaigns("define_campaign")?;
        let base = self
            .inner
            .file
            .as_deref()
            .and_then(std::path::Path::parent)
            .map(std::path::Path::to_path_buf);
        let handle = self.inner.runtime.clone();
        let outcome = py.detach(|| {
            handle.block_on(async move { campaigns.define(&name, spec, base.as_deref()).await })
        });
        match outcome {
            Ok(()) => Ok(()),
            Err(e @ (CampaignError::Spec { .. } | CampaignError::BadName(_))) => {
                Err(PyValueError::new_err(format!("define_campaign(): {e}")))
            }
            Err(e) => Err(campaign_error(py, &e)),
        }
    }

    fn start_campaign<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        self.control(py, "start_campaign", name, |c, n| async move {
            c.start(&n).await.map(|()| true)
        })
    }

    fn pause_campaign<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        self.control(py, "pause_campaign", name, |c, n| async move {
            c.pause(&n, None).await.map(|()| true)
        })
    }

    fn resume_campaign<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        self.control(py, "resume_campaign", name, |c, n| async move {
            c.resume(&n).await.map(|()| true)
        })
    }

    fn stop_campaign<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        self.control(py, "stop_campaign", name, |c, n| async move {
            c.stop(&n).await.map(|()| true)
        })
    }

    /// Waits until the campaign has dialled everyone it will; gives its report.
    fn wait_campaign<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        self.control(py, "wait_campaign", name, |c, n| async move {
            c.wait(&n).await;
            c.report(&n).await
        })
    }

    fn campaign_status<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        self.control(py, "campaign_status", name, |c, n| async move {
            c.status(&n).await
        })
    }

    fn campaign_report<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        self.control(py, "campaign_report", name, |c, n| async move {
            c.report(&n).await
        })
    }

    /// The account's calls: `await twilio.calls.get(sid)`, `.list(...)`, `.hangup(sid)`,
    /// `.redirect(sid, twiml=...)`.
    #[getter]
    fn calls(slf: Bound<'_, Self>) -> AccountCalls {
        AccountCalls::new(slf.unbind())
    }

    /// The account's recordings: `await twilio.recordings.list(call_sid=...)`, `.get(sid)`,
    /// `.delete(sid)`, `.download(sid, path)`.
    #[getter]
    fn recordings(slf: Bound<'_, Self>) -> AccountRecordings {
        AccountRecordings::new(slf.unbind())
    }

    /// True when `signature` (the `X-Twilio-Signature` header) is Twilio's, made with the
    /// account's auth token, for `url` exactly as Twilio requested it and the form `params`.
    fn validate_request(
        &self,
        url: &str,
        params: Option<&Bound<'_, PyAny>>,
        signature: &str,
    ) -> PyResult<bool> {
        let validator = self.inner.ctx.validator.as_ref().ok_or_else(|| {
            PyRuntimeError::new_err(
                "validate_request(): no auth token is configured here (twilio.auth_token)",
            )
        })?;
        validator::validate_form(validator, url, params, signature)
    }

    /// True when running against the built-in simulator.
    #[getter]
    fn simulated(&self) -> bool {
        self.inner.standalone.as_ref().is_some_and(|s| s.simulated)
    }

    /// Stops the runtime this service started (ordinary Python); scripts' services do nothing.
    fn close(&self) {
        if let Some(standalone) = &self.inner.standalone {
            let running = standalone
                .running
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take();
            if running.is_some() {
                drop(running);
                standalone.script.retire();
            }
        }
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close();
        false
    }

    fn __repr__(&self) -> String {
        match &self.inner.standalone {
            Some(Standalone {
                simulated: true, ..
            }) => "<TwilioService simulated>".to_owned(),
            Some(_) => "<TwilioService live>".to_owned(),
            None => match &self.inner.file {
                Some(file) => format!("<TwilioService of {}>", file.display()),
                None => "<TwilioService>".to_owned(),
            },
        }
    }
}

/// Builds the service of a standalone runtime.
pub(super) fn standalone_service(
    ctx: HostContext,
    registry: SharedRegistry,
    runtime: tokio::runtime::Handle,
    running: Running,
    script: Arc<script::PyScript>,
) -> Service {
    Service {
        ctx,
        registry,
        file: None,
        runtime,
        standalone: Some(Standalone {
            simulated: running.simulator().is_some(),
            running: Mutex::new(Some(running)),
            script,
        }),
    }
}
