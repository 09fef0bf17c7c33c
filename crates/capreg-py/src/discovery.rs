//! Discovery: providers declare themselves in the entry-point group `capreg.apis`, either as a
//! module to import (`wildsort = "wildsort._wildsort"`; nested paths just work, because
//! `importlib.import_module` imports the parents first) or as `module:attribute`, where the
//! attribute is the path of a Python-free provider library to load.

use capreg::{Discovered, DiscoveryFailure};
use pyo3::prelude::*;

use crate::entry_points::{describe, entry_points, EntryPoint};
use crate::identity::{self, Source};
use crate::state::REGISTRY;

/// Discovery from a caller that may or may not hold the GIL.
pub fn discover_from_any_thread(api: &str) -> Result<Discovered, DiscoveryFailure> {
    Python::try_attach(|py| discover(py, api)).unwrap_or_else(|| {
        Ok(Discovered::Undeclared("Python is not running (not initialised, or finalizing), so no provider could be imported".to_owned()))
    })
}

/// Imports or loads every provider that declares `api`; says what it did, or why it could not
/// (the registry names the request in the error). The entry points are listed from
/// `capreg._discovery`'s cache, which lists them again only when `sys.path` or one of its
/// folders changed (a distribution was installed): an unknown name costs no scan.
pub fn discover(py: Python<'_>, api: &str) -> Result<Discovered, DiscoveryFailure> {
    let internal = |e: PyErr| DiscoveryFailure::Internal {
        problem: format!("listing the entry points of group 'capreg.apis' failed: {e}"),
    };
    let candidates = entry_points(py, Some(api)).map_err(internal)?;
    if candidates.is_empty() {
        return Ok(Discovered::Undeclared(format!(
            "no installed distribution declares '{api}' in the entry-point group 'capreg.apis', and no imported module published it"
        )));
    }
    let mut done = Vec::new();
    for ep in &candidates {
        load(py, ep).map_err(|cause| DiscoveryFailure::Load {
            provider: ep.value.clone(),
            distribution: Some(ep.distribution.clone()),
            cause,
        })?;
        done.push(format!(
            "'{}' (entry point '{}' of the distribution '{}')",
            ep.value, ep.name, ep.distribution
        ));
    }
    let published = !REGISTRY.versions(api).is_empty();
    Ok(Discovered::Loaded(if published {
        format!("loaded {}", done.join(", "))
    } else {
        format!(
            "loaded {}, but none of them published an API named '{api}'",
            done.join(", ")
        )
    }))
}

/// A provider that failed to load: (entry point name, why).
pub type LoadFailure = (String, String);

/// Imports every provider in the group (for `capreg.apis()` and the CLI); returns the failures.
pub fn discover_all(py: Python<'_>) -> PyResult<Vec<LoadFailure>> {
    let mut failures = Vec::new();
    for ep in entry_points(py, None)? {
        match load(py, &ep) {
            Ok(()) => REGISTRY.mark_discovered(
                &ep.name,
                &format!(
                    "loaded '{}' of the distribution '{}'",
                    ep.value, ep.distribution
                ),
            ),
            Err(cause) => failures.push((
                ep.name.clone(),
                format!("'{}' of '{}': {cause}", ep.value, ep.distribution),
            )),
        }
    }
    Ok(failures)
}

/// Imports the module, or loads the library an attribute names; the error is its cause.
fn load(py: Python<'_>, ep: &EntryPoint) -> Result<(), String> {
    let describe = |e: PyErr| describe(py, &e);
    let (module, attribute) = (ep.module(), ep.library());
    REGISTRY.set_distribution(module, &ep.distribution);
    let imported = py
        .import("importlib")
        .and_then(|m| m.call_method1("import_module", (module,)))
        .map_err(describe)?;
    let Some(attribute) = attribute else {
        return Ok(());
    };
    let path: std::path::PathBuf = imported
        .getattr(attribute)
        .and_then(|p| py.import("os")?.call_method1("fspath", (p,)))
        .and_then(|p| p.extract::<String>())
        .map(Into::into)
        .map_err(describe)?;
    // SAFETY: the distribution declared this file as its capreg provider library.
    let declarations = unsafe { capreg::library::open_declarations(&path) }?;
    // Whatever provider name the library declares, its code must be in this file.
    let file = std::fs::canonicalize(&path).unwrap_or(path);
    for decl in declarations {
        REGISTRY
            .publish_checked(decl, &|api| {
                identity::check(py, api, Source::Library(&file))?;
                // Only now: a refused declaration must not name a distribution for its provider.
                REGISTRY.set_distribution(api.provider(), &ep.distribution);
                Ok(())
            })
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
