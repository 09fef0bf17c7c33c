//! A PyO3 extension that uses another extension's native API — `mathkit`, published by
//! whichever installed package provides it — through capreg, with no link-time dependency.

use pyo3::ffi;
use pyo3::prelude::*;

// The functions this module calls, each with the exact Rust type it calls it with. capreg
// derives each signature from the type and checks it against the provider's at import time.
capreg::import_api! {
    /// What this module uses of mathkit 1.x (1.2 added `checksum`).
    pub struct Mathkit: "mathkit" "^1.2" as "capreg_example_pyo3" {
        fn add_i64: extern "C" fn(i64, i64) -> i64;
        fn sum_f64: unsafe extern "C" fn(*const f64, usize) -> f64;
        fn checksum: unsafe extern "C" fn(*const u8, usize) -> u64;
    }
}

// And a second API, from a Python-free provider library (libwildsort): same macro, same checks.
capreg::import_api! {
    /// The one function of wildsort this module uses.
    pub struct Wildsort: "wildsort" "^1.0" as "capreg_example_pyo3" {
        fn sort_f64: unsafe extern "C" fn(*mut f64, usize) -> i32;
    }
}

/// The floats, sorted by wildsort (IEEE 754 totalOrder: -0.0 before 0.0, NaN last).
#[pyfunction]
fn sort_floats(py: Python<'_>, mut values: Vec<f64>) -> PyResult<Vec<f64>> {
    let wildsort = Wildsort::import(py)?;
    // SAFETY: `values` is a live Vec of exactly that many doubles.
    match unsafe { (wildsort.sort_f64)(values.as_mut_ptr(), values.len()) } {
        0 => Ok(values),
        status => Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "wildsort.sort_f64 failed: {status}"
        ))),
    }
}

// Awaitables for native code, from the awaitkit API: an async function with no state machine.
type ValueCallback = unsafe extern "C" fn(*mut ffi::PyObject, *mut ffi::PyObject) -> i32;

capreg::import_api! {
    /// What this module uses of awaitkit 1.x.
    pub struct Awaitkit: "awaitkit" "^1.0" as "capreg_example_pyo3" {
        fn new_awaitable: extern "C" fn() -> *mut ffi::PyObject;
        fn add_await: unsafe extern "C" fn(*mut ffi::PyObject, *mut ffi::PyObject, Option<ValueCallback>, Option<ValueCallback>) -> i32;
        fn set_result: unsafe extern "C" fn(*mut ffi::PyObject, *mut ffi::PyObject) -> i32;
    }
}

/// awaitkit calls this with the coroutine's result (the GIL held): 0 to go on, -1 with an
/// exception set to fail the await. `capreg::guard::python` keeps a panic from crossing back
/// into C: it becomes a `SystemError`.
unsafe extern "C" fn double_result(aw: *mut ffi::PyObject, value: *mut ffi::PyObject) -> i32 {
    // SAFETY: awaitkit calls result callbacks with the GIL held.
    unsafe {
        capreg::guard::python("double_result", |py| {
            // SAFETY: awaitkit passes a live borrowed value for the duration of the call.
            let value = Bound::from_borrowed_ptr(py, value);
            let doubled = value.mul(2)?;
            let awaitkit = Awaitkit::import(py)?;
            // SAFETY: `aw` is the live awaitable running this callback; set_result takes its
            // own reference to `doubled`.
            match (awaitkit.set_result)(aw, doubled.as_ptr()) {
                0 => Ok(0),
                _ => Err(PyErr::fetch(py)),
            }
        })
    }
}

/// `await fetch_and_double(coro)` is `2 * await coro`: awaitkit awaits the coroutine and runs
/// the Rust callback on its result.
#[pyfunction]
fn fetch_and_double<'py>(py: Python<'py>, coro: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let awaitkit = Awaitkit::import(py)?;
    // SAFETY: new_awaitable returns a new reference or NULL with an exception set.
    let aw = unsafe { Bound::from_owned_ptr_or_err(py, (awaitkit.new_awaitable)()) }?;
    // SAFETY: both objects are alive; awaitkit takes its own reference to `coro`.
    if unsafe { (awaitkit.add_await)(aw.as_ptr(), coro.as_ptr(), Some(double_result), None) } < 0 {
        return Err(PyErr::fetch(py));
    }
    Ok(aw)
}

/// a + b, computed by the provider.
#[pyfunction]
fn add(py: Python<'_>, a: i64, b: i64) -> PyResult<i64> {
    // `import` resolves once per process and then returns the cached table.
    let mathkit = Mathkit::import(py)?;
    Ok((mathkit.add_i64)(a, b))
}

/// The mean of some floats, summed by the provider.
#[pyfunction]
fn mean(py: Python<'_>, values: Vec<f64>) -> PyResult<f64> {
    let mathkit = Mathkit::import(py)?;
    // SAFETY: `values` is a live Vec of exactly that many doubles.
    let total = unsafe { (mathkit.sum_f64)(values.as_ptr(), values.len()) };
    Ok(if values.is_empty() {
        0.0
    } else {
        total / values.len() as f64
    })
}

/// The provider's 64-bit checksum of some bytes.
#[pyfunction]
fn checksum(py: Python<'_>, data: &[u8]) -> PyResult<u64> {
    let mathkit = Mathkit::import(py)?;
    // SAFETY: `data` is a live byte slice of exactly that length.
    Ok(unsafe { (mathkit.checksum)(data.as_ptr(), data.len()) })
}

#[pymodule(gil_used = false)]
fn capreg_example_pyo3(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Resolve at import: if mathkit is missing or too old, `import capreg_example_pyo3` fails
    // with one ImportError that names this module, mathkit, the version found and the fix.
    Mathkit::import(m.py())?;
    Wildsort::import(m.py())?;
    Awaitkit::import(m.py())?;
    m.add_function(wrap_pyfunction!(sort_floats, m)?)?;
    m.add_function(wrap_pyfunction!(fetch_and_double, m)?)?;
    m.add_function(wrap_pyfunction!(add, m)?)?;
    m.add_function(wrap_pyfunction!(mean, m)?)?;
    m.add_function(wrap_pyfunction!(checksum, m)?)?;
    Ok(())
}
