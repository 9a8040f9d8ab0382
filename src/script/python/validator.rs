//! `projectx_twilio.RequestValidator`: the official library's validator, call for call. The
//! signature is computed natively; the URL forms tried (with and without the port) follow the
//! library's `urlparse` rules, so both answer `validate` alike.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use secrecy::SecretString;
use sha2::{Digest, Sha256};

use crate::server::{Algorithm, RequestValidator as Validator};

#[pyclass(module = "projectx_twilio", name = "RequestValidator", frozen)]
#[derive(Debug)]
pub struct RequestValidator {
    inner: Validator,
}

fn algorithm(name: Option<&str>) -> Option<Algorithm> {
    match name.unwrap_or("HMAC_SHA1").to_ascii_uppercase().as_str() {
        "HMAC_SHA1" => Some(Algorithm::HmacSha1),
        "HMAC_SHA256" => Some(Algorithm::HmacSha256),
        _ => None,
    }
}

/// `str` values only, as the library's `param_name + value` demands.
fn text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    match value.cast::<PyString>() {
        Ok(s) => Ok(s.to_cow()?.into_owned()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "can only concatenate str (not \"{}\") to str",
            value.get_type().name()?
        ))),
    }
}

/// The library's `get_values`: Flask's `getall`, Django's `getlist`, else `[params[name]]`.
fn values(params: &Bound<'_, PyAny>, name: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let list = if params.hasattr("getall")? {
        params.call_method1("getall", (name,))?
    } else if params.hasattr("getlist")? {
        params.call_method1("getlist", (name,))?
    } else {
        let single = params.get_item(name)?;
        PyList::new(params.py(), [single])?.into_any()
    };
    list.try_iter()?.map(|v| text(&v?)).collect()
}

/// Every (name, value) pair of a params mapping; empty for None or an empty one.
fn pairs(params: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, String)>> {
    let Some(params) = params else {
        return Ok(Vec::new());
    };
    if params.is_none() || !params.is_truthy()? {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for name in params.try_iter()? {
        let name = name?;
        let key = text(&name)?;
        for value in values(params, &name)? {
            out.push((key.clone(), value));
        }
    }
    Ok(out)
}

/// `urlparse(uri)`'s parts that the port rules touch.
struct ParsedUri<'a> {
    scheme: String,
    netloc: &'a str,
    /// Path, parameters, query and fragment, as written.
    rest: &'a str,
    port: Option<u16>,
    query: &'a str,
}

fn parse_uri(uri: &str) -> PyResult<ParsedUri<'_>> {
    let (scheme, after) = match uri.split_once(':') {
        Some((scheme, after))
            if !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (scheme.to_ascii_lowercase(), after)
        }
        _ => (String::new(), uri),
    };
    let (netloc, rest) = match after.strip_prefix("//") {
        Some(tail) => {
            let end = tail.find(['/', '?', '#']).unwrap_or(tail.len());
            (&tail[..end], &tail[end..])
        }
        None => ("", after),
    };
    let host_info = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
    let port_text = match host_info.split_once('[') {
        Some((_, bracketed)) => bracketed
            .split_once(']')
            .map_or("", |(_, p)| p.split_once(':').map_or("", |(_, p)| p)),
        None => host_info.split_once(':').map_or("", |(_, p)| p),
    };
    let port = if port_text.is_empty() {
        None
    } else if port_text.bytes().all(|b| b.is_ascii_digit()) {
        let port: u32 = port_text
            .parse()
            .map_err(|_| PyValueError::new_err("Port out of range 0-65535"))?;
        Some(u16::try_from(port).map_err(|_| PyValueError::new_err("Port out of range 0-65535"))?)
    } else {
        return Err(PyValueError::new_err(format!(
            "Port could not be cast to integer value as {port_text:?}"
        )));
    };
    let without_fragment = rest.split_once('#').map_or(rest, |(r, _)| r);
    let query = without_fragment.split_once('?').map_or("", |(_, q)| q);
    Ok(ParsedUri {
        scheme,
        netloc,
        rest,
        port,
        query,
    })
}

