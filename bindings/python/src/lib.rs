//! The native half of the `projectx_twilio` wheel. Every class lives in the runtime
//! (`projectx::script::python`), so ordinary Python and scripts inside `projectx run` get the
//! same ones; this crate only names the module.

use pyo3::prelude::*;

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    projectx::script::python::register_module(module, "projectx_twilio")
}
