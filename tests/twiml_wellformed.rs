//! Property: every document the builder can make is well-formed XML that an independent parser
//! (quick-xml) reads back to the same tree, whatever text and attribute values it holds; the
//! same for content written as markup in one pass.

#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use projectx::twiml::{Child, Element, MarkupWriter, is_xml_char};
use proptest::prelude::*;
use quick_xml::events::Event;

/// A tree as a parser sees it: name, sorted attributes, and text/element content in order.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Element {
        name: String,
        attributes: Vec<(String, String)>,
        content: Vec<Node>,
    },
    Text(String),
}

const NAMES: &[&str] = &[
    "Response",
    "Say",
    "Gather",
    "Dial",
    "Number",
    "Stream",
    "Parameter",
    "say-as",
    "amazon:effect",
    "prosody",
    "break",
    "p",
    "s",
];
const KEYS: &[&str] = &[
    "voice",
    "language",
    "numDigits",
    "interpret-as",
    "xml:lang",
    "name",
    "value",
    "loop",
];

fn text() -> impl Strategy<Value = String> {
    // Any characters, including markup, quotes, control characters and astral planes; carriage
    // returns excluded because XML parsers normalise line ends in text by specification.
    proptest::collection::vec(any::<char>().prop_filter("no CR", |c| *c != '\r'), 0..12)
        .prop_map(|cs| cs.into_iter().collect())
}

fn attribute_value() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..12).prop_map(|cs| cs.into_iter().collect())
}

fn element() -> impl Strategy<Value = Element> {
    let leaf = (
        proptest::sample::select(NAMES),
        proptest::collection::vec((proptest::sample::select(KEYS), attribute_value()), 0..4),
        proptest::option::of(text()),
    )
        .prop_map(|(name, attributes, text)| {
            let mut e = Element::new(name);
            for (k, v) in attributes {
                e.set_attr(k, v);
            }
            if let Some(t) = text {
                e.set_text(t);
            }
            e
        });
    leaf.prop_recursive(4, 32, 6, |inner| {
        (
            inner.clone(),
            proptest::collection::vec(
                prop_oneof![inner.prop_map(Child::Element), text().prop_map(Child::Text)],
                0..6,
            ),
        )
            .prop_map(|(mut parent, children)| {
                for child in children {
                    match child {
                        Child::Element(e) => {
                            parent.push(e);
                        }
                        Child::Text(t) => parent.push_text(t),
                        Child::Markup(m) => parent.push_markup(m),
                    }
                }
                parent
            })
    })
}

fn clean(text: &str) -> String {
    text.chars().filter(|c| is_xml_char(*c)).collect()
}

/// The tree the writer promises, after ElementTree's text rules.
fn expected(e: &Element) -> Node {
    let mut attributes: Vec<(String, String)> = e
        .attributes()
        .map(|(k, v)| (k.to_owned(), clean(v)))
        .collect();
    attributes.sort();
    let mut lead = e.text().map(clean).filter(|t| !t.is_empty());
    let mut parts: Vec<(Node, Option<String>)> = Vec::new();
    for child in e.children() {
        match child {
            Child::Element(c) => parts.push((expected(c), None)),
            Child::Text(t) => match parts.last_mut() {
                Some(last) => last.1 = Some(clean(t)),
                None => lead = Some(clean(t)),
            },
            Child::Markup(_) => unreachable!("element() makes no markup"),
        }
    }
    let mut content = Vec::new();
    if let Some(t) = lead.filter(|t| !t.is_empty()) {
        content.push(Node::Text(t));
    }
    for (node, tail) in parts {
        content.push(node);
        if let Some(t) = tail.filter(|t| !t.is_empty()) {
            content.push(Node::Text(t));
        }
    }
    Node::Element {
        name: e.name().to_owned(),
        attributes,
        content: merge_texts(content),
    }
}

fn merge_texts(content: Vec<Node>) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::new();
    for node in content {
        match (out.last_mut(), node) {
            (Some(Node::Text(previous)), Node::Text(t)) => previous.push_str(&t),
            (_, node) => out.push(node),
        }
    }
    out
}

