//! Runs a call's TwiML as Twilio would, against the scripted callee: Say, Play, Pause, Gather
//! (the callee's digits or speech go to the action), Record, Dial, Redirect, Hangup, Reject.
//! Each step takes plausible call time on the virtual clock and is written to the transcript.
//! TwiML that does not parse ends the call with error 12100, as on Twilio.

use std::time::Duration;

use quick_xml::events::Event;
use serde_json::json;

use super::state::Interrupt;
use super::{Callee, Simulator};

/// Words per second of synthetic speech.
const WORDS_PER_SECOND: f64 = 2.5;
/// Documents one call may fetch (Redirect and action loops are cut off there).
const MAX_DOCUMENTS: usize = 50;

/// A parsed TwiML element: its name, attributes, text content and children.
#[derive(Debug, Clone, Default)]
struct Node {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All text inside, SSML children included, words kept apart where elements separate them.
    fn all_text(&self) -> String {
        let mut out = self.text.clone();
        for child in &self.children {
            let text = child.all_text();
            if !out.is_empty()
                && !out.ends_with(char::is_whitespace)
                && !text.starts_with(char::is_whitespace)
            {
                out.push(' ');
            }
            out.push_str(&text);
        }
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

fn parse(xml: &str) -> Result<Node, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack = vec![Node::default()];
    let open = |e: &quick_xml::events::BytesStart| -> Result<Node, String> {
        let mut node = Node {
            name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
            ..Node::default()
        };
        for attribute in e.attributes() {
            let attribute = attribute.map_err(|e| e.to_string())?;
            let value = attribute.unescape_value().map_err(|e| e.to_string())?;
            node.attributes.push((
                String::from_utf8_lossy(attribute.key.as_ref()).into_owned(),
                value.into_owned(),
            ));
        }
        Ok(node)
    };
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        if let Some(text) = crate::twiml::text_of(&event)? {
            if let Some(top) = stack.last_mut() {
                top.text.push_str(&text);
            }
            continue;
        }
        match event {
            Event::Start(e) => stack.push(open(&e)?),
            // An element between two runs of text (`Hello,<break/>this`) separates their words.
            Event::Empty(e) => {
                let node = open(&e)?;
                let parent = stack.last_mut().ok_or("unbalanced")?;
                parent.text.push(' ');
                parent.children.push(node);
            }
            Event::End(_) => {
                let node = stack.pop().ok_or("unbalanced")?;
                let parent = stack.last_mut().ok_or("unbalanced")?;
                parent.text.push(' ');
                parent.children.push(node);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err("an element is not closed".to_owned());
    }
    let root = stack.pop().ok_or("empty document")?;
    let response = root
        .children
        .into_iter()
        .find(|n| n.name == "Response")
        .ok_or("the root element is not <Response>")?;
    Ok(response)
}

/// Where the next document comes from.
enum Next {
    Fetch {
        url: String,
        method: String,
        extra: Vec<(String, String)>,
    },
    Inline(String),
    End,
}

/// Runs the call's TwiML until it ends, is hung up, or runs out of time.
pub(crate) async fn run(sim: &Simulator, sid: &str, callee: &Callee) {
    let Some((url, method, twiml, time_limit, started)) = sim.with_call(sid, |c| {
        (
            c.params.url.clone(),
            c.params.method.clone(),
            c.params.twiml.clone(),
            c.params.time_limit,
            c.started.unwrap_or_default(),
        )
    }) else {
        return;
    };
    let limit = Duration::from_secs(u64::from(time_limit));
    let hangup = callee.hangup_after.map(Duration::from_secs_f64);
    let deadline = started + hangup.map_or(limit, |h| h.min(limit));
    let mut next = match (url, twiml) {
        (_, Some(twiml)) => Next::Inline(twiml),
        (Some(url), None) => Next::Fetch {
            url,
            method,
            extra: Vec::new(),
        },
        (None, None) => Next::End,
    };
    let mut runner = Runner {
        sim,
        sid,
        callee,
        deadline,
        current_url: None,
    };
    for _ in 0..MAX_DOCUMENTS {
        let document = match next {
            Next::End => return,
            Next::Inline(xml) => {
                runner.current_url = None;
                xml
            }
            Next::Fetch { url, method, extra } => match runner.fetch(&url, &method, &extra).await {
                Some(xml) => {
                    runner.current_url = Some(url);
                    xml
                }
                None => return,
            },
        };
        let response = match parse(&document) {
            Ok(r) => r,
            Err(e) => {
                runner.note(
                    "error",
                    json!({ "code": 12100, "message": format!("Document parse failure: {e}") }),
                );
                return;
            }
        };
        next = match runner.verbs(&response.children).await {
            Step::Next(n) => n,
            Step::Continue => Next::End,
        };
    }
    runner.note("error", json!({ "code": 11200, "message": format!("more than {MAX_DOCUMENTS} documents: stopped") }));
}

enum Step {
    Continue,
    Next(Next),
}

struct Runner<'a> {
    sim: &'a Simulator,
    sid: &'a str,
    callee: &'a Callee,
    deadline: Duration,
    current_url: Option<String>,
}

impl Runner<'_> {
    fn note(&self, kind: &str, detail: serde_json::Value) {
        let now = self.sim.now();
        self.sim.with_call(self.sid, |c| c.note(now, kind, detail));
    }

