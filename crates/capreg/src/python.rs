//! The registry from a PyO3 extension: `publish(py)` for providers, `import(py)` for consumers.
//! Both go through the C table in `capreg._capreg`, exactly as a C extension does, so a Rust
//! extension never links against the registry.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;

use capreg_abi as abi;
use pyo3::exceptions::PyImportError;
use pyo3::prelude::*;

use crate::declare::ApiDeclaration;
use crate::import::ImportSpec;

/// The interpreter this extension module first reached capreg from.
static FIRST_INTERPRETER: AtomicI64 = AtomicI64::new(-1);

/// Refuses any interpreter but the first one this extension module reached capreg from. A table
/// resolved there must not be handed to a legacy subinterpreter (its pointers may take that
/// interpreter's objects), and the process-wide registry must not be shared with one silently.
/// Every extension that links `capreg` (the registry `capreg._capreg` too) keeps its own record,
/// so each refuses for itself.
pub fn check_interpreter(_py: Python<'_>, call: &'static str) -> Result<(), crate::Error> {
    // SAFETY: `Python<'_>` proves the GIL is held, so there is a current interpreter.
    let here = unsafe { pyo3::ffi::PyInterpreterState_GetID(pyo3::ffi::PyInterpreterState_Get()) };
    match FIRST_INTERPRETER.compare_exchange(-1, here, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => Ok(()),
        Err(first) if first == here => Ok(()),
        Err(_) => Err(crate::Error::Subinterpreter { call }),
    }
}

