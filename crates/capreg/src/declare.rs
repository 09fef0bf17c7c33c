//! The provider side: a declaration built at compile time from Rust types.
//!
//! ```ignore
//! extern "C" fn add_i64(a: i64, b: i64) -> i64 { a.wrapping_add(b) }
//!
//! capreg::declare_api! {
//!     pub static MATHKIT: {
//!         name: "mathkit", version: "1.4.0", provider: "mathkit._native",
//!         functions: {
//!             fn add_i64: extern "C" fn(i64, i64) -> i64 = add_i64, since = "1.0";
//!         }
//!     }
//! }
//! // in the module's init:  MATHKIT.publish(py)?;
//! ```
//! The signature of each function is derived from its type (`fn(i64, i64) -> i64`), so the
//! declaration cannot drift from the code; a function that is not `extern "C"` does not compile.

use std::ffi::{c_int, CString};
use std::sync::OnceLock;

use capreg_abi as abi;

use crate::registry::{Declaration, FunctionDecl};
use crate::signature::Signature;

/// One function of an [`ApiDeclaration`]; built by [`declare_api!`](crate::declare_api).
pub struct FunctionSpec {
    pub name: &'static str,
    pub since: &'static str,
    pub flags: u32,
    /// Derives the signature from the function's Rust type.
    pub signature: fn() -> Signature,
    pub address: unsafe extern "C" fn(),
}

/// One version of one API, declared in Rust; a `static` made by [`declare_api!`](crate::declare_api).
pub struct ApiDeclaration {
    pub name: &'static str,
    pub version: &'static str,
    pub provider: &'static str,
    pub functions: &'static [FunctionSpec],
    c: OnceLock<CDeclaration>,
}

/// The C form of a declaration: strings and the function array it points into.
struct CDeclaration {
    _strings: Vec<CString>,
    _functions: Vec<abi::capreg_function>,
    decl: abi::capreg_api_decl,
}

// SAFETY: immutable once built; its raw pointers point into heap buffers it owns, which never
// move or change, so sharing it between threads is sharing read-only data.
unsafe impl Send for CDeclaration {}
// SAFETY: as above.
unsafe impl Sync for CDeclaration {}

impl ApiDeclaration {
    pub const fn new(
        name: &'static str,
        version: &'static str,
        provider: &'static str,
        functions: &'static [FunctionSpec],
    ) -> ApiDeclaration {
        ApiDeclaration {
            name,
            version,
            provider,
            functions,
            c: OnceLock::new(),
        }
    }

    /// The owned Rust form, with signatures derived from the types.
    pub fn declaration(&self) -> Declaration {
        Declaration {
            name: self.name.to_owned(),
            version: self.version.to_owned(),
            provider: self.provider.to_owned(),
            functions: self
                .functions
                .iter()
                .map(|f| FunctionDecl {
                    name: f.name.to_owned(),
                    signature: (f.signature)().to_string(),
                    since: f.since.to_owned(),
                    address: f.address,
                    flags: f.flags,
                })
                .collect(),
        }
    }

    /// The C form, built once and valid for as long as `self` (a `static`).
    pub fn as_c(&self) -> *const abi::capreg_api_decl {
        &self.c.get_or_init(|| self.build_c()).decl
    }

    fn build_c(&self) -> CDeclaration {
        // Declared names come from Rust literals and identifiers: a NUL in one is a bug in the
        // declaration; it becomes an empty string that publish refuses with a clear message.
        let c = |s: &str| CString::new(s).unwrap_or_default();
        let mut strings = vec![c(self.name), c(self.version), c(self.provider)];
        let mut functions = Vec::with_capacity(self.functions.len());
        for f in self.functions {
            let (name, signature, since) = (c(f.name), c(&(f.signature)().to_string()), c(f.since));
            functions.push(abi::capreg_function {
                name: name.as_ptr(),
                signature: signature.as_ptr(),
                since: since.as_ptr(),
                address: Some(f.address),
                flags: f.flags,
            });
            strings.extend([name, signature, since]);
        }
        let decl = abi::capreg_api_decl {
            size: std::mem::size_of::<abi::capreg_api_decl>() as u32,
            flags: 0,
            name: strings[0].as_ptr(),
            version: strings[1].as_ptr(),
            provider: strings[2].as_ptr(),
            functions: functions.as_ptr(),
            n_functions: functions.len(),
        };
        CDeclaration {
            _strings: strings,
            _functions: functions,
            decl,
        }
    }
}

