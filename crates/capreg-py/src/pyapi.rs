//! What Python sees of the registry (wrapped by `python/capreg/__init__.py`).

use capreg::{Error, ImportItem, PublishedApi};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use std::borrow::Cow;

use crate::logging::GilMarker;
use crate::state::REGISTRY;
use crate::{discovery, errors};

/// Runs a Python-called function: refuses subinterpreters, marks the GIL as held.
fn entry<T>(py: Python<'_>, call: &'static str, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    capreg::python::check_interpreter(py, call).map_err(|e| errors::to_pyerr(py, &e))?;
    let _marker = GilMarker::new();
    body()
}

/// A `str` argument as UTF-8. A lone surrogate (`"\ud800"`) cannot cross to C: it is a bad
/// argument, raised as capreg's `BadArgumentError` naming the call and the argument.
fn utf8<'a>(
    py: Python<'_>,
    call: &'static str,
    what: &str,
    text: &'a Bound<'_, PyString>,
) -> PyResult<Cow<'a, str>> {
    text.to_cow().map_err(|_| {
        let shown: String = text
            .to_string_lossy()
            .chars()
            .take(60)
            .collect::<String>();
        errors::to_pyerr(
            py,
            &Error::BadArgument {
                call,
                problem: format!(
                    "the {what} {shown:?} holds a lone surrogate (shown as U+FFFD), which no C caller \
                     could pass: use a str that encodes as UTF-8"
                ),
            },
        )
    })
}

/// One function of a published API.
#[pyclass(frozen, module = "capreg", name = "Function")]
pub struct Function {
    #[pyo3(get)]
    name: String,
    /// The canonical signature.
    #[pyo3(get)]
    signature: String,
    #[pyo3(get)]
    since: String,
    #[pyo3(get)]
    deprecated: bool,
}

#[pymethods]
impl Function {
    fn __repr__(&self) -> String {
        let deprecated = if self.deprecated { ", deprecated" } else { "" };
        format!(
            "<capreg.Function {}: {} (since {}{deprecated})>",
            self.name, self.signature, self.since
        )
    }
}

/// A published API version, as returned by `request` and `describe`.
#[pyclass(frozen, module = "capreg", name = "Api")]
pub struct Api {
    api: &'static PublishedApi,
    requester: String,
}

#[pymethods]
impl Api {
    #[getter]
    fn name(&self) -> &str {
        self.api.name()
    }
    #[getter]
    fn version(&self) -> String {
        self.api.version().to_string()
    }
    /// The provider module (or library path).
    #[getter]
    fn provider(&self) -> &str {
        self.api.provider()
    }
    /// The file its functions were loaded from, or None.
    #[getter]
    fn file(&self) -> Option<&str> {
        Some(self.api.file()).filter(|f| !f.is_empty())
    }
    /// The installed distribution that ships the provider (as discovery found it, else the one
    /// whose RECORD lists its file), or None when none can be found.
    #[getter]
    fn distribution(&self) -> Option<String> {
        REGISTRY.distribution(self.api)
    }
    /// Who asked for it (named in errors and warnings from `address`).
    #[getter]
    fn requester(&self) -> &str {
        &self.requester
    }
    #[getter]
    fn functions(&self) -> Vec<Function> {
        self.api
            .functions()
            .iter()
            .map(|f| Function {
                name: f.name().to_owned(),
                signature: f.signature().to_owned(),
                since: f.since().to_string(),
                deprecated: f.deprecated(),
            })
            .collect()
    }

    /// The address of function `name`, checked against `signature` (for ctypes or cffi).
    fn address(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyString>,
        signature: &Bound<'_, PyString>,
    ) -> PyResult<usize> {
        entry(py, "address", || {
            let name = utf8(py, "address", "function name", name)?;
            let signature = utf8(py, "address", "signature", signature)?;
            let name = name.as_ref();
            let item = [ImportItem {
                name,
                signature: &signature,
                optional: false,
            }];
            let resolution = REGISTRY
                .resolve(self.api, &self.requester, &item, None)
                .map_err(|e| errors::to_pyerr(py, &e))?;
            if !resolution.deprecated.is_empty() {
                errors::warn_deprecated(py, self.api, name, &self.requester)?;
            }
            let pointer = resolution.pointers[0].ok_or_else(|| {
                errors::to_pyerr(
                    py,
                    &Error::Internal {
                        problem: format!("'{name}' resolved to NULL"),
                    },
                )
            })?;
            Ok(pointer as usize)
        })
    }

