//! `capreg._capreg`: the process-wide registry.
//!
//! - [`table`]: the C table behind the capsule `_REGISTRY`, the ABI every provider and consumer uses;
//! - [`discovery`]: finding providers through the entry-point group `capreg.apis`;
//! - [`entry_points`]: what installed distributions declare (a leaf discovery and identity read);
//! - [`identity`]: every publish checked: a provider is who it says it is;
//! - [`pyapi`]: the Python-facing `request`, `describe`, `apis` and the `Api` object;
//! - [`errors`]: the one place a `capreg::Error` becomes a Python exception;
//! - [`logging`]: tracing events to stderr (`CAPREG_LOG`) and to Python's `logging`;
//! - [`state`]: the process-wide [`state::REGISTRY`], a leaf every other module reads.

#![allow(clippy::result_large_err)] // capreg::Error is built on the failure path only

use pyo3::prelude::*;

mod discovery;
mod entry_points;
mod errors;
mod identity;
mod logging;
mod pyapi;
mod state;
mod table;

#[pymodule(gil_used = false)]
fn _capreg(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The interpreter that imports this module first owns the registry; any other is refused.
    capreg::python::check_interpreter(m.py(), "import capreg")
        .map_err(|e| pyo3::exceptions::PyImportError::new_err(e.to_string()))?;
    logging::install();
    state::REGISTRY.set_distribution_finder(Box::new(entry_points::distribution_of));
    m.add(capreg::abi::CAPREG_CAPSULE_ATTR, table::capsule(m.py())?)?;
    m.add("ABI_MAJOR", capreg::abi::CAPREG_ABI_MAJOR)?;
    m.add("ABI_MINOR", capreg::abi::CAPREG_ABI_MINOR)?;
    m.add("ERROR_CODES", errors::error_codes(m.py())?)?;
    pyapi::register(m)
}
