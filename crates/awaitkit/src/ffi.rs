//! The C ABI of `awaitkit` 1.0.0 (see headers/awaitkit.h for the contract).
//!
//! Every function must be called with the GIL held (an attached thread state). Functions that
//! return `int32_t` return 0, or -1 with a Python exception set; functions that return a pointer
//! return NULL with an exception set. No panic unwinds into C: one becomes a `SystemError`.
//!
//! Callbacks call these all the time, so all but the three that call Python code (`async_with`,
//! `cancel`, and `add_await` on something else than a native coroutine) run `boundary::direct`;
//! what a caller gets wrong is a `Misuse`, raised in one place.

use std::ffi::c_void;
use std::ptr;

use pyo3::prelude::*;
use pyo3::{ffi, intern, Borrowed};

use capreg::guard;

use crate::boundary::{direct, raising, unusual};
use crate::misuse::{index, Misuse};
use crate::object::{type_ptr, Awaitable};
use crate::refs::Ref;
use crate::send::{is_coroutine, is_coroutine_ptr};
use crate::state::{DeferCallback, OnResult, Step, ValueCallback};
use crate::typeobject::new_object;

type Obj = *mut ffi::PyObject;

/// Runs an entry point's body through `direct`: its value, or `failed` with its misuse raised.
// Specialised guard: `direct` (no attach on calls that callbacks make all the time) with misuses.
fn entry<R: Copy>(failed: R, body: impl FnOnce(Python<'_>) -> Result<R, Misuse>) -> R {
    direct(failed, |py| match body(py) {
        Ok(value) => value,
        Err(misuse) => {
            let _raised = misuse.raise();
            failed
        }
    })
}

/// `aw` as an `awaitkit.Awaitable`.
fn awaitable<'a>(aw: Obj) -> Result<Awaitable<'a>, Misuse> {
    // SAFETY: NULL or a live object by the caller's contract, alive for the call.
    unsafe { Awaitable::from_ptr(aw) }.ok_or_else(|| unusual(Misuse::NotAnAwaitable(aw)))
}

/// `obj` (borrowed, not NULL) as an object; `null` says what it is when it is NULL.
fn object<'a, 'py>(
    py: Python<'py>,
    obj: Obj,
    null: &'static str,
) -> Result<Borrowed<'a, 'py, PyAny>, Misuse> {
    // SAFETY: NULL or a live object by the caller's contract, alive for the call.
    unsafe { Borrowed::from_ptr_or_opt(py, obj) }.ok_or_else(|| unusual(Misuse::BadArgument(null)))
}

/// Checks that `aw` can await `target`: not itself, and something with `__await__`.
fn check_target(aw: Awaitable<'_>, target: &Bound<'_, PyAny>) -> Result<(), Misuse> {
    if target.as_ptr() == aw.as_ptr() {
        return Err(unusual(Misuse::AwaitsItself));
    }
    // A native coroutine (the usual case) needs no look-up.
    if !is_coroutine(target)
        && !raising(|py| target.hasattr(intern!(py, "__await__"))).map_err(|_| Misuse::Raised)?
    {
        return Err(unusual(Misuse::NotAwaitable(target.as_ptr())));
    }
    Ok(())
}

/// Queues `step` on `aw`, unless `aw` has finished.
#[inline(always)]
fn push(aw: Awaitable<'_>, step: Step) -> Result<(), Misuse> {
    let mut st = aw.st();
    if st.done {
        drop(st);
        return refuse_step(step);
    }
    st.push(step);
    Ok(())
}

/// `push` on an awaitable that has finished.
#[cold]
#[inline(never)]
fn refuse_step(step: Step) -> Result<(), Misuse> {
    drop(step); // released after the borrow
    Err(Misuse::Finished)
}

/// `new_awaitable` (`new` is a C++ keyword): a new, empty awaitable (a new reference), or NULL.
#[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
pub extern "C" fn new_awaitable() -> Obj {
    direct(ptr::null_mut(), new_object)
}

/// `add_await`: queue `await awaitable`, then `on_result(aw, value)` or `on_error(aw, exc)`.
///
/// # Safety
/// GIL held; `aw` and `awaitable` NULL or live objects.
// Cannot panic: type checks, `try_borrow_mut` and a push (a VecDeque's only panic, a capacity
// overflow, needs more steps than memory holds); all else is add_await_general, under `entry`.
#[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
pub unsafe extern "C" fn add_await(
    aw: Obj,
    awaitable_: Obj,
    on_result: Option<ValueCallback>,
    on_error: Option<ValueCallback>,
) -> i32 {
    // The usual case, compact and with nothing that can panic (so no `entry` needed): a native
    // coroutine added to an awaitable that has not finished (`State::push` keeps the first step
    // of an awaitable, outside its callbacks, inline). The same checks and the same result as
    // `add_await_general`, which does everything else.
    // SAFETY: NULL or a live object by the caller's contract, alive for the call.
    if let Some(target) = unsafe { Awaitable::from_ptr(aw) } {
        if !awaitable_.is_null() && awaitable_ != aw && is_coroutine_ptr(awaitable_) {
            if let Some(mut st) = target.try_st() {
                if !st.done {
                    st.push(Step::Await {
                        // SAFETY: the GIL is held; a live object (borrowed for the call).
                        awaitable: unsafe { Ref::from_borrowed(awaitable_) },
                        on_result: on_result.map_or(OnResult::Ignore, OnResult::Call),
                        on_error,
                    });
                    return 0;
                }
            }
        }
    }
    // SAFETY: this function's contract.
    unsafe { add_await_general(aw, awaitable_, on_result, on_error) }
}

/// `add_await`, every case.
///
/// # Safety
/// As `add_await`.
#[cold]
#[inline(never)]
unsafe fn add_await_general(
    aw: Obj,
    awaitable_: Obj,
    on_result: Option<ValueCallback>,
    on_error: Option<ValueCallback>,
) -> i32 {
    entry(-1, |py| {
        let aw = awaitable(aw)?;
        let target = object(py, awaitable_, "awaitkit: the awaitable is NULL")?;
        check_target(aw, &target)?;
        push(
            aw,
            Step::Await {
                // SAFETY: the GIL is held; a live object (borrowed for the call).
                awaitable: unsafe { Ref::from_borrowed(target.as_ptr()) },
                on_result: on_result.map_or(OnResult::Ignore, OnResult::Call),
                on_error,
            },
        )?;
        Ok(0)
    })
}

/// `add_expr`: as `add_await`, but steals the reference to `expr` (on failure too); a NULL
/// `expr` returns -1 keeping the exception that the call producing it set.
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `expr` NULL or a new reference the callee now owns.
#[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
pub unsafe extern "C" fn add_expr(
    aw: Obj,
    expr: Obj,
    on_result: Option<ValueCallback>,
    on_error: Option<ValueCallback>,
) -> i32 {
    entry(-1, |py| {
        // SAFETY: `expr` is NULL or a reference the caller gave away.
        let Some(expr) = (unsafe { Bound::from_owned_ptr_or_opt(py, expr) }) else {
            // SAFETY: the GIL is held.
            return Err(if unsafe { ffi::PyErr_Occurred() }.is_null() {
                Misuse::Broken("awaitkit: add_expr got NULL without an exception set")
            } else {
                Misuse::Raised
            });
        };
        // SAFETY: forwarded from this function's contract; `expr` lives until the call returns.
        match unsafe { add_await(aw, expr.as_ptr(), on_result, on_error) } {
            0 => Ok(0),
            _ => Err(Misuse::Raised),
        }
    })
}

/// `defer`: queue a native step that awaits nothing: `f(aw)` with the result callback's codes.
///
/// # Safety
/// GIL held; `aw` NULL or a live object.
#[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
pub unsafe extern "C" fn defer(aw: Obj, f: Option<DeferCallback>) -> i32 {
    entry(-1, |_| {
        let aw = awaitable(aw)?;
        let f = f.ok_or(Misuse::BadArgument("awaitkit: defer got a NULL callback"))?;
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
    let run = |py: Python<'_>| {
        let aw = awaitable(aw).map_err(|m| m.into_err(py))?;
        let ctx =
            object(py, ctx, "awaitkit: the context manager is NULL").map_err(|m| m.into_err(py))?;
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
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "awaitkit: '{}' object does not support the asynchronous context manager protocol",
                kind.name()?
            )))
            }
        };
        check_target(aw, &enter).map_err(|m| m.into_err(py))?;
        let step = Step::Await {
            awaitable: Ref::new(enter),
            on_result: OnResult::Enter {
                exit: Ref::new(exit),
                body,
            },
            on_error,
        };
        push(aw, step).map_err(|m| m.into_err(py))?;
        Ok(0)
    };
    // SAFETY: the GIL is held (this function's contract).
    unsafe { guard::python("awaitkit.async_with", run) }
}

