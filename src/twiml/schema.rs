//! The TwiML vocabulary of Twilio's official Python library (twilio-python 9.13.0,
//! `twilio/twiml/voice_response.py`): every builder method, the element it writes, its text
//! parameter and its keyword arguments with their wire names, keyed by the Python class the
//! method is defined on, so builders can check names and nesting exactly as the library does.
//! Elements with no builder method (such as `amazon:effect`) are reachable in the library only
//! through `add_child` and are not listed.

/// A keyword argument of a builder method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute {
    /// The Python keyword, e.g. `num_digits`, `from_`, `xml_lang`.
    pub keyword: &'static str,
    /// The attribute name written, e.g. `numDigits`, `from`, `xml:lang`.
    pub wire: &'static str,
}

/// A builder method: calling `method` on an instance of the class `parent` nests a new
/// instance of `class`, written as `<element>`.
///
/// Classes, not element names, identify parents: `Sip` under `Dial` (class `Sip`, with `uri`
/// and `headers`) and `Sip` under `Refer` (class `ReferSip`, with nothing) write the same
/// element but accept different things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Method {
    /// The class the method is defined on, e.g. `VoiceResponse`, `Gather`, `SsmlProsody`.
    pub parent: &'static str,
    /// The Python method name, e.g. `say_as`, `break_`, `conversation_relay`.
    pub method: &'static str,
    /// The class of the created element; the key for its own methods.
    pub class: &'static str,
    /// The element name written, e.g. `Say`, `say-as`, `Uri`.
    pub element: &'static str,
    /// The parameter that becomes the element's text; it is always the first parameter.
    pub value: Option<&'static str>,
    /// Whether that parameter has no default.
    pub value_required: bool,
    /// The other parameters in signature order (so also their positional order after
    /// `value`), each defaulting to `None`, which writes no attribute.
    pub attributes: &'static [Attribute],
    /// Whether further `**kwargs` are accepted and written through the same name mapping.
    pub accepts_extra: bool,
}

impl Method {
    /// The keyword argument named `keyword`, if the method declares it.
    pub fn attribute(&self, keyword: &str) -> Option<&'static Attribute> {
        self.attributes.iter().find(|a| a.keyword == keyword)
    }
}

const fn attr(keyword: &'static str, wire: &'static str) -> Attribute {
    Attribute { keyword, wire }
}

/// The class of the document root.
pub const ROOT_CLASS: &str = "VoiceResponse";
/// The element the root writes.
pub const ROOT_ELEMENT: &str = "Response";

/// The method `method` of the class `parent`.
pub fn method(parent: &str, method: &str) -> Option<&'static Method> {
    METHODS
        .iter()
        .find(|m| m.parent == parent && m.method == method)
}

/// The methods of the class `parent`, in the library's order.
pub fn methods_of(parent: &str) -> impl Iterator<Item = &'static Method> {
    METHODS.iter().filter(move |m| m.parent == parent)
}

/// The element a class writes.
pub fn element_of(class: &str) -> Option<&'static str> {
    if class == ROOT_CLASS {
        return Some(ROOT_ELEMENT);
    }
    METHODS.iter().find(|m| m.class == class).map(|m| m.element)
}

// The keyword arguments of the method that creates each class; every parent offering that
// method declares the same ones.

const REFER: &[Attribute] = &[attr("action", "action"), attr("method", "method")];

const TRANSCRIPTION: &[Attribute] = &[
    attr("name", "name"),
    attr("track", "track"),
    attr("status_callback_url", "statusCallbackUrl"),
    attr("status_callback_method", "statusCallbackMethod"),
    attr("inbound_track_label", "inboundTrackLabel"),
    attr("outbound_track_label", "outboundTrackLabel"),
    attr("partial_results", "partialResults"),
    attr("language_code", "languageCode"),
    attr("transcription_engine", "transcriptionEngine"),
    attr("profanity_filter", "profanityFilter"),
    attr("speech_model", "speechModel"),
    attr("hints", "hints"),
    attr("enable_automatic_punctuation", "enableAutomaticPunctuation"),
    attr("intelligence_service", "intelligenceService"),
];

const PARAMETER: &[Attribute] = &[attr("name", "name"), attr("value", "value")];

const CONFIG: &[Attribute] = &[attr("name", "name"), attr("value", "value")];

const SIPREC: &[Attribute] = &[
    attr("name", "name"),
    attr("connector_name", "connectorName"),
    attr("track", "track"),
    attr("status_callback", "statusCallback"),
    attr("status_callback_method", "statusCallbackMethod"),
];

const STREAM: &[Attribute] = &[
    attr("name", "name"),
    attr("connector_name", "connectorName"),
    attr("url", "url"),
    attr("track", "track"),
    attr("status_callback", "statusCallback"),
    attr("status_callback_method", "statusCallbackMethod"),
    attr("audio_format", "audioFormat"),
    attr("sample_rate", "sampleRate"),
];

const START: &[Attribute] = &[attr("action", "action"), attr("method", "method")];

const RECORDING: &[Attribute] = &[
    attr("recording_status_callback", "recordingStatusCallback"),
    attr(
        "recording_status_callback_method",
        "recordingStatusCallbackMethod",
    ),
    attr(
        "recording_status_callback_event",
        "recordingStatusCallbackEvent",
    ),
    attr("trim", "trim"),
    attr("track", "track"),
    attr("channels", "channels"),
    attr("recording_configuration_id", "recordingConfigurationId"),
];

const PROMPT: &[Attribute] = &[
    attr("for_", "for"),
    attr("error_type", "errorType"),
    attr("card_type", "cardType"),
    attr("attempt", "attempt"),
    attr("require_matching_inputs", "requireMatchingInputs"),
];

const PAUSE: &[Attribute] = &[attr("length", "length")];

const PLAY: &[Attribute] = &[attr("loop", "loop"), attr("digits", "digits")];

const SAY: &[Attribute] = &[
    attr("voice", "voice"),
    attr("loop", "loop"),
    attr("language", "language"),
];

const SSML_W: &[Attribute] = &[attr("role", "role")];

const SSML_SUB: &[Attribute] = &[attr("alias", "alias")];

const SSML_SAY_AS: &[Attribute] = &[
    attr("interpret_as", "interpret-as"),
    attr("format", "format"),
];