/// The registry table, imported and checked once per process.
pub fn registry_table(py: Python<'_>) -> PyResult<&'static abi::capreg_registry> {
    static TABLE: OnceLock<usize> = OnceLock::new();
    check_interpreter(py, "import").map_err(|e| PyImportError::new_err(e.to_string()))?;
    if let Some(&table) = TABLE.get() {
        // SAFETY: a checked pointer to the registry's static table, stored below.
        return Ok(unsafe { &*(table as *const abi::capreg_registry) });
    }
    let module = PyModule::import(py, abi::CAPREG_MODULE).map_err(|e| {
        if e.is_instance_of::<pyo3::exceptions::PyModuleNotFoundError>(py) {
            PyImportError::new_err(format!(
                "capreg: cannot import the registry module '{}'; install it with: pip install capreg",
                abi::CAPREG_MODULE
            ))
        } else {
            e
        }
    })?;
    let capsule = module.getattr(abi::CAPREG_CAPSULE_ATTR)?;
    // SAFETY: `capsule` is a live object; PyCapsule_GetPointer checks its type and name and
    // sets an exception on mismatch.
    let table = unsafe {
        pyo3::ffi::PyCapsule_GetPointer(capsule.as_ptr(), abi::CAPREG_CAPSULE_NAME.as_ptr())
    } as *const abi::capreg_registry;
    if table.is_null() {
        return Err(PyImportError::new_err(format!(
            "capreg: '{}.{}' is not a '{}' capsule",
            abi::CAPREG_MODULE,
            abi::CAPREG_CAPSULE_ATTR,
            abi::CAPREG_CAPSULE_NAME.to_string_lossy()
        )));
    }
    // SAFETY: the capsule holds a pointer to the registry's static table; its first fields are
    // frozen, and `size` is checked before anything else is trusted.
    let header = unsafe { &*table };
    check_table(header).map_err(PyImportError::new_err)?;
    TABLE.get_or_init(|| table as usize);
    Ok(header)
}

/// Magic, major and size, each with a message of its own that names both sides.
pub fn check_table(table: &abi::capreg_registry) -> Result<(), String> {
    if table.magic != abi::CAPREG_MAGIC {
        return Err(format!(
            "capreg: '{}.{}' does not hold a capreg registry table: its magic is {:#010x}, not {:#010x} ('CREG'), \
             so something other than capreg installed '{}': reinstall capreg with: pip install --force-reinstall capreg",
            abi::CAPREG_MODULE,
            abi::CAPREG_CAPSULE_ATTR,
            table.magic,
            abi::CAPREG_MAGIC,
            abi::CAPREG_MODULE
        ));
    }
    if table.abi_major != abi::CAPREG_ABI_MAJOR {
        let fix = if table.abi_major < abi::CAPREG_ABI_MAJOR {
            "upgrade capreg: pip install -U capreg".to_owned()
        } else {
            format!(
                "rebuild this module against the installed capreg's headers, or install a capreg release that \
                 speaks ABI major {}",
                abi::CAPREG_ABI_MAJOR
            )
        };
        return Err(format!(
            "capreg: the installed registry has ABI major {}; this module was built for ABI major {}: {fix}",
            table.abi_major,
            abi::CAPREG_ABI_MAJOR
        ));
    }
    if table.size < abi::CAPREG_REGISTRY_SIZE_1_0 {
        return Err(format!(
            "capreg: the installed registry table is {} bytes, smaller than the {} bytes of ABI 1.0: reinstall it \
             with: pip install -U capreg",
            table.size,
            abi::CAPREG_REGISTRY_SIZE_1_0
        ));
    }
    Ok(())
}

fn missing_slot(name: &str) -> PyErr {
    PyImportError::new_err(format!(
        "capreg: the installed registry has no '{name}' entry point: pip install -U capreg"
    ))
}

impl ApiDeclaration {
    /// Publishes this declaration; call it from the provider module's init.
    pub fn publish(&self, py: Python<'_>) -> PyResult<()> {
        let publish_py = registry_table(py)?
            .publish_py
            .ok_or_else(|| missing_slot("publish_py"))?;
        // SAFETY: `as_c` stays valid for the life of this static declaration; the GIL is held.
        if unsafe { publish_py(self.as_c()) } == 0 {
            Ok(())
        } else {
            Err(PyErr::fetch(py))
        }
    }
}

/// Requests and resolves `spec`; the error is the registry's `capreg.ResolutionError`.
pub fn import_table(py: Python<'_>, spec: &ImportSpec) -> PyResult<Vec<abi::capreg_fn>> {
    let import_py = registry_table(py)?
        .import_py
        .ok_or_else(|| missing_slot("import_py"))?;
    let (api, requirement, requester, items, n) = spec.c_args();
    let mut out: Vec<abi::capreg_fn> = vec![None; n];
    // SAFETY: every pointer comes from `spec`, which outlives the call; `out` has `n` slots; the
    // GIL is held.
    let rc = unsafe {
        import_py(
            api,
            requirement,
            requester,
            items,
            n,
            out.as_mut_ptr(),
            std::ptr::null_mut(),
        )
    };
    if rc == 0 {
        Ok(out)
    } else {
        Err(PyErr::fetch(py))
    }
}

#[doc(hidden)]
#[macro_export]
macro_rules! __capreg_import_py {
    ($name:ident) => {
        /// Resolves this table through the registry once per process; later calls return the
        /// cached table. Raises `capreg.ResolutionError` (an `ImportError`) naming everything wrong.
        pub fn import(py: $crate::pyo3::Python<'_>) -> $crate::pyo3::PyResult<&'static $name> {
            static CACHE: ::std::sync::OnceLock<$name> = ::std::sync::OnceLock::new();
            // Checks the interpreter first: the cached table is not for a subinterpreter.
            $crate::python::registry_table(py)?;
            if let ::core::option::Option::Some(table) = CACHE.get() {
                return ::core::result::Result::Ok(table);
            }
            let pointers = $crate::python::import_table(py, Self::__spec())?;
            // SAFETY: the pointers were resolved from `__spec()`.
            let table = unsafe { Self::__from_pointers(&pointers) }.ok_or_else(|| {
                $crate::pyo3::exceptions::PyImportError::new_err(
                    "capreg: internal error: resolve returned too few pointers",
                )
            })?;
            ::core::result::Result::Ok(CACHE.get_or_init(|| table))
        }
    };
}