    /// Spends call time; `Some` when the call must stop (hung up, deadline) or is redirected.
    async fn spend(&self, time: Duration) -> Option<Step> {
        let now = self.sim.now();
        let until_deadline = self.deadline.saturating_sub(now);
        let interrupt = self.sim.wait(self.sid, time.min(until_deadline)).await;
        match interrupt {
            Some(Interrupt::Redirect { url: Some(url), .. }) => {
                self.note("redirect", json!({ "url": url, "by": "api" }));
                Some(Step::Next(Next::Fetch {
                    url,
                    method: "POST".to_owned(),
                    extra: Vec::new(),
                }))
            }
            Some(Interrupt::Redirect {
                twiml: Some(twiml), ..
            }) => {
                self.note("redirect", json!({ "twiml": twiml, "by": "api" }));
                Some(Step::Next(Next::Inline(twiml)))
            }
            Some(_) => {
                self.note("hangup", json!({ "by": "api" }));
                Some(Step::Next(Next::End))
            }
            None if time > until_deadline => {
                let by = if self.callee.hangup_after.is_some() {
                    "callee"
                } else {
                    "time limit"
                };
                self.note("hangup", json!({ "by": by }));
                Some(Step::Next(Next::End))
            }
            None => None,
        }
    }

    async fn fetch(&self, url: &str, method: &str, extra: &[(String, String)]) -> Option<String> {
        let mut params = self.sim.with_call(self.sid, |c| self.sim.call_params(c))?;
        params.extend(extra.iter().cloned());
        match self.sim.post_signed(url, method, &params).await {
            Ok((200, body)) => {
                self.note("fetch", json!({ "url": url, "http_status": 200 }));
                Some(body)
            }
            Ok((status, _)) => {
                self.note(
                    "error",
                    json!({ "code": 11200, "message": format!("HTTP {status} from {url}") }),
                );
                None
            }
            Err(e) => {
                self.note(
                    "error",
                    json!({ "code": 11205, "message": format!("{url}: {e}") }),
                );
                None
            }
        }
    }

    /// A URL as Twilio reads it: relative ones against the document they came in.
    fn resolve(&self, target: &str) -> String {
        self.current_url
            .as_deref()
            .and_then(|base| url::Url::parse(base).ok())
            .and_then(|base| base.join(target).ok())
            .map_or_else(|| target.to_owned(), |u| u.to_string())
    }

    /// Where an action goes: the attribute, else the current document (as Twilio does).
    fn action(&self, node: &Node, extra: Vec<(String, String)>) -> Option<Next> {
        let url = match node.attr("action") {
            Some(action) => self.resolve(action),
            None => self.current_url.clone()?,
        };
        let method = node.attr("method").unwrap_or("POST").to_owned();
        Some(Next::Fetch { url, method, extra })
    }

    async fn verbs(&mut self, verbs: &[Node]) -> Step {
        for verb in verbs {
            if let Some(step) = Box::pin(self.verb(verb)).await {
                return step;
            }
        }
        Step::Continue
    }