impl ParsedUri<'_> {
    /// `geturl()` with another netloc: empty `?` and `#` are dropped, as urlunparse does.
    fn with_netloc(&self, netloc: &str) -> String {
        let mut rest = self.rest.to_owned();
        if let Some(stripped) = rest.strip_suffix('#') {
            rest = stripped.to_owned();
        }
        if let Some(stripped) = rest.strip_suffix('?') {
            rest = stripped.to_owned();
        }
        let mut out = String::new();
        if !self.scheme.is_empty() {
            out.push_str(&self.scheme);
            out.push(':');
        }
        if !netloc.is_empty() {
            out.push_str("//");
            out.push_str(netloc);
        }
        out.push_str(&rest);
        out
    }

    /// The library's `remove_port`: any port goes, with everything after the first colon.
    fn without_port(&self) -> String {
        match self.port {
            Some(port) if port != 0 => {
                self.with_netloc(self.netloc.split(':').next().unwrap_or(""))
            }
            _ => self.with_netloc(self.netloc),
        }
    }

    /// The library's `add_port`: 443 for https, else 80.
    fn with_port(&self) -> String {
        match self.port {
            Some(port) if port != 0 => self.with_netloc(self.netloc),
            _ => {
                let port = if self.scheme == "https" { 443 } else { 80 };
                self.with_netloc(&format!("{}:{port}", self.netloc))
            }
        }
    }

    /// The first non-blank `bodySHA256` of the query, decoded as `parse_qs` does.
    fn body_hash(&self) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, v)| k == "bodySHA256" && !v.is_empty())
            .map(|(_, v)| v.into_owned())
    }
}

#[pymethods]
impl RequestValidator {
    #[new]
    fn new(token: &str) -> Self {
        Self {
            inner: Validator::new(SecretString::from(token.to_owned())),
        }
    }

    /// base64(HMAC(token, uri + sorted names and values)).
    #[pyo3(signature = (uri, params, algorithm = None))]
    fn compute_signature(
        &self,
        uri: &str,
        params: Option<&Bound<'_, PyAny>>,
        algorithm: Option<&str>,
    ) -> PyResult<String> {
        let chosen = self::algorithm(algorithm).ok_or_else(|| {
            PyValueError::new_err(format!(
                "Unsupported webhook signature algorithm: {}",
                algorithm.unwrap_or_default()
            ))
        })?;
        Ok(self
            .inner
            .compute_signature_with(uri, &pairs(params)?, chosen))
    }

    /// The hex SHA-256 of a body, as `bodySHA256` carries it.
    fn compute_hash(&self, body: &str) -> String {
        hex::encode(Sha256::digest(body.as_bytes()))
    }

    /// The library's `get_values`.
    fn get_values(
        &self,
        param_dict: &Bound<'_, PyAny>,
        param_name: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<String>> {
        values(param_dict, param_name)
    }

    /// True when `signature` is Twilio's for this request: `params` is the form (a mapping)
    /// or, for JSON webhooks, the body as a string checked against `bodySHA256`.
    #[pyo3(signature = (uri, params, signature, algorithm = None))]
    fn validate(
        &self,
        uri: &str,
        params: Option<&Bound<'_, PyAny>>,
        signature: &str,
        algorithm: Option<&str>,
    ) -> PyResult<bool> {
        let Some(chosen) = self::algorithm(algorithm) else {
            tracing::warn!(
                algorithm = algorithm.unwrap_or_default(),
                "unsupported webhook signature algorithm; supported: HMAC_SHA1, HMAC_SHA256"
            );
            return Ok(false);
        };
        let parsed = parse_uri(uri)?;
        let mut form = params;
        let mut body_ok = true;
        if let Some(claimed) = parsed.body_hash()
            && let Some(body) = params.and_then(|p| p.cast::<PyString>().ok())
        {
            body_ok = self.compute_hash(&body.to_cow()?) == claimed;
            form = None;
        }
        let form = pairs(form)?;
        let matches =
            |url: &str| self.inner.compute_signature_with(url, &form, chosen) == signature;
        let without = matches(&parsed.without_port());
        let with = matches(&parsed.with_port());
        Ok(body_ok && (without || with))
    }
}

/// `twilio.validate_request`: the check the webhook server makes (the URL with and without its
/// default port), on a form given as a mapping (Flask's and Django's multi-value ones too).
pub(super) fn validate_form(
    validator: &Validator,
    url: &str,
    params: Option<&Bound<'_, PyAny>>,
    signature: &str,
) -> PyResult<bool> {
    let form = pairs(params).map_err(|e| match params {
        Some(params) if e.is_instance_of::<PyTypeError>(params.py()) => PyTypeError::new_err(
            format!("validate_request() argument 'params': expected a mapping of str to str ({e})"),
        ),
        _ => e,
    })?;
    Ok(validator.validate(url, &form, Some(signature)).is_ok())
}

/// Registers the class.
pub(super) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<RequestValidator>()
}
