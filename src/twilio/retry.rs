//! When a failed request is repeated, and after how long.
//!
//! The rule that matters most: a create-call POST is repeated only when Twilio provably did not
//! act on it (429, or a connection that was never established). After a time-out the call may
//! already exist, and a retry would dial the person twice.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Whether repeating a request can change the outcome more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// GET and DELETE: repeating them is harmless.
    Idempotent,
    /// POST (create, update): repeat only when Twilio provably did not process it.
    OnlyIfUnprocessed,
}

/// What went wrong with one attempt, as far as the retry decision is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// An HTTP answer with this status.
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The connection was never established.
    NotSent,
    /// The request may have reached Twilio (time-out, reset).
    MaybeSent,
}

/// Full-jitter exponential backoff, honouring `Retry-After` when the server sends one.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying.
    pub max_retries: u32,
    /// The first backoff ceiling; it doubles with each retry.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for: the error goes to the caller.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(3),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (0-based), or `None` when the failure must be
    /// returned to the caller.
    pub fn delay_for(&self, failure: Failure, replay: Replay, retry: u32) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let may_repeat = match failure {
            // 429 is answered before any processing: safe even for a create.
            Failure::Status { status: 429, .. } | Failure::NotSent => true,
            Failure::Status { status, .. } if status >= 500 => replay == Replay::Idempotent,
            Failure::Status { .. } => false,
            Failure::MaybeSent => replay == Replay::Idempotent,
        };
        if !may_repeat {
            return None;
        }
        match failure {
            Failure::Status {
                retry_after: Some(wait),
                ..
            } => (wait <= self.max_retry_after).then_some(wait),
            _ => Some(self.backoff(retry)),
        }
    }

    /// A random wait in `[0, min(max_delay, base_delay * 2^retry)]` ("full jitter").
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max_delay);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }
}

/// Reads `Retry-After` as delta-seconds or an HTTP date.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn status(status: u16) -> Failure {
        Failure::Status {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn a_create_is_retried_only_when_provably_unprocessed() {
        let p = RetryPolicy::default();
        let post = Replay::OnlyIfUnprocessed;
        assert!(p.delay_for(status(429), post, 0).is_some());
        assert!(p.delay_for(Failure::NotSent, post, 0).is_some());
        assert_eq!(p.delay_for(Failure::MaybeSent, post, 0), None);
        assert_eq!(p.delay_for(status(500), post, 0), None);
        assert_eq!(p.delay_for(status(503), post, 0), None);
        assert_eq!(p.delay_for(status(400), post, 0), None);
    }

    #[test]
    fn reads_are_retried_on_server_errors_and_time_outs() {
        let p = RetryPolicy::default();
        let get = Replay::Idempotent;
        for failure in [
            status(429),
            status(500),
            status(503),
            Failure::NotSent,
            Failure::MaybeSent,
        ] {
            assert!(p.delay_for(failure, get, 0).is_some(), "{failure:?}");
        }
        for code in [400, 401, 404] {
            assert_eq!(p.delay_for(status(code), get, 0), None, "{code}");
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_limit() {
        let p = RetryPolicy::default();
        let with = |secs| Failure::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(
            p.delay_for(with(2), Replay::OnlyIfUnprocessed, 0),
            Some(Duration::from_secs(2))
        );
        assert_eq!(p.delay_for(with(3600), Replay::OnlyIfUnprocessed, 0), None);
    }

    #[test]
    fn gives_up_after_max_retries() {
        let p = RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        };
        assert!(p.delay_for(status(429), Replay::Idempotent, 1).is_some());
        assert_eq!(p.delay_for(status(429), Replay::Idempotent, 2), None);
        assert_eq!(
            RetryPolicy::none().delay_for(status(429), Replay::Idempotent, 0),
            None
        );
    }

    #[test]
    fn backoff_is_jittered_below_a_doubling_ceiling() {
        let p = RetryPolicy::default();
        for retry in 0..10 {
            let ceiling = (p.base_delay * 2u32.pow(retry)).min(p.max_delay);
            for _ in 0..50 {
                assert!(p.backoff(retry) <= ceiling);
            }
        }
        // Jitter: 200 draws below a 3 s ceiling are not all the same.
        let draws: std::collections::HashSet<_> = (0..200).map(|_| p.backoff(8)).collect();
        assert!(draws.len() > 1);
    }

    #[test]
    fn parses_retry_after_forms() {
        let mut headers = HeaderMap::new();
        assert_eq!(parse_retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(parse_retry_after(&headers), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(120);
        let date = httpdate::fmt_http_date(later);
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&date).unwrap());
        let wait = parse_retry_after(&headers).unwrap();
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&headers), None);
    }
}
