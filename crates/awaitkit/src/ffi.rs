//! The C ABI of `awaitkit` 1.0.0 (see headers/awaitkit.h for the contract).
//!
//! Every function must be called with the GIL held (an attached thread state). Functions that
//! return `int32_t` return 0, or -1 with a Python exception set; functions that return a pointer
//! return NULL with an exception set. No panic unwinds into C: one becomes a `SystemError`.

use std::ffi::c_void;
use std::ptr;

use pyo3::exceptions::{PyIndexError, PyRuntimeError, PySystemError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::{ffi, intern};

use crate::boundary::{attached, direct};
use crate::object::{new_object, not_an_awaitable, type_ptr, Awaitable};
use crate::send::is_coroutine;
use crate::state::{DeferCallback, OnResult, Ref, Step, ValueCallback};

type Obj = *mut ffi::PyObject;

/// `aw` as an `awaitkit.Awaitable`, or a `TypeError`.
fn awaitable<'py>(py: Python<'py>, aw: Obj) -> PyResult<Awaitable<'py>> {
    // SAFETY: NULL or a live object by the caller's contract, alive for the call.
    unsafe { Awaitable::from_ptr(aw) }.ok_or_else(|| {
        // SAFETY: as above.
        not_an_awaitable(unsafe { Bound::from_borrowed_ptr_or_opt(py, aw) }.as_ref())
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
fn check_awaitable(aw: Awaitable<'_>, awaitable: &Bound<'_, PyAny>) -> PyResult<()> {
    if awaitable.as_ptr() == aw.as_ptr() {
        return Err(PyValueError::new_err(
            "awaitkit: an awaitable cannot await itself",
        ));
    }
    if !is_coroutine(awaitable) && !awaitable.hasattr(intern!(awaitable.py(), "__await__"))? {
        return Err(PyTypeError::new_err(format!(
            "awaitkit: '{}' object is not awaitable (it has no __await__)",
            awaitable.get_type().name()?
        )));
    }
    Ok(())
}

/// Queues `step` on `aw`, unless `aw` has finished.
fn push(aw: Awaitable<'_>, step: Step) -> PyResult<()> {
    let refused = {
        let mut st = aw.st();
        if st.done {
            Some(step)
        } else {
            st.push(step);
            None
        }
    };
    match refused {
        None => Ok(()),
        Some(step) => {
            drop(step); // released after the borrow
            Err(PyRuntimeError::new_err(
                "awaitkit: cannot add a step to an awaitable that has finished",
            ))
        }
    }
}

fn index(len: usize, i: isize) -> PyResult<usize> {
    usize::try_from(i).ok().filter(|&i| i < len).ok_or_else(|| {
        PyIndexError::new_err(format!("awaitkit: no value at index {i} ({len} saved)"))
    })
}

/// `new_awaitable` (`new` is a C++ keyword): a new, empty awaitable (a new reference), or NULL.
pub extern "C" fn new_awaitable() -> Obj {
    direct(ptr::null_mut(), new_object)
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
    direct(-1, |py| {
        // The usual case, a native coroutine, without looking anything up.
        // SAFETY: NULL or live objects by the caller's contract.
        let fast = unsafe {
            (
                Awaitable::from_ptr(aw),
                Bound::from_borrowed_ptr_or_opt(py, awaitable_),
            )
        };
        if let (Some(aw), Some(target)) = fast {
            if is_coroutine(&target) {
                if let Some(mut st) = aw.try_st().filter(|st| !st.done) {
                    st.push(Step::Await {
                        awaitable: Ref::new(target),
                        on_result: on_result.map_or(OnResult::Ignore, OnResult::Call),
                        on_error,
                    });
                    return 0;
                }
            }
        }
        attached(-1, |py| {
            let aw = awaitable(py, aw)?;
            let target = object(py, awaitable_, "the awaitable")?;
            check_awaitable(aw, &target)?;
            push(
                aw,
                Step::Await {
                    awaitable: Ref::new(target),
                    on_result: on_result.map_or(OnResult::Ignore, OnResult::Call),
                    on_error,
                },
            )?;
            Ok(0)
        })
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
    direct(-1, |py| {
        // SAFETY: `expr` is NULL or a reference the caller gave away.
        let Some(expr) = (unsafe { Bound::from_owned_ptr_or_opt(py, expr) }) else {
            // SAFETY: the GIL is held.
            if unsafe { ffi::PyErr_Occurred() }.is_null() {
                return attached(-1, |_| {
                    Err(PySystemError::new_err(
                        "awaitkit: add_expr got NULL without an exception set",
                    ))
                });
            }
            return -1;
        };
        // SAFETY: forwarded from this function's contract; `expr` lives until the call returns.
        unsafe { add_await(aw, expr.as_ptr(), on_result, on_error) }
    })
}

/// `defer`: queue a native step that awaits nothing: `f(aw)` with the result callback's codes.
///
/// # Safety
/// GIL held; `aw` NULL or a live object.
pub unsafe extern "C" fn defer(aw: Obj, f: Option<DeferCallback>) -> i32 {
    attached(-1, |py| {
        let aw = awaitable(py, aw)?;
        let f = f.ok_or_else(|| PyTypeError::new_err("awaitkit: defer got a NULL callback"))?;
        push(aw, Step::Defer(f))?;
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
    attached(-1, |py| {
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
        check_awaitable(aw, &enter)?;
        push(
            aw,
            Step::Await {
                awaitable: Ref::new(enter),
                on_result: OnResult::Enter {
                    exit: Ref::new(exit),
                    body,
                },
                on_error,
            },
        )?;
        Ok(0)
    })
}

/// `set_result`: what `await aw` returns; takes its own reference and releases the old one.
///
/// # Safety
/// GIL held; `aw` and `result` NULL or live objects.
pub unsafe extern "C" fn set_result(aw: Obj, result: Obj) -> i32 {
    direct(-1, |py| {
        // SAFETY: NULL or live objects by the caller's contract.
        let checked = unsafe {
            (
                Awaitable::from_ptr(aw),
                Bound::from_borrowed_ptr_or_opt(py, result),
            )
        };
        let (Some(aw_), Some(result)) = checked else {
            return attached(-1, |py| {
                awaitable(py, aw)?;
                Err(PyTypeError::new_err("awaitkit: the result is NULL"))
            });
        };
        let old = aw_.st().result.replace(Ref::new(result));
        drop(old); // after the borrow: releasing it may run any code
        0
    })
}

/// `cancel`: drops every pending step (closing pending coroutines); `await aw` then returns
/// the result set so far (None if none), and a never-awaited `aw` gives no ResourceWarning.
///
/// # Safety
/// GIL held; `aw` NULL or a live object.
pub unsafe extern "C" fn cancel(aw: Obj) -> i32 {
    attached(-1, |py| {
        awaitable(py, aw)?.cancel(py);
        Ok(0)
    })
}

/// `save_values`: appends `n` objects (new references taken) to `aw`'s values.
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `values` NULL or `n` readable live objects.
pub unsafe extern "C" fn save_values(aw: Obj, values: *const Obj, n: usize) -> i32 {
    attached(-1, |py| {
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
            .map(|&v| object(py, v, "a value").map(Ref::new))
            .collect::<PyResult<Vec<_>>>()?;
        aw.st().values.extend(objects);
        Ok(0)
    })
}

/// `unpack_values`: writes the first `n` saved values (borrowed references, valid until that
/// value is replaced or `aw` is destroyed) to `out`.
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `out` NULL or `n` writable pointers.
pub unsafe extern "C" fn unpack_values(aw: Obj, out: *mut Obj, n: usize) -> i32 {
    attached(-1, |py| {
        let aw = awaitable(py, aw)?;
        let st = aw.st();
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
    attached(ptr::null_mut(), |py| {
        let aw = awaitable(py, aw)?;
        let st = aw.st();
        Ok(st.values[index(st.values.len(), index_)?].as_ptr())
    })
}

/// `set_value`: replaces the saved value at `index`: takes a new reference, releases the old.
///
/// # Safety
/// GIL held; `aw` and `value` NULL or live objects.
pub unsafe extern "C" fn set_value(aw: Obj, index_: isize, value: Obj) -> i32 {
    attached(-1, |py| {
        let aw = awaitable(py, aw)?;
        let value = Ref::new(object(py, value, "the value")?);
        let old = {
            let mut st = aw.st();
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
    attached(-1, |py| {
        let aw = awaitable(py, aw)?;
        if values.is_null() && n > 0 {
            return Err(PyTypeError::new_err(
                "awaitkit: save_arbitrary got NULL values",
            ));
        }
        if n > 0 {
            // SAFETY: `n` readable pointers at `values` by the caller's contract.
            let slice = unsafe { std::slice::from_raw_parts(values, n) };
            aw.st().arbitrary.extend(slice.iter().map(|&p| p as usize));
        }
        Ok(0)
    })
}

/// `unpack_arbitrary`: writes the first `n` saved `void *` values to `out`.
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `out` NULL or `n` writable pointers.
pub unsafe extern "C" fn unpack_arbitrary(aw: Obj, out: *mut *mut c_void, n: usize) -> i32 {
    attached(-1, |py| {
        let aw = awaitable(py, aw)?;
        let st = aw.st();
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
    attached(-1, |py| {
        let aw = awaitable(py, aw)?;
        if out.is_null() {
            return Err(PyTypeError::new_err("awaitkit: get_arbitrary got NULL out"));
        }
        let st = aw.st();
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
    attached(-1, |py| {
        let aw = awaitable(py, aw)?;
        let mut st = aw.st();
        let i = index(st.arbitrary.len(), index_)?;
        st.arbitrary[i] = value as usize;
        Ok(0)
    })
}

/// `type_object`: the `awaitkit.Awaitable` type (a borrowed reference, alive for the process).
pub extern "C" fn type_object() -> *mut ffi::PyTypeObject {
    type_ptr()
}
