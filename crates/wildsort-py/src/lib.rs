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
        fn argsort_i64_scratch: unsafe extern "C" fn(*const i64, usize, *mut usize, *mut u64) -> i32;
        fn argsort_f64_scratch: unsafe extern "C" fn(*const f64, usize, *mut usize, *mut u64) -> i32;
    }
}

/// Where the native path works: the `n` keys, the order the native argsort writes, its scratch.
///
/// Fresh pages cost about as much as the sort itself (the kernel faults in and zeroes 24 MiB for
/// a million items), so the largest workspace up to [`KEEP_MAX_BYTES`] is kept for the next call.
#[derive(Default)]
struct Workspace {
    /// Each key as the 64 bits of an `i64` or an `f64`.
    keys: Vec<u64>,
    order: Vec<usize>,
    scratch: Vec<u64>,
}

/// The workspace kept between calls (empty until a sort has used one).
static KEPT: Mutex<Workspace> = Mutex::new(Workspace {
    keys: Vec::new(),
    order: Vec::new(),
    scratch: Vec::new(),
});
/// The largest workspace kept: that of a 2,796,202-item sort.
const KEEP_MAX_BYTES: usize = 64 << 20;

impl Workspace {
    /// A workspace for `n` items: the kept one if it is free, grown if it is short.
    fn take(n: usize) -> Workspace {
        let mut workspace = KEPT
            .try_lock()
            .map(|mut kept| std::mem::take(&mut *kept))
            .unwrap_or_default();
        workspace.keys.resize(n, 0);
        workspace.order.resize(n, 0);
        workspace.scratch.resize(n, 0);
        workspace
    }

    fn bytes(&self) -> usize {
        (self.keys.capacity() + self.scratch.capacity()) * size_of::<u64>()
            + self.order.capacity() * size_of::<usize>()
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if self.bytes() > KEEP_MAX_BYTES {
            return;
        }
        if let Ok(mut kept) = KEPT.try_lock() {
            if kept.bytes() < self.bytes() {
                *kept = std::mem::take(self);
            }
        }
    }
}

/// How the keys were read.
#[derive(Clone, Copy)]
enum Keys {
    Ints,
    Floats,
}

/// Reads every key of `keys` into `out` when all can be ordered natively exactly as `list.sort`
/// orders them: exact ints (or bools) that fit in i64, or exact floats without NaN. Anything
/// else — subclasses, which may override comparisons, mixed kinds, huge ints, NaN, whose
/// comparisons make the order depend on the input — returns None.
///
/// With `reverse`, keys are laid out in reversed input order (see `sorted_list`). Reads
/// borrowed references only: no reference count is touched.
fn read_keys(
    py: Python<'_>,
    keys: &Bound<'_, PyList>,
    reverse: bool,
    out: &mut [u64],
) -> Option<Keys> {
    let n = keys.len();
    let list = keys.as_ptr();
    // Borrowed references stay valid: the list cannot change, no Python code runs in here.
    // SAFETY: `list` is a live list of `n` items, the GIL is held; PyList_GetItem borrows.
    let get = |i: usize| unsafe { ffi::PyList_GetItem(list, i as ffi::Py_ssize_t) };
    // SAFETY: `o` is one of the list's live items.
    let type_of = |o: *mut ffi::PyObject| unsafe { ffi::Py_TYPE(o) };
    let float_type = std::ptr::addr_of_mut!(ffi::PyFloat_Type);
    let int_type = std::ptr::addr_of_mut!(ffi::PyLong_Type);
    let bool_type = std::ptr::addr_of_mut!(ffi::PyBool_Type);
    let kind = if type_of(get(0)) == float_type {
        Keys::Floats
    } else {
        Keys::Ints
    };
    // Reversed input order for `reverse`, written sequentially either way.
    for (step, slot) in out.iter_mut().enumerate() {
        let key = get(if reverse { n - 1 - step } else { step });
        let t = type_of(key);
        *slot = match kind {
            Keys::Floats => {
                if t != float_type {
                    return None;
                }
                // SAFETY: `key` is a live exact float.
                let x = unsafe { ffi::PyFloat_AsDouble(key) };
                if x.is_nan() {
                    return None;
                }
                // -0.0 == 0.0 for `<`: one key for both keeps their input order, as sorted() does.
                (if x == 0.0 { 0.0f64 } else { x }).to_bits()
            }
            Keys::Ints => {
                if t != int_type && t != bool_type {
                    return None;
                }
                let mut overflow = 0;
                // SAFETY: `key` is a live exact int or bool; `overflow` is writable.
                let x = unsafe { ffi::PyLong_AsLongLongAndOverflow(key, &mut overflow) };
                if overflow != 0 || (x == -1 && PyErr::occurred(py)) {
                    let _ = PyErr::take(py);
                    return None;
                }
                x as u64
            }
        };
    }
    Some(kind)
}

