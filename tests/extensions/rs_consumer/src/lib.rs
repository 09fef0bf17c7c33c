//! Test consumer in Rust (PyO3): imports `mathkit` 1.x and 2.x side by side and the C provider's
//! `cstrings` through the import macro, plus deliberately wrong tables for the error tests.

use std::ffi::c_void;

use pyo3::exceptions::{PyOverflowError, PyValueError};
use pyo3::ffi::PyObject;
use pyo3::prelude::*;

capreg::import_api! {
    /// An "old" consumer: built against mathkit 1.2.
    pub struct Mathkit1: "mathkit" "^1.2" as "capreg_test_rsconsumer" {
        fn add_i64: extern "C" fn(i64, i64) -> i64;
        fn sum_f64: unsafe extern "C" fn(*const f64, usize) -> f64;
        fn checksum: unsafe extern "C" fn(*const u8, usize) -> u64;
        fn apply_i64: unsafe extern "C" fn(*mut i64, usize, Option<extern "C" fn(i64) -> i64>) -> usize;
        fn version_hex: extern "C" fn() -> u32, optional;
        fn not_there: extern "C" fn() -> i32, optional;
    }
}

capreg::import_api! {
    /// A "new" consumer: built against mathkit 2.
    pub struct Mathkit2: "mathkit" "^2" as "capreg_test_rsconsumer.v2" {
        fn add: unsafe extern "C" fn(i64, i64, *mut i64) -> i32;
        fn version_hex: extern "C" fn() -> u32;
    }
}

capreg::import_api! {
    /// The C provider's API, resolved from Rust.
    pub struct Cstrings: "cstrings" "^1.1" as "capreg_test_rsconsumer" {
        fn fnv1a64: unsafe extern "C" fn(*const c_void, usize) -> u64;
        fn shout: unsafe extern "C" fn(*mut PyObject) -> *mut PyObject;
    }
}

capreg::import_api! {
    /// Wrong on purpose: `clamp_to_int` takes isize, and `no_such_fn` does not exist.
    pub struct Wrong: "mathkit" "^1" as "capreg_test_rsconsumer.wrong" {
        fn add_i64: extern "C" fn(i64, i64) -> i64;
        fn clamp_to_int: extern "C" fn(i32) -> i32;
        fn no_such_fn: extern "C" fn();
    }
}

capreg::import_api! {
    /// No mathkit 3 exists.
    pub struct TooNew: "mathkit" "^3" as "capreg_test_rsconsumer.too_new" {
        fn add: unsafe extern "C" fn(i64, i64, *mut i64) -> i32;
    }
}

#[pyfunction]
fn add_v1(py: Python<'_>, a: i64, b: i64) -> PyResult<i64> {
    Ok((Mathkit1::import(py)?.add_i64)(a, b))
}

#[pyfunction]
fn add_v2(py: Python<'_>, a: i64, b: i64) -> PyResult<i64> {
    let mut out = 0i64;
    // SAFETY: `out` is a writable i64.
    match unsafe { (Mathkit2::import(py)?.add)(a, b, &mut out) } {
        0 => Ok(out),
        _ => Err(PyOverflowError::new_err("mathkit 2 add overflowed")),
    }
}

#[pyfunction]
fn version_hex_v2(py: Python<'_>) -> PyResult<u32> {
    Ok((Mathkit2::import(py)?.version_hex)())
}

/// (version_hex present, not_there present)
#[pyfunction]
fn optional_present(py: Python<'_>) -> PyResult<(bool, bool)> {
    let m = Mathkit1::import(py)?;
    Ok((m.version_hex.is_some(), m.not_there.is_some()))
}

#[pyfunction]
fn checksum(py: Python<'_>, data: &[u8]) -> PyResult<u64> {
    // SAFETY: `data` is a live byte slice of that length.
    Ok(unsafe { (Mathkit1::import(py)?.checksum)(data.as_ptr(), data.len()) })
}

#[pyfunction]
fn fnv1a64(py: Python<'_>, data: &[u8]) -> PyResult<u64> {
    // SAFETY: `data` is a live byte slice of that length.
    Ok(unsafe { (Cstrings::import(py)?.fnv1a64)(data.as_ptr().cast(), data.len()) })
}

