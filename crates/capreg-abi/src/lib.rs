//! The frozen C ABI of capreg.
//!
//! Everything here mirrors `headers/capreg.h` section by section; `tests/layout.rs` (in this
//! crate) generates a C program that checks every size, alignment, offset and constant of the two
//! against each other, and compiles it as C99 and C++11, so they cannot drift.
//!
//! Rules that keep this ABI frozen (the SQLite `sqlite3ext.h` discipline):
//! - the registry table only grows, by appending function pointers at the end; each appended
//!   group is labelled with the ABI minor that added it, and `abi_minor` is raised;
//! - a retired slot stays in place, NULL, with a "was X" note;
//! - a reader checks `size` before it touches any appended field;
//! - a layout that must break gets a new capsule name (`abi_major` 2), never an edit here.
//!
//! All strings are NUL-terminated UTF-8. The registry copies every string it is given, so
//! declarations may live on the stack; only function addresses must stay valid for the life of
//! the process (extension modules are never unloaded).
#![no_std]
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int};

/// `'CREG'`: the first four bytes of the registry table, read as a big-endian `u32`.
pub const CAPREG_MAGIC: u32 = 0x4352_4547;
/// The table layout's major version. A new major would be a new capsule name.
pub const CAPREG_ABI_MAJOR: u16 = 1;
/// Grows when function pointers are appended to [`capreg_registry`].
pub const CAPREG_ABI_MINOR: u16 = 0;

/// The module that holds the registry capsule.
pub const CAPREG_MODULE: &str = "capreg._capreg";
/// The module attribute that holds the capsule.
pub const CAPREG_CAPSULE_ATTR: &str = "_REGISTRY";
/// The name the capsule was created with (checked by `PyCapsule_GetPointer`).
pub const CAPREG_CAPSULE_NAME: &core::ffi::CStr = c"capreg._REGISTRY";
/// The symbol a Python-free provider library exports: a [`capreg_library_fn`].
pub const CAPREG_LIBRARY_SYMBOL: &str = "capreg_library_declarations";

/// Capacity of [`capreg_error::message`] in bytes, NUL included. A longer message is cut and
/// the cut is marked with `" [... N more bytes cut]"`; it is never cut silently.
pub const CAPREG_MESSAGE_CAPACITY: usize = 4096;

// ---------------------------------------------------------------------------------------------
// Result codes
// ---------------------------------------------------------------------------------------------

/// Success.
pub const CAPREG_OK: c_int = 0;

/// One error code: its value, its name in C, the Python exception class that carries it
/// (`capreg.<python_class>`, a `ResolutionError`) and what it means, in one line.
///
/// [`CAPREG_ERRORS`] is the one list of them: the `CAPREG_ERR_*` constants below, the result-code
/// block of `headers/capreg.h` (generated from it by `tests/error_codes.rs`), the exception class
/// the registry raises for a code and each class's `code` in Python are all read from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorCode {
    /// The value, e.g. 1.
    pub code: c_int,
    /// The C name, e.g. `"CAPREG_ERR_NOT_FOUND"`.
    pub c_name: &'static str,
    /// The Python exception class, e.g. `"ApiNotFoundError"`.
    pub python_class: &'static str,
    /// What it means, in one line (the comment next to the C `#define`).
    pub meaning: &'static str,
}

impl ErrorCode {
    /// The entry of [`CAPREG_ERRORS`] for `code`, if it is an error code.
    pub fn of(code: c_int) -> Option<&'static ErrorCode> {
        CAPREG_ERRORS.iter().find(|e| e.code == code)
    }
}

