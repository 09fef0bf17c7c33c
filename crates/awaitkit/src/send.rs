//! Talking to the awaitable being awaited (its `__await__` iterator), and returning a value the
//! way an iterator does.
//!
//! On Python 3.10+ sending is `PyIter_Send` (stable ABI since 3.10): a coroutine's return value
//! comes back without a `StopIteration` being created. It is found at run time, so one
//! abi3-py39 build serves 3.9 too, where `send`/`__next__` and `StopIteration` are used.

use std::ffi::{c_int, c_void};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::{ffi, intern, Borrowed};

use crate::boundary::{raising, Raised};
use crate::refs::{decref, incref, Ref};

pub(crate) type PyIterSend =
    unsafe extern "C" fn(*mut ffi::PyObject, *mut ffi::PyObject, *mut *mut ffi::PyObject) -> c_int;

pub(crate) fn py_iter_send() -> Option<PyIterSend> {
    let p = PY_ITER_SEND.load(Ordering::Relaxed);
    // SAFETY: when not NULL, what `init` found: CPython's `PySendResult PyIter_Send(PyObject *,
    // PyObject *, PyObject **)`; `PySendResult` is a C enum, an `int`.
    (!p.is_null()).then(|| unsafe { std::mem::transmute::<*mut c_void, PyIterSend>(p) })
}

/// `PyIter_Send`, if the interpreter has it (3.10+), set by `init` (a plain load on the paths
/// of every `await`, where a `OnceLock` would check its state first).
static PY_ITER_SEND: AtomicPtr<c_void> = AtomicPtr::new(ptr::null_mut());

/// On Python 3.12+, set by `init`: `StopIteration`'s `tp_new` and `tp_init`, and
/// `PyErr_GetHandledException` (3.11+), with which `raise_stop_iteration` makes the exception
/// itself (see there).
static STOP_NEW: AtomicPtr<c_void> = AtomicPtr::new(ptr::null_mut());
static STOP_INIT: AtomicPtr<c_void> = AtomicPtr::new(ptr::null_mut());
static GET_HANDLED: AtomicPtr<c_void> = AtomicPtr::new(ptr::null_mut());

/// `types.CoroutineType`, set by `init`.
static COROUTINE_TYPE: AtomicPtr<ffi::PyTypeObject> = AtomicPtr::new(ptr::null_mut());

/// Looks up, once, what the hot paths use, so that they never fail or import anything.
pub(crate) fn init(py: Python<'_>) -> PyResult<()> {
    let coroutine = py
        .import("types")?
        .getattr("CoroutineType")?
        .cast_into::<PyType>()?;
    // A static type of the interpreter (the reference kept here makes sure it stays).
    COROUTINE_TYPE.store(coroutine.into_ptr().cast(), Ordering::Release);
    // SAFETY: a NUL-terminated name looked up in the process's global symbols.
    let send = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"PyIter_Send".as_ptr()) };
    PY_ITER_SEND.store(send, Ordering::Relaxed);
    if py.version_info() >= (3, 12) {
        // SAFETY: the GIL is held; `PyType_GetSlot` accepts static types since 3.10; a
        // NUL-terminated name looked up in the process's global symbols.
        unsafe {
            let tp = ffi::PyExc_StopIteration.cast::<ffi::PyTypeObject>();
            let handled = libc::dlsym(libc::RTLD_DEFAULT, c"PyErr_GetHandledException".as_ptr());
            let init = ffi::PyType_GetSlot(tp, ffi::Py_tp_init);
            let new = ffi::PyType_GetSlot(tp, ffi::Py_tp_new);
            if !handled.is_null() && !init.is_null() && !new.is_null() {
                GET_HANDLED.store(handled, Ordering::Relaxed);
                STOP_INIT.store(init, Ordering::Relaxed);
                // Last: `raise_stop_iteration` uses the three once this one is set.
                STOP_NEW.store(new, Ordering::Release);
            }
        }
    }
    Ok(())
}

/// Whether `obj` is exactly a native coroutine (its own `__await__` iterator, with `send`).
pub(crate) fn is_coroutine(obj: &Bound<'_, PyAny>) -> bool {
    is_coroutine_ptr(obj.as_ptr())
}

