//! `X-Twilio-Signature`, exactly as Twilio computes it (reference §4):
//! base64(HMAC-SHA1(auth token, URL + every POST parameter name and value, sorted)).
//! Form bodies sign their parameters; JSON bodies sign only the URL, which carries
//! `bodySHA256`, the hex SHA-256 of the body. Twilio is inconsistent about the port, so a URL
//! matches with the default port present or absent.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use sha2::{Digest, Sha256};

type HmacSha1 = Hmac<Sha1>;

/// Checks Twilio's request signatures with the account's auth token.
#[derive(Clone, Debug)]
pub struct RequestValidator {
    token: SecretString,
}

/// Why a request is not genuine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no X-Twilio-Signature header")]
    Missing,
    #[error("the signature does not match the request")]
    Mismatch,
    #[error("the body does not match its bodySHA256")]
    BodyMismatch,
    #[error("the URL {0:?} cannot be parsed")]
    BadUrl(String),
}

impl RequestValidator {
    pub fn new(auth_token: SecretString) -> Self {
        Self { token: auth_token }
    }

    /// The signature Twilio sends for `url` and form `params` (in any order, repeats allowed).
    pub fn compute_signature<K: AsRef<str>, V: AsRef<str>>(
        &self,
        url: &str,
        params: &[(K, V)],
    ) -> String {
        self.compute_signature_with(url, params, Algorithm::HmacSha1)
    }

    /// [`RequestValidator::compute_signature`] with `algorithm`: webhooks signed with a shared
    /// key may use HMAC-SHA256 (`X-Twilio-Webhooks-Signature-Settings`).
    pub fn compute_signature_with<K: AsRef<str>, V: AsRef<str>>(
        &self,
        url: &str,
        params: &[(K, V)],
        algorithm: Algorithm,
    ) -> String {
        let canonical = canonical_params(params);
        let key = self.token.expose_secret().as_bytes();
        let digest = match algorithm {
            Algorithm::HmacSha1 => {
                let mut mac = self.mac();
                feed(&mut mac, url, &canonical);
                mac.finalize().into_bytes().to_vec()
            }
            Algorithm::HmacSha256 => {
                // HMAC takes keys of any length; this cannot fail.
                let mut mac = Hmac::<Sha256>::new_from_slice(key)
                    .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
                feed(&mut mac, url, &canonical);
                mac.finalize().into_bytes().to_vec()
            }
        };
        base64::engine::general_purpose::STANDARD.encode(digest)
    }

    /// Validates a form-encoded request: `url` exactly as Twilio requested it.
    pub fn validate<K: AsRef<str>, V: AsRef<str>>(
        &self,
        url: &str,
        params: &[(K, V)],
        signature: Option<&str>,
    ) -> Result<(), SignatureError> {
        let signature = signature.ok_or(SignatureError::Missing)?;
        let expected = base64::engine::general_purpose::STANDARD
            .decode(signature.trim())
            .map_err(|_| SignatureError::Mismatch)?;
        let canonical = canonical_params(params);
        for candidate in url_forms(url)? {
            let mut mac = self.mac();
            mac.update(candidate.as_bytes());
            for (key, value) in &canonical {
                mac.update(key.as_bytes());
                mac.update(value.as_bytes());
            }
            // verify_slice compares in constant time.
            if mac.verify_slice(&expected).is_ok() {
                return Ok(());
            }
        }
        Err(SignatureError::Mismatch)
    }

    /// Validates a request with a non-form body (JSON): the URL signature, then `bodySHA256`.
    pub fn validate_body(
        &self,
        url: &str,
        body: &[u8],
        signature: Option<&str>,
    ) -> Result<(), SignatureError> {
        self.validate::<&str, &str>(url, &[], signature)?;
        let parsed = Url::parse(url).map_err(|_| SignatureError::BadUrl(url.to_owned()))?;
        let claimed = parsed
            .query_pairs()
            .find(|(k, _)| k == "bodySHA256")
            .map(|(_, v)| v.into_owned())
            .ok_or(SignatureError::BodyMismatch)?;
        let actual = hex::encode(Sha256::digest(body));
        if constant_time_eq(actual.as_bytes(), claimed.to_ascii_lowercase().as_bytes()) {
            Ok(())
        } else {
            Err(SignatureError::BodyMismatch)
        }
    }

    fn mac(&self) -> HmacSha1 {
        // HMAC takes keys of any length; this cannot fail.
        HmacSha1::new_from_slice(self.token.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
    }
}

/// The HMAC a webhook is signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    HmacSha1,
    HmacSha256,
}

fn feed(mac: &mut impl Mac, url: &str, canonical: &[(&str, &str)]) {
    mac.update(url.as_bytes());
    for (key, value) in canonical {
        mac.update(key.as_bytes());
        mac.update(value.as_bytes());
    }
}

