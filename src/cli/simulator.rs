//! `projectx simulator`: the built-in Twilio simulator as a standalone server, for testing any
//! Twilio client (credentials from the configuration or the environment).

use std::net::SocketAddr;

use clap::Args;
use secrecy::ExposeSecret;

use super::{Cli, EXIT_USAGE, load_config};
use crate::simulator::{Simulator, SimulatorSettings};

#[derive(Debug, Args)]
pub struct SimulatorArgs {
    /// Where to serve Twilio's REST API.
    #[arg(long, default_value = "127.0.0.1:4020")]
    pub listen: SocketAddr,
    /// Virtual clock factor (default: simulator.speed of the configuration).
    #[arg(long)]
    pub speed: Option<f64>,
}

pub async fn run(cli: &Cli, args: &SimulatorArgs) -> u8 {
    let config = match load_config(cli) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut settings = SimulatorSettings::from_config(&config);
    if let Some(speed) = args.speed {
        if !(speed > 0.0 && speed.is_finite()) {
            eprintln!("error: --speed {speed} must be above 0");
            return EXIT_USAGE;
        }
        settings.speed = speed;
    }
    let simulator = Simulator::new(settings.clone());
    let base = match simulator.serve(args.listen).await {
        Ok(base) => base,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.listen);
            return EXIT_USAGE;
        }
    };
    println!("Twilio simulator on {base} (speed {}x)", settings.speed);
    println!("  account SID: {}", settings.account_sid);
    if config.twilio.auth_token.is_none() {
        // The default token is not a secret: it exists only so clients can authenticate.
        println!("  auth token:  {}", settings.auth_token.expose_secret());
    } else {
        println!("  auth token:  the configured twilio.auth_token");
    }
    println!("  transcripts: GET {base}/simulator/calls/<CallSid>");
    let _ = tokio::signal::ctrl_c().await;
    0
}