/// `set_result`: what `await aw` returns; takes its own reference and releases the old one.
///
/// # Safety
/// GIL held; `aw` and `result` NULL or live objects.
// Cannot panic: type checks, `try_borrow_mut`, a swap and a decref (C code); all else is
// set_result_general, under `entry`.
#[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
pub unsafe extern "C" fn set_result(aw: Obj, result: Obj) -> i32 {
    // The usual case, compact and with nothing that can panic (as in `add_await`).
    // SAFETY: NULL or a live object by the caller's contract, alive for the call.
    if let Some(target) = unsafe { Awaitable::from_ptr(aw) } {
        if !result.is_null() {
            if let Some(mut st) = target.try_st() {
                // SAFETY: the GIL is held; a live object (borrowed for the call).
                let old = st.result.replace(unsafe { Ref::from_borrowed(result) });
                drop(st);
                drop(old); // after the borrow: releasing it may run any code
                return 0;
            }
        }
    }
    // SAFETY: this function's contract.
    unsafe { set_result_general(aw, result) }
}

/// `set_result`, every case.
///
/// # Safety
/// As `set_result`.
#[cold]
#[inline(never)]
unsafe fn set_result_general(aw: Obj, result: Obj) -> i32 {
    entry(-1, |py| {
        let aw = awaitable(aw)?;
        let result = object(py, result, "awaitkit: the result is NULL")?;
        // SAFETY: the GIL is held; a live object (borrowed for the call).
        let result = unsafe { Ref::from_borrowed(result.as_ptr()) };
        let old = aw.st().result.replace(result);
        drop(old); // after the borrow: releasing it may run any code
        Ok(0)
    })
}

