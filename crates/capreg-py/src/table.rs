//! The C table behind the capsule `capreg._capreg._REGISTRY`. Every entry point runs through
//! `capreg::guard::c_status` (or, for the `_py` ones, `capreg::guard::python` in `python_entry`),
//! so none unwinds into C.

use std::ffi::{c_char, c_int, c_void};

use capreg::abi;
use capreg::ffi::{c_str, read_declaration, read_items};
use capreg::guard::c_status;
use capreg::Error;
use pyo3::exceptions::PyImportError;
use pyo3::prelude::*;

use crate::identity::{self, Source};
use crate::state::REGISTRY;
use crate::{discovery, errors, logging};

/// The table itself: static, immutable, process-wide.
pub static TABLE: abi::capreg_registry = abi::capreg_registry {
    magic: abi::CAPREG_MAGIC,
    abi_major: abi::CAPREG_ABI_MAJOR,
    abi_minor: abi::CAPREG_ABI_MINOR,
    size: std::mem::size_of::<abi::capreg_registry>() as u32,
    reserved: 0,
    // ---- ABI 1.0 ----
    publish: Some(publish),
    request: Some(request),
    resolve: Some(resolve),
    describe: Some(describe),
    describe_function: Some(describe_function),
    import_py: Some(import_py),
    publish_py: Some(publish_py),
};

/// The capsule that carries [`TABLE`].
pub fn capsule(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let table = &TABLE as *const abi::capreg_registry as *mut c_void;
    // SAFETY: the pointer is to a static that lives forever; the name is a static C string.
    unsafe {
        Bound::from_owned_ptr_or_err(
            py,
            pyo3::ffi::PyCapsule_New(table, abi::CAPREG_CAPSULE_NAME.as_ptr(), None),
        )
    }
}

unsafe extern "C" fn publish(
    decl: *const abi::capreg_api_decl,
    err: *mut abi::capreg_error,
) -> c_int {
    // SAFETY: `err` and `decl` are as the ABI documents; `read_declaration` checks them.
    unsafe {
        c_status(err, || {
            let decl = read_declaration(decl)?;
            REGISTRY
                .publish_checked(decl, &|api| {
                    identity::check_from_any_thread(api, Source::Module)
                })
                .map(|_| ())
        })
    }
}

unsafe extern "C" fn request(
    api: *const c_char,
    requirement: *const c_char,
    requester: *const c_char,
    out: *mut *const abi::capreg_api,
    err: *mut abi::capreg_error,
) -> c_int {
    // SAFETY: the pointers are as the ABI documents; `c_str` checks each for NULL and UTF-8.
    unsafe {
        c_status(err, || {
            let requester = c_str(requester, "request", "requester")?;
            let api = c_str(
                api,
                "request",
                format_args!("API name requested by '{requester}'"),
            )?;
            let requirement = c_str(
                requirement,
                "request",
                format_args!("version requirement of '{requester}' for '{api}'"),
            )?;
            if out.is_null() {
                return Err(Error::BadArgument {
                    call: "request",
                    problem: format!("'{requester}' passed a NULL output pointer"),
                });
            }
            let found = REGISTRY.request(
                api,
                requirement,
                requester,
                &mut discovery::discover_from_any_thread,
            )?;
            *out = found.handle();
            Ok(())
        })
    }
}

unsafe extern "C" fn resolve(
    api: *const abi::capreg_api,
    requester: *const c_char,
    items: *const abi::capreg_import_item,
    n_items: usize,
    out: *mut abi::capreg_fn,
    err: *mut abi::capreg_error,
) -> c_int {
    // SAFETY: the pointers are as the ABI documents; each is checked before use, and the
    // handle is checked against the handles this registry gave out.
    unsafe {
        c_status(err, || {
            let requester = c_str(requester, "resolve", "requester")?;
            let api = REGISTRY.api_from_handle(api, "resolve")?;
            let items = read_items(items, n_items, requester)?;
            if out.is_null() && n_items > 0 {
                return Err(Error::BadArgument {
                    call: "resolve",
                    problem: format!("'{requester}' passed a NULL output array"),
                });
            }
            let resolution = REGISTRY.resolve(api, requester, &items, None)?;
            std::ptr::copy_nonoverlapping(
                resolution.pointers.as_ptr(),
                out,
                resolution.pointers.len(),
            );
            Ok(())
        })
    }
}

