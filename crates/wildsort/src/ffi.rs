//! The C ABI of `wildsort` 1.0.0 and its declaration. Each function checks its pointers and
//! runs through `capreg::guard::c_code`: nothing unwinds into C, no input crashes.

use capreg::guard;

use crate::{
    WILDSORT_ERR_INTERNAL, WILDSORT_ERR_LENGTH, WILDSORT_ERR_NULL, WILDSORT_OK, WILDSORT_VERSION,
};

/// Runs `body` on `len` elements at `data` through the panic guard, after checking
/// NULL-with-length.
///
/// # Safety
/// `data` must be NULL or valid for reads and writes of `len` elements.
unsafe fn on_slice<T>(data: *mut T, len: usize, body: impl FnOnce(&mut [T])) -> i32 {
    if len == 0 {
        return WILDSORT_OK;
    }
    if data.is_null() {
        return WILDSORT_ERR_NULL;
    }
    // SAFETY: non-NULL and valid for `len` elements by the caller's contract.
    let slice = unsafe { std::slice::from_raw_parts_mut(data, len) };
    guard::c_code(WILDSORT_ERR_INTERNAL, || {
        body(slice);
        WILDSORT_OK
    })
}

macro_rules! sorts {
    ($($name:ident: $t:ty => $rust:path;)*) => {$(
        /// # Safety
        /// `data` must be NULL or valid for reads and writes of `len` elements.
        unsafe extern "C" fn $name(data: *mut $t, len: usize) -> i32 {
            // SAFETY: forwarded from this function's contract.
            unsafe { on_slice(data, len, $rust) }
        }
    )*};
}

sorts! {
    sort_i64: i64 => crate::sort_i64;
    sort_u64: u64 => crate::sort_u64;
    sort_i32: i32 => crate::sort_i32;
    sort_u32: u32 => crate::sort_u32;
    sort_f64: f64 => crate::sort_f64;
    sort_f32: f32 => crate::sort_f32;
}

macro_rules! argsorts {
    ($($name:ident, $with_scratch:ident: $t:ty => $rust:path;)*) => {$(
        /// # Safety
        /// `keys` must be NULL or valid for reads of `len` elements, `out` NULL or valid for
        /// writes of `len` indices, and `scratch` NULL or valid for writes of `len` `u64`s; none
        /// may overlap.
        unsafe extern "C" fn $with_scratch(keys: *const $t, len: usize, out: *mut usize, scratch: *mut u64) -> i32 {
            if len > 0 && (keys.is_null() || scratch.is_null()) {
                return WILDSORT_ERR_NULL;
            }
            // SAFETY: `keys` and `scratch` are valid for `len` elements (checked non-NULL when
            // len > 0); `out` as the contract says, checked by `on_slice`.
            unsafe {
                let keys: &[$t] = if len == 0 { &[] } else { std::slice::from_raw_parts(keys, len) };
                on_slice(out, len, |out| {
                    $rust(keys, out, std::slice::from_raw_parts_mut(scratch, len))
                })
            }
        }

        /// # Safety
        /// As the argsort with scratch, which this one allocates.
        unsafe extern "C" fn $name(keys: *const $t, len: usize, out: *mut usize) -> i32 {
            // Checked before allocating: valid buffers of `len` keys mean `len` u64s fit.
            if len > 0 && (keys.is_null() || out.is_null()) {
                return WILDSORT_ERR_NULL;
            }
            guard::c_code(WILDSORT_ERR_INTERNAL, || {
                let mut scratch = vec![0u64; len];
                // SAFETY: the caller's contract, and `scratch` holds `len` u64s of its own.
                unsafe { $with_scratch(keys, len, out, scratch.as_mut_ptr()) }
            })
        }
    )*};
}

argsorts! {
    argsort_i64, argsort_i64_scratch: i64 => crate::argsort_i64_scratch;
    argsort_f64, argsort_f64_scratch: f64 => crate::argsort_f64_scratch;
}

/// # Safety
/// `pairs` must be NULL or valid for reads and writes of `2 * n` elements.
unsafe extern "C" fn sort_pairs_i64(pairs: *mut i64, n: usize) -> i32 {
    let Some(len) = n.checked_mul(2) else {
        return WILDSORT_ERR_LENGTH;
    };
    // SAFETY: forwarded from this function's contract.
    unsafe { on_slice(pairs, len, crate::sort_pairs_i64) }
}

/// # Safety
/// `pairs` and `scratch` must each be NULL or valid for reads and writes of `2 * n` elements,
/// and must not overlap.
unsafe extern "C" fn sort_pairs_i64_scratch(pairs: *mut i64, n: usize, scratch: *mut i64) -> i32 {
    let Some(len) = n.checked_mul(2) else {
        return WILDSORT_ERR_LENGTH;
    };
    if len > 0 && scratch.is_null() {
        return WILDSORT_ERR_NULL;
    }
    // SAFETY: forwarded from this function's contract (`scratch` checked non-NULL above).
    unsafe {
        on_slice(pairs, len, |pairs| {
            let scratch = std::slice::from_raw_parts_mut(scratch, len);
            crate::sort_pairs_i64_scratch(pairs, scratch)
        })
    }
}

// Cannot panic: returns a constant.
extern "C" fn version() -> u32 {
    WILDSORT_VERSION
}

capreg::declare_api! {
    /// `wildsort` 1.0.0.
    pub static WILDSORT_1: {
        name: "wildsort",
        version: "1.0.0",
        provider: "libwildsort",
        functions: {
            fn sort_i64: unsafe extern "C" fn(*mut i64, usize) -> i32 = sort_i64, since = "1.0";
            fn sort_u64: unsafe extern "C" fn(*mut u64, usize) -> i32 = sort_u64, since = "1.0";
            fn sort_i32: unsafe extern "C" fn(*mut i32, usize) -> i32 = sort_i32, since = "1.0";
            fn sort_u32: unsafe extern "C" fn(*mut u32, usize) -> i32 = sort_u32, since = "1.0";
            fn sort_f64: unsafe extern "C" fn(*mut f64, usize) -> i32 = sort_f64, since = "1.0";
            fn sort_f32: unsafe extern "C" fn(*mut f32, usize) -> i32 = sort_f32, since = "1.0";
            fn argsort_i64: unsafe extern "C" fn(*const i64, usize, *mut usize) -> i32 = argsort_i64, since = "1.0";
            fn argsort_f64: unsafe extern "C" fn(*const f64, usize, *mut usize) -> i32 = argsort_f64, since = "1.0";
            fn argsort_i64_scratch: unsafe extern "C" fn(*const i64, usize, *mut usize, *mut u64) -> i32 = argsort_i64_scratch, since = "1.0";
            fn argsort_f64_scratch: unsafe extern "C" fn(*const f64, usize, *mut usize, *mut u64) -> i32 = argsort_f64_scratch, since = "1.0";
            fn sort_pairs_i64: unsafe extern "C" fn(*mut i64, usize) -> i32 = sort_pairs_i64, since = "1.0";
            fn sort_pairs_i64_scratch: unsafe extern "C" fn(*mut i64, usize, *mut i64) -> i32 = sort_pairs_i64_scratch, since = "1.0";
            fn version: extern "C" fn() -> u32 = version, since = "1.0";
        }
    }
}

capreg::export_library!(WILDSORT_1);
