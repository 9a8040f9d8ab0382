//! Building TwiML by the official library's method and keyword names, checked against its
//! vocabulary ([`super::schema`]): what the Lua builder and the Python `VoiceResponse` use.

use super::element::{AttrValue, Element, Text, wire_name};
use super::schema::{self, ROOT_CLASS, ROOT_ELEMENT};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TwimlError {
    #[error("<{element}> has no method {method:?}; it has: {}", known.join(", "))]
    UnknownMethod {
        element: String,
        method: String,
        known: Vec<&'static str>,
    },
    #[error("{method}() takes no argument {keyword:?}; it takes: {}", known.join(", "))]
    UnknownArgument {
        method: String,
        keyword: String,
        known: Vec<&'static str>,
    },
    #[error("{method}() needs its {parameter} argument")]
    MissingValue {
        method: String,
        parameter: &'static str,
    },
}

/// Unknown keywords: refused (Lua) or written through as the library does (Python).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extras {
    Refuse,
    Allow,
}

/// An empty `<Response>` and the library class that continues it.
pub fn response() -> (Element, &'static str) {
    (Element::new(ROOT_ELEMENT), ROOT_CLASS)
}

/// Creates the child that `method` of the library class `parent_class` creates and appends it
/// to `parent`; returns the child and its class, for further nesting.
pub fn nest<'e>(
    parent: &'e mut Element,
    parent_class: &str,
    method: &str,
    value: Option<&str>,
    keywords: &[(&str, AttrValue)],
    extras: Extras,
) -> Result<(&'e mut Element, &'static str), TwimlError> {
    let spec = schema::method(parent_class, method).ok_or_else(|| TwimlError::UnknownMethod {
        element: parent.name().to_owned(),
        method: method.to_owned(),
        known: schema::methods_of(parent_class).map(|m| m.method).collect(),
    })?;
    let mut child = Element::new(spec.element);
    match (value, spec.value) {
        (Some(text), _) => child.set_text(Text::copied(text)),
        (None, Some(parameter)) if spec.value_required => {
            return Err(TwimlError::MissingValue {
                method: method.to_owned(),
                parameter,
            });
        }
        (None, _) => {}
    }
    for (keyword, value) in keywords {
        let wire = match spec.attribute(keyword) {
            Some(attribute) => attribute.wire.into(),
            None if extras == Extras::Allow => wire_name(keyword),
            None => {
                return Err(TwimlError::UnknownArgument {
                    method: method.to_owned(),
                    keyword: (*keyword).to_owned(),
                    known: spec.attributes.iter().map(|a| a.keyword).collect(),
                });
            }
        };
        child.set_attr(wire, value.clone());
    }
    Ok((parent.push(child), spec.class))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_ivr_vector_by_library_names() {
        let (mut root, class) = response();
        let (gather, gather_class) = nest(
            &mut root,
            class,
            "gather",
            None,
            &[
                ("input", "speech dtmf".into()),
                ("num_digits", 1.into()),
                ("action_on_empty_result", true.into()),
            ],
            Extras::Refuse,
        )
        .unwrap();
        nest(
            gather,
            gather_class,
            "say",
            Some("Press 1."),
            &[("voice", "alice".into())],
            Extras::Refuse,
        )
        .unwrap();
        assert_eq!(
            root.to_xml_fragment(),
            "<Response><Gather actionOnEmptyResult=\"true\" input=\"speech dtmf\" numDigits=\"1\"><Say voice=\"alice\">Press 1.</Say></Gather></Response>"
        );
    }

    #[test]
    fn unknown_methods_and_keywords_name_the_known_ones() {
        let (mut root, class) = response();
        let err = nest(&mut root, class, "shout", Some("hi"), &[], Extras::Refuse).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("<Response> has no method \"shout\"; it has: "),
            "{err}"
        );
        assert!(err.to_string().contains("say"), "{err}");
        let err = nest(
            &mut root,
            class,
            "say",
            Some("hi"),
            &[("colour", "red".into())],
            Extras::Refuse,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("say() takes no argument \"colour\""),
            "{err}"
        );
        assert!(err.to_string().contains("voice"), "{err}");
        assert_eq!(
            root.to_xml_fragment(),
            "<Response />",
            "a refused call changes nothing"
        );
    }

    #[test]
    fn extras_pass_through_when_allowed_as_in_the_library() {
        let (mut root, class) = response();
        nest(
            &mut root,
            class,
            "say",
            Some("hi"),
            &[("custom_thing", 1.into())],
            Extras::Allow,
        )
        .unwrap();
        assert_eq!(
            root.to_xml_fragment(),
            "<Response><Say customThing=\"1\">hi</Say></Response>"
        );
    }

    #[test]
    fn ssml_nests_under_say_with_special_names() {
        let (mut root, class) = response();
        let (say, say_class) = nest(&mut root, class, "say", None, &[], Extras::Refuse).unwrap();
        nest(
            say,
            say_class,
            "say_as",
            Some("12345"),
            &[("interpret_as", "digits".into())],
            Extras::Refuse,
        )
        .unwrap();
        nest(
            say,
            say_class,
            "break_",
            None,
            &[("time", "1s".into())],
            Extras::Refuse,
        )
        .unwrap();
        assert_eq!(
            root.to_xml_fragment(),
            "<Response><Say><say-as interpret-as=\"digits\">12345</say-as><break time=\"1s\" /></Say></Response>"
        );
    }
}
