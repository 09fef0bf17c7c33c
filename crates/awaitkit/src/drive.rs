//! What an awaitable does when it is resumed: it runs its steps in order, sending into the
//! awaitable being awaited, until one suspends (its value is yielded to the event loop) or none
//! is left (the result is returned). Each step awaits a Python awaitable and hands its outcome to
//! native callbacks, runs a deferred native callback, or exits an `async with` block.
//!
//! The usual path (native coroutines, callbacks returning 0) runs under `boundary::direct`, with
//! no PyO3-owned object; an error is left set in the interpreter (`Raised`) and the code that
//! handles it runs attached (`raising`, `attached`). The state is borrowed only to move things
//! in and out, never across a callback or a Python call (see state.rs).

use pyo3::exceptions::{PyBaseException, PyRuntimeError, PySystemError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::{ffi, Borrowed};

use crate::boundary::{attached, direct, raise, raising, Raised};
use crate::callbacks::{classify, no_stop_iteration, Outcome};
use crate::close::close_pending;
use crate::object::Awaitable;
use crate::refs::{decref, incref, none, Ref};
use crate::send::{
    await_iter, is_coroutine, is_coroutine_ptr, py_iter_send, send, throw, PyIterSend, Sent,
};
use crate::state::{Current, OnResult, Step, Steps, ValueCallback};

/// How the awaitable is resumed.
#[derive(Clone, Copy)]
pub(crate) enum Mode<'py> {
    /// Send this value (borrowed: the caller holds it for the whole resumption).
    Send(Borrowed<'py, 'py, PyAny>),
    /// Throw the exception that is set.
    Throw(Raised),
}

/// Where the drive goes next.
enum Flow<'py> {
    /// Send (or throw) into the awaitable being awaited (`Run::cur`); if there is none, start
    /// the next step (a send) or fail (a throw).
    Continue(Mode<'py>),
    /// Suspended in `Run::cur`, which yielded this value.
    Yield(Bound<'py, PyAny>),
    /// No step is left: the awaitable returns its result.
    Return,
    Raise(Raised),
}

/// One resumption of `aw`, with the awaitable it awaits: out of the state meanwhile (a
/// callback that cancels finds nothing to close there), and back in it while suspended.
struct Run<'a> {
    aw: Awaitable<'a>,
    cur: Option<Current>,
}

/// A new reference to None.
fn new_none(py: Python<'_>) -> Bound<'_, PyAny> {
    let none = none(py).as_ptr();
    // SAFETY: the GIL is held (`py`); None lives for ever. The new reference goes to the `Bound`.
    unsafe {
        incref(none);
        Bound::from_owned_ptr(py, none)
    }
}

/// Whether the first pending step awaits a native coroutine (see `send::is_coroutine`).
fn front_awaits_coroutine(steps: &Steps) -> bool {
    let front = steps.front();
    matches!(front, Some(Step::Await { awaitable, .. }) if is_coroutine_ptr(awaitable.as_ptr()))
}

/// The exception object of `e` as Python's `except` hands it over: its `__traceback__` says
/// where it came from. (Up to Python 3.11 an exception on its way up keeps its traceback apart,
/// so a callback given `e.value()` would find `__traceback__` None.)
fn caught<'py>(py: Python<'py>, e: &PyErr) -> Bound<'py, PyBaseException> {
    e.clone_ref(py).into_value(py).into_bound(py)
}

