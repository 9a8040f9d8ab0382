//! `POST /Calls.json`: every parameter Twilio accepts, checked before anything is sent.

use super::error::TwilioError;
use super::params::{
    CallInstructions, HttpMethod, MachineDetection, RecordingChannels, RecordingEvent,
    RecordingTrack, StatusCallbackEvent, Trim, check_url, in_range, push, push_all,
};
use crate::phone::Endpoint;

/// Twilio's ceiling on `Timeout` (seconds of ringing).
pub const MAX_RING_TIMEOUT: u32 = 600;
const MAX_SEND_DIGITS: usize = 32;

/// Everything `POST /Calls.json` accepts (reference §1.1). `to`, `from` and the instructions
/// are required; the rest is optional.
#[derive(Debug, Clone)]
pub struct CreateCall {
    pub to: Endpoint,
    pub from: Endpoint,
    pub instructions: CallInstructions,
    pub fallback_url: Option<String>,
    pub fallback_method: Option<HttpMethod>,
    pub status_callback: Option<String>,
    pub status_callback_event: Vec<StatusCallbackEvent>,
    pub status_callback_method: Option<HttpMethod>,
    pub send_digits: Option<String>,
    /// Seconds to let it ring, 1–600.
    pub timeout: Option<u32>,
    /// Maximum call length in seconds.
    pub time_limit: Option<u32>,
    pub record: Option<bool>,
    pub recording_channels: Option<RecordingChannels>,
    pub recording_track: Option<RecordingTrack>,
    pub recording_status_callback: Option<String>,
    pub recording_status_callback_method: Option<HttpMethod>,
    pub recording_status_callback_event: Vec<RecordingEvent>,
    pub trim: Option<Trim>,
    pub machine_detection: Option<MachineDetection>,
    pub machine_detection_timeout: Option<u32>,
    pub machine_detection_speech_threshold: Option<u32>,
    pub machine_detection_speech_end_threshold: Option<u32>,
    pub machine_detection_silence_timeout: Option<u32>,
    pub async_amd: Option<bool>,
    pub async_amd_status_callback: Option<String>,
    pub async_amd_status_callback_method: Option<HttpMethod>,
    pub caller_id: Option<String>,
    pub sip_auth_username: Option<String>,
    pub sip_auth_password: Option<String>,
    pub call_reason: Option<String>,
}

impl CreateCall {
    pub fn new(to: Endpoint, from: Endpoint, instructions: CallInstructions) -> Self {
        Self {
            to,
            from,
            instructions,
            fallback_url: None,
            fallback_method: None,
            status_callback: None,
            status_callback_event: Vec::new(),
            status_callback_method: None,
            send_digits: None,
            timeout: None,
            time_limit: None,
            record: None,
            recording_channels: None,
            recording_track: None,
            recording_status_callback: None,
            recording_status_callback_method: None,
            recording_status_callback_event: Vec::new(),
            trim: None,
            machine_detection: None,
            machine_detection_timeout: None,
            machine_detection_speech_threshold: None,
            machine_detection_speech_end_threshold: None,
            machine_detection_silence_timeout: None,
            async_amd: None,
            async_amd_status_callback: None,
            async_amd_status_callback_method: None,
            caller_id: None,
            sip_auth_username: None,
            sip_auth_password: None,
            call_reason: None,
        }
    }

    /// Parses `to` and `from` as written by a user, naming the one that is wrong.
    pub fn parse(
        to: &str,
        from: &str,
        instructions: CallInstructions,
    ) -> Result<Self, TwilioError> {
        let to = Endpoint::parse(to).map_err(|source| TwilioError::InvalidNumber {
            param: "To",
            source,
        })?;
        let from = Endpoint::parse(from).map_err(|source| TwilioError::InvalidNumber {
            param: "From",
            source,
        })?;
        Ok(Self::new(to, from, instructions))
    }

