//! projectx: a runtime for automated voice calls on Twilio.

pub mod cli;
pub mod config;
pub mod phone;
pub mod twilio;
pub mod twiml;
pub mod voice;
