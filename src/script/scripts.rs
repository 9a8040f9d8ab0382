//! The set of loaded scripts. A reload loads the new version beside the old one and swaps it in
//! only when it loaded; events go to whichever version is current when the dispatcher takes
//! them, so each is handled once; a call's flow stays on the version it started with.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use futures_util::future::BoxFuture;

use super::{FlowTurn, LoadedScript, ScriptError, ScriptHost};
use crate::events::{Event, EventBus, EventKind, Subscription};
use crate::server::{FlowError, FlowRequest, FlowResponder};
use crate::twiml::VoiceResponse;

/// Events waiting for the scripts; past this the bus counts them as dropped.
const DISPATCH_QUEUE: usize = 65_536;

#[derive(Debug)]
pub struct Scripts {
    hosts: Vec<Arc<dyn ScriptHost>>,
    current: RwLock<BTreeMap<PathBuf, Arc<dyn LoadedScript>>>,
    /// Call SID → the version its flow runs on.
    sessions: Mutex<HashMap<String, Arc<dyn LoadedScript>>>,
    generation: AtomicU64,
    bus: EventBus,
    /// Taken by [`Scripts::dispatch_events`]; subscribed at once so no early event is missed.
    subscription: Mutex<Option<Subscription>>,
    /// Answers flows no script defines (the built-in `say`).
    fallback: Arc<dyn FlowResponder>,
    /// Said before the first words of every outbound call (`compliance.disclose_automation`).
    disclosure: RwLock<Option<String>>,
}

impl Scripts {
    /// Sets the line said first on outbound calls (None: nothing).
    pub fn set_disclosure(&self, line: Option<String>) {
        *self.disclosure.write().unwrap_or_else(|p| p.into_inner()) = line;
    }

    fn disclosure(&self) -> Option<String> {
        self.disclosure
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn new(
        hosts: Vec<Arc<dyn ScriptHost>>,
        bus: EventBus,
        fallback: Arc<dyn FlowResponder>,
    ) -> Self {
        let subscription = bus.subscribe("scripts", &[], DISPATCH_QUEUE);
        Self {
            hosts,
            current: RwLock::new(BTreeMap::new()),
            sessions: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            bus,
            subscription: Mutex::new(Some(subscription)),
            fallback,
            disclosure: RwLock::new(None),
        }
    }

    fn host_for(&self, file: &Path) -> Option<&Arc<dyn ScriptHost>> {
        let ext = file.extension()?.to_str()?;
        self.hosts.iter().find(|h| h.extensions().contains(&ext))
    }

    /// Whether some host loads this file.
    pub fn is_script(&self, file: &Path) -> bool {
        self.host_for(file).is_some()
    }

    /// The script files under `paths` (files as given, directories one level deep), sorted.
    pub fn discover(&self, paths: &[PathBuf]) -> Result<Vec<PathBuf>, ScriptError> {
        let mut files = Vec::new();
        for path in paths {
            if path.is_dir() {
                let entries = std::fs::read_dir(path)
                    .map_err(|e| ScriptError::new(path, format!("cannot list scripts: {e}")))?;
                let mut found: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file() && self.is_script(p))
                    .collect();
                found.sort();
                files.extend(found);
            } else if self.is_script(path) {
                files.push(path.clone());
            } else if !path.exists() {
                return Err(ScriptError::new(path, "no such file or directory"));
            } else {
                return Err(ScriptError::new(
                    path,
                    "not a script this runtime loads (.lua, .py)",
                ));
            }
        }
        Ok(files)
    }

    /// Syntax-checks a file without running it.
    pub fn check(&self, file: &Path) -> Result<(), ScriptError> {
        let host = self
            .host_for(file)
            .ok_or_else(|| ScriptError::new(file, "no host loads this kind of file"))?;
        let source = std::fs::read_to_string(file)
            .map_err(|e| ScriptError::new(file, format!("cannot read: {e}")))?;
        host.check(file, &source)
    }

    /// Loads (or reloads) one file. On success the new version is current and the old one
    /// retires; on failure the old one stays and `script.error` says why.
    pub async fn load(&self, file: &Path) -> Result<u64, ScriptError> {
        let result = self.try_load(file).await;
        let mut data = serde_json::Map::new();
        data.insert("file".to_owned(), file.display().to_string().into());
        match &result {
            Ok(generation) => {
                data.insert("generation".to_owned(), (*generation).into());
                tracing::info!(file = %file.display(), generation, "script loaded");
                metrics::counter!("projectx_script_reloads_total", "outcome" => "loaded")
                    .increment(1);
                self.bus
                    .publish(Event::other(EventKind::ScriptReloaded, data));
            }
            Err(error) => {
                let kept = self.generation_of(file);
                tracing::error!(file = %file.display(), %error, kept_generation = ?kept, "script failed to load; the last good version stays");
                metrics::counter!("projectx_script_reloads_total", "outcome" => "failed")
                    .increment(1);
                data.insert("line".to_owned(), error.line.into());
                data.insert("message".to_owned(), error.to_string().into());
                data.insert("kept_generation".to_owned(), kept.into());
                self.bus.publish(Event::other(EventKind::ScriptError, data));
            }
        }
        result
    }