fn parse(xml: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node::Element {
        name: String::new(),
        attributes: Vec::new(),
        content: Vec::new(),
    }];
    let open = |start: &quick_xml::events::BytesStart| {
        let mut attributes: Vec<(String, String)> = start
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                let value = a.unescape_value().unwrap().into_owned();
                (key, value)
            })
            .collect();
        attributes.sort();
        Node::Element {
            name: String::from_utf8(start.name().as_ref().to_vec()).unwrap(),
            attributes,
            content: Vec::new(),
        }
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Decl(_) => {}
            Event::Start(start) => stack.push(open(&start)),
            Event::Empty(start) => {
                let node = open(&start);
                push(&mut stack, node);
            }
            Event::End(_) => {
                let node = stack.pop().unwrap();
                push(&mut stack, node);
            }
            Event::Text(t) => {
                let text = t.decode().unwrap().into_owned();
                let text = quick_xml::escape::unescape(&text).unwrap().into_owned();
                push(&mut stack, Node::Text(text));
            }
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap().into_owned();
                let ch = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::unescape(&format!("&{name};"))
                        .unwrap()
                        .into_owned(),
                };
                push(&mut stack, Node::Text(ch));
            }
            Event::Eof => break,
            other => panic!("unexpected XML event {other:?} in {xml}"),
        }
    }
    match stack.pop().unwrap() {
        Node::Element { mut content, .. } => content.remove(0),
        Node::Text(_) => unreachable!(),
    }
}

fn push(stack: &mut [Node], node: Node) {
    if let Some(Node::Element { content, .. }) = stack.last_mut() {
        match (content.last_mut(), node) {
            (Some(Node::Text(previous)), Node::Text(t)) => previous.push_str(&t),
            (_, node) => content.push(node),
        }
    }
}

/// One call on a [`MarkupWriter`].
#[derive(Debug, Clone)]
enum Write {
    Open(&'static str, Vec<(&'static str, String)>),
    Text(String),
    Close,
}

fn writes() -> impl Strategy<Value = Vec<Write>> {
    let attributes =
        proptest::collection::btree_map(proptest::sample::select(KEYS), attribute_value(), 0..4)
            .prop_map(|map| map.into_iter().collect::<Vec<_>>());
    let write = prop_oneof![
        (proptest::sample::select(NAMES), attributes).prop_map(|(n, a)| Write::Open(n, a)),
        text().prop_map(Write::Text),
        Just(Write::Close),
    ];
    proptest::collection::vec(write, 0..24)
}

/// The writes made on a writer, and the tree they promise: texts as written (less what XML
/// cannot carry), attributes sorted, unclosed elements closed at the end.
fn written(writes: &[Write]) -> (projectx::twiml::Markup, Node) {
    let mut writer = MarkupWriter::default();
    let mut stack = vec![Node::Element {
        name: "Say".to_owned(),
        attributes: Vec::new(),
        content: Vec::new(),
    }];
    for write in writes {
        match write {
            Write::Open(name, attributes) => {
                let pairs: Vec<(&str, &str)> =
                    attributes.iter().map(|(k, v)| (*k, v.as_str())).collect();
                writer.open(name, &pairs);
                let mut attributes: Vec<(String, String)> = attributes
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), clean(v)))
                    .collect();
                attributes.sort();
                stack.push(Node::Element {
                    name: (*name).to_owned(),
                    attributes,
                    content: Vec::new(),
                });
            }
            Write::Text(t) => {
                writer.text(t);
                let t = clean(t);
                if !t.is_empty() {
                    push(&mut stack, Node::Text(t));
                }
            }
            Write::Close => {
                writer.close();
                if stack.len() > 1 {
                    let node = stack.pop().unwrap();
                    push(&mut stack, node);
                }
            }
        }
    }
    while stack.len() > 1 {
        let node = stack.pop().unwrap();
        push(&mut stack, node);
    }
    (writer.finish(), stack.pop().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_document_reads_back_as_the_same_tree(root in element()) {
        let xml = root.to_xml();
        prop_assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><"));
        prop_assert_eq!(parse(&xml), expected(&root), "{}", xml);
    }

    #[test]
    fn markup_reads_back_as_the_tree_it_was_written_as(writes in writes()) {
        let (markup, tree) = written(&writes);
        let mut say = Element::new("Say");
        say.push_markup(markup.clone());
        let xml = say.to_xml();
        prop_assert_eq!(parse(&xml), tree, "{}", xml);

        // Read back as a tree, the markup is written the same again.
        let mut rebuilt = Element::new("Say");
        for child in markup.to_children().unwrap() {
            match child {
                Child::Element(e) => {
                    rebuilt.push(e);
                }
                Child::Text(t) => rebuilt.append_text(&t),
                Child::Markup(m) => rebuilt.push_markup(m),
            }
        }
        prop_assert_eq!(rebuilt.to_xml(), xml);
    }
}

#[test]
fn control_characters_are_dropped_not_written() {
    let e = Element::new("Say")
        .with_text("bell\u{7}here")
        .attr("voice", "a\u{0}b");
    assert_eq!(e.to_xml_fragment(), "<Say voice=\"ab\">bellhere</Say>");
}
