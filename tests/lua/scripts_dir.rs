//! The ready-to-run scripts under `scripts/`, against the simulator.
