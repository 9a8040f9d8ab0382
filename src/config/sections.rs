//! Typed reading of each section. serde stops at the first error, so each section is read
//! again with the offending key removed until it reads cleanly: every problem gets reported.

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

use super::diagnostics::{Collector, closest};
use super::schema::{Config, SECTIONS, ScenarioOutcome};
use super::tree::{PositionIndex, join_index, join_key};

/// How many problems one section may report before the rest is skipped.
const MAX_PROBLEMS_PER_SECTION: usize = 50;

pub(crate) fn read(document: Value, index: &PositionIndex, collector: &mut Collector) -> Config {
    let mut config = Config::default();
    let Value::Object(sections) = document else {
        return config;
    };
    for (name, value) in sections {
        if value.is_null() {
            continue; // `voices:` with nothing under it means "none".
        }
        match name.as_str() {
            "twilio" => {
                config.twilio = section(&name, value, index, collector);
                config.twilio.forget_empty_values();
            }
            "server" => config.server = section(&name, value, index, collector),
            "runtime" => config.runtime = section(&name, value, index, collector),
            "voices" => config.voices = section(&name, value, index, collector),
            "agents" => config.agents = section(&name, value, index, collector),
            "compliance" => config.compliance = section(&name, value, index, collector),
            "limits" => config.limits = section(&name, value, index, collector),
            "inbound" => config.inbound = section(&name, value, index, collector),
            "simulator" => config.simulator = section(&name, value, index, collector),
            unknown => {
                let hint = match closest(unknown, SECTIONS.iter().copied()) {
                    Some(known) => format!("did you mean `{known}`?"),
                    None => format!("top-level keys are: {}", SECTIONS.join(", ")),
                };
                collector.error(
                    unknown,
                    index.get(unknown),
                    format!("unknown key `{unknown}`"),
                    Some(hint),
                );
            }
        }
    }
    config
}

fn section<T: DeserializeOwned + Default>(
    name: &str,
    mut value: Value,
    index: &PositionIndex,
    collector: &mut Collector,
) -> T {
    let mut coerced = Vec::new();
    for _ in 0..MAX_PROBLEMS_PER_SECTION {
        let error = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(typed) => return typed,
            Err(error) => error,
        };
        let mut segments: Vec<Segment> = error.path().iter().cloned().collect();
        let message = error.inner().to_string();
        let unknown = unknown_name(&message);
        // For an unknown key the path already ends at that key; keep the parent.
        if let (Some(field), Some(Segment::Map { key })) = (&unknown, segments.last())
            && key == field
        {
            segments.pop();
        }
        let mut path = name.to_owned();
        for segment in &segments {
            path = match segment {
                Segment::Seq { index } => join_index(&path, *index),
                Segment::Map { key } => join_key(&path, key),
                Segment::Enum { variant } => join_key(&path, variant),
                Segment::Unknown => path,
            };
        }
        // Each value is converted at most once, so a value no conversion fits is reported.
        if message.starts_with("invalid type")
            && !coerced.contains(&path)
            && coerce(&mut value, &segments)
        {
            coerced.push(path);
            continue;
        }
        let removable = match unknown {
            Some(field) => {
                let field_path = join_key(&path, &field);
                let hint = match closest(&field, expected_names(&message)) {
                    Some(known) => format!("did you mean `{known}`?"),
                    None => format!("known keys here: {}", expected_names(&message).join(", ")),
                };
                collector.error(
                    &field_path,
                    index.nearest(&field_path),
                    format!("unknown key `{field}`"),
                    Some(hint),
                );
                remove(&mut value, &segments, Some(&field))
            }
            None => {
                let (message, hint) = explain(&message);
                collector.error(&path, index.nearest(&path), message, hint);
                remove(&mut value, &segments, None)
            }
        };
        if !removable {
            break;
        }
    }
    T::default()
}

/// YAML reads `+15005550006` as a number and `${CPS}` substitutes text; convert a scalar to
/// what the field expects, as a user would. Returns false when no conversion applies.
fn coerce(value: &mut Value, segments: &[Segment]) -> bool {
    let Some(node) = navigate(value, segments) else {
        return false;
    };
    let converted = match node {
        Value::String(text) => {
            let text = text.trim();
            if let Ok(i) = text.parse::<i64>() {
                Value::from(i)
            } else if let Some(f) = text.parse::<f64>().ok().filter(|f| f.is_finite()) {
                Value::from(f)
            } else {
                match text {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => return false,
                }
            }
        }
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        _ => return false,
    };
    *node = converted;
    true
}

fn navigate<'v>(value: &'v mut Value, segments: &[Segment]) -> Option<&'v mut Value> {
    let mut node = value;
    for segment in segments {
        node = match (segment, node) {
            (Segment::Map { key }, Value::Object(map)) => map.get_mut(key)?,
            (Segment::Seq { index }, Value::Array(items)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The key named by serde's "unknown field `x`" message.
fn unknown_name(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest[..rest.find('`')?].to_owned())
}

/// The names serde lists after "expected one of" or "expected".
fn expected_names(message: &str) -> Vec<&str> {
    let Some(at) = message.find("expected") else {
        return Vec::new();
    };
    message[at..].split('`').skip(1).step_by(2).collect()
}

/// Rewords serde's messages where they would confuse a YAML author, and adds a hint.
fn explain(message: &str) -> (String, Option<String>) {
    if message.contains("untagged enum Scenario") {
        return (
            "not a scenario".to_owned(),
            Some(format!(
                "use one of {}, or a mapping like {{ answer: human, digits: \"1\" }}",
                ScenarioOutcome::NAMES.join(", ")
            )),
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let given = rest.split('`').next().unwrap_or_default();
        let known = expected_names(message);
        let hint = match closest(given, known.iter().copied()) {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!("choose one of: {}", known.join(", ")),
        };
        return (format!("`{given}` is not a known value"), Some(hint));
    }
    if message.contains("invalid socket address") {
        return (
            message.to_owned(),
            Some("write host:port, e.g. 127.0.0.1:8080".to_owned()),
        );
    }
    if message.starts_with("missing field") {
        return (message.replace("missing field", "missing key"), None);
    }
    (message.to_owned(), None)
}

/// Removes the offending value (or the unknown `field` under it) so the section can be read
/// again. Returns false when nothing could be removed.
fn remove(value: &mut Value, segments: &[Segment], field: Option<&str>) -> bool {
    let (target, last) = match field {
        Some(field) => (segments, Some(LastStep::Key(field.to_owned()))),
        None => match segments.split_last() {
            Some((Segment::Map { key }, parent)) => (parent, Some(LastStep::Key(key.clone()))),
            Some((Segment::Seq { index }, parent)) => (parent, Some(LastStep::Index(*index))),
            _ => (segments, None),
        },
    };
    let Some(last) = last else {
        return false;
    };
    let Some(node) = navigate(value, target) else {
        return false;
    };
    match (last, node) {
        (LastStep::Key(key), Value::Object(map)) => map.remove(&key).is_some(),
        (LastStep::Index(i), Value::Array(items)) if i < items.len() => {
            items.remove(i);
            true
        }
        _ => false,
    }
}

enum LastStep {
    Key(String),
    Index(usize),
}
