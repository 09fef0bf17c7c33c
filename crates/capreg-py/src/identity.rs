//! A provider is who it says it is: every publish of the process-wide registry (the C table's
//! `publish` and `publish_py`, and discovery's loading of libraries) goes through [`check`].
//! `capreg::Registry` itself checks no identity: Rust unit tests and Python-free programs
//! (`from_library`) publish into registries of their own, with whatever provider names they like.
//!
//! Two checks, the second first:
//! - **Names owned through entry points.** When an installed distribution declares the API name
//!   in the group `capreg.apis`, only the provider that entry point names may publish it: the
//!   module its value names (the declared provider must be that module), or, for `module:ATTR`,
//!   the library the registry loads from that path. Anyone else is refused, whether the owner
//!   was imported before or not: a squatter is never accepted, so the owner still gets its name
//!   when it comes. Names no entry point declares are first come, first served.
//! - **The code is the provider's.** Every published function must live in the declared
//!   provider's file: the file of the module the declaration names (`__file__`, else the origin
//!   of the spec importing it would find; both sides with every link resolved) or, when that
//!   module is a package, a file in its folders (`__path__`: maturin's layout puts a PyO3
//!   module `pkg` in `pkg/pkg.abi3.so` under a package `pkg` that imports it); for a library
//!   discovery loads, that library, whatever provider name it declares.
//!
//! A refusal is `capreg::Error::Identity` (`CAPREG_ERR_CONFLICT`, `capreg.ConflictError`): it
//! names the declared provider, the file its code is in (and the module that file is, and the
//! distribution that ships it), and the provider and file it should have been.
//!
//! What cannot be checked: code allowed to run in the process can patch any memory, so this
//! guards against accidents (two distributions shipping one API name, a stale copy of a module
//! loaded from elsewhere), not against malice.

use std::path::Path;

use capreg::error::Found;
use capreg::{Claim, Error, Origin, PublishedApi};
use pyo3::prelude::*;

use crate::entry_points::{self, EntryPoint};

/// Who hands a declaration in.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// A module, through the C table (`publish`, `publish_py`): the declared provider must be a
    /// module whose file holds the code.
    Module,
    /// A library discovery loaded from this path (canonical): the code must be in it.
    Library(&'a Path),
}

/// [`check`] from a caller that may not hold the GIL (the C table's `publish`). When Python is
/// not running (not initialised, or finalizing), nothing can be checked, and the publish is
/// refused: the registry lives in a Python process, and an API published while it shuts down
/// has no consumer left to serve.
pub fn check_from_any_thread(api: &PublishedApi, source: Source<'_>) -> Result<(), Error> {
    Python::try_attach(|py| check(py, api, source)).unwrap_or_else(|| {
        Err(unchecked(
            api,
            api.file(),
            "Python is not running (not initialised, or finalizing), so no module can be asked \
             for its file",
            "publish while the interpreter runs (from the provider module's initialisation)",
        ))
    })
}

