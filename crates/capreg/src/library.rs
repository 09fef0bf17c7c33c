//! Python-free providers: a plain C-ABI shared library that exports
//! `capreg_library_declarations` (see [`export_library!`](crate::export_library)).
//!
//! The same library serves every Python version (the registry loads it during discovery) and
//! any program with no Python (this module loads it into a process-local [`Registry`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use capreg_abi as abi;

use crate::error::{DiscoveryFailure, Error};
use crate::ffi::read_declaration;
use crate::import::ImportSpec;
use crate::registry::{Declaration, Registry};

/// The registry of a process that uses capreg without Python.
pub fn local_registry() -> &'static Registry {
    static LOCAL: OnceLock<Registry> = OnceLock::new();
    LOCAL.get_or_init(Registry::new)
}

/// Loads `path` (once per process; it is never unloaded) and copies out its declarations.
/// The error is the cause, for the caller to put into its own context.
///
/// # Safety
/// Loading runs the library's initialisers: `path` must be a capreg provider library.
pub unsafe fn open_declarations(path: &Path) -> Result<Vec<Declaration>, String> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, &'static libloading::Library>>> =
        OnceLock::new();
    let canonical =
        std::fs::canonicalize(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let library = {
        let mut loaded = LOADED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match loaded.get(&canonical) {
            Some(lib) => *lib,
            None => {
                // SAFETY: the caller promises this is a provider library, whose initialisers
                // are safe to run.
                let lib = unsafe { libloading::Library::new(&canonical) }
                    .map_err(|e| format!("cannot load {}: {e}", canonical.display()))?;
                // Never unloaded: published function pointers must stay valid forever.
                let lib: &'static libloading::Library = Box::leak(Box::new(lib));
                loaded.insert(canonical.clone(), lib);
                lib
            }
        }
    };
    // SAFETY: the symbol's type is fixed by capreg's ABI; the library is never unloaded.
    let entry =
        unsafe { library.get::<abi::capreg_library_fn>(abi::CAPREG_LIBRARY_SYMBOL.as_bytes()) }
            .map_err(|e| {
                format!(
                    "{} is not a capreg provider library: it has no '{}' symbol ({e})",
                    canonical.display(),
                    abi::CAPREG_LIBRARY_SYMBOL
                )
            })?;
    let mut decls: *const abi::capreg_api_decl = std::ptr::null();
    let mut n: usize = 0;
    // SAFETY: calling the entry point with two writable out-parameters, per the ABI.
    let major = unsafe { entry(&mut decls, &mut n) };
    if major != i32::from(abi::CAPREG_ABI_MAJOR) {
        return Err(format!(
            "{} speaks capreg ABI major {major}, this capreg speaks {}",
            canonical.display(),
            abi::CAPREG_ABI_MAJOR
        ));
    }
    if n > 0 && decls.is_null() {
        return Err(format!(
            "{} returned {n} declarations at NULL",
            canonical.display()
        ));
    }
    (0..n)
        .map(|i| {
            // SAFETY: the library returned `n` declarations at `decls`, valid while it is loaded.
            unsafe { read_declaration(decls.add(i)) }.map_err(|e| e.to_string())
        })
        .collect()
}

/// Loads `path` into the process-local registry and resolves `spec` from it.
///
/// # Safety
/// As [`open_declarations`].
pub unsafe fn import_from_library(
    path: &Path,
    spec: &ImportSpec,
) -> Result<Vec<abi::capreg_fn>, Error> {
    let registry = local_registry();
    let provider = path.display().to_string();
    // SAFETY: forwarded from this function's contract.
    let declarations = unsafe { open_declarations(path) }.map_err(|cause| {
        DiscoveryFailure::Load {
            provider: provider.clone(),
            distribution: None,
            cause,
        }
        .into_error(spec.api, spec.requirement, spec.requester)
    })?;
    for decl in declarations {
        // A fix names this file, not a package: no package manager put it here.
        registry.set_library(&decl.provider, &provider);
        registry.publish(decl)?;
    }
    let searched = format!(
        "this program has no Python; only the library {} was searched",
        path.display()
    );
    let api = registry.request(spec.api, spec.requirement, spec.requester, &mut |_| {
        Ok(crate::Discovered::Undeclared(searched.clone()))
    })?;
    let resolution = registry.resolve(
        api,
        spec.requester,
        &spec.import_items(),
        Some(spec.requirement),
    )?;
    Ok(resolution.pointers)
}
