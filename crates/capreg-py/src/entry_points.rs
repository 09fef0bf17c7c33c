//! What the installed distributions say, read through `capreg._discovery`: the entry points of
//! group `capreg.apis` (cached there until `sys.path` changes) and which distribution ships a
//! file. A leaf: discovery and the identity check both read it.

use pyo3::prelude::*;

/// One entry point of the group, as `capreg._discovery` lists it.
pub(crate) struct EntryPoint {
    pub name: String,
    pub distribution: String,
    pub value: String,
}

impl EntryPoint {
    /// The module its value names (before any `:`).
    pub fn module(&self) -> &str {
        self.split().0
    }

    /// The attribute holding a library's path, for `module:ATTR`; `None` for a module.
    pub fn library(&self) -> Option<&str> {
        self.split().1
    }

    fn split(&self) -> (&str, Option<&str>) {
        match self.value.split_once(':') {
            Some((m, a)) => (m.trim(), Some(a.trim())),
            None => (self.value.trim(), None),
        }
    }
}

/// The entry points of group `capreg.apis` (named `api`, if given), from `capreg._discovery`'s
/// cache.
pub(crate) fn entry_points(py: Python<'_>, api: Option<&str>) -> PyResult<Vec<EntryPoint>> {
    let listed: Vec<(String, String, String)> = py
        .import("capreg._discovery")?
        .call_method1("entry_points", (api,))?
        .extract()?;
    Ok(listed
        .into_iter()
        .map(|(name, distribution, value)| EntryPoint {
            name,
            distribution,
            value,
        })
        .collect())
}

/// The installed distribution whose RECORD lists `file`, for providers no discovery vouched for
/// (imported directly). `None` when none does, or when Python cannot be asked.
pub fn distribution_of(file: &str) -> Option<String> {
    Python::try_attach(|py| {
        py.import("capreg._discovery")
            .and_then(|m| m.call_method1("distribution_of", (file,)))
            .and_then(|d| d.extract::<Option<String>>())
            .ok()
            .flatten()
    })
    .flatten()
}

/// `ExceptionClass: message`.
pub(crate) fn describe(py: Python<'_>, e: &PyErr) -> String {
    let kind = e
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "Exception".into());
    format!("{kind}: {}", e.value(py))
}