/// Defines each `CAPREG_ERR_*` constant and [`CAPREG_ERRORS`] from one list. An entry is
/// `/// doc` lines, then `NAME = value, "PythonClass", "one-line meaning"`; the constant is
/// documented with the doc lines, the meaning and its Python class.
macro_rules! error_codes {
    ($($(#[doc = $more:literal])* $c_name:ident = $code:literal, $class:literal, $meaning:literal;)*) => {
        $(
            $(#[doc = $more])*
            #[doc = ""]
            #[doc = concat!("In capreg.h: \"", $meaning, "\". Python: `capreg.", $class, "`.")]
            pub const $c_name: c_int = $code;
        )*

        /// Every error code, in order of value.
        pub const CAPREG_ERRORS: &[ErrorCode] = &[$(ErrorCode {
            code: $c_name,
            c_name: stringify!($c_name),
            python_class: $class,
            meaning: $meaning,
        }),*];
    };
}

error_codes! {
    /// No provider publishes an API of that name, even after discovery.
    CAPREG_ERR_NOT_FOUND = 1, "ApiNotFoundError",
        "no provider publishes the API, even after discovery";
    /// The API is published, but no published version satisfies the requirement.
    CAPREG_ERR_VERSION_MISMATCH = 2, "VersionMismatchError",
        "published, but no version satisfies the requirement";
    /// One or more requested (non-optional) functions are absent from the API.
    CAPREG_ERR_MISSING_FUNCTION = 3, "MissingFunctionError",
        "required functions absent (message lists them all)";
    /// One or more functions exist but with another signature (and none is missing).
    CAPREG_ERR_SIGNATURE_MISMATCH = 4, "SignatureMismatchError",
        "functions present with other signatures";
    /// Another provider module already publishes this API name and major version, or the
    /// publishing module is not the provider it names, or the name belongs (through an entry
    /// point of group `capreg.apis`) to another provider.
    CAPREG_ERR_CONFLICT = 5, "ConflictError",
        "another provider owns that name (and major)";
    /// A NULL pointer, an empty or non-UTF-8 string, a malformed version, requirement or
    /// signature.
    CAPREG_ERR_BAD_ARGUMENT = 6, "BadArgumentError",
        "NULL, empty, non-UTF-8, malformed version/signature";
    /// A table or declaration with a wrong magic, major version or size.
    CAPREG_ERR_ABI_MISMATCH = 7, "AbiMismatchError",
        "wrong magic, major or size";
    /// A bug in capreg (a caught panic, a poisoned lock). Please report it.
    CAPREG_ERR_INTERNAL = 8, "InternalError",
        "a bug in capreg: please report it";
    /// Called from a legacy subinterpreter: registry state is process-wide and refuses it.
    CAPREG_ERR_SUBINTERPRETER = 9, "SubinterpreterError",
        "called from a legacy subinterpreter: refused";
    /// Discovery found a provider but importing or loading it failed.
    CAPREG_ERR_PROVIDER_LOAD = 10, "ProviderLoadError",
        "discovery found a provider but importing it failed";
}

// ---------------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------------

/// On a [`capreg_import_item`]: an absent function resolves to NULL instead of failing.
pub const CAPREG_OPTIONAL: u32 = 1 << 0;
/// On a [`capreg_function`]: resolving it emits a `DeprecationWarning` naming the consumer.
pub const CAPREG_DEPRECATED: u32 = 1 << 1;

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/// A type-erased C function pointer. Cast it back to the type its signature describes.
///
/// A function pointer, not `void *`: ISO C allows converting between function pointer types,
/// not between function and object pointers.
pub type capreg_fn = Option<unsafe extern "C" fn()>;

/// Every entry point reports failure here: a code and a complete, human message.
#[repr(C)]
pub struct capreg_error {
    /// One of the `CAPREG_OK` / `CAPREG_ERR_*` codes.
    pub code: c_int,
    /// NUL-terminated UTF-8.
    pub message: [c_char; CAPREG_MESSAGE_CAPACITY],
}

/// One function of a published API.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct capreg_function {
    /// The function's name in the API, e.g. `"sort_i64"`.
    pub name: *const c_char,
    /// Its signature in capreg's type language or in C spelling, e.g. `"fn(*mut i64, usize) -> i32"`.
    pub signature: *const c_char,
    /// The API version that introduced it, e.g. `"1.2.0"`.
    pub since: *const c_char,
    /// The function itself.
    pub address: capreg_fn,
    /// `CAPREG_DEPRECATED` or 0.
    pub flags: u32,
}

/// What a provider publishes: one version of one API.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct capreg_api_decl {
    /// `sizeof(capreg_api_decl)` as the provider was built; lets the struct grow by appending.
    pub size: u32,
    /// Reserved, 0.
    pub flags: u32,
    /// The API's name, e.g. `"wildsort"`.
    pub name: *const c_char,
    /// Its semver version, e.g. `"1.4.0"`.
    pub version: *const c_char,
    /// The provider: a Python module name (`"wildsort._wildsort"`) or a library path.
    pub provider: *const c_char,
    /// The functions.
    pub functions: *const capreg_function,
    /// How many functions.
    pub n_functions: usize,
}

/// What a consumer asks for: one function, by name and signature.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct capreg_import_item {
    /// The function's name in the API.
    pub name: *const c_char,
    /// The signature the consumer was compiled with.
    pub signature: *const c_char,
    /// `CAPREG_OPTIONAL` or 0.
    pub flags: u32,
}

