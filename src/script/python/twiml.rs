//! `projectx_twilio.twiml`: the official library's TwiML classes, call for call. Every class
//! (`VoiceResponse`, `Say`, `Gather`, `SsmlProsody`, …) is a Python subclass of one native node;
//! its builder methods are made from the runtime's copy of the library's vocabulary, so names,
//! positional order and errors match, and `to_xml()` renders natively with the same bytes.

use std::cell::RefCell;
use std::collections::BTreeSet;

use pyo3::exceptions::{PyAttributeError, PyIndexError, PyRecursionError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};

use super::errors;
use crate::twiml::schema::{self, Method, ROOT_CLASS, ROOT_ELEMENT};
use crate::twiml::{Node, XML_DECLARATION, wire_name};

/// Deeper than this is a node nested inside itself (the library stops near 1,000 too: Python's
/// recursion limit).
const MAX_DEPTH: usize = 1000;

/// The Python class of each library class name, made by the support module.
static CLASSES: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

/// What a node contains after its own text.
#[derive(Debug)]
enum Verb {
    Node(Py<TwiML>),
    Text(String),
}

/// A TwiML element: the base of every class in `projectx_twilio.twiml`.
#[pyclass(subclass, module = "projectx_twilio.twiml", name = "TwiML")]
#[derive(Debug, Default)]
pub struct TwiML {
    /// The element written (`Response`, `Say`, `say-as`, …).
    #[pyo3(get, set)]
    name: String,
    /// The library class, for its builder methods (empty for `GenericNode`).
    class: String,
    /// The element's opening text (`message` of `say`, …): written when truthy.
    value: Option<Value>,
    /// Wire name → value, in the order given; sorted when written, as the library does.
    attributes: Vec<(String, Value)>,
    verbs: Vec<Verb>,
    /// Whether a value has been held as an object, to be read when written; while false,
    /// writing does not look for them.
    holds_objects: bool,
}

/// A text or attribute value as the library keeps it: the object given, turned into text when
/// the document is written. Values that cannot change are turned into text once, when added.
#[derive(Debug)]
enum Value {
    /// A `str`: written as it is.
    Str(String),
    /// An attribute that is a `bool`, `int` or `float`, with its text.
    Rendered { text: String, object: Py<PyAny> },
    /// Anything else (lists, dicts, subclasses, …), read when written.
    Object(Py<PyAny>),
}

impl Value {
    /// An element text: `str`s now, anything else when written (see [`element_text`]).
    fn text(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(match value.cast_exact::<PyString>() {
            Ok(text) => Value::Str(text.to_cow()?.into_owned()),
            Err(_) => Value::Object(value.clone().unbind()),
        })
    }

    /// An attribute: `str(value)` when written, with booleans lower-cased.
    fn attribute(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(text) = value.cast_exact::<PyString>() {
            return Ok(Value::Str(text.to_cow()?.into_owned()));
        }
        let text = if let Ok(flag) = value.cast::<PyBool>() {
            if flag.is_true() { "true" } else { "false" }.to_owned()
        } else if value.is_exact_instance_of::<PyInt>() || value.is_exact_instance_of::<PyFloat>() {
            value.str()?.to_cow()?.into_owned()
        } else {
            return Ok(Value::Object(value.clone().unbind()));
        };
        Ok(Value::Rendered {
            text,
            object: value.clone().unbind(),
        })
    }

    /// The object, as the library's `value` and `attrs` give it back.
    fn object<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        match self {
            Value::Str(text) => PyString::new(py, text).into_any(),
            Value::Rendered { object, .. } | Value::Object(object) => object.bind(py).clone(),
        }
    }

    /// The text already known, without asking Python.
    fn known_text(&self) -> Option<&str> {
        match self {
            Value::Str(text) | Value::Rendered { text, .. } => Some(text),
            Value::Object(_) => None,
        }
    }
}

