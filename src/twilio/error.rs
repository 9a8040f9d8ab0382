//! One error type for everything the Twilio client can run into.
//!
//! It keeps the facts a caller needs to decide what to do next: the HTTP status, Twilio's error
//! code, the message and `more_info` link, the raw body, and whether a failed request may have
//! reached Twilio at all (which decides whether a create may be retried).

use std::path::PathBuf;
use std::time::Duration;

use crate::phone::PhoneError;

/// Twilio codes that mean the number itself is the problem (reference §5).
const INVALID_NUMBER_CODES: &[u32] = &[21210, 21211, 21212, 21214, 21217, 13223, 13224];
/// Twilio codes that mean the destination is blocked rather than malformed.
const BLOCKED_DESTINATION_CODES: &[u32] = &[21215, 21216, 13225, 13227];

/// An error answer from Twilio's REST API.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    /// Twilio's numeric error code (`21211`), when the body carried one.
    pub code: Option<u32>,
    pub message: String,
    pub more_info: Option<String>,
    /// The body exactly as received, for logs and bug reports.
    pub body: String,
    /// The server's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
}

/// Whether a request that failed in transport could have reached Twilio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The connection was never established: Twilio cannot have acted on it.
    NotSent,
    /// The request may have been sent (time-out, connection reset): Twilio may have acted on it.
    MaybeSent,
}

#[derive(Debug, thiserror::Error)]
pub enum TwilioError {
    #[error("{}", describe_api(.0))]
    Api(Box<ApiError>),

