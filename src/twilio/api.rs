//! The Twilio operations the rest of the runtime uses, as a trait object, so real Twilio, the
//! built-in simulator and test doubles are interchangeable behind `Arc<dyn TwilioApi>`.

use std::fmt;
use std::path::Path;

use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, StreamExt};

use super::calls::{CallFilter, CreateCall, UpdateCall};
use super::client::TwilioClient;
use super::error::TwilioError;
use super::recordings::{MediaFormat, RecordingFilter};
use super::types::{Call, Recording};

pub trait TwilioApi: Send + Sync + fmt::Debug {
    /// Places a call; never repeated unless Twilio provably did not receive it.
    fn create_call<'a>(
        &'a self,
        params: &'a CreateCall,
    ) -> BoxFuture<'a, Result<Call, TwilioError>>;
    fn fetch_call<'a>(&'a self, sid: &'a str) -> BoxFuture<'a, Result<Call, TwilioError>>;
    fn update_call<'a>(
        &'a self,
        sid: &'a str,
        params: &'a UpdateCall,
    ) -> BoxFuture<'a, Result<Call, TwilioError>>;
    fn list_calls<'a>(&'a self, filter: &'a CallFilter)
    -> BoxStream<'a, Result<Call, TwilioError>>;
    fn list_recordings<'a>(
        &'a self,
        filter: &'a RecordingFilter,
    ) -> BoxStream<'a, Result<Recording, TwilioError>>;
    fn fetch_recording<'a>(&'a self, sid: &'a str)
    -> BoxFuture<'a, Result<Recording, TwilioError>>;
    fn delete_recording<'a>(&'a self, sid: &'a str) -> BoxFuture<'a, Result<(), TwilioError>>;
    /// Streams the media to `path`; returns the bytes written.
    fn download_recording<'a>(
        &'a self,
        sid: &'a str,
        format: MediaFormat,
        path: &'a Path,
    ) -> BoxFuture<'a, Result<u64, TwilioError>>;
}

impl TwilioApi for TwilioClient {
    fn create_call<'a>(
        &'a self,
        params: &'a CreateCall,
    ) -> BoxFuture<'a, Result<Call, TwilioError>> {
        Box::pin(self.calls().create(params))
    }

    fn fetch_call<'a>(&'a self, sid: &'a str) -> BoxFuture<'a, Result<Call, TwilioError>> {
        Box::pin(self.calls().fetch(sid))
    }

    fn update_call<'a>(
        &'a self,
        sid: &'a str,
        params: &'a UpdateCall,
    ) -> BoxFuture<'a, Result<Call, TwilioError>> {
        Box::pin(self.calls().update(sid, params))
    }

    fn list_calls<'a>(
        &'a self,
        filter: &'a CallFilter,
    ) -> BoxStream<'a, Result<Call, TwilioError>> {
        self.calls().list(filter).boxed()
    }

    fn list_recordings<'a>(
        &'a self,
        filter: &'a RecordingFilter,
    ) -> BoxStream<'a, Result<Recording, TwilioError>> {
        self.recordings().list(filter).boxed()
    }

    fn fetch_recording<'a>(
        &'a self,
        sid: &'a str,
    ) -> BoxFuture<'a, Result<Recording, TwilioError>> {
        Box::pin(self.recordings().fetch(sid))
    }

    fn delete_recording<'a>(&'a self, sid: &'a str) -> BoxFuture<'a, Result<(), TwilioError>> {
        Box::pin(self.recordings().delete(sid))
    }

    fn download_recording<'a>(
        &'a self,
        sid: &'a str,
        format: MediaFormat,
        path: &'a Path,
    ) -> BoxFuture<'a, Result<u64, TwilioError>> {
        Box::pin(self.recordings().download(sid, format, path))
    }
}
