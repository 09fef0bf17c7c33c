//! The one way a Rust `extern "C"` function keeps a panic out of C: one guard per calling style.
//!
//! A panic that reaches an `extern "C"` boundary aborts the process (Rust 1.81+), and whoever
//! called — a C extension, the interpreter — gets no chance to report anything. So every entry
//! point that Rust code hands to C runs its body through one of these:
//!
//! | the function returns                         | guard          | an error            | a panic                            |
//! |----------------------------------------------|----------------|---------------------|------------------------------------|
//! | a status code and fills a `capreg_error`     | [`c_status`]   | its code, `*err`    | `CAPREG_ERR_INTERNAL`, `*err`      |
//! | a status code of the provider's own          | [`c_code`]     | the body's own code | the code you pass                  |
//! | NULL / -1 with a Python exception set        | [`python`]     | the exception       | `SystemError` naming the call      |
//!
//! ```
//! use std::ffi::c_int;
//! use capreg::{abi, guard, Error};
//!
//! /// Divides `a` by `b` into `*out`; `CAPREG_ERR_BAD_ARGUMENT` for a zero `b` or NULL `out`.
//! ///
//! /// # Safety
//! /// `out` NULL or writable; `err` NULL or a writable `capreg_error`.
//! unsafe extern "C" fn mathkit_div(a: i64, b: i64, out: *mut i64, err: *mut abi::capreg_error) -> c_int {
//!     // SAFETY: `err` is as this function's contract says; `out` is checked before the write.
//!     unsafe {
//!         guard::c_status(err, || {
//!             let bad = |problem: &str| Error::BadArgument { call: "mathkit_div", problem: problem.into() };
//!             let q = a.checked_div(b).ok_or_else(|| bad("b is 0"))?;
//!             let out = out.as_mut().ok_or_else(|| bad("out is NULL"))?;
//!             *out = q;
//!             Ok(())
//!         })
//!     }
//! }
//! ```
//!
//! A function that cannot panic (it calls nothing that can) may skip the guard; it then carries
//! a `// Cannot panic: <why>` comment above it. `tests/test_extern_c_guards.py` checks that
//! every `extern "C" fn` defined in the repository does one or the other.

use std::any::Any;
use std::ffi::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};

use capreg_abi as abi;

use crate::error::Error;
use crate::ffi::{clear_c_error, write_c_error};

/// What a caught panic said, for the error message.
pub fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic with a non-string payload")
}

/// Runs `body` for a C caller of a function that returns its own status codes: the body's
/// result, or `on_panic` if it panicked. Never unwinds into C.
pub fn c_code<R>(on_panic: R, body: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        tracing::error!(
            panic = panic_message(&*payload),
            "caught a panic at the C edge"
        );
        on_panic
    })
}

/// Runs `body` for a C caller of a function that returns a `CAPREG_*` status and fills a
/// `capreg_error`: success returns `CAPREG_OK` and clears `*err`; an error returns its code and
/// writes its message to `*err`; a panic becomes `CAPREG_ERR_INTERNAL`. Never unwinds into C.
///
/// # Safety
/// `err` must be NULL or point to a writable `capreg_error`.
pub unsafe fn c_status(
    err: *mut abi::capreg_error,
    body: impl FnOnce() -> Result<(), Error>,
) -> c_int {
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        Err(Error::Internal {
            problem: format!("caught a panic: {}", panic_message(&*payload)),
        })
    });
    match outcome {
        Ok(()) => {
            // SAFETY: forwarded from our caller's contract.
            unsafe { clear_c_error(err) };
            abi::CAPREG_OK
        }
        Err(e) => {
            // SAFETY: forwarded from our caller's contract.
            unsafe { write_c_error(err, &e) };
            e.code()
        }
    }
}

#[cfg(feature = "python")]
pub use python_style::{python, PyFailure};

#[cfg(feature = "python")]
mod python_style {
    use std::ffi::c_int;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use pyo3::exceptions::PySystemError;
    use pyo3::prelude::*;

    use super::panic_message;

    /// The value a Python-style C function returns when it fails with an exception set.
    pub trait PyFailure {
        const FAILED: Self;
    }
    impl PyFailure for c_int {
        const FAILED: Self = -1;
    }
    impl PyFailure for isize {
        const FAILED: Self = -1;
    }
    impl<T> PyFailure for *mut T {
        const FAILED: Self = std::ptr::null_mut();
    }

