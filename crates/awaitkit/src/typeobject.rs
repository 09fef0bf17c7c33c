//! The type `awaitkit.Awaitable`, made with `PyType_FromSpec` rather than `#[pyclass]`: PyO3
//! cannot give a class the `am_send` slot, through which Python 3.10+ (the `await` bytecode,
//! asyncio's tasks) sends into it and gets its return value without a `StopIteration`.
//!
//! This file holds the type, the creation of its objects and the GC slots; object.rs the
//! object's layout; protocol.rs the coroutine slots and methods; drive.rs what they do.

use std::cell::RefCell;
use std::ffi::{c_int, c_void};
use std::ptr::{self, addr_of_mut};
use std::sync::atomic::Ordering;

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use capreg::guard;

use crate::boundary::{attached, direct, unusual};
use crate::freelist;
use crate::object::{type_ptr, Awaitable, AwaitableObject, TYPE};
use crate::protocol;
use crate::refs::decref;

/// A new, empty awaitable (a new reference), or NULL with an exception set. Creates and drops
/// no PyO3-owned object (see `boundary::direct`).
pub(crate) fn new_object(_py: Python<'_>) -> *mut ffi::PyObject {
    let tp = type_ptr();
    if tp.is_null() {
        return attached(ptr::null_mut(), |_| {
            Err(PyTypeError::new_err(
                "awaitkit: the module is not initialized",
            ))
        });
    }
    // SAFETY: the GIL is held.
    let obj = match unsafe { freelist::take() } {
        // SAFETY: a kept block of our type's size: given the type (a new reference to it, as
        // for any instance of a heap type) and one reference.
        Some(block) => unsafe { ffi::PyObject_Init(block, tp) },
        // SAFETY: the GIL is held; `tp` is our (GC) type. Uninitialized memory past the
        // header, or NULL with an exception set.
        None => unsafe { ffi::PyObject_GC_New::<ffi::PyObject>(tp) },
    }
    .cast::<AwaitableObject>();
    if obj.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a new object of our layout, not tracked by the GC yet: it is initialized first.
    unsafe {
        addr_of_mut!((*obj).weakrefs).write(ptr::null_mut());
        addr_of_mut!((*obj).state).write(RefCell::default());
        ffi::PyObject_GC_Track(obj.cast());
    }
    obj.cast()
}

#[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
unsafe extern "C" fn dealloc(obj: *mut ffi::PyObject) {
    direct((), |_py| {
        // SAFETY: called by Python once the last reference is gone: `obj` is ours until
        // `PyObject_GC_Del`, and nothing else may reach it (weak references are cleared first).
        unsafe {
            ffi::PyObject_GC_UnTrack(obj.cast());
            let this = obj.cast::<AwaitableObject>();
            if !(*this).weakrefs.is_null() {
                unusual(ffi::PyObject_ClearWeakRefs)(obj);
            }
            let aw = Awaitable::from_instance(obj);
            // Usually it has finished and holds nothing: no finalizing, and no drop glue to run
            // (less code to bring back into the caches after an event loop's work).
            let usual = aw
                .try_read()
                .is_some_and(|st| st.holds_nothing() && (st.awaited || !st.added));
            if !usual {
                release_state(aw, this);
            }
            let tp = ffi::Py_TYPE(obj);
            if !freelist::keep(obj) {
                unusual(ffi::PyObject_GC_Del)(obj.cast());
            }
            // Instances of a heap type hold a reference to it.
            decref(tp.cast());
        }
    })
}

/// What `dealloc` does to an awaitable that may hold something: it finishes it (closing what
/// is pending, warning if it was never awaited) and drops its state.
///
/// # Safety
/// As in `dealloc`: `this` is `aw`'s object, being deallocated.
#[cold]
#[inline(never)]
unsafe fn release_state(aw: Awaitable<'_>, this: *mut AwaitableObject) {
    if !aw.try_st().is_none_or(|st| st.idle()) {
        attached((), |py| {
            aw.finalize(py, true);
            Ok(())
        });
    }
    if !aw.try_read().is_some_and(|st| st.holds_nothing()) {
        // SAFETY: the state, dropped once: the object is being deallocated (the caller's
        // contract), and `dealloc` does not touch it afterwards.
        unsafe { ptr::drop_in_place(addr_of_mut!((*this).state)) };
    }
}

// Cannot panic: it only reads pointers, borrows the state with `try_borrow` and calls the GC's visitor.
unsafe extern "C" fn traverse(
    obj: *mut ffi::PyObject,
    visit: ffi::visitproc,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: called by the GC with the GIL held, on a live object of our type.
    let tp = unsafe { ffi::Py_TYPE(obj) };
    // SAFETY: the GC's own visitor, on a live object (a heap type's instances visit it).
    let rc = unsafe { visit(tp.cast(), arg) };
    if rc != 0 {
        return rc;
    }
    // SAFETY: as above.
    let aw = unsafe { Awaitable::from_instance(obj) };
    // Never panic here: if the state is busy, it is reachable from a running frame anyway.
    let Some(st) = aw.try_read() else {
        return 0;
    };
    for held in st.held() {
        // SAFETY: as above; `held` is a live object this awaitable owns a reference to.
        let rc = unsafe { visit(held.as_ptr(), arg) };
        if rc != 0 {
            return rc;
        }
    }
    0
}