/// On to the next step.
fn next(py: Python<'_>) -> Flow<'_> {
    Flow::Continue(Mode::Send(none(py)))
}

const RAISED: Flow<'static> = Flow::Raise(Raised);

impl<'a> Awaitable<'a> {
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
}

impl Run<'_> {
    /// Starts awaiting `awaitable`.
    #[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
    fn start_await<'py>(
        &mut self,
        awaitable: Bound<'py, PyAny>,
        on_result: OnResult,
        on_error: Option<ValueCallback>,
    ) -> Flow<'py> {
        let py = awaitable.py();
        let iter = if is_coroutine(&awaitable) {
            Ok((awaitable, true))
        } else {
            raising(|_| await_iter(&awaitable))
        };
        match iter {
            Ok((iter, has_send)) => {
                let cur = Current {
                    iter: Ref::new(iter),
                    has_send,
                    on_result,
                    on_error,
                };
                self.cur = Some(cur);
                Flow::Continue(Mode::Send(none(py)))
            }
            Err(raised) => self.step_error(py, raised, on_error),
        }
    }

    /// No awaitable is running: start the next step, or finish.
    fn start_next<'py>(&mut self, py: Python<'py>) -> Flow<'py> {
        match self.aw.next_step() {
            None => Flow::Return,
            Some(step) => self.start_step(py, step),
        }
    }

    /// Starts `step`.
    #[inline(never)]
    fn start_step<'py>(&mut self, py: Python<'py>, step: Step) -> Flow<'py> {
        match step {
            Step::Await {
                awaitable,
                on_result,
                on_error,
            } => self.start_await(awaitable.into_bound(py), on_result, on_error),
            Step::Defer(f) => {
                let (rc, _) = self.aw.run_callback(|| f(self.aw.as_ptr()));
                match classify(rc, "defer callback") {
                    Outcome::Ok => next(py),
                    Outcome::Error(raised) | Outcome::Propagate(raised) => self.fail(py, raised),
                }
            }
            Step::Exit { exit, on_error } => self.exit_block(exit.into_bound(py), on_error),
        }
    }

    /// The end of an `async with` block: `await __aexit__(None, None, None)`. (Out of line, as
    /// the rest of `async with`: it keeps the usual path's code compact.)
    #[inline(never)]
    fn exit_block<'py>(
        &mut self,
        exit: Bound<'py, PyAny>,
        on_error: Option<ValueCallback>,
    ) -> Flow<'py> {
        let py = exit.py();
        match raising(|py| exit.call1((py.None(), py.None(), py.None()))) {
            Ok(aw) => self.start_await(aw, OnResult::Ignore, on_error),
            Err(raised) => self.step_error(py, raised, on_error),
        }
    }

    /// The awaited step returned `value`.
    fn on_value<'py>(
        &mut self,
        value: Bound<'py, PyAny>,
        on_result: OnResult,
        on_error: Option<ValueCallback>,
    ) -> Flow<'py> {
        let py = value.py();
        match on_result {
            OnResult::Ignore => next(py),
            OnResult::Call(cb) => {
                let (rc, _) = self
                    .aw
                    .run_callback(|| cb(self.aw.as_ptr(), value.as_ptr()));
                self.after_result_callback(py, rc, on_error)
            }
            OnResult::Enter { exit, body } => self.enter_body(value, exit, body, on_error),
            OnResult::ExitAfter { exc } => self.after_exit(value, exc, on_error),
        }
    }

    /// `__aenter__` returned `value`: run the body, then queue `__aexit__`. (Out of line, as the
    /// rest of `async with`: it keeps the usual path's code compact.)
    #[inline(never)]
    fn enter_body<'py>(
        &mut self,
        value: Bound<'py, PyAny>,
        exit: Ref,
        body: Option<ValueCallback>,
        on_error: Option<ValueCallback>,
    ) -> Flow<'py> {
        let py = value.py();
        let (rc, at) = match body {
            Some(body) => self
                .aw
                .run_callback(|| body(self.aw.as_ptr(), value.as_ptr())),
            None => (0, 0),
        };
        let outcome = classify(rc, "async_with body callback");
        // `<= -2` skips the error callback, but `__aexit__` always runs.
        let on_error = match outcome {
            Outcome::Propagate(_) => None,
            _ => on_error,
        };
        // The context is exited even if the body cancelled the rest.
        self.aw.st().steps.insert(at, Step::Exit { exit, on_error });
        match outcome {
            Outcome::Ok => next(py),
            Outcome::Error(raised) | Outcome::Propagate(raised) => self.fail(py, raised),
        }
    }

    /// `__aexit__(type, exc, tb)` returned `value` after the block failed with `exc`: a true
    /// value swallows it.
    #[inline(never)]
    fn after_exit<'py>(
        &mut self,
        value: Bound<'py, PyAny>,
        exc: Ref,
        on_error: Option<ValueCallback>,
    ) -> Flow<'py> {
        let py = value.py();
        // SAFETY: the GIL is held; a live object. 1, 0, or -1 with an exception set.
        match unsafe { ffi::PyObject_IsTrue(value.as_ptr()) } {
            1 => next(py),
            0 => {
                let exc = exc.into_bound(py);
                let raised = attached(Raised, |_| Err(PyErr::from_value(exc)));
                self.step_error(py, raised, on_error)
            }
            _ => self.step_error(py, Raised, on_error),
        }
    }

    /// A step failed with the exception that is set: its error callback decides, or it
    /// propagates.
    #[cold]
    #[inline(never)]
    fn step_error<'py>(
        &mut self,
        py: Python<'py>,
        raised: Raised,
        on_error: Option<ValueCallback>,
    ) -> Flow<'py> {
        let Some(cb) = on_error else {
            return self.fail(py, raised);
        };
        attached(RAISED, |_| {
            let e = PyErr::fetch(py);
            let exc = caught(py, &e);
            let (rc, _) = self.aw.run_callback(|| cb(self.aw.as_ptr(), exc.as_ptr()));
            let raised = PyErr::take(py);
            let mut fail_with = |err: PyErr| {
                err.restore(py);
                Ok(self.fail(py, Raised))
            };
            match (rc, raised) {
                (0, None) => Ok(next(py)),
                (-1, _) => fail_with(e),
                (-2, Some(own)) => {
                    let value = own.value(py);
                    let fresh = value.getattr("__context__").is_ok_and(|c| c.is_none());
                    if fresh && !value.is(e.value(py)) {
                        own.set_context(py, Some(e));
                    }
                    fail_with(no_stop_iteration(py, own))
                }
                (rc, raised) => {
                    let err = PySystemError::new_err(format!(
                        "awaitkit: error callback returned {rc}{}; expected 0, -1, or -2 with an exception set",
                        if raised.is_some() { " with an exception set" } else { " without an exception set" }
                    ));
                    err.set_cause(py, raised.or(Some(e)));
                    fail_with(err)
                }
            }
        })
    }

    /// The exception that is set propagates: pending steps are dropped up to the next
    /// `async with` exit, which is awaited with it; with none left, the awaitable raises it.
    #[cold]
    #[inline(never)]
    fn fail<'py>(&mut self, py: Python<'py>, _: Raised) -> Flow<'py> {
        attached(RAISED, |_| {
            let e = PyErr::fetch(py);
            loop {
                match self.aw.next_step() {
                    None => return Err(e),
                    Some(Step::Await { awaitable, .. }) => close_pending(py, &awaitable),
                    Some(Step::Defer(_)) => {}
                    Some(Step::Exit { exit, on_error }) => {
                        // As `async with`: `tb is exc.__traceback__`.
                        let exc = caught(py, &e);
                        // SAFETY: the GIL is held; a live exception. A new reference, or NULL.
                        let tb = unsafe {
                            Bound::from_owned_ptr_or_opt(
                                py,
                                ffi::PyException_GetTraceback(exc.as_ptr()),
                            )
                        };
                        let args = (exc.get_type(), exc.clone(), tb);
                        let on_result = OnResult::ExitAfter {
                            exc: Ref::new(exc.into_any()),
                        };
                        return Ok(match exit.bind(py).call1(args) {
                            Ok(aw) => self.start_await(aw, on_result, on_error),
                            Err(e2) => {
                                e2.set_context(py, Some(e));
                                e2.restore(py);
                                self.step_error(py, Raised, on_error)
                            }
                        });
                    }
                }
            }
        })
    }

    /// Sends `mode` into the awaitable being awaited.
    fn step_inner<'py>(&mut self, py: Python<'py>, cur: Current, mode: Mode<'py>) -> Flow<'py> {
        let iter = cur.iter.bind(py);
        let sent = match mode {
            Mode::Send(v) => send(&iter, cur.has_send, v),
            Mode::Throw(raised) => throw(&iter, raised),
        };
        match sent {
            Sent::Yielded(yielded) => {
                self.cur = Some(cur);
                Flow::Yield(yielded)
            }
            Sent::Returned(v) => self.on_value(v, cur.on_result, cur.on_error),
            Sent::Raised(raised) => self.step_error(py, raised, cur.on_error),
        }
    }

    /// The general drive: sends (or throws) into the awaitable being awaited and starts the
    /// next steps until one suspends, none is left, or an error propagates. Out of line: the
    /// usual resumption (`Awaitable::resume`) does not come here.
    #[inline(never)]
    fn drive<'py>(&mut self, py: Python<'py>, mut mode: Mode<'py>) -> Flow<'py> {
        loop {
            let flow = match (self.cur.take(), mode) {
                (Some(cur), mode) => self.step_inner(py, cur, mode),
                (None, Mode::Throw(raised)) => self.fail(py, raised),
                (None, Mode::Send(_)) => self.start_next(py),
            };
            match flow {
                Flow::Continue(next) => mode = next,
                end => return end,
            }
        }
    }

    /// Goes on from `flow` in `drive`, unless it is an end.
    fn then<'py>(&mut self, py: Python<'py>, flow: Flow<'py>) -> Flow<'py> {
        match flow {
            Flow::Continue(mode) => self.drive(py, mode),
            end => end,
        }
    }

    /// What follows a result callback that returned `rc`: the next step (0, no exception set),
    /// the step's error callback (-1), or propagating the exception (<= -2).
    #[inline(never)]
    fn after_result_callback<'py>(
        &mut self,
        py: Python<'py>,
        rc: i32,
        on_error: Option<ValueCallback>,
    ) -> Flow<'py> {
        match classify(rc, "result callback") {
            Outcome::Ok => next(py),
            Outcome::Error(raised) => self.step_error(py, raised, on_error),
            Outcome::Propagate(raised) => self.fail(py, raised),
        }
    }
}

