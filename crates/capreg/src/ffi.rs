//! Reading what C hands over: strings, a provider's declaration, a consumer's import table,
//! each checked, with an error that names the call and the argument.

use std::ffi::{c_char, CStr};

use capreg_abi as abi;

use crate::error::{fit_message, Error};

use crate::registry::{Declaration, FunctionDecl, ImportItem};

/// A C string argument as UTF-8, with an error that names the call and the argument. `what`
/// is formatted only on failure, so passing `format_args!` costs nothing on the hot path.
///
/// # Safety
/// `ptr` must be NULL or a NUL-terminated string that outlives `'a`.
pub unsafe fn c_str<'a>(
    ptr: *const c_char,
    call: &'static str,
    what: impl std::fmt::Display,
) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(Error::bad(call, format!("the {what} is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|_| {
        Error::bad(
            call,
            format!("the {what} \"{}\" is not valid UTF-8", bytes.escape_ascii()),
        )
    })
}

/// Copies a provider's C declaration into an owned [`Declaration`], checking every pointer.
///
/// # Safety
/// `decl` must be NULL or point to a readable `capreg_api_decl` of at least `decl->size` bytes
/// (the size is checked before anything past it is read), whose strings and function array
/// are readable as described.
pub unsafe fn read_declaration(decl: *const abi::capreg_api_decl) -> Result<Declaration, Error> {
    const CALL: &str = "publish";
    if decl.is_null() {
        return Err(Error::bad(CALL, "the declaration is NULL"));
    }
    // SAFETY: non-NULL; the `size` field comes first in every version of the struct.
    let size = unsafe { (*decl).size } as usize;
    let expected = std::mem::size_of::<abi::capreg_api_decl>();
    if size < expected {
        return Err(Error::AbiMismatch {
            problem: format!(
                "the declaration says it is {size} bytes, but capreg_api_decl of ABI 1.0 is {expected} bytes: \
                 the provider set .size wrongly or was built against a broken capreg.h; set .size = sizeof(capreg_api_decl)"
            ),
        });
    }
    // SAFETY: at least `expected` bytes are readable by the caller's contract and the size check.
    let d = unsafe { *decl };
    // SAFETY: the caller promises the declaration's strings are NULL or readable.
    let name = unsafe { c_str(d.name, CALL, "API name") }?;
    // SAFETY: as above.
    let version = unsafe { c_str(d.version, CALL, format_args!("version of API '{name}'")) }?;
    // SAFETY: as above.
    let provider = unsafe { c_str(d.provider, CALL, format_args!("provider of API '{name}'")) }?;
    if d.n_functions > 0 && d.functions.is_null() {
        return Err(Error::bad(
            CALL,
            format!(
                "API '{name}' {version} has {} functions but a NULL function array",
                d.n_functions
            ),
        ));
    }
    if d.n_functions > 1 << 20 {
        return Err(Error::bad(
            CALL,
            format!("API '{name}' {version} claims {} functions", d.n_functions),
        ));
    }
    let raw: &[abi::capreg_function] = if d.n_functions == 0 {
        &[]
    } else {
        // SAFETY: non-NULL and `n_functions` long by the caller's contract.
        unsafe { std::slice::from_raw_parts(d.functions, d.n_functions) }
    };
    let mut functions = Vec::with_capacity(raw.len());
    for (i, f) in raw.iter().enumerate() {
        // SAFETY: the caller promises the strings are readable.
        let fname = unsafe {
            c_str(
                f.name,
                CALL,
                format_args!("name of function {i} of API '{name}' {version}"),
            )
        }?;
        // SAFETY: as above.
        let signature = unsafe {
            c_str(
                f.signature,
                CALL,
                format_args!("signature of function '{fname}' of API '{name}' {version}"),
            )
        }?;
        // SAFETY: as above.
        let since = unsafe {
            c_str(
                f.since,
                CALL,
                format_args!("'since' of function '{fname}' of API '{name}' {version}"),
            )
        }?;
        let address = f.address.ok_or_else(|| {
            Error::bad(
                CALL,
                format!("function '{fname}' of API '{name}' {version} has a NULL address"),
            )
        })?;
        functions.push(FunctionDecl {
            name: fname.to_owned(),
            signature: signature.to_owned(),
            since: since.to_owned(),
            address,
            flags: f.flags,
        });
    }
    Ok(Declaration {
        name: name.to_owned(),
        version: version.to_owned(),
        provider: provider.to_owned(),
        functions,
    })
}