    /// Runs one verb; `Some` when the document stops here.
    async fn verb(&mut self, verb: &Node) -> Option<Step> {
        match verb.name.as_str() {
            "Say" => {
                let text = verb.all_text();
                let words = text.split_whitespace().count() as f64;
                let loops = verb
                    .attr("loop")
                    .and_then(|l| l.parse::<u32>().ok())
                    .unwrap_or(1)
                    .max(1);
                self.note("say", json!({
                    "text": text.trim(), "voice": verb.attr("voice"), "language": verb.attr("language"),
                    "ssml": verb.children.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
                }));
                self.spend(Duration::from_secs_f64(
                    (words / WORDS_PER_SECOND).max(1.0) * f64::from(loops),
                ))
                .await
            }
            "Play" => {
                let digits = verb.attr("digits");
                self.note("play", json!({ "url": verb.text.trim(), "digits": digits }));
                let seconds = digits.map_or(3.0, |d| 0.5 * d.len() as f64);
                self.spend(Duration::from_secs_f64(seconds)).await
            }
            "Pause" => {
                let length = verb
                    .attr("length")
                    .and_then(|l| l.parse::<u64>().ok())
                    .unwrap_or(1);
                self.note("pause", json!({ "length": length }));
                self.spend(Duration::from_secs(length)).await
            }
            "Gather" => self.gather(verb).await,
            "Record" => {
                let max = verb
                    .attr("maxLength")
                    .and_then(|l| l.parse::<u64>().ok())
                    .unwrap_or(3600);
                let seconds = max.min(5);
                if let Some(step) = self.spend(Duration::from_secs(seconds)).await {
                    return Some(step);
                }
                let recording = self.sim.add_recording(self.sid, seconds);
                self.note(
                    "record",
                    json!({ "recording_sid": recording, "duration": seconds }),
                );
                let url = format!(
                    "https://api.twilio.com/2010-04-01/Accounts/{}/Recordings/{recording}",
                    self.sim.settings().account_sid
                );
                if let Some(callback) = verb.attr("recordingStatusCallback") {
                    let params = vec![
                        (
                            "AccountSid".to_owned(),
                            self.sim.settings().account_sid.clone(),
                        ),
                        ("CallSid".to_owned(), self.sid.to_owned()),
                        ("RecordingSid".to_owned(), recording.clone()),
                        ("RecordingUrl".to_owned(), url.clone()),
                        ("RecordingStatus".to_owned(), "completed".to_owned()),
                        ("RecordingDuration".to_owned(), seconds.to_string()),
                        ("RecordingChannels".to_owned(), "1".to_owned()),
                        ("RecordingSource".to_owned(), "RecordVerb".to_owned()),
                    ];
                    let method = verb.attr("recordingStatusCallbackMethod").unwrap_or("POST");
                    let outcome = self.sim.post_signed(callback, method, &params).await;
                    self.note(
                        "callback",
                        json!({ "event": "recording", "url": callback, "ok": outcome.is_ok() }),
                    );
                }
                let extra = vec![
                    ("RecordingUrl".to_owned(), url),
                    ("RecordingSid".to_owned(), recording),
                    ("RecordingDuration".to_owned(), seconds.to_string()),
                ];
                verb.attr("action")
                    .and_then(|_| self.action(verb, extra))
                    .map(Step::Next)
            }
            "Dial" => {
                let target = if verb.text.trim().is_empty() {
                    verb.children
                        .first()
                        .map(|c| c.all_text())
                        .unwrap_or_default()
                } else {
                    verb.text.clone()
                };
                self.note("dial", json!({ "to": target.trim() }));
                if let Some(step) = self.spend(Duration::from_secs(10)).await {
                    return Some(step);
                }
                let extra = vec![
                    ("DialCallStatus".to_owned(), "completed".to_owned()),
                    ("DialCallDuration".to_owned(), "10".to_owned()),
                ];
                verb.attr("action")
                    .and_then(|_| self.action(verb, extra))
                    .map(Step::Next)
            }
            "Redirect" => {
                let url = self.resolve(verb.text.trim());
                self.note("redirect", json!({ "url": url }));
                let method = verb.attr("method").unwrap_or("POST").to_owned();
                Some(Step::Next(Next::Fetch {
                    url,
                    method,
                    extra: Vec::new(),
                }))
            }
            "Hangup" | "Reject" => {
                self.note("hangup", json!({ "by": verb.name.to_lowercase() }));
                Some(Step::Next(Next::End))
            }
            other => {
                self.note("error", json!({ "code": 12100, "message": format!("<{other}> is not a verb the simulator runs") }));
                Some(Step::Next(Next::End))
            }
        }
    }

    async fn gather(&mut self, verb: &Node) -> Option<Step> {
        for child in &verb.children {
            if let Some(step) = Box::pin(self.verb(child)).await {
                return Some(step);
            }
        }
        let input = verb.attr("input").unwrap_or("dtmf");
        let mut extra = Vec::new();
        if input.contains("dtmf")
            && let Some(digits) = &self.callee.digits
        {
            let limit = verb
                .attr("numDigits")
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(usize::MAX);
            let digits: String = digits.chars().take(limit).collect();
            self.note("input", json!({ "digits": digits }));
            extra.push(("Digits".to_owned(), digits));
        } else if input.contains("speech")
            && let Some(speech) = &self.callee.speech
        {
            self.note("input", json!({ "speech": speech }));
            extra.push(("SpeechResult".to_owned(), speech.clone()));
            extra.push(("Confidence".to_owned(), "0.92".to_owned()));
        }
        if extra.is_empty() {
            let timeout = verb
                .attr("timeout")
                .and_then(|t| t.parse::<u64>().ok())
                .unwrap_or(5);
            self.note(
                "gather",
                json!({ "result": "no input", "timeout": timeout }),
            );
            if let Some(step) = self.spend(Duration::from_secs(timeout)).await {
                return Some(step);
            }
            let on_empty = verb.attr("actionOnEmptyResult") == Some("true");
            return if on_empty {
                self.action(verb, extra).map(Step::Next)
            } else {
                None
            };
        }
        if let Some(step) = self.spend(Duration::from_secs(1)).await {
            return Some(step);
        }
        self.action(verb, extra).map(Step::Next)
    }
}
