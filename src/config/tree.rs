//! The YAML document as a tree that remembers where every key and value stood, so each problem
//! found later, by serde or by validation, can name its file and line.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A YAML value with the position of each child.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        i64::try_from(v)
            .map(Node::Int)
            .map_err(|_| E::custom(format!("{v} is too large")))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Node>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

impl Node {
    /// A scalar as the text a key or message would show.
    pub(crate) fn scalar_text(&self) -> Option<String> {
        match self {
            Node::Str(s) => Some(s.clone()),
            Node::Int(i) => Some(i.to_string()),
            Node::Float(f) => Some(f.to_string()),
            Node::Bool(b) => Some(b.to_string()),
            Node::Null => Some(String::new()),
            Node::Map(_) | Node::Seq(_) => None,
        }
    }
}

/// Where a value stood: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u64,
    pub column: u64,
}

/// Dotted paths (`voices.captain_nova.pitch`, `runtime.scripts[0]`) to positions.
#[derive(Debug, Default)]
pub(crate) struct PositionIndex {
    by_path: HashMap<String, Position>,
}

impl PositionIndex {
    pub(crate) fn get(&self, path: &str) -> Option<Position> {
        self.by_path.get(path).copied()
    }

    /// The position of `path`, or of its nearest ancestor that has one.
    pub(crate) fn nearest(&self, path: &str) -> Option<Position> {
        let mut current = path;
        loop {
            if let Some(found) = self.get(current) {
                return Some(found);
            }
            let cut = current.rfind(['.', '['])?;
            current = &current[..cut];
        }
    }
}

pub(crate) fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

pub(crate) fn join_index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

fn position<T>(spanned: &Spanned<T>) -> Position {
    Position {
        line: spanned.referenced.line(),
        column: spanned.referenced.column(),
    }
}

/// Walks the tree, recording every position, and turns it into JSON for typed deserialization.
/// `transform` sees each scalar with its path and may rewrite it (environment interpolation).
pub(crate) fn to_json(
    root: &Spanned<Node>,
    index: &mut PositionIndex,
    transform: &mut dyn FnMut(&str, Position, &Node) -> Node,
) -> serde_json::Value {
    fn walk(
        node: &Spanned<Node>,
        path: &str,
        index: &mut PositionIndex,
        transform: &mut dyn FnMut(&str, Position, &Node) -> Node,
    ) -> serde_json::Value {
        let here = position(node);
        index.by_path.entry(path.to_owned()).or_insert(here);
        match &node.value {
            Node::Map(entries) => {
                let mut object = serde_json::Map::new();
                for (key, value) in entries {
                    let name = key.value.scalar_text().unwrap_or_else(|| "?".to_owned());
                    let child = join_key(path, &name);
                    index.by_path.insert(child.clone(), position(key));
                    let json = walk(value, &child, index, transform);
                    object.insert(name, json);
                }
                serde_json::Value::Object(object)
            }
            Node::Seq(items) => serde_json::Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| walk(item, &join_index(path, i), index, transform))
                    .collect(),
            ),
            scalar => scalar_json(transform(path, here, scalar)),
        }
    }
    walk(root, "", index, transform)
}

fn scalar_json(node: Node) -> serde_json::Value {
    match node {
        Node::Str(s) => serde_json::Value::String(s),
        Node::Int(i) => serde_json::Value::from(i),
        Node::Float(f) => serde_json::Number::from_f64(f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Node::Bool(b) => serde_json::Value::Bool(b),
        Node::Null | Node::Map(_) | Node::Seq(_) => serde_json::Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_the_line_of_every_key_and_value() {
        let yaml = "twilio:\n  from_number: \"+15005550006\"\nruntime:\n  scripts:\n    - scripts\n    - more\n";
        let root: Spanned<Node> = serde_saphyr::from_str(yaml).unwrap();
        let mut index = PositionIndex::default();
        let json = to_json(&root, &mut index, &mut |_, _, n| n.clone());
        assert_eq!(json["twilio"]["from_number"], "+15005550006");
        assert_eq!(index.get("twilio.from_number").map(|p| p.line), Some(2));
        assert_eq!(index.get("runtime.scripts[1]").map(|p| p.line), Some(6));
        assert_eq!(
            index.nearest("runtime.scripts[1].nope").map(|p| p.line),
            Some(6)
        );
    }

    #[test]
    fn keeps_scalar_types() {
        let root: Spanned<Node> =
            serde_saphyr::from_str("a: 1\nb: 1.5\nc: true\nd: ~\ne: \"1\"\n").unwrap();
        let mut index = PositionIndex::default();
        let json = to_json(&root, &mut index, &mut |_, _, n| n.clone());
        assert_eq!(
            json,
            serde_json::json!({"a": 1, "b": 1.5, "c": true, "d": null, "e": "1"})
        );
    }
}
