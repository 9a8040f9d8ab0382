//! Problems found in a configuration, reported together with file, line and a hint.

use std::fmt;
use std::path::PathBuf;

use super::tree::Position;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem: where it is, what is wrong, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub file: Option<PathBuf>,
    pub position: Option<Position>,
    /// The dotted key path, e.g. `twilio.from_number` (empty for the whole document).
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self
            .file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "<config>".to_owned());
        match self.position {
            Some(p) => write!(f, "{file}:{}:{}: ", p.line, p.column)?,
            None => write!(f, "{file}: ")?,
        }
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.path.is_empty() {
            write!(f, "{level}: {}", self.message)?;
        } else {
            write!(f, "{level}: {}: {}", self.path, self.message)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem that stops a configuration from loading; warnings found alongside are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub problems: Vec<Problem>,
}

impl ConfigError {
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.is_error())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.errors().count();
        writeln!(
            f,
            "the configuration has {count} error{}:",
            if count == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Collects problems while a configuration is read.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    pub file: Option<PathBuf>,
    pub problems: Vec<Problem>,
}

impl Collector {
    pub fn error(
        &mut self,
        path: &str,
        position: Option<Position>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.push(Severity::Error, path, position, message.into(), hint);
    }

    pub fn warning(
        &mut self,
        path: &str,
        position: Option<Position>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.push(Severity::Warning, path, position, message.into(), hint);
    }

    fn push(
        &mut self,
        severity: Severity,
        path: &str,
        position: Option<Position>,
        message: String,
        hint: Option<String>,
    ) {
        self.problems.push(Problem {
            severity,
            file: self.file.clone(),
            position,
            path: path.to_owned(),
            message,
            hint,
        });
    }

    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(Problem::is_error)
    }
}

/// The known name closest to `unknown`, when one is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    unknown: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(unknown, k), k))
        .filter(|(distance, k)| *distance <= 2.max(k.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}
