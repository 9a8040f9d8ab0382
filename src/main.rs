//! The `projectx` binary: everything lives in the library; see `projectx::cli`.

fn main() -> std::process::ExitCode {
    projectx::cli::main()
}
