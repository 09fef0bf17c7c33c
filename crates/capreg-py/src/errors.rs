//! The one place a `capreg::Error` becomes a Python exception: a subclass of
//! `capreg.ResolutionError` (an `ImportError`) chosen by its code, carrying what it is about.

use capreg::abi::{ErrorCode, CAPREG_ERRORS, CAPREG_ERR_INTERNAL};
use capreg::{Error, PublishedApi};
use pyo3::exceptions::{PyDeprecationWarning, PyImportError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// The class for each code, as capreg-abi's one list of codes names it (the classes are defined
/// in `python/capreg/_errors.py`); a code not in the list is a bug in capreg.
fn class_name(code: i32) -> &'static str {
    ErrorCode::of(code)
        .or_else(|| ErrorCode::of(CAPREG_ERR_INTERNAL))
        .map_or("ResolutionError", |e| e.python_class)
}

/// `capreg._capreg.ERROR_CODES`: `(code, C name, class, meaning)` for every error code, the class
/// being the one [`to_pyerr`] raises for it. `capreg._errors` takes each class's `code` from it.
pub fn error_codes(py: Python<'_>) -> PyResult<Bound<'_, PyTuple>> {
    PyTuple::new(
        py,
        CAPREG_ERRORS
            .iter()
            .map(|e| (e.code, e.c_name, class_name(e.code), e.meaning)),
    )
}

pub fn to_pyerr(py: Python<'_>, err: &Error) -> PyErr {
    build(py, err).unwrap_or_else(|e| e)
}

fn build(py: Python<'_>, err: &Error) -> Result<PyErr, PyErr> {
    let message = err.to_string();
    let Ok(module) = py.import("capreg._errors") else {
        // The Python package is missing: still one clear ImportError.
        return Ok(PyImportError::new_err(message));
    };
    let class = module.getattr(class_name(err.code()))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("code", err.code())?;
    kwargs.set_item("api", err.api())?;
    kwargs.set_item("requirement", err.requirement())?;
    kwargs.set_item("requester", err.requester())?;
    kwargs.set_item("provider", err.provider())?;
    kwargs.set_item("found_version", err.found().map(|f| f.version.as_str()))?;
    kwargs.set_item(
        "file",
        err.found()
            .map(|f| f.file.as_str())
            .filter(|f| !f.is_empty()),
    )?;
    kwargs.set_item("functions", err.functions())?;
    if let Error::Unresolved {
        missing,
        mismatched,
        ..
    } = err
    {
        kwargs.set_item(
            "missing",
            missing.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        )?;
        let pairs: Vec<(&str, &str, &str)> = mismatched
            .iter()
            .map(|m| (m.name.as_str(), m.wanted.as_str(), m.found.as_str()))
            .collect();
        kwargs.set_item("mismatched", pairs)?;
    }
    let instance = class.call((message,), Some(&kwargs))?;
    Ok(PyErr::from_value(instance))
}

/// A `DeprecationWarning` naming the consumer; an error if warnings are errors.
pub fn warn_deprecated(
    py: Python<'_>,
    api: &PublishedApi,
    function: &str,
    requester: &str,
) -> PyResult<()> {
    let message = format!(
        "'{requester}' uses '{function}' of API '{}' {} (from '{}'), which is deprecated and may be removed in the next \
         major version; move '{requester}' off it",
        api.name(),
        api.version(),
        api.provider()
    );
    let category = py.get_type::<PyDeprecationWarning>();
    let message = std::ffi::CString::new(message).unwrap_or_default();
    PyErr::warn(py, &category, &message, 1)
}
