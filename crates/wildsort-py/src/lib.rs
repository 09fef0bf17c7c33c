//! `wildsort._wildsort`: the native half of `wildsort.sort`. It is a consumer of the `wildsort`
//! API like any other: it imports the functions by name and signature through capreg (the
//! provider, libwildsort, is found and loaded by the registry), never links against them.

use std::sync::Mutex;

use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

capreg::import_api! {
    /// What wildsort.sort uses of the wildsort API.
    struct Wildsort: "wildsort" "^1.0" as "wildsort._wildsort" {
        fn sort_pairs_i64_scratch: unsafe extern "C" fn(*mut i64, usize, *mut i64) -> i32;
    }
}

/// Where the native path works: `n` records, then the sort's scratch copy (`4n` i64 in all).
///
/// Fresh pages cost as much as the sort itself (the kernel faults in and zeroes 32 MiB for a
/// million items), so the largest workspace up to [`KEEP_MAX_BYTES`] is kept for the next call.
struct Workspace {
    buffer: Vec<i64>,
}

/// The workspace kept between calls (empty until a sort has used one).
static KEPT: Mutex<Vec<i64>> = Mutex::new(Vec::new());
/// The largest workspace kept: that of a 2,097,152-item sort.
const KEEP_MAX_BYTES: usize = 64 << 20;

impl Workspace {
    /// A workspace for `n` items: the kept one if it is free, grown if it is short.
    fn take(n: usize) -> Workspace {
        let mut buffer = KEPT
            .try_lock()
            .map(|mut kept| std::mem::take(&mut *kept))
            .unwrap_or_default();
        if buffer.len() < 4 * n {
            buffer.resize(4 * n, 0);
        }
        Workspace { buffer }
    }

    /// The `n` records (`2n` i64) and the sort's scratch (as long).
    fn split(&mut self, n: usize) -> (&mut [i64], &mut [i64]) {
        let (records, rest) = self.buffer.split_at_mut(2 * n);
        (records, &mut rest[..2 * n])
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if self.buffer.len() * size_of::<i64>() > KEEP_MAX_BYTES {
            return;
        }
        if let Ok(mut kept) = KEPT.try_lock() {
            if kept.len() < self.buffer.len() {
                *kept = std::mem::take(&mut self.buffer);
            }
        }
    }
}

/// Writes `(key, object)` records into `out` (`2n` i64, interleaved as `sort_pairs_i64_scratch`
/// takes them) when every key can be ordered natively exactly as `list.sort` orders it: exact
/// ints (or bools) that fit in i64, or exact floats without NaN. Anything else — subclasses,
/// which may override comparisons, mixed kinds, huge ints, NaN, whose comparisons make the
/// order depend on the input — returns false.
///
/// With `reverse`, records are laid out in reversed input order (see `sort_in_place`). Reads
/// borrowed references only: no reference count is touched per key.
fn records(
    py: Python<'_>,
    items: &Bound<'_, PyList>,
    keys: &Bound<'_, PyList>,
    reverse: bool,
    out: &mut [i64],
) -> bool {
    let n = keys.len();
    let (key_list, item_list) = (keys.as_ptr(), items.as_ptr());
    // Borrowed references stay valid: the lists cannot change, no Python code runs in here.
    // SAFETY: both are live lists of `n` items, the GIL is held; PyList_GetItem borrows.
    let get = |list: *mut ffi::PyObject, i: usize| unsafe {
        ffi::PyList_GetItem(list, i as ffi::Py_ssize_t)
    };
    // SAFETY: `o` is one of the lists' live items.
    let type_of = |o: *mut ffi::PyObject| unsafe { ffi::Py_TYPE(o) };
    let float_type = std::ptr::addr_of_mut!(ffi::PyFloat_Type);
    let int_type = std::ptr::addr_of_mut!(ffi::PyLong_Type);
    let bool_type = std::ptr::addr_of_mut!(ffi::PyBool_Type);
    let floats = type_of(get(key_list, 0)) == float_type;
    // No key function: each item is its own key.
    let same_list = key_list == item_list;
    // Reversed input order for `reverse`, written sequentially either way.
    for (step, record) in out.chunks_exact_mut(2).enumerate() {
        let i = if reverse { n - 1 - step } else { step };
        let key = get(key_list, i);
        let item = if same_list { key } else { get(item_list, i) };
        let t = type_of(key);
        let ordered = if floats {
            if t != float_type {
                return false;
            }
            // SAFETY: `key` is a live exact float.
            let x = unsafe { ffi::PyFloat_AsDouble(key) };
            if x.is_nan() {
                return false;
            }
            // -0.0 == 0.0 for `<`: one key for both keeps their input order, as sorted() does.
            let bits = (if x == 0.0 { 0.0f64 } else { x }).to_bits() as i64;
            // Signed order of this image is the float order (what f64::total_cmp does).
            bits ^ ((((bits >> 63) as u64) >> 1) as i64)
        } else {
            if t != int_type && t != bool_type {
                return false;
            }
            let mut overflow = 0;
            // SAFETY: `key` is a live exact int or bool; `overflow` is writable.
            let x = unsafe { ffi::PyLong_AsLongLongAndOverflow(key, &mut overflow) };
            if overflow != 0 || (x == -1 && PyErr::occurred(py)) {
                let _ = PyErr::take(py);
                return false;
            }
            x
        };
        record[0] = ordered;
        record[1] = item as i64;
    }
    true
}

