//! Values across the Python boundary: keyword arguments read into the runtime's typed requests
//! (a wrong type is a `TypeError` naming the argument), TwiML options, and results and events as
//! `Record`s (attribute access, like `ev.sid`).

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::errors::support;
use crate::twiml::AttrValue;

/// A Python value as JSON, for serde; `what` names it in errors.
pub(super) fn to_json(value: &Bound<'_, PyAny>, what: &str) -> PyResult<serde_json::Value> {
    use serde_json::Value;
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(flag) = value.cast::<PyBool>() {
        return Ok(Value::Bool(flag.is_true()));
    }
    if value.cast::<PyInt>().is_ok() {
        let number: i64 = value
            .extract()
            .map_err(|_| PyOverflowError::new_err(format!("{what}: the number is too large")))?;
        return Ok(Value::from(number));
    }
    if let Ok(number) = value.cast::<PyFloat>() {
        return Ok(serde_json::Number::from_f64(number.value())
            .map(Value::Number)
            .unwrap_or(Value::Null));
    }
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(Value::String(text.to_cow()?.into_owned()));
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (key, item) in dict.iter() {
            let key = key
                .cast::<PyString>()
                .map_err(|_| PyTypeError::new_err(format!("{what}: keys must be str")))?
                .to_cow()?
                .into_owned();
            let nested = format!("{what}.{key}");
            map.insert(key, to_json(&item, &nested)?);
        }
        return Ok(Value::Object(map));
    }
    if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
        let items: PyResult<Vec<Value>> = value
            .try_iter()?
            .map(|item| to_json(&item?, what))
            .collect();
        return Ok(Value::Array(items?));
    }
    Err(PyTypeError::new_err(format!(
        "{what}: cannot use a {} here",
        value.get_type().name()?
    )))
}

/// Keyword arguments read as `T`: an unknown keyword or a wrong type is a `TypeError` that
/// names the argument, as Python's own are.
pub(super) fn kwargs_into<T: DeserializeOwned>(
    function: &str,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<T> {
    let mut map = serde_json::Map::new();
    if let Some(kwargs) = kwargs {
        for (key, value) in kwargs.iter() {
            let key = key.cast::<PyString>()?.to_cow()?.into_owned();
            if value.is_none() {
                continue;
            }
            let what = format!("{function}() argument '{key}'");
            map.insert(key, to_json(&value, &what)?);
        }
    }
    let value = serde_json::Value::Object(map);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner().to_string();
        if let Some(rest) = inner.strip_prefix("unknown field `") {
            let name = rest.split('`').next().unwrap_or_default();
            return PyTypeError::new_err(format!(
                "{function}() got an unexpected keyword argument '{name}'"
            ));
        }
        if let Some(rest) = inner.strip_prefix("missing field `") {
            let name = rest.split('`').next().unwrap_or_default();
            return PyTypeError::new_err(format!(
                "{function}() missing required keyword argument: '{name}'"
            ));
        }
        let reason = inner.split(" at line ").next().unwrap_or(&inner).to_owned();
        PyTypeError::new_err(format!("{function}() argument '{path}': {reason}"))
    })
}

/// A serde value as Python: objects become `Record`s, absent values `None`.
pub(super) fn to_python<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|e| PyTypeError::new_err(format!("cannot hand this to Python: {e}")))?;
    from_json(py, &json)
}

pub(super) fn from_json<'py>(
    py: Python<'py>,
    value: &serde_json::Value,
) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(f)) => f.into_pyobject(py)?.into_any(),
            (None, None) => py.None().into_bound(py),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let items: PyResult<Vec<Bound<'py, PyAny>>> =
                items.iter().map(|item| from_json(py, item)).collect();
            PyList::new(py, items?)?.into_any()
        }
        Value::Object(map) => {
            let fields = PyDict::new(py);
            for (key, item) in map {
                fields.set_item(key, from_json(py, item)?)?;
            }
            support(py)?.getattr("Record")?.call((), Some(&fields))?
        }
    })
}

/// TwiML options as keywords: text, numbers and booleans as the library writes them; lists
/// space-separated (`input=["dtmf", "speech"]`).
pub(super) fn keywords(
    what: &str,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Vec<(String, AttrValue)>> {
    let mut out = Vec::new();
    let Some(kwargs) = kwargs else {
        return Ok(out);
    };
    for (key, value) in kwargs.iter() {
        let key = key.cast::<PyString>()?.to_cow()?.into_owned();
        if value.is_none() {
            continue;
        }
        let attribute = attr_value(&value).map_err(|kind| {
            PyTypeError::new_err(format!(
                "{what}() argument '{key}': expected str, int, float, bool or a list, got {kind}"
            ))
        })?;
        out.push((key, attribute));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn attr_value(value: &Bound<'_, PyAny>) -> Result<AttrValue, String> {
    let kind = || {
        value
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    };
    if let Ok(flag) = value.cast::<PyBool>() {
        return Ok(AttrValue::Bool(flag.is_true()));
    }
    if value.cast::<PyInt>().is_ok() {
        return value
            .extract::<i64>()
            .map(AttrValue::Int)
            .map_err(|_| kind());
    }
    if let Ok(number) = value.cast::<PyFloat>() {
        return Ok(AttrValue::Float(number.value()));
    }
    if let Ok(text) = value.cast::<PyString>() {
        return text
            .to_cow()
            .map(|s| AttrValue::from(s.into_owned()))
            .map_err(|_| kind());
    }
    if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
        let mut parts = Vec::new();
        for item in value.try_iter().map_err(|_| kind())? {
            let item = item.map_err(|_| kind())?;
            match attr_value(&item)? {
                AttrValue::Text(s) => parts.push(s.to_string()),
                other => parts.push(other.render()),
            }
        }
        return Ok(AttrValue::from(parts.join(" ")));
    }
    Err(kind())
}
