//! wildsort: sorting on buffers, as a Python-free C-ABI library published through capreg.
//!
//! The library `libwildsort` exports only `capreg_library_declarations`: the registry (or any
//! program, through `capreg`'s `from_library`) loads it and resolves `wildsort` 1.0.0 by name and
//! signature. The same file serves every Python version and programs with no Python.
//!
//! Every function returns a status: [`WILDSORT_OK`], or [`WILDSORT_ERR_NULL`] when a buffer is
//! NULL with a non-zero length (NULL with length 0 is fine), or [`WILDSORT_ERR_INTERNAL`] if
//! something panicked (never unwound into C).
//!
//! Order: integers ascending; `f64`/`f32` by IEEE 754 totalOrder (as `f64::total_cmp`):
//! `-NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN`. The argsorts are stable: equal keys keep
//! their input order.

pub mod radix;

/// Success.
pub const WILDSORT_OK: i32 = 0;
/// A buffer was NULL with a non-zero length.
pub const WILDSORT_ERR_NULL: i32 = -1;
/// A bug in wildsort (a caught panic).
pub const WILDSORT_ERR_INTERNAL: i32 = -2;
/// `major << 16 | minor << 8 | patch`.
pub const WILDSORT_VERSION: u32 = 0x01_00_00;

/// Sorts `data` ascending.
pub fn sort_i64(data: &mut [i64]) {
    radix::sort_by_key(data, |&x| radix::i64_key(x));
}

pub fn sort_u64(data: &mut [u64]) {
    radix::sort_by_key(data, |&x| x);
}

pub fn sort_i32(data: &mut [i32]) {
    radix::sort_by_key(data, |&x| radix::i32_key(x));
}

pub fn sort_u32(data: &mut [u32]) {
    radix::sort_by_key(data, |&x| u64::from(x));
}

/// Sorts by totalOrder.
pub fn sort_f64(data: &mut [f64]) {
    radix::sort_by_key(data, |&x| radix::f64_key(x));
}

/// Sorts by totalOrder.
pub fn sort_f32(data: &mut [f32]) {
    radix::sort_by_key(data, |&x| radix::f32_key(x));
}

/// Writes into `out` the indices that sort `keys` (stable). `out.len()` must equal `keys.len()`.
fn argsort_by(keys: &[u64], out: &mut [usize]) {
    #[derive(Clone, Copy)]
    struct Entry {
        key: u64,
        index: usize,
    }
    let mut entries: Vec<Entry> = keys.iter().enumerate().map(|(index, &key)| Entry { key, index }).collect();
    radix::sort_by_key(&mut entries, |e| e.key);
    for (slot, entry) in out.iter_mut().zip(&entries) {
        *slot = entry.index;
    }
}

pub fn argsort_i64(keys: &[i64], out: &mut [usize]) {
    let mapped: Vec<u64> = keys.iter().map(|&k| radix::i64_key(k)).collect();
    argsort_by(&mapped, out);
}

pub fn argsort_f64(keys: &[f64], out: &mut [usize]) {
    let mapped: Vec<u64> = keys.iter().map(|&k| radix::f64_key(k)).collect();
    argsort_by(&mapped, out);
}

mod ffi;
pub use ffi::WILDSORT_1;
