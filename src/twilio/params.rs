//! Request parameters shared by several resources, and how they go on the wire.

use std::fmt;

use reqwest::Url;

use super::credentials::check_sid;
use super::error::TwilioError;

/// Twilio's limit on inline TwiML, in characters.
pub const MAX_TWIML_CHARS: usize = 4000;

/// What Twilio runs when the call connects: exactly one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallInstructions {
    /// Twilio fetches TwiML from this URL.
    Url {
        url: String,
        method: Option<HttpMethod>,
    },
    /// Inline TwiML, at most 4,000 characters.
    Twiml(String),
    /// A TwiML App (`AP…`).
    ApplicationSid(String),
}

impl CallInstructions {
    /// Builds the instructions from optional parts as users supply them, refusing ambiguity
    /// (Twilio would silently ignore `Twiml` when `Url` is also given).
    pub fn from_parts(
        url: Option<&str>,
        twiml: Option<&str>,
        application_sid: Option<&str>,
    ) -> Result<Self, TwilioError> {
        match (url, twiml, application_sid) {
            (Some(url), None, None) => Ok(Self::Url {
                url: url.to_owned(),
                method: None,
            }),
            (None, Some(twiml), None) => Ok(Self::Twiml(twiml.to_owned())),
            (None, None, Some(sid)) => Ok(Self::ApplicationSid(sid.to_owned())),
            (None, None, None) => Err(TwilioError::invalid(
                "Url",
                "a call needs one of Url, Twiml or ApplicationSid",
            )),
            _ => Err(TwilioError::invalid(
                "Url",
                "Url, Twiml and ApplicationSid exclude each other: give exactly one",
            )),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), TwilioError> {
        match self {
            Self::Url { url, .. } => check_url("Url", url),
            Self::Twiml(twiml) => {
                let chars = twiml.chars().count();
                if twiml.trim().is_empty() {
                    Err(TwilioError::invalid("Twiml", "it is empty"))
                } else if chars > MAX_TWIML_CHARS {
                    Err(TwilioError::invalid(
                        "Twiml",
                        format!(
                            "{chars} characters is over Twilio's limit of {MAX_TWIML_CHARS}; serve it from a Url instead"
                        ),
                    ))
                } else {
                    Ok(())
                }
            }
            Self::ApplicationSid(sid) => check_sid("ApplicationSid", "AP", sid),
        }
    }

    pub(crate) fn write(&self, form: &mut Vec<(&'static str, String)>) {
        match self {
            Self::Url { url, method } => {
                form.push(("Url", url.clone()));
                push(form, "Method", method);
            }
            Self::Twiml(twiml) => form.push(("Twiml", twiml.clone())),
            Self::ApplicationSid(sid) => form.push(("ApplicationSid", sid.clone())),
        }
    }
}

/// A webhook URL must be absolute http(s); Twilio answers 21205 otherwise.
pub(crate) fn check_url(param: &'static str, url: &str) -> Result<(), TwilioError> {
    match Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => Ok(()),
        Ok(_) => Err(TwilioError::invalid(
            param,
            format!("{url:?} is not an http(s) URL"),
        )),
        Err(e) => Err(TwilioError::invalid(param, format!("{url:?}: {e}"))),
    }
}

/// Appends the present `(key, value)` pairs to the query, leaving a URL without them untouched
/// (a bare `?` would make the same page look like a different one).
pub(crate) fn append_query(url: &mut Url, pairs: &[(&str, Option<String>)]) {
    let present: Vec<_> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v)))
        .collect();
    if !present.is_empty() {
        url.query_pairs_mut().extend_pairs(present);
    }
}

/// A day as Twilio's list filters take it: `YYYY-MM-DD`.
pub(crate) fn filter_date(day: &Option<chrono::NaiveDate>) -> Option<String> {
    day.map(|d| d.format("%Y-%m-%d").to_string())
}

/// Checks an optional number against Twilio's documented range for `param`.
pub(crate) fn in_range(
    param: &'static str,
    value: Option<u32>,
    low: u32,
    high: u32,
) -> Result<(), TwilioError> {
    match value {
        Some(v) if !(low..=high).contains(&v) => Err(TwilioError::invalid(
            param,
            format!("{v} is outside {low}–{high}"),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn push<T: fmt::Display>(
    form: &mut Vec<(&'static str, String)>,
    key: &'static str,
    value: &Option<T>,
) {
    if let Some(value) = value {
        form.push((key, value.to_string()));
    }
}

/// Arrays go on the wire as repeated keys: `StatusCallbackEvent=initiated&StatusCallbackEvent=…`.
pub(crate) fn push_all<T: fmt::Display>(
    form: &mut Vec<(&'static str, String)>,
    key: &'static str,
    values: &[T],
) {
    form.extend(values.iter().map(|v| (key, v.to_string())));
}

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(format!(
                        "{s:?} is not one of {}",
                        [$($wire),+].join(", ")
                    )),
                }
            }
        }
    };
}

wire_enum!(
    /// How Twilio requests a webhook.
    HttpMethod { Get => "GET", Post => "POST" }
);
wire_enum!(
    /// The call-progress events a status callback subscribes to.
    StatusCallbackEvent {
        Initiated => "initiated",
        Ringing => "ringing",
        Answered => "answered",
        Completed => "completed",
    }
);
wire_enum!(
    /// The recording events a recording callback subscribes to.
    RecordingEvent { InProgress => "in-progress", Completed => "completed", Absent => "absent" }
);
wire_enum!(RecordingChannels { Mono => "mono", Dual => "dual" });
wire_enum!(RecordingTrack { Inbound => "inbound", Outbound => "outbound", Both => "both" });
wire_enum!(Trim { TrimSilence => "trim-silence", DoNotTrim => "do-not-trim" });
wire_enum!(
    /// Answering-machine detection mode.
    MachineDetection { Enable => "Enable", DetectMessageEnd => "DetectMessageEnd" }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_instruction_is_required() {
        assert!(CallInstructions::from_parts(Some("https://a.example/t"), None, None).is_ok());
        let both =
            CallInstructions::from_parts(Some("https://a.example/t"), Some("<Response/>"), None)
                .unwrap_err();
        assert!(both.to_string().contains("exactly one"), "{both}");
        let none = CallInstructions::from_parts(None, None, None).unwrap_err();
        assert!(none.to_string().contains("needs one of"), "{none}");
    }

    #[test]
    fn twiml_over_4000_characters_is_refused() {
        let at_limit = format!("<Response><Say>{}</Say></Response>", "a".repeat(4000 - 32));
        assert_eq!(at_limit.chars().count(), 4000);
        assert!(CallInstructions::Twiml(at_limit.clone()).validate().is_ok());
        let over = CallInstructions::Twiml(format!("{at_limit} "));
        let err = over.validate().unwrap_err();
        assert!(err.to_string().contains("4001 characters"), "{err}");
    }

    #[test]
    fn urls_must_be_absolute_http() {
        for bad in ["/relative", "ftp://x.example/a", "https://", "nonsense"] {
            assert!(check_url("Url", bad).is_err(), "{bad}");
        }
        assert!(check_url("Url", "http://127.0.0.1:8080/twilio/voice").is_ok());
    }

    #[test]
    fn wire_enums_round_trip_and_list_choices_on_error() {
        for event in StatusCallbackEvent::ALL {
            assert_eq!(
                event.as_str().parse::<StatusCallbackEvent>().unwrap(),
                *event
            );
        }
        let err = "hangup".parse::<StatusCallbackEvent>().unwrap_err();
        assert!(
            err.contains("initiated, ringing, answered, completed"),
            "{err}"
        );
    }
}