/// `cancel`: drops every pending step (closing pending coroutines); `await aw` then returns
/// the result set so far (None if none), and a never-awaited `aw` gives no ResourceWarning.
///
/// # Safety
/// GIL held; `aw` NULL or a live object.
pub unsafe extern "C" fn cancel(aw: Obj) -> i32 {
    let run = |py: Python<'_>| {
        awaitable(aw).map_err(|m| m.into_err(py))?.cancel(py);
        Ok(0)
    };
    // SAFETY: the GIL is held (this function's contract).
    unsafe { guard::python("awaitkit.cancel", run) }
}

/// `save_values`: appends `n` objects (new references taken) to `aw`'s values.
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `values` NULL or `n` readable live objects.
pub unsafe extern "C" fn save_values(aw: Obj, values: *const Obj, n: usize) -> i32 {
    entry(-1, |py| {
        let aw = awaitable(aw)?;
        if values.is_null() && n > 0 {
            return Err(Misuse::BadArgument("awaitkit: save_values got NULL values"));
        }
        let slice: &[Obj] = if n == 0 {
            &[]
        } else {
            // SAFETY: `n` readable pointers at `values` by the caller's contract.
            unsafe { std::slice::from_raw_parts(values, n) }
        };
        let objects = slice
            .iter()
            .map(|&v| object(py, v, "awaitkit: a value is NULL").map(|v| Ref::new(v.to_owned())))
            .collect::<Result<Vec<_>, _>>()?;
        aw.st().saved_mut().values.extend(objects);
        Ok(0)
    })
}

/// Writes the first `n` of `saved` to `out`, each through `as_out`; 0, or `BadArgument(null)`
/// (a `TypeError`, as for every NULL pointer) when `out` is NULL with `n > 0`, or `TooFew` when
/// fewer than `n` are saved (nothing written then).
///
/// # Safety
/// `out` is NULL or valid for `n` writes.
unsafe fn write_first<T, U>(
    saved: &[T],
    out: *mut U,
    n: usize,
    (what, null): (&'static str, &'static str),
    as_out: impl Fn(&T) -> U,
) -> Result<i32, Misuse> {
    if out.is_null() && n > 0 {
        return Err(Misuse::BadArgument(null));
    }
    let len = saved.len();
    if n > len {
        return Err(Misuse::TooFew { what, n, len });
    }
    for (i, item) in saved.iter().take(n).enumerate() {
        // SAFETY: `i < n` writable slots by the caller's contract.
        unsafe { *out.add(i) = as_out(item) };
    }
    Ok(0)
}

/// `unpack_values`: writes the first `n` saved values (borrowed references, valid until that
/// value is replaced or `aw` is destroyed) to `out`.
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `out` NULL or `n` writable pointers.
#[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
pub unsafe extern "C" fn unpack_values(aw: Obj, out: *mut Obj, n: usize) -> i32 {
    entry(-1, |_| {
        let aw = awaitable(aw)?;
        let st = aw.st();
        // SAFETY: `out` is NULL or `n` writable pointers (the caller's contract).
        unsafe {
            let what = ("values", "awaitkit: unpack_values got NULL out");
            write_first(st.values(), out, n, what, |v| v.as_ptr())
        }
    })
}

