//! `${VAR}` and `${VAR:-default}` in configuration values.
//!
//! `$${` stands for a literal `${`. An unset variable without a default is an error: silently
//! using an empty string would, for example, dial with no caller ID.

/// Looks up an environment variable; injectable so tests never touch the process environment.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpolationError {
    #[error("environment variable {0} is not set and has no default")]
    Unset(String),
    #[error("`${{` is not closed by `}}`")]
    Unterminated,
    #[error("{0:?} is not a variable name (letters, digits and _, not starting with a digit)")]
    BadName(String),
}

/// Replaces every `${…}` in `text`. Returns `None` when there was nothing to replace.
pub fn interpolate(text: &str, env: EnvLookup<'_>) -> Result<Option<String>, InterpolationError> {
    if !text.contains("${") {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        if let Some(stripped) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = stripped;
        } else if let Some(body) = after.strip_prefix("${") {
            let end = body.find('}').ok_or(InterpolationError::Unterminated)?;
            out.push_str(&expand(&body[..end], env)?);
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(Some(out))
}

fn expand(expression: &str, env: EnvLookup<'_>) -> Result<String, InterpolationError> {
    let (name, default) = match expression.split_once(":-") {
        Some((name, default)) => (name, Some(default)),
        None => (expression, None),
    };
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(InterpolationError::BadName(name.to_owned()));
    }
    // `${VAR:-default}` also applies the default when VAR is set but empty, as in the shell.
    match (env(name), default) {
        (Some(value), Some(default)) if value.is_empty() => Ok(default.to_owned()),
        (Some(value), _) => Ok(value),
        (None, Some(default)) => Ok(default.to_owned()),
        (None, None) => Err(InterpolationError::Unset(name.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "SID" => Some("AC123".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn replaces_variables_and_defaults() {
        assert_eq!(interpolate("plain", &env), Ok(None));
        assert_eq!(interpolate("${SID}", &env), Ok(Some("AC123".into())));
        assert_eq!(
            interpolate("x-${SID}-y", &env),
            Ok(Some("x-AC123-y".into()))
        );
        assert_eq!(interpolate("${NOPE:-8080}", &env), Ok(Some("8080".into())));
        assert_eq!(interpolate("${EMPTY:-d}", &env), Ok(Some("d".into())));
        assert_eq!(interpolate("${NOPE:-}", &env), Ok(Some(String::new())));
        assert_eq!(
            interpolate("$${SID} costs $5", &env),
            Ok(Some("${SID} costs $5".into()))
        );
    }

    #[test]
    fn reports_unset_unterminated_and_bad_names() {
        assert_eq!(
            interpolate("${MISSING}", &env),
            Err(InterpolationError::Unset("MISSING".into()))
        );
        assert_eq!(
            interpolate("${SID", &env),
            Err(InterpolationError::Unterminated)
        );
        assert_eq!(
            interpolate("${1X}", &env),
            Err(InterpolationError::BadName("1X".into()))
        );
    }
}
