//! Phone numbers and the other call endpoints Twilio accepts.
//!
//! Everything that leaves the process as `To` or `From` goes through [`Endpoint::parse`], so an
//! invalid number is rejected here, with the input named, before any request is made.

use std::fmt;
use std::str::FromStr;

use phonenumber::country::Id as Region;

/// The region assumed for numbers written without a `+` country code.
pub const DEFAULT_REGION: &str = "US";

/// Why an input is not a usable phone number or endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid phone number {input:?}: {reason}")]
pub struct PhoneError {
    pub input: String,
    pub reason: String,
}

impl PhoneError {
    fn new(input: &str, reason: impl Into<String>) -> Self {
        Self {
            input: input.to_owned(),
            reason: reason.into(),
        }
    }
}

/// A number in E.164 form (`+14155550100`), validated against libphonenumber's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber {
    e164: String,
    region: Option<String>,
}

impl PhoneNumber {
    /// Parses `input`, reading numbers without a `+` as national numbers of `default_region`
    /// (an ISO 3166 code such as `US` or `GB`).
    pub fn parse_in(input: &str, default_region: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::new(input, "it is empty"));
        }
        let region = Region::from_str(&default_region.to_ascii_uppercase())
            .map_err(|_| PhoneError::new(input, format!("unknown region {default_region:?}")))?;
        let parsed = phonenumber::parse(Some(region), trimmed).map_err(|e| {
            PhoneError::new(
                input,
                format!("{e}; write it in E.164 form, e.g. +14155550100"),
            )
        })?;
        if !phonenumber::is_valid(&parsed) {
            return Err(PhoneError::new(
                input,
                "no such number exists in the numbering plan of its country",
            ));
        }
        Ok(Self {
            e164: parsed.format().mode(phonenumber::Mode::E164).to_string(),
            region: parsed.country().id().map(|id| id.as_ref().to_owned()),
        })
    }

    /// Parses with the [`DEFAULT_REGION`].
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        Self::parse_in(input, DEFAULT_REGION)
    }

    pub fn as_e164(&self) -> &str {
        &self.e164
    }

    /// The ISO 3166 region the number belongs to, when the numbering plan tells.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// What Twilio accepts as `To` or `From`: a phone number, a SIP URI or a Voice SDK client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Phone(PhoneNumber),
    /// `sip:user@host[;params]`, kept as written.
    Sip(String),
    /// `client:identity`, kept as written.
    Client(String),
}

impl Endpoint {
    pub fn parse_in(input: &str, default_region: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("sip:") {
            return parse_sip(input, trimmed).map(Endpoint::Sip);
        }
        if lower.starts_with("client:") {
            let identity = &trimmed["client:".len()..];
            if identity.is_empty()
                || identity
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(PhoneError::new(
                    input,
                    "a client: address needs an identity without spaces, e.g. client:agent-7",
                ));
            }
            return Ok(Endpoint::Client(trimmed.to_owned()));
        }
        PhoneNumber::parse_in(trimmed, default_region).map(Endpoint::Phone)
    }

    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        Self::parse_in(input, DEFAULT_REGION)
    }

    /// The string Twilio gets on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Endpoint::Phone(number) => number.as_e164(),
            Endpoint::Sip(uri) | Endpoint::Client(uri) => uri,
        }
    }

    pub fn is_phone(&self) -> bool {
        matches!(self, Endpoint::Phone(_))
    }

    pub fn is_client(&self) -> bool {
        matches!(self, Endpoint::Client(_))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Endpoint {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

fn parse_sip(input: &str, trimmed: &str) -> Result<String, PhoneError> {
    let rest = &trimmed["sip:".len()..];
    let address = rest.split(';').next().unwrap_or_default();
    let valid = match address.split_once('@') {
        Some((user, host)) => !user.is_empty() && is_sip_host(host),
        None => false,
    };
    if !valid || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(PhoneError::new(
            input,
            "a sip: address needs user@host, e.g. sip:agent@example.sip.twilio.com",
        ));
    }
    Ok(trimmed.to_owned())
}

fn is_sip_host(host: &str) -> bool {
    let name = host.split(':').next().unwrap_or_default();
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_national_and_formatted_numbers_to_e164() {
        for input in [
            "+1 (415) 555-0100",
            "415-555-0100",
            "+14155550100",
            " 4155550100 ",
        ] {
            assert_eq!(
                PhoneNumber::parse(input).unwrap().as_e164(),
                "+14155550100",
                "{input}"
            );
        }
        let uk = PhoneNumber::parse_in("020 7946 0018", "GB").unwrap();
        assert_eq!(uk.as_e164(), "+442079460018");
        assert_eq!(uk.region(), Some("GB"));
    }

    #[test]
    fn accepts_the_fictional_and_twilio_test_numbers_used_in_examples() {
        for input in ["+14155550101", "+14155550102", "+15005550006"] {
            PhoneNumber::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        }
    }

    #[test]
    fn rejects_invalid_numbers_naming_the_input() {
        for input in ["", "+1", "+1555", "hello", "+999123456789", "+1415555010"] {
            let err = PhoneNumber::parse(input).unwrap_err();
            assert_eq!(err.input, input);
            assert!(err.to_string().contains(&format!("{input:?}")), "{err}");
        }
    }

    #[test]
    fn unknown_default_region_is_reported() {
        let err = PhoneNumber::parse_in("4155550100", "XX").unwrap_err();
        assert!(err.reason.contains("unknown region"), "{err}");
    }

    #[test]
    fn sip_and_client_endpoints_are_kept_as_written() {
        let sip = Endpoint::parse("sip:agent@example.sip.twilio.com;transport=tls").unwrap();
        assert_eq!(
            sip.as_str(),
            "sip:agent@example.sip.twilio.com;transport=tls"
        );
        let client = Endpoint::parse("client:agent-7").unwrap();
        assert!(client.is_client());
        assert!(Endpoint::parse("+14155550100").unwrap().is_phone());
    }

    #[test]
    fn malformed_sip_and_client_endpoints_are_rejected() {
        for input in [
            "sip:",
            "sip:@host",
            "sip:user@",
            "sip:user@bad host",
            "client:",
            "client:a b",
        ] {
            assert!(Endpoint::parse(input).is_err(), "{input}");
        }
    }
}
