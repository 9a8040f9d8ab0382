//! The Calls resource: create, fetch, update (hang up, cancel, redirect) and list.

pub use super::create_call::{CreateCall, MAX_RING_TIMEOUT};

use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};
use reqwest::{Method, Url};

use super::client::{Operation, TwilioClient};
use super::credentials::check_sid;
use super::error::TwilioError;
use super::params::{
    CallInstructions, HttpMethod, append_query, check_url, filter_date, in_range, push,
};
use super::types::{Call, CallStatus, Page};

/// `POST /Calls/{Sid}.json`: hang up, cancel, redirect, or change callbacks of a live call.
#[derive(Debug, Clone, Default)]
pub struct UpdateCall {
    pub status: Option<UpdateStatus>,
    /// New instructions: `Url` or `Twiml` (an application SID is not accepted on update).
    pub instructions: Option<CallInstructions>,
    pub fallback_url: Option<String>,
    pub fallback_method: Option<HttpMethod>,
    pub status_callback: Option<String>,
    pub status_callback_method: Option<HttpMethod>,
    pub time_limit: Option<u32>,
}

/// The statuses a call can be moved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateStatus {
    /// Ends a call that is in progress.
    Completed,
    /// Aborts a call that is still queued or ringing.
    Canceled,
}

impl UpdateCall {
    pub fn hang_up() -> Self {
        Self {
            status: Some(UpdateStatus::Completed),
            ..Self::default()
        }
    }

    pub fn cancel() -> Self {
        Self {
            status: Some(UpdateStatus::Canceled),
            ..Self::default()
        }
    }

    pub fn redirect(instructions: CallInstructions) -> Self {
        Self {
            instructions: Some(instructions),
            ..Self::default()
        }
    }

    pub fn to_form(&self) -> Result<Vec<(&'static str, String)>, TwilioError> {
        let mut form = Vec::new();
        if let Some(status) = self.status {
            let value = match status {
                UpdateStatus::Completed => "completed",
                UpdateStatus::Canceled => "canceled",
            };
            form.push(("Status", value.to_owned()));
        }
        if let Some(instructions) = &self.instructions {
            if matches!(instructions, CallInstructions::ApplicationSid(_)) {
                return Err(TwilioError::invalid(
                    "ApplicationSid",
                    "a live call can be redirected to a Url or Twiml, not an application",
                ));
            }
            instructions.validate()?;
            instructions.write(&mut form);
        }
        for (param, url) in [
            ("FallbackUrl", &self.fallback_url),
            ("StatusCallback", &self.status_callback),
        ] {
            if let Some(url) = url {
                check_url(param, url)?;
            }
        }
        push(&mut form, "FallbackUrl", &self.fallback_url);
        push(&mut form, "FallbackMethod", &self.fallback_method);
        push(&mut form, "StatusCallback", &self.status_callback);
        push(
            &mut form,
            "StatusCallbackMethod",
            &self.status_callback_method,
        );
        in_range("TimeLimit", self.time_limit, 1, 86_400)?;
        push(&mut form, "TimeLimit", &self.time_limit);
        if form.is_empty() {
            return Err(TwilioError::invalid(
                "update",
                "nothing to change: give a Status, a Url/Twiml or a callback",
            ));
        }
        Ok(form)
    }
}

/// Filters for listing calls; dates are `YYYY-MM-DD` as Twilio expects.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    pub to: Option<String>,
    pub from: Option<String>,
    pub parent_call_sid: Option<String>,
    pub status: Option<CallStatus>,
    pub start_time: Option<chrono::NaiveDate>,
    pub start_time_before: Option<chrono::NaiveDate>,
    pub start_time_after: Option<chrono::NaiveDate>,
    pub end_time: Option<chrono::NaiveDate>,
    pub end_time_before: Option<chrono::NaiveDate>,
    pub end_time_after: Option<chrono::NaiveDate>,
    /// Items per page, 1–1000 (Twilio's default is 50).
    pub page_size: Option<u32>,
}