/// A new list holding the items of `items` in `workspace.order` (the sorted positions of the
/// keys as `read_keys` laid them out), or in reverse for `reverse`. Overwrites the workspace.
///
/// Every object first gains its reference in input order (or its reverse: memory order,
/// typically), and its address is copied into `workspace.keys`; a tight loop then gathers the addresses in sorted
/// order (a call per item would wait out each cache miss alone), and the new list takes them
/// over without touching the objects again.
fn list_in_order<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyList>,
    workspace: &mut Workspace,
    reverse: bool,
) -> PyResult<Bound<'py, PyList>> {
    let n = items.len();
    let list = items.as_ptr();
    let (addresses, order) = (&mut workspace.keys[..n], &mut workspace.order[..n]);
    // `out` is a new list of `n` NULL slots; each of the `n` items gains exactly one reference,
    // and `order` is a permutation of 0..n, so each is placed exactly once.
    // SAFETY: GIL held; PyList_SetItem steals each reference into its own NULL slot.
    unsafe {
        let out = Bound::from_owned_ptr_or_err(py, ffi::PyList_New(n as ffi::Py_ssize_t))?;
        // Laid out as `read_keys` laid out the keys, so that positions index it directly.
        for (step, address) in addresses.iter_mut().enumerate() {
            let i = if reverse { n - 1 - step } else { step };
            let item = ffi::PyList_GetItem(list, i as ffi::Py_ssize_t);
            ffi::Py_IncRef(item);
            *address = item as u64;
        }
        for position in order.iter_mut() {
            *position = addresses[*position] as usize;
        }
        for (k, &item) in order.iter().enumerate() {
            let slot = if reverse { n - 1 - k } else { k };
            ffi::PyList_SetItem(out.as_ptr(), slot as ffi::Py_ssize_t, item as _);
        }
        Ok(out.cast_into_unchecked())
    }
}

/// The items of `items` sorted by `keys` (same length) exactly as `sorted(..., reverse=reverse)`
/// would return them, as a new list; or None when no native path applies. `reverse` keeps
/// stability, as `sorted(reverse=True)` does: reverse, stable sort, reverse.
#[pyfunction]
fn sorted_list<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyList>,
    keys: &Bound<'py, PyList>,
    reverse: bool,
) -> PyResult<Option<Bound<'py, PyList>>> {
    let n = items.len();
    if n == 0 || keys.len() != n {
        return Ok(None);
    }
    let mut workspace = Workspace::take(n);
    let Some(kind) = read_keys(py, keys, reverse, &mut workspace.keys) else {
        return Ok(None);
    };
    let api = Wildsort::import(py)?;
    let keys = workspace.keys.as_ptr();
    let (order, scratch) = (workspace.order.as_mut_ptr(), workspace.scratch.as_mut_ptr());
    // SAFETY: `keys`, `order` and `scratch` are live, separate buffers of n elements; an f64 has
    // the size and alignment of the u64 its bits were stored in.
    let status = unsafe {
        match kind {
            Keys::Ints => (api.argsort_i64_scratch)(keys.cast(), n, order, scratch),
            Keys::Floats => (api.argsort_f64_scratch)(keys.cast(), n, order, scratch),
        }
    };
    if status != 0 {
        return Err(PyRuntimeError::new_err(format!(
            "wildsort: the native sort failed with status {status}"
        )));
    }
    list_in_order(py, items, &mut workspace, reverse).map(Some)
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

#[pymodule(gil_used = false)]
fn _wildsort(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The native API is imported on first use, not here: the registry's discovery of
    // `wildsort` imports this package, and must not find itself half-initialised.
    m.add_function(wrap_pyfunction!(sorted_list, m)?)?;
    m.add_function(wrap_pyfunction!(sort, m)?)?;
    m.add("SMALL", SMALL)?;
    Ok(())
}
