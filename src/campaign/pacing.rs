//! Calls per second. A token bucket (governor's GCRA) sets the pace; its burst (50 ms worth of
//! calls, at least two) lets slots taken late be made up, so timer lateness (tokio's timers tick
//! in milliseconds) does not lower the rate. A window of the last admissions then holds every
//! one-second window to the limit, whatever the bucket and the timers do.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use futures_util::future::BoxFuture;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

use crate::twilio::{Attempt, Operation, RequestGate};

#[derive(Debug)]
pub struct Pacer {
    limiter: DefaultDirectRateLimiter,
    clock: DefaultClock,
    /// When the last `cap` calls were let through, oldest first.
    recent: Mutex<VecDeque<Instant>>,
    cap: usize,
    cps: f64,
}

const WINDOW: Duration = Duration::from_secs(1);

impl Pacer {
    /// `cps` > 0; values too small or too large for a quota are clamped.
    pub fn new(cps: f64) -> Self {
        let cps = if cps.is_finite() {
            cps.clamp(1e-3, 1e6)
        } else {
            1.0
        };
        let period = Duration::from_secs_f64(1.0 / cps).max(Duration::from_nanos(1));
        let burst = NonZeroU32::new(((cps * 0.05).ceil() as u32).clamp(2, 10_000))
            .unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        let cap = (cps.floor() as usize).max(1);
        metrics::gauge!("projectx_dial_limit_cps").set(cps);
        Self {
            limiter: RateLimiter::direct(quota),
            clock: DefaultClock::default(),
            recent: Mutex::new(VecDeque::with_capacity(cap)),
            cap,
            cps,
        }
    }

    pub fn cps(&self) -> f64 {
        self.cps
    }

    /// Waits for the next slot and returns when it was taken: the instant the one-second
    /// windows are counted by.
    pub async fn ready(&self) -> Instant {
        loop {
            match self.limiter.check() {
                Ok(()) => break,
                Err(not_until) => {
                    tokio::time::sleep(not_until.wait_time_from(self.clock.now())).await;
                }
            }
        }
        loop {
            let wait = {
                let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                while recent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= WINDOW)
                {
                    recent.pop_front();
                }
                if recent.len() < self.cap {
                    recent.push_back(now);
                    // The dial rate is rate(projectx_dials_total) against the limit gauge; a
                    // gauge of the last window would go stale once dialing stops.
                    metrics::counter!("projectx_dials_total").increment(1);
                    return now;
                }
                recent.front().map_or(Duration::ZERO, |oldest| {
                    WINDOW - now.duration_since(*oldest)
                })
            };
            tokio::time::sleep(wait).await;
        }
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
    async fn no_one_second_window_holds_more_than_the_limit() {
        let pacer = Pacer::new(20.0);
        // The pacer's own admission instants: a clock read after `ready` returns would add
        // scheduling delay to some stamps and not others.
        let mut stamps = Vec::new();
        for _ in 0..45 {
            stamps.push(pacer.ready().await);
        }
        let offsets: Vec<Duration> = stamps.iter().map(|t| *t - stamps[0]).collect();
        for window in stamps.windows(21) {
            assert!(
                window[20] - window[0] >= Duration::from_secs(1),
                "{offsets:?}"
            );
        }
    }
}