/// An API version as published; owned by the registry and valid for the life of the process.
#[repr(C)]
pub struct capreg_api {
    _opaque: [u8; 0],
    _not_send_sync_unpin: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// Filled in by `describe`. Every string is owned by the registry and lives as long as the process.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct capreg_api_info {
    pub name: *const c_char,
    pub version: *const c_char,
    /// The provider module or library path.
    pub provider: *const c_char,
    /// The file the provider's functions were loaded from (found with `dladdr`), or `""`.
    pub file: *const c_char,
    pub n_functions: usize,
}

/// Filled in by `describe_function`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct capreg_function_info {
    pub name: *const c_char,
    /// The signature in capreg's canonical form.
    pub signature: *const c_char,
    pub since: *const c_char,
    pub flags: u32,
}

/// The entry point of a Python-free provider library, exported as [`CAPREG_LIBRARY_SYMBOL`]:
/// stores a pointer to its declarations and their count, and returns `CAPREG_ABI_MAJOR`.
pub type capreg_library_fn =
    unsafe extern "C" fn(decls: *mut *const capreg_api_decl, n_decls: *mut usize) -> c_int;

/// The process-wide registry table, reached through the capsule `capreg._capreg._REGISTRY`.
///
/// Every function returns `CAPREG_OK` or an error code, and on error fills `*err` (when `err` is
/// not NULL). None of them unwinds, aborts, or writes an output on failure.
#[repr(C)]
pub struct capreg_registry {
    /// [`CAPREG_MAGIC`].
    pub magic: u32,
    /// [`CAPREG_ABI_MAJOR`].
    pub abi_major: u16,
    /// The number of appended groups; see [`CAPREG_ABI_MINOR`].
    pub abi_minor: u16,
    /// `sizeof(capreg_registry)` as the registry was built.
    pub size: u32,
    /// Reserved, 0.
    pub reserved: u32,

    // ---- ABI 1.0 ----
    /// Publishes one API version. Publishing the same declaration again is a no-op.
    pub publish:
        Option<unsafe extern "C" fn(decl: *const capreg_api_decl, err: *mut capreg_error) -> c_int>,
    /// Finds the highest published version of `api` satisfying `requirement` (semver, e.g.
    /// `"^1.2"`), discovering and importing its provider if needed. `requester` names the
    /// consumer in every message.
    pub request: Option<
        unsafe extern "C" fn(
            api: *const c_char,
            requirement: *const c_char,
            requester: *const c_char,
            out: *mut *const capreg_api,
            err: *mut capreg_error,
        ) -> c_int,
    >,
    /// Resolves a whole import table: fills `out[0..n]` or, on any failure, writes nothing and
    /// reports every missing or mismatched function at once.
    pub resolve: Option<
        unsafe extern "C" fn(
            api: *const capreg_api,
            requester: *const c_char,
            items: *const capreg_import_item,
            n_items: usize,
            out: *mut capreg_fn,
            err: *mut capreg_error,
        ) -> c_int,
    >,
    /// Describes a published API version.
    pub describe: Option<
        unsafe extern "C" fn(
            api: *const capreg_api,
            out: *mut capreg_api_info,
            err: *mut capreg_error,
        ) -> c_int,
    >,
    /// Describes function `index` (0-based, in publication order) of an API version.
    pub describe_function: Option<
        unsafe extern "C" fn(
            api: *const capreg_api,
            index: usize,
            out: *mut capreg_function_info,
            err: *mut capreg_error,
        ) -> c_int,
    >,
    /// `request` + `resolve` for a caller holding the GIL (an attached thread state): returns 0,
    /// or -1 with a `capreg.ResolutionError` subclass set as the Python exception. Resolving a
    /// deprecated function emits a `DeprecationWarning` naming `requester`. `out_api` may be NULL.
    pub import_py: Option<
        unsafe extern "C" fn(
            api: *const c_char,
            requirement: *const c_char,
            requester: *const c_char,
            items: *const capreg_import_item,
            n_items: usize,
            out: *mut capreg_fn,
            out_api: *mut *const capreg_api,
        ) -> c_int,
    >,
    /// `publish` for a caller holding the GIL: returns 0, or -1 with a Python exception set.
    pub publish_py: Option<unsafe extern "C" fn(decl: *const capreg_api_decl) -> c_int>,
}

// SAFETY: the table is immutable after creation and holds only function pointers and integers;
// every function it points to is itself safe to call from any thread.
unsafe impl Sync for capreg_registry {}

/// Size of a table that has every field of ABI 1.0; a reader checks `size >=` this.
pub const CAPREG_REGISTRY_SIZE_1_0: u32 = core::mem::size_of::<capreg_registry>() as u32;
