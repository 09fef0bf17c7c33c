//! wildsort: sorting on buffers, as a Python-free C-ABI library published through capreg.
//!
//! The library `libwildsort` exports only `capreg_library_declarations`: the registry (or any
//! program, through `capreg`'s `from_library`) loads it and resolves `wildsort` 1.0.0 by name and
//! signature. The same file serves every Python version and programs with no Python.
//!
//! Every function returns a status: [`WILDSORT_OK`], or [`WILDSORT_ERR_NULL`] when a buffer is
//! NULL with a non-zero length (NULL with length 0 is fine), [`WILDSORT_ERR_LENGTH`] when a
//! record count is too large to address, or [`WILDSORT_ERR_INTERNAL`] if something panicked
//! (never unwound into C).
//!
//! Order: integers ascending; `f64`/`f32` by IEEE 754 totalOrder (as `f64::total_cmp`):
//! `-NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN`. The argsorts and `sort_pairs_i64` are
//! stable: equal keys keep their input order. The argsorts of large inputs use a thread per
//! available core (see [`argsort`]).

pub mod argsort;
mod parallel;
mod pool;
pub mod radix;

use voracious_radix_sort::RadixSort;

/// Success.
pub const WILDSORT_OK: i32 = 0;
/// A buffer was NULL with a non-zero length.
pub const WILDSORT_ERR_NULL: i32 = -1;
/// A bug in wildsort (a caught panic).
pub const WILDSORT_ERR_INTERNAL: i32 = -2;
/// A length so large that the buffer's size in bytes overflows `size_t`.
pub const WILDSORT_ERR_LENGTH: i32 = -3;
/// `major << 16 | minor << 8 | patch`.
pub const WILDSORT_VERSION: u32 = 0x01_00_00;

/// Reinterprets a slice of one plain 8- or 4-byte type as another of the same size.
fn cast<A, B>(data: &mut [A]) -> &mut [B] {
    assert!(
        std::mem::size_of::<A>() == std::mem::size_of::<B>()
            && std::mem::align_of::<A>() == std::mem::align_of::<B>()
    );
    // SAFETY: same size and alignment (checked), and every bit pattern is valid for the plain
    // integer and float types this is used with.
    unsafe { std::slice::from_raw_parts_mut(data.as_mut_ptr().cast::<B>(), data.len()) }
}

/// Sorts `data` ascending.
pub fn sort_i64(data: &mut [i64]) {
    data.voracious_sort();
}

pub fn sort_u64(data: &mut [u64]) {
    radix::sort_u64(data);
}

pub fn sort_i32(data: &mut [i32]) {
    data.voracious_sort();
}

pub fn sort_u32(data: &mut [u32]) {
    radix::sort_u32(data);
}

/// Sorts by totalOrder. Without NaN and -0.0 (the only values where numeric order and totalOrder
/// part ways), voracious's own float sort is exact and fastest; otherwise each float becomes its
/// signed order key in place, the keys are sorted as integers, and turned back.
pub fn sort_f64(data: &mut [f64]) {
    let special = |x: f64| x.is_nan() | (x.to_bits() == (-0.0f64).to_bits());
    if data.len() > SMALL_FLOATS && !any_of(data, special) {
        data.voracious_sort();
        return;
    }
    let keys: &mut [i64] = cast(data);
    keys.iter_mut().for_each(|k| *k = radix::f64_signed_key(*k));
    keys.voracious_sort();
    keys.iter_mut().for_each(|k| *k = radix::f64_signed_key(*k));
}

/// Whether `test` holds for any of `data`: a fold without branches over blocks (which the
/// compiler vectorizes, where `any` stops to branch on every value: 6.8 ms instead of 15 ms for
/// 10M f64 here), the blocks of large inputs split between threads.
fn any_of<T: Copy + Sync>(data: &[T], test: impl Fn(T) -> bool + Sync) -> bool {
    let part_len = data.len().div_ceil(parallel::parts_for(data.len())).max(1);
    let parts: Vec<&[T]> = data.chunks(part_len).collect();
    let found = parallel::run(parts.len(), |part| {
        (parts[part].chunks(4096)).any(|block| block.iter().fold(false, |seen, &x| seen | test(x)))
    });
    found.into_iter().any(|found| found)
}

/// voracious compares small float slices with `partial_cmp` (wrong for NaN and -0.0): below
/// this size floats always take the integer-key path.
const SMALL_FLOATS: usize = 1000;

/// Sorts by totalOrder, as [`sort_f64`].
pub fn sort_f32(data: &mut [f32]) {
    let special = |x: f32| x.is_nan() | (x.to_bits() == (-0.0f32).to_bits());
    if data.len() > SMALL_FLOATS && !any_of(data, special) {
        data.voracious_sort();
        return;
    }
    let keys: &mut [i32] = cast(data);
    keys.iter_mut().for_each(|k| *k = radix::f32_signed_key(*k));
    keys.voracious_sort();
    keys.iter_mut().for_each(|k| *k = radix::f32_signed_key(*k));
}

