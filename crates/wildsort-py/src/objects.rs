//! How the native path reaches into lists and floats: through the fields behind `PyList_GetItem`,
//! `PyList_SetItem` and `PyFloat_AsDouble`, where a check at first use shows the running
//! interpreter lays them out as CPython always has; through those functions otherwise.
//!
//! This module is built for the stable ABI, which fixes every object's header (its reference
//! count and type) but not what follows it: a list's item array and a float's value are CPython's
//! own business. A call per item to read them costs about 8 ms of a 40 ms sort of a million
//! floats, so [`Fields::get`] checks the layout once, against the functions themselves, and
//! only then lets the native path use it. `WILDSORT_OBJECT_FIELDS=0` in the environment keeps
//! it to the functions.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyFloat, PyList};

/// Proof that lists and floats are laid out as `PyListObject` and `PyFloatObject` have been since
/// Python 2: the header, then for a float its `double`, for a list its `PyObject **ob_item`
/// (then `allocated`).
#[derive(Clone, Copy)]
pub(crate) struct Fields(());

/// Where a float's value and a list's item array follow the header.
const FLOAT_VALUE_AT: usize = size_of::<ffi::PyObject>();
const LIST_ITEMS_AT: usize = size_of::<ffi::PyVarObject>();

impl Fields {
    /// The fields, if this interpreter has them where they are expected and the environment does
    /// not say `WILDSORT_OBJECT_FIELDS=0` (both checked once).
    pub(crate) fn get(py: Python<'_>) -> Option<Fields> {
        static USABLE: PyOnceLock<bool> = PyOnceLock::new();
        let usable = *USABLE.get_or_init(py, || {
            let refused = std::env::var("WILDSORT_OBJECT_FIELDS").is_ok_and(|v| v.trim() == "0");
            !refused && matches!(laid_out_as_expected(py), Ok(true))
        });
        usable.then_some(Fields(()))
    }

    /// The value of a float.
    ///
    /// # Safety
    /// `float` is a live object of type exactly `float`.
    #[inline(always)]
    pub(crate) unsafe fn float_value(self, float: *mut ffi::PyObject) -> f64 {
        // SAFETY: `Fields` exists only where a float's `double` was found at this offset.
        unsafe { float.cast::<u8>().add(FLOAT_VALUE_AT).cast::<f64>().read() }
    }

    /// The item array of a list: `len` borrowed references.
    ///
    /// # Safety
    /// `list` is a live object of type `list` (or a subclass) with `len` items, the GIL is held,
    /// and the list is not changed (no Python code runs) while the slice is used.
    #[inline(always)]
    pub(crate) unsafe fn items<'a>(
        self,
        list: *mut ffi::PyObject,
        len: usize,
    ) -> &'a [*mut ffi::PyObject] {
        // SAFETY: the caller's contract.
        unsafe { std::slice::from_raw_parts(self.item_array(list), len) }
    }

    /// The `len` slots of a new list, as the addresses they will hold (NULL until filled).
    ///
    /// # Safety
    /// `list` is a new list of `len` slots that nothing else sees yet, and the GIL is held.
    #[inline(always)]
    pub(crate) unsafe fn new_slots<'a>(
        self,
        list: *mut ffi::PyObject,
        len: usize,
    ) -> &'a mut [usize] {
        // SAFETY: the caller's contract; an address is a `usize` the size of the pointer it is.
        unsafe { std::slice::from_raw_parts_mut(self.item_array(list).cast::<usize>(), len) }
    }

    /// A list's `ob_item`.
    ///
    /// # Safety
    /// `list` is a live list (its basic size covers the field).
    #[inline(always)]
    unsafe fn item_array(self, list: *mut ffi::PyObject) -> *mut *mut ffi::PyObject {
        // SAFETY: `Fields` exists only where `ob_item` was found at this offset; it points to
        // the list's slots (NULL only for an empty list, which is never asked for).
        unsafe {
            list.cast::<u8>()
                .add(LIST_ITEMS_AT)
                .cast::<*mut *mut ffi::PyObject>()
                .read()
        }
    }
}

/// Whether `float.__basicsize__` and `list.__basicsize__` are those of the expected layouts, and
/// reading the fields there agrees with `PyFloat_AsDouble` and `PyList_GetItem`.
fn laid_out_as_expected(py: Python<'_>) -> PyResult<bool> {
    let basicsize = |name: &str| -> PyResult<usize> {
        py.import("builtins")?
            .getattr(name)?
            .getattr("__basicsize__")?
            .extract()
    };
    let pointer = size_of::<*mut ffi::PyObject>();
    if basicsize("float")? != FLOAT_VALUE_AT + size_of::<f64>()
        || basicsize("list")? != LIST_ITEMS_AT + pointer + size_of::<ffi::Py_ssize_t>()
    {
        return Ok(false);
    }
    let value = 0.1 + 0.2;
    let float = PyFloat::new(py, value);
    let list = PyList::new(
        py,
        [
            float.as_any(),
            PyList::empty(py).as_any(),
            py.None().bind(py),
        ],
    )?;
    // Before following the word where `ob_item` should be: the list's other words hold its
    // length (3) and `allocated` (3, for a list made at its size), so that word is not a count
    // and, non-NULL and aligned, is the item array's address.
    // SAFETY: the basic size checked above covers the words read, plain integers.
    let word = |at: usize| unsafe { list.as_ptr().cast::<u8>().add(at).cast::<usize>().read() };
    let items_at = word(LIST_ITEMS_AT);
    if word(LIST_ITEMS_AT - size_of::<ffi::Py_ssize_t>()) != 3
        || word(LIST_ITEMS_AT + pointer) != 3
        || items_at == 0
        || items_at % align_of::<*mut ffi::PyObject>() != 0
    {
        return Ok(false);
    }
    let fields = Fields(());
    // SAFETY: `float` is a float and `list` a list of 3 items whose item array was found above
    // (their basic sizes cover the fields read); nothing runs between here and the reads.
    let (read_value, items) = unsafe {
        (
            fields.float_value(float.as_ptr()),
            fields.items(list.as_ptr(), 3),
        )
    };
    let items_agree = (0..3).all(|i| {
        // SAFETY: `list` is a live list of 3 items.
        items[i] == unsafe { ffi::PyList_GetItem(list.as_ptr(), i as ffi::Py_ssize_t) }
    });
    Ok(read_value.to_bits() == value.to_bits() && items_agree)
}

/// `Py_INCREF`, inline, as every extension built for the stable ABI of Python 3.9 does it
/// (`op->ob_refcnt++`, in the extension's own code); CPython keeps that working on every later
/// version, immortal objects included (PEP 683). `Py_IncRef` would be a call per item.
///
/// # Safety
/// The GIL is held and `obj` is a live object (an abi3 module never runs on a free-threaded
/// Python, whose objects have another header).
#[inline(always)]
pub(crate) unsafe fn incref(obj: *mut ffi::PyObject) {
    // SAFETY: `ob_refcnt`, a `Py_ssize_t`, is the first field of every object in the stable
    // ABI; the GIL serializes the access.
    unsafe { *obj.cast::<ffi::Py_ssize_t>() += 1 }
}