/// Puts the objects of sorted `records` into `items` (the caller's private list), in place.
///
/// Every object first gains a reference in input order (memory order, typically); each
/// `PyList_SetItem` then steals one and drops the reference of the object it replaces, so each
/// object ends with the count it had, and none is touched in sorted (random) order.
fn permute(items: &Bound<'_, PyList>, records: &[i64], reverse: bool) {
    let n = records.len() / 2;
    let list = items.as_ptr();
    // The extra reference each object gets keeps it alive until it is placed; `records` holds
    // each object exactly once (a permutation of the list's items).
    // SAFETY: GIL held, `list` live with `n` items; each extra reference is stolen exactly once.
    unsafe {
        for i in 0..n {
            ffi::Py_IncRef(ffi::PyList_GetItem(list, i as ffi::Py_ssize_t));
        }
        for k in 0..n {
            let slot = if reverse { n - 1 - k } else { k };
            ffi::PyList_SetItem(
                list,
                slot as ffi::Py_ssize_t,
                records[2 * k + 1] as *mut ffi::PyObject,
            );
        }
    }
}

/// A new list holding the objects of sorted `records`, from the list they came from.
///
/// As in `permute`, the objects gain their references in input order, and the new list takes
/// them over in sorted order without touching the objects again.
fn new_list<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyList>,
    records: &[i64],
) -> PyResult<Bound<'py, PyList>> {
    let n = records.len() / 2;
    // `out` is a new list of `n` NULL slots; each of the `n` items gains exactly one reference,
    // and `records` holds each of them exactly once.
    // SAFETY: GIL held; PyList_SetItem steals each reference into its own NULL slot.
    unsafe {
        let out = Bound::from_owned_ptr_or_err(py, ffi::PyList_New(n as ffi::Py_ssize_t))?;
        for i in 0..n {
            ffi::Py_IncRef(ffi::PyList_GetItem(items.as_ptr(), i as ffi::Py_ssize_t));
        }
        for k in 0..n {
            ffi::PyList_SetItem(
                out.as_ptr(),
                k as ffi::Py_ssize_t,
                records[2 * k + 1] as *mut ffi::PyObject,
            );
        }
        Ok(out.cast_into_unchecked())
    }
}

/// A workspace holding the (key, object) records of `items` sorted by `keys` (its first `2n`
/// i64), or None when no native path applies.
fn sorted_records(
    py: Python<'_>,
    items: &Bound<'_, PyList>,
    keys: &Bound<'_, PyList>,
    reverse: bool,
) -> PyResult<Option<Workspace>> {
    let n = items.len();
    if n == 0 || keys.len() != n {
        return Ok(None);
    }
    let mut workspace = Workspace::take(n);
    let (records_out, scratch) = workspace.split(n);
    if !records(py, items, keys, reverse, records_out) {
        return Ok(None);
    }
    let api = Wildsort::import(py)?;
    // SAFETY: `records_out` and `scratch` are live, separate buffers of 2n i64.
    let status =
        unsafe { (api.sort_pairs_i64_scratch)(records_out.as_mut_ptr(), n, scratch.as_mut_ptr()) };
    if status != 0 {
        return Err(PyRuntimeError::new_err(format!(
            "wildsort: the native sort failed with status {status}"
        )));
    }
    Ok(Some(workspace))
}

/// Sorts `items` (a list only the caller holds) in place by `keys` (same length), exactly as
/// `list.sort` would, and returns True; or returns False, untouched, when no native path applies.
/// `reverse` keeps stability, as `sorted(reverse=True)` does: reverse, stable sort, reverse.
#[pyfunction]
fn sort_in_place(
    py: Python<'_>,
    items: &Bound<'_, PyList>,
    keys: &Bound<'_, PyList>,
    reverse: bool,
) -> PyResult<bool> {
    let Some(mut workspace) = sorted_records(py, items, keys, reverse)? else {
        return Ok(false);
    };
    permute(items, workspace.split(items.len()).0, reverse);
    Ok(true)
}

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
            if let Some(mut workspace) = sorted_records(py, list, list, false)? {
                let records = workspace.split(list.len()).0;
                return new_list(py, list, records).map(Bound::into_any);
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

#[pymodule(gil_used = false)]
fn _wildsort(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The native API is imported on first use, not here: the registry's discovery of
    // `wildsort` imports this package, and must not find itself half-initialised.
    m.add_function(wrap_pyfunction!(sort_in_place, m)?)?;
    m.add_function(wrap_pyfunction!(sort, m)?)?;
    m.add("SMALL", SMALL)?;
    Ok(())
}
