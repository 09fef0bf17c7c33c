//! The C boundary: every function that Python or C code calls (type slots, methods, the C API)
//! runs its body through `capreg::guard::python` (directly, or through `attached`), or through
//! `direct`, the specialised guard of the hot paths, so that no panic unwinds into C and every
//! error ends as a Python exception.

use std::any::Any;
use std::ffi::c_int;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use capreg::guard;
use pyo3::prelude::*;

/// What a caught panic's `SystemError` names: "awaitkit: internal error: caught a panic: ...".
const CALL: &str = "awaitkit";

/// Runs `f`, which may use PyO3's owned objects (`Py`, `PyErr`), through
/// `capreg::guard::python`: its value, or `failed` with its error raised (a panic: a
/// `SystemError`).
///
/// The guard tells PyO3 that the thread is attached (C callers come straight in, not through
/// PyO3): otherwise it would queue the release of those objects for later instead of releasing
/// them. This costs a little when nothing up the stack did it already, so the hot paths use
/// `direct`. Cold (out of line): keeping error handling away from the hot paths keeps their
/// code compact, which matters when an event loop's work evicts it from the caches between two
/// resumptions.
#[cold]
#[inline(never)]
pub(crate) fn attached<R>(failed: R, f: impl FnOnce(Python<'_>) -> PyResult<R>) -> R {
    let mut value = None;
    // SAFETY: every caller runs with the GIL held (slots and methods are called by Python; the
    // C API documents it).
    let _: c_int = unsafe {
        guard::python(CALL, |py| {
            value = Some(f(py)?);
            Ok(0)
        })
    };
    value.unwrap_or(failed)
}

/// Runs `f`, a hot path that must create and drop no `Py` or `PyErr` (only `Bound`, `Borrowed`
/// and `refs::Ref`, which release their references directly): it hands anything unusual
/// (every error) to code run through `attached` (`raising`, `raise`). A panic is raised as
/// `capreg::guard::python` raises it (a `SystemError` naming it) and `failed` returned.
// Specialised guard: no attach (~150 instructions) per await; a panic ends in guard::python.
pub(crate) fn direct<R>(failed: R, f: impl FnOnce(Python<'_>) -> R) -> R {
    // SAFETY: every caller runs with the GIL held (see `attached`).
    let py = unsafe { Python::assume_attached() };
    catch_unwind(AssertUnwindSafe(|| f(py))).unwrap_or_else(|payload| raise_panic(failed, payload))
}

/// Raises a panic that `direct` caught, through `capreg::guard::python` (which makes the
/// `SystemError` of every caught panic), and returns `failed`.
#[cold]
#[inline(never)]
fn raise_panic<R>(failed: R, payload: Box<dyn Any + Send>) -> R {
    attached(failed, |_| resume_unwind(payload))
}

/// `value`, on a path that is not the usual one: calling this (a cold function) tells the
/// compiler so, which then places that path's code after the usual path's, keeping the code that
/// runs at every `await` on as few cache lines as possible (`std::hint::cold_path` is newer than
/// the crate's minimum Rust).
#[cold]
#[inline(never)]
pub(crate) fn unusual<T>(value: T) -> T {
    value
}

/// Proof that a Python exception is set (the thread's error indicator). Errors travel through
/// the hot paths this way, as in C: no PyO3 error object to release, so no need to attach.
#[derive(Clone, Copy, Debug)]
#[must_use]
pub(crate) struct Raised;

/// Runs `f` through `attached`; an error it returns is raised.
#[cold]
#[inline(never)]
pub(crate) fn raising<T>(f: impl FnOnce(Python<'_>) -> PyResult<T>) -> Result<T, Raised> {
    attached(Err(Raised), |py| f(py).map(Ok))
}

/// Raises the error `f` makes.
#[cold]
#[inline(never)]
pub(crate) fn raise(f: impl FnOnce() -> PyErr) -> Raised {
    attached(Raised, |_| Err(f()))
}

#[cfg(test)]
mod tests {
    use std::ptr;

    use pyo3::exceptions::PySystemError;
    use pyo3::ffi;

    use super::*;

    /// A slot as awaitkit writes them, whose body panics: C would get a NULL with a
    /// `SystemError` set, not an unwind (which would abort this test process).
    extern "C" fn panicking_slot(_: *mut ffi::PyObject) -> *mut ffi::PyObject {
        direct(ptr::null_mut(), |_| panic!("boom in a hot path"))
    }

    fn take_system_error(py: Python<'_>) -> String {
        let err = PyErr::take(py).expect("an exception is set");
        assert!(err.is_instance_of::<PySystemError>(py), "{err}");
        err.value(py).to_string()
    }

    #[test]
    fn a_panic_in_direct_is_a_system_error_not_an_unwind() {
        Python::initialize();
        Python::attach(|py| {
            let slot: extern "C" fn(*mut ffi::PyObject) -> *mut ffi::PyObject = panicking_slot;
            assert!(slot(ptr::null_mut()).is_null());
            let message = take_system_error(py);
            assert_eq!(
                message,
                "awaitkit: internal error: caught a panic: boom in a hot path"
            );
            assert_eq!(direct(-1, |_| -> i32 { panic!("formatted {}", 2) }), -1);
            assert!(take_system_error(py).ends_with("caught a panic: formatted 2"));
            // No panic: the value, and nothing raised.
            assert_eq!(direct(-1, |_| 7), 7);
            assert!(PyErr::take(py).is_none());
        });
    }

    #[test]
    fn attached_raises_errors_and_panics() {
        Python::initialize();
        Python::attach(|py| {
            let failed = attached("failed", |_| Err(PySystemError::new_err("an error")));
            assert_eq!(
                (failed, take_system_error(py).as_str()),
                ("failed", "an error")
            );
            assert_eq!(attached(-1, |_| -> PyResult<i32> { panic!("boom") }), -1);
            assert!(take_system_error(py).ends_with("caught a panic: boom"));
            assert_eq!(attached(-1, |_| Ok(3)), 3);
            assert!(PyErr::take(py).is_none());
        });
    }
}
