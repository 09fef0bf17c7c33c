//! The C ABI of `awaitkit` 1.0.0 (see headers/awaitkit.h for the contract).
//!
//! Every function must be called with the GIL held (an attached thread state). Functions that
//! return `int32_t` return 0, or -1 with a Python exception set; functions that return a pointer
//! return NULL with an exception set. No panic unwinds into C: one becomes a `SystemError`.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::{PyIndexError, PySystemError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::{ffi, intern, PyTypeInfo};

use crate::awaitable::{Awaitable, DeferCallback, OnResult, Step, ValueCallback};

type Obj = *mut ffi::PyObject;

/// Runs `f` with the caller's GIL; an error or a panic becomes a Python exception and `failed`.
fn guard<R>(failed: R, f: impl FnOnce(Python<'_>) -> PyResult<R>) -> R {
    // SAFETY: every entry point documents that its caller holds the GIL.
    let py = unsafe { Python::assume_attached() };
    match catch_unwind(AssertUnwindSafe(|| f(py))) {
        Ok(Ok(value)) => value,
        Ok(Err(e)) => {
            e.restore(py);
            failed
        }
        Err(_) => {
            PySystemError::new_err("awaitkit: internal error (a panic was caught)").restore(py);
            failed
        }
    }
}

/// `aw` as an `awaitkit.Awaitable`, or a `TypeError`.
fn awaitable(py: Python<'_>, aw: Obj) -> PyResult<Bound<'_, Awaitable>> {
    if aw.is_null() {
        return Err(PyTypeError::new_err(
            "awaitkit: expected an awaitkit.Awaitable, got NULL",
        ));
    }
    // SAFETY: non-NULL, and a live object by the caller's contract; a new strong reference.
    let obj = unsafe { Bound::from_borrowed_ptr(py, aw) };
    obj.cast_into::<Awaitable>().map_err(|e| {
        PyTypeError::new_err(format!(
            "awaitkit: expected an awaitkit.Awaitable, got {}",
            e.into_inner()
                .get_type()
                .name()
                .map_or("?".into(), |n| n.to_string())
        ))
    })
}

/// `obj` (borrowed, not NULL) as an object.
fn object<'py>(py: Python<'py>, obj: Obj, what: &str) -> PyResult<Bound<'py, PyAny>> {
    if obj.is_null() {
        return Err(PyTypeError::new_err(format!("awaitkit: {what} is NULL")));
    }
    // SAFETY: non-NULL, and a live object by the caller's contract.
    Ok(unsafe { Bound::from_borrowed_ptr(py, obj) })
}

/// Checks that `awaitable` can be awaited by `aw`.
fn check_awaitable(aw: &Bound<'_, Awaitable>, awaitable: &Bound<'_, PyAny>) -> PyResult<()> {
    if awaitable.is(aw) {
        return Err(PyValueError::new_err(
            "awaitkit: an awaitable cannot await itself",
        ));
    }
    if !awaitable.hasattr(intern!(aw.py(), "__await__"))? {
        return Err(PyTypeError::new_err(format!(
            "awaitkit: '{}' object is not awaitable (it has no __await__)",
            awaitable.get_type().name()?
        )));
    }
    Ok(())
}

fn index(len: usize, i: isize) -> PyResult<usize> {
    usize::try_from(i).ok().filter(|&i| i < len).ok_or_else(|| {
        PyIndexError::new_err(format!("awaitkit: no value at index {i} ({len} saved)"))
    })
}

/// `new_awaitable` (`new` is a C++ keyword): a new, empty awaitable (a new reference), or NULL.
pub extern "C" fn new_awaitable() -> Obj {
    guard(std::ptr::null_mut(), |py| {
        Ok(Bound::new(py, Awaitable::new())?.into_any().into_ptr())
    })
}

/// `add_await`: queue `await awaitable`, then `on_result(aw, value)` or `on_error(aw, exc)`.
///
/// # Safety
/// GIL held; `aw` and `awaitable` NULL or live objects.
pub unsafe extern "C" fn add_await(
    aw: Obj,
    awaitable_: Obj,
    on_result: Option<ValueCallback>,
    on_error: Option<ValueCallback>,
) -> i32 {
    guard(-1, |py| {
        let aw = awaitable(py, aw)?;
        let target = object(py, awaitable_, "the awaitable")?;
        check_awaitable(&aw, &target)?;
        aw.get().push(Step::Await {
            awaitable: target.unbind(),
            on_result: on_result.map_or(OnResult::Ignore, OnResult::Call),
            on_error,
        })?;
        Ok(0)
    })
}

