//! Embedding CPython: the binary and the tests record where libpython lives (an rpath), so they
//! load the interpreter they were built against rather than whichever one the loader finds.

fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
}
