//! Subcommands end to end through the binary (assert_cmd): recordings, usage, completions,
//! JSON logs and the metrics a running runtime exports; error exits included.

#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

mod completions;
mod exits;
mod logs_and_usage;
mod metrics;
mod recordings;

use std::path::Path;

use assert_cmd::Command;

/// The binary, run in `dir`, with nothing inherited from the caller's Twilio environment and
/// stdin that is not a terminal.
pub fn projectx(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("projectx").unwrap();
    command
        .current_dir(dir)
        .env_remove("PROJECTX_CONFIG")
        .env_remove("PROJECTX_LOG_FORMAT")
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("TWILIO_PHONE_NUMBER")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .write_stdin("");
    command
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A free local port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The repository root, where `examples/` and `scripts/` are.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
