//! awaitkit: lets C and Rust extension functions return awaitables that await Python
//! coroutines and run native callbacks on their results, without writing a coroutine state
//! machine: PyAwaitable's semantics, without its bugs, with no C variadics in the ABI.
//!
//! The Python module `awaitkit._awaitkit` publishes the C API `awaitkit` 1.0.0 through capreg
//! when it is imported (the registry imports it through the entry point `awaitkit`). C
//! consumers use the generated `headers/awaitkit.h`; Rust consumers `capreg::import_api!`.

// The functions on the path of every `await` carry
// `#[cfg_attr(target_os = "linux", link_section = ".text.hot.awaitkit")]`: the linker puts
// `.text.hot.*` sections together, so that path spans two pages of code instead of fifty KiB,
// which matters when an event loop's work evicts it from the caches between two resumptions.
mod boundary;
mod callbacks;
mod close;
mod drive;
pub mod ffi;
mod freelist;
mod misuse;
mod object;
mod protocol;
mod refs;
mod send;
mod state;
mod typeobject;

use std::ffi::c_void;

use pyo3::ffi::{PyObject, PyTypeObject};
use pyo3::prelude::*;

pub use state::{DeferCallback, ValueCallback};

type Obj = *mut PyObject;

capreg::declare_api! {
    /// awaitkit 1.0.0: the contract of each function is in headers/awaitkit.h and `ffi`.
    pub static AWAITKIT_1: {
        name: "awaitkit",
        version: "1.0.0",
        provider: "awaitkit._awaitkit",
        functions: {
            fn new_awaitable: extern "C" fn() -> Obj = ffi::new_awaitable, since = "1.0";
            fn add_await: unsafe extern "C" fn(Obj, Obj, Option<ValueCallback>, Option<ValueCallback>) -> i32 = ffi::add_await, since = "1.0";
            fn add_expr: unsafe extern "C" fn(Obj, Obj, Option<ValueCallback>, Option<ValueCallback>) -> i32 = ffi::add_expr, since = "1.0";
            fn defer: unsafe extern "C" fn(Obj, Option<DeferCallback>) -> i32 = ffi::defer, since = "1.0";
            fn async_with: unsafe extern "C" fn(Obj, Obj, Option<ValueCallback>, Option<ValueCallback>) -> i32 = ffi::async_with, since = "1.0";
            fn set_result: unsafe extern "C" fn(Obj, Obj) -> i32 = ffi::set_result, since = "1.0";
            fn cancel: unsafe extern "C" fn(Obj) -> i32 = ffi::cancel, since = "1.0";
            fn save_values: unsafe extern "C" fn(Obj, *const Obj, usize) -> i32 = ffi::save_values, since = "1.0";
            fn unpack_values: unsafe extern "C" fn(Obj, *mut Obj, usize) -> i32 = ffi::unpack_values, since = "1.0";
            fn get_value: unsafe extern "C" fn(Obj, isize) -> Obj = ffi::get_value, since = "1.0";
            fn set_value: unsafe extern "C" fn(Obj, isize, Obj) -> i32 = ffi::set_value, since = "1.0";
            fn save_arbitrary: unsafe extern "C" fn(Obj, *const *mut c_void, usize) -> i32 = ffi::save_arbitrary, since = "1.0";
            fn unpack_arbitrary: unsafe extern "C" fn(Obj, *mut *mut c_void, usize) -> i32 = ffi::unpack_arbitrary, since = "1.0";
            fn get_arbitrary: unsafe extern "C" fn(Obj, isize, *mut *mut c_void) -> i32 = ffi::get_arbitrary, since = "1.0";
            fn set_arbitrary: unsafe extern "C" fn(Obj, isize, *mut c_void) -> i32 = ffi::set_arbitrary, since = "1.0";
            fn type_object: extern "C" fn() -> *mut PyTypeObject = ffi::type_object, since = "1.0";
        }
    }
}

