//! The Recordings resource: list (account-wide or per call), fetch, delete, and download of the
//! media streamed to a file.

use std::path::{Path, PathBuf};

use futures_util::stream::{Stream, StreamExt};
use reqwest::{Method, Url};
use tokio::io::AsyncWriteExt;

use super::calls::paginate;
use super::client::{Operation, TwilioClient};
use super::credentials::check_sid;
use super::error::{Delivery, TwilioError};
use super::params::{append_query, filter_date, in_range};
use super::types::{Page, Recording};

/// The media formats Twilio serves a recording in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaFormat {
    Wav,
    Mp3,
}

impl MediaFormat {
    pub fn extension(self) -> &'static str {
        match self {
            MediaFormat::Wav => "wav",
            MediaFormat::Mp3 => "mp3",
        }
    }

    /// Picks the format from a file name's extension (`.mp3` or `.wav`).
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "wav" => Some(MediaFormat::Wav),
            "mp3" => Some(MediaFormat::Mp3),
            _ => None,
        }
    }
}

/// Filters for the account-wide recordings list.
#[derive(Debug, Clone, Default)]
pub struct RecordingFilter {
    pub call_sid: Option<String>,
    pub conference_sid: Option<String>,
    pub date_created: Option<chrono::NaiveDate>,
    pub date_created_before: Option<chrono::NaiveDate>,
    pub date_created_after: Option<chrono::NaiveDate>,
    pub page_size: Option<u32>,
}

impl RecordingFilter {
    fn apply(&self, url: &mut Url) -> Result<(), TwilioError> {
        in_range("PageSize", self.page_size, 1, 1000)?;
        if let Some(sid) = &self.call_sid {
            check_sid("CallSid", "CA", sid)?;
        }
        if let Some(sid) = &self.conference_sid {
            check_sid("ConferenceSid", "CF", sid)?;
        }
        let pairs = [
            ("CallSid", self.call_sid.clone()),
            ("ConferenceSid", self.conference_sid.clone()),
            ("DateCreated", filter_date(&self.date_created)),
            ("DateCreated<", filter_date(&self.date_created_before)),
            ("DateCreated>", filter_date(&self.date_created_after)),
            ("PageSize", self.page_size.map(|s| s.to_string())),
        ];
        append_query(url, &pairs);
        Ok(())
    }
}

/// The Recordings resource group: `client.recordings().list(&filter)`.
#[derive(Debug, Clone, Copy)]
pub struct Recordings<'a> {
    client: &'a TwilioClient,
}

impl<'a> Recordings<'a> {
    pub(crate) fn new(client: &'a TwilioClient) -> Self {
        Self { client }
    }

    /// Every recording of the account matching `filter`, page after page.
    pub fn list(
        self,
        filter: &RecordingFilter,
    ) -> impl Stream<Item = Result<Recording, TwilioError>> + 'a {
        let mut url = self.client.account_url("Recordings.json");
        let first = filter.apply(&mut url).map(|()| url);
        paginate(self.client, Operation::ListRecordings, first)
    }

    /// Every recording of one call.
    pub fn list_for_call(
        self,
        call_sid: &str,
    ) -> impl Stream<Item = Result<Recording, TwilioError>> + 'a {
        let first = check_sid("CallSid", "CA", call_sid).map(|()| {
            self.client
                .account_url(&format!("Calls/{call_sid}/Recordings.json"))
        });
        paginate(self.client, Operation::ListRecordings, first)
    }

    /// One page of the account's recordings.
    pub async fn page(self, filter: &RecordingFilter) -> Result<Page<Recording>, TwilioError> {
        let mut url = self.client.account_url("Recordings.json");
        filter.apply(&mut url)?;
        self.client
            .send_json(Operation::ListRecordings, Method::GET, url, None)
            .await
    }

    pub async fn fetch(self, sid: &str) -> Result<Recording, TwilioError> {
        check_sid("RecordingSid", "RE", sid)?;
        let url = self.client.account_url(&format!("Recordings/{sid}.json"));
        self.client
            .send_json(Operation::FetchRecording, Method::GET, url, None)
            .await
    }

    pub async fn delete(self, sid: &str) -> Result<(), TwilioError> {
        check_sid("RecordingSid", "RE", sid)?;
        let url = self.client.account_url(&format!("Recordings/{sid}.json"));
        self.client
            .send(Operation::DeleteRecording, Method::DELETE, url, None)
            .await?;
        Ok(())
    }

    /// Streams the recording's media to `path` and returns the bytes written. The file appears
    /// only when complete: a failed download leaves no partial file behind.
    pub async fn download(
        self,
        sid: &str,
        format: MediaFormat,
        path: &Path,
    ) -> Result<u64, TwilioError> {
        check_sid("RecordingSid", "RE", sid)?;
        let url = self
            .client
            .account_url(&format!("Recordings/{sid}.{}", format.extension()));
        let response = self
            .client
            .send(Operation::DownloadRecording, Method::GET, url.clone(), None)
            .await?;
        let partial = partial_path(path);
        let result = write_body(response, &url, &partial).await;
        match result {
            Ok(written) => {
                tokio::fs::rename(&partial, path)
                    .await
                    .map_err(|source| TwilioError::Io {
                        path: path.to_owned(),
                        source,
                    })?;
                Ok(written)
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Err(e)
            }
        }
    }
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

async fn write_body(
    response: reqwest::Response,
    url: &Url,
    partial: &Path,
) -> Result<u64, TwilioError> {
    let io_error = |source| TwilioError::Io {
        path: partial.to_owned(),
        source,
    };
    let mut file = tokio::fs::File::create(partial).await.map_err(io_error)?;
    let mut body = response.bytes_stream();
    let mut written = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|source| TwilioError::Transport {
            url: url.to_string(),
            delivery: Delivery::MaybeSent,
            source,
        })?;
        file.write_all(&chunk).await.map_err(io_error)?;
        written += chunk.len() as u64;
    }
    file.flush().await.map_err(io_error)?;
    file.sync_all().await.map_err(io_error)?;
    Ok(written)
}