unsafe extern "C" fn describe(
    api: *const abi::capreg_api,
    out: *mut abi::capreg_api_info,
    err: *mut abi::capreg_error,
) -> c_int {
    // SAFETY: the handle is checked; `out` is checked for NULL and writable per the ABI.
    unsafe {
        c_status(err, || {
            let api = REGISTRY.api_from_handle(api, "describe")?;
            if out.is_null() {
                return Err(Error::BadArgument {
                    call: "describe",
                    problem: "the output pointer is NULL".into(),
                });
            }
            *out = api.info();
            Ok(())
        })
    }
}

unsafe extern "C" fn describe_function(
    api: *const abi::capreg_api,
    index: usize,
    out: *mut abi::capreg_function_info,
    err: *mut abi::capreg_error,
) -> c_int {
    // SAFETY: as `describe`.
    unsafe {
        c_status(err, || {
            let api = REGISTRY.api_from_handle(api, "describe_function")?;
            if out.is_null() {
                return Err(Error::BadArgument {
                    call: "describe_function",
                    problem: "the output pointer is NULL".into(),
                });
            }
            let function = api
                .functions()
                .get(index)
                .ok_or_else(|| Error::BadArgument {
                    call: "describe_function",
                    problem: format!(
                        "index {index} is out of range: {} {} has {} functions",
                        api.name(),
                        api.version(),
                        api.functions().len()
                    ),
                })?;
            *out = function.info();
            Ok(())
        })
    }
}

/// Runs a GIL-holding entry point through `capreg::guard::python`: 0, or -1 with a Python
/// exception set. Refuses subinterpreters first, with a plain `ImportError` (raising capreg's
/// own classes would import `capreg._errors` into that interpreter).
///
/// # Safety
/// The calling thread must hold the GIL.
unsafe fn python_entry(call: &'static str, body: impl FnOnce(Python<'_>) -> PyResult<()>) -> c_int {
    // SAFETY: the caller holds the GIL (the ABI's contract for the `_py` entry points).
    unsafe {
        capreg::guard::python(call, |py| {
            capreg::python::check_interpreter(py, call)
                .map_err(|e| PyImportError::new_err(e.to_string()))?;
            let _marker = logging::GilMarker::new();
            body(py).map(|()| 0)
        })
    }
}

unsafe extern "C" fn import_py(
    api: *const c_char,
    requirement: *const c_char,
    requester: *const c_char,
    items: *const abi::capreg_import_item,
    n_items: usize,
    out: *mut abi::capreg_fn,
    out_api: *mut *const abi::capreg_api,
) -> c_int {
    // SAFETY: the ABI requires the GIL here; pointers are checked as in `request`/`resolve`.
    unsafe {
        python_entry("import", |py| {
            let fail = |e: Error| errors::to_pyerr(py, &e);
            let requester = c_str(requester, "import", "requester").map_err(fail)?;
            let api = c_str(
                api,
                "import",
                format_args!("API name requested by '{requester}'"),
            )
            .map_err(fail)?;
            let requirement = c_str(
                requirement,
                "import",
                format_args!("version requirement of '{requester}' for '{api}'"),
            )
            .map_err(fail)?;
            let items = read_items(items, n_items, requester).map_err(fail)?;
            if out.is_null() && n_items > 0 {
                return Err(fail(Error::BadArgument {
                    call: "import",
                    problem: format!("'{requester}' passed a NULL output array"),
                }));
            }
            let found = REGISTRY
                .request(api, requirement, requester, &mut |name| {
                    discovery::discover(py, name)
                })
                .map_err(fail)?;
            let resolution = REGISTRY
                .resolve(found, requester, &items, Some(requirement))
                .map_err(fail)?;
            for name in &resolution.deprecated {
                errors::warn_deprecated(py, found, name, requester)?;
            }
            std::ptr::copy_nonoverlapping(
                resolution.pointers.as_ptr(),
                out,
                resolution.pointers.len(),
            );
            if !out_api.is_null() {
                *out_api = found.handle();
            }
            Ok(())
        })
    }
}

unsafe extern "C" fn publish_py(decl: *const abi::capreg_api_decl) -> c_int {
    // SAFETY: the ABI requires the GIL here; `read_declaration` checks the declaration.
    unsafe {
        python_entry("publish", |py| {
            let decl = read_declaration(decl).map_err(|e| errors::to_pyerr(py, &e))?;
            REGISTRY
                .publish_checked(decl, &|api| identity::check(py, api, Source::Module))
                .map(|_| ())
                .map_err(|e| errors::to_pyerr(py, &e))
        })
    }
}
