//! `wildsort._wildsort`: the native half of `wildsort.sort`. It is a consumer of the `wildsort`
//! API like any other: it imports the functions by name and signature through capreg (the
//! provider, libwildsort, is found and loaded by the registry), never links against them.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

mod native;
mod objects;

use native::sorted_list;

/// Below this many items the native path's set-up costs more than it saves.
const SMALL: usize = 48;

/// `wildsort.sort(iterable, /, *, key=None, reverse=False)`: exactly what `sorted()` returns.
///
/// The plain call `sort(iterable)` runs here, at the cost of a C call: a short input is copied
/// and sorted with `list.sort`; a long list is read in place by the native path. A call with
/// options (`key`, `reverse`, given even as their defaults) goes to `wildsort._sort_list` with
/// a private copy of the items, where they are validated exactly as `list.sort` validates them.
#[pyfunction]
#[pyo3(signature = (iterable, /, **options))]
fn sort<'py>(
    py: Python<'py>,
    iterable: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let plain = options.is_none_or(|o| o.is_empty());
    if let (true, Ok(list)) = (plain, iterable.cast::<PyList>()) {
        if list.is_exact_instance_of::<PyList>() && list.len() >= SMALL {
            if let Some(sorted) = sorted_list(py, list, list, false)? {
                return Ok(sorted.into_any());
            }
        }
    }
    // A copy, as sorted() makes.
    // SAFETY: PySequence_List returns a new list or NULL with an exception set.
    let items =
        unsafe { Bound::from_owned_ptr_or_err(py, ffi::PySequence_List(iterable.as_ptr())) }?
            .cast_into::<PyList>()?;
    if plain && items.len() < SMALL {
        // PyList_Sort returns -1 with an exception set when a comparison fails.
        // SAFETY: `items` is a live list only we hold.
        if unsafe { ffi::PyList_Sort(items.as_ptr()) } < 0 {
            return Err(PyErr::fetch(py));
        }
        return Ok(items.into_any());
    }
    py.import("wildsort")?
        .getattr("_sort_list")?
        .call((items,), options)
}

/// Whether the native path reads lists and floats through their fields (see `objects`), rather
/// than through a C API call per item.
#[pyfunction]
fn reaches_fields(py: Python<'_>) -> bool {
    objects::Fields::get(py).is_some()
}

#[pymodule(gil_used = false)]
fn _wildsort(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The native API is imported on first use, not here: the registry's discovery of
    // `wildsort` imports this package, and must not find itself half-initialised.
    m.add_function(wrap_pyfunction!(sorted_list, m)?)?;
    m.add_function(wrap_pyfunction!(sort, m)?)?;
    m.add_function(wrap_pyfunction!(reaches_fields, m)?)?;
    m.add("SMALL", SMALL)?;
    Ok(())
}
