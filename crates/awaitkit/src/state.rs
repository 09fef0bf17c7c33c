//! What an awaitable holds: its queue of steps, the step being awaited, its result and values.
//!
//! Plain data, no Python calls: code that holds the state borrowed moves things in and out of it
//! and never calls Python (or a callback) before letting go, so that re-entrant calls from
//! callbacks (add_await, set_result, cancel ... on the same awaitable) find it free.

use std::collections::VecDeque;

use pyo3::ffi;

use crate::refs::Ref;

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
        exit: Ref,
        body: Option<ValueCallback>,
    },
    /// `__aexit__(type, exc, tb)` returned: a true value swallows `exc`.
    ExitAfter {
        exc: Ref,
    },
}

impl OnResult {
    fn held(&self) -> Option<&Ref> {
        match self {
            OnResult::Enter { exit, .. } => Some(exit),
            OnResult::ExitAfter { exc } => Some(exc),
            OnResult::Ignore | OnResult::Call(_) => None,
        }
    }
}

pub(crate) enum Step {
    Await {
        awaitable: Ref,
        on_result: OnResult,
        on_error: Option<ValueCallback>,
    },
    Defer(DeferCallback),
    /// The end of an `async with` block: `await __aexit__(None, None, None)`.
    Exit {
        exit: Ref,
        on_error: Option<ValueCallback>,
    },
}

/// The awaitable being awaited: its `__await__` iterator and what to do with its outcome.
pub(crate) struct Current {
    pub(crate) iter: Ref,
    /// Whether `iter` has a `send` method (only looked at where `PyIter_Send` is missing).
    pub(crate) has_send: bool,
    pub(crate) on_result: OnResult,
    pub(crate) on_error: Option<ValueCallback>,
}

/// The pending steps, first to run first. The first one lives inline, so that an awaitable with
/// a single step (the common case) allocates nothing for its queue.
#[derive(Default)]
pub(crate) struct Steps {
    /// `None` only when `rest` is empty too.
    first: Option<Step>,
    rest: VecDeque<Step>,
}

impl Steps {
    pub(crate) fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    #[inline(always)]
    pub(crate) fn pop_front(&mut self) -> Option<Step> {
        if self.rest.is_empty() {
            return self.first.take();
        }
        self.pop_front_more()
    }

    #[inline(never)]
    fn pop_front_more(&mut self) -> Option<Step> {
        let next = self.rest.pop_front();
        std::mem::replace(&mut self.first, next)
    }

    /// Makes `step` the only one: the queue is empty (checked by the caller).
    #[inline(always)]
    pub(crate) fn set_only(&mut self, step: Step) {
        debug_assert!(self.is_empty() && self.rest.is_empty());
        // Nothing to drop: the slot is empty (so no drop code on the paths of every `await`).
        std::mem::forget(self.first.replace(step));
    }

    pub(crate) fn push_back(&mut self, step: Step) {
        if self.first.is_none() {
            self.first = Some(step);
        } else {
            self.rest.push_back(step);
        }
    }

    /// Inserts `step` before the one at `at` (at the end if `at` is past it).
    pub(crate) fn insert(&mut self, at: usize, step: Step) {
        match at.min(self.len()) {
            0 => {
                if let Some(old) = self.first.replace(step) {
                    self.rest.push_front(old);
                }
            }
            at => self.rest.insert(at - 1, step),
        }
    }

    /// The first step, if any.
    #[inline(always)]
    pub(crate) fn front(&self) -> Option<&Step> {
        self.first.as_ref()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Step> {
        self.first.iter().chain(&self.rest)
    }
}

impl IntoIterator for Steps {
    type Item = Step;
    type IntoIter =
        std::iter::Chain<std::option::IntoIter<Step>, std::collections::vec_deque::IntoIter<Step>>;

    fn into_iter(self) -> Self::IntoIter {
        self.first.into_iter().chain(self.rest)
    }
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) steps: Steps,
    pub(crate) current: Option<Current>,
    /// Where a running callback's new steps go: right after the step that runs it, in order.
    pub(crate) cursor: Option<usize>,
    pub(crate) result: Option<Ref>,
    /// The saved values, made on first use: most awaitables save none, and an empty state is
    /// quicker to make and to check (every `await` makes one and drops one).
    pub(crate) saved: Option<Box<Saved>>,
    pub(crate) added: bool,
    pub(crate) awaited: bool,
    pub(crate) started: bool,
    pub(crate) running: bool,
    pub(crate) done: bool,
    pub(crate) cancelled: bool,
}