/// An element text (`None`: no text).
fn text_value(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Value>> {
    match value {
        Some(value) if !value.is_none() => Value::text(value).map(Some),
        _ => Ok(None),
    }
}

/// The text ElementTree writes for an element's `value` that is not a `str`: none when falsy,
/// a dict as JSON, a `str` subclass as its characters; anything else cannot be written.
fn element_text(value: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if !value.is_truthy()? {
        return Ok(None);
    }
    let text = if value.cast::<PyDict>().is_ok() {
        value
            .py()
            .import("json")?
            .call_method1("dumps", (value,))?
            .cast_into::<PyString>()?
    } else if let Ok(text) = value.cast::<PyString>() {
        text.clone()
    } else {
        return Err(PyTypeError::new_err(format!(
            "cannot serialize {} (type {})",
            value.repr()?,
            value.get_type().name()?
        )));
    };
    Ok(Some(text.to_cow()?.into_owned()))
}

impl TwiML {
    fn set_attribute(&mut self, keyword: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        if value.is_none() {
            return Ok(());
        }
        let wire = wire_name(keyword).into_owned();
        if wire.is_empty() && keyword.contains('_') {
            // The library's lower_camel("_") indexes the empty name it made.
            return Err(PyIndexError::new_err("string index out of range"));
        }
        let value = Value::attribute(value)?;
        self.holds_objects |= matches!(value, Value::Object(_));
        match self.attributes.iter_mut().find(|(k, _)| *k == wire) {
            Some((_, existing)) => *existing = value,
            None => self.attributes.push((wire, value)),
        }
        Ok(())
    }

    fn set_text(&mut self, value: Option<Value>) {
        self.holds_objects |= matches!(value, Some(Value::Object(_)));
        self.value = value;
    }

    fn set_keywords(&mut self, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        if let Some(kwargs) = kwargs {
            for (key, value) in kwargs.iter() {
                self.set_attribute(&key.cast::<PyString>()?.to_cow()?, &value)?;
            }
        }
        Ok(())
    }
}

/// A node as the shared writer reads it, with how deep it is in the document.
struct Writable<'a, 'py> {
    py: Python<'py>,
    node: &'a TwiML,
    depth: usize,
    /// The values held as objects, read now.
    late: Option<Box<Late>>,
}

/// The text of values held as objects, read when the node is written.
struct Late {
    /// The opening text.
    text: Option<String>,
    /// The attributes held as objects, in order.
    attributes: Vec<String>,
}

impl<'a, 'py> Writable<'a, 'py> {
    /// Reads the values held as objects, as the library does when it writes the node.
    #[inline]
    fn new(py: Python<'py>, node: &'a TwiML, depth: usize) -> PyResult<Self> {
        let late = match node.holds_objects {
            true => Some(Late::read(py, node)?),
            false => None,
        };
        Ok(Self {
            py,
            node,
            depth,
            late,
        })
    }
}

impl Late {
    #[inline(never)]
    fn read(py: Python<'_>, node: &TwiML) -> PyResult<Box<Self>> {
        let mut attributes = Vec::new();
        for (_, value) in &node.attributes {
            if let Value::Object(object) = value {
                attributes.push(object.bind(py).str()?.to_cow()?.into_owned());
            }
        }
        let text = match &node.value {
            Some(Value::Object(object)) => element_text(object.bind(py))?,
            _ => None,
        };
        Ok(Box::new(Late { text, attributes }))
    }
}

impl Node for Writable<'_, '_> {
    type Error = PyErr;

    fn name(&self) -> &str {
        &self.node.name
    }

    fn attributes(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut late = self
            .late
            .as_ref()
            .map_or(&[][..], |late| &late.attributes)
            .iter();
        self.node.attributes.iter().map(move |(name, value)| {
            let text = value
                .known_text()
                .or_else(|| late.next().map(String::as_str));
            (name.as_str(), text.unwrap_or_default())
        })
    }

    fn text(&self) -> Option<&str> {
        match &self.node.value {
            Some(value) => value
                .known_text()
                .or_else(|| self.late.as_ref()?.text.as_deref()),
            None => None,
        }
    }

    fn child_count(&self) -> usize {
        self.node.verbs.len()
    }

    fn child_text(&self, index: usize) -> Option<&str> {
        match &self.node.verbs[index] {
            Verb::Text(text) => Some(text),
            Verb::Node(_) => None,
        }
    }

    fn write_child(&self, index: usize, out: &mut String) -> PyResult<()> {
        let Verb::Node(child) = &self.node.verbs[index] else {
            return Ok(());
        };
        if self.depth >= MAX_DEPTH {
            return Err(PyRecursionError::new_err(
                "the TwiML document nests an element inside itself",
            ));
        }
        let child = child.bind(self.py).try_borrow()?;
        crate::twiml::write(&Writable::new(self.py, &child, self.depth + 1)?, out)
    }
}

/// An argument read as Python's `bool()` reads it: `to_xml(xml_declaration)` asks for the
/// declaration with any truthy value, and leaves it out for `None`, as the library does.
struct Truthy(bool);

impl<'a, 'py> FromPyObject<'a, 'py> for Truthy {
    type Error = PyErr;

    fn extract(value: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Truthy(value.is_truthy()?))
    }
}

