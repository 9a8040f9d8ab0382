---@meta projectx
-- LuaLS annotations for the globals projectx gives every script. Point your editor at this
-- directory (see README.md here) for completion and type checks. Nothing here runs.

---@alias projectx.EventName
---| "call.queued"         # Twilio accepted the call
---| "call.started"        # Twilio `initiated`
---| "call.ringing"
---| "call.answered"
---| "call.status"         # every transition
---| "call.ended"          # any terminal state: carries duration and price
---| "call.failed"         # busy, no-answer, failed, canceled or refused: carries error
---| "call.machine"        # answering-machine result: carries answered_by
---| "recording.completed"
---| "campaign.progress"
---| "campaign.done"
---| "schedule.fired"
---| "script.reloaded"     # carries file and generation
---| "script.error"        # carries file, line and message

---@class projectx.EventError
---@field code integer? Twilio's error code
---@field message string

---@class projectx.Event
---@field event projectx.EventName
---@field sid string? the CallSid (call events)
---@field to string?
---@field from string?
---@field status string? Twilio's call status
---@field agent string?
---@field campaign string?
---@field sequence integer? Twilio's SequenceNumber
---@field duration integer? seconds (call.ended)
---@field price number? what Twilio charged (call.ended)
---@field error projectx.EventError? (call.failed)
---@field answered_by string? (call.machine)
---@field file string? (script.* and schedule.fired)
---@field generation integer? (script.reloaded, schedule.fired)
---@field line integer? (script.error)
---@field message string? (script.error)
---@field name string? (schedule.fired)

---What Twilio (or the network) refused; the second value of `nil, err`.
---@class projectx.Error
---@field code integer? Twilio's error code (21211, 21210, 20429, …)
---@field status integer? the HTTP status
---@field message string
---@field more_info string? a link to Twilio's documentation of the code
---@field kind "invalid_number"|"authentication"|"rate_limited"|"not_found"|"invalid_request"|"transport"|"api"|"other"

---A call resource as Twilio returns it.
---@class projectx.CallResource
---@field sid string
---@field to string?
---@field from string?
---@field status string?
---@field direction string?
---@field duration integer?
---@field price number?
---@field price_unit string?
---@field answered_by string?
---@field start_time string?
---@field end_time string?

---@class projectx.Recording
---@field sid string
---@field call_sid string?
---@field duration integer?
---@field status string?
---@field media_url string?

---@class projectx.CallOptions
---@field to string E.164 (+14155550100), or sip:/client:
---@field from string? caller ID; default twilio.from_number
---@field agent string? an agent (or voice profile) of projectx.yaml
---@field message string? said in the agent's voice, then the call ends
---@field flow string? a flow defined with twilio.flow
---@field twiml string|projectx.Twiml? (make_call) a document to run
---@field url string? (make_call) where Twilio fetches TwiML
---@field campaign string?
---@field vars table<string, string>? read by the flow as call.vars
---@field timeout integer? seconds to ring (1-600)
---@field time_limit integer? longest the call may last, in seconds
---@field machine_detection "Enable"|"DetectMessageEnd"?
---@field record boolean?

---@class projectx.CallListOptions
---@field to string?
---@field from string?
---@field status "queued"|"ringing"|"in-progress"|"completed"|"busy"|"failed"|"no-answer"|"canceled"?
---@field limit integer? at most this many (default 50)

---@class projectx.RecordingListOptions
---@field call_sid string? only this call's recordings
---@field limit integer? at most this many (default 50)

---@class projectx.Calls
local calls = {}
---@param sid string
---@return projectx.CallResource?, projectx.Error?
function calls.get(sid) end
---@param options projectx.CallListOptions?
---@return projectx.CallResource[]?, projectx.Error?
function calls.list(options) end
---Ends a call in progress.
---@param sid string
---@return projectx.CallResource?, projectx.Error?
function calls.hangup(sid) end
---Gives a live call new instructions.
---@param sid string
---@param options { twiml: string?, url: string? }
---@return projectx.CallResource?, projectx.Error?
function calls.redirect(sid, options) end

---@class projectx.Recordings
local recordings = {}
---@param options projectx.RecordingListOptions?
---@return projectx.Recording[]?, projectx.Error?
function recordings.list(options) end
---@param sid string
---@return projectx.Recording?, projectx.Error?
function recordings.get(sid) end
---@param sid string
---@return boolean?, projectx.Error?
function recordings.delete(sid) end
---Streams the media to `path`; returns the bytes written.
---@param sid string
---@param path string
---@param format "wav"|"mp3"?
---@return integer?, projectx.Error?
function recordings.download(sid, path, format) end