/// Refuses `api` unless its declared provider is who it says it is (see the module's doc).
pub fn check(py: Python<'_>, api: &PublishedApi, source: Source<'_>) -> Result<(), Error> {
    let provider = api.provider();
    // Where the functions are. Without `dladdr` (not unix) no file can be told, and only the
    // names are checked.
    let files = api.files();
    let placed = cfg!(unix);
    if api.functions().is_empty() {
        return Err(unchecked(
            api,
            "",
            "it declares no function, so no file shows whose API it is",
            format!(
                "declare the functions of '{}' in its declaration",
                api.name()
            ),
        ));
    }
    if placed && files.iter().any(String::is_empty) {
        return Err(unchecked(
            api,
            files
                .iter()
                .find(|f| !f.is_empty())
                .map_or("", String::as_str),
            "one of its functions is in no file the dynamic loader knows (generated code, or a \
             ctypes or cffi callback, say)",
            format!("publish only functions compiled into '{provider}' itself"),
        ));
    }

    // Names owned through entry points.
    let owners = entry_points::entry_points(py, Some(api.name())).map_err(|e| {
        unchecked(
            api,
            &files[0],
            format!("listing the entry points of group 'capreg.apis' failed: {e}"),
            "reinstall capreg (pip install --force-reinstall capreg)",
        )
    })?;
    if !owners.is_empty() && !owners.iter().any(|ep| names_this(py, ep, provider, source)) {
        let ep = &owners[0];
        let owner_file = match ep.library() {
            Some(_) => library_file(py, &ep.value),
            None => module_file(py, ep.module()).map(|(file, _)| file),
        };
        return Err(refusal(
            py,
            api,
            &files[0],
            Claim::Owned {
                owner: ep.value.clone(),
                file: owner_file.unwrap_or_default(),
                distribution: ep.distribution.clone(),
                entry_point: format!("{} = {}", ep.name, ep.value),
            },
        ));
    }

    // The code is the provider's: in its file or, for a package, in its folders.
    let theirs = match source {
        Source::Module => module_file(py, provider),
        Source::Library(path) => Ok((path.display().to_string(), Vec::new())),
    };
    let (theirs, folders) = match theirs {
        Ok(found) => found,
        Err(why) => {
            return Err(refusal(
                py,
                api,
                &files[0],
                Claim::NotItsFile {
                    file: String::new(),
                    folder: None,
                    why: Some(why),
                },
            ))
        }
    };
    let its = |file: &String| {
        *file == theirs
            || folders
                .iter()
                .any(|folder| Path::new(file).starts_with(folder))
    };
    match files.iter().find(|f| placed && !its(f)) {
        Some(elsewhere) => Err(refusal(
            py,
            api,
            elsewhere,
            Claim::NotItsFile {
                file: theirs,
                folder: (!folders.is_empty()).then(|| folders.join(", ")),
                why: None,
            },
        )),
        None => Ok(()),
    }
}

/// Whether the entry point `ep` names this publish's provider: its module, when a module
/// publishes, or its library, when discovery loaded that library.
fn names_this(py: Python<'_>, ep: &EntryPoint, provider: &str, source: Source<'_>) -> bool {
    match (ep.library(), source) {
        (None, Source::Module) => ep.module() == provider,
        (Some(_), Source::Library(path)) => {
            library_file(py, &ep.value).is_ok_and(|file| Path::new(&file) == path)
        }
        _ => false,
    }
}

/// A refused publish: its code is in `file`; `claim` says whose it should be.
fn refusal(py: Python<'_>, api: &PublishedApi, file: &str, claim: Claim) -> Error {
    let helper = |name: &str| {
        py.import("capreg._discovery")
            .and_then(|m| m.call_method1(name, (file,)))
            .and_then(|r| r.extract::<Option<String>>())
            .ok()
            .flatten()
    };
    let origin = match helper("distribution_of") {
        Some(dist) => Origin::Distribution(dist),
        None => Origin::Unlisted,
    };
    Error::Identity {
        publishing: found(api, file, origin),
        publisher: helper("module_of"),
        claim,
    }
}

/// A publish whose identity could not be checked: `why`, and the `fix` that makes it possible.
fn unchecked(
    api: &PublishedApi,
    file: &str,
    why: impl Into<String>,
    fix: impl Into<String>,
) -> Error {
    Error::Identity {
        publishing: found(api, file, Origin::Unknown),
        publisher: None,
        claim: Claim::Unchecked {
            why: why.into(),
            fix: fix.into(),
        },
    }
}

fn found(api: &PublishedApi, file: &str, origin: Origin) -> Found {
    Found {
        api: api.name().to_owned(),
        version: api.version().to_string(),
        provider: api.provider().to_owned(),
        file: file.to_owned(),
        origin,
    }
}

/// The file the module `name` is and, for a package, its folders (all resolved); or why there
/// is no such file.
fn module_file(py: Python<'_>, name: &str) -> Result<(String, Vec<String>), String> {
    call_helper(py, "module_file", name)
}

/// The library an entry point value `module:ATTR` names (resolved), or why it cannot be told.
fn library_file(py: Python<'_>, value: &str) -> Result<String, String> {
    call_helper(py, "library_file", value)
}

fn call_helper<T: for<'a, 'py> FromPyObject<'a, 'py>>(
    py: Python<'_>,
    helper: &str,
    arg: &str,
) -> Result<T, String> {
    py.import("capreg._discovery")
        .and_then(|m| m.call_method1(helper, (arg,)))
        .and_then(|r| r.extract::<T>().map_err(Into::into))
        .map_err(|e| {
            if e.is_instance_of::<pyo3::exceptions::PyImportError>(py) {
                e.value(py).to_string()
            } else {
                entry_points::describe(py, &e)
            }
        })
}