impl CallFilter {
    fn apply(&self, url: &mut Url) -> Result<(), TwilioError> {
        in_range("PageSize", self.page_size, 1, 1000)?;
        if let Some(sid) = &self.parent_call_sid {
            check_sid("ParentCallSid", "CA", sid)?;
        }
        let status = self.status.map(|s| s.as_str().to_owned());
        let pairs = [
            ("To", self.to.clone()),
            ("From", self.from.clone()),
            ("ParentCallSid", self.parent_call_sid.clone()),
            ("Status", status),
            ("StartTime", filter_date(&self.start_time)),
            ("StartTime<", filter_date(&self.start_time_before)),
            ("StartTime>", filter_date(&self.start_time_after)),
            ("EndTime", filter_date(&self.end_time)),
            ("EndTime<", filter_date(&self.end_time_before)),
            ("EndTime>", filter_date(&self.end_time_after)),
            ("PageSize", self.page_size.map(|s| s.to_string())),
        ];
        append_query(url, &pairs);
        Ok(())
    }
}

/// The Calls resource group: `client.calls().create(&params)`.
#[derive(Debug, Clone, Copy)]
pub struct Calls<'a> {
    client: &'a TwilioClient,
}

impl<'a> Calls<'a> {
    pub(crate) fn new(client: &'a TwilioClient) -> Self {
        Self { client }
    }

    /// Places a call. Retried only when Twilio provably did not receive it.
    pub async fn create(self, params: &CreateCall) -> Result<Call, TwilioError> {
        let form = params.to_form()?;
        let url = self.client.account_url("Calls.json");
        self.client
            .send_json(Operation::CreateCall, Method::POST, url, Some(&form))
            .await
    }

    pub async fn fetch(self, sid: &str) -> Result<Call, TwilioError> {
        check_sid("CallSid", "CA", sid)?;
        let url = self.client.account_url(&format!("Calls/{sid}.json"));
        self.client
            .send_json(Operation::FetchCall, Method::GET, url, None)
            .await
    }

    pub async fn update(self, sid: &str, params: &UpdateCall) -> Result<Call, TwilioError> {
        check_sid("CallSid", "CA", sid)?;
        let form = params.to_form()?;
        let url = self.client.account_url(&format!("Calls/{sid}.json"));
        self.client
            .send_json(Operation::UpdateCall, Method::POST, url, Some(&form))
            .await
    }

    /// Ends a call in progress.
    pub async fn hang_up(self, sid: &str) -> Result<Call, TwilioError> {
        self.update(sid, &UpdateCall::hang_up()).await
    }

    /// Aborts a call that is still queued or ringing.
    pub async fn cancel(self, sid: &str) -> Result<Call, TwilioError> {
        self.update(sid, &UpdateCall::cancel()).await
    }

    /// One page of calls.
    pub async fn page(self, filter: &CallFilter) -> Result<Page<Call>, TwilioError> {
        let mut url = self.client.account_url("Calls.json");
        filter.apply(&mut url)?;
        self.client
            .send_json(Operation::ListCalls, Method::GET, url, None)
            .await
    }

    /// Every call matching `filter`, following `next_page_uri` page after page.
    pub fn list(self, filter: &CallFilter) -> impl Stream<Item = Result<Call, TwilioError>> + 'a {
        let mut url = self.client.account_url("Calls.json");
        let first = filter.apply(&mut url).map(|()| url);
        paginate(self.client, Operation::ListCalls, first)
    }
}

/// Streams the items of every page, starting at `first`.
pub(crate) fn paginate<'a, T>(
    client: &'a TwilioClient,
    operation: Operation,
    first: Result<Url, TwilioError>,
) -> impl Stream<Item = Result<T, TwilioError>> + 'a
where
    T: serde::de::DeserializeOwned + Send + 'a,
{
    let start = match first {
        Ok(url) => Some(Ok(url)),
        Err(e) => Some(Err(e)),
    };
    stream::try_unfold(start, move |next| async move {
        let url = match next {
            None => return Ok(None),
            Some(url) => url?,
        };
        let page: Page<T> = client
            .send_json(operation, Method::GET, url.clone(), None)
            .await?;
        let next = match page.next_page_uri.as_deref() {
            Some(uri) if !uri.is_empty() => {
                let next_url = client.resolve_page_uri(uri)?;
                // A server that hands back the page it just served would loop forever.
                (next_url != url).then_some(Ok(next_url))
            }
            _ => None,
        };
        Ok(Some((page.items, next)))
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}
