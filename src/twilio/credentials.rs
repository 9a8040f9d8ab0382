//! Twilio credentials: an Account SID with its auth token, or with an API key. The secrets
//! stay in [`SecretString`], so no `Debug` or log line shows them.

use secrecy::{ExposeSecret, SecretString};

use super::error::TwilioError;

/// How the client authenticates. `Debug` never shows the secrets.
#[derive(Clone, Debug)]
pub struct Credentials {
    account_sid: String,
    auth: Auth,
}

#[derive(Clone, Debug)]
enum Auth {
    AuthToken(SecretString),
    ApiKey { sid: String, secret: SecretString },
}

impl Credentials {
    /// Account SID (`AC…`) and auth token.
    pub fn auth_token(account_sid: &str, token: SecretString) -> Result<Self, TwilioError> {
        check_sid("account_sid", "AC", account_sid)?;
        check_secret("auth_token", &token)?;
        Ok(Self {
            account_sid: account_sid.to_owned(),
            auth: Auth::AuthToken(token),
        })
    }

    /// Account SID plus an API key SID (`SK…`) and its secret.
    pub fn api_key(
        account_sid: &str,
        key_sid: &str,
        secret: SecretString,
    ) -> Result<Self, TwilioError> {
        check_sid("account_sid", "AC", account_sid)?;
        check_sid("api_key_sid", "SK", key_sid)?;
        check_secret("api_key_secret", &secret)?;
        Ok(Self {
            account_sid: account_sid.to_owned(),
            auth: Auth::ApiKey {
                sid: key_sid.to_owned(),
                secret,
            },
        })
    }

    pub fn account_sid(&self) -> &str {
        &self.account_sid
    }

    pub(crate) fn basic_auth(&self) -> (&str, &SecretString) {
        match &self.auth {
            Auth::AuthToken(token) => (&self.account_sid, token),
            Auth::ApiKey { sid, secret } => (sid, secret),
        }
    }
}

/// Checks a Twilio SID: two letters and 32 hex digits.
pub fn check_sid(param: &'static str, prefix: &str, sid: &str) -> Result<(), TwilioError> {
    let valid = sid.len() == 34
        && sid.starts_with(prefix)
        && sid[2..].chars().all(|c| c.is_ascii_hexdigit());
    if valid {
        Ok(())
    } else {
        Err(TwilioError::invalid(
            param,
            format!("{sid:?} is not a {prefix} SID ({prefix} followed by 32 hex digits)"),
        ))
    }
}

fn check_secret(param: &'static str, secret: &SecretString) -> Result<(), TwilioError> {
    if secret.expose_secret().trim().is_empty() {
        return Err(TwilioError::invalid(param, "it is empty"));
    }
    Ok(())
}