#[pymodule(gil_used = false)]
fn _awaitkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    send::init(py)?;
    let awaitable = typeobject::init(py)?;
    m.add("Awaitable", &awaitable)?;
    // A real coroutine for asyncio.iscoroutine, inspect and event loops.
    py.import("collections.abc")?
        .getattr("Coroutine")?
        .call_method1("register", (awaitable,))?;
    m.add("API_NAME", AWAITKIT_1.name)?;
    m.add("API_VERSION", AWAITKIT_1.version)?;
    AWAITKIT_1.publish(py)?;
    Ok(())
}

/// The contract of the API, inserted into the generated `headers/awaitkit.h` after its banner
/// (see tests/header.rs): what the generated typedefs cannot say.
pub const HEADER_CONTRACT: &str = r#"/*
 * THE CONTRACT (awaitkit 1.0)
 *
 * Call every function with the GIL held. Functions returning int32_t return 0, or -1 with a
 * Python exception set; get_value returns NULL with an exception set. `aw` must be an
 * awaitkit.Awaitable made by new_awaitable (else TypeError); NULL pointers give TypeError,
 * never a crash, with these exceptions: add_expr's NULL (below), a NULL array with n == 0 (no
 * value read or written), set_arbitrary's void* value, and callbacks, which are optional (NULL
 * calls nothing; a step without an error callback propagates) except defer's.
 *
 * Callbacks (C: `int cb(PyObject *aw, PyObject *value)`, `int cb(PyObject *aw)`):
 *   result callback (add_await, add_expr, async_with's body) and defer callback:
 *      0              go on
 *     -1 + exception  the step failed: its error callback decides (defer steps have none)
 *     <= -2 + exc.    propagate the exception, skipping the step's error callback
 *     anything else   SystemError (-1 or <= -2 without an exception, 0 with one, > 0),
 *                     propagated. A StopIteration becomes RuntimeError (as PEP 479).
 *   error callback: called with NO exception set and the exception object as `value` (its
 *   __traceback__ set, as Python's `except` hands it over):
 *      0              swallow it and go on
 *     -1              re-raise the original exception
 *     -2 + exception  raise this exception instead (its __context__ is the original)
 *     anything else   SystemError
 *   A step without an error callback propagates its error: pending steps are dropped
 *   (pending coroutines closed) up to the next async_with exit, then out of `await aw`.
 *
 * Steps run in the order added; steps added while a callback runs go right after the step
 * that runs it (so a body's awaits finish before its __aexit__), in the order they are added.
 * The value passed to a result callback is borrowed for the duration of the call.
 *
 * add_expr steals its reference (on failure too); NULL means "the call making it failed":
 * it returns -1 with that exception. add_await refuses `aw` itself and non-awaitables.
 * async_with: `async with ctx as v: body(aw, v)`. If the body (or a step it added) fails,
 * __aexit__(type, exc, exc.__traceback__) runs and a true result swallows it; otherwise the
 * error callback decides (body returning <= -2: propagates after __aexit__). __aenter__ failing
 * goes to the error callback; __aexit__ is not called.
 * set_result / set_value take their own reference and release the old one. get_value and
 * unpack_values give borrowed references, valid until that value is replaced or `aw` dies.
 * void* values are not owned. cancel drops pending steps and closes pending coroutines; `await
 * aw` then returns the result set so far (None by default). An awaitable with steps that is
 * never awaited and not cancelled gives a ResourceWarning when destroyed.
 *
 * Cancellation: throw() and close() reach the coroutine being awaited (asyncio's
 * task.cancel(), trio and anyio cancel scopes); its `finally` runs before the task ends. If
 * the coroutine raises the cancellation, the step's error callback receives it like any other
 * error: return -1 to let it propagate (swallowing it is possible but breaks the event loop's
 * cancellation, exactly as `except BaseException: pass` would).
 */
"#;
