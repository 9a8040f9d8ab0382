//! The Lua host end to end: scripts loaded into a runtime that talks to the built-in simulator.
#![allow(clippy::unwrap_used)]

mod bad_input;
mod campaigns;
mod flows;
mod harness;
mod reload;
mod scripts_dir;
