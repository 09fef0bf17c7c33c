//! The coroutine protocol of `awaitkit.Awaitable`: `__await__` (itself), `am_send` (3.10+),
//! `__next__`, and the methods `send`, `throw` (1- and 3-argument forms) and `close`. What
//! resuming does is in drive.rs.

use std::ffi::{c_int, CStr};
use std::ptr;

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};
use pyo3::{ffi, intern, Borrowed};

use capreg::guard;

use crate::boundary::{attached, direct, Raised};
use crate::drive::Mode;
use crate::object::Awaitable;
use crate::refs::{incref, none};
use crate::send::{raise_stop_iteration, Sent};

// `PySendResult` (an `int`; not in pyo3-ffi's abi3-py39 declarations).
const PYGEN_RETURN: c_int = 0;
const PYGEN_ERROR: c_int = -1;
const PYGEN_NEXT: c_int = 1;

/// The end of a resumption for callers that return a value or raise: `StopIteration` carries
/// the result.
fn finish(sent: Sent<'_>) -> *mut ffi::PyObject {
    match sent {
        Sent::Yielded(v) => v.into_ptr(),
        Sent::Returned(v) => {
            raise_stop_iteration(v);
            ptr::null_mut()
        }
        Sent::Raised(Raised) => ptr::null_mut(),
    }
}

/// `__await__`: the awaitable itself, the first time only.
#[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
pub(crate) unsafe extern "C" fn am_await(obj: *mut ffi::PyObject) -> *mut ffi::PyObject {
    direct(ptr::null_mut(), |_py| {
        // SAFETY: Python calls a slot with a live object of the type.
        let first = unsafe { Awaitable::from_instance(obj) }
            .try_st()
            .map(|mut st| !std::mem::replace(&mut st.awaited, true));
        if first != Some(true) {
            return attached(ptr::null_mut(), |_| {
                Err(PyRuntimeError::new_err(
                    "an awaitkit.Awaitable can be awaited only once",
                ))
            });
        }
        // SAFETY: a live object; the new reference is returned.
        unsafe { incref(obj) };
        obj
    })
}

/// `am_send` (3.10+): how `await` and asyncio's tasks resume it. A return needs no
/// `StopIteration`.
#[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
pub(crate) unsafe extern "C" fn am_send(
    obj: *mut ffi::PyObject,
    arg: *mut ffi::PyObject,
    out: *mut *mut ffi::PyObject,
) -> c_int {
    direct(PYGEN_ERROR, |py| {
        // SAFETY: Python passes a live object of the type, a live (or, defensively, NULL) value
        // and a writable result pointer.
        let (aw, arg) = unsafe {
            *out = ptr::null_mut();
            (
                Awaitable::from_instance(obj),
                Borrowed::from_ptr_or_opt(py, arg),
            )
        };
        let (rc, value) = match aw.resume(py, Mode::Send(arg.unwrap_or_else(|| none(py)))) {
            Sent::Yielded(v) => (PYGEN_NEXT, v),
            Sent::Returned(v) => (PYGEN_RETURN, v),
            Sent::Raised(Raised) => return PYGEN_ERROR,
        };
        // SAFETY: writable (above); the new reference goes to the caller.
        unsafe { *out = value.into_ptr() };
        rc
    })
}

/// `__next__`: `send(None)`, for Python 3.9's `await` and for 3.12+'s, which call it.
///
/// A result of None is returned as the end of an iterator may be: NULL with no exception set
/// (`await` and `next()` read that as `StopIteration()`, what a coroutine returning None
/// raises), which saves making the exception object 3.12+ would make at once.
#[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
pub(crate) unsafe extern "C" fn iternext(obj: *mut ffi::PyObject) -> *mut ffi::PyObject {
    direct(ptr::null_mut(), |py| {
        // SAFETY: Python calls a slot with a live object of the type.
        let aw = unsafe { Awaitable::from_instance(obj) };
        match aw.resume_outlined(py, Mode::Send(none(py))) {
            Sent::Returned(v) if v.is_none() => ptr::null_mut(),
            sent => finish(sent),
        }
    })
}

#[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
unsafe extern "C" fn send(
    obj: *mut ffi::PyObject,
    value: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    direct(ptr::null_mut(), |py| {
        // SAFETY: Python calls a METH_O method with a live object of the type and a live value.
        let (aw, value) = unsafe { (Awaitable::from_instance(obj), Borrowed::from_ptr(py, value)) };
        finish(aw.resume_outlined(py, Mode::Send(value)))
    })
}

