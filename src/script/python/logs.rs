//! Python's `logging` inside the runtime: records go to the runtime's log (text or JSON, filtered
//! by RUST_LOG) with the script's file and line, and the SID and campaign of the call the
//! handler or flow that wrote them is about.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::errors::support;
use crate::events::Event;
use crate::server::FlowRequest;

/// One `logging` record, from the handler `support.install_logging` adds.
#[pyfunction]
#[pyo3(signature = (level, logger, message, file, line, call_sid = None, campaign = None))]
#[allow(clippy::too_many_arguments)] // the fields of one log record, passed as Python has them
fn emit(
    level: u32,
    logger: &str,
    message: &str,
    file: &str,
    line: u32,
    call_sid: Option<&str>,
    campaign: Option<&str>,
) {
    macro_rules! at {
        ($level:ident) => {
            tracing::$level!(target: "projectx::python", logger, file, line, call_sid, campaign, "{message}")
        };
    }
    // logging's levels: DEBUG 10, INFO 20, WARNING 30, ERROR 40, CRITICAL 50.
    match level {
        40.. => at!(error),
        30..=39 => at!(warn),
        20..=29 => at!(info),
        11..=19 => at!(debug),
        _ => at!(trace),
    }
}

/// Routes the root logger into the runtime's log.
pub(super) fn install(py: Python<'_>) -> PyResult<()> {
    let emit = wrap_pyfunction!(emit, py)?;
    support(py)?.call_method1("install_logging", (emit,))?;
    Ok(())
}

/// The fields a call's log lines carry: none for events that are not about a call.
pub(super) fn event_fields<'py>(
    py: Python<'py>,
    event: &Event,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let Some(call) = &event.call else {
        return Ok(None);
    };
    let fields = PyDict::new(py);
    fields.set_item("call_sid", &call.sid)?;
    fields.set_item("campaign", call.campaign.as_deref())?;
    Ok(Some(fields))
}

pub(super) fn flow_fields<'py>(
    py: Python<'py>,
    request: &FlowRequest,
) -> PyResult<Bound<'py, PyDict>> {
    let fields = PyDict::new(py);
    fields.set_item("call_sid", &request.call_sid)?;
    fields.set_item("campaign", request.param("campaign"))?;
    Ok(fields)
}

/// `func(argument)` with `fields` as the call its log lines are about.
pub(super) fn call_with<'py>(
    py: Python<'py>,
    fields: Option<Bound<'py, PyDict>>,
    func: &Py<PyAny>,
    argument: Bound<'py, PyAny>,
) -> PyResult<Py<PyAny>> {
    Ok(support(py)?
        .call_method1("call_with_context", (fields, func.bind(py), argument))?
        .unbind())
}
