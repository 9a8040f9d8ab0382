//! Calls per second as a token bucket (GCRA, from governor) with a burst of one: calls are at
//! least 1/cps apart, so no one-second window ever holds more than the limit.

use std::num::NonZeroU32;
use std::time::Duration;

use futures_util::future::BoxFuture;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::twilio::{Attempt, Operation, RequestGate};

#[derive(Debug)]
pub struct Pacer {
    limiter: DefaultDirectRateLimiter,
    cps: f64,
}

impl Pacer {
    /// `cps` > 0; values too small or too large for a quota are clamped.
    pub fn new(cps: f64) -> Self {
        let cps = if cps.is_finite() {
            cps.clamp(1e-3, 1e6)
        } else {
            1.0
        };
        let period = Duration::from_secs_f64(1.0 / cps).max(Duration::from_nanos(1));
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::direct(quota),
            cps,
        }
    }

    pub fn cps(&self) -> f64 {
        self.cps
    }

    /// Waits for the next slot.
    pub async fn ready(&self) {
        self.limiter.until_ready().await;
    }
}

/// Paces call creation account-wide: every `create_call` the client sends (retries too) waits
/// here; other requests pass.
impl RequestGate for Pacer {
    fn admit(&self, attempt: Attempt) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if attempt.operation == Operation::CreateCall {
                self.ready().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slots_are_spaced_by_the_period() {
        let pacer = Pacer::new(50.0);
        let start = std::time::Instant::now();
        let mut stamps = Vec::new();
        for _ in 0..10 {
            pacer.ready().await;
            stamps.push(start.elapsed());
        }
        // The first is immediate; each next one at least 20 ms after the one before.
        for pair in stamps.windows(2) {
            assert!(pair[1] - pair[0] >= Duration::from_millis(19), "{stamps:?}");
        }
    }
}