impl<'a> Awaitable<'a> {
    /// Resumes the coroutine: `send` (`__next__`, `am_send`) or `throw`. Its callers (Python
    /// itself, through the slots and methods) hold a reference to it until this returns, as for
    /// a generator, so callbacks cannot free it meanwhile.
    ///
    /// The awaitable being awaited is out of the state while it runs (a callback that cancels
    /// finds nothing to close there), and back in it while suspended.
    ///
    /// The usual resumption runs here, compact: the code of every `await` goes cold while an
    /// event loop runs other tasks, so what it brings back into the caches is what it costs.
    /// It is a send, through `PyIter_Send`, into a native coroutine (the one being awaited, or
    /// the next step's), which yields, or returns to a result callback that returns 0, after
    /// which no step is left. It does what the general path (`resume_general`, `drive`) does, in
    /// the same order; whatever else happens goes on there.
    ///
    /// Inline in `am_send` (how Python 3.10 and 3.11 resume it, and asyncio's tasks); the other
    /// callers use `resume_outlined`.
    #[inline(always)]
    pub(crate) fn resume<'py>(self, py: Python<'py>, mode: Mode<'py>) -> Sent<'py> {
        let (Mode::Send(value), Some(iter_send)) = (mode, py_iter_send()) else {
            return self.resume_general(py, mode);
        };
        let (cur, value) = {
            let mut st = self.st();
            let usual = !st.running
                && !st.done
                && (st.started || value.is_none())
                && (st.current.is_some() || front_awaits_coroutine(&st.steps));
            if !usual {
                drop(st);
                return self.resume_general(py, mode);
            }
            st.awaited = true;
            st.started = true;
            st.running = true;
            match st.current.take() {
                Some(cur) => (cur, value),
                // `start_next` and `start_await` for a native coroutine, its own iterator: it is
                // sent None.
                None => match st.steps.pop_front() {
                    Some(Step::Await {
                        awaitable,
                        on_result,
                        on_error,
                    }) => {
                        let cur = Current {
                            iter: awaitable,
                            has_send: true,
                            on_result,
                            on_error,
                        };
                        (cur, none(py))
                    }
                    _ => unreachable!("checked by front_awaits_coroutine"),
                },
            }
        };
        // A bug must not leave the awaitable "running" forever: if `send_usual` panics, the
        // guard finishes it, and `boundary::direct` raises the SystemError that
        // `resume_general` would (no `catch_unwind` here: it would keep `cur` and the closure's
        // captures on the stack; a guard costs nothing unless it unwinds).
        let guard = Running(self);
        let sent = self.send_usual(py, cur, value, iter_send);
        std::mem::forget(guard);
        sent
    }

