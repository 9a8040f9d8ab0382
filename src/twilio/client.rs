//! The HTTP client for Twilio's 2010-04-01 REST API: authentication, base URL, retries and the
//! hook where a rate limiter sits. Resource groups (`calls()`, `recordings()`) build on it.

use std::fmt;
use std::sync::{Arc, Once};
use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::{Method, Url};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;

use super::calls::Calls;
use super::credentials::Credentials;
use super::error::{ApiError, Delivery, TwilioError};
use super::recordings::Recordings;
use super::retry::{Failure, Replay, RetryPolicy, parse_retry_after};

pub const TWILIO_API_BASE: &str = "https://api.twilio.com";
const API_VERSION: &str = "2010-04-01";

/// The REST operations, so a [`RequestGate`] can treat them differently (pacing applies to
/// [`Operation::CreateCall`] only, for example).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    CreateCall,
    FetchCall,
    UpdateCall,
    ListCalls,
    ListRecordings,
    FetchRecording,
    DeleteRecording,
    DownloadRecording,
}

/// One attempt about to be sent.
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    pub operation: Operation,
    /// 0 for the first try, then 1, 2, … for retries.
    pub retry: u32,
}

/// Called before every attempt, retries included; a rate limiter waits here.
pub trait RequestGate: Send + Sync + fmt::Debug {
    fn admit(&self, attempt: Attempt) -> BoxFuture<'_, ()>;
}

/// Builds a [`TwilioClient`].
#[derive(Debug)]
pub struct ClientBuilder {
    credentials: Credentials,
    base_url: String,
    retry: RetryPolicy,
    timeout: Duration,
    connect_timeout: Duration,
    gate: Option<Arc<dyn RequestGate>>,
}

impl ClientBuilder {
    /// Real Twilio by default; the simulator or a contract mock otherwise.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The whole-request time limit (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    pub fn gate(mut self, gate: Arc<dyn RequestGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    pub fn build(self) -> Result<TwilioClient, TwilioError> {
        install_crypto_provider();
        let base_url = parse_base_url(&self.base_url)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("projectx/", env!("CARGO_PKG_VERSION")))
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|source| TwilioError::Transport {
                url: base_url.to_string(),
                delivery: Delivery::NotSent,
                source,
            })?;
        Ok(TwilioClient {
            inner: Arc::new(Inner {
                http,
                base_url,
                credentials: self.credentials,
                retry: self.retry,
                gate: self.gate,
            }),
        })
    }
}

fn parse_base_url(raw: &str) -> Result<Url, TwilioError> {
    let url = Url::parse(raw.trim_end_matches('/'))
        .map_err(|e| TwilioError::invalid("base_url", format!("{raw:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(TwilioError::invalid(
            "base_url",
            format!("{raw:?} is not an http(s) URL"),
        ));
    }
    Ok(url)
}

/// reqwest is built without a default TLS crypto provider; install ring once, or the first
/// HTTPS request panics. Call it before building any other `reqwest::Client`.
pub fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // An error only means another provider was installed first, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client for Twilio's REST API. Cheap to clone.
#[derive(Clone, Debug)]
pub struct TwilioClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: Url,
    credentials: Credentials,
    retry: RetryPolicy,
    gate: Option<Arc<dyn RequestGate>>,
}

impl TwilioClient {
    pub fn builder(credentials: Credentials) -> ClientBuilder {
        ClientBuilder {
            credentials,
            base_url: TWILIO_API_BASE.to_owned(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            gate: None,
        }
    }

    pub fn calls(&self) -> Calls<'_> {
        Calls::new(self)
    }

