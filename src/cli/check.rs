//! `projectx check`: validate the configuration and report every problem at once.

use clap::Args;
use serde_json::json;

use std::path::PathBuf;
use std::sync::Arc;

use super::{Cli, EXIT_USAGE};
use crate::config::{self, Problem, Severity};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Script files or directories to check too (default: runtime.scripts).
    pub paths: Vec<PathBuf>,
}

pub fn run(cli: &Cli, args: &CheckArgs) -> u8 {
    let (problems, ok, summary) = match config::load(cli.config.as_deref()) {
        Ok(mut loaded) => {
            loaded.warnings.extend(voice_warnings(&loaded.config));
            let script_problems =
                super::run_async_value(check_scripts(&loaded.config, &args.paths));
            let failed = script_problems.iter().any(Problem::is_error);
            loaded.warnings.extend(script_problems);
            if failed {
                let count = loaded.warnings.iter().filter(|p| p.is_error()).count();
                (loaded.warnings, false, format!("{count} error(s)"))
            } else {
                let mode = loaded.config.effective_mode();
                let source = loaded
                    .config
                    .source
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "built-in defaults".to_owned());
                (
                    loaded.warnings,
                    true,
                    format!("{source}: ok ({mode:?} mode)").to_lowercase(),
                )
            }
        }
        Err(e) => (e.problems, false, String::new()),
    };
    if cli.json {
        let list: Vec<_> = problems.iter().map(problem_json).collect();
        println!("{}", json!({ "ok": ok, "problems": list }));
    } else {
        for problem in &problems {
            eprintln!("{problem}");
        }
        if ok {
            println!("{summary}");
        } else {
            let count = problems.iter().filter(|p| p.is_error()).count();
            eprintln!("{count} error(s): nothing was called");
        }
    }
    if ok { 0 } else { EXIT_USAGE }
}

fn problem_json(p: &Problem) -> serde_json::Value {
    json!({
        "severity": match p.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "file": p.file.as_ref().map(|f| f.display().to_string()),
        "line": p.position.map(|x| x.line),
        "column": p.position.map(|x| x.column),
        "path": p.path,
        "message": p.message,
        "hint": p.hint,
    })
}

/// What each voice's engine will not do as configured, as configuration warnings.
fn voice_warnings(config: &crate::config::Config) -> Vec<Problem> {
    let Ok(book) = crate::voice::VoiceBook::from_config(config) else {
        return Vec::new(); // validation has already reported the cause
    };
    book.profiles()
        .flat_map(|profile| {
            super::voices::profile_warnings(profile)
                .into_iter()
                .map(|w| Problem {
                    severity: Severity::Warning,
                    file: config.source.clone(),
                    position: None,
                    path: format!("voices.{}", profile.name()),
                    message: w.to_string(),
                    hint: None,
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Loads each script in a state of its own, with no Twilio and no timers started: syntax,
/// event names, cron strings and argument errors at the top level all show up.
async fn check_scripts(config: &crate::config::Config, paths: &[PathBuf]) -> Vec<Problem> {
    match dry_load(config, paths, None).await {
        Ok(errors) => errors.iter().map(script_problem).collect(),
        Err(e) => vec![script_problem(&e)],
    }
}

/// Loads the scripts without Twilio (nothing is dialled, no timer starts); campaigns they
/// define go to `campaigns` when given. Returns the files that failed.
pub(crate) async fn dry_load(
    config: &crate::config::Config,
    paths: &[PathBuf],
    campaigns: Option<crate::campaign::Campaigns>,
) -> Result<Vec<crate::script::ScriptError>, crate::script::ScriptError> {
    let voices = crate::voice::VoiceBook::from_config(config).unwrap_or_default();
    let bus = crate::events::EventBus::new();
    let mut ctx = crate::script::HostContext::new(bus.clone(), voices);
    ctx.campaigns = match campaigns {
        Some(campaigns) => Some(campaigns),
        // Definitions are checked against a private store that is thrown away.
        None => crate::store::SqliteStore::in_memory()
            .await
            .ok()
            .map(|store| {
                crate::campaign::Campaigns::new(
                    Arc::new(store),
                    None,
                    crate::runtime::campaign_settings(config),
                    bus.clone(),
                    crate::script::OptOuts::default(),
                )
            }),
    };
    let scripts = crate::script::Scripts::new(
        vec![
            Arc::new(crate::script::lua::LuaHost::new(ctx.clone())),
            Arc::new(crate::script::python::PythonHost::new(ctx)),
        ],
        bus,
        Arc::new(crate::server::MessageFlows::default()),
    );
    let paths = crate::runtime::configured_script_paths(config, paths);
    let files = scripts.discover(&paths)?;
    let mut errors = Vec::new();
    for file in &files {
        if let Err(e) = scripts.load(file).await {
            errors.push(e);
        }
    }
    Ok(errors)
}

fn script_problem(error: &crate::script::ScriptError) -> Problem {
    Problem {
        severity: Severity::Error,
        file: Some(error.file.clone()),
        position: error.line.map(|line| crate::config::Position {
            line: u64::from(line),
            column: 1,
        }),
        path: "script".to_owned(),
        // The position is shown already; the interpreter's copy of it would repeat it.
        message: match error.line {
            Some(line) => error
                .message
                .trim_start_matches("runtime error: ")
                .trim_start_matches(&format!("{}:{line}: ", error.file.display()))
                .to_owned(),
            None => error.message.clone(),
        },
        hint: None,
    }
}
