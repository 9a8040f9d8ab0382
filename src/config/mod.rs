//! `projectx.yaml`: parsing, `${ENV}` interpolation, environment fallbacks and validation.
//!
//! Every problem is reported at once, each with file, line and a hint, so a user fixes the
//! whole file in one go. Secrets live in [`secrecy::SecretString`] and never reach a message.

mod diagnostics;
mod env;
mod schema;
mod sections;
mod tree;
mod validate;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde_saphyr::Spanned;

pub use diagnostics::{ConfigError, Problem, Severity};
pub use env::{EnvLookup, InterpolationError, interpolate, process_env};
pub use schema::*;
pub use tree::Position;
pub use validate::parse_calling_hours;

use crate::phone::PhoneNumber;
use crate::twilio::{Credentials, TwilioClient, TwilioError};
use diagnostics::Collector;
use tree::{Node, PositionIndex};

/// The file read when no `--config` is given and `$PROJECTX_CONFIG` is unset.
pub const DEFAULT_CONFIG_FILE: &str = "projectx.yaml";

/// Environment variables users of Twilio's own tools already have, used when the key is absent.
pub const ENV_FALLBACKS: &[(&str, &str)] = &[
    ("account_sid", "TWILIO_ACCOUNT_SID"),
    ("auth_token", "TWILIO_AUTH_TOKEN"),
    ("from_number", "TWILIO_PHONE_NUMBER"),
    ("api_key_sid", "TWILIO_API_KEY"),
    ("api_key_secret", "TWILIO_API_SECRET"),
];

/// A configuration that loaded, with the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<Problem>,
}

/// Which file to read: the explicit one, else `$PROJECTX_CONFIG`, else `./projectx.yaml` if it
/// exists, else none (built-in defaults).
pub fn locate(explicit: Option<&Path>, env: EnvLookup<'_>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_owned());
    }
    if let Some(path) = env("PROJECTX_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let default = PathBuf::from(DEFAULT_CONFIG_FILE);
    default.exists().then_some(default)
}

/// Loads the configuration the way every command does.
pub fn load(explicit: Option<&Path>) -> Result<Loaded, ConfigError> {
    match locate(explicit, &process_env) {
        Some(path) => from_file(&path, &process_env),
        None => from_str("", None, &process_env),
    }
}

pub fn from_file(path: &Path, env: EnvLookup<'_>) -> Result<Loaded, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let mut collector = Collector {
            file: Some(path.to_owned()),
            ..Collector::default()
        };
        collector.error(
            "",
            None,
            format!("cannot read the configuration: {e}"),
            Some("pass another file with --config, or set PROJECTX_CONFIG".to_owned()),
        );
        ConfigError {
            problems: collector.problems,
        }
    })?;
    from_str(&text, Some(path.to_owned()), env)
}

/// Parses configuration text; `file` names it in messages.
pub fn from_str(
    text: &str,
    file: Option<PathBuf>,
    env: EnvLookup<'_>,
) -> Result<Loaded, ConfigError> {
    let mut collector = Collector {
        file: file.clone(),
        ..Collector::default()
    };
    let root = match parse_tree(text) {
        Ok(root) => root,
        Err(e) => {
            let position = e.location().map(|l| Position {
                line: l.line(),
                column: l.column(),
            });
            collector.error(
                "",
                position,
                format!("not valid YAML: {}", e.without_snippet()),
                Some(
                    "check indentation and that every `key: value` has a space after the colon"
                        .to_owned(),
                ),
            );
            return Err(ConfigError {
                problems: collector.problems,
            });
        }
    };

    let mut index = PositionIndex::default();
    let mut document = tree::to_json(&root, &mut index, &mut |path, position, node| {
        interpolate_scalar(path, position, node, env, &mut collector)
    });
    if !document.is_object() && !document.is_null() {
        collector.error(
            "",
            index.get(""),
            "the configuration must be a mapping of sections",
            Some(format!("top-level keys are: {}", SECTIONS.join(", "))),
        );
        return Err(ConfigError {
            problems: collector.problems,
        });
    }
    apply_env_fallbacks(&mut document, env);

    let mut config = sections::read(document, &index, &mut collector);
    config.source = file;
    validate::check(&config, &index, &mut collector);

    // Read top to bottom, like the file.
    collector
        .problems
        .sort_by_key(|p| p.position.map(|at| (at.line, at.column)));
    if collector.has_errors() {
        Err(ConfigError {
            problems: collector.problems,
        })
    } else {
        Ok(Loaded {
            config,
            warnings: collector.problems,
        })
    }
}

fn parse_tree(text: &str) -> Result<Spanned<Node>, serde_saphyr::Error> {
    // An empty document (or one with only comments) is the all-defaults configuration.
    let meaningful = text
        .lines()
        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#') && l.trim() != "---");
    if !meaningful {
        return serde_saphyr::from_str("{}");
    }
    serde_saphyr::from_str(text)
}

