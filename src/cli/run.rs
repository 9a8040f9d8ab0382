//! `projectx run`: the runtime in the foreground until Ctrl-C.

use super::{Cli, EXIT_RUNTIME, EXIT_USAGE, load_config};
use crate::runtime::{Runtime, RuntimeError};

pub async fn run(cli: &Cli) -> u8 {
    let config = match load_config(cli) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let twilio = match crate::runtime::connect(&config).await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let runtime = match Runtime::new(&config, &twilio) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("stopping");
    };
    match runtime.run(&config, shutdown).await {
        Ok(()) => 0,
        Err(e @ RuntimeError::Listen { .. }) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_RUNTIME
        }
    }
}