thread_local! {
    /// The buffer documents are written into before they become Python strings, kept between
    /// calls so that writing allocates nothing once it has grown.
    static BUFFER: RefCell<String> = const { RefCell::new(String::new()) };
}

/// A buffer kept larger than this is released after use.
const KEPT_BUFFER: usize = 1 << 20;

/// A new, empty instance of the Python class for library class `class`.
fn instance<'py>(py: Python<'py>, class: &str) -> PyResult<Bound<'py, TwiML>> {
    let classes = CLASSES
        .get(py)
        .ok_or_else(|| PyTypeError::new_err("projectx_twilio.twiml is not initialised"))?
        .bind(py);
    let cls = classes
        .get_item(class)?
        .ok_or_else(|| PyTypeError::new_err(format!("no TwiML class {class}")))?;
    let object = cls.call_method1("__new__", (&cls,))?;
    Ok(object.cast_into::<TwiML>()?)
}

/// A builder's text argument and its keywords.
type BoundArguments<'py> = (Option<Bound<'py, PyAny>>, Vec<(String, Bound<'py, PyAny>)>);

/// Splits a builder's arguments as the library's signature would: the text parameter first,
/// then the declared keywords in order, then `**kwargs`.
fn bind_arguments<'py>(
    method: &Method,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<BoundArguments<'py>> {
    let mut names: Vec<&str> = Vec::new();
    if let Some(value) = method.value {
        names.push(value);
    }
    names.extend(method.attributes.iter().map(|a| a.keyword));
    if args.len() > names.len() {
        return Err(PyTypeError::new_err(format!(
            "{}() takes at most {} positional arguments ({} given)",
            method.method,
            names.len(),
            args.len()
        )));
    }
    let mut bound: Vec<(String, Bound<'py, PyAny>)> = names
        .iter()
        .zip(args.iter())
        .map(|(name, value)| ((*name).to_owned(), value))
        .collect();
    if let Some(kwargs) = kwargs {
        for (key, value) in kwargs.iter() {
            let key = key.cast::<PyString>()?.to_cow()?.into_owned();
            if bound.iter().any(|(name, _)| *name == key) {
                return Err(PyTypeError::new_err(format!(
                    "{}() got multiple values for argument '{key}'",
                    method.method
                )));
            }
            if !method.accepts_extra && !names.contains(&key.as_str()) {
                return Err(PyTypeError::new_err(format!(
                    "{}() got an unexpected keyword argument '{key}'",
                    method.method
                )));
            }
            bound.push((key, value));
        }
    }
    let value = match method.value {
        Some(parameter) => {
            let position = bound.iter().position(|(name, _)| name == parameter);
            match position {
                Some(i) => Some(bound.remove(i).1),
                None if method.value_required => {
                    return Err(PyTypeError::new_err(format!(
                        "{}() missing 1 required positional argument: '{parameter}'",
                        method.method
                    )));
                }
                None => None,
            }
        }
        None => None,
    };
    // The library's method passes its declared keywords on in declaration order, then
    // `**kwargs`: when two name one attribute, an extra keyword wins over a declared one.
    bound.sort_by_key(|(name, _)| {
        names
            .iter()
            .position(|declared| declared == name)
            .unwrap_or(usize::MAX)
    });
    Ok((value, bound))
}

/// The method of the library that creates `class` (its constructor takes the same text).
fn creator(class: &str) -> Option<&'static Method> {
    schema::METHODS.iter().find(|m| m.class == class)
}

