//! `twiml`: documents built with the official library's method and keyword names, checked as
//! they are built. `r:say("Hi")` appends and returns `r`, so calls chain; a function argument
//! fills the new element: `r:gather({ num_digits = 1 }, function(g) g:say("Press 1") end)`.

use std::sync::{Arc, Mutex};

use mlua::{Function, Lua, MetaMethod, Table, UserData, UserDataMethods, Value, Variadic};

use crate::twiml::{AttrValue, Element, Extras, nest, response};

/// Lua options as TwiML keywords, sorted by name so errors and output are stable.
pub(crate) fn keywords(
    options: Option<Table>,
    what: &str,
) -> mlua::Result<Vec<(String, AttrValue)>> {
    let Some(options) = options else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for pair in options.pairs::<Value, Value>() {
        let (key, value) = pair?;
        let Value::String(key) = key else {
            return Err(mlua::Error::runtime(format!(
                "{what}: option names must be strings, not {}",
                key.type_name()
            )));
        };
        let key = key.to_str()?.to_owned();
        let value = attr_value(value).map_err(|kind| {
            mlua::Error::runtime(format!(
                "{what}: bad option '{key}': expected a string, number, boolean or list, got {kind}"
            ))
        })?;
        out.push((key, value));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn attr_value(value: Value) -> Result<AttrValue, &'static str> {
    Ok(match value {
        Value::String(s) => AttrValue::from(s.to_string_lossy()),
        Value::Integer(i) => AttrValue::Int(i),
        Value::Number(n) => AttrValue::Float(n),
        Value::Boolean(b) => AttrValue::Bool(b),
        // Lists (`input = { "dtmf", "speech" }`) are written space-separated, as the library does.
        Value::Table(list) => {
            let mut parts = Vec::new();
            for item in list.sequence_values::<Value>() {
                match attr_value(item.map_err(|_| "a list")?)? {
                    AttrValue::Text(s) => parts.push(s.to_string()),
                    other => parts.push(other.render()),
                }
            }
            AttrValue::from(parts.join(" "))
        }
        other => return Err(other.type_name()),
    })
}

/// A document, or an element inside one (by its path of child indices).
#[derive(Debug, Clone)]
pub(crate) struct LuaTwiml {
    root: Arc<Mutex<Element>>,
    path: Vec<usize>,
    class: &'static str,
}

impl LuaTwiml {
    pub(crate) fn new_response() -> Self {
        let (root, class) = response();
        Self {
            root: Arc::new(Mutex::new(root)),
            path: Vec::new(),
            class,
        }
    }

    pub(crate) fn to_xml(&self, declaration: bool) -> String {
        let root = self.root.lock().unwrap_or_else(|p| p.into_inner());
        if declaration {
            root.to_xml()
        } else {
            root.to_xml_fragment()
        }
    }

    /// Appends what `method` makes; returns a handle to it.
    fn append(
        &self,
        method: &str,
        value: Option<String>,
        options: Option<Table>,
    ) -> mlua::Result<LuaTwiml> {
        let what = format!("twiml:{method}");
        let options = keywords(options, &what)?;
        let keywords: Vec<(&str, AttrValue)> = options
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let mut root = self.root.lock().unwrap_or_else(|p| p.into_inner());
        let mut parent: &mut Element = &mut root;
        for index in &self.path {
            parent = parent
                .child_mut(*index)
                .ok_or_else(|| mlua::Error::runtime("twiml: the element is gone"))?;
        }
        let index = parent.children().len();
        let (_, class) = nest(
            parent,
            self.class,
            method,
            value.as_deref(),
            &keywords,
            Extras::Refuse,
        )
        .map_err(|e| mlua::Error::runtime(format!("{what}: {e}")))?;
        let mut path = self.path.clone();
        path.push(index);
        Ok(LuaTwiml {
            root: self.root.clone(),
            path,
            class,
        })
    }
}

/// `(value?, options?, fill?)` in any of the shapes the builder accepts.
fn split_arguments(
    method: &str,
    arguments: Variadic<Value>,
) -> mlua::Result<(Option<String>, Option<Table>, Option<Function>)> {
    let (mut value, mut options, mut fill) = (None, None, None);
    for argument in arguments {
        match argument {
            Value::String(s) if value.is_none() && options.is_none() => {
                value = Some(s.to_str()?.to_owned());
            }
            Value::Integer(i) if value.is_none() && options.is_none() => {
                value = Some(i.to_string());
            }
            Value::Number(n) if value.is_none() && options.is_none() => {
                value = Some(n.to_string());
            }
            Value::Table(t) if options.is_none() && fill.is_none() => options = Some(t),
            Value::Function(f) if fill.is_none() => fill = Some(f),
            Value::Nil => {}
            other => {
                return Err(mlua::Error::runtime(format!(
                    "twiml:{method}: unexpected {} argument; use (text, options, function)",
                    other.type_name()
                )));
            }
        }
    }
    Ok((value, options, fill))
}

impl UserData for LuaTwiml {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("to_xml", |_, this, options: Option<Table>| {
            let declaration = match options {
                Some(t) => t.get::<Option<bool>>("xml_declaration")?.unwrap_or(true),
                None => true,
            };
            Ok(this.to_xml(declaration))
        });
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(this.to_xml(true)));
        // Every other name is a builder method of the element's library class.
        methods.add_meta_method(MetaMethod::Index, |lua, _, method: String| {
            let name = method.clone();
            lua.create_function(
                move |lua, (this, arguments): (mlua::AnyUserData, Variadic<Value>)| {
                    let node = this.borrow::<LuaTwiml>()?.clone();
                    let (value, options, fill) = split_arguments(&name, arguments)?;
                    let child = node.append(&name, value, options)?;
                    if let Some(fill) = fill {
                        fill.call::<()>(lua.create_userdata(child)?)?;
                    }
                    Ok(this)
                },
            )
        });
    }
}

pub(super) fn register(lua: &Lua) -> mlua::Result<()> {
    let twiml = lua.create_table()?;
    twiml.set(
        "response",
        lua.create_function(|_, ()| Ok(LuaTwiml::new_response()))?,
    )?;
    lua.globals().set("twiml", twiml)
}