    /// Rejected before sending: nothing went over the wire.
    #[error("invalid {param}: {reason}")]
    InvalidRequest { param: &'static str, reason: String },

    /// A `To`/`From` that is not a usable number; nothing went over the wire.
    #[error("invalid {param}: {source}")]
    InvalidNumber {
        param: &'static str,
        #[source]
        source: PhoneError,
    },

    #[error("could not reach Twilio at {url} ({}): {source}", match .delivery { Delivery::NotSent => "request not sent", Delivery::MaybeSent => "request may have been sent" })]
    Transport {
        url: String,
        delivery: Delivery,
        #[source]
        source: reqwest::Error,
    },

    #[error("Twilio answered HTTP {status} with a body that is not the expected JSON: {source}")]
    Decode {
        status: u16,
        body: String,
        #[source]
        source: serde_json::Error,
    },

    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn describe_api(e: &ApiError) -> String {
    match e.code {
        Some(code) => format!("Twilio error {code} (HTTP {}): {}", e.status, e.message),
        None => format!("Twilio answered HTTP {}: {}", e.status, e.message),
    }
}

impl TwilioError {
    pub fn invalid(param: &'static str, reason: impl Into<String>) -> Self {
        TwilioError::InvalidRequest {
            param,
            reason: reason.into(),
        }
    }

    /// The HTTP status of an API answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            TwilioError::Api(e) => Some(e.status),
            TwilioError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Twilio's error code of an API answer.
    pub fn code(&self) -> Option<u32> {
        match self {
            TwilioError::Api(e) => e.code,
            _ => None,
        }
    }

    pub fn api(&self) -> Option<&ApiError> {
        match self {
            TwilioError::Api(e) => Some(e),
            _ => None,
        }
    }

    /// True when the same request may succeed later: rate limits, server errors, transport.
    /// Whether it is *safe* to repeat depends on the request too; see [`super::RetryPolicy`].
    pub fn is_retryable(&self) -> bool {
        match self {
            TwilioError::Api(e) => e.status == 429 || e.status >= 500 || e.code == Some(20429),
            TwilioError::Transport { .. } => true,
            _ => false,
        }
    }

    pub fn is_rate_limited(&self) -> bool {
        matches!(self, TwilioError::Api(e) if e.status == 429 || e.code == Some(20429))
    }

    pub fn is_auth(&self) -> bool {
        matches!(self, TwilioError::Api(e) if e.status == 401 || e.code == Some(20003))
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, TwilioError::Api(e) if e.status == 404 || e.code == Some(20404))
    }

    /// True when the number is the problem: rejected locally or by Twilio.
    pub fn is_invalid_number(&self) -> bool {
        match self {
            TwilioError::InvalidNumber { .. } => true,
            TwilioError::Api(e) => e.code.is_some_and(|c| INVALID_NUMBER_CODES.contains(&c)),
            _ => false,
        }
    }

    /// True when Twilio refuses the destination (geo permissions, blocklist).
    pub fn is_blocked_destination(&self) -> bool {
        matches!(self, TwilioError::Api(e) if e.code.is_some_and(|c| BLOCKED_DESTINATION_CODES.contains(&c)))
    }

    /// True when the request was refused locally and never sent.
    pub fn is_local_rejection(&self) -> bool {
        matches!(
            self,
            TwilioError::InvalidRequest { .. } | TwilioError::InvalidNumber { .. }
        )
    }
}

/// Twilio's JSON error body: `{"code": 21211, "message": "...", "more_info": "...", "status": 400}`.
#[derive(serde::Deserialize)]
struct ErrorBody {
    code: Option<serde_json::Value>,
    message: Option<String>,
    more_info: Option<String>,
    // RFC 9457 bodies (newer APIs, and the contract mock) carry `title`/`detail`.
    title: Option<String>,
    detail: Option<String>,
}

impl ApiError {
    /// Builds the error from an HTTP answer, tolerating bodies that are not Twilio's JSON.
    pub fn from_response(status: u16, body: String, retry_after: Option<Duration>) -> Self {
        let parsed: Option<ErrorBody> = serde_json::from_str(&body).ok();
        let code = parsed.as_ref().and_then(|b| match &b.code {
            Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Some(serde_json::Value::String(s)) => s.parse().ok(),
            _ => None,
        });
        let message = parsed
            .as_ref()
            .and_then(|b| {
                b.message.clone().or_else(|| match (&b.title, &b.detail) {
                    (Some(t), Some(d)) => Some(format!("{t}: {d}")),
                    (t, d) => t.clone().or_else(|| d.clone()),
                })
            })
            .unwrap_or_else(|| fallback_message(status, &body));
        Self {
            status,
            code,
            message,
            more_info: parsed.and_then(|b| b.more_info),
            body,
            retry_after,
        }
    }
}

fn fallback_message(status: u16, body: &str) -> String {
    let snippet: String = body.chars().take(200).collect();
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("unexpected status");
    if snippet.trim().is_empty() {
        reason.to_owned()
    } else {
        format!("{reason}: {snippet}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_twilio_error_body() {
        let body = r#"{"code": 21211, "message": "The 'To' number +1555 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#;
        let e = TwilioError::Api(Box::new(ApiError::from_response(400, body.into(), None)));
        assert_eq!(e.code(), Some(21211));
        assert_eq!(e.status(), Some(400));
        assert!(e.is_invalid_number());
        assert!(!e.is_retryable());
        assert_eq!(
            e.api().and_then(|a| a.more_info.as_deref()),
            Some("https://www.twilio.com/docs/errors/21211")
        );
        assert_eq!(e.api().map(|a| a.body.as_str()), Some(body));
        assert!(e.to_string().contains("21211"), "{e}");
    }

    #[test]
    fn classifies_auth_rate_limit_and_not_found() {
        let auth = TwilioError::Api(Box::new(ApiError::from_response(
            401,
            r#"{"code":20003,"message":"Authenticate","status":401}"#.into(),
            None,
        )));
        assert!(auth.is_auth() && !auth.is_retryable());
        let limited = TwilioError::Api(Box::new(ApiError::from_response(
            429,
            r#"{"code":20429,"message":"Too Many Requests","status":429}"#.into(),
            None,
        )));
        assert!(limited.is_rate_limited() && limited.is_retryable());
        let missing = TwilioError::Api(Box::new(ApiError::from_response(404, "".into(), None)));
        assert!(missing.is_not_found());
        assert_eq!(missing.code(), None);
        assert_eq!(missing.api().map(|a| a.message.as_str()), Some("Not Found"));
    }

    #[test]
    fn non_json_error_bodies_keep_a_readable_message() {
        let e = ApiError::from_response(502, "<html>Bad Gateway</html>".into(), None);
        assert_eq!(e.code, None);
        assert!(
            e.message.starts_with("Bad Gateway: <html>"),
            "{}",
            e.message
        );
    }

    #[test]
    fn problem_json_bodies_are_understood() {
        let body = r#"{"type":"https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY","title":"Invalid request","status":422,"detail":"Your request is not valid"}"#;
        let e = ApiError::from_response(422, body.into(), None);
        assert_eq!(e.message, "Invalid request: Your request is not valid");
    }
}
