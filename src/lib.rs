//! projectx: a runtime for automated voice calls on Twilio.

pub mod calls;
pub mod campaign;
pub mod cli;
pub mod config;
pub mod events;
pub mod phone;
pub mod runtime;
pub mod schedule;
pub mod script;
pub mod server;
pub mod simulator;
pub mod store;
pub mod twilio;
pub mod twiml;
pub mod usage;
pub mod voice;
