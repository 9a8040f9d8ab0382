//! Turns a raw webhook request into trusted parameters, or a refusal: the URL is rebuilt from
//! `server.public_url` (never from the Host header, which the sender controls), the body parsed
//! strictly, the signature checked. A refusal changes nothing and is logged and counted.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::ServerState;
use super::form::{FormError, parse_form};
use super::signature::SignatureError;

/// A request proven to come from Twilio.
#[derive(Debug)]
pub(crate) struct Signed {
    pub params: Vec<(String, String)>,
}

/// The extractor: a route that takes `Signed` only ever sees verified requests; the others
/// get 413 (body too large), 400 (malformed) or 403 (not from Twilio).
impl FromRequest<Arc<ServerState>> for Signed {
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<ServerState>) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let body = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        verify(state, &parts.headers, &parts.uri, &body).map_err(IntoResponse::into_response)
    }
}

impl Signed {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug)]
pub(crate) enum Rejection {
    BadBody(String),
    /// The reason is logged, never told to the sender.
    Forbidden,
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Rejection::BadBody(reason) => (StatusCode::BAD_REQUEST, reason).into_response(),
            Rejection::Forbidden => (StatusCode::FORBIDDEN, "invalid signature").into_response(),
        }
    }
}

pub(crate) fn verify(
    state: &ServerState,
    headers: &HeaderMap,
    uri: &Uri,
    body: &[u8],
) -> Result<Signed, Rejection> {
    let refuse = |reason: String| {
        metrics::counter!("projectx_webhook_rejected_total", "reason" => "signature").increment(1);
        tracing::warn!(path = %uri.path(), %reason, "refused a webhook that is not provably from Twilio");
        Rejection::Forbidden
    };
    let Some(validator) = &state.validator else {
        return Err(refuse(
            "no auth token is configured, so no signature can be checked".to_owned(),
        ));
    };
    let Some(base) = base_url(state, headers) else {
        return Err(refuse(
            "no server.public_url to check the signature against".to_owned(),
        ));
    };
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let url = format!("{base}{path_and_query}");
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let params = if is_json {
        validator
            .validate_body(&url, body, signature)
            .map_err(|e| refuse(e.to_string()))?;
        json_params(body).map_err(|e| bad_body(uri, e))?
    } else {
        let params = parse_form(body).map_err(|e: FormError| bad_body(uri, e.to_string()))?;
        validator
            .validate(&url, &params, signature)
            .map_err(|e: SignatureError| refuse(e.to_string()))?;
        params
    };
    metrics::counter!("projectx_webhook_accepted_total").increment(1);
    Ok(Signed { params })
}

fn bad_body(uri: &Uri, reason: String) -> Rejection {
    metrics::counter!("projectx_webhook_rejected_total", "reason" => "malformed").increment(1);
    tracing::warn!(path = %uri.path(), %reason, "refused a malformed webhook body");
    Rejection::BadBody(reason)
}

/// The scheme and host Twilio used: `server.public_url`, or with the explicit option, what a
/// trusted proxy reports.
fn base_url(state: &ServerState, headers: &HeaderMap) -> Option<String> {
    if let Some(public) = &state.settings.public_url {
        return Some(public.trim_end_matches('/').to_owned());
    }
    if !state.settings.trust_forwarded_headers {
        return None;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let proto = header("x-forwarded-proto")?;
    let host = header("x-forwarded-host")?;
    Some(format!("{proto}://{host}"))
}

fn json_params(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the JSON body does not parse: {e}"))?;
    let object = value.as_object().ok_or("the JSON body is not an object")?;
    Ok(object
        .iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect())
}