/// Sorts `(key, payload)` records by key, stably. `pairs` holds them interleaved:
/// `[key0, payload0, key1, payload1, ...]` (an odd trailing element is left alone).
pub fn sort_pairs_i64(pairs: &mut [i64]) {
    radix::sort_pairs(as_pairs(pairs));
}

/// [`sort_pairs_i64`] working in the caller's `scratch` (at least as long as `pairs`) instead
/// of allocating.
pub fn sort_pairs_i64_scratch(pairs: &mut [i64], scratch: &mut [i64]) {
    radix::sort_pairs_with(as_pairs(pairs), as_pairs(scratch));
}

/// Interleaved `[key, payload, ...]` as records (an odd trailing element is left out).
fn as_pairs(data: &mut [i64]) -> &mut [radix::Pair] {
    // SAFETY: `Pair` is two `repr(C)` `i64`s with `i64`'s alignment: 2n elements are n pairs.
    unsafe {
        std::slice::from_raw_parts_mut(data.as_mut_ptr().cast::<radix::Pair>(), data.len() / 2)
    }
}

/// Writes into `out` the indices that sort `keys`, stably. `out.len()` must equal `keys.len()`.
pub fn argsort_i64(keys: &[i64], out: &mut [usize]) {
    argsort::argsort_i64(keys, out, &mut vec![0; keys.len()]);
}

/// Writes into `out` the indices that sort `keys` by totalOrder, stably.
pub fn argsort_f64(keys: &[f64], out: &mut [usize]) {
    argsort::argsort_f64(keys, out, &mut vec![0; keys.len()]);
}

/// [`argsort_i64`] working in the caller's `scratch` (as long as `keys`; contents overwritten).
pub fn argsort_i64_scratch(keys: &[i64], out: &mut [usize], scratch: &mut [u64]) {
    argsort::argsort_i64(keys, out, scratch);
}

/// [`argsort_f64`] working in the caller's `scratch` (as long as `keys`; contents overwritten).
pub fn argsort_f64_scratch(keys: &[f64], out: &mut [usize], scratch: &mut [u64]) {
    argsort::argsort_f64(keys, out, scratch);
}

/// What `headers/wildsort.h` says beyond the signatures: status codes and semantics. The codes
/// are formatted from the constants above, so the header cannot drift from them.
pub fn header_contract() -> String {
    format!(
        r#"/*
 * THE CONTRACT (wildsort 1.0)
 *
 * No function needs the GIL or Python; all are safe to call from any thread on distinct
 * buffers. Every function returns a status:
 */
#ifndef WILDSORT_OK
#define WILDSORT_OK {WILDSORT_OK}            /* done */
#define WILDSORT_ERR_NULL ({WILDSORT_ERR_NULL})     /* a buffer was NULL with a non-zero length (NULL with 0 is fine) */
#define WILDSORT_ERR_INTERNAL ({WILDSORT_ERR_INTERNAL}) /* a bug in wildsort, caught (never unwound into C) */
#define WILDSORT_ERR_LENGTH ({WILDSORT_ERR_LENGTH})   /* a record count whose buffer size overflows size_t */
#endif
/*
 * Order: integers ascending; f64/f32 by IEEE 754 totalOrder (Rust's f64::total_cmp):
 * -NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN.
 * argsort_*(keys, n, out) writes into `out` the n indices that sort `keys`, stably; it allocates
 * one scratch buffer of n uint64_t. argsort_*_scratch(keys, n, out, scratch) does the same in the
 * caller's `scratch` of n uint64_t (contents overwritten; overlapping neither `keys` nor `out`).
 * From 131,072 keys on, the argsorts share the work with threads of their own, done before
 * they return: one thread a core in all, at most 8; the environment variable WILDSORT_THREADS
 * (read once per process) caps the count, 1 keeping all the work on the calling thread. The
 * helper threads are kept between sorts; they end after a second without work, and before the
 * process forks (pthread_atfork), so a forked child starts its own.
 * sort_pairs_i64(pairs, n) sorts n (key, payload) records interleaved in 2n int64_t
 * ([key0, payload0, key1, ...]) by key, stably (only keys are compared); it allocates one
 * scratch copy. sort_pairs_i64_scratch(pairs, n, scratch) does the same in the caller's
 * `scratch` of 2n int64_t (contents overwritten; must not overlap `pairs`), so a caller
 * sorting repeatedly can keep one buffer. version() returns major << 16 | minor << 8 | patch.
 */
"#
    )
}

mod ffi;
pub use ffi::WILDSORT_1;