---@class projectx.GatherResult
---@field digits string? what the caller pressed
---@field speech string? what the caller said
---@field confidence number? speech recognition confidence
---@field timed_out boolean nothing came

---@class projectx.RecordResult
---@field url string?
---@field sid string?
---@field duration number?
---@field digits string? the key that ended the recording

---@class projectx.DialResult
---@field status string? completed, busy, no-answer, failed, canceled
---@field sid string?
---@field duration number?

---@class projectx.SayOptions
---@field emotion "neutral"|"excited"|"happy"|"calm"|"sad"|"urgent"|"serious"|"whisper"?
---@field effects string[]|string? see `projectx voices list`
---@field agent string? speak in another agent's voice
---@field voice string? speak in another voice profile

---The call a flow is running. `say`, `play` and `pause` pile up; `gather`, `record` and `dial`
---send them to Twilio and wait for the caller.
---@class projectx.Call
---@field sid string
---@field to string
---@field from string
---@field direction "inbound"|"outbound-api"
---@field flow string
---@field agent string?
---@field message string?
---@field campaign string?
---@field answered_by string?
---@field vars table<string, string>
local Call = {}
---@param text string
---@param options projectx.SayOptions?
function Call:say(text, options) end
---@param url string
---@param options { loop: integer?, digits: string? }?
function Call:play(url, options) end
---@param seconds integer? default 1
function Call:pause(seconds) end
---Any `<Gather>` keyword (input, num_digits, timeout, finish_on_key, speech_timeout, hints,
---language, …) plus `prompt`, said in the call's voice while listening.
---@param options table?
---@return projectx.GatherResult
function Call:gather(options) end
---Any `<Record>` keyword (max_length, finish_on_key, play_beep, timeout, trim, …).
---@param options table?
---@return projectx.RecordResult
function Call:record(options) end
---Connects the caller to `number`; any `<Dial>` keyword (timeout, caller_id, record, …).
---@param number string
---@param options table?
---@return projectx.DialResult
function Call:dial(number, options) end
---Ends the call; the flow may go on with work that does not speak.
function Call:hangup() end
---Adds the other party to the opt-out list; returns true when newly added.
---@return boolean
function Call:opt_out() end

---@class projectx.Twilio
---@field calls projectx.Calls
---@field recordings projectx.Recordings
twilio = {}
---Registers a handler (at load time). Each handler sees each event once, in per-call order.
---@param event projectx.EventName
---@param handler fun(ev: projectx.Event)
function twilio.on(event, handler) end
---Defines a flow (at load time): straight-line code for a whole call.
---@param name string letters, digits, '-' and '_'
---@param flow fun(call: projectx.Call)
function twilio.flow(name, flow) end
---Places a call that says `message` in the agent's voice, or runs `flow`.
---@param options projectx.CallOptions
---@return projectx.CallResource?, projectx.Error?
function twilio.initiate_call(options) end
---Places a call that runs `twiml` or the TwiML at `url`.
---@param options projectx.CallOptions
---@return projectx.CallResource?, projectx.Error?
function twilio.make_call(options) end
---Checks an X-Twilio-Signature against twilio.auth_token.
---@param url string
---@param params table<string, string>?
---@param signature string
---@return boolean
function twilio.validate_request(url, params, signature) end

---@class projectx.VoiceProfile
---@field name string
---@field voice string the Twilio voice (Polly.Matthew-Neural)
---@field language string?
---@field style string
---@field pitch number
---@field rate number
---@field volume_db number

voice = {}
---@return projectx.VoiceProfile[]
function voice.list() end
---@param name string a profile or an agent
---@return projectx.VoiceProfile
function voice.get(name) end
---The `<Say>` verbs `text` becomes in that voice.
---@param name string
---@param text string
---@param options { emotion: string?, effects: string[]? }?
---@return string
function voice.render(name, text, options) end

---A TwiML document or element. Every method of the official helper library's class works,
---by its Python name and keywords: `r:say("Hi", { voice = "alice" })` appends and returns `r`;
---a function argument fills the new element: `r:gather({ num_digits = 1 }, function(g) g:say("Press 1") end)`.
---@class projectx.Twiml
---@field [string] fun(self: projectx.Twiml, value: string|table|function|nil, options: table|function|nil, fill: function|nil): projectx.Twiml
local Twiml = {}
---@param options { xml_declaration: boolean? }?
---@return string
function Twiml:to_xml(options) end