unsafe extern "C" fn throw(
    obj: *mut ffi::PyObject,
    args: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let body = |py: Python<'_>| {
        // SAFETY: Python calls a METH_VARARGS method with a live object of the type and a tuple.
        let (aw, args) = unsafe {
            (
                Awaitable::from_instance(obj),
                Bound::from_borrowed_ptr(py, args),
            )
        };
        let args = args.cast_into::<PyTuple>()?;
        let n = args.len();
        if !(1..=3).contains(&n) {
            return Err(PyTypeError::new_err(format!(
                "throw expected 1 to 3 arguments, got {n}"
            )));
        }
        let arg = |i: usize| (i < n).then(|| args.get_item(i)).transpose();
        let e = normalize(&args.get_item(0)?, arg(1)?.as_ref(), arg(2)?.as_ref())?;
        e.restore(py);
        Ok(finish(aw.resume_outlined(py, Mode::Throw(Raised))))
    };
    // SAFETY: Python calls a method with the GIL held.
    unsafe { guard::python("awaitkit.Awaitable.throw", body) }
}

unsafe extern "C" fn close(obj: *mut ffi::PyObject, _: *mut ffi::PyObject) -> *mut ffi::PyObject {
    let body = |py: Python<'_>| {
        // SAFETY: Python calls a METH_NOARGS method with a live object of the type.
        unsafe { Awaitable::from_instance(obj) }.close(py)?;
        Ok(none(py).to_owned().into_ptr())
    };
    // SAFETY: Python calls a method with the GIL held.
    unsafe { guard::python("awaitkit.Awaitable.close", body) }
}

/// `throw`'s arguments as one exception, as `coroutine.throw` reads them.
fn normalize(
    typ: &Bound<'_, PyAny>,
    val: Option<&Bound<'_, PyAny>>,
    tb: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyErr> {
    let py = typ.py();
    let val = val.filter(|v| !v.is_none());
    let tb = tb.filter(|t| !t.is_none());
    let base = py.get_type::<pyo3::exceptions::PyBaseException>();
    let exc = if typ.is_instance(&base)? {
        if val.is_some() {
            return Err(PyTypeError::new_err(
                "instance exception may not have a separate value",
            ));
        }
        typ.clone()
    } else if typ.is_instance_of::<PyType>() && typ.cast::<PyType>()?.is_subclass(&base)? {
        match val {
            Some(v) if v.is_instance(typ)? => v.clone(),
            Some(v) => match v.cast::<PyTuple>() {
                Ok(args) => typ.call1(args)?,
                Err(_) => typ.call1((v,))?,
            },
            None => typ.call0()?,
        }
    } else {
        return Err(PyTypeError::new_err(format!(
            "exceptions must be classes or instances deriving from BaseException, not {}",
            typ.get_type().name()?
        )));
    };
    if let Some(tb) = tb {
        exc.call_method1(intern!(py, "with_traceback"), (tb,))?;
    }
    Ok(PyErr::from_value(exc))
}

fn method(
    name: &'static CStr,
    meth: ffi::PyCFunction,
    flags: c_int,
    doc: &'static CStr,
) -> ffi::PyMethodDef {
    ffi::PyMethodDef {
        ml_name: name.as_ptr(),
        ml_meth: ffi::PyMethodDefPointer { PyCFunction: meth },
        ml_flags: flags,
        ml_doc: doc.as_ptr(),
    }
}

/// The methods (for `tp_methods`; the type keeps pointing to them).
pub(crate) fn methods() -> Box<[ffi::PyMethodDef; 4]> {
    Box::new([
        method(
            c"send",
            send,
            ffi::METH_O,
            c"send($self, value, /)\n--\n\nSends value into the awaitable being awaited: returns what it yields next, or raises StopIteration(result) when this awaitable is done.",
        ),
        method(
            c"throw",
            throw,
            ffi::METH_VARARGS,
            c"throw($self, typ, val=None, tb=None, /)\n--\n\nRaises an exception in the awaitable being awaited (the step's error callback sees it if that one lets it out).",
        ),
        method(
            c"close",
            close,
            ffi::METH_NOARGS,
            c"close($self, /)\n--\n\nCloses the awaitable being awaited (its finally blocks run) and every pending one.",
        ),
        ffi::PyMethodDef::zeroed(),
    ])
}