    async fn try_load(&self, file: &Path) -> Result<u64, ScriptError> {
        let host = self
            .host_for(file)
            .ok_or_else(|| ScriptError::new(file, "no host loads this kind of file"))?;
        let source = match std::fs::read_to_string(file) {
            Ok(source) => source,
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound
                    && self.generation_of(file).is_some() =>
            {
                return Err(ScriptError::new(
                    file,
                    "the file was removed; its last loaded version keeps running",
                ));
            }
            Err(e) => return Err(ScriptError::new(file, format!("cannot read: {e}"))),
        };
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let loaded = host.load(file, source, generation).await?;
        self.check_flow_names(file, loaded.as_ref())?;
        let old = self.write().insert(file.to_owned(), loaded.clone());
        loaded.activate();
        if let Some(old) = old {
            old.retire();
        }
        Ok(generation)
    }

    /// A flow name may be defined by one file only.
    fn check_flow_names(&self, file: &Path, loaded: &dyn LoadedScript) -> Result<(), ScriptError> {
        let current = self.read();
        for flow in loaded.flows() {
            if let Some((other, _)) = current
                .iter()
                .find(|(path, s)| path.as_path() != file && s.flows().contains(&flow))
            {
                return Err(ScriptError::new(
                    file,
                    format!("flow {flow:?} is already defined in {}", other.display()),
                ));
            }
        }
        Ok(())
    }

    /// Adds code loaded some other way (ordinary Python's registrations) under its file name,
    /// current at once.
    pub fn attach(&self, script: Arc<dyn LoadedScript>) {
        let old = self
            .write()
            .insert(script.file().to_owned(), script.clone());
        script.activate();
        if let Some(old) = old {
            old.retire();
        }
    }

    /// Loads every file; returns the failures (the others run).
    pub async fn load_all(&self, files: &[PathBuf]) -> Vec<ScriptError> {
        let mut errors = Vec::new();
        for file in files {
            if let Err(e) = self.load(file).await {
                errors.push(e);
            }
        }
        errors
    }

    /// The generation of the current version of `file`.
    pub fn generation_of(&self, file: &Path) -> Option<u64> {
        self.read().get(file).map(|s| s.generation())
    }

    pub fn loaded_files(&self) -> Vec<PathBuf> {
        self.read().keys().cloned().collect()
    }

    /// Hands every event on the bus to the scripts that handle it, until the bus closes.
    pub async fn dispatch_events(self: Arc<Self>) {
        let taken = self
            .subscription
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let Some(mut events) = taken else {
            tracing::error!("script events are already being dispatched");
            return;
        };
        while let Some(event) = events.recv().await {
            self.dispatch(event).await;
        }
    }

    async fn dispatch(&self, event: Arc<Event>) {
        if matches!(event.kind, EventKind::CallEnded | EventKind::CallFailed)
            && let Some(call) = &event.call
        {
            let pinned = self.lock_sessions().remove(&call.sid);
            if let Some(script) = pinned {
                script.end_call(&call.sid);
            }
        }
        // Cloned out, so no lock is held while a full queue makes us wait.
        let targets: Vec<Arc<dyn LoadedScript>> = self
            .read()
            .values()
            .filter(|s| s.handles(event.kind))
            .cloned()
            .collect();
        for script in targets {
            script.dispatch(event.clone()).await;
        }
    }

    fn flow_owner(&self, flow: &str) -> Option<Arc<dyn LoadedScript>> {
        self.read()
            .values()
            .find(|s| s.flows().iter().any(|f| f == flow))
            .cloned()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<PathBuf, Arc<dyn LoadedScript>>> {
        self.current.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<PathBuf, Arc<dyn LoadedScript>>> {
        self.current.write().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<dyn LoadedScript>>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn turn(&self, request: FlowRequest) -> Result<FlowTurn, FlowError> {
        let sid = request.call_sid.clone();
        let pinned = self.lock_sessions().get(&sid).cloned();
        let script = match pinned {
            Some(script) => script,
            None => {
                let Some(script) = self.flow_owner(&request.flow) else {
                    let response = self.fallback.respond(request).await?;
                    return Ok(FlowTurn {
                        response,
                        finished: true,
                    });
                };
                if let Some(step) = &request.step {
                    return Err(FlowError::Failed {
                        flow: request.flow,
                        message: format!(
                            "the call is at step {step} of a flow that is no longer running here (was the runtime restarted?)"
                        ),
                    });
                }
                self.lock_sessions().insert(sid.clone(), script.clone());
                script
            }
        };
        let turn = script.flow_turn(request).await;
        if !matches!(
            turn,
            Ok(FlowTurn {
                finished: false,
                ..
            })
        ) {
            self.lock_sessions().remove(&sid);
        }
        turn
    }

    /// Calls whose flows are in progress.
    pub fn active_flows(&self) -> usize {
        self.lock_sessions().len()
    }
}

impl FlowResponder for Scripts {
    fn respond(&self, request: FlowRequest) -> BoxFuture<'_, Result<VoiceResponse, FlowError>> {
        Box::pin(async move {
            let disclose = request.step.is_none() && request.direction.starts_with("outbound");
            let mut response = self.turn(request).await?.response;
            if disclose && let Some(line) = self.disclosure() {
                let say = crate::twiml::Element::new("Say").with_text(line);
                response.root_mut().0.insert(0, say);
            }
            Ok(response)
        })
    }
}