/// `add_expr`: as `add_await`, but steals the reference to `expr` (on failure too); a NULL
/// `expr` returns -1 keeping the exception that the call producing it set.
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `expr` NULL or a new reference the callee now owns.
pub unsafe extern "C" fn add_expr(
    aw: Obj,
    expr: Obj,
    on_result: Option<ValueCallback>,
    on_error: Option<ValueCallback>,
) -> i32 {
    guard(-1, |py| {
        // SAFETY: `expr` is NULL or a reference the caller gave away.
        let Some(expr) = (unsafe { Bound::from_owned_ptr_or_opt(py, expr) }) else {
            return Err(PyErr::take(py).unwrap_or_else(|| {
                PySystemError::new_err("awaitkit: add_expr got NULL without an exception set")
            }));
        };
        // SAFETY: forwarded from this function's contract; `expr` lives until the call returns.
        match unsafe { add_await(aw, expr.as_ptr(), on_result, on_error) } {
            0 => Ok(0),
            _ => Err(PyErr::fetch(py)),
        }
    })
}

/// `defer`: queue a native step that awaits nothing: `f(aw)` with the result callback's codes.
///
/// # Safety
/// GIL held; `aw` NULL or a live object.
pub unsafe extern "C" fn defer(aw: Obj, f: Option<DeferCallback>) -> i32 {
    guard(-1, |py| {
        let aw = awaitable(py, aw)?;
        let f = f.ok_or_else(|| PyTypeError::new_err("awaitkit: defer got a NULL callback"))?;
        aw.get().push(Step::Defer(f))?;
        Ok(0)
    })
}

/// `async_with`: queue `async with ctx as value: body(aw, value)`.
///
/// # Safety
/// GIL held; `aw` and `ctx` NULL or live objects.
pub unsafe extern "C" fn async_with(
    aw: Obj,
    ctx: Obj,
    body: Option<ValueCallback>,
    on_error: Option<ValueCallback>,
) -> i32 {
    guard(-1, |py| {
        let aw = awaitable(py, aw)?;
        let ctx = object(py, ctx, "the context manager")?;
        let kind = ctx.get_type();
        let (enter, exit) = match (
            kind.getattr_opt(intern!(py, "__aenter__"))?,
            kind.getattr_opt(intern!(py, "__aexit__"))?,
        ) {
            (Some(_), Some(_)) => (
                ctx.call_method0(intern!(py, "__aenter__"))?,
                ctx.getattr(intern!(py, "__aexit__"))?,
            ),
            _ => {
                return Err(PyTypeError::new_err(format!(
                "awaitkit: '{}' object does not support the asynchronous context manager protocol",
                kind.name()?
            )))
            }
        };
        check_awaitable(&aw, &enter)?;
        aw.get().push(Step::Await {
            awaitable: enter.unbind(),
            on_result: OnResult::Enter {
                exit: exit.unbind(),
                body,
            },
            on_error,
        })?;
        Ok(0)
    })
}

/// `set_result`: what `await aw` returns; takes its own reference and releases the old one.
///
/// # Safety
/// GIL held; `aw` and `result` NULL or live objects.
pub unsafe extern "C" fn set_result(aw: Obj, result: Obj) -> i32 {
    guard(-1, |py| {
        let aw = awaitable(py, aw)?;
        let result = object(py, result, "the result")?.unbind();
        let old = aw.get().st().result.replace(result);
        drop(old);
        Ok(0)
    })
}

/// `cancel`: drops every pending step (closing pending coroutines); `await aw` then returns
/// the result set so far (None if none), and a never-awaited `aw` gives no ResourceWarning.
///
/// # Safety
/// GIL held; `aw` NULL or a live object.
pub unsafe extern "C" fn cancel(aw: Obj) -> i32 {
    guard(-1, |py| {
        awaitable(py, aw)?.get().cancel(py);
        Ok(0)
    })
}

/// `save_values`: appends `n` objects (new references taken) to `aw`'s values.
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `values` NULL or `n` readable live objects.
pub unsafe extern "C" fn save_values(aw: Obj, values: *const Obj, n: usize) -> i32 {
    guard(-1, |py| {
        let aw = awaitable(py, aw)?;
        if values.is_null() && n > 0 {
            return Err(PyTypeError::new_err(
                "awaitkit: save_values got NULL values",
            ));
        }
        let slice: &[Obj] = if n == 0 {
            &[]
        } else {
            // SAFETY: `n` readable pointers at `values` by the caller's contract.
            unsafe { std::slice::from_raw_parts(values, n) }
        };
        let objects = slice
            .iter()
            .map(|&v| object(py, v, "a value").map(Bound::unbind))
            .collect::<PyResult<Vec<_>>>()?;
        aw.get().st().values.extend(objects);
        Ok(0)
    })
}