#[pymethods]
impl TwiML {
    /// Subclasses fill the node in `__init__` (made by the support module).
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Self::default()
    }

    /// `TwiML(**kwargs)`, for elements the library does not know (subclasses set `name`): an
    /// empty element named after the class, with the keywords as attributes.
    #[pyo3(signature = (**kwargs))]
    fn __init__(slf: &Bound<'_, Self>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        let name = slf.get_type().name()?.to_cow()?.into_owned();
        let mut node = slf.try_borrow_mut()?;
        *node = TwiML {
            name,
            ..TwiML::default()
        };
        node.set_keywords(kwargs)
    }

    /// The constructor of library class `class`: `Say("Hi", voice="alice")`, `Gather(...)`.
    fn _init(
        &mut self,
        class: &str,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.class = class.to_owned();
        if class == ROOT_CLASS {
            if !args.is_empty() {
                return Err(PyTypeError::new_err(
                    "VoiceResponse() takes keyword arguments only",
                ));
            }
            self.name = ROOT_ELEMENT.to_owned();
            return self.set_keywords(kwargs);
        }
        let method = creator(class)
            .ok_or_else(|| PyTypeError::new_err(format!("no TwiML class {class}")))?;
        self.name = method.element.to_owned();
        let parameter = method.value;
        let mut value = None;
        match (args.len(), parameter) {
            (0, _) => {}
            (1, Some(_)) => value = Some(args.get_item(0)?),
            (given, _) => {
                return Err(PyTypeError::new_err(format!(
                    "{class}() takes {} positional argument(s) but {given} were given",
                    usize::from(parameter.is_some())
                )));
            }
        }
        if let Some(kwargs) = kwargs {
            for (key, item) in kwargs.iter() {
                let key = key.cast::<PyString>()?.to_cow()?.into_owned();
                if Some(key.as_str()) == parameter {
                    if value.is_some() {
                        return Err(PyTypeError::new_err(format!(
                            "{class}() got multiple values for argument '{key}'"
                        )));
                    }
                    value = Some(item);
                } else {
                    self.set_attribute(&key, &item)?;
                }
            }
        }
        if value.is_none()
            && method.value_required
            && let Some(parameter) = parameter
        {
            return Err(PyTypeError::new_err(format!(
                "{class}() missing 1 required positional argument: '{parameter}'"
            )));
        }
        self.set_text(text_value(value.as_ref())?);
        Ok(())
    }

    /// `GenericNode(name, value, **kwargs)`: any element, as `add_child` makes.
    fn _init_generic(
        &mut self,
        name: String,
        value: Option<&Bound<'_, PyAny>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.name = name;
        self.class.clear();
        self.set_text(text_value(value)?);
        self.set_keywords(kwargs)
    }

    /// A builder method of the element's class (`say`, `gather`, `say_as`, `break_`, …): the
    /// generated methods of each class call this.
    fn _build<'py>(
        slf: &Bound<'py, Self>,
        method: &str,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let class = slf.try_borrow()?.class.clone();
        let method = schema::method(&class, method).ok_or_else(|| {
            PyAttributeError::new_err(format!("{class} has no builder method {method:?}"))
        })?;
        let (value, keywords) = bind_arguments(method, args, kwargs)?;
        let child = instance(py, method.class)?;
        {
            let mut node = child.try_borrow_mut()?;
            node.class = method.class.to_owned();
            node.name = method.element.to_owned();
            node.set_text(text_value(value.as_ref())?);
            for (keyword, item) in &keywords {
                node.set_attribute(keyword, item)?;
            }
        }
        TwiML::nest(slf, child.as_any())
    }

    /// Adds a TwiML node or a string; returns this node.
    fn append<'py>(slf: &Bound<'py, Self>, verb: &Bound<'py, PyAny>) -> PyResult<Bound<'py, Self>> {
        Self::nest(slf, verb)?;
        Ok(slf.clone())
    }

    /// Adds a TwiML node or a string; returns what was added.
    fn nest<'py>(slf: &Bound<'py, Self>, verb: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let item = if let Ok(node) = verb.cast::<TwiML>() {
            Verb::Node(node.clone().unbind())
        } else if let Ok(text) = verb.cast::<PyString>() {
            Verb::Text(text.to_cow()?.into_owned())
        } else {
            return Err(errors::twiml_exception(
                slf.py(),
                "Only nesting of TwiML and strings are allowed",
            ));
        };
        slf.try_borrow_mut()?.verbs.push(item);
        Ok(verb.clone())
    }

    /// Adds any element (`amazon:effect`, …) and returns it.
    #[pyo3(signature = (name, value = None, **kwargs))]
    fn add_child<'py>(
        slf: &Bound<'py, Self>,
        name: String,
        value: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let child = instance(slf.py(), "GenericNode")?;
        child.try_borrow_mut()?._init_generic(name, value, kwargs)?;
        Self::nest(slf, child.as_any())
    }

    /// The document as the official library writes it, byte for byte.
    #[pyo3(signature = (xml_declaration = Truthy(true)), text_signature = "(self, /, xml_declaration=True)")]
    fn to_xml<'py>(
        &self,
        py: Python<'py>,
        xml_declaration: Truthy,
    ) -> PyResult<Bound<'py, PyString>> {
        let Truthy(declaration) = xml_declaration;
        let write = |out: &mut String| -> PyResult<Bound<'py, PyString>> {
            if declaration {
                out.push_str(XML_DECLARATION);
            }
            crate::twiml::write(&Writable::new(py, self, 0)?, out)?;
            Ok(PyString::new(py, out))
        };
        BUFFER.with(|buffer| match buffer.try_borrow_mut() {
            Ok(mut out) => {
                out.clear();
                let written = write(&mut out);
                if out.capacity() > KEPT_BUFFER {
                    *out = String::new();
                }
                written
            }
            // Writing in progress further up this thread's stack.
            Err(_) => write(&mut String::new()),
        })
    }

    fn __str__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        self.to_xml(py, Truthy(true))
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> bool {
        false
    }

    /// The element's text as given (`None`: no text).
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.value.as_ref().map(|value| value.object(py))
    }

    #[setter]
    fn set_value(&mut self, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.set_text(text_value(value)?);
        Ok(())
    }

    /// The attributes by wire name, as given.
    #[getter]
    fn attrs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, value) in &self.attributes {
            dict.set_item(name, value.object(py))?;
        }
        Ok(dict)
    }

    /// The nodes and strings added, in order.
    #[getter]
    fn verbs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items: Vec<Py<PyAny>> = self
            .verbs
            .iter()
            .map(|verb| match verb {
                Verb::Node(node) => node.clone_ref(py).into_any(),
                Verb::Text(text) => PyString::new(py, text).into_any().unbind(),
            })
            .collect();
        PyList::new(py, items)
    }

    /// The ElementTree element that the library's `xml()` makes and `to_xml()` writes.
    fn xml<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let element = py.import("xml.etree.ElementTree")?.getattr("Element")?;
        self.tree(&element, 0)
    }

    fn __deepcopy__<'py>(
        slf: &Bound<'py, Self>,
        memo: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let class = slf.get_type();
        let copy = class.call_method1("__new__", (&class,))?;
        // Registered first, so that a node nested inside itself is copied once.
        memo.set_item(slf.as_ptr() as usize, &copy)?;
        let deepcopy = py.import("copy")?.getattr("deepcopy")?;
        let copy_value = |value: &Value| -> PyResult<Value> {
            Ok(match value {
                Value::Str(text) => Value::Str(text.clone()),
                Value::Rendered { text, object } => Value::Rendered {
                    text: text.clone(),
                    object: object.clone_ref(py),
                },
                Value::Object(object) => Value::Object(deepcopy.call1((object, memo))?.unbind()),
            })
        };
        let copied = {
            let node = slf.try_borrow()?;
            let mut verbs = Vec::with_capacity(node.verbs.len());
            for verb in &node.verbs {
                verbs.push(match verb {
                    Verb::Node(child) => Verb::Node(
                        deepcopy
                            .call1((child, memo))?
                            .cast_into::<TwiML>()?
                            .unbind(),
                    ),
                    Verb::Text(text) => Verb::Text(text.clone()),
                });
            }
            TwiML {
                name: node.name.clone(),
                class: node.class.clone(),
                value: node.value.as_ref().map(copy_value).transpose()?,
                attributes: node
                    .attributes
                    .iter()
                    .map(|(name, value)| Ok((name.clone(), copy_value(value)?)))
                    .collect::<PyResult<_>>()?,
                verbs,
                holds_objects: node.holds_objects,
            }
        };
        *copy.cast::<TwiML>()?.try_borrow_mut()? = copied;
        // What Python subclasses keep in the instance dictionary.
        if let Ok(dict) = slf.getattr("__dict__") {
            let dict = deepcopy.call1((dict, memo))?;
            copy.getattr("__dict__")?.call_method1("update", (dict,))?;
        }
        Ok(copy)
    }
}

