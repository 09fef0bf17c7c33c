//! `awaitkit.Awaitable`: a coroutine object driven by a queue of native steps.
//!
//! Each step awaits a Python awaitable and hands its outcome to native callbacks, runs a deferred
//! native callback, or exits an `async with` block. The object is its own `__await__` iterator and
//! forwards `send`, `throw` and `close` to the awaitable being awaited, so event loops (asyncio,
//! trio, anyio) talk to the inner coroutine exactly as if a Python `async def` awaited it.
//!
//! State lives behind a mutex that is never held while Python code or a callback runs.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard};

use pyo3::exceptions::{
    PyResourceWarning, PyRuntimeError, PyStopIteration, PySystemError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use pyo3::{ffi, intern, PyTraverseError, PyVisit};

use crate::callbacks::{classify, Outcome};
use crate::send::{outcome, send, Sent};

/// `int cb(PyObject *aw, PyObject *value)`: a result, `async with` body or error callback.
pub type ValueCallback = extern "C" fn(*mut ffi::PyObject, *mut ffi::PyObject) -> i32;
/// `int cb(PyObject *aw)`: a deferred step.
pub type DeferCallback = extern "C" fn(*mut ffi::PyObject) -> i32;

/// What happens with the value an awaited step returns.
pub(crate) enum OnResult {
    Ignore,
    Call(ValueCallback),
    /// `__aenter__` returned: run the body, then queue `__aexit__`.
    Enter {
        exit: Py<PyAny>,
        body: Option<ValueCallback>,
    },
    /// `__aexit__(type, exc, tb)` returned: a true value swallows `exc`.
    ExitAfter {
        exc: Py<PyAny>,
    },
}

pub(crate) enum Step {
    Await {
        awaitable: Py<PyAny>,
        on_result: OnResult,
        on_error: Option<ValueCallback>,
    },
    Defer(DeferCallback),
    /// The end of an `async with` block: `await __aexit__(None, None, None)`.
    Exit {
        exit: Py<PyAny>,
        on_error: Option<ValueCallback>,
    },
}

/// The awaitable being awaited: its `__await__` iterator and what to do with its outcome.
struct Current {
    iter: Py<PyAny>,
    has_send: bool,
    on_result: OnResult,
    on_error: Option<ValueCallback>,
}

#[derive(Default)]
pub(crate) struct State {
    steps: VecDeque<Step>,
    current: Option<Current>,
    /// Where a running callback's new steps go: right after the step that runs it, in order.
    cursor: Option<usize>,
    pub(crate) result: Option<Py<PyAny>>,
    pub(crate) values: Vec<Py<PyAny>>,
    pub(crate) arbitrary: Vec<usize>,
    added: bool,
    awaited: bool,
    started: bool,
    running: bool,
    done: bool,
    cancelled: bool,
}

/// An awaitable built by native code through the `awaitkit` C API (see headers/awaitkit.h).
#[pyclass(module = "awaitkit", name = "Awaitable", frozen, weakref)]
pub struct Awaitable {
    state: Mutex<State>,
}

enum Mode {
    Send(Py<PyAny>),
    Throw(PyErr),
}

enum Flow {
    Continue(Mode),
    Yield(Py<PyAny>),
    Finish(PyResult<Py<PyAny>>),
}

fn send_none(py: Python<'_>) -> Flow {
    Flow::Continue(Mode::Send(py.None()))
}

/// `collections.abc.Coroutine`: pending steps of this kind are closed when they are dropped.
fn coroutine_abc(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static ABC: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    ABC.import(py, "collections.abc", "Coroutine")
}

/// Closes `obj` if it is a coroutine (so a never-started one gives no "never awaited" warning).
fn close_pending(py: Python<'_>, obj: &Py<PyAny>) {
    let obj = obj.bind(py);
    let closed = coroutine_abc(py).and_then(|abc| {
        if obj.is_instance(abc)? {
            obj.call_method0(intern!(py, "close"))?;
        }
        Ok(())
    });
    if let Err(e) = closed {
        e.write_unraisable(py, Some(obj));
    }
}

/// Closes the iterator of the awaitable being awaited, so its `finally` blocks run now.
fn close_iter(py: Python<'_>, iter: &Py<PyAny>) {
    let iter = iter.bind(py);
    let closed = iter
        .getattr_opt(intern!(py, "close"))
        .and_then(|close| close.map_or(Ok(()), |c| c.call0().map(drop)));
    if let Err(e) = closed {
        e.write_unraisable(py, Some(iter));
    }
}

/// The `__await__` iterator of `awaitable`, and whether it has `send`.
fn await_iter(awaitable: &Bound<'_, PyAny>) -> PyResult<(Py<PyAny>, bool)> {
    let py = awaitable.py();
    // A native coroutine is its own iterator: no wrapper object to make.
    static COROUTINE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    if awaitable
        .get_type()
        .is(COROUTINE.import(py, "types", "CoroutineType")?)
    {
        return Ok((awaitable.clone().unbind(), true));
    }
    let iter = awaitable.call_method0(intern!(py, "__await__"))?;
    let has_send = iter.hasattr(intern!(py, "send"))?;
    Ok((iter.unbind(), has_send))
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
            Some(v) => match v.cast::<pyo3::types::PyTuple>() {
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

impl Awaitable {
    pub(crate) fn new() -> Awaitable {
        Awaitable {
            state: Mutex::new(State::default()),
        }
    }

    /// The state; a panic while it was held leaves it usable.
    pub(crate) fn st(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `step`: after the running callback's earlier additions, or at the end.
    pub(crate) fn push(&self, step: Step) -> PyResult<()> {
        let mut st = self.st();
        if st.done {
            drop(st);
            drop(step);
            return Err(PyRuntimeError::new_err(
                "awaitkit: cannot add a step to an awaitable that has finished",
            ));
        }
        st.added = true;
        match st.cursor {
            Some(at) => {
                let at = at.min(st.steps.len());
                st.steps.insert(at, step);
                st.cursor = Some(at + 1);
            }
            None => st.steps.push_back(step),
        }
        Ok(())
    }

    /// Drops every pending step (closing pending coroutines) and the awaitable being awaited.
    pub(crate) fn cancel(&self, py: Python<'_>) {
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
        for step in &steps {
            if let Step::Await { awaitable, .. } = step {
                close_pending(py, awaitable);
            }
        }
    }

    /// Runs `call` (a native callback) with new steps going right after the running one.
    fn run_callback(&self, call: impl FnOnce() -> i32) -> (i32, usize) {
        let saved = self.st().cursor.replace(0);
        let rc = call();
        let mut st = self.st();
        let at = st.cursor.unwrap_or(0);
        st.cursor = saved;
        (rc, at)
    }

    fn next_step(&self) -> Option<Step> {
        self.st().steps.pop_front()
    }

    fn set_current(&self, cur: Current) {
        self.st().current = Some(cur);
    }

    /// Starts awaiting `awaitable`.
    fn start_await(
        &self,
        awaitable: &Bound<'_, PyAny>,
        on_result: OnResult,
        on_error: Option<ValueCallback>,
        slf: &Bound<'_, Awaitable>,
    ) -> Flow {
        let py = slf.py();
        match await_iter(awaitable) {
            Ok((iter, has_send)) => {
                self.set_current(Current {
                    iter,
                    has_send,
                    on_result,
                    on_error,
                });
                send_none(py)
            }
            Err(e) => self.step_error(slf, e, on_error),
        }
    }

    /// No awaitable is running: start the next step, or finish.
    fn start_next(&self, slf: &Bound<'_, Awaitable>) -> Flow {
        let py = slf.py();
        match self.next_step() {
            None => {
                let result = self.st().result.take();
                Flow::Finish(Ok(result.unwrap_or_else(|| py.None())))
            }
            Some(Step::Await {
                awaitable,
                on_result,
                on_error,
            }) => self.start_await(awaitable.bind(py), on_result, on_error, slf),
            Some(Step::Defer(f)) => {
                let (rc, _) = self.run_callback(|| f(slf.as_ptr()));
                match classify(py, rc, "defer callback") {
                    Outcome::Ok => send_none(py),
                    Outcome::Error(e) | Outcome::Propagate(e) => self.fail(slf, e),
                }
            }
            Some(Step::Exit { exit, on_error }) => {
                match exit.bind(py).call1((py.None(), py.None(), py.None())) {
                    Ok(aw) => self.start_await(&aw, OnResult::Ignore, on_error, slf),
                    Err(e) => self.step_error(slf, e, on_error),
                }
            }
        }
    }

    /// The awaited step returned `value`.
    fn on_value(
        &self,
        slf: &Bound<'_, Awaitable>,
        value: Bound<'_, PyAny>,
        on_result: OnResult,
        on_error: Option<ValueCallback>,
    ) -> Flow {
        let py = slf.py();
        match on_result {
            OnResult::Ignore => send_none(py),
            OnResult::Call(cb) => {
                let (rc, _) = self.run_callback(|| cb(slf.as_ptr(), value.as_ptr()));
                match classify(py, rc, "result callback") {
                    Outcome::Ok => send_none(py),
                    Outcome::Error(e) => self.step_error(slf, e, on_error),
                    Outcome::Propagate(e) => self.fail(slf, e),
                }
            }
            OnResult::Enter { exit, body } => {
                let (rc, at) = match body {
                    Some(body) => self.run_callback(|| body(slf.as_ptr(), value.as_ptr())),
                    None => (0, 0),
                };
                let outcome = classify(py, rc, "async_with body callback");
                // `<= -2` skips the error callback, but `__aexit__` always runs.
                let on_error = match outcome {
                    Outcome::Propagate(_) => None,
                    _ => on_error,
                };
                // The context is exited even if the body cancelled the rest.
                let mut st = self.st();
                let at = at.min(st.steps.len());
                st.steps.insert(at, Step::Exit { exit, on_error });
                drop(st);
                match outcome {
                    Outcome::Ok => send_none(py),
                    Outcome::Error(e) | Outcome::Propagate(e) => self.fail(slf, e),
                }
            }
            OnResult::ExitAfter { exc } => match value.is_truthy() {
                Ok(true) => send_none(py),
                Ok(false) => self.step_error(slf, PyErr::from_value(exc.into_bound(py)), on_error),
                Err(e) => self.step_error(slf, e, on_error),
            },
        }
    }

    /// A step failed with `e`: its error callback decides, or `e` propagates.
    fn step_error(
        &self,
        slf: &Bound<'_, Awaitable>,
        e: PyErr,
        on_error: Option<ValueCallback>,
    ) -> Flow {
        let py = slf.py();
        let Some(cb) = on_error else {
            return self.fail(slf, e);
        };
        let exc = e.value(py).clone();
        let (rc, _) = self.run_callback(|| cb(slf.as_ptr(), exc.as_ptr()));
        let raised = PyErr::take(py);
        match (rc, raised) {
            (0, None) => send_none(py),
            (-1, _) => self.fail(slf, e),
            (-2, Some(own)) => {
                let value = own.value(py);
                let fresh = value.getattr("__context__").is_ok_and(|c| c.is_none());
                if fresh && !value.is(e.value(py)) {
                    own.set_context(py, Some(e));
                }
                self.fail(slf, crate::callbacks::no_stop_iteration(py, own))
            }
            (rc, raised) => {
                let err = PySystemError::new_err(format!(
                    "awaitkit: error callback returned {rc}{}; expected 0, -1, or -2 with an exception set",
                    if raised.is_some() { " with an exception set" } else { " without an exception set" }
                ));
                err.set_cause(py, raised.or(Some(e)));
                self.fail(slf, err)
            }
        }
    }

    /// `e` propagates: pending steps are dropped up to the next `async with` exit, which is
    /// awaited with `e`; with none left, the awaitable raises `e`.
    fn fail(&self, slf: &Bound<'_, Awaitable>, e: PyErr) -> Flow {
        let py = slf.py();
        loop {
            match self.next_step() {
                None => return Flow::Finish(Err(e)),
                Some(Step::Await { awaitable, .. }) => close_pending(py, &awaitable),
                Some(Step::Defer(_)) => {}
                Some(Step::Exit { exit, on_error }) => {
                    let exc = e.value(py).clone();
                    let args = (exc.get_type(), exc.clone(), e.traceback(py));
                    let on_result = OnResult::ExitAfter {
                        exc: exc.into_any().unbind(),
                    };
                    return match exit.bind(py).call1(args) {
                        Ok(aw) => self.start_await(&aw, on_result, on_error, slf),
                        Err(e2) => {
                            e2.set_context(py, Some(e));
                            self.step_error(slf, e2, on_error)
                        }
                    };
                }
            }
        }
    }

    /// Sends `mode` into the awaitable being awaited.
    fn step_inner(&self, slf: &Bound<'_, Awaitable>, cur: Current, mode: Mode) -> Flow {
        let py = slf.py();
        let iter = cur.iter.bind(py);
        let sent = match mode {
            Mode::Send(v) => send(iter, cur.has_send, v),
            Mode::Throw(e) => outcome(
                py,
                match iter.getattr_opt(intern!(py, "throw")) {
                    Ok(Some(throw)) => throw.call1((e.value(py),)),
                    Ok(None) => Err(e),
                    Err(e2) => Err(e2),
                },
            ),
        };
        match sent {
            Sent::Yielded(yielded) => {
                self.set_current(cur);
                Flow::Yield(yielded.unbind())
            }
            Sent::Returned(v) => self.on_value(slf, v, cur.on_result, cur.on_error),
            Sent::Raised(e) => self.step_error(slf, e, cur.on_error),
        }
    }

    fn drive(&self, slf: &Bound<'_, Awaitable>, mut mode: Mode) -> Flow {
        loop {
            let current = self.st().current.take();
            let flow = match (current, mode) {
                (Some(cur), mode) => self.step_inner(slf, cur, mode),
                (None, Mode::Throw(e)) => self.fail(slf, e),
                (None, Mode::Send(_)) => self.start_next(slf),
            };
            match flow {
                Flow::Continue(next) => mode = next,
                other => return other,
            }
        }
    }

    fn resume(slf: &Bound<'_, Awaitable>, mode: Mode) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let this = slf.get();
        {
            let mut st = this.st();
            if st.running {
                return Err(PyValueError::new_err(
                    "awaitkit.Awaitable is already running",
                ));
            }
            if st.done {
                drop(st);
                return match mode {
                    Mode::Throw(e) => Err(e),
                    Mode::Send(_) => Err(PyRuntimeError::new_err(
                        "cannot reuse an awaitkit.Awaitable that has finished",
                    )),
                };
            }
            if let Mode::Send(v) = &mode {
                if !st.started && !v.is_none(py) {
                    return Err(PyTypeError::new_err(
                        "can't send non-None value to a just-started awaitkit.Awaitable",
                    ));
                }
            }
            st.awaited = true;
            st.started = true;
            st.running = true;
        }
        // A bug must not leave the awaitable "running" forever.
        let flow = catch_unwind(AssertUnwindSafe(|| this.drive(slf, mode))).unwrap_or_else(|_| {
            Flow::Finish(Err(PySystemError::new_err(
                "awaitkit: internal error (a panic was caught)",
            )))
        });
        let mut st = this.st();
        st.running = false;
        match flow {
            Flow::Yield(v) => Ok(v),
            Flow::Finish(Ok(v)) => {
                st.done = true;
                Err(PyStopIteration::new_err((v,)))
            }
            Flow::Finish(Err(e)) => {
                st.done = true;
                Err(e)
            }
            Flow::Continue(_) => unreachable!("drive returns only Yield or Finish"),
        }
    }

    /// Closes what is pending and, if this was never awaited but had work queued and was not
    /// cancelled, warns like an un-awaited coroutine.
    fn finalize(&self, py: Python<'_>, warn: bool) {
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
}

impl Drop for Awaitable {
    fn drop(&mut self) {
        let st = self.st();
        let idle = (st.awaited || !st.added) && st.current.is_none() && st.steps.is_empty();
        drop(st);
        if !idle {
            Python::attach(|py| self.finalize(py, true));
        }
    }
}

#[pymethods]
impl Awaitable {
    fn __await__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        let mut st = slf.get().st();
        if st.awaited {
            return Err(PyRuntimeError::new_err(
                "an awaitkit.Awaitable can be awaited only once",
            ));
        }
        st.awaited = true;
        drop(st);
        Ok(slf)
    }

    fn __next__(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        Self::resume(slf, Mode::Send(slf.py().None()))
    }

    #[pyo3(signature = (value, /))]
    fn send(slf: &Bound<'_, Self>, value: Py<PyAny>) -> PyResult<Py<PyAny>> {
        Self::resume(slf, Mode::Send(value))
    }

    #[pyo3(signature = (typ, val = None, tb = None, /))]
    fn throw(
        slf: &Bound<'_, Self>,
        typ: &Bound<'_, PyAny>,
        val: Option<&Bound<'_, PyAny>>,
        tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        Self::resume(slf, Mode::Throw(normalize(typ, val, tb)?))
    }

    /// Closes the awaitable being awaited (its `finally` blocks run) and every pending one.
    fn close(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        let (current, steps) = {
            let mut st = this.st();
            if st.running {
                return Err(PyValueError::new_err(
                    "awaitkit.Awaitable is already running",
                ));
            }
            st.done = true;
            st.cancelled = true;
            (st.current.take(), std::mem::take(&mut st.steps))
        };
        for step in &steps {
            if let Step::Await { awaitable, .. } = step {
                close_pending(py, awaitable);
            }
        }
        if let Some(cur) = current {
            if let Some(close) = cur.iter.bind(py).getattr_opt(intern!(py, "close"))? {
                close.call0()?;
            }
        }
        Ok(())
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        // Never block: if the state is busy, it is reachable from a running frame anyway.
        let Ok(st) = self.state.try_lock() else {
            return Ok(());
        };
        let visit_on_result = |r: &OnResult| match r {
            OnResult::Enter { exit, .. } => visit.call(exit),
            OnResult::ExitAfter { exc } => visit.call(exc),
            _ => Ok(()),
        };
        for step in &st.steps {
            match step {
                Step::Await {
                    awaitable,
                    on_result,
                    ..
                } => {
                    visit.call(awaitable)?;
                    visit_on_result(on_result)?;
                }
                Step::Exit { exit, .. } => visit.call(exit)?,
                Step::Defer(_) => {}
            }
        }
        if let Some(cur) = &st.current {
            visit.call(&cur.iter)?;
            visit_on_result(&cur.on_result)?;
        }
        visit.call(&st.result)?;
        for v in &st.values {
            visit.call(v)?;
        }
        Ok(())
    }

    /// Breaks reference cycles: pending coroutines are closed, values released, no warning.
    fn __clear__(&self) {
        if self.state.try_lock().is_err() {
            return;
        }
        Python::attach(|py| self.finalize(py, false));
    }
}