/// Sorted by name, then value, repeats of the same pair once: as twilio-python does.
fn canonical_params<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> Vec<(&str, &str)> {
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The URL as given, and with the scheme's default port added or removed.
fn url_forms(url: &str) -> Result<Vec<String>, SignatureError> {
    let parsed = Url::parse(url).map_err(|_| SignatureError::BadUrl(url.to_owned()))?;
    let default_port = match parsed.scheme() {
        "https" => 443,
        "http" => 80,
        _ => return Ok(vec![url.to_owned()]),
    };
    let authority_start = url.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = url[authority_start..]
        .find(['/', '?', '#'])
        .map(|i| authority_start + i)
        .unwrap_or(url.len());
    let authority = &url[authority_start..authority_end];
    let host = parsed.host_str().unwrap_or_default();
    let userinfo_end = authority.rfind('@').map(|i| i + 1).unwrap_or(0);
    let userinfo = &authority[..userinfo_end];
    let host_part = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    // Keep the path and query exactly as written: re-encoding them would change the signature.
    let rest = &url[authority_end..];
    let prefix = &url[..authority_start];
    let with_port = format!(
        "{prefix}{userinfo}{host_part}:{}{rest}",
        parsed.port().unwrap_or(default_port)
    );
    let without_port = format!("{prefix}{userinfo}{host_part}{rest}");
    let mut forms = vec![url.to_owned()];
    for form in [without_port, with_port] {
        if !forms.contains(&form) {
            forms.push(form);
        }
    }
    Ok(forms)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validator(token: &str) -> RequestValidator {
        RequestValidator::new(SecretString::from(token))
    }

    fn params(case: &serde_json::Value) -> Vec<(String, String)> {
        case["form_params"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|p| {
                        (
                            p[0].as_str().unwrap_or_default().to_owned(),
                            p[1].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn vectors() -> serde_json::Value {
        let text = include_str!("../../tests/fixtures/signature_vectors.json");
        serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
    }

    #[test]
    fn every_reference_vector_gives_the_official_libraries_answer() {
        let vectors = vectors();
        let cases: Vec<&serde_json::Value> = ["positive", "negative"]
            .iter()
            .flat_map(|k| vectors[*k].as_array().into_iter().flatten())
            .collect();
        assert_eq!(cases.len(), 7);
        for case in cases {
            let name = case["name"].as_str().unwrap_or_default();
            let v = validator(case["auth_token"].as_str().unwrap_or_default());
            let url = case["url"].as_str().unwrap_or_default();
            let signature = case["x_twilio_signature"].as_str();
            let expected = case["validator_result"].as_bool().unwrap_or(false);
            let result = match case["raw_body"].as_str() {
                Some(body) => v.validate_body(url, body.as_bytes(), signature),
                None => v.validate(url, &params(case), signature),
            };
            assert_eq!(result.is_ok(), expected, "{name}: {result:?}");
            if let (true, Some(signed_url)) = (expected, case["signed_url"].as_str())
                && case["raw_body"].is_null()
            {
                assert_eq!(
                    v.compute_signature(signed_url, &params(case)).as_str(),
                    signature.unwrap_or_default(),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn repeated_values_are_sorted_and_counted_once() {
        let v = validator("12345");
        let once = v.compute_signature("https://a.example/x", &[("Event", "b"), ("Event", "a")]);
        let twice = v.compute_signature(
            "https://a.example/x",
            &[("Event", "a"), ("Event", "b"), ("Event", "a")],
        );
        assert_eq!(once, twice);
    }

    #[test]
    fn both_port_forms_are_accepted() {
        let v = validator("12345");
        let signed_with_port = v.compute_signature("https://a.example:443/x?y=1", &[("A", "1")]);
        assert!(
            v.validate(
                "https://a.example/x?y=1",
                &[("A", "1")],
                Some(&signed_with_port)
            )
            .is_ok()
        );
        let signed_without = v.compute_signature("http://a.example/x", &[("A", "1")]);
        assert!(
            v.validate(
                "http://a.example:80/x",
                &[("A", "1")],
                Some(&signed_without)
            )
            .is_ok()
        );
        assert_eq!(
            v.validate(
                "https://a.example:8443/x",
                &[("A", "1")],
                Some(&signed_with_port)
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn missing_and_garbage_signatures_are_refused() {
        let v = validator("12345");
        assert_eq!(
            v.validate::<&str, &str>("https://a.example/x", &[], None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            v.validate::<&str, &str>("https://a.example/x", &[], Some("not base64!")),
            Err(SignatureError::Mismatch)
        );
    }
}