/// `is_coroutine`, for a live object held some other way.
pub(crate) fn is_coroutine_ptr(obj: *mut ffi::PyObject) -> bool {
    let coroutine = COROUTINE_TYPE.load(Ordering::Acquire);
    // SAFETY: a live object (the caller's): its type can be read.
    !coroutine.is_null() && unsafe { ffi::Py_TYPE(obj) } == coroutine
}

/// What sending a value into an iterator (or resuming an awaitable) did.
pub(crate) enum Sent<'py> {
    Yielded(Bound<'py, PyAny>),
    Returned(Bound<'py, PyAny>),
    Raised(Raised),
}

/// The `__await__` iterator of `awaitable`, and whether it has `send`.
#[cold]
#[inline(never)]
pub(crate) fn await_iter<'py>(
    awaitable: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyAny>, bool)> {
    // A native coroutine is its own iterator: no wrapper object to make.
    if is_coroutine(awaitable) {
        return Ok((awaitable.clone(), true));
    }
    let py = awaitable.py();
    let iter = awaitable.call_method0(intern!(py, "__await__"))?;
    // `PyIter_Send` finds `send` itself.
    let has_send = py_iter_send().is_none() && iter.hasattr(intern!(py, "send"))?;
    Ok((iter, has_send))
}

/// Sends `value` into `iter` (`has_send`: it has a `send` method).
pub(crate) fn send<'py>(
    iter: &Bound<'py, PyAny>,
    has_send: bool,
    value: Borrowed<'_, 'py, PyAny>,
) -> Sent<'py> {
    let py = iter.py();
    if let Some(send) = py_iter_send() {
        let mut out: *mut ffi::PyObject = ptr::null_mut();
        // SAFETY: the GIL is held; `iter` and `value` are live; `out` is writable.
        let rc = unsafe { send(iter.as_ptr(), value.as_ptr(), &mut out) };
        if rc < 0 {
            return Sent::Raised(Raised);
        }
        // SAFETY: on PYGEN_NEXT (1) and PYGEN_RETURN (0), `out` is a new reference.
        let obj = unsafe { Bound::from_owned_ptr(py, out) };
        return if rc == 1 {
            Sent::Yielded(obj)
        } else {
            Sent::Returned(obj)
        };
    }
    // Python 3.9: the `send` method (or `__next__`), and `StopIteration`.
    outcome(py, || {
        if has_send {
            iter.call_method1(intern!(py, "send"), (value.to_owned(),))
        } else {
            iter.call_method0(intern!(py, "__next__"))
        }
    })
}

/// Throws the exception that is set into `iter` (or lets it be if `iter` has no `throw`).
#[cold]
#[inline(never)]
pub(crate) fn throw<'py>(iter: &Bound<'py, PyAny>, _: Raised) -> Sent<'py> {
    let py = iter.py();
    outcome(py, || {
        let e = PyErr::fetch(py);
        match iter.getattr_opt(intern!(py, "throw")) {
            Ok(Some(throw)) => throw.call1((e.value(py),)),
            Ok(None) => Err(e),
            Err(e2) => Err(e2),
        }
    })
}

/// Reads the outcome of a `send`, `__next__` or `throw` call that `call` makes.
#[cold]
#[inline(never)]
fn outcome<'py>(py: Python<'py>, call: impl FnOnce() -> PyResult<Bound<'py, PyAny>>) -> Sent<'py> {
    let out = raising(|_| match call() {
        Ok(yielded) => Ok(Sent::Yielded(yielded)),
        Err(e) if e.is_instance_of::<PyStopIteration>(py) => {
            Ok(Sent::Returned(e.value(py).getattr(intern!(py, "value"))?))
        }
        Err(e) => Err(e),
    });
    out.unwrap_or_else(Sent::Raised)
}

/// Closes the iterator of the awaitable being awaited, so its `finally` blocks run now.
pub(crate) fn close_iter(py: Python<'_>, iter: &Ref) {
    let iter = iter.bind(py);
    let closed = iter
        .getattr_opt(intern!(py, "close"))
        .and_then(|close| close.map_or(Ok(()), |c| c.call0().map(drop)));
    if let Err(e) = closed {
        e.write_unraisable(py, Some(&iter));
    }
}

