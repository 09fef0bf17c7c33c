//! What an awaitable does when it is resumed: it runs its steps in order, sending into the
//! awaitable being awaited, until one suspends (its value is yielded to the event loop) or none
//! is left (the result is returned). Each step awaits a Python awaitable and hands its outcome to
//! native callbacks, runs a deferred native callback, or exits an `async with` block.
//!
//! Code here runs under `boundary::attached`. The state is borrowed only to move things in and
//! out, never across a callback or a Python call (see state.rs).

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::{
    PyResourceWarning, PyRuntimeError, PySystemError, PyTypeError, PyValueError,
};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyNone, PyType};

use crate::callbacks::{classify, no_stop_iteration, Outcome};
use crate::object::Awaitable;
use crate::send::{await_iter, close_iter, send, throw, Sent};
use crate::state::{Current, OnResult, Ref, Step, ValueCallback};

/// How the awaitable is resumed.
pub(crate) enum Mode<'py> {
    Send(Bound<'py, PyAny>),
    Throw(PyErr),
}

enum Flow<'py> {
    Continue(Mode<'py>),
    Yield(Bound<'py, PyAny>),
    Finish(PyResult<Bound<'py, PyAny>>),
}

pub(crate) fn none(py: Python<'_>) -> Bound<'_, PyAny> {
    PyNone::get(py).to_owned().into_any()
}

fn send_none(py: Python<'_>) -> Flow<'_> {
    Flow::Continue(Mode::Send(none(py)))
}

/// `collections.abc.Coroutine`: pending steps of this kind are closed when they are dropped.
fn coroutine_abc(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static ABC: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    ABC.import(py, "collections.abc", "Coroutine")
}

/// Closes `obj` if it is a coroutine (so a never-started one gives no "never awaited" warning).
fn close_pending(py: Python<'_>, obj: &Ref) {
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

impl<'a> Awaitable<'a> {
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

    /// Runs `call` (a native callback) with new steps going right after the running one.
    fn run_callback(self, call: impl FnOnce() -> i32) -> (i32, usize) {
        let saved = self.st().cursor.replace(0);
        let rc = call();
        let mut st = self.st();
        let at = st.cursor.unwrap_or(0);
        st.cursor = saved;
        (rc, at)
    }

    fn next_step(self) -> Option<Step> {
        self.st().steps.pop_front()
    }

    fn set_current(self, cur: Current) {
        let old = self.st().current.replace(cur);
        drop(old); // always None: released after the borrow, as everything here
    }

    /// Starts awaiting `awaitable`.
    fn start_await<'py>(
        self,
        awaitable: &Bound<'py, PyAny>,
        on_result: OnResult,
        on_error: Option<ValueCallback>,
    ) -> Flow<'py> {
        let py = awaitable.py();
        match await_iter(awaitable) {
            Ok((iter, has_send)) => {
                self.set_current(Current {
                    iter: Ref::new(iter),
                    has_send,
                    on_result,
                    on_error,
                });
                send_none(py)
            }
            Err(e) => self.step_error(py, e, on_error),
        }
    }

    /// No awaitable is running: start the next step, or finish.
    fn start_next<'py>(self, py: Python<'py>) -> Flow<'py> {
        match self.next_step() {
            None => {
                let result = self.st().result.take();
                Flow::Finish(Ok(result.map_or_else(|| none(py), |r| r.into_bound(py))))
            }
            Some(Step::Await {
                awaitable,
                on_result,
                on_error,
            }) => self.start_await(&awaitable.into_bound(py), on_result, on_error),
            Some(Step::Defer(f)) => {
                let (rc, _) = self.run_callback(|| f(self.as_ptr()));
                match classify(py, rc, "defer callback") {
                    Outcome::Ok => send_none(py),
                    Outcome::Error(e) | Outcome::Propagate(e) => self.fail(py, e),
                }
            }
            Some(Step::Exit { exit, on_error }) => {
                let exit = exit.into_bound(py);
                match exit.call1((py.None(), py.None(), py.None())) {
                    Ok(aw) => self.start_await(&aw, OnResult::Ignore, on_error),
                    Err(e) => self.step_error(py, e, on_error),
                }
            }
        }
    }

    /// The awaited step returned `value`.
    fn on_value<'py>(
        self,
        value: Bound<'py, PyAny>,
        on_result: OnResult,
        on_error: Option<ValueCallback>,
    ) -> Flow<'py> {
        let py = value.py();
        match on_result {
            OnResult::Ignore => send_none(py),
            OnResult::Call(cb) => {
                let (rc, _) = self.run_callback(|| cb(self.as_ptr(), value.as_ptr()));
                match classify(py, rc, "result callback") {
                    Outcome::Ok => send_none(py),
                    Outcome::Error(e) => self.step_error(py, e, on_error),
                    Outcome::Propagate(e) => self.fail(py, e),
                }
            }
            OnResult::Enter { exit, body } => {
                let (rc, at) = match body {
                    Some(body) => self.run_callback(|| body(self.as_ptr(), value.as_ptr())),
                    None => (0, 0),
                };
                let outcome = classify(py, rc, "async_with body callback");
                // `<= -2` skips the error callback, but `__aexit__` always runs.
                let on_error = match outcome {
                    Outcome::Propagate(_) => None,
                    _ => on_error,
                };
                // The context is exited even if the body cancelled the rest.
                self.st().steps.insert(at, Step::Exit { exit, on_error });
                match outcome {
                    Outcome::Ok => send_none(py),
                    Outcome::Error(e) | Outcome::Propagate(e) => self.fail(py, e),
                }
            }
            OnResult::ExitAfter { exc } => match value.is_truthy() {
                Ok(true) => send_none(py),
                Ok(false) => {
                    let exc = exc.into_bound(py);
                    self.step_error(py, PyErr::from_value(exc), on_error)
                }
                Err(e) => self.step_error(py, e, on_error),
            },
        }
    }

    /// A step failed with `e`: its error callback decides, or `e` propagates.
    fn step_error<'py>(
        self,
        py: Python<'py>,
        e: PyErr,
        on_error: Option<ValueCallback>,
    ) -> Flow<'py> {
        let Some(cb) = on_error else {
            return self.fail(py, e);
        };
        let exc = e.value(py).clone();
        let (rc, _) = self.run_callback(|| cb(self.as_ptr(), exc.as_ptr()));
        let raised = PyErr::take(py);
        match (rc, raised) {
            (0, None) => send_none(py),
            (-1, _) => self.fail(py, e),
            (-2, Some(own)) => {
                let value = own.value(py);
                let fresh = value.getattr("__context__").is_ok_and(|c| c.is_none());
                if fresh && !value.is(e.value(py)) {
                    own.set_context(py, Some(e));
                }
                self.fail(py, no_stop_iteration(py, own))
            }
            (rc, raised) => {
                let err = PySystemError::new_err(format!(
                    "awaitkit: error callback returned {rc}{}; expected 0, -1, or -2 with an exception set",
                    if raised.is_some() { " with an exception set" } else { " without an exception set" }
                ));
                err.set_cause(py, raised.or(Some(e)));
                self.fail(py, err)
            }
        }
    }

    /// `e` propagates: pending steps are dropped up to the next `async with` exit, which is
    /// awaited with `e`; with none left, the awaitable raises `e`.
    fn fail<'py>(self, py: Python<'py>, e: PyErr) -> Flow<'py> {
        loop {
            match self.next_step() {
                None => return Flow::Finish(Err(e)),
                Some(Step::Await { awaitable, .. }) => close_pending(py, &awaitable),
                Some(Step::Defer(_)) => {}
                Some(Step::Exit { exit, on_error }) => {
                    let exc = e.value(py).clone();
                    let args = (exc.get_type(), exc.clone(), e.traceback(py));
                    let on_result = OnResult::ExitAfter {
                        exc: Ref::new(exc.into_any()),
                    };
                    return match exit.bind(py).call1(args) {
                        Ok(aw) => self.start_await(&aw, on_result, on_error),
                        Err(e2) => {
                            e2.set_context(py, Some(e));
                            self.step_error(py, e2, on_error)
                        }
                    };
                }
            }
        }
    }

    /// Sends `mode` into the awaitable being awaited.
    fn step_inner<'py>(self, py: Python<'py>, cur: Current, mode: Mode<'py>) -> Flow<'py> {
        let iter = cur.iter.bind(py);
        let sent = match mode {
            Mode::Send(v) => send(&iter, cur.has_send, v),
            Mode::Throw(e) => throw(&iter, e),
        };
        match sent {
            Sent::Yielded(yielded) => {
                self.set_current(cur);
                Flow::Yield(yielded)
            }
            Sent::Returned(v) => self.on_value(v, cur.on_result, cur.on_error),
            Sent::Raised(e) => self.step_error(py, e, cur.on_error),
        }
    }

    fn drive<'py>(self, py: Python<'py>, mut mode: Mode<'py>) -> Sent<'py> {
        loop {
            let current = self.st().current.take();
            let flow = match (current, mode) {
                (Some(cur), mode) => self.step_inner(py, cur, mode),
                (None, Mode::Throw(e)) => self.fail(py, e),
                (None, Mode::Send(_)) => self.start_next(py),
            };
            match flow {
                Flow::Continue(next) => mode = next,
                Flow::Yield(v) => return Sent::Yielded(v),
                Flow::Finish(Ok(v)) => return Sent::Returned(v),
                Flow::Finish(Err(e)) => return Sent::Raised(e),
            }
        }
    }

    /// Resumes the coroutine: `send` (`__next__`, `am_send`) or `throw`.
    pub(crate) fn resume<'py>(self, py: Python<'py>, mode: Mode<'py>) -> Sent<'py> {
        // A callback may drop every other reference to it: keep it alive until this returns.
        // SAFETY: a live object: the caller holds a reference.
        let _alive = unsafe { Bound::from_borrowed_ptr(py, self.as_ptr()) };
        {
            let mut st = self.st();
            if st.running {
                return Sent::Raised(PyValueError::new_err(
                    "awaitkit.Awaitable is already running",
                ));
            }
            if st.done {
                drop(st);
                return Sent::Raised(match mode {
                    Mode::Throw(e) => e,
                    Mode::Send(_) => PyRuntimeError::new_err(
                        "cannot reuse an awaitkit.Awaitable that has finished",
                    ),
                });
            }
            if let Mode::Send(v) = &mode {
                if !st.started && !v.is_none() {
                    return Sent::Raised(PyTypeError::new_err(
                        "can't send non-None value to a just-started awaitkit.Awaitable",
                    ));
                }
            }
            st.awaited = true;
            st.started = true;
            st.running = true;
        }
        // A bug must not leave the awaitable "running" forever.
        let sent = catch_unwind(AssertUnwindSafe(|| self.drive(py, mode))).unwrap_or_else(|_| {
            Sent::Raised(PySystemError::new_err(
                "awaitkit: internal error (a panic was caught)",
            ))
        });
        let mut st = self.st();
        st.running = false;
        st.done = !matches!(sent, Sent::Yielded(_));
        sent
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
