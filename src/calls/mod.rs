//! Calls in flight: the state machine that turns Twilio's callbacks into events, and the
//! reconciler that covers for callbacks that never come.

mod dialer;
mod reconcile;
mod tracker;
mod update;

pub use dialer::{CallRequest, Dialer, DialerSettings, VAR_PREFIX, is_flow_name};
pub use reconcile::{Reconciler, StatusSource};
pub use tracker::{Applied, CallInfo, CallTracker, TrackerSettings};
pub use update::{StatusUpdate, UpdateSource};

#[cfg(test)]
mod tests;