/// Raises `StopIteration(value)`, the way an iterator returns `value`.
///
/// Up to Python 3.11 lazily (no exception object is made until someone asks for it; the
/// `await` bytecode takes the value as it is), except for a tuple or an exception, which
/// `PyErr_SetObject` would take for the arguments or the exception itself (as CPython's
/// `_PyGen_SetStopIterationValue`).
///
/// Python 3.12+ makes the exception object at once, and `await` (which calls `__next__` there,
/// not `am_send`) then takes the value out of it: every return of an awaitable pays for it.
/// `make_stop_iteration` makes it the way `PyErr_SetObject` does, minus its generic steps.
pub(crate) fn raise_stop_iteration(value: Bound<'_, PyAny>) {
    if !STOP_NEW.load(Ordering::Acquire).is_null() {
        return make_stop_iteration(value);
    }
    // SAFETY: the GIL is held (`value` is bound); a live object.
    let wrap = unsafe {
        ffi::PyTuple_Check(value.as_ptr()) != 0
            || ffi::PyExceptionInstance_Check(value.as_ptr()) != 0
    };
    if !wrap {
        // SAFETY: as above; it takes its own references.
        unsafe { ffi::PyErr_SetObject(ffi::PyExc_StopIteration, value.as_ptr()) };
        return;
    }
    // SAFETY: as above. A new reference, or NULL with an exception set.
    let stop = unsafe {
        ffi::PyObject_CallFunctionObjArgs(
            ffi::PyExc_StopIteration,
            value.as_ptr(),
            ptr::null_mut::<ffi::PyObject>(),
        )
    };
    if !stop.is_null() {
        // SAFETY: `stop` is a new reference, released after being raised (which takes its own).
        unsafe {
            ffi::PyErr_SetObject(ffi::PyExc_StopIteration, stop);
            ffi::Py_DECREF(stop);
        }
    }
}

/// Python 3.12+: raises `StopIteration(value)` (`StopIteration()` for None), made by calling
/// the type's `tp_new` and `tp_init` (as `type_call` does), with the exception being handled, if
/// any, as its `__context__` (as `PyErr_SetObject` sets it). ~7% fewer instructions per `await`
/// on 3.12 than through `PyErr_SetObject`, which looks the type's call up generically.
fn make_stop_iteration(value: Bound<'_, PyAny>) {
    type GetHandled = unsafe extern "C" fn() -> *mut ffi::PyObject;
    // What `init` found (all set once `STOP_NEW` is): StopIteration's `tp_new` and `tp_init`, and
    // `PyErr_GetHandledException`.
    // SAFETY: the GIL is held (`value` is bound); those functions, called with what they take;
    // every reference made is handed over or released.
    unsafe {
        let new: ffi::newfunc = std::mem::transmute(STOP_NEW.load(Ordering::Relaxed));
        let init: ffi::initproc = std::mem::transmute(STOP_INIT.load(Ordering::Relaxed));
        let get_handled: GetHandled = std::mem::transmute(GET_HANDLED.load(Ordering::Relaxed));
        // A coroutine returning None raises `StopIteration()`, with no arguments.
        let args = if value.is_none() {
            ffi::PyTuple_New(0)
        } else {
            ffi::PyTuple_New(1)
        };
        if args.is_null() {
            return;
        }
        if !value.is_none() {
            ffi::PyTuple_SetItem(args, 0, value.into_ptr()); // takes `value`'s reference
        }
        let tp = ffi::PyExc_StopIteration;
        let stop = new(tp.cast(), args, ptr::null_mut());
        if !stop.is_null() {
            if init(stop, args, ptr::null_mut()) == 0 {
                let handled = get_handled(); // a new reference, or NULL
                if !handled.is_null() {
                    ffi::PyException_SetContext(stop, handled); // takes it
                }
                incref(tp);
                ffi::PyErr_Restore(tp, stop, ptr::null_mut()); // takes both references
            } else {
                decref(stop);
            }
        }
        decref(args);
    }
}
