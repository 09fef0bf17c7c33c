//! `wildsort._wildsort`: the native half of `wildsort.sort`. It is a consumer of the `wildsort`
//! API like any other: it imports the functions by name and signature through capreg (the
//! provider, libwildsort, is found and loaded by the registry), never links against them.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList};

capreg::import_api! {
    /// What wildsort.sort uses of the wildsort API.
    struct Wildsort: "wildsort" "^1.0" as "wildsort._wildsort" {
        fn argsort_i64: unsafe extern "C" fn(*const i64, usize, *mut usize) -> i32;
        fn argsort_f64: unsafe extern "C" fn(*const f64, usize, *mut usize) -> i32;
    }
}

/// The keys, when a native path can sort them exactly as `list.sort` would.
enum Keys {
    Ints(Vec<i64>),
    Floats(Vec<f64>),
}

/// Ints (exact `int` or `bool`, fitting in i64) or floats (exact `float`, no NaN); anything
/// else — subclasses, which may override comparisons, mixed kinds, huge ints, NaN, whose
/// comparisons make the order depend on the input — is left to `list.sort`.
fn classify(keys: &Bound<'_, PyList>) -> Option<Keys> {
    let first = keys.get_item(0).ok()?;
    if first.is_exact_instance_of::<PyFloat>() {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys.iter() {
            let float = key.cast_exact::<PyFloat>().ok()?.value();
            if float.is_nan() {
                return None;
            }
            // -0.0 == 0.0 for `<`: one key for both keeps their input order, as sorted() does.
            out.push(if float == 0.0 { 0.0 } else { float });
        }
        return Some(Keys::Floats(out));
    }
    let mut out = Vec::with_capacity(keys.len());
    for key in keys.iter() {
        if !(key.is_exact_instance_of::<PyInt>() || key.is_exact_instance_of::<PyBool>()) {
            return None;
        }
        out.push(key.extract::<i64>().ok()?);
    }
    Some(Keys::Ints(out))
}

/// `items` ordered by `keys` (same length) exactly as `sorted` would, or None when no native
/// path applies. `reverse` keeps stability, as `sorted(reverse=True)` does.
#[pyfunction]
fn sort_by_keys<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyList>,
    keys: &Bound<'py, PyList>,
    reverse: bool,
) -> PyResult<Option<Bound<'py, PyList>>> {
    let n = items.len();
    if n == 0 || keys.len() != n {
        return Ok(None);
    }
    let Some(mut keys) = classify(keys) else {
        return Ok(None);
    };
    let api = Wildsort::import(py)?;
    let mut order = vec![0usize; n];
    // sorted(reverse=True) is: reverse, stable sort, reverse. Equal keys keep their input order.
    let status = match &mut keys {
        Keys::Ints(k) => {
            if reverse {
                k.reverse();
            }
            // SAFETY: `k` and `order` are live buffers of `n` elements that do not overlap.
            unsafe { (api.argsort_i64)(k.as_ptr(), n, order.as_mut_ptr()) }
        }
        Keys::Floats(k) => {
            if reverse {
                k.reverse();
            }
            // SAFETY: as above.
            unsafe { (api.argsort_f64)(k.as_ptr(), n, order.as_mut_ptr()) }
        }
    };
    drop(keys);
    if status != 0 {
        return Err(PyRuntimeError::new_err(format!(
            "wildsort: the native argsort failed with status {status}"
        )));
    }
    if reverse {
        order.reverse();
        order.iter_mut().for_each(|i| *i = n - 1 - *i);
    }
    let sorted = order
        .iter()
        .map(|&i| items.get_item(i))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, sorted).map(Some)
}

#[pymodule(gil_used = false)]
fn _wildsort(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The native API is imported on first use, not here: the registry's discovery of
    // `wildsort` imports this package, and must not find itself half-initialised.
    m.add_function(wrap_pyfunction!(sort_by_keys, m)?)?;
    Ok(())
}
