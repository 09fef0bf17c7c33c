//! The consumer side: a struct of typed function pointers, resolved by name and signature.
//!
//! ```ignore
//! capreg::import_api! {
//!     /// What this module uses of mathkit 1.x.
//!     pub struct Mathkit: "mathkit" "^1.2" as "mypkg._native" {
//!         fn add_i64: extern "C" fn(i64, i64) -> i64;
//!         fn version_hex: extern "C" fn() -> u32, optional;
//!     }
//! }
//! let mk = Mathkit::import(py)?;          // cached per process; raises ImportError
//! let three = (mk.add_i64)(1, 2);
//! ```
//! Each signature is derived from the field's type, so the consumer asks for exactly what its
//! code calls. An `optional` field is an `Option` that is `None` when the provider lacks it.

use std::ffi::CString;

use capreg_abi as abi;

use crate::registry::ImportItem;
use crate::signature::Signature;

/// One field of an import table: its name, whether it is optional, and its signature's source.
pub type ItemSource = (&'static str, bool, fn() -> Signature);

/// What an import table asks for; built once per table type by [`import_api!`](crate::import_api).
pub struct ImportSpec {
    pub api: &'static str,
    pub requirement: &'static str,
    pub requester: &'static str,
    /// (name, canonical signature, optional)
    pub items: Vec<(&'static str, String, bool)>,
    c: CImportSpec,
}

struct CImportSpec {
    api: CString,
    requirement: CString,
    requester: CString,
    _signatures: Vec<CString>,
    _names: Vec<CString>,
    items: Vec<abi::capreg_import_item>,
}

// SAFETY: immutable once built; the raw pointers in `items` point into CStrings it owns.
unsafe impl Send for CImportSpec {}
// SAFETY: as above.
unsafe impl Sync for CImportSpec {}

impl ImportSpec {
    pub fn new(
        api: &'static str,
        requirement: &'static str,
        requester: &'static str,
        items: &[ItemSource],
    ) -> ImportSpec {
        let items: Vec<_> = items
            .iter()
            .map(|(n, opt, sig)| (*n, sig().to_string(), *opt))
            .collect();
        // Literals and identifiers: a NUL would be a bug here; it is refused later as bad input.
        let c = |s: &str| CString::new(s).unwrap_or_default();
        let names: Vec<CString> = items.iter().map(|(n, _, _)| c(n)).collect();
        let signatures: Vec<CString> = items.iter().map(|(_, s, _)| c(s)).collect();
        let c_items = items
            .iter()
            .enumerate()
            .map(|(i, (_, _, optional))| abi::capreg_import_item {
                name: names[i].as_ptr(),
                signature: signatures[i].as_ptr(),
                flags: if *optional { abi::CAPREG_OPTIONAL } else { 0 },
            })
            .collect();
        ImportSpec {
            api,
            requirement,
            requester,
            c: CImportSpec {
                api: c(api),
                requirement: c(requirement),
                requester: c(requester),
                _signatures: signatures,
                _names: names,
                items: c_items,
            },
            items,
        }
    }

    /// The items as the registry's Rust API takes them.
    pub fn import_items(&self) -> Vec<ImportItem<'_>> {
        self.items
            .iter()
            .map(|(name, signature, optional)| ImportItem {
                name,
                signature,
                optional: *optional,
            })
            .collect()
    }

    /// `(api, requirement, requester, items, n_items)` as the C table takes them; valid as long
    /// as `self`.
    pub fn c_args(
        &self,
    ) -> (
        *const std::ffi::c_char,
        *const std::ffi::c_char,
        *const std::ffi::c_char,
        *const abi::capreg_import_item,
        usize,
    ) {
        (
            self.c.api.as_ptr(),
            self.c.requirement.as_ptr(),
            self.c.requester.as_ptr(),
            self.c.items.as_ptr(),
            self.c.items.len(),
        )
    }
}

/// Generates a struct of typed function pointers and its `import(py)` / `from_library(path)`;
/// see the module docs.
#[macro_export]
macro_rules! import_api {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident: $api:literal $requirement:literal as $requester:literal {
            $( $(#[$fmeta:meta])* fn $field:ident : $fty:ty $(, $opt:ident)? ; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy)]
        $vis struct $name {
            $( $(#[$fmeta])* pub $field: $crate::__capreg_field!($fty $(, $opt)?), )*
        }

        impl $name {
            /// The API this table imports.
            pub const API: &'static str = $api;
            /// The version requirement it was written against.
            pub const REQUIREMENT: &'static str = $requirement;
            /// The consumer name every error message uses.
            pub const REQUESTER: &'static str = $requester;

            #[doc(hidden)]
            pub fn __spec() -> &'static $crate::import::ImportSpec {
                static SPEC: ::std::sync::OnceLock<$crate::import::ImportSpec> = ::std::sync::OnceLock::new();
                SPEC.get_or_init(|| {
                    $crate::import::ImportSpec::new($api, $requirement, $requester, &[$(
                        (
                            ::core::stringify!($field),
                            $crate::__capreg_optional!($($opt)?),
                            <$fty as $crate::signature::ExternFn>::signature as fn() -> $crate::signature::Signature,
                        ),
                    )*])
                })
            }

            /// Rebuilds the typed table from resolved pointers (one per field, in order).
            ///
            /// # Safety
            /// `pointers` must come from resolving `Self::__spec()`.
            #[doc(hidden)]
            pub unsafe fn __from_pointers(pointers: &[$crate::abi::capreg_fn]) -> ::core::option::Option<Self> {
                let mut next = pointers.iter().copied();
                ::core::option::Option::Some(Self {
                    $( $field: {
                        let pointer = next.next()?;
                        // SAFETY: resolved against this field's own signature (caller's contract).
                        unsafe { $crate::__capreg_restore!(pointer, $fty $(, $opt)?) }
                    }, )*
                })
            }

            /// Opens a Python-free provider library and resolves this table from it, with the
            /// same version and signature checks as the registry. No Python is involved.
            ///
            /// # Safety
            /// Loading runs the library's initialisers: `path` must be a capreg provider library.
            pub unsafe fn from_library(path: impl ::core::convert::AsRef<::std::path::Path>) -> ::core::result::Result<Self, $crate::Error> {
                // SAFETY: forwarded from this function's contract.
                let pointers = unsafe { $crate::library::import_from_library(path.as_ref(), Self::__spec()) }?;
                // SAFETY: resolved from `__spec()`.
                unsafe { Self::__from_pointers(&pointers) }.ok_or_else(|| $crate::Error::Internal {
                    problem: ::std::format!("resolve returned too few pointers for {}", ::core::stringify!($name)),
                })
            }

            $crate::__capreg_import_py!($name);
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __capreg_field {
    ($fty:ty) => { $fty };
    ($fty:ty, optional) => { ::core::option::Option<$fty> };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __capreg_optional {
    () => {
        false
    };
    (optional) => {
        true
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __capreg_restore {
    ($pointer:expr, $fty:ty) => {
        <$fty as $crate::signature::ExternFn>::restore($pointer?)
    };
    ($pointer:expr, $fty:ty, optional) => {
        match $pointer {
            ::core::option::Option::Some(f) => {
                ::core::option::Option::Some(<$fty as $crate::signature::ExternFn>::restore(f))
            }
            ::core::option::Option::None => ::core::option::Option::None,
        }
    };
}
