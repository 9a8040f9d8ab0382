//! The simulator's virtual clock: call time runs `speed` times faster than real time, so a
//! 60-second ring or a day of campaign takes a fraction of that.

use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct VirtualClock {
    speed: f64,
    origin: Instant,
}

impl VirtualClock {
    /// `speed` 1.0 is real time; 60.0 runs a minute per second. Non-positive speeds are 1.0.
    pub fn new(speed: f64) -> Self {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
        Self {
            speed,
            origin: Instant::now(),
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Virtual time since the simulator started.
    pub fn now(&self) -> Duration {
        self.origin.elapsed().mul_f64(self.speed)
    }

    /// Waits `virtual_time` of call time.
    pub async fn sleep(&self, virtual_time: Duration) {
        tokio::time::sleep(virtual_time.div_f64(self.speed)).await;
    }

    /// Waits until the virtual instant `at`.
    pub async fn sleep_until(&self, at: Duration) {
        let now = self.now();
        if at > now {
            self.sleep(at - now).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn virtual_time_runs_at_the_speed_factor() {
        let clock = VirtualClock::new(60.0);
        clock.sleep(Duration::from_secs(60)).await;
        let now = clock.now();
        assert!(
            now >= Duration::from_secs(60) && now < Duration::from_secs(61),
            "{now:?}"
        );
        assert!(clock.origin.elapsed() < Duration::from_millis(1010));
        assert_eq!(VirtualClock::new(-3.0).speed(), 1.0);
    }
}