/// What `save_values` and `save_arbitrary` saved.
#[derive(Default)]
pub(crate) struct Saved {
    pub(crate) values: Vec<Ref>,
    pub(crate) arbitrary: Vec<usize>,
}

impl State {
    pub(crate) fn values(&self) -> &[Ref] {
        self.saved.as_deref().map_or(&[], |saved| &saved.values)
    }

    pub(crate) fn arbitrary(&self) -> &[usize] {
        self.saved.as_deref().map_or(&[], |saved| &saved.arbitrary)
    }

    pub(crate) fn saved_mut(&mut self) -> &mut Saved {
        self.saved.get_or_insert_with(Box::default)
    }

    /// Queues `step`: after the running callback's earlier additions, or at the end.
    #[inline(always)]
    pub(crate) fn push(&mut self, step: Step) {
        self.added = true;
        // The usual case inline: the first step of an awaitable outside its callbacks.
        if self.cursor.is_none() && self.steps.is_empty() {
            self.steps.set_only(step);
        } else {
            self.push_more(step);
        }
    }

    #[inline(never)]
    fn push_more(&mut self, step: Step) {
        match self.cursor {
            Some(at) => {
                let at = at.min(self.steps.len());
                self.steps.insert(at, step);
                self.cursor = Some(at + 1);
            }
            None => self.steps.push_back(step),
        }
    }

    /// Nothing left to finish: no pending step, nothing being awaited, and no warning due.
    pub(crate) fn idle(&self) -> bool {
        (self.awaited || !self.added) && self.current.is_none() && self.steps.is_empty()
    }

    /// Whether dropping it would release nothing (no reference, no allocation).
    pub(crate) fn holds_nothing(&self) -> bool {
        self.steps.is_empty()
            && self.steps.rest.capacity() == 0
            && self.current.is_none()
            && self.result.is_none()
            && self.saved.is_none()
    }

    /// Every object the state holds a reference to (for the GC's traversal).
    pub(crate) fn held(&self) -> impl Iterator<Item = &Ref> {
        let steps = self.steps.iter().flat_map(|step| match step {
            Step::Await {
                awaitable,
                on_result,
                ..
            } => [Some(awaitable), on_result.held()],
            Step::Exit { exit, .. } => [Some(exit), None],
            Step::Defer(_) => [None, None],
        });
        let current = self
            .current
            .iter()
            .flat_map(|cur| [Some(&cur.iter), cur.on_result.held()]);
        steps
            .chain(current)
            .flatten()
            .chain(&self.result)
            .chain(self.values())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Cannot panic: returns a constant.
    extern "C" fn nothing(_: *mut ffi::PyObject) -> i32 {
        0
    }
    // Cannot panic: returns a constant.
    extern "C" fn other(_: *mut ffi::PyObject) -> i32 {
        1
    }

    fn order(steps: &Steps) -> Vec<bool> {
        steps
            .iter()
            .map(|s| matches!(s, Step::Defer(f) if f(std::ptr::null_mut()) == 0))
            .collect()
    }

    #[test]
    fn steps_keep_their_order_across_the_inline_slot() {
        let mut steps = Steps::default();
        assert!(steps.is_empty() && steps.pop_front().is_none());
        steps.push_back(Step::Defer(nothing));
        steps.push_back(Step::Defer(other));
        steps.insert(0, Step::Defer(other));
        steps.insert(1, Step::Defer(nothing));
        steps.insert(99, Step::Defer(nothing));
        assert_eq!(order(&steps), [false, true, true, false, true]);
        assert_eq!(steps.len(), 5);
        let mut popped = 0;
        while steps.pop_front().is_some() {
            popped += 1;
        }
        assert_eq!(popped, 5);
        assert!(steps.is_empty());
        assert_eq!(steps.len(), 0);
    }

    #[test]
    fn an_empty_state_holds_nothing_to_release() {
        let mut st = State::default();
        assert!(st.holds_nothing());
        st.saved_mut().arbitrary.push(1);
        assert!(!st.holds_nothing());
        let mut st = State::default();
        st.push(Step::Defer(nothing));
        st.push(Step::Defer(other));
        assert!(!st.holds_nothing());
        while st.steps.pop_front().is_some() {}
        // The second step's deque keeps its allocation: that must still be released.
        assert!(!st.holds_nothing());
    }
}
