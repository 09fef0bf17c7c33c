//! References to Python objects, released at once: `Ref` (a strong reference an awaitable
//! holds), `incref`/`decref` inline, and None borrowed. A leaf: every other module may use it.

use std::ptr::NonNull;

use pyo3::prelude::*;
use pyo3::types::PyNone;
use pyo3::{ffi, Borrowed, BoundObject};

/// A strong reference held by an awaitable's state.
///
/// Unlike `Py<T>` it releases its reference at once when dropped, without asking PyO3 whether
/// the thread is attached (C code calls into awaitkit directly, not through PyO3, so PyO3 would
/// think it is not and defer the release). That is sound because a `Ref` lives only in the
/// state of an awaitable, which is only touched with the GIL held, and a `Ref` cannot leave
/// the thread (it is neither `Send` nor `Sync`).
pub(crate) struct Ref(NonNull<ffi::PyObject>);

/// `Py_INCREF`, inline, as every C extension built for the stable ABI of Python 3.9 does it (the
/// limited API's `Py_INCREF` of 3.9 to 3.11 is `op->ob_refcnt++`, in the extension's own code):
/// CPython keeps that working on every later version, immortal objects included (PEP 683: their
/// count is such that those increments and decrements never bring it to zero). PyO3 calls
/// `Py_IncRef` instead: a call into libpython for every reference, on the paths of every `await`.
///
/// # Safety
/// The GIL is held and `obj` is a live object (abi3 modules never run on a free-threaded
/// Python, whose objects have another header).
#[inline(always)]
pub(crate) unsafe fn incref(obj: *mut ffi::PyObject) {
    // SAFETY: `ob_refcnt`, a `Py_ssize_t`, is the first field of every object (above); the GIL
    // serializes the access.
    unsafe { *obj.cast::<ffi::Py_ssize_t>() += 1 }
}

/// `Py_DECREF`, inline, as `incref` (the limited API's `Py_DECREF` of 3.9 to 3.11:
/// `if (--op->ob_refcnt == 0) _Py_Dealloc(op)`).
///
/// # Safety
/// As `incref`, and the caller owns the reference released.
#[inline(always)]
pub(crate) unsafe fn decref(obj: *mut ffi::PyObject) {
    // SAFETY: as in `incref`; the last reference gone, the object is deallocated, as CPython's
    // own `Py_DECREF` does it.
    unsafe {
        let count = obj.cast::<ffi::Py_ssize_t>();
        *count -= 1;
        if *count == 0 {
            _Py_Dealloc(obj);
        }
    }
}

extern "C" {
    /// In the stable ABI (`abi_only`) since the limited API's `Py_DECREF` calls it.
    fn _Py_Dealloc(obj: *mut ffi::PyObject);
}

impl Ref {
    /// A new reference to `obj`.
    ///
    /// # Safety
    /// The GIL is held and `obj` is a live object (not NULL).
    pub(crate) unsafe fn from_borrowed(obj: *mut ffi::PyObject) -> Ref {
        // SAFETY: the caller's contract.
        unsafe {
            incref(obj);
            Ref(NonNull::new_unchecked(obj))
        }
    }

    /// Takes over the reference of `obj`.
    pub(crate) fn new(obj: Bound<'_, PyAny>) -> Ref {
        let ptr = obj.into_ptr();
        // SAFETY: a `Bound` always points to an object.
        Ref(unsafe { NonNull::new_unchecked(ptr) })
    }

    pub(crate) fn as_ptr(&self) -> *mut ffi::PyObject {
        self.0.as_ptr()
    }

    pub(crate) fn bind<'a, 'py>(&'a self, py: Python<'py>) -> Borrowed<'a, 'py, PyAny> {
        // SAFETY: a live object (this reference keeps it alive) and the GIL is held (`py`).
        unsafe { Borrowed::from_ptr(py, self.as_ptr()) }
    }

    /// Gives the reference back to PyO3.
    pub(crate) fn into_bound(self, py: Python<'_>) -> Bound<'_, PyAny> {
        let ptr = std::mem::ManuallyDrop::new(self).as_ptr();
        // SAFETY: the reference this `Ref` owned, handed over (it is not released by `Ref`).
        unsafe { Bound::from_owned_ptr(py, ptr) }
    }
}

impl Drop for Ref {
    fn drop(&mut self) {
        // SAFETY: see the type's comment: the GIL is held and this reference is owned.
        unsafe { decref(self.as_ptr()) }
    }
}

/// None, borrowed (it lives for ever).
pub(crate) fn none(py: Python<'_>) -> Borrowed<'_, '_, PyAny> {
    BoundObject::into_any(PyNone::get(py))
}
