//! The C boundary: every function that Python or C code calls (type slots, methods, the C API)
//! runs its body through one of these, so that no panic unwinds into C and every error ends as
//! a Python exception.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::PySystemError;
use pyo3::prelude::*;

/// The `SystemError` a caught panic becomes.
pub(crate) fn panicked() -> PyErr {
    PySystemError::new_err("awaitkit: internal error (a panic was caught)")
}

/// Runs `f`, which may use PyO3's owned objects (`Py`, `PyErr`); its error is raised and
/// `failed` returned.
///
/// PyO3 is told that the thread is attached (C callers come straight in, not through PyO3):
/// otherwise it would queue the release of those objects for later instead of releasing them.
/// This costs a little when nothing up the stack did it already, so the hot paths use `direct`.
/// Cold (out of line): keeping error handling away from the hot paths keeps their code compact,
/// which matters when an event loop's work evicts it from the caches between two resumptions.
#[cold]
#[inline(never)]
pub(crate) fn attached<R>(failed: R, f: impl FnOnce(Python<'_>) -> PyResult<R>) -> R {
    // SAFETY: every caller runs with the GIL held (slots and methods are called by Python; the
    // C API documents it), so attaching cannot fail.
    unsafe {
        Python::attach_unchecked(|py| match catch_unwind(AssertUnwindSafe(|| f(py))) {
            Ok(Ok(value)) => value,
            Ok(Err(e)) => {
                e.restore(py);
                failed
            }
            Err(_) => {
                panicked().restore(py);
                failed
            }
        })
    }
}

/// Runs `f`, a hot path that must create and drop no `Py` or `PyErr` (only `Bound`, `Borrowed`
/// and `state::Ref`, which release their references directly): it hands anything unusual
/// (every error) to code run through `attached` (`raising`, `raise`).
pub(crate) fn direct<R: Copy>(failed: R, f: impl FnOnce(Python<'_>) -> R) -> R {
    // SAFETY: every caller runs with the GIL held (see `attached`).
    let py = unsafe { Python::assume_attached() };
    catch_unwind(AssertUnwindSafe(|| f(py)))
        .unwrap_or_else(|_| attached(failed, |_| Err(panicked())))
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
