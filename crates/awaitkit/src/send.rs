//! Sending into the iterator of the awaitable being awaited.
//!
//! On Python 3.10+ this is `PyIter_Send` (stable ABI since 3.10): a coroutine's return value
//! comes back without a `StopIteration` being created. It is found at run time, so one
//! abi3-py39 build serves 3.9 too, where `send`/`__next__` and `StopIteration` are used.

use std::ffi::{c_int, c_void};
use std::sync::OnceLock;

use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::{ffi, intern};

type PyIterSend =
    unsafe extern "C" fn(*mut ffi::PyObject, *mut ffi::PyObject, *mut *mut ffi::PyObject) -> c_int;

fn py_iter_send() -> Option<PyIterSend> {
    static FOUND: OnceLock<Option<PyIterSend>> = OnceLock::new();
    *FOUND.get_or_init(|| {
        // SAFETY: a NUL-terminated name looked up in the process's global symbols.
        let p: *mut c_void = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"PyIter_Send".as_ptr()) };
        // SAFETY: when present, it is CPython's `PySendResult PyIter_Send(PyObject *, PyObject *,
        // PyObject **)`; `PySendResult` is a C enum, an `int`.
        (!p.is_null()).then(|| unsafe { std::mem::transmute::<*mut c_void, PyIterSend>(p) })
    })
}

/// What sending a value into an iterator did.
pub(crate) enum Sent<'py> {
    Yielded(Bound<'py, PyAny>),
    Returned(Bound<'py, PyAny>),
    Raised(PyErr),
}

/// Sends `value` into `iter` (`has_send`: it has a `send` method).
pub(crate) fn send<'py>(iter: &Bound<'py, PyAny>, has_send: bool, value: Py<PyAny>) -> Sent<'py> {
    let py = iter.py();
    if let Some(send) = py_iter_send() {
        let mut out: *mut ffi::PyObject = std::ptr::null_mut();
        // SAFETY: the GIL is held; `iter` and `value` are live; `out` is writable.
        let rc = unsafe { send(iter.as_ptr(), value.as_ptr(), &mut out) };
        if rc < 0 {
            return Sent::Raised(PyErr::fetch(py));
        }
        // SAFETY: on PYGEN_NEXT (1) and PYGEN_RETURN (0), `out` is a new reference.
        let obj = unsafe { Bound::from_owned_ptr(py, out) };
        return if rc == 1 {
            Sent::Yielded(obj)
        } else {
            Sent::Returned(obj)
        };
    }
    let out = if has_send {
        iter.call_method1(intern!(py, "send"), (value,))
    } else {
        iter.call_method0(intern!(py, "__next__"))
    };
    outcome(py, out)
}

/// Reads the outcome of a `send`, `__next__` or `throw` call.
pub(crate) fn outcome<'py>(py: Python<'py>, out: PyResult<Bound<'py, PyAny>>) -> Sent<'py> {
    match out {
        Ok(yielded) => Sent::Yielded(yielded),
        Err(e) if e.is_instance_of::<PyStopIteration>(py) => {
            match e.value(py).getattr(intern!(py, "value")) {
                Ok(v) => Sent::Returned(v),
                Err(e) => Sent::Raised(e),
            }
        }
        Err(e) => Sent::Raised(e),
    }
}
