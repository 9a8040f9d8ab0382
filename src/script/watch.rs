//! Hot reload: watches the scripts' directories (not just the files, since editors often save by
//! writing a new file and renaming it over the old one) and reloads a script when it settles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tokio::sync::mpsc;

use super::Scripts;

/// How long a file must be quiet before it is reloaded.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// Keeps the watch alive; dropping it stops reloading.
pub struct ScriptWatcher {
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for ScriptWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptWatcher").finish_non_exhaustive()
    }
}

impl Drop for ScriptWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ScriptWatcher {
    /// Watches `paths` (script files and directories of scripts) and reloads what changes.
    pub fn start(scripts: Arc<Scripts>, paths: &[PathBuf]) -> notify::Result<Self> {
        let (tx, mut rx) = mpsc::unbounded_channel::<PathBuf>();
        let wanted = Wanted::new(paths);
        let filter = wanted.clone();
        let script_files = scripts.clone();
        let mut debouncer =
            new_debouncer(
                DEBOUNCE,
                None,
                move |result: DebounceEventResult| match result {
                    Ok(events) => {
                        let changed: BTreeSet<PathBuf> = events
                            .iter()
                            .filter(|e| !e.kind.is_access())
                            .flat_map(|e| e.paths.iter())
                            .filter_map(|p| filter.resolve(p))
                            .filter(|p| script_files.is_script(p))
                            .collect();
                        for path in changed {
                            let _ = tx.send(path);
                        }
                    }
                    Err(errors) => {
                        for error in errors {
                            tracing::warn!(%error, "watching scripts");
                        }
                    }
                },
            )?;
        for dir in &wanted.dirs {
            debouncer.watch(dir, RecursiveMode::NonRecursive)?;
        }
        let task = tokio::spawn(async move {
            while let Some(path) = rx.recv().await {
                // Failures are reported as `script.error` by `load`.
                let _ = scripts.load(&path).await;
            }
        });
        Ok(Self {
            _debouncer: debouncer,
            task,
        })
    }
}

/// Which changed paths matter, named as the user named them (scripts are keyed that way):
/// anything in a watched scripts directory, and named files.
#[derive(Debug, Clone)]
struct Wanted {
    /// Directories to watch.
    dirs: BTreeSet<PathBuf>,
    /// Absolute path → as given.
    files: BTreeMap<PathBuf, PathBuf>,
    script_dirs: BTreeMap<PathBuf, PathBuf>,
}

impl Wanted {
    fn new(paths: &[PathBuf]) -> Self {
        let mut wanted = Wanted {
            dirs: BTreeSet::new(),
            files: BTreeMap::new(),
            script_dirs: BTreeMap::new(),
        };
        for path in paths {
            let full = absolute(path);
            if full.is_dir() {
                wanted.dirs.insert(full.clone());
                wanted.script_dirs.insert(full, path.clone());
            } else {
                let parent = full
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("."));
                wanted.dirs.insert(parent);
                wanted.files.insert(full, path.clone());
            }
        }
        wanted
    }

    /// The script a changed path is, as the user named it; `None` for paths of no interest.
    fn resolve(&self, path: &Path) -> Option<PathBuf> {
        let full = absolute(path);
        if let Some(given) = self.files.get(&full) {
            return Some(given.clone());
        }
        let dir = self.script_dirs.get(full.parent()?)?;
        Some(dir.join(full.file_name()?))
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
