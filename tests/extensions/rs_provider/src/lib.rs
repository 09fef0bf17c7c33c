//! Test provider in Rust: publishes `mathkit` 1.4.0 and 2.0.0 side by side through the
//! declaration macro (see tests/extensions/PLAN.md for the API).

use pyo3::prelude::*;

// Cannot panic: wrapping arithmetic only.
extern "C" fn add_i64(a: i64, b: i64) -> i64 {
    a.wrapping_add(b)
}

// Cannot panic: wrapping arithmetic only.
extern "C" fn old_mul(a: i64, b: i64) -> i64 {
    a.wrapping_mul(b)
}

/// # Safety
/// `data` must point to `len` readable doubles (or be anything with `len == 0`).
// Cannot panic: float sums and a slice read, no indexing or allocation.
unsafe extern "C" fn sum_f64(data: *const f64, len: usize) -> f64 {
    if data.is_null() || len == 0 {
        return 0.0;
    }
    // SAFETY: the caller promises `len` readable doubles at `data`.
    unsafe { std::slice::from_raw_parts(data, len) }
        .iter()
        .sum()
}

// Cannot panic: a clamp and a cast.
extern "C" fn clamp_to_int(n: isize) -> i32 {
    n.clamp(i32::MIN as isize, i32::MAX as isize) as i32
}

/// FNV-1a, 64-bit.
///
/// # Safety
/// `data` must point to `len` readable bytes (or be anything with `len == 0`).
// Cannot panic: wrapping arithmetic over a slice, no indexing or allocation.
unsafe extern "C" fn checksum(data: *const u8, len: usize) -> u64 {
    let bytes: &[u8] = if data.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: the caller promises `len` readable bytes at `data`.
        unsafe { std::slice::from_raw_parts(data, len) }
    };
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Applies `f` to each element in place; returns how many were changed.
///
/// # Safety
/// `data` must point to `len` writable i64 (or be anything with `len == 0`).
// Cannot panic: the count is at most `len`; `f` is a C function, which cannot unwind into us.
unsafe extern "C" fn apply_i64(
    data: *mut i64,
    len: usize,
    f: Option<extern "C" fn(i64) -> i64>,
) -> usize {
    let (Some(f), false) = (f, data.is_null() || len == 0) else {
        return 0;
    };
    // SAFETY: the caller promises `len` writable elements at `data`.
    let values = unsafe { std::slice::from_raw_parts_mut(data, len) };
    values
        .iter_mut()
        .map(|v| {
            let new = f(*v);
            let changed = new != *v;
            *v = new;
            changed as usize
        })
        .sum()
}

// Cannot panic: returns a constant.
extern "C" fn version_hex_1() -> u32 {
    0x0104_0000
}

// Cannot panic: returns a constant.
extern "C" fn version_hex_2() -> u32 {
    0x0200_0000
}

/// 2.x: checked add, 0 on success, -1 on overflow (`*out` untouched).
///
/// # Safety
/// `out` must be writable or NULL.
// Cannot panic: checked arithmetic and a checked pointer.
unsafe extern "C" fn add_checked(a: i64, b: i64, out: *mut i64) -> i32 {
    match (a.checked_add(b), out.is_null()) {
        (Some(sum), false) => {
            // SAFETY: non-NULL and writable by the caller's contract.
            unsafe { *out = sum };
            0
        }
        _ => -1,
    }
}

capreg::declare_api! {
    /// mathkit 1.4.0.
    pub static MATHKIT_1: {
        name: "mathkit",
        version: "1.4.0",
        provider: "capreg_test_rsprovider",
        functions: {
            fn add_i64: extern "C" fn(i64, i64) -> i64 = add_i64, since = "1.0.0";
            fn sum_f64: unsafe extern "C" fn(*const f64, usize) -> f64 = sum_f64, since = "1.0.0";
            fn clamp_to_int: extern "C" fn(isize) -> i32 = clamp_to_int, since = "1.0.0";
            fn old_mul: extern "C" fn(i64, i64) -> i64 = old_mul, since = "1.0.0", deprecated;
            fn checksum: unsafe extern "C" fn(*const u8, usize) -> u64 = checksum, since = "1.2.0";
            fn apply_i64: unsafe extern "C" fn(*mut i64, usize, Option<extern "C" fn(i64) -> i64>) -> usize = apply_i64, since = "1.3";
            fn version_hex: extern "C" fn() -> u32 = version_hex_1, since = "1.4.0";
        }
    }
}

capreg::declare_api! {
    /// mathkit 2.0.0: `add` replaces `add_i64`; `clamp_to_int` and `old_mul` are gone.
    pub static MATHKIT_2: {
        name: "mathkit",
        version: "2.0.0",
        provider: "capreg_test_rsprovider",
        functions: {
            fn add: unsafe extern "C" fn(i64, i64, *mut i64) -> i32 = add_checked, since = "2.0.0";
            fn sum_f64: unsafe extern "C" fn(*const f64, usize) -> f64 = sum_f64, since = "2.0.0";
            fn checksum: unsafe extern "C" fn(*const u8, usize) -> u64 = checksum, since = "2.0.0";
            fn apply_i64: unsafe extern "C" fn(*mut i64, usize, Option<extern "C" fn(i64) -> i64>) -> usize = apply_i64, since = "2.0.0";
            fn version_hex: extern "C" fn() -> u32 = version_hex_2, since = "2.0.0";
        }
    }
}

// The same declarations, for programs that open this library directly (`from_library`).
capreg::export_library!(MATHKIT_1, MATHKIT_2);

#[pymodule(gil_used = false)]
fn capreg_test_rsprovider(m: &Bound<'_, PyModule>) -> PyResult<()> {
    MATHKIT_1.publish(m.py())?;
    MATHKIT_2.publish(m.py())?;
    // Publishing again is a no-op: providers need not guard against double init.
    MATHKIT_1.publish(m.py())?;
    Ok(())
}