#[pyfunction]
fn sum(py: Python<'_>, values: Vec<f64>) -> PyResult<f64> {
    // SAFETY: `values` is a live Vec of that length.
    Ok(unsafe { (Mathkit1::import(py)?.sum_f64)(values.as_ptr(), values.len()) })
}

// Cannot panic: wrapping arithmetic only.
extern "C" fn double(x: i64) -> i64 {
    x.wrapping_mul(2)
}

/// Doubles each value through the provider's `apply_i64` and a Rust callback.
#[pyfunction]
fn apply_double(py: Python<'_>, mut values: Vec<i64>) -> PyResult<(Vec<i64>, usize)> {
    // SAFETY: `values` is a live, writable Vec of that length.
    let changed = unsafe {
        (Mathkit1::import(py)?.apply_i64)(values.as_mut_ptr(), values.len(), Some(double))
    };
    Ok((values, changed))
}

/// Calls the C provider's `shout(PyObject *) -> PyObject *` (a new reference).
#[pyfunction]
fn shout<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: `obj` is alive for the call; shout returns a new reference or NULL with an error.
    unsafe { Bound::from_owned_ptr_or_err(py, (Cstrings::import(py)?.shout)(obj.as_ptr())) }
}

/// Whether repeated imports return the one cached table.
#[pyfunction]
fn import_is_cached(py: Python<'_>) -> PyResult<bool> {
    Ok(std::ptr::eq(Mathkit1::import(py)?, Mathkit1::import(py)?))
}

#[pyfunction]
fn import_wrong(py: Python<'_>) -> PyResult<()> {
    Wrong::import(py).map(|_| ())
}

#[pyfunction]
fn import_too_new(py: Python<'_>) -> PyResult<()> {
    TooNew::import(py).map(|_| ())
}

/// The Python-free path on a file that is not a provider library: the error's message.
#[pyfunction]
fn from_library_error(path: &str) -> PyResult<String> {
    // SAFETY: the tests pass a missing file or a non-library; neither runs any code.
    match unsafe { Mathkit1::from_library(path) } {
        Ok(_) => Err(PyValueError::new_err("expected an error")),
        Err(e) => Ok(e.to_string()),
    }
}

/// The Python-free path on a real provider library: mathkit 1.x's add, resolved without the
/// registry extension (a process-local registry, the same checks).
#[pyfunction]
fn from_library_add(path: &str, a: i64, b: i64) -> PyResult<i64> {
    // SAFETY: the tests pass the provider's own library, whose initialisers are harmless.
    let table = unsafe { Mathkit1::from_library(path) }
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok((table.add_i64)(a, b))
}

/// The Python-free path asked for a version the library does not have: the error's message.
#[pyfunction]
fn from_library_too_new(path: &str) -> PyResult<String> {
    // SAFETY: as above.
    match unsafe { TooNew::from_library(path) } {
        Ok(_) => Err(PyValueError::new_err("expected an error")),
        Err(e) => Ok(e.to_string()),
    }
}

#[pymodule(gil_used = false)]
fn capreg_test_rsconsumer(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Like a real consumer: resolve at import, so a broken install fails here, by name.
    Mathkit1::import(m.py())?;
    Mathkit2::import(m.py())?;
    Cstrings::import(m.py())?;
    m.add_function(wrap_pyfunction!(add_v1, m)?)?;
    m.add_function(wrap_pyfunction!(add_v2, m)?)?;
    m.add_function(wrap_pyfunction!(version_hex_v2, m)?)?;
    m.add_function(wrap_pyfunction!(optional_present, m)?)?;
    m.add_function(wrap_pyfunction!(checksum, m)?)?;
    m.add_function(wrap_pyfunction!(fnv1a64, m)?)?;
    m.add_function(wrap_pyfunction!(sum, m)?)?;
    m.add_function(wrap_pyfunction!(apply_double, m)?)?;
    m.add_function(wrap_pyfunction!(shout, m)?)?;
    m.add_function(wrap_pyfunction!(import_is_cached, m)?)?;
    m.add_function(wrap_pyfunction!(import_wrong, m)?)?;
    m.add_function(wrap_pyfunction!(import_too_new, m)?)?;
    m.add_function(wrap_pyfunction!(from_library_error, m)?)?;
    m.add_function(wrap_pyfunction!(from_library_add, m)?)?;
    m.add_function(wrap_pyfunction!(from_library_too_new, m)?)?;
    Ok(())
}
