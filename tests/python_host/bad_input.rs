//! Broken scripts and misuse: each reported with its line, and the runtime goes on.