const SSML_PROSODY: &[Attribute] = &[
    attr("volume", "volume"),
    attr("rate", "rate"),
    attr("pitch", "pitch"),
];

const SSML_PHONEME: &[Attribute] = &[attr("alphabet", "alphabet"), attr("ph", "ph")];

const SSML_LANG: &[Attribute] = &[attr("xml_lang", "xml:lang")];

const SSML_EMPHASIS: &[Attribute] = &[attr("level", "level")];

const SSML_BREAK: &[Attribute] = &[attr("strength", "strength"), attr("time", "time")];

const PAY: &[Attribute] = &[
    attr("input", "input"),
    attr("action", "action"),
    attr("bank_account_type", "bankAccountType"),
    attr("status_callback", "statusCallback"),
    attr("status_callback_method", "statusCallbackMethod"),
    attr("timeout", "timeout"),
    attr("max_attempts", "maxAttempts"),
    attr("security_code", "securityCode"),
    attr("postal_code", "postalCode"),
    attr("min_postal_code_length", "minPostalCodeLength"),
    attr("payment_connector", "paymentConnector"),
    attr("payment_method", "paymentMethod"),
    attr("token_type", "tokenType"),
    attr("charge_amount", "chargeAmount"),
    attr("currency", "currency"),
    attr("description", "description"),
    attr("valid_card_types", "validCardTypes"),
    attr("language", "language"),
];

const SMS: &[Attribute] = &[
    attr("to", "to"),
    attr("from_", "from"),
    attr("action", "action"),
    attr("method", "method"),
    attr("status_callback", "statusCallback"),
];

const REJECT: &[Attribute] = &[attr("reason", "reason")];

const REDIRECT: &[Attribute] = &[attr("method", "method")];

const RECORD: &[Attribute] = &[
    attr("action", "action"),
    attr("method", "method"),
    attr("timeout", "timeout"),
    attr("finish_on_key", "finishOnKey"),
    attr("max_length", "maxLength"),
    attr("play_beep", "playBeep"),
    attr("trim", "trim"),
    attr("recording_status_callback", "recordingStatusCallback"),
    attr(
        "recording_status_callback_method",
        "recordingStatusCallbackMethod",
    ),
    attr(
        "recording_status_callback_event",
        "recordingStatusCallbackEvent",
    ),
    attr("transcribe", "transcribe"),
    attr("transcribe_callback", "transcribeCallback"),
    attr("recording_configuration_id", "recordingConfigurationId"),
];

const QUEUE: &[Attribute] = &[
    attr("url", "url"),
    attr("method", "method"),
    attr("reservation_sid", "reservationSid"),
    attr("post_work_activity_sid", "postWorkActivitySid"),
];

const GATHER: &[Attribute] = &[
    attr("input", "input"),
    attr("action", "action"),
    attr("method", "method"),
    attr("timeout", "timeout"),
    attr("speech_timeout", "speechTimeout"),
    attr("max_speech_time", "maxSpeechTime"),
    attr("profanity_filter", "profanityFilter"),
    attr("finish_on_key", "finishOnKey"),
    attr("num_digits", "numDigits"),
    attr("partial_result_callback", "partialResultCallback"),
    attr(
        "partial_result_callback_method",
        "partialResultCallbackMethod",
    ),
    attr("language", "language"),
    attr("hints", "hints"),
    attr("barge_in", "bargeIn"),
    attr("debug", "debug"),
    attr("action_on_empty_result", "actionOnEmptyResult"),
    attr("speech_model", "speechModel"),
    attr("enhanced", "enhanced"),
];

const ENQUEUE: &[Attribute] = &[
    attr("action", "action"),
    attr("max_queue_size", "maxQueueSize"),
    attr("method", "method"),
    attr("wait_url", "waitUrl"),
    attr("wait_url_method", "waitUrlMethod"),
    attr("workflow_sid", "workflowSid"),
];

const TASK: &[Attribute] = &[attr("priority", "priority"), attr("timeout", "timeout")];

const DIAL: &[Attribute] = &[
    attr("action", "action"),
    attr("method", "method"),
    attr("timeout", "timeout"),
    attr("hangup_on_star", "hangupOnStar"),
    attr("time_limit", "timeLimit"),
    attr("caller_id", "callerId"),
    attr("record", "record"),
    attr("trim", "trim"),
    attr("recording_status_callback", "recordingStatusCallback"),
    attr("recording_configuration_id", "recordingConfigurationId"),
    attr(
        "recording_status_callback_method",
        "recordingStatusCallbackMethod",
    ),
    attr(
        "recording_status_callback_event",
        "recordingStatusCallbackEvent",
    ),
    attr("answer_on_bridge", "answerOnBridge"),
    attr("ring_tone", "ringTone"),
    attr("recording_track", "recordingTrack"),
    attr("sequential", "sequential"),
    attr("refer_url", "referUrl"),
    attr("refer_method", "referMethod"),
    attr("events", "events"),
    attr("passports", "passports"),
];

const WHATS_APP: &[Attribute] = &[
    attr("url", "url"),
    attr("method", "method"),
    attr("status_callback_event", "statusCallbackEvent"),
    attr("status_callback", "statusCallback"),
    attr("status_callback_method", "statusCallbackMethod"),
];

const APPLICATION: &[Attribute] = &[
    attr("url", "url"),
    attr("method", "method"),
    attr("status_callback_event", "statusCallbackEvent"),
    attr("status_callback", "statusCallback"),
    attr("status_callback_method", "statusCallbackMethod"),
    attr("customer_id", "customerId"),
    attr("copy_parent_to", "copyParentTo"),
];

const SIP: &[Attribute] = &[
    attr("username", "username"),
    attr("password", "password"),
    attr("url", "url"),
    attr("method", "method"),
    attr("status_callback_event", "statusCallbackEvent"),
    attr("status_callback", "statusCallback"),
    attr("status_callback_method", "statusCallbackMethod"),
    attr("machine_detection", "machineDetection"),
    attr("amd_status_callback_method", "amdStatusCallbackMethod"),
    attr("amd_status_callback", "amdStatusCallback"),
    attr("machine_detection_timeout", "machineDetectionTimeout"),
    attr(
        "machine_detection_speech_threshold",
        "machineDetectionSpeechThreshold",
    ),
    attr(
        "machine_detection_speech_end_threshold",
        "machineDetectionSpeechEndThreshold",
    ),
    attr(
        "machine_detection_silence_timeout",
        "machineDetectionSilenceTimeout",
    ),
];