/// Borrows a consumer's C import table.
///
/// # Safety
/// `items` must be NULL or point to `n` readable items whose strings outlive `'a`.
pub unsafe fn read_items<'a>(
    items: *const abi::capreg_import_item,
    n: usize,
    requester: &str,
) -> Result<Vec<ImportItem<'a>>, Error> {
    const CALL: &str = "resolve";
    if n == 0 {
        return Ok(Vec::new());
    }
    if items.is_null() {
        return Err(Error::bad(
            CALL,
            format!("'{requester}' passed {n} import items but a NULL item array"),
        ));
    }
    // SAFETY: non-NULL and `n` long by the caller's contract.
    let raw = unsafe { std::slice::from_raw_parts(items, n) };
    raw.iter()
        .enumerate()
        .map(|(i, item)| {
            // SAFETY: the caller promises the strings are readable.
            let name = unsafe {
                c_str(
                    item.name,
                    CALL,
                    format_args!("name of import item {i} of '{requester}'"),
                )
            }?;
            // SAFETY: as above.
            let signature = unsafe {
                c_str(
                    item.signature,
                    CALL,
                    format_args!("signature of import item '{name}' of '{requester}'"),
                )
            }?;
            if item.flags & !abi::CAPREG_OPTIONAL != 0 {
                return Err(Error::bad(
                    CALL,
                    format!(
                        "import item '{name}' of '{requester}' has unknown flags {:#x}",
                        item.flags
                    ),
                ));
            }
            Ok(ImportItem {
                name,
                signature,
                optional: item.flags & abi::CAPREG_OPTIONAL != 0,
            })
        })
        .collect()
}

/// Writes `err` into a C error struct, cutting a long message at a character boundary and marking
/// the cut.
///
/// # Safety
/// `out` must be NULL or point to a writable `capreg_error`.
pub unsafe fn write_c_error(out: *mut abi::capreg_error, err: &Error) {
    if out.is_null() {
        return;
    }
    let message = err.to_string();
    let cut = fit_message(&message, abi::CAPREG_MESSAGE_CAPACITY - 1);
    // SAFETY: the caller promises `out` is writable; we write the code and at most CAPACITY bytes.
    unsafe {
        (*out).code = err.code();
        let dst = (*out).message.as_mut_ptr().cast::<u8>();
        std::ptr::copy_nonoverlapping(cut.as_ptr(), dst, cut.len());
        *dst.add(cut.len()) = 0;
    }
}

/// Clears a C error struct to success.
///
/// # Safety
/// `out` must be NULL or point to a writable `capreg_error`.
pub unsafe fn clear_c_error(out: *mut abi::capreg_error) {
    if !out.is_null() {
        // SAFETY: the caller promises `out` is writable.
        unsafe {
            (*out).code = abi::CAPREG_OK;
            (*out).message[0] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_strings_are_checked() {
        let bad = c"\xff\xfe";
        // SAFETY: NULL and valid C strings.
        unsafe {
            assert!(c_str(std::ptr::null(), "t", "API name")
                .unwrap_err()
                .to_string()
                .contains("the API name is NULL"));
            let err = c_str(bad.as_ptr(), "t", "API name")
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("not valid UTF-8") && err.contains("\\xff\\xfe"),
                "{err}"
            );
            assert_eq!(c_str(c"ok".as_ptr(), "t", "API name").unwrap(), "ok");
        }
    }
}