    /// A JSON-ready description.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("name", self.name())?;
        d.set_item("version", self.version())?;
        d.set_item("provider", self.provider())?;
        d.set_item("file", self.file())?;
        d.set_item("distribution", self.distribution())?;
        let functions: Vec<_> = self
            .api
            .functions()
            .iter()
            .map(|f| {
                let fd = PyDict::new(py);
                fd.set_item("name", f.name())?;
                fd.set_item("signature", f.signature())?;
                fd.set_item("since", f.since().to_string())?;
                fd.set_item("deprecated", f.deprecated())?;
                Ok(fd)
            })
            .collect::<PyResult<_>>()?;
        d.set_item("functions", functions)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "<capreg.Api {} {} from '{}'>",
            self.api.name(),
            self.api.version(),
            self.api.provider()
        )
    }
}

/// The highest published version of `api` satisfying `requirement`; discovers its provider.
#[pyfunction]
fn request(
    py: Python<'_>,
    api: &Bound<'_, PyString>,
    requirement: &Bound<'_, PyString>,
    requester: &Bound<'_, PyString>,
) -> PyResult<Api> {
    entry(py, "request", || {
        let api = utf8(py, "request", "API name", api)?;
        let requirement = utf8(py, "request", "version requirement", requirement)?;
        let requester = utf8(py, "request", "requester", requester)?;
        let (api, requirement, requester) =
            (api.as_ref(), requirement.as_ref(), requester.as_ref());
        let found = REGISTRY
            .request(api, requirement, requester, &mut |name| {
                discovery::discover(py, name)
            })
            .map_err(|e| errors::to_pyerr(py, &e))?;
        Ok(Api {
            api: found,
            requester: requester.to_owned(),
        })
    })
}

/// Every published version of `api`, ascending; discovers its provider if none is published.
#[pyfunction]
fn describe(py: Python<'_>, api: &Bound<'_, PyString>) -> PyResult<Vec<Api>> {
    entry(py, "describe", || {
        let api = utf8(py, "describe", "API name", api)?;
        let api = api.as_ref();
        if REGISTRY.versions(api).is_empty() {
            REGISTRY
                .request(api, "*", "capreg.describe", &mut |name| {
                    discovery::discover(py, name)
                })
                .map_err(|e| errors::to_pyerr(py, &e))?;
        }
        Ok(REGISTRY
            .versions(api)
            .into_iter()
            .map(|a| Api {
                api: a,
                requester: "capreg.describe".to_owned(),
            })
            .collect())
    })
}

/// Every published API version; with `discover`, every installed provider is imported first.
/// Returns the versions and the providers that failed to load, as (entry point, why).
#[pyfunction]
#[pyo3(signature = (discover = true))]
fn apis(py: Python<'_>, discover: bool) -> PyResult<(Vec<Api>, Vec<discovery::LoadFailure>)> {
    entry(py, "apis", || {
        let failures = if discover {
            discovery::discover_all(py)?
        } else {
            Vec::new()
        };
        let all = REGISTRY
            .apis()
            .into_iter()
            .map(|a| Api {
                api: a,
                requester: "capreg.apis".to_owned(),
            })
            .collect();
        Ok((all, failures))
    })
}

/// What consumers requested and resolved after journal sequence number `since`, as dicts
/// (`python -m capreg check`).
#[pyfunction]
#[pyo3(signature = (since = 0))]
fn journal(py: Python<'_>, since: u64) -> PyResult<Vec<Bound<'_, PyDict>>> {
    REGISTRY
        .journal_since(since)
        .into_iter()
        .map(|e| {
            let d = PyDict::new(py);
            d.set_item("kind", e.kind)?;
            d.set_item("requester", e.requester)?;
            d.set_item("api", e.api)?;
            d.set_item(
                if e.kind == "request" {
                    "requirement"
                } else {
                    "version"
                },
                e.detail,
            )?;
            d.set_item("outcome", e.outcome)?;
            d.set_item("error", e.error)?;
            Ok(d)
        })
        .collect()
}

/// The journal's latest sequence number.
#[pyfunction]
fn journal_seq() -> u64 {
    REGISTRY.journal_seq()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(journal, m)?)?;
    m.add_function(wrap_pyfunction!(journal_seq, m)?)?;
    m.add_class::<Api>()?;
    m.add_class::<Function>()?;
    m.add_function(wrap_pyfunction!(request, m)?)?;
    m.add_function(wrap_pyfunction!(describe, m)?)?;
    m.add_function(wrap_pyfunction!(apis, m)?)?;
    Ok(())
}
