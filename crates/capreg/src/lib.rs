//! capreg: publish and import native C APIs between Python extension modules, by name, semver
//! requirement and structural signature — and from programs with no Python at all.
//!
//! - Providers declare an API with [`declare_api!`]; signatures come from the Rust types.
//! - Consumers import one with [`import_api!`]: a struct of typed function pointers, with
//!   `import(py)` (feature `python`) and `from_library(path)` (no Python).
//! - [`registry`] is where requests and import tables are resolved; [`signature`] is the type
//!   language; [`Error`] says what went wrong and how to fix it.
//! - [`guard`] is how a provider writes an `extern "C"` function: one guard per calling style
//!   keeps every panic out of C.
//!
//! The C ABI lives in [`abi`] (`capreg-abi`) and `headers/capreg.h`. Per-API C headers are
//! generated at build time by the separate dev crate `capreg-header`, not by this one.

// `Error` carries everything its message names; it is only built on the failure path, so its
// size costs nothing where it matters.
#![allow(clippy::result_large_err)]

pub use capreg_abi as abi;

pub mod declare;
pub mod error;
pub mod ffi;
pub mod guard;
pub mod import;
pub mod journal;
pub mod library;
pub mod registry;
pub mod signature;

#[cfg(feature = "python")]
pub mod python;
#[cfg(feature = "python")]
pub use pyo3;

pub use declare::ApiDeclaration;
pub use error::{Claim, DiscoveryFailure, Error, Origin};
pub use registry::{Declaration, Discovered, FunctionDecl, ImportItem, PublishedApi, Registry};
pub use signature::{CType, ExternFn, Signature, Type};

#[cfg(feature = "python")]
opaque_type!(
    pyo3::ffi::PyObject = "PyObject",
    pyo3::ffi::PyTypeObject = "PyTypeObject"
);

#[cfg(not(feature = "python"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __capreg_import_py {
    ($name:ident) => {};
}