    pub fn recordings(&self) -> Recordings<'_> {
        Recordings::new(self)
    }

    pub fn account_sid(&self) -> &str {
        self.inner.credentials.account_sid()
    }

    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// `{base}/2010-04-01/Accounts/{AccountSid}/{path}`.
    pub(crate) fn account_url(&self, path: &str) -> Url {
        self.join(&format!(
            "/{API_VERSION}/Accounts/{}/{path}",
            self.account_sid()
        ))
    }

    fn join(&self, absolute_path: &str) -> Url {
        let mut url = self.inner.base_url.clone();
        let prefix = url.path().trim_end_matches('/').to_owned();
        let (path, query) = match absolute_path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (absolute_path, None),
        };
        url.set_path(&format!("{prefix}{path}"));
        url.set_query(query);
        url
    }

    /// Resolves a `next_page_uri`. Twilio sends them relative; an absolute one must point at
    /// the same origin, or the credentials would go to another host.
    pub(crate) fn resolve_page_uri(&self, uri: &str) -> Result<Url, TwilioError> {
        if uri.starts_with('/') {
            return Ok(self.join(uri));
        }
        let url = Url::parse(uri)
            .map_err(|e| TwilioError::invalid("next_page_uri", format!("{uri:?}: {e}")))?;
        if url.origin() != self.inner.base_url.origin() {
            return Err(TwilioError::invalid(
                "next_page_uri",
                format!("{uri:?} points away from {}", self.inner.base_url),
            ));
        }
        Ok(url)
    }

    /// Sends a request with retries and decodes a JSON answer.
    pub(crate) async fn send_json<T: DeserializeOwned>(
        &self,
        operation: Operation,
        method: Method,
        url: Url,
        form: Option<&[(&'static str, String)]>,
    ) -> Result<T, TwilioError> {
        let response = self.send(operation, method, url.clone(), form).await?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|source| TwilioError::Transport {
                url: url.to_string(),
                delivery: Delivery::MaybeSent,
                source,
            })?;
        serde_json::from_str(&body).map_err(|source| TwilioError::Decode {
            status,
            body,
            source,
        })
    }

    /// Sends a request, retrying as the [`RetryPolicy`] allows; returns only 2xx answers.
    pub(crate) async fn send(
        &self,
        operation: Operation,
        method: Method,
        url: Url,
        form: Option<&[(&'static str, String)]>,
    ) -> Result<reqwest::Response, TwilioError> {
        let replay = if method == Method::GET || method == Method::DELETE {
            Replay::Idempotent
        } else {
            Replay::OnlyIfUnprocessed
        };
        let (user, secret) = self.inner.credentials.basic_auth();
        let mut retry = 0;
        loop {
            if let Some(gate) = &self.inner.gate {
                gate.admit(Attempt { operation, retry }).await;
            }
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .basic_auth(user, Some(secret.expose_secret()));
            if let Some(form) = form {
                request = request.form(form);
            }
            let (failure, error) = match request.send().await {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = parse_retry_after(response.headers());
                    let body = response.text().await.unwrap_or_default();
                    let api = ApiError::from_response(status, body, retry_after);
                    (
                        Failure::Status {
                            status,
                            retry_after,
                        },
                        TwilioError::Api(Box::new(api)),
                    )
                }
                Err(source) => {
                    let delivery = if source.is_connect() {
                        Delivery::NotSent
                    } else {
                        Delivery::MaybeSent
                    };
                    let failure = match delivery {
                        Delivery::NotSent => Failure::NotSent,
                        Delivery::MaybeSent => Failure::MaybeSent,
                    };
                    let url = url.to_string();
                    (
                        failure,
                        TwilioError::Transport {
                            url,
                            delivery,
                            source,
                        },
                    )
                }
            };
            let Some(wait) = self.inner.retry.delay_for(failure, replay, retry) else {
                return Err(error);
            };
            tracing::warn!(?operation, retry = retry + 1, ?wait, %error, "retrying Twilio request");
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn creds() -> Credentials {
        Credentials::auth_token(
            "AC0123456789abcdef0123456789abcdef",
            SecretString::from("token"),
        )
        .unwrap()
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let key = Credentials::api_key(
            "AC0123456789abcdef0123456789abcdef",
            "SK0123456789abcdef0123456789abcdef",
            SecretString::from("very-secret-value"),
        )
        .unwrap();
        let client = TwilioClient::builder(key).build().unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("very-secret-value"), "{shown}");
        assert!(shown.contains("SK0123456789abcdef0123456789abcdef"));
    }

    #[test]
    fn malformed_sids_and_empty_secrets_are_rejected() {
        let err = Credentials::auth_token("ACnope", SecretString::from("t")).unwrap_err();
        assert!(err.to_string().contains("account_sid"), "{err}");
        let err = Credentials::auth_token(
            "AC0123456789abcdef0123456789abcdef",
            SecretString::from(" "),
        )
        .unwrap_err();
        assert!(err.to_string().contains("auth_token"), "{err}");
    }

    #[test]
    fn builds_account_urls_under_a_base_path() {
        let client = TwilioClient::builder(creds())
            .base_url("http://127.0.0.1:4020/mock/")
            .build()
            .unwrap();
        assert_eq!(
            client.account_url("Calls.json").as_str(),
            "http://127.0.0.1:4020/mock/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls.json"
        );
    }

    #[test]
    fn page_uris_resolve_relative_and_refuse_other_hosts() {
        let client = TwilioClient::builder(creds())
            .base_url("http://127.0.0.1:4020")
            .build()
            .unwrap();
        let next = client
            .resolve_page_uri("/2010-04-01/Accounts/AC1/Calls.json?PageSize=2&PageToken=PA1")
            .unwrap();
        assert_eq!(
            next.as_str(),
            "http://127.0.0.1:4020/2010-04-01/Accounts/AC1/Calls.json?PageSize=2&PageToken=PA1"
        );
        assert!(
            client
                .resolve_page_uri("https://evil.example/steal")
                .is_err()
        );
    }

    #[test]
    fn base_url_must_be_http() {
        for bad in ["ftp://x", "not a url", "mailto:a@b"] {
            let err = TwilioClient::builder(creds())
                .base_url(bad)
                .build()
                .unwrap_err();
            assert!(err.to_string().contains("base_url"), "{err}");
        }
    }
}
