//! The allocator the `projectx` binary runs with (see `src/main.rs`), so the benches time what
//! ships.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