const HEADER: &[Attribute] = &[attr("name", "name"), attr("value", "value")];

const SIP_URI: &[Attribute] = &[
    attr("priority", "priority"),
    attr("weight", "weight"),
    attr("username", "username"),
    attr("password", "password"),
];

const NUMBER: &[Attribute] = &[
    attr("send_digits", "sendDigits"),
    attr("url", "url"),
    attr("method", "method"),
    attr("status_callback_event", "statusCallbackEvent"),
    attr("status_callback", "statusCallback"),
    attr("status_callback_method", "statusCallbackMethod"),
    attr("byoc", "byoc"),
    attr("machine_detection", "machineDetection"),
    attr("amd_status_callback_method", "amdStatusCallbackMethod"),
    attr("amd_status_callback", "amdStatusCallback"),
    attr("machine_detection_timeout", "machineDetectionTimeout"),
    attr(
        "machine_detection_speech_threshold",
        "machineDetectionSpeechThreshold",
    ),
    attr(
        "machine_detection_speech_end_threshold",
        "machineDetectionSpeechEndThreshold",
    ),
    attr(
        "machine_detection_silence_timeout",
        "machineDetectionSilenceTimeout",
    ),
];

const CONFERENCE: &[Attribute] = &[
    attr("muted", "muted"),
    attr("beep", "beep"),
    attr("start_conference_on_enter", "startConferenceOnEnter"),
    attr("end_conference_on_exit", "endConferenceOnExit"),
    attr("wait_url", "waitUrl"),
    attr("wait_method", "waitMethod"),
    attr("max_participants", "maxParticipants"),
    attr("record", "record"),
    attr("recording_configuration_id", "recordingConfigurationId"),
    attr("region", "region"),
    attr("coach", "coach"),
    attr("trim", "trim"),
    attr("status_callback_event", "statusCallbackEvent"),
    attr("status_callback", "statusCallback"),
    attr("status_callback_method", "statusCallbackMethod"),
    attr("recording_status_callback", "recordingStatusCallback"),
    attr(
        "recording_status_callback_method",
        "recordingStatusCallbackMethod",
    ),
    attr(
        "recording_status_callback_event",
        "recordingStatusCallbackEvent",
    ),
    attr("event_callback_url", "eventCallbackUrl"),
    attr("jitter_buffer_size", "jitterBufferSize"),
    attr("participant_label", "participantLabel"),
];

const CLIENT: &[Attribute] = &[
    attr("url", "url"),
    attr("method", "method"),
    attr("status_callback_event", "statusCallbackEvent"),
    attr("status_callback", "statusCallback"),
    attr("status_callback_method", "statusCallbackMethod"),
];

const CONNECT: &[Attribute] = &[attr("action", "action"), attr("method", "method")];

const CONVERSATION_RELAY_SESSION: &[Attribute] = &[
    attr("connector", "connector"),
    attr("session_configuration", "sessionConfiguration"),
];

const AI_SESSION: &[Attribute] = &[
    attr("ai_connector", "aiConnector"),
    attr("ai_session_configuration", "aiSessionConfiguration"),
];

const CONVERSATION_RELAY: &[Attribute] = &[
    attr("url", "url"),
    attr("language", "language"),
    attr("tts_language", "ttsLanguage"),
    attr("transcription_language", "transcriptionLanguage"),
    attr("tts_provider", "ttsProvider"),
    attr("voice", "voice"),
    attr("transcription_provider", "transcriptionProvider"),
    attr("speech_model", "speechModel"),
    attr("profanity_filter", "profanityFilter"),
    attr("dtmf_detection", "dtmfDetection"),
    attr("welcome_greeting", "welcomeGreeting"),
    attr("partial_prompts", "partialPrompts"),
    attr(
        "welcome_greeting_interruptible",
        "welcomeGreetingInterruptible",
    ),
    attr("interruptible", "interruptible"),
    attr("preemptible", "preemptible"),
    attr("hints", "hints"),
    attr("intelligence_service", "intelligenceService"),
    attr(
        "report_input_during_agent_speech",
        "reportInputDuringAgentSpeech",
    ),
    attr(
        "elevenlabs_text_normalization",
        "elevenlabsTextNormalization",
    ),
    attr("interrupt_sensitivity", "interruptSensitivity"),
    attr("debug", "debug"),
    attr("backgroundNoiseReduction", "backgroundNoiseReduction"),
    attr("speechTimeout", "speechTimeout"),
    attr("deepgramSmartFormat", "deepgramSmartFormat"),
    attr("ignoreBackchannel", "ignoreBackchannel"),
    attr("events", "events"),
    attr("partial_prompt_on_hangup", "partialPromptOnHangup"),
    attr("eager_eot_threshold", "eagerEotThreshold"),
    attr("asr_smart_format", "asrSmartFormat"),
    attr("tts_text_normalization", "ttsTextNormalization"),
    attr(
        "tts_language_text_normalization",
        "ttsLanguageTextNormalization",
    ),
    attr(
        "elevenlabs_language_text_normalization",
        "elevenlabsLanguageTextNormalization",
    ),
    attr("include_in_prompt", "includeInPrompt"),
    attr("customer_name", "customerName"),
    attr("application_reconnect", "applicationReconnect"),
    attr("echo_prompt_filtering", "echoPromptFiltering"),
    attr("turn_detection", "turnDetection"),
];

const LANGUAGE: &[Attribute] = &[
    attr("code", "code"),
    attr("tts_provider", "ttsProvider"),
    attr("voice", "voice"),
    attr("transcription_provider", "transcriptionProvider"),
    attr("speech_model", "speechModel"),
    attr("hints", "hints"),
    attr("asr_smart_format", "asrSmartFormat"),
    attr("tts_text_normalization", "ttsTextNormalization"),
    attr(
        "tts_language_text_normalization",
        "ttsLanguageTextNormalization",
    ),
];

