//! `projectx check`: validate the configuration and report every problem at once.

use clap::Args;
use serde_json::json;

use super::{Cli, EXIT_USAGE};
use crate::config::{self, Problem, Severity};

#[derive(Debug, Args)]
pub struct CheckArgs {}

pub fn run(cli: &Cli, _args: &CheckArgs) -> u8 {
    let (problems, ok, summary) = match config::load(cli.config.as_deref()) {
        Ok(mut loaded) => {
            loaded.warnings.extend(voice_warnings(&loaded.config));
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
                    path: format!("voices.{}", profile.name),
                    message: w.to_string(),
                    hint: None,
                })
                .collect::<Vec<_>>()
        })
        .collect()
}
