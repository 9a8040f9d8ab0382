//! The `call` a Python flow receives: `say`, `play` and `pause` pile up; `await call.gather()`,
//! `record()` and `dial()` send them and wait for the caller, on the shared flow session.

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use super::convert::{keywords, to_python};
use super::{delivery, runner};
use crate::script::session::{
    self, CallFacts, Dialled, Gathered, Recorded, SharedSession, StepError, lock,
};
use crate::script::{HostContext, opt_out};
use crate::server::FlowRequest;
use crate::voice::{Effect, Emotion, SpeakOptions};

#[pyclass(module = "projectx_twilio", name = "Call", frozen)]
#[derive(Debug)]
pub struct PyCall {
    session: SharedSession,
    facts: CallFacts,
    ctx: HostContext,
}

impl PyCall {
    pub(super) fn new(facts: CallFacts, session: SharedSession, ctx: HostContext) -> Self {
        Self {
            session,
            facts,
            ctx,
        }
    }
}

fn step(error: StepError) -> PyErr {
    PyRuntimeError::new_err(error.0.replace("hangup()", "call.hangup()"))
}

/// A verb that waits for the caller: its method, its text and what it said first.
struct Waiting<'a> {
    method: &'static str,
    value: Option<&'a str>,
    prompt: Option<&'a str>,
}

/// Sends what piled up plus the verb and gives an awaitable of Twilio's next request, read by
/// `answer`.
fn exchange<'py, T>(
    py: Python<'py>,
    call: &PyCall,
    verb: Waiting<'_>,
    kwargs: Option<&Bound<'py, PyDict>>,
    answer: fn(&FlowRequest) -> T,
) -> PyResult<Bound<'py, PyAny>>
where
    T: serde::Serialize + Send + 'static,
{
    let what = format!("call.{}", verb.method);
    let options = keywords(verb.method, kwargs)?;
    let input = lock(&call.session)
        .exchange(&what, verb.method, verb.value, options, verb.prompt)
        .map_err(step)?;
    let event_loop = match pyo3_async_runtimes::get_running_loop(py) {
        Ok(running) => running,
        Err(_) => runner::loop_locals(py)?.event_loop(py),
    };
    let runtime = pyo3_async_runtimes::tokio::get_runtime().handle().clone();
    delivery::awaitable(event_loop, &runtime, async move {
        let request = session::answer(input).await.map_err(step)?;
        let result = answer(&request);
        delivery::attach(|py| to_python(py, &result).map(Bound::unbind))
    })
}

#[pymethods]
impl PyCall {
    #[getter]
    fn sid(&self) -> &str {
        &self.facts.request.call_sid
    }

    #[getter]
    fn to(&self) -> &str {
        &self.facts.request.to
    }

    #[getter]
    fn from_(&self) -> &str {
        &self.facts.request.from
    }

    #[getter]
    fn direction(&self) -> &str {
        &self.facts.request.direction
    }

    #[getter]
    fn flow(&self) -> &str {
        &self.facts.request.flow
    }

    #[getter]
    fn agent(&self) -> Option<&str> {
        self.facts.request.agent.as_deref()
    }

    #[getter]
    fn message(&self) -> Option<&str> {
        self.facts.param("message")
    }

    #[getter]
    fn campaign(&self) -> Option<&str> {
        self.facts.param("campaign")
    }

    #[getter]
    fn answered_by(&self) -> Option<&str> {
        self.facts.param("AnsweredBy")
    }

    /// The contact's variables (CSV columns, `vars=` of `initiate_call`).
    #[getter]
    fn vars<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (key, value) in &self.facts.vars {
            dict.set_item(key, value)?;
        }
        Ok(dict)
    }

    /// Speaks `text` in the call's voice (or `agent`/`voice`), with an emotion and effects.
    #[pyo3(signature = (text, *, emotion = None, effects = None, agent = None, voice = None))]
    fn say(
        &self,
        text: &str,
        emotion: Option<&str>,
        effects: Option<&Bound<'_, PyAny>>,
        agent: Option<&str>,
        voice: Option<&str>,
    ) -> PyResult<()> {
        let mut speak = SpeakOptions::default();
        if let Some(emotion) = emotion {
            speak.emotion = emotion
                .parse::<Emotion>()
                .map_err(|e| PyValueError::new_err(format!("say() argument 'emotion': {e}")))?;
        }
        if let Some(effects) = effects {
            let names: Vec<String> = if let Ok(one) = effects.cast::<PyString>() {
                vec![one.to_cow()?.into_owned()]
            } else {
                effects.cast::<PyList>().map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(
                        "say() argument 'effects': expected a str or a list of str",
                    )
                })?;
                effects.extract()?
            };
            for name in names {
                speak.effects.push(name.parse::<Effect>().map_err(|e| {
                    PyValueError::new_err(format!("say() argument 'effects': {e}"))
                })?);
            }
        }
        let profile = match agent.or(voice) {
            Some(name) => Some(
                self.ctx
                    .voices
                    .find(name)
                    .map_err(|e| PyValueError::new_err(format!("say(): {e}")))?
                    .clone(),
            ),
            None => None,
        };
        lock(&self.session)
            .say("call.say", text, &speak, profile.as_ref())
            .map_err(step)
    }

    /// `<Play>`: keyword arguments as the official library's `play()`.
    #[pyo3(signature = (url, **kwargs))]
    fn play(&self, url: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        let options = keywords("play", kwargs)?;
        lock(&self.session)
            .append("call.play", "play", Some(url), &options)
            .map_err(step)
    }

    #[pyo3(signature = (length = 1))]
    fn pause(&self, length: u32) -> PyResult<()> {
        let options = vec![("length".to_owned(), length.into())];
        lock(&self.session)
            .append("call.pause", "pause", None, &options)
            .map_err(step)
    }

    /// Asks and waits: `await call.gather(input="dtmf speech", num_digits=1, prompt="…")`.
    #[pyo3(signature = (*, prompt = None, **kwargs))]
    fn gather<'py>(
        &self,
        py: Python<'py>,
        prompt: Option<&str>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let verb = Waiting {
            method: "gather",
            value: None,
            prompt,
        };
        exchange(py, self, verb, kwargs, Gathered::from_request)
    }

    /// Records the caller: `await call.record(max_length=30)`.
    #[pyo3(signature = (**kwargs))]
    fn record<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let verb = Waiting {
            method: "record",
            value: None,
            prompt: None,
        };
        exchange(py, self, verb, kwargs, Recorded::from_request)
    }

    /// Connects the caller to `number` and waits for that leg to end.
    #[pyo3(signature = (number, **kwargs))]
    fn dial<'py>(
        &self,
        py: Python<'py>,
        number: &str,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let verb = Waiting {
            method: "dial",
            value: Some(number),
            prompt: None,
        };
        exchange(py, self, verb, kwargs, Dialled::from_request)
    }

    fn hangup(&self) -> PyResult<()> {
        lock(&self.session).hangup("call.hangup").map_err(step)
    }

    /// The other party asked not to be called again; true when newly added.
    fn opt_out(&self) -> bool {
        opt_out(&self.ctx, self.facts.party(), &self.facts.request.call_sid)
    }

    fn __repr__(&self) -> String {
        format!(
            "<Call {} {} flow={}>",
            self.facts.request.call_sid, self.facts.request.to, self.facts.request.flow
        )
    }
}