/// The declarations a Python-free library exports through [`export_library!`](crate::export_library).
pub struct ExportedDeclarations {
    declarations: &'static [&'static ApiDeclaration],
    array: OnceLock<ExportedArray>,
}

struct ExportedArray(Vec<abi::capreg_api_decl>);
// SAFETY: immutable once built; it points into `'static` declarations' own buffers.
unsafe impl Send for ExportedArray {}
// SAFETY: as above.
unsafe impl Sync for ExportedArray {}

impl ExportedDeclarations {
    pub const fn new(declarations: &'static [&'static ApiDeclaration]) -> ExportedDeclarations {
        ExportedDeclarations {
            declarations,
            array: OnceLock::new(),
        }
    }

    /// The body of the exported `capreg_library_declarations`.
    ///
    /// # Safety
    /// `decls` and `n` must be NULL or writable.
    pub unsafe fn write(&self, decls: *mut *const abi::capreg_api_decl, n: *mut usize) -> c_int {
        crate::guard::c_code(-1, || {
            if decls.is_null() || n.is_null() {
                return -1;
            }
            let array = self.array.get_or_init(|| {
                let copy = |d: &&ApiDeclaration| {
                    // SAFETY: `as_c` is valid for the life of its static declaration.
                    unsafe { *d.as_c() }
                };
                ExportedArray(self.declarations.iter().map(copy).collect())
            });
            // SAFETY: checked non-NULL above; writable by the caller's contract.
            unsafe {
                *decls = array.0.as_ptr();
                *n = array.0.len();
            }
            c_int::from(abi::CAPREG_ABI_MAJOR)
        })
    }
}

/// Builds a `static` [`ApiDeclaration`] from Rust functions; see the module docs.
#[macro_export]
macro_rules! declare_api {
    (
        $(#[$meta:meta])*
        $vis:vis static $ident:ident: {
            name: $name:literal,
            version: $version:literal,
            provider: $provider:expr,
            functions: {
                $( fn $fname:ident : $fty:ty = $fimpl:expr, since = $since:literal $(, $flag:ident)? ; )*
            } $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis static $ident: $crate::declare::ApiDeclaration = $crate::declare::ApiDeclaration::new(
            $name,
            $version,
            $provider,
            &[$(
                $crate::declare::FunctionSpec {
                    name: ::core::stringify!($fname),
                    since: $since,
                    flags: 0 $(| $crate::__capreg_flag!($flag))?,
                    signature: <$fty as $crate::signature::ExternFn>::signature,
                    // SAFETY: `$fty` is a C-ABI function pointer type (`ExternFn` is required
                    // above), and all function pointers have one size; the registry hands it
                    // back only to consumers whose signature matches `$fty`'s.
                    address: unsafe {
                        ::core::mem::transmute::<$fty, unsafe extern "C" fn()>($fimpl as $fty)
                    },
                },
            )*],
        );
    };
}

/// Exports the declarations of a Python-free provider library (`capreg_library_declarations`).
#[macro_export]
macro_rules! export_library {
    ($($decl:path),+ $(,)?) => {
        /// capreg's entry point into this library: its API declarations.
        ///
        /// # Safety
        /// `decls` and `n` must be NULL or writable.
        #[no_mangle]
        pub unsafe extern "C" fn capreg_library_declarations(
            decls: *mut *const $crate::abi::capreg_api_decl,
            n: *mut usize,
        ) -> ::core::ffi::c_int {
            // Cannot panic: `write` runs its body through `capreg::guard::c_code`.
            static EXPORTED: $crate::declare::ExportedDeclarations =
                $crate::declare::ExportedDeclarations::new(&[$(&$decl),+]);
            // SAFETY: forwarded from this function's contract.
            unsafe { EXPORTED.write(decls, n) }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __capreg_flag {
    (deprecated) => {
        $crate::abi::CAPREG_DEPRECATED
    };
}
