//! The embedded Python host end to end: `.py` scripts loaded into a runtime that talks to the
//! built-in simulator (the same world the Lua tests use).
#![allow(clippy::unwrap_used)]

#[path = "../lua/harness.rs"]
mod harness;

mod bad_input;
mod flows;
mod reload;
