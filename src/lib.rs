//! projectx: a runtime for automated voice calls on Twilio.

pub mod config;
pub mod phone;
pub mod twilio;
