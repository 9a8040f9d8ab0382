//! Twilio's REST API (2010-04-01): calls and recordings, with retries that never double-dial.

mod api;
mod calls;
mod client;
mod create_call;
mod credentials;
mod error;
mod params;
mod recordings;
mod retry;
mod types;

pub use api::TwilioApi;
pub use calls::{CallFilter, Calls, CreateCall, MAX_RING_TIMEOUT, UpdateCall, UpdateStatus};
pub use client::{
    Attempt, ClientBuilder, Operation, RequestGate, TWILIO_API_BASE, TwilioClient,
    install_crypto_provider,
};
pub use credentials::Credentials;
pub use error::{ApiError, Delivery, TwilioError};
pub use params::{
    CallInstructions, HttpMethod, MAX_TWIML_CHARS, MachineDetection, RecordingChannels,
    RecordingEvent, RecordingTrack, StatusCallbackEvent, Trim,
};
pub use recordings::{MediaFormat, RecordingFilter, Recordings};
pub use retry::{Failure, Replay, RetryPolicy};
pub use types::{Call, CallStatus, Page, Recording};
