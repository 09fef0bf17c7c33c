//! The return-code contract of native callbacks (as PyAwaitable's, documented in awaitkit.h).

use pyo3::exceptions::{PyRuntimeError, PyStopIteration, PySystemError};
use pyo3::ffi;
use pyo3::prelude::*;

use crate::boundary::{attached, Raised};

/// What a result, body or defer callback's return code means (the exception is set).
pub(crate) enum Outcome {
    /// `0`, no exception set: go on.
    Ok,
    /// `-1` with an exception set: to the step's error callback, if any.
    Error(Raised),
    /// `<= -2`, or a broken contract (a `SystemError`): propagate, skipping the error callback.
    Propagate(Raised),
}

/// A callback that raised `StopIteration` would end the awaiting coroutine silently: as in
/// generators (PEP 479), it becomes a `RuntimeError` whose cause is the `StopIteration`.
pub(crate) fn no_stop_iteration(py: Python<'_>, e: PyErr) -> PyErr {
    if !e.is_instance_of::<PyStopIteration>(py) {
        return e;
    }
    let err = PyRuntimeError::new_err("awaitkit: a callback raised StopIteration");
    err.set_cause(py, Some(e));
    err
}

fn broken(py: Python<'_>, what: &str, rc: i32, raised: Option<PyErr>) -> PyErr {
    let state = if raised.is_some() {
        "with an exception set"
    } else {
        "without an exception set"
    };
    let err = PySystemError::new_err(format!(
        "awaitkit: {what} returned {rc} {state}; expected 0, -1 (exception set) or <= -2"
    ));
    err.set_cause(py, raised);
    err
}

/// Reads a callback's return code and the exception it set, if any.
pub(crate) fn classify(rc: i32, what: &str) -> Outcome {
    // SAFETY: the GIL is held (callbacks run with it).
    let set = !unsafe { ffi::PyErr_Occurred() }.is_null();
    if rc == 0 && !set {
        return Outcome::Ok;
    }
    // The exception to raise instead (or as a cause) is made attached, as PyO3 errors must be.
    let raised = attached(Raised, |py| {
        Err(match (rc, PyErr::take(py)) {
            (rc, Some(e)) if rc <= -1 => no_stop_iteration(py, e),
            (rc, raised) => broken(py, what, rc, raised),
        })
    });
    if rc == -1 && set {
        Outcome::Error(raised)
    } else {
        Outcome::Propagate(raised)
    }
}