    /// Runs `body` for a caller that speaks Python's C convention (a type slot, a method, an
    /// API function documented to raise): its value, or `R::FAILED` (NULL / -1) with its error
    /// set as the current exception; a panic becomes a `SystemError` naming `call`. Never
    /// unwinds into C. `body` may create and drop any PyO3 objects.
    ///
    /// # Safety
    /// The calling thread must hold the GIL (be attached to the interpreter), as every caller
    /// of such a function does.
    pub unsafe fn python<R: PyFailure>(
        call: &str,
        body: impl FnOnce(Python<'_>) -> PyResult<R>,
    ) -> R {
        // SAFETY: the GIL is held by this function's contract, so attaching cannot fail (and
        // must not: `Python::attach` may panic, outside the `catch_unwind` below).
        unsafe {
            Python::attach_unchecked(|py| {
                let error = match catch_unwind(AssertUnwindSafe(|| body(py))) {
                    Ok(Ok(value)) => return value,
                    Ok(Err(e)) => e,
                    Err(payload) => {
                        let what = panic_message(&*payload);
                        tracing::error!(call, panic = what, "caught a panic at the C edge");
                        PySystemError::new_err(format!(
                            "{call}: internal error: caught a panic: {what}"
                        ))
                    }
                };
                error.restore(py);
                R::FAILED
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    fn message(err: &abi::capreg_error) -> String {
        // SAFETY: `c_status` always leaves a NUL-terminated message.
        unsafe { CStr::from_ptr(err.message.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    fn blank_error() -> Box<abi::capreg_error> {
        Box::new(abi::capreg_error {
            code: -1,
            message: [1; abi::CAPREG_MESSAGE_CAPACITY],
        })
    }

    #[test]
    fn a_panic_becomes_an_internal_error_not_an_unwind() {
        let mut err = blank_error();
        // SAFETY: `err` is writable.
        let code = unsafe { c_status(&mut *err, || panic!("boom in the registry")) };
        assert_eq!(code, abi::CAPREG_ERR_INTERNAL);
        assert_eq!(err.code, abi::CAPREG_ERR_INTERNAL);
        assert!(
            message(&err).contains("caught a panic: boom in the registry"),
            "{}",
            message(&err)
        );
    }

    #[test]
    fn success_clears_the_error_and_null_err_is_allowed() {
        let mut err = blank_error();
        // SAFETY: `err` is writable; NULL is allowed.
        unsafe {
            assert_eq!(c_status(&mut *err, || Ok(())), abi::CAPREG_OK);
            assert_eq!(
                c_status(std::ptr::null_mut(), || Err(Error::bad("t", "x"))),
                abi::CAPREG_ERR_BAD_ARGUMENT
            );
        }
        assert_eq!((err.code, message(&err).as_str()), (abi::CAPREG_OK, ""));
    }

    #[test]
    fn long_messages_are_cut_and_marked_in_the_struct() {
        let mut err = blank_error();
        let long = Error::Internal {
            problem: "x".repeat(10_000),
        };
        // SAFETY: `err` is writable.
        unsafe { c_status(&mut *err, || Err(long)) };
        let text = message(&err);
        assert!(text.len() < abi::CAPREG_MESSAGE_CAPACITY && text.ends_with("more bytes cut]"));
    }

    #[test]
    fn c_code_returns_the_body_or_the_panic_code() {
        assert_eq!(c_code(-9, || 3), 3);
        assert_eq!(c_code(-9, || -> i32 { panic!("formatted {}", 1) }), -9);
    }

    #[test]
    fn panic_messages_are_read_from_both_payload_kinds() {
        let text = catch_unwind(|| panic!("plain")).unwrap_err();
        assert_eq!(panic_message(&*text), "plain");
        let formatted = catch_unwind(|| panic!("with {}", "args")).unwrap_err();
        assert_eq!(panic_message(&*formatted), "with args");
        let other = catch_unwind(|| std::panic::panic_any(7_u8)).unwrap_err();
        assert_eq!(panic_message(&*other), "a panic with a non-string payload");
    }
}