const CONVERSATION: &[Attribute] = &[
    attr("service_instance_sid", "serviceInstanceSid"),
    attr("inbound_autocreation", "inboundAutocreation"),
    attr("routing_assignment_timeout", "routingAssignmentTimeout"),
    attr("inbound_timeout", "inboundTimeout"),
    attr("url", "url"),
    attr("method", "method"),
    attr("record", "record"),
    attr("trim", "trim"),
    attr("recording_status_callback", "recordingStatusCallback"),
    attr(
        "recording_status_callback_method",
        "recordingStatusCallbackMethod",
    ),
    attr(
        "recording_status_callback_event",
        "recordingStatusCallbackEvent",
    ),
    attr("status_callback", "statusCallback"),
    attr("status_callback_method", "statusCallbackMethod"),
    attr("status_callback_event", "statusCallbackEvent"),
];

const VIRTUAL_AGENT: &[Attribute] = &[
    attr("connector_name", "connectorName"),
    attr("language", "language"),
    attr("sentiment_analysis", "sentimentAnalysis"),
    attr("status_callback", "statusCallback"),
    attr("status_callback_method", "statusCallbackMethod"),
];

const ROOM: &[Attribute] = &[attr("participant_identity", "participantIdentity")];

/// Every builder method, grouped by the class it is defined on, in the library's order.
pub static METHODS: &[Method] = &[
    Method {
        parent: "VoiceResponse",
        method: "connect",
        class: "Connect",
        element: "Connect",
        value: None,
        value_required: false,
        attributes: CONNECT,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "dial",
        class: "Dial",
        element: "Dial",
        value: Some("number"),
        value_required: false,
        attributes: DIAL,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "echo",
        class: "Echo",
        element: "Echo",
        value: None,
        value_required: false,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "enqueue",
        class: "Enqueue",
        element: "Enqueue",
        value: Some("name"),
        value_required: false,
        attributes: ENQUEUE,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "gather",
        class: "Gather",
        element: "Gather",
        value: None,
        value_required: false,
        attributes: GATHER,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "hangup",
        class: "Hangup",
        element: "Hangup",
        value: None,
        value_required: false,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "leave",
        class: "Leave",
        element: "Leave",
        value: None,
        value_required: false,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "pause",
        class: "Pause",
        element: "Pause",
        value: None,
        value_required: false,
        attributes: PAUSE,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "play",
        class: "Play",
        element: "Play",
        value: Some("url"),
        value_required: false,
        attributes: PLAY,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "queue",
        class: "Queue",
        element: "Queue",
        value: Some("name"),
        value_required: true,
        attributes: QUEUE,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "record",
        class: "Record",
        element: "Record",
        value: None,
        value_required: false,
        attributes: RECORD,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "redirect",
        class: "Redirect",
        element: "Redirect",
        value: Some("url"),
        value_required: true,
        attributes: REDIRECT,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "reject",
        class: "Reject",
        element: "Reject",
        value: None,
        value_required: false,
        attributes: REJECT,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "say",
        class: "Say",
        element: "Say",
        value: Some("message"),
        value_required: false,
        attributes: SAY,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "sms",
        class: "Sms",
        element: "Sms",
        value: Some("message"),
        value_required: true,
        attributes: SMS,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "pay",
        class: "Pay",
        element: "Pay",
        value: None,
        value_required: false,
        attributes: PAY,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "prompt",
        class: "Prompt",
        element: "Prompt",
        value: None,
        value_required: false,
        attributes: PROMPT,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "start",
        class: "Start",
        element: "Start",
        value: None,
        value_required: false,
        attributes: START,
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "stop",
        class: "Stop",
        element: "Stop",
        value: None,
        value_required: false,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "VoiceResponse",
        method: "refer",
        class: "Refer",
        element: "Refer",
        value: None,
        value_required: false,
        attributes: REFER,
        accepts_extra: true,
    },
    Method {
        parent: "Refer",
        method: "sip",
        class: "ReferSip",
        element: "Sip",
        value: Some("sip_url"),
        value_required: true,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "Stop",
        method: "stream",
        class: "Stream",
        element: "Stream",
        value: None,
        value_required: false,
        attributes: STREAM,
        accepts_extra: true,
    },
    Method {
        parent: "Stop",
        method: "siprec",
        class: "Siprec",
        element: "Siprec",
        value: None,
        value_required: false,
        attributes: SIPREC,
        accepts_extra: true,
    },
    Method {
        parent: "Stop",
        method: "transcription",
        class: "Transcription",
        element: "Transcription",
        value: None,
        value_required: false,
        attributes: TRANSCRIPTION,
        accepts_extra: true,
    },
    Method {
        parent: "Transcription",
        method: "config",
        class: "Config",
        element: "Config",
        value: None,
        value_required: false,
        attributes: CONFIG,
        accepts_extra: true,
    },
    Method {
        parent: "Transcription",
        method: "parameter",
        class: "Parameter",
        element: "Parameter",
        value: None,
        value_required: false,
        attributes: PARAMETER,
        accepts_extra: true,
    },
    Method {
        parent: "Siprec",
        method: "parameter",
        class: "Parameter",
        element: "Parameter",
        value: None,
        value_required: false,
        attributes: PARAMETER,
        accepts_extra: true,
    },
    Method {
        parent: "Stream",
        method: "parameter",
        class: "Parameter",
        element: "Parameter",
        value: None,
        value_required: false,
        attributes: PARAMETER,
        accepts_extra: true,
    },
    Method {
        parent: "Start",
        method: "stream",
        class: "Stream",
        element: "Stream",
        value: None,
        value_required: false,
        attributes: STREAM,
        accepts_extra: true,
    },
    Method {
        parent: "Start",
        method: "siprec",
        class: "Siprec",
        element: "Siprec",
        value: None,
        value_required: false,
        attributes: SIPREC,
        accepts_extra: true,
    },
    Method {
        parent: "Start",
        method: "transcription",
        class: "Transcription",
        element: "Transcription",
        value: None,
        value_required: false,
        attributes: TRANSCRIPTION,
        accepts_extra: true,
    },
    Method {
        parent: "Start",
        method: "recording",
        class: "Recording",
        element: "Recording",
        value: None,
        value_required: false,
        attributes: RECORDING,
        accepts_extra: true,
    },
    Method {
        parent: "Prompt",
        method: "say",
        class: "Say",
        element: "Say",
        value: Some("message"),
        value_required: false,
        attributes: SAY,
        accepts_extra: true,
    },
    Method {
        parent: "Prompt",
        method: "play",
        class: "Play",
        element: "Play",
        value: Some("url"),
        value_required: false,
        attributes: PLAY,
        accepts_extra: true,
    },
    Method {
        parent: "Prompt",
        method: "pause",
        class: "Pause",
        element: "Pause",
        value: None,
        value_required: false,
        attributes: PAUSE,
        accepts_extra: true,
    },
    Method {
        parent: "Say",
        method: "break_",
        class: "SsmlBreak",
        element: "break",
        value: None,
        value_required: false,
        attributes: SSML_BREAK,
        accepts_extra: true,
    },
    Method {
        parent: "Say",
        method: "emphasis",
        class: "SsmlEmphasis",
        element: "emphasis",
        value: Some("words"),
        value_required: false,
        attributes: SSML_EMPHASIS,
        accepts_extra: true,
    },
    Method {
        parent: "Say",
        method: "lang",
        class: "SsmlLang",
        element: "lang",
        value: Some("words"),
        value_required: false,
        attributes: SSML_LANG,
        accepts_extra: true,
    },
    Method {
        parent: "Say",
        method: "p",
        class: "SsmlP",
        element: "p",
        value: Some("words"),
        value_required: false,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "Say",
        method: "phoneme",
        class: "SsmlPhoneme",
        element: "phoneme",
        value: Some("words"),
        value_required: true,
        attributes: SSML_PHONEME,
        accepts_extra: true,
    },
    Method {
        parent: "Say",
        method: "prosody",
        class: "SsmlProsody",
        element: "prosody",
        value: Some("words"),
        value_required: false,
        attributes: SSML_PROSODY,
        accepts_extra: true,
    },
    Method {
        parent: "Say",
        method: "s",
        class: "SsmlS",
        element: "s",
        value: Some("words"),
        value_required: false,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "Say",
        method: "say_as",
        class: "SsmlSayAs",
        element: "say-as",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SAY_AS,
        accepts_extra: true,
    },
    Method {
        parent: "Say",
        method: "sub",
        class: "SsmlSub",
        element: "sub",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SUB,
        accepts_extra: true,
    },
    Method {
        parent: "Say",
        method: "w",
        class: "SsmlW",
        element: "w",
        value: Some("words"),
        value_required: false,
        attributes: SSML_W,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlW",
        method: "break_",
        class: "SsmlBreak",
        element: "break",
        value: None,
        value_required: false,
        attributes: SSML_BREAK,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlW",
        method: "emphasis",
        class: "SsmlEmphasis",
        element: "emphasis",
        value: Some("words"),
        value_required: false,
        attributes: SSML_EMPHASIS,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlW",
        method: "phoneme",
        class: "SsmlPhoneme",
        element: "phoneme",
        value: Some("words"),
        value_required: true,
        attributes: SSML_PHONEME,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlW",
        method: "prosody",
        class: "SsmlProsody",
        element: "prosody",
        value: Some("words"),
        value_required: false,
        attributes: SSML_PROSODY,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlW",
        method: "say_as",
        class: "SsmlSayAs",
        element: "say-as",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SAY_AS,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlW",
        method: "sub",
        class: "SsmlSub",
        element: "sub",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SUB,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlProsody",
        method: "break_",
        class: "SsmlBreak",
        element: "break",
        value: None,
        value_required: false,
        attributes: SSML_BREAK,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlProsody",
        method: "emphasis",
        class: "SsmlEmphasis",
        element: "emphasis",
        value: Some("words"),
        value_required: false,
        attributes: SSML_EMPHASIS,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlProsody",
        method: "lang",
        class: "SsmlLang",
        element: "lang",
        value: Some("words"),
        value_required: false,
        attributes: SSML_LANG,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlProsody",
        method: "p",
        class: "SsmlP",
        element: "p",
        value: Some("words"),
        value_required: false,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "SsmlProsody",
        method: "phoneme",
        class: "SsmlPhoneme",
        element: "phoneme",
        value: Some("words"),
        value_required: true,
        attributes: SSML_PHONEME,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlProsody",
        method: "prosody",
        class: "SsmlProsody",
        element: "prosody",
        value: Some("words"),
        value_required: false,
        attributes: SSML_PROSODY,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlProsody",
        method: "s",
        class: "SsmlS",
        element: "s",
        value: Some("words"),
        value_required: false,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "SsmlProsody",
        method: "say_as",
        class: "SsmlSayAs",
        element: "say-as",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SAY_AS,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlProsody",
        method: "sub",
        class: "SsmlSub",
        element: "sub",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SUB,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlProsody",
        method: "w",
        class: "SsmlW",
        element: "w",
        value: Some("words"),
        value_required: false,
        attributes: SSML_W,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlS",
        method: "break_",
        class: "SsmlBreak",
        element: "break",
        value: None,
        value_required: false,
        attributes: SSML_BREAK,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlS",
        method: "emphasis",
        class: "SsmlEmphasis",
        element: "emphasis",
        value: Some("words"),
        value_required: false,
        attributes: SSML_EMPHASIS,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlS",
        method: "lang",
        class: "SsmlLang",
        element: "lang",
        value: Some("words"),
        value_required: false,
        attributes: SSML_LANG,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlS",
        method: "phoneme",
        class: "SsmlPhoneme",
        element: "phoneme",
        value: Some("words"),
        value_required: true,
        attributes: SSML_PHONEME,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlS",
        method: "prosody",
        class: "SsmlProsody",
        element: "prosody",
        value: Some("words"),
        value_required: false,
        attributes: SSML_PROSODY,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlS",
        method: "say_as",
        class: "SsmlSayAs",
        element: "say-as",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SAY_AS,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlS",
        method: "sub",
        class: "SsmlSub",
        element: "sub",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SUB,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlS",
        method: "w",
        class: "SsmlW",
        element: "w",
        value: Some("words"),
        value_required: false,
        attributes: SSML_W,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlLang",
        method: "break_",
        class: "SsmlBreak",
        element: "break",
        value: None,
        value_required: false,
        attributes: SSML_BREAK,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlLang",
        method: "emphasis",
        class: "SsmlEmphasis",
        element: "emphasis",
        value: Some("words"),
        value_required: false,
        attributes: SSML_EMPHASIS,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlLang",
        method: "lang",
        class: "SsmlLang",
        element: "lang",
        value: Some("words"),
        value_required: false,
        attributes: SSML_LANG,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlLang",
        method: "p",
        class: "SsmlP",
        element: "p",
        value: Some("words"),
        value_required: false,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "SsmlLang",
        method: "phoneme",
        class: "SsmlPhoneme",
        element: "phoneme",
        value: Some("words"),
        value_required: true,
        attributes: SSML_PHONEME,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlLang",
        method: "prosody",
        class: "SsmlProsody",
        element: "prosody",
        value: Some("words"),
        value_required: false,
        attributes: SSML_PROSODY,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlLang",
        method: "s",
        class: "SsmlS",
        element: "s",
        value: Some("words"),
        value_required: false,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "SsmlLang",
        method: "say_as",
        class: "SsmlSayAs",
        element: "say-as",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SAY_AS,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlLang",
        method: "sub",
        class: "SsmlSub",
        element: "sub",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SUB,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlLang",
        method: "w",
        class: "SsmlW",
        element: "w",
        value: Some("words"),
        value_required: false,
        attributes: SSML_W,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlP",
        method: "break_",
        class: "SsmlBreak",
        element: "break",
        value: None,
        value_required: false,
        attributes: SSML_BREAK,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlP",
        method: "emphasis",
        class: "SsmlEmphasis",
        element: "emphasis",
        value: Some("words"),
        value_required: false,
        attributes: SSML_EMPHASIS,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlP",
        method: "lang",
        class: "SsmlLang",
        element: "lang",
        value: Some("words"),
        value_required: false,
        attributes: SSML_LANG,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlP",
        method: "phoneme",
        class: "SsmlPhoneme",
        element: "phoneme",
        value: Some("words"),
        value_required: true,
        attributes: SSML_PHONEME,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlP",
        method: "prosody",
        class: "SsmlProsody",
        element: "prosody",
        value: Some("words"),
        value_required: false,
        attributes: SSML_PROSODY,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlP",
        method: "s",
        class: "SsmlS",
        element: "s",
        value: Some("words"),
        value_required: false,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "SsmlP",
        method: "say_as",
        class: "SsmlSayAs",
        element: "say-as",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SAY_AS,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlP",
        method: "sub",
        class: "SsmlSub",
        element: "sub",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SUB,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlP",
        method: "w",
        class: "SsmlW",
        element: "w",
        value: Some("words"),
        value_required: false,
        attributes: SSML_W,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlEmphasis",
        method: "break_",
        class: "SsmlBreak",
        element: "break",
        value: None,
        value_required: false,
        attributes: SSML_BREAK,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlEmphasis",
        method: "emphasis",
        class: "SsmlEmphasis",
        element: "emphasis",
        value: Some("words"),
        value_required: false,
        attributes: SSML_EMPHASIS,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlEmphasis",
        method: "lang",
        class: "SsmlLang",
        element: "lang",
        value: Some("words"),
        value_required: false,
        attributes: SSML_LANG,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlEmphasis",
        method: "phoneme",
        class: "SsmlPhoneme",
        element: "phoneme",
        value: Some("words"),
        value_required: true,
        attributes: SSML_PHONEME,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlEmphasis",
        method: "prosody",
        class: "SsmlProsody",
        element: "prosody",
        value: Some("words"),
        value_required: false,
        attributes: SSML_PROSODY,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlEmphasis",
        method: "say_as",
        class: "SsmlSayAs",
        element: "say-as",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SAY_AS,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlEmphasis",
        method: "sub",
        class: "SsmlSub",
        element: "sub",
        value: Some("words"),
        value_required: true,
        attributes: SSML_SUB,
        accepts_extra: true,
    },
    Method {
        parent: "SsmlEmphasis",
        method: "w",
        class: "SsmlW",
        element: "w",
        value: Some("words"),
        value_required: false,
        attributes: SSML_W,
        accepts_extra: true,
    },
    Method {
        parent: "Pay",
        method: "prompt",
        class: "Prompt",
        element: "Prompt",
        value: None,
        value_required: false,
        attributes: PROMPT,
        accepts_extra: true,
    },
    Method {
        parent: "Pay",
        method: "parameter",
        class: "Parameter",
        element: "Parameter",
        value: None,
        value_required: false,
        attributes: PARAMETER,
        accepts_extra: true,
    },
    Method {
        parent: "Reject",
        method: "parameter",
        class: "Parameter",
        element: "Parameter",
        value: None,
        value_required: false,
        attributes: PARAMETER,
        accepts_extra: true,
    },
    Method {
        parent: "Hangup",
        method: "parameter",
        class: "Parameter",
        element: "Parameter",
        value: None,
        value_required: false,
        attributes: PARAMETER,
        accepts_extra: true,
    },
    Method {
        parent: "Gather",
        method: "say",
        class: "Say",
        element: "Say",
        value: Some("message"),
        value_required: false,
        attributes: SAY,
        accepts_extra: true,
    },
    Method {
        parent: "Gather",
        method: "pause",
        class: "Pause",
        element: "Pause",
        value: None,
        value_required: false,
        attributes: PAUSE,
        accepts_extra: true,
    },
    Method {
        parent: "Gather",
        method: "play",
        class: "Play",
        element: "Play",
        value: Some("url"),
        value_required: false,
        attributes: PLAY,
        accepts_extra: true,
    },
    Method {
        parent: "Enqueue",
        method: "task",
        class: "Task",
        element: "Task",
        value: Some("body"),
        value_required: true,
        attributes: TASK,
        accepts_extra: true,
    },
    Method {
        parent: "Dial",
        method: "client",
        class: "Client",
        element: "Client",
        value: Some("identity"),
        value_required: false,
        attributes: CLIENT,
        accepts_extra: true,
    },
    Method {
        parent: "Dial",
        method: "conference",
        class: "Conference",
        element: "Conference",
        value: Some("name"),
        value_required: true,
        attributes: CONFERENCE,
        accepts_extra: true,
    },
    Method {
        parent: "Dial",
        method: "number",
        class: "Number",
        element: "Number",
        value: Some("phone_number"),
        value_required: true,
        attributes: NUMBER,
        accepts_extra: true,
    },
    Method {
        parent: "Dial",
        method: "queue",
        class: "Queue",
        element: "Queue",
        value: Some("name"),
        value_required: true,
        attributes: QUEUE,
        accepts_extra: true,
    },
    Method {
        parent: "Dial",
        method: "sim",
        class: "Sim",
        element: "Sim",
        value: Some("sim_sid"),
        value_required: true,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "Dial",
        method: "sip",
        class: "Sip",
        element: "Sip",
        value: Some("sip_url"),
        value_required: false,
        attributes: SIP,
        accepts_extra: true,
    },
    Method {
        parent: "Dial",
        method: "application",
        class: "Application",
        element: "Application",
        value: Some("application_sid"),
        value_required: false,
        attributes: APPLICATION,
        accepts_extra: true,
    },
    Method {
        parent: "Dial",
        method: "whats_app",
        class: "WhatsApp",
        element: "WhatsApp",
        value: Some("phone_number"),
        value_required: true,
        attributes: WHATS_APP,
        accepts_extra: true,
    },
    Method {
        parent: "Application",
        method: "application_sid",
        class: "ApplicationSid",
        element: "ApplicationSid",
        value: Some("sid"),
        value_required: true,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "Application",
        method: "parameter",
        class: "Parameter",
        element: "Parameter",
        value: None,
        value_required: false,
        attributes: PARAMETER,
        accepts_extra: true,
    },
    Method {
        parent: "Sip",
        method: "uri",
        class: "SipUri",
        element: "Uri",
        value: Some("sip_url"),
        value_required: false,
        attributes: SIP_URI,
        accepts_extra: true,
    },
    Method {
        parent: "Sip",
        method: "headers",
        class: "Headers",
        element: "Headers",
        value: None,
        value_required: false,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "Headers",
        method: "header",
        class: "Header",
        element: "Header",
        value: None,
        value_required: false,
        attributes: HEADER,
        accepts_extra: true,
    },
    Method {
        parent: "Client",
        method: "identity",
        class: "Identity",
        element: "Identity",
        value: Some("client_identity"),
        value_required: true,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "Client",
        method: "parameter",
        class: "Parameter",
        element: "Parameter",
        value: None,
        value_required: false,
        attributes: PARAMETER,
        accepts_extra: true,
    },
    Method {
        parent: "Connect",
        method: "room",
        class: "Room",
        element: "Room",
        value: Some("name"),
        value_required: true,
        attributes: ROOM,
        accepts_extra: true,
    },
    Method {
        parent: "Connect",
        method: "autopilot",
        class: "Autopilot",
        element: "Autopilot",
        value: Some("name"),
        value_required: true,
        attributes: &[],
        accepts_extra: true,
    },
    Method {
        parent: "Connect",
        method: "stream",
        class: "Stream",
        element: "Stream",
        value: None,
        value_required: false,
        attributes: STREAM,
        accepts_extra: true,
    },
    Method {
        parent: "Connect",
        method: "virtual_agent",
        class: "VirtualAgent",
        element: "VirtualAgent",
        value: None,
        value_required: false,
        attributes: VIRTUAL_AGENT,
        accepts_extra: true,
    },
    Method {
        parent: "Connect",
        method: "conversation",
        class: "Conversation",
        element: "Conversation",
        value: None,
        value_required: false,
        attributes: CONVERSATION,
        accepts_extra: true,
    },
    Method {
        parent: "Connect",
        method: "conversation_relay",
        class: "ConversationRelay",
        element: "ConversationRelay",
        value: None,
        value_required: false,
        attributes: CONVERSATION_RELAY,
        accepts_extra: true,
    },
    Method {
        parent: "Connect",
        method: "ai_session",
        class: "AiSession",
        element: "AiSession",
        value: None,
        value_required: false,
        attributes: AI_SESSION,
        accepts_extra: true,
    },
    Method {
        parent: "Connect",
        method: "conversation_relay_session",
        class: "ConversationRelaySession",
        element: "ConversationRelaySession",
        value: None,
        value_required: false,
        attributes: CONVERSATION_RELAY_SESSION,
        accepts_extra: true,
    },
    Method {
        parent: "ConversationRelay",
        method: "language",
        class: "Language",
        element: "Language",
        value: None,
        value_required: false,
        attributes: LANGUAGE,
        accepts_extra: true,
    },
    Method {
        parent: "ConversationRelay",
        method: "parameter",
        class: "Parameter",
        element: "Parameter",
        value: None,
        value_required: false,
        attributes: PARAMETER,
        accepts_extra: true,
    },
    Method {
        parent: "VirtualAgent",
        method: "config",
        class: "Config",
        element: "Config",
        value: None,
        value_required: false,
        attributes: CONFIG,
        accepts_extra: true,
    },
    Method {
        parent: "VirtualAgent",
        method: "parameter",
        class: "Parameter",
        element: "Parameter",
        value: None,
        value_required: false,
        attributes: PARAMETER,
        accepts_extra: true,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twiml::element::wire_name;
    use std::collections::HashSet;

    fn get(parent: &str, name: &str) -> &'static Method {
        method(parent, name).unwrap_or_else(|| panic!("{parent}.{name} is missing"))
    }

    fn keywords(m: &Method) -> Vec<&'static str> {
        m.attributes.iter().map(|a| a.keyword).collect()
    }

    fn wire(m: &Method, keyword: &str) -> &'static str {
        m.attribute(keyword)
            .unwrap_or_else(|| panic!("{}.{} has no {keyword}", m.parent, m.method))
            .wire
    }

    #[test]
    fn wire_names_follow_the_library_mapping() {
        for m in METHODS {
            for a in m.attributes {
                assert_eq!(
                    a.wire,
                    wire_name(a.keyword),
                    "{}.{}({})",
                    m.parent,
                    m.method,
                    a.keyword
                );
            }
        }
    }

    #[test]
    fn no_method_is_listed_twice() {
        let mut seen = HashSet::new();
        for m in METHODS {
            assert!(
                seen.insert((m.parent, m.method)),
                "{}.{}",
                m.parent,
                m.method
            );
        }
        assert_eq!(METHODS.len(), 131);
        let parents: HashSet<_> = METHODS.iter().map(|m| m.parent).collect();
        assert_eq!(parents.len(), 28);
    }

    #[test]
    fn every_parent_is_reachable() {
        for m in METHODS {
            assert!(
                m.parent == ROOT_CLASS || METHODS.iter().any(|c| c.class == m.parent),
                "{} is never created",
                m.parent
            );
        }
    }

    #[test]
    fn a_class_writes_one_element_with_one_signature() {
        for m in METHODS {
            for other in METHODS.iter().filter(|o| o.class == m.class) {
                assert_eq!(m.element, other.element, "{}", m.class);
                assert_eq!(m.method, other.method, "{}", m.class);
                assert_eq!(m.value, other.value, "{}", m.class);
                assert_eq!(m.value_required, other.value_required, "{}", m.class);
                assert_eq!(m.attributes, other.attributes, "{}", m.class);
            }
        }
    }

    #[test]
    fn parameters_are_consistent() {
        for m in METHODS {
            assert!(m.accepts_extra, "{}.{}", m.parent, m.method);
            assert!(m.value.is_some() || !m.value_required);
            let names: HashSet<_> = m.attributes.iter().map(|a| a.keyword).collect();
            assert_eq!(names.len(), m.attributes.len(), "{}.{}", m.parent, m.method);
            let wires: HashSet<_> = m.attributes.iter().map(|a| a.wire).collect();
            assert_eq!(wires.len(), m.attributes.len(), "{}.{}", m.parent, m.method);
            if let Some(value) = m.value {
                assert!(!names.contains(value), "{}.{}", m.parent, m.method);
            }
        }
    }

    #[test]
    fn say_under_response_and_gather() {
        for parent in [ROOT_CLASS, "Gather", "Prompt"] {
            let m = get(parent, "say");
            assert_eq!((m.class, m.element), ("Say", "Say"));
            assert_eq!(m.value, Some("message"));
            assert!(!m.value_required);
            assert_eq!(keywords(m), ["voice", "loop", "language"]);
        }
        assert!(method("Gather", "dial").is_none());
        assert!(method("Say", "say").is_none());
    }

    #[test]
    fn ssml_children() {
        let m = get("Say", "say_as");
        assert_eq!((m.class, m.element), ("SsmlSayAs", "say-as"));
        assert_eq!((m.value, m.value_required), (Some("words"), true));
        assert_eq!(wire(m, "interpret_as"), "interpret-as");
        assert_eq!(wire(m, "format"), "format");

        let m = get("Say", "break_");
        assert_eq!((m.class, m.element), ("SsmlBreak", "break"));
        assert_eq!(m.value, None);
        assert_eq!(keywords(m), ["strength", "time"]);

        assert_eq!(wire(get("SsmlProsody", "lang"), "xml_lang"), "xml:lang");
        assert_eq!(element_of("SsmlW"), Some("w"));
        assert!(method("SsmlW", "lang").is_none());
        assert!(method("SsmlS", "p").is_none());
        assert_eq!(methods_of("SsmlBreak").count(), 0);
        let say: Vec<_> = methods_of("Say").map(|m| m.method).collect();
        assert_eq!(
            say,
            [
                "break_", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say_as", "sub", "w"
            ]
        );
    }

    #[test]
    fn dial_nouns() {
        let m = get("Dial", "number");
        assert_eq!((m.class, m.element), ("Number", "Number"));
        assert_eq!((m.value, m.value_required), (Some("phone_number"), true));
        assert_eq!(wire(m, "send_digits"), "sendDigits");
        assert_eq!(wire(m, "amd_status_callback"), "amdStatusCallback");

        let dial = get(ROOT_CLASS, "dial");
        assert_eq!((dial.value, dial.value_required), (Some("number"), false));
        assert_eq!(wire(dial, "hangup_on_star"), "hangupOnStar");

        let sip = get("Dial", "sip");
        let refer_sip = get("Refer", "sip");
        assert_eq!(sip.element, refer_sip.element);
        assert_eq!((sip.class, refer_sip.class), ("Sip", "ReferSip"));
        assert!(!sip.value_required && refer_sip.value_required);
        assert!(refer_sip.attributes.is_empty());
        assert_eq!(get("Sip", "uri").element, "Uri");
        assert_eq!(methods_of("ReferSip").count(), 0);
    }

    #[test]
    fn streams_under_connect_start_and_stop() {
        for parent in ["Connect", "Start", "Stop"] {
            let m = get(parent, "stream");
            assert_eq!((m.class, m.element, m.value), ("Stream", "Stream", None));
            assert_eq!(wire(m, "status_callback_method"), "statusCallbackMethod");
            assert_eq!(wire(m, "audio_format"), "audioFormat");
        }
        assert_eq!(get("Stream", "parameter").attributes, PARAMETER);
    }

    #[test]
    fn conversation_relay() {
        let m = get("Connect", "conversation_relay");
        assert_eq!(
            (m.class, m.element, m.value),
            ("ConversationRelay", "ConversationRelay", None)
        );
        assert_eq!(wire(m, "tts_provider"), "ttsProvider");
        assert_eq!(wire(m, "welcome_greeting"), "welcomeGreeting");
        // Keywords the library spells in camel case already.
        assert_eq!(wire(m, "speechTimeout"), "speechTimeout");
        assert_eq!(
            wire(m, "backgroundNoiseReduction"),
            "backgroundNoiseReduction"
        );
        let language = get("ConversationRelay", "language");
        assert_eq!(language.element, "Language");
        assert_eq!(wire(language, "code"), "code");
        assert_eq!(get("ConversationRelay", "parameter").attributes, PARAMETER);
    }

    #[test]
    fn reserved_word_keywords() {
        assert_eq!(wire(get(ROOT_CLASS, "sms"), "from_"), "from");
        assert_eq!(wire(get(ROOT_CLASS, "prompt"), "for_"), "for");
        assert_eq!(wire(get("Pay", "prompt"), "for_"), "for");
    }

    #[test]
    fn element_of_classes() {
        assert_eq!(element_of(ROOT_CLASS), Some("Response"));
        assert_eq!(element_of("SipUri"), Some("Uri"));
        assert_eq!(element_of("ReferSip"), Some("Sip"));
        assert_eq!(element_of("Nope"), None);
    }
}