/// Breaks reference cycles: pending coroutines are closed, values released, no warning.
unsafe extern "C" fn clear(obj: *mut ffi::PyObject) -> c_int {
    let body = |py: Python<'_>| {
        // SAFETY: a live object of our type (called by the GC).
        let aw = unsafe { Awaitable::from_instance(obj) };
        if aw.try_st().is_some() {
            aw.finalize(py, false);
        }
        Ok(0)
    };
    // SAFETY: called by the GC with the GIL held.
    unsafe { guard::python("awaitkit.Awaitable tp_clear", body) }
}

unsafe extern "C" fn new(
    _tp: *mut ffi::PyTypeObject,
    _args: *mut ffi::PyObject,
    _kwargs: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: called by Python (`type_call`) with the GIL held.
    unsafe {
        guard::python("awaitkit.Awaitable.__new__", |_| {
            Err(PyTypeError::new_err(
                "cannot create 'awaitkit.Awaitable' instances: native code makes them through the awaitkit C API",
            ))
        })
    }
}

/// `tp_members`: `__weaklistoffset__`, how a type made by `PyType_FromSpec` says where its weak
/// references are (3.9+), then the end marker.
struct Members([ffi::PyMemberDef; 2]);

// SAFETY: plain constants (pointers to static C strings), never written.
unsafe impl Sync for Members {}

static MEMBERS: Members = Members([
    ffi::PyMemberDef {
        name: c"__weaklistoffset__".as_ptr(),
        type_code: ffi::Py_T_PYSSIZET,
        offset: std::mem::offset_of!(AwaitableObject, weakrefs) as ffi::Py_ssize_t,
        flags: ffi::Py_READONLY,
        doc: ptr::null(),
    },
    ffi::PyMemberDef {
        name: ptr::null(),
        type_code: 0,
        offset: 0,
        flags: 0,
        doc: ptr::null(),
    },
]);

const DOC: &std::ffi::CStr =
    c"An awaitable made by native code through the awaitkit C API; not constructible from Python.";

fn slot(slot: c_int, pfunc: *mut c_void) -> ffi::PyType_Slot {
    ffi::PyType_Slot { slot, pfunc }
}

/// Makes the type (once) and returns it.
pub(crate) fn init(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    let existing = type_ptr();
    if !existing.is_null() {
        // SAFETY: our type, alive for the process.
        return Ok(unsafe { Bound::from_borrowed_ptr(py, existing.cast()) }.cast_into::<PyType>()?);
    }
    // `tp_methods` must outlive the type: leaked, once per process. (`PyType_FromSpec` copies
    // the members into the type, so `MEMBERS` need not be leaked: a static.)
    let methods = Box::leak(protocol::methods());
    let mut slots = vec![
        slot(ffi::Py_tp_doc, DOC.as_ptr().cast_mut().cast()),
        slot(ffi::Py_tp_new, new as *mut c_void),
        slot(ffi::Py_tp_dealloc, dealloc as *mut c_void),
        slot(ffi::Py_tp_traverse, traverse as *mut c_void),
        slot(ffi::Py_tp_clear, clear as *mut c_void),
        slot(ffi::Py_tp_members, MEMBERS.0.as_ptr().cast_mut().cast()),
        slot(ffi::Py_tp_methods, methods.as_mut_ptr().cast()),
        slot(ffi::Py_am_await, protocol::am_await as *mut c_void),
        slot(ffi::Py_tp_iternext, protocol::iternext as *mut c_void),
    ];
    // Python 3.9's PyType_FromSpec rejects slots it does not know; am_send is 3.10+.
    if py.version_info() >= (3, 10) {
        slots.push(slot(ffi::Py_am_send, protocol::am_send as *mut c_void));
    }
    slots.push(slot(0, ptr::null_mut()));
    let mut spec = ffi::PyType_Spec {
        name: c"awaitkit.Awaitable".as_ptr(),
        basicsize: c_int::try_from(size_of::<AwaitableObject>())?,
        itemsize: 0,
        flags: c_uint(ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_HAVE_GC),
        slots: slots.as_mut_ptr(),
    };
    // SAFETY: a complete spec, NUL-terminated slot list; what it points to outlives the call
    // (the members and methods for ever). A new reference, or NULL with an exception set.
    let tp = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyType_FromSpec(&mut spec)) }?;
    let tp = tp.cast_into::<PyType>()?;
    // Kept for the process (the static owns this reference).
    TYPE.store(tp.clone().into_ptr().cast(), Ordering::Release);
    Ok(tp)
}

/// `Py_TPFLAGS_*` are `c_ulong`; the spec's field is `c_uint` (every flag used here fits).
fn c_uint(flags: std::ffi::c_ulong) -> std::ffi::c_uint {
    flags as std::ffi::c_uint
}
