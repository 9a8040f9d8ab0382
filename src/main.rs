//! The `projectx` binary: everything lives in the library; see `projectx::cli`.

/// The runtime makes many small, short-lived allocations (TwiML trees, webhook forms, journal
/// rows) on several threads, which mimalloc serves at a fraction of glibc malloc's cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    projectx::cli::main()
}