impl TwiML {
    /// [`TwiML::xml`] of this node, `depth` levels down the document.
    fn tree<'py>(&self, element: &Bound<'py, PyAny>, depth: usize) -> PyResult<Bound<'py, PyAny>> {
        let py = element.py();
        if depth > MAX_DEPTH {
            return Err(PyRecursionError::new_err(
                "the TwiML document nests an element inside itself",
            ));
        }
        let tree = element.call1((&self.name,))?;
        let mut attributes: Vec<&(String, Value)> = self.attributes.iter().collect();
        attributes.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (name, value) in attributes {
            let text = match value.known_text() {
                Some(text) => PyString::new(py, text),
                None => value.object(py).str()?,
            };
            tree.call_method1("set", (name, text))?;
        }
        match &self.value {
            Some(Value::Object(object)) if object.bind(py).is_truthy()? => {
                let object = object.bind(py);
                if object.cast::<PyDict>().is_ok() {
                    let json = py.import("json")?.call_method1("dumps", (object,))?;
                    tree.setattr("text", json)?;
                } else {
                    tree.setattr("text", object)?;
                }
            }
            Some(value) if value.known_text().is_some_and(|text| !text.is_empty()) => {
                tree.setattr("text", value.object(py))?;
            }
            _ => {}
        }
        let mut last_child: Option<Bound<'py, PyAny>> = None;
        for verb in &self.verbs {
            match (verb, &last_child) {
                (Verb::Text(text), Some(child)) => child.setattr("tail", text)?,
                (Verb::Text(text), None) => tree.setattr("text", text)?,
                (Verb::Node(node), _) => {
                    let child = node.bind(py).try_borrow()?.tree(element, depth + 1)?;
                    tree.call_method1("append", (&child,))?;
                    last_child = Some(child);
                }
            }
        }
        Ok(tree)
    }
}

