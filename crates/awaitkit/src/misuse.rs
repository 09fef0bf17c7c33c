//! What a caller of the C API can get wrong, as plain data: the functions that callbacks call
//! all the time run `boundary::direct` and hold no PyO3 error object, so the Python exception is
//! made in one place, `Misuse::raise`, off the hot path.

use pyo3::exceptions::{PyIndexError, PyRuntimeError, PySystemError, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;

use crate::boundary::{attached, Raised};

/// A C API call that cannot be done.
pub(crate) enum Misuse {
    /// `aw` is NULL or not an `awaitkit.Awaitable` (it is alive for the call).
    NotAnAwaitable(*mut ffi::PyObject),
    /// This object (alive for the call) has no `__await__`.
    NotAwaitable(*mut ffi::PyObject),
    /// An awaitable asked to await itself.
    AwaitsItself,
    /// A step added to an awaitable that has finished.
    Finished,
    /// A bad argument (a `TypeError` with this message).
    BadArgument(&'static str),
    /// A broken contract (a `SystemError` with this message).
    Broken(&'static str),
    /// No saved value of this kind at `index`.
    NoIndex { index: isize, len: usize },
    /// More values asked for than saved.
    TooFew {
        what: &'static str,
        n: usize,
        len: usize,
    },
    /// The exception is set already.
    Raised,
}

impl Misuse {
    /// Raises it.
    #[cold]
    #[inline(never)]
    pub(crate) fn raise(self) -> Raised {
        match self {
            Misuse::Raised => Raised,
            misuse => attached(Raised, |py| Err(misuse.into_err(py))),
        }
    }

    /// The exception, for code that runs attached.
    pub(crate) fn into_err(self, py: Python<'_>) -> PyErr {
        // SAFETY: the objects a `Misuse` names are NULL or alive for the call that made it.
        let name_of =
            |obj| unsafe { Bound::from_borrowed_ptr_or_opt(py, obj) }.map(|o| type_name(&o));
        match self {
            Misuse::NotAnAwaitable(obj) => {
                let got = name_of(obj).unwrap_or_else(|| "NULL".to_owned());
                PyTypeError::new_err(format!(
                    "awaitkit: expected an awaitkit.Awaitable, got {got}"
                ))
            }
            Misuse::NotAwaitable(obj) => PyTypeError::new_err(format!(
                "awaitkit: '{}' object is not awaitable (it has no __await__)",
                name_of(obj).unwrap_or_default()
            )),
            Misuse::AwaitsItself => {
                PyValueError::new_err("awaitkit: an awaitable cannot await itself")
            }
            Misuse::Finished => PyRuntimeError::new_err(
                "awaitkit: cannot add a step to an awaitable that has finished",
            ),
            Misuse::BadArgument(message) => PyTypeError::new_err(message),
            Misuse::Broken(message) => PySystemError::new_err(message),
            Misuse::NoIndex { index, len } => {
                PyIndexError::new_err(format!("awaitkit: no value at index {index} ({len} saved)"))
            }
            Misuse::TooFew { what, n, len } => {
                PyIndexError::new_err(format!("awaitkit: cannot unpack {n} {what}: {len} saved"))
            }
            Misuse::Raised => PyErr::fetch(py),
        }
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map_or("?".into(), |n| n.to_string())
}

/// `i` as an index into `len` saved values.
pub(crate) fn index(len: usize, i: isize) -> Result<usize, Misuse> {
    usize::try_from(i)
        .ok()
        .filter(|&i| i < len)
        .ok_or(Misuse::NoIndex { index: i, len })
}
