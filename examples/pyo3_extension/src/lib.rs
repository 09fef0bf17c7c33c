//! A PyO3 extension that uses another extension's native API — `mathkit`, published by
//! whichever installed package provides it — through capreg, with no link-time dependency.

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
    m.add_function(wrap_pyfunction!(sort_floats, m)?)?;
    m.add_function(wrap_pyfunction!(add, m)?)?;
    m.add_function(wrap_pyfunction!(mean, m)?)?;
    m.add_function(wrap_pyfunction!(checksum, m)?)?;
    Ok(())
}
