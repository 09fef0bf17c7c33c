//! Closing what an awaitable holds: `cancel` (the C API), `close()` (Python), and what happens
//! when it is destroyed or its reference cycles are broken (`finalize`). These run attached
//! (PyO3 objects are made and dropped here); the state is borrowed only to take things out.

use pyo3::exceptions::{PyResourceWarning, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::object::Awaitable;
use crate::refs::Ref;
use crate::send::close_iter;
use crate::state::Step;

/// `collections.abc.Coroutine`: pending steps of this kind are closed when they are dropped.
fn coroutine_abc(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static ABC: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    ABC.import(py, "collections.abc", "Coroutine")
}

/// Closes `obj` if it is a coroutine (so a never-started one gives no "never awaited" warning).
pub(crate) fn close_pending(py: Python<'_>, obj: &Ref) {
    let obj = obj.bind(py);
    let closed = coroutine_abc(py).and_then(|abc| {
        if obj.is_instance(abc)? {
            obj.call_method0(intern!(py, "close"))?;
        }
        Ok(())
    });
    if let Err(e) = closed {
        e.write_unraisable(py, Some(&obj));
    }
}

/// Closes the pending coroutines among `steps`.
pub(crate) fn close_steps(py: Python<'_>, steps: impl IntoIterator<Item = Step>) {
    for step in steps {
        if let Step::Await { awaitable, .. } = step {
            close_pending(py, &awaitable);
        }
    }
}

impl Awaitable<'_> {
    /// Drops every pending step (closing pending coroutines) and the awaitable being awaited.
    pub(crate) fn cancel(self, py: Python<'_>) {
        let (steps, current) = {
            let mut st = self.st();
            st.cancelled = true;
            // A running callback's later additions now start from an empty queue.
            st.cursor = st.cursor.map(|_| 0);
            (std::mem::take(&mut st.steps), st.current.take())
        };
        if let Some(cur) = current {
            close_iter(py, &cur.iter);
        }
        close_steps(py, steps);
    }

    /// Closes what is pending and, if this was never awaited but had work queued and was not
    /// cancelled, warns like an un-awaited coroutine.
    pub(crate) fn finalize(self, py: Python<'_>, warn: bool) {
        let (never, added, cancelled) = {
            let st = self.st();
            (!st.awaited, st.added, st.cancelled)
        };
        let saved = PyErr::take(py);
        self.cancel(py);
        let leftovers = std::mem::take(&mut *self.st());
        drop(leftovers);
        if warn && never && added && !cancelled {
            let category = py.get_type::<PyResourceWarning>();
            let warned = PyErr::warn(
                py,
                &category,
                c"awaitkit.Awaitable was never awaited (call cancel() to discard it)",
                1,
            );
            if let Err(e) = warned {
                e.write_unraisable(py, None);
            }
        }
        if let Some(e) = saved {
            e.restore(py);
        }
    }

    /// `close()`: closes the awaitable being awaited (its `finally` blocks run) and every
    /// pending one; the awaitable is then finished.
    pub(crate) fn close(self, py: Python<'_>) -> PyResult<()> {
        let (current, steps) = {
            let mut st = self.st();
            if st.running {
                return Err(PyValueError::new_err(
                    "awaitkit.Awaitable is already running",
                ));
            }
            st.done = true;
            st.cancelled = true;
            (st.current.take(), std::mem::take(&mut st.steps))
        };
        close_steps(py, steps);
        if let Some(cur) = current {
            let iter = cur.iter.bind(py);
            if let Some(close) = iter.getattr_opt(intern!(py, "close"))? {
                close.call0()?;
            }
        }
        Ok(())
    }
}