/// `unpack_values`: writes the first `n` saved values (borrowed references, valid until that
/// value is replaced or `aw` is destroyed) to `out`.
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `out` NULL or `n` writable pointers.
pub unsafe extern "C" fn unpack_values(aw: Obj, out: *mut Obj, n: usize) -> i32 {
    guard(-1, |py| {
        let aw = awaitable(py, aw)?;
        let st = aw.get().st();
        if n > st.values.len() || (out.is_null() && n > 0) {
            return Err(PyIndexError::new_err(format!(
                "awaitkit: cannot unpack {n} values: {} saved",
                st.values.len()
            )));
        }
        for (i, v) in st.values.iter().take(n).enumerate() {
            // SAFETY: `i < n` writable slots by the caller's contract.
            unsafe { *out.add(i) = v.as_ptr() };
        }
        Ok(0)
    })
}

/// `get_value`: the saved value at `index` (a borrowed reference), or NULL with IndexError.
///
/// # Safety
/// GIL held; `aw` NULL or a live object.
pub unsafe extern "C" fn get_value(aw: Obj, index_: isize) -> Obj {
    guard(std::ptr::null_mut(), |py| {
        let aw = awaitable(py, aw)?;
        let st = aw.get().st();
        Ok(st.values[index(st.values.len(), index_)?].as_ptr())
    })
}

/// `set_value`: replaces the saved value at `index`: takes a new reference, releases the old.
///
/// # Safety
/// GIL held; `aw` and `value` NULL or live objects.
pub unsafe extern "C" fn set_value(aw: Obj, index_: isize, value: Obj) -> i32 {
    guard(-1, |py| {
        let aw = awaitable(py, aw)?;
        let value = object(py, value, "the value")?.unbind();
        let old = {
            let mut st = aw.get().st();
            let i = index(st.values.len(), index_)?;
            std::mem::replace(&mut st.values[i], value)
        };
        drop(old);
        Ok(0)
    })
}

/// `save_arbitrary`: appends `n` `void *` values (not owned: the caller keeps them alive).
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `values` NULL or `n` readable pointers.
pub unsafe extern "C" fn save_arbitrary(aw: Obj, values: *const *mut c_void, n: usize) -> i32 {
    guard(-1, |py| {
        let aw = awaitable(py, aw)?;
        if values.is_null() && n > 0 {
            return Err(PyTypeError::new_err(
                "awaitkit: save_arbitrary got NULL values",
            ));
        }
        if n > 0 {
            // SAFETY: `n` readable pointers at `values` by the caller's contract.
            let slice = unsafe { std::slice::from_raw_parts(values, n) };
            aw.get()
                .st()
                .arbitrary
                .extend(slice.iter().map(|&p| p as usize));
        }
        Ok(0)
    })
}

/// `unpack_arbitrary`: writes the first `n` saved `void *` values to `out`.
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `out` NULL or `n` writable pointers.
pub unsafe extern "C" fn unpack_arbitrary(aw: Obj, out: *mut *mut c_void, n: usize) -> i32 {
    guard(-1, |py| {
        let aw = awaitable(py, aw)?;
        let st = aw.get().st();
        if n > st.arbitrary.len() || (out.is_null() && n > 0) {
            return Err(PyIndexError::new_err(format!(
                "awaitkit: cannot unpack {n} arbitrary values: {} saved",
                st.arbitrary.len()
            )));
        }
        for (i, &p) in st.arbitrary.iter().take(n).enumerate() {
            // SAFETY: `i < n` writable slots by the caller's contract.
            unsafe { *out.add(i) = p as *mut c_void };
        }
        Ok(0)
    })
}

/// `get_arbitrary`: writes the saved `void *` at `index` to `*out`.
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `out` NULL or writable.
pub unsafe extern "C" fn get_arbitrary(aw: Obj, index_: isize, out: *mut *mut c_void) -> i32 {
    guard(-1, |py| {
        let aw = awaitable(py, aw)?;
        if out.is_null() {
            return Err(PyTypeError::new_err("awaitkit: get_arbitrary got NULL out"));
        }
        let st = aw.get().st();
        let p = st.arbitrary[index(st.arbitrary.len(), index_)?];
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { *out = p as *mut c_void };
        Ok(0)
    })
}

/// `set_arbitrary`: replaces the saved `void *` at `index`.
///
/// # Safety
/// GIL held; `aw` NULL or a live object.
pub unsafe extern "C" fn set_arbitrary(aw: Obj, index_: isize, value: *mut c_void) -> i32 {
    guard(-1, |py| {
        let aw = awaitable(py, aw)?;
        let mut st = aw.get().st();
        let i = index(st.arbitrary.len(), index_)?;
        st.arbitrary[i] = value as usize;
        Ok(0)
    })
}

/// `type_object`: the `awaitkit.Awaitable` type (a borrowed reference, alive for the process).
pub extern "C" fn type_object() -> *mut ffi::PyTypeObject {
    guard(std::ptr::null_mut(), |py| {
        Ok(Awaitable::type_object_raw(py))
    })
}