twiml = {}
---@return projectx.Twiml
function twiml.response() end

---@class projectx.ScheduleOptions
---@field tz string? IANA timezone (America/New_York); default UTC
---@field name string? shown in logs and schedule.fired; with the file, the schedule's identity in the store
---@field missed "skip"|"run_once"? after downtime: skip missed runs (default) or run the latest once

schedule = {}
---Standard 5-field cron (minute hour day month weekday; names or 0-7 for days), or 6 with
---seconds first.
---@param expr string
---@param fn fun(run: { name: string, at: string })
---@param options projectx.ScheduleOptions?
---@return integer id
function schedule.cron(expr, fn, options) end
---@param interval string|number "30s", "10m", "1h30m" or seconds (at least 1)
---@param fn fun(run: { name: string, at: string })
---@param options projectx.ScheduleOptions?
---@return integer id
function schedule.every(interval, fn, options) end
---Once: an RFC 3339 time, or the next HH:MM in `options.tz`.
---@param time string
---@param fn fun(run: { name: string, at: string })
---@param options projectx.ScheduleOptions?
---@return integer id
function schedule.at(time, fn, options) end
---@param id integer
---@return boolean
function schedule.cancel(id) end

---@class projectx.RetryRule
---@field after string delay before calling again ("10m")
---@field max integer retries, counting every earlier attempt of the contact

---@class projectx.ContactRow
---@field to string
---@field name string?
---@field timezone string? IANA name; derived from the number when absent
---@field [string] string|number any other field: a variable the flow reads as call.vars

---@class projectx.CampaignOptions
---@field contacts string|projectx.ContactRow[] a CSV file (relative to the script) or a list
---@field agent string?
---@field flow string?
---@field message string?
---@field from string? caller ID; twilio.from_number by default
---@field cps number? calls per second (limits.cps applies too)
---@field max_concurrent integer? calls in progress at once
---@field retry table<"busy"|"no_answer"|"failed"|"canceled"|"machine"|"refused", projectx.RetryRule>?
---@field calling_hours string? "HH:MM-HH:MM", narrows compliance.calling_hours
---@field machine_detection "Enable"|"DetectMessageEnd"?
---@field timeout integer? seconds to ring
---@field time_limit integer? longest call, in seconds

---@class projectx.CampaignError
---@field message string
---@field kind "unknown"|"already_running"|"not_running"|"no_dialer"|"store"|"contacts"|"invalid"

---@class projectx.ContactCounts
---@field pending integer
---@field dialing integer
---@field done integer
---@field skipped integer

---@class projectx.CampaignStatus
---@field name string
---@field state "defined"|"running"|"paused"|"stopped"|"done"
---@field reason string?
---@field contacts projectx.ContactCounts
---@field in_progress integer
---@field spend_usd number

---@class projectx.CampaignReport
---@field contacts projectx.ContactCounts
---@field attempts integer
---@field outcomes table<string, integer> attempts by outcome (completed, busy, no-answer, …)
---@field skipped table<string, integer> skipped contacts by reason
---@field seconds integer
---@field cost_usd number

campaign = {}
---Adds or updates a campaign (stored; survives restarts). Raises on a bad definition.
---@param name string letters, digits, '-' and '_'
---@param options projectx.CampaignOptions
---@return true|nil ok, projectx.CampaignError? err
function campaign.define(name, options) end
---Starts dialing, or resumes after a stop or a crash.
---@param name string
---@return true|nil ok, projectx.CampaignError? err
function campaign.start(name) end
---Stops dialing; calls in progress finish.
---@param name string
---@return true|nil ok, projectx.CampaignError? err
function campaign.stop(name) end
---@param name string
---@return true|nil ok, projectx.CampaignError? err
function campaign.pause(name) end
---@param name string
---@return true|nil ok, projectx.CampaignError? err
function campaign.resume(name) end
---@param name string
---@return projectx.CampaignStatus|nil status, projectx.CampaignError? err
function campaign.status(name) end
---@param name string
---@return projectx.CampaignReport|nil report, projectx.CampaignError? err
function campaign.report(name) end

log = {}
---@param ... any joined with spaces, like print
function log.trace(...) end
---@param ... any
function log.debug(...) end
---@param ... any
function log.info(...) end
---@param ... any
function log.warn(...) end
---@param ... any
function log.error(...) end

---Which version of which file is running.
---@class projectx.Script
---@field file string
---@field generation integer
script = {}
