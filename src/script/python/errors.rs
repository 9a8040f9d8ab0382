//! Errors as Python exceptions: one hierarchy rooted at `TwilioError` (defined in the support
//! module, so each carries `.code`, `.status`, `.message` and `.more_info`) and one exhaustive
//! conversion from the runtime's errors.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;

use crate::campaign::CampaignError;
use crate::twilio::{Delivery, TwilioError};

/// The support module (`support.py`), loaded once per interpreter.
static SUPPORT: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

const SUPPORT_SOURCE: &std::ffi::CStr = {
    const SOURCE: &str = concat!(include_str!("support.py"), "\0");
    match std::ffi::CStr::from_bytes_with_nul(SOURCE.as_bytes()) {
        Ok(source) => source,
        Err(_) => panic!("support.py contains a NUL byte"),
    }
};

/// The support module, compiled into the runtime and named `<package>._support`.
pub(super) fn support(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    SUPPORT
        .get_or_try_init(py, || {
            let module = PyModule::from_code(
                py,
                SUPPORT_SOURCE,
                c"projectx_twilio/_support.py",
                c"projectx_twilio._support",
            )?;
            Ok::<_, PyErr>(module.unbind())
        })
        .map(|module| module.bind(py))
}

/// An instance of the support module's exception `class`.
fn exception(
    py: Python<'_>,
    class: &str,
    message: String,
    code: Option<u32>,
    status: Option<u16>,
    more_info: Option<String>,
) -> PyErr {
    let made = support(py)
        .and_then(|support| support.getattr(class))
        .and_then(|class| class.call1((message.clone(), code, status, more_info)));
    match made {
        Ok(value) => PyErr::from_value(value),
        // Only a broken support module gets here; the message must still reach the user.
        Err(e) => PyRuntimeError::new_err(format!("{message} (and raising it failed: {e})")),
    }
}

/// The exception class for an answer of Twilio's API.
fn api_class(status: u16, code: Option<u32>) -> &'static str {
    match (status, code) {
        (401, _) | (_, Some(20003)) => "AuthenticationError",
        (404, _) | (_, Some(20404)) => "NotFoundError",
        (429, _) | (_, Some(20429)) => "RateLimitError",
        (_, Some(21211 | 21212 | 21214 | 21217 | 21401 | 21421 | 13223 | 13224)) => {
            "InvalidNumberError"
        }
        (_, Some(21215 | 21216)) => "CallBlockedError",
        (500.., _) => "ServerError",
        (400..=499, _) => "InvalidRequestError",
        _ => "TwilioError",
    }
}

/// Twilio's refusals and failures, each as its subclass of `TwilioError`.
pub(super) fn twilio_error(py: Python<'_>, error: &TwilioError) -> PyErr {
    let message = error.to_string();
    match error {
        TwilioError::Api(api) => exception(
            py,
            api_class(api.status, api.code),
            message,
            api.code,
            Some(api.status),
            api.more_info.clone(),
        ),
        TwilioError::InvalidRequest { .. } => {
            exception(py, "InvalidRequestError", message, None, None, None)
        }
        TwilioError::InvalidNumber { .. } => {
            exception(py, "InvalidNumberError", message, None, None, None)
        }
        TwilioError::Transport { delivery, .. } => {
            let err = exception(py, "TwilioConnectionError", message, None, None, None);
            let maybe_sent = matches!(delivery, Delivery::MaybeSent);
            let _ = err.value(py).setattr("maybe_sent", maybe_sent);
            err
        }
        TwilioError::Decode { status, .. } => exception(
            py,
            "UnexpectedResponseError",
            message,
            None,
            Some(*status),
            None,
        ),
        TwilioError::Io { .. } => exception(py, "TwilioError", message, None, None, None),
    }
}

/// A campaign that cannot do what was asked; `.kind` as in Lua's `err.kind`.
pub(super) fn campaign_error(py: Python<'_>, error: &CampaignError) -> PyErr {
    let err = exception(py, "CampaignError", error.to_string(), None, None, None);
    let _ = err.value(py).setattr("kind", error.kind());
    err
}

/// A configuration that cannot be used.
pub(super) fn config_error(py: Python<'_>, message: String) -> PyErr {
    exception(py, "ConfigError", message, None, None, None)
}

/// The library's `TwiMLException`.
pub(super) fn twiml_exception(py: Python<'_>, message: &str) -> PyErr {
    match support(py).and_then(|s| s.getattr("TwiMLException")) {
        Ok(class) => match class.call1((message,)) {
            Ok(value) => PyErr::from_value(value),
            Err(e) => e,
        },
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::api_class;

    #[test]
    fn api_answers_map_to_their_subclass() {
        assert_eq!(api_class(401, Some(20003)), "AuthenticationError");
        assert_eq!(api_class(400, Some(21211)), "InvalidNumberError");
        assert_eq!(api_class(400, Some(21215)), "CallBlockedError");
        assert_eq!(api_class(429, None), "RateLimitError");
        assert_eq!(api_class(404, Some(20404)), "NotFoundError");
        assert_eq!(api_class(503, None), "ServerError");
        assert_eq!(api_class(400, Some(21601)), "InvalidRequestError");
        assert_eq!(api_class(302, None), "TwilioError");
    }
}