/// Every library class with its builder methods, the root first.
fn classes() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut names = BTreeSet::new();
    for method in schema::METHODS {
        names.insert(method.class);
    }
    std::iter::once(ROOT_CLASS)
        .chain(names)
        .map(|class| (class, schema::methods_of(class).map(|m| m.method).collect()))
        .collect()
}

/// The vocabulary, for stub generation: (class, method, created class, element, text
/// parameter, whether it is required, keywords, whether more keywords are accepted).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn _schema() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    bool,
    Vec<&'static str>,
    bool,
)> {
    schema::METHODS
        .iter()
        .map(|m| {
            (
                m.parent,
                m.method,
                m.class,
                m.element,
                m.value,
                m.value_required,
                m.attributes.iter().map(|a| a.keyword).collect(),
                m.accepts_extra,
            )
        })
        .collect()
}

/// Fills the `twiml` submodule: the native base class and one Python class per library class.
pub(super) fn register(
    module: &Bound<'_, PyModule>,
    support: &Bound<'_, PyModule>,
) -> PyResult<()> {
    let py = module.py();
    module.add_class::<TwiML>()?;
    module.add_function(wrap_pyfunction!(_schema, module)?)?;
    let base: Bound<'_, PyType> = py.get_type::<TwiML>();
    let made = support.call_method1("install_twiml", (module, base, classes()))?;
    let made = made.cast_into::<PyDict>()?;
    // The first module registered wins; a second registration makes the same classes.
    let _ = CLASSES.set(py, made.unbind());
    Ok(())
}