    /// Checks every rule Twilio enforces that can be checked here, then writes the form body.
    pub fn to_form(&self) -> Result<Vec<(&'static str, String)>, TwilioError> {
        self.validate()?;
        let mut form = vec![
            ("To", self.to.as_str().to_owned()),
            ("From", self.from.as_str().to_owned()),
        ];
        self.instructions.write(&mut form);
        push(&mut form, "FallbackUrl", &self.fallback_url);
        push(&mut form, "FallbackMethod", &self.fallback_method);
        push(&mut form, "StatusCallback", &self.status_callback);
        push_all(
            &mut form,
            "StatusCallbackEvent",
            &self.status_callback_event,
        );
        push(
            &mut form,
            "StatusCallbackMethod",
            &self.status_callback_method,
        );
        push(&mut form, "SendDigits", &self.send_digits);
        push(&mut form, "Timeout", &self.timeout);
        push(&mut form, "TimeLimit", &self.time_limit);
        push(&mut form, "Record", &self.record);
        push(&mut form, "RecordingChannels", &self.recording_channels);
        push(&mut form, "RecordingTrack", &self.recording_track);
        push(
            &mut form,
            "RecordingStatusCallback",
            &self.recording_status_callback,
        );
        push(
            &mut form,
            "RecordingStatusCallbackMethod",
            &self.recording_status_callback_method,
        );
        push_all(
            &mut form,
            "RecordingStatusCallbackEvent",
            &self.recording_status_callback_event,
        );
        push(&mut form, "Trim", &self.trim);
        push(&mut form, "MachineDetection", &self.machine_detection);
        push(
            &mut form,
            "MachineDetectionTimeout",
            &self.machine_detection_timeout,
        );
        push(
            &mut form,
            "MachineDetectionSpeechThreshold",
            &self.machine_detection_speech_threshold,
        );
        push(
            &mut form,
            "MachineDetectionSpeechEndThreshold",
            &self.machine_detection_speech_end_threshold,
        );
        push(
            &mut form,
            "MachineDetectionSilenceTimeout",
            &self.machine_detection_silence_timeout,
        );
        push(&mut form, "AsyncAmd", &self.async_amd);
        push(
            &mut form,
            "AsyncAmdStatusCallback",
            &self.async_amd_status_callback,
        );
        push(
            &mut form,
            "AsyncAmdStatusCallbackMethod",
            &self.async_amd_status_callback_method,
        );
        push(&mut form, "CallerId", &self.caller_id);
        push(&mut form, "SipAuthUsername", &self.sip_auth_username);
        push(&mut form, "SipAuthPassword", &self.sip_auth_password);
        push(&mut form, "CallReason", &self.call_reason);
        Ok(form)
    }

    fn validate(&self) -> Result<(), TwilioError> {
        if let Endpoint::Sip(_) = self.from {
            return Err(TwilioError::invalid(
                "From",
                "a sip: address cannot place a call; use a Twilio number or a client: identity",
            ));
        }
        if self.from.is_client() && !self.to.is_client() {
            return Err(TwilioError::invalid(
                "From",
                "a client: caller ID is allowed only when To is a client: too",
            ));
        }
        self.instructions.validate()?;
        in_range("Timeout", self.timeout, 1, MAX_RING_TIMEOUT)?;
        in_range("TimeLimit", self.time_limit, 1, 86_400)?;
        in_range(
            "MachineDetectionTimeout",
            self.machine_detection_timeout,
            3,
            59,
        )?;
        in_range(
            "MachineDetectionSpeechThreshold",
            self.machine_detection_speech_threshold,
            1000,
            6000,
        )?;
        in_range(
            "MachineDetectionSpeechEndThreshold",
            self.machine_detection_speech_end_threshold,
            500,
            5000,
        )?;
        in_range(
            "MachineDetectionSilenceTimeout",
            self.machine_detection_silence_timeout,
            2000,
            10000,
        )?;
        if let Some(digits) = &self.send_digits {
            let allowed = |c: char| c.is_ascii_digit() || "ABCD#*wW".contains(c);
            if digits.is_empty() || digits.len() > MAX_SEND_DIGITS || !digits.chars().all(allowed) {
                return Err(TwilioError::invalid(
                    "SendDigits",
                    format!("{digits:?}: up to {MAX_SEND_DIGITS} of 0-9, A-D, #, *, w, W"),
                ));
            }
        }
        for (param, url) in [
            ("FallbackUrl", &self.fallback_url),
            ("StatusCallback", &self.status_callback),
            ("RecordingStatusCallback", &self.recording_status_callback),
            ("AsyncAmdStatusCallback", &self.async_amd_status_callback),
        ] {
            if let Some(url) = url {
                check_url(param, url)?;
            }
        }
        Ok(())
    }
}
