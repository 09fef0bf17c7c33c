//! `capreg._capreg`: the process-wide registry.
//!
//! - [`table`]: the C table behind the capsule `_REGISTRY`, the ABI every provider and consumer uses;
//! - [`discovery`]: finding providers through the entry-point group `capreg.apis`;
//! - [`pyapi`]: the Python-facing `request`, `describe`, `apis` and the `Api` object;
//! - [`errors`]: the one place a `capreg::Error` becomes a Python exception;
//! - [`logging`]: tracing events to stderr (`CAPREG_LOG`) and to Python's `logging`.

#![allow(clippy::result_large_err)] // capreg::Error is built on the failure path only

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::LazyLock;

use capreg::Registry;
use pyo3::prelude::*;

mod discovery;
mod errors;
mod logging;
mod pyapi;
mod table;

/// Every API published in this process.
pub(crate) static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);

/// The interpreter that imported this module first; every other one is refused.
static MAIN_INTERPRETER: AtomicI64 = AtomicI64::new(-1);

/// The current interpreter's id.
///
/// # Safety
/// The calling thread must hold the GIL (have an attached thread state).
unsafe fn current_interpreter() -> i64 {
    // SAFETY: the caller holds the GIL, so there is a current interpreter.
    unsafe { pyo3::ffi::PyInterpreterState_GetID(pyo3::ffi::PyInterpreterState_Get()) }
}

/// Refuses a caller in any interpreter but the first (a legacy subinterpreter would otherwise
/// silently share the process-wide registry, and the GIL-state API does not support it).
///
/// # Safety
/// The calling thread must hold the GIL.
pub(crate) unsafe fn check_interpreter(call: &'static str) -> Result<(), capreg::Error> {
    // SAFETY: forwarded from this function's contract.
    let current = unsafe { current_interpreter() };
    match MAIN_INTERPRETER.load(Ordering::Acquire) {
        -1 => Ok(()),
        main if main == current => Ok(()),
        _ => Err(capreg::Error::Subinterpreter { call }),
    }
}

#[pymodule(gil_used = false)]
fn _capreg(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // SAFETY: module init runs with the GIL held.
    let here = unsafe { current_interpreter() };
    if let Err(first) =
        MAIN_INTERPRETER.compare_exchange(-1, here, Ordering::AcqRel, Ordering::Acquire)
    {
        if first != here {
            return Err(pyo3::exceptions::PyImportError::new_err(
                capreg::Error::Subinterpreter {
                    call: "import capreg",
                }
                .to_string(),
            ));
        }
    }
    logging::install();
    m.add(capreg::abi::CAPREG_CAPSULE_ATTR, table::capsule(m.py())?)?;
    m.add("ABI_MAJOR", capreg::abi::CAPREG_ABI_MAJOR)?;
    m.add("ABI_MINOR", capreg::abi::CAPREG_ABI_MINOR)?;
    pyapi::register(m)
}