    /// `resume`, out of line: for `__next__` (how Python 3.9 and 3.12+ resume it), `send` and
    /// `throw`.
    #[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]
    #[inline(never)]
    pub(crate) fn resume_outlined<'py>(self, py: Python<'py>, mode: Mode<'py>) -> Sent<'py> {
        self.resume(py, mode)
    }

    /// The usual resumption, once started (see `resume`).
    #[inline(always)]
    fn send_usual<'py>(
        self,
        py: Python<'py>,
        cur: Current,
        value: Borrowed<'_, 'py, PyAny>,
        iter_send: PyIterSend,
    ) -> Sent<'py> {
        let mut out: *mut ffi::PyObject = std::ptr::null_mut();
        // SAFETY: the GIL is held; the iterator and the value are live; `out` is writable.
        let rc = unsafe { iter_send(cur.iter.as_ptr(), value.as_ptr(), &mut out) };
        if rc < 0 {
            // As `step_inner`: the step's error callback decides, then `cur` is dropped.
            return self.resume_rest(py, |run| {
                let flow = run.step_error(py, Raised, cur.on_error);
                drop(cur);
                flow
            });
        }
        // SAFETY: on PYGEN_NEXT (1) and PYGEN_RETURN (0), `out` is a new reference.
        let sent = unsafe { Bound::from_owned_ptr(py, out) };
        if rc == 1 {
            let mut st = self.st();
            st.running = false;
            // Nothing else puts an awaitable there while this runs: `old` is None (released
            // after the borrow all the same, as in `end`).
            let old = st.current.replace(cur);
            drop(st);
            drop(old);
            return Sent::Yielded(sent);
        }
        let Current {
            iter,
            on_result,
            on_error,
            ..
        } = cur;
        let OnResult::Call(cb) = on_result else {
            // As `step_inner` (`on_value`, then what is left of `cur` is dropped).
            return self.resume_rest(py, |run| {
                let flow = run.on_value(sent, on_result, on_error);
                drop(iter);
                flow
            });
        };
        // As `on_value`.
        let (rc, _) = self.run_callback(|| cb(self.as_ptr(), sent.as_ptr()));
        // SAFETY: the GIL is held.
        if rc != 0 || !unsafe { ffi::PyErr_Occurred() }.is_null() {
            return self.resume_rest(py, |run| {
                let flow = run.after_result_callback(py, rc, on_error);
                drop(sent);
                drop(iter);
                flow
            });
        }
        // SAFETY: the reference `sent` owned (`Bound`'s drop would call `Py_DecRef`).
        unsafe { decref(sent.into_ptr()) };
        drop(iter);
        // As `start_next`, with no step left.
        let mut st = self.st();
        if !st.steps.is_empty() {
            drop(st);
            return self.resume_rest(py, |run| run.start_next(py));
        }
        st.running = false;
        st.done = true;
        let result = st.result.take();
        drop(st);
        Sent::Returned(result.map_or_else(|| new_none(py), |r| r.into_bound(py)))
    }

    /// The rest of a resumption that left the usual path: from `first`'s flow on, in `drive`.
    #[cold]
    #[inline(never)]
    fn resume_rest<'py>(
        self,
        py: Python<'py>,
        first: impl FnOnce(&mut Run<'a>) -> Flow<'py>,
    ) -> Sent<'py> {
        let mut run = Run {
            aw: self,
            cur: None,
        };
        // A bug must not leave the awaitable "running" forever: a panic is raised and `end` runs.
        let end = direct(RAISED, |_| {
            let flow = first(&mut run);
            run.then(py, flow)
        });
        self.end(py, &mut run.cur, end)
    }

    /// Any resumption: `resume`'s usual path, and everything else.
    #[cold]
    #[inline(never)]
    fn resume_general<'py>(self, py: Python<'py>, mode: Mode<'py>) -> Sent<'py> {
        let started = {
            let mut st = self.st();
            let refused = if st.running {
                Some(Refused::Running)
            } else if st.done {
                Some(Refused::Done)
            } else if !st.started && matches!(&mode, Mode::Send(v) if !v.is_none()) {
                Some(Refused::NotStarted)
            } else {
                None
            };
            match refused {
                Some(why) => Err(why),
                None => {
                    st.awaited = true;
                    st.started = true;
                    st.running = true;
                    Ok(st.current.take())
                }
            }
        };
        let mut run = match started {
            Ok(cur) => Run { aw: self, cur },
            Err(why) => return Sent::Raised(refuse(why, mode)),
        };
        // A bug must not leave the awaitable "running" forever: a panic is raised and `end` runs.
        let end = direct(RAISED, |_| run.drive(py, mode));
        self.end(py, &mut run.cur, end)
    }

    /// The end of a resumption: the awaitable being awaited (`cur`) back in the state if it
    /// suspended, the result returned or the exception raised.
    fn end<'py>(self, py: Python<'py>, cur: &mut Option<Current>, end: Flow<'py>) -> Sent<'py> {
        let mut st = self.st();
        st.running = false;
        // Nothing else puts an awaitable there while this runs: `old` is None.
        let (old, sent) = match end {
            Flow::Yield(value) => (
                std::mem::replace(&mut st.current, cur.take()),
                Sent::Yielded(value),
            ),
            Flow::Return => {
                st.done = true;
                let result = st.result.take();
                let result = result.map_or_else(|| none(py).to_owned(), |r| r.into_bound(py));
                (None, Sent::Returned(result))
            }
            Flow::Raise(raised) => {
                st.done = true;
                (None, Sent::Raised(raised))
            }
            Flow::Continue(_) => unreachable!("drive returns only where it ends"),
        };
        drop(st);
        drop(old);
        sent
    }
}

/// Finishes an awaitable whose usual resumption panicked (it is forgotten otherwise).
struct Running<'a>(Awaitable<'a>);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if let Some(mut st) = self.0.try_st() {
            st.running = false;
            st.done = true;
        }
    }
}

/// Why `resume` refuses to run.
enum Refused {
    Running,
    Done,
    /// A first `send` with something else than None.
    NotStarted,
}

/// Raises what a coroutine raises when it refuses to run.
#[cold]
#[inline(never)]
fn refuse(why: Refused, mode: Mode<'_>) -> Raised {
    match (why, mode) {
        // Throwing into a finished coroutine raises what was thrown.
        (Refused::Done, Mode::Throw(thrown)) => thrown,
        (Refused::Done, Mode::Send(_)) => raise(|| {
            PyRuntimeError::new_err("cannot reuse an awaitkit.Awaitable that has finished")
        }),
        (Refused::Running, _) => attached(Raised, |py| {
            drop(PyErr::take(py)); // what was thrown, if anything
            Err(PyValueError::new_err(
                "awaitkit.Awaitable is already running",
            ))
        }),
        (Refused::NotStarted, _) => raise(|| {
            PyTypeError::new_err("can't send non-None value to a just-started awaitkit.Awaitable")
        }),
    }
}