/// `get_value`: the saved value at `index` (a borrowed reference), or NULL with IndexError.
///
/// # Safety
/// GIL held; `aw` NULL or a live object.
#[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
pub unsafe extern "C" fn get_value(aw: Obj, index_: isize) -> Obj {
    entry(ptr::null_mut(), |_| {
        let aw = awaitable(aw)?;
        let st = aw.st();
        Ok(st.values()[index(st.values().len(), index_)?].as_ptr())
    })
}

/// `set_value`: replaces the saved value at `index`: takes a new reference, releases the old.
///
/// # Safety
/// GIL held; `aw` and `value` NULL or live objects.
pub unsafe extern "C" fn set_value(aw: Obj, index_: isize, value: Obj) -> i32 {
    entry(-1, |py| {
        let aw = awaitable(aw)?;
        let value = Ref::new(object(py, value, "awaitkit: the value is NULL")?.to_owned());
        let old = {
            let mut st = aw.st();
            let i = index(st.values().len(), index_)?;
            std::mem::replace(&mut st.saved_mut().values[i], value)
        };
        drop(old); // after the borrow
        Ok(0)
    })
}

/// `save_arbitrary`: appends `n` `void *` values (not owned: the caller keeps them alive).
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `values` NULL or `n` readable pointers.
pub unsafe extern "C" fn save_arbitrary(aw: Obj, values: *const *mut c_void, n: usize) -> i32 {
    entry(-1, |_| {
        let aw = awaitable(aw)?;
        if values.is_null() && n > 0 {
            return Err(Misuse::BadArgument(
                "awaitkit: save_arbitrary got NULL values",
            ));
        }
        if n > 0 {
            // SAFETY: `n` readable pointers at `values` by the caller's contract.
            let slice = unsafe { std::slice::from_raw_parts(values, n) };
            aw.st()
                .saved_mut()
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
    entry(-1, |_| {
        let aw = awaitable(aw)?;
        let st = aw.st();
        // SAFETY: `out` is NULL or `n` writable pointers (the caller's contract).
        unsafe {
            let what = (
                "arbitrary values",
                "awaitkit: unpack_arbitrary got NULL out",
            );
            write_first(st.arbitrary(), out, n, what, |&p| p as *mut c_void)
        }
    })
}

/// `get_arbitrary`: writes the saved `void *` at `index` to `*out`.
///
/// # Safety
/// GIL held; `aw` NULL or a live object; `out` NULL or writable.
pub unsafe extern "C" fn get_arbitrary(aw: Obj, index_: isize, out: *mut *mut c_void) -> i32 {
    entry(-1, |_| {
        let aw = awaitable(aw)?;
        if out.is_null() {
            return Err(Misuse::BadArgument("awaitkit: get_arbitrary got NULL out"));
        }
        let st = aw.st();
        let p = st.arbitrary()[index(st.arbitrary().len(), index_)?];
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
    entry(-1, |_| {
        let aw = awaitable(aw)?;
        let mut st = aw.st();
        let i = index(st.arbitrary().len(), index_)?;
        st.saved_mut().arbitrary[i] = value as usize;
        Ok(0)
    })
}

/// `type_object`: the `awaitkit.Awaitable` type (a borrowed reference, alive for the process).
pub extern "C" fn type_object() -> *mut ffi::PyTypeObject {
    direct(ptr::null_mut(), |_| type_ptr())
}

#[cfg(test)]
mod tests {
    use pyo3::exceptions::{PySystemError, PyTypeError};

    use super::*;

    #[test]
    fn entry_raises_a_misuse_or_a_panic_and_never_unwinds() {
        Python::initialize();
        Python::attach(|py| {
            let null = entry(-1, |_| Err(Misuse::BadArgument("awaitkit: got NULL")));
            let err = PyErr::take(py).expect("a TypeError");
            assert!(null == -1 && err.is_instance_of::<PyTypeError>(py), "{err}");
            let panicked = entry(ptr::null_mut::<ffi::PyObject>(), |_| {
                panic!("boom in entry")
            });
            let err = PyErr::take(py).expect("a SystemError");
            assert!(panicked.is_null() && err.is_instance_of::<PySystemError>(py));
            assert!(
                err.to_string().ends_with("caught a panic: boom in entry"),
                "{err}"
            );
            assert_eq!(entry(-1, |_| Ok(0)), 0);
            assert!(PyErr::take(py).is_none());
        });
    }
}
