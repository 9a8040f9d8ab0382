//! Pauses a campaign when calls start failing in bulk (a storm of 21215 "geo permissions" or
//! 21216 "blocked" refusals, say): dialing on would only burn through the list.

use std::collections::{BTreeMap, VecDeque};

/// Results looked at.
const WINDOW: usize = 20;
/// No verdict before this many results.
const MIN_RESULTS: usize = 10;
/// Share of failures that trips it.
const TRIP_RATIO: f64 = 0.5;

#[derive(Debug, Default)]
pub struct Breaker {
    /// `None`: the call went through; `Some(code)`: refused or failed, with Twilio's code (0
    /// when none).
    recent: VecDeque<Option<u32>>,
}

impl Breaker {
    /// Records one result; returns why to pause when failures have spiked.
    pub fn record(&mut self, failure: Option<u32>) -> Option<String> {
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(failure);
        let failures: Vec<u32> = self.recent.iter().flatten().copied().collect();
        if self.recent.len() < MIN_RESULTS
            || (failures.len() as f64) < TRIP_RATIO * self.recent.len() as f64
        {
            return None;
        }
        let mut by_code = BTreeMap::<u32, usize>::new();
        for code in &failures {
            *by_code.entry(*code).or_default() += 1;
        }
        let codes = by_code
            .iter()
            .map(|(code, n)| match code {
                0 => format!("no code ×{n}"),
                code => format!("{code} ×{n}"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let reason = format!(
            "circuit breaker: {} of the last {} calls failed or were refused ({codes}); check the numbers and the account, then resume",
            failures.len(),
            self.recent.len()
        );
        self.recent.clear();
        Some(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storm_of_refusals_trips_it_with_the_codes() {
        let mut breaker = Breaker::default();
        for _ in 0..5 {
            assert!(breaker.record(None).is_none());
        }
        let mut reason = None;
        for i in 0..10 {
            reason = breaker.record(Some(if i % 2 == 0 { 21215 } else { 21216 }));
            if reason.is_some() {
                break;
            }
        }
        let reason = reason.unwrap_or_default();
        assert!(reason.contains("21215 ×"), "{reason}");
        assert!(reason.contains("21216 ×"), "{reason}");
    }

    #[test]
    fn scattered_failures_do_not() {
        let mut breaker = Breaker::default();
        for i in 0..100 {
            let failure = (i % 4 == 0).then_some(21215);
            assert!(breaker.record(failure).is_none(), "tripped at {i}");
        }
    }
}
