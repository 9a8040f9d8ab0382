//! `twilio.calls` and `twilio.recordings`: the account's calls and recordings. Each method
//! gives an awaitable of Twilio's answer as `Record`s; what Twilio refuses (an unknown SID, a
//! malformed one) raises the matching `TwilioError`, and misuse raises `TypeError` or
//! `ValueError` naming the argument.

use std::path::PathBuf;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::convert::kwargs_into;
use super::service::{TwilioService, normalise_call_kwargs};
use crate::script::account::{self, CallQuery, RecordingQuery, Redirect};
use crate::twilio::MediaFormat;

/// `twilio.calls`: get, list, hang up and redirect the account's calls.
#[pyclass(module = "projectx_twilio", name = "AccountCalls", frozen)]
#[derive(Debug)]
pub struct AccountCalls {
    service: Py<TwilioService>,
}

impl AccountCalls {
    pub(super) fn new(service: Py<TwilioService>) -> Self {
        Self { service }
    }
}

#[pymethods]
impl AccountCalls {
    /// The call `sid` as Twilio has it now.
    fn get<'py>(&self, py: Python<'py>, sid: String) -> PyResult<Bound<'py, PyAny>> {
        let service = self.service.get();
        let dialer = service.dialer("calls.get")?;
        service.request(py, "calls.get", async move {
            dialer.api().fetch_call(&sid).await
        })
    }

    /// The account's calls, newest first: `to`, `from_`, `status` filter; at most `limit`
    /// (default 50).
    #[pyo3(signature = (**kwargs))]
    fn list<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kwargs = normalise_call_kwargs(py, kwargs)?;
        let query: CallQuery = kwargs_into("calls.list", Some(&kwargs))?;
        let service = self.service.get();
        let dialer = service.dialer("calls.list")?;
        service.request(py, "calls.list", async move {
            account::list_calls(dialer.api().as_ref(), query).await
        })
    }

    /// Ends the call `sid`; gives the call as Twilio has it then.
    fn hangup<'py>(&self, py: Python<'py>, sid: String) -> PyResult<Bound<'py, PyAny>> {
        let service = self.service.get();
        let dialer = service.dialer("calls.hangup")?;
        service.request(py, "calls.hangup", async move {
            account::hang_up(dialer.api().as_ref(), &sid).await
        })
    }

    /// Gives the live call `sid` new instructions: `twiml` (a string or a `VoiceResponse`) or
    /// `url`.
    #[pyo3(signature = (sid, **kwargs))]
    fn redirect<'py>(
        &self,
        py: Python<'py>,
        sid: String,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kwargs = normalise_call_kwargs(py, kwargs)?;
        let to: Redirect = kwargs_into("calls.redirect", Some(&kwargs))?;
        match (&to.twiml, &to.url) {
            (Some(_), Some(_)) => {
                return Err(PyTypeError::new_err(
                    "calls.redirect(): give twiml= or url=, not both",
                ));
            }
            (None, None) => {
                return Err(PyTypeError::new_err(
                    "calls.redirect() missing a keyword argument: twiml= or url=",
                ));
            }
            _ => {}
        }
        let service = self.service.get();
        let dialer = service.dialer("calls.redirect")?;
        service.request(py, "calls.redirect", async move {
            account::redirect(dialer.api().as_ref(), &sid, &to).await
        })
    }
}

/// `twilio.recordings`: list, get, delete and download the account's recordings.
#[pyclass(module = "projectx_twilio", name = "AccountRecordings", frozen)]
#[derive(Debug)]
pub struct AccountRecordings {
    service: Py<TwilioService>,
}

impl AccountRecordings {
    pub(super) fn new(service: Py<TwilioService>) -> Self {
        Self { service }
    }
}

#[pymethods]
impl AccountRecordings {
    /// The account's recordings, newest first (only `call_sid`'s with it); at most `limit`
    /// (default 50).
    #[pyo3(signature = (**kwargs))]
    fn list<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let query: RecordingQuery = kwargs_into("recordings.list", kwargs)?;
        let service = self.service.get();
        let dialer = service.dialer("recordings.list")?;
        service.request(py, "recordings.list", async move {
            account::list_recordings(dialer.api().as_ref(), query).await
        })
    }

    /// The recording `sid`.
    fn get<'py>(&self, py: Python<'py>, sid: String) -> PyResult<Bound<'py, PyAny>> {
        let service = self.service.get();
        let dialer = service.dialer("recordings.get")?;
        service.request(py, "recordings.get", async move {
            dialer.api().fetch_recording(&sid).await
        })
    }

    /// Deletes the recording `sid`; gives True.
    fn delete<'py>(&self, py: Python<'py>, sid: String) -> PyResult<Bound<'py, PyAny>> {
        let service = self.service.get();
        let dialer = service.dialer("recordings.delete")?;
        service.request(py, "recordings.delete", async move {
            dialer.api().delete_recording(&sid).await.map(|()| true)
        })
    }

    /// Streams the recording's media to `path` and gives the bytes written. `format` is
    /// `"wav"` or `"mp3"`; without it, the file name's extension picks (`.mp3`), else wav.
    #[pyo3(signature = (sid, path, format = None))]
    fn download<'py>(
        &self,
        py: Python<'py>,
        sid: String,
        path: PathBuf,
        format: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let format = match format {
            Some(name) => account::media_format(name).map_err(|reason| {
                PyValueError::new_err(format!("recordings.download() argument 'format': {reason}"))
            })?,
            None => MediaFormat::from_path(&path).unwrap_or(MediaFormat::Wav),
        };
        let service = self.service.get();
        let dialer = service.dialer("recordings.download")?;
        service.request(py, "recordings.download", async move {
            dialer.api().download_recording(&sid, format, &path).await
        })
    }
}
