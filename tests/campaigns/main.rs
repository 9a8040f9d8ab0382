//! Campaigns end to end against the built-in simulator: pacing, retries, the compliance guard,
//! the journal, and the store failing under them.
#![allow(clippy::unwrap_used)]

mod bad_input;
mod cli;
mod crash;
mod dialing;
mod harness;
mod store;
mod usage;