const SECRET_PATHS: &[&str] = &["twilio.auth_token", "twilio.api_key_secret"];

fn interpolate_scalar(
    path: &str,
    position: Position,
    node: &Node,
    env: EnvLookup<'_>,
    collector: &mut Collector,
) -> Node {
    let secret = SECRET_PATHS.contains(&path);
    let Node::Str(text) = node else {
        // A secret that YAML read as a number stays text, so it is never echoed in a type error.
        return match (secret, node.scalar_text()) {
            (true, Some(text)) => Node::Str(text),
            _ => node.clone(),
        };
    };
    match interpolate(text, env) {
        Ok(None) => node.clone(),
        // Substituted text stays text; the section reader turns it into a number where a
        // number is expected.
        Ok(Some(value)) => Node::Str(value),
        Err(e) => {
            let hint = match &e {
                InterpolationError::Unset(var) => Some(format!(
                    "export {var}=… before starting, or write ${{{var}:-default}}"
                )),
                _ => Some("write ${NAME} or ${NAME:-default}; $${ for a literal ${".to_owned()),
            };
            collector.error(path, Some(position), e.to_string(), hint);
            Node::Null
        }
    }
}

fn apply_env_fallbacks(document: &mut serde_json::Value, env: EnvLookup<'_>) {
    if document.is_null() {
        *document = serde_json::Value::Object(serde_json::Map::new());
    }
    let Some(root) = document.as_object_mut() else {
        return;
    };
    let twilio = root
        .entry("twilio")
        .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    if twilio.is_null() {
        *twilio = serde_json::Value::Object(serde_json::Map::new());
    }
    let Some(twilio) = twilio.as_object_mut() else {
        return;
    };
    for (key, var) in ENV_FALLBACKS {
        if !twilio.contains_key(*key)
            && let Some(value) = env(var).filter(|v| !v.is_empty())
        {
            twilio.insert((*key).to_owned(), serde_json::Value::String(value));
        }
    }
}

impl Config {
    /// Live or simulated, after `auto` has looked for credentials.
    pub fn effective_mode(&self) -> Mode {
        match self.runtime.mode {
            Mode::Auto if self.twilio.has_credentials() => Mode::Live,
            Mode::Auto => Mode::Simulate,
            other => other,
        }
    }

    /// A Twilio client for the configured credentials and base URL.
    pub fn twilio_client(&self) -> Result<TwilioClient, TwilioError> {
        let credentials = self.twilio.credentials()?;
        let mut builder = TwilioClient::builder(credentials);
        if let Some(base_url) = &self.twilio.base_url {
            builder = builder.base_url(base_url.clone());
        }
        builder.gate(self.pacer()).build()
    }

    /// The account-wide pace of call creation (`limits.cps`).
    pub fn pacer(&self) -> std::sync::Arc<crate::campaign::Pacer> {
        std::sync::Arc::new(crate::campaign::Pacer::new(self.limits.cps))
    }
}

impl TwilioConfig {
    pub fn has_credentials(&self) -> bool {
        self.account_sid.is_some() && (self.auth_token.is_some() || self.api_key_secret.is_some())
    }

    pub fn region(&self) -> &str {
        self.default_region
            .as_deref()
            .unwrap_or(crate::phone::DEFAULT_REGION)
    }

    pub fn credentials(&self) -> Result<Credentials, TwilioError> {
        let missing = || {
            TwilioError::invalid(
                "credentials",
                "set twilio.account_sid and twilio.auth_token (or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)",
            )
        };
        let sid = self.account_sid.as_deref().ok_or_else(missing)?;
        match (&self.api_key_sid, &self.api_key_secret, &self.auth_token) {
            (Some(key), Some(secret), _) => Credentials::api_key(sid, key, secret.clone()),
            (_, _, Some(token)) => Credentials::auth_token(sid, token.clone()),
            _ => Err(missing()),
        }
    }

    /// The caller ID, parsed.
    pub fn from_number(&self) -> Option<Result<PhoneNumber, crate::phone::PhoneError>> {
        self.from_number
            .as_deref()
            .map(|n| PhoneNumber::parse_in(n, self.region()))
    }

    /// `${TWILIO_AUTH_TOKEN:-}` that expands to nothing means "not configured", so one file
    /// serves both live and simulated runs.
    pub(crate) fn forget_empty_values(&mut self) {
        for text in [
            &mut self.account_sid,
            &mut self.api_key_sid,
            &mut self.from_number,
            &mut self.base_url,
        ] {
            if text.as_deref().is_some_and(|t| t.trim().is_empty()) {
                *text = None;
            }
        }
        for secret in [&mut self.auth_token, &mut self.api_key_secret] {
            if Self::blank_secret(secret) {
                *secret = None;
            }
        }
    }

    /// True when the configured token is present but blank, which Twilio would refuse.
    pub(crate) fn blank_secret(secret: &Option<SecretString>) -> bool {
        secret
            .as_ref()
            .is_some_and(|s| s.expose_secret().trim().is_empty())
    }
}
