//! Orders as unsigned keys, so one radix sort serves every type: `i64` by value, floats by
//! IEEE 754 totalOrder (as `f64::total_cmp`: -NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN).

use voracious_radix_sort::{RadixSort, Radixable};

/// `f64` -> a `u64` whose unsigned order is totalOrder.
pub fn f64_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// `f64` -> an `i64` whose signed order is totalOrder (the trick `f64::total_cmp` uses: flip
/// the magnitude bits of negatives). It is its own inverse.
pub fn f64_signed_key(bits: i64) -> i64 {
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// `f32` -> an `i32` whose signed order is totalOrder; its own inverse.
pub fn f32_signed_key(bits: i32) -> i32 {
    bits ^ ((((bits >> 31) as u32) >> 1) as i32)
}

/// `i64` -> a `u64` in the same order.
pub fn i64_key(x: i64) -> u64 {
    (x as u64) ^ (1 << 63)
}

/// Sorts keys ascending (unstable: equal keys are indistinguishable).
pub fn sort_u64(data: &mut [u64]) {
    data.voracious_sort();
}

pub fn sort_u32(data: &mut [u32]) {
    data.voracious_sort();
}

/// A key and where it came from: sorting these stably by key is an argsort.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
struct Entry {
    key: u64,
    index: usize,
}

impl Radixable<u64> for Entry {
    type Key = u64;
    fn key(&self) -> u64 {
        self.key
    }
}

/// Writes into `out` the indices that sort `keys`, stably (`out.len() == keys.len()`).
///
/// The (key, index) entries are unique, so an unstable in-place radix sort followed by putting
/// each run of equal keys back in index order is stable, without a second buffer: the memory is
/// one entry per key (peak RSS matters for the Python fast path).
pub fn argsort(keys: impl ExactSizeIterator<Item = u64>, out: &mut [usize]) {
    let mut entries: Vec<Entry> = keys
        .enumerate()
        .map(|(index, key)| Entry { key, index })
        .collect();
    entries.voracious_sort();
    for run in entries.chunk_by_mut(|a, b| a.key == b.key) {
        if run.len() > 1 {
            run.sort_unstable_by_key(|e| e.index);
        }
    }
    for (slot, entry) in out.iter_mut().zip(&entries) {
        *slot = entry.index;
    }
}

/// A (key, payload) record: the layout of two consecutive `i64`s in a caller's buffer.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, PartialOrd)]
pub struct Pair {
    pub key: i64,
    pub payload: i64,
}

impl Radixable<i64> for Pair {
    type Key = i64;
    fn key(&self) -> i64 {
        self.key
    }
}

/// Sorts records by key, stably, in place (plus one scratch copy inside the radix sort).
pub fn sort_pairs(pairs: &mut [Pair]) {
    if pairs.len() < 350 {
        // voracious compares whole records below its radix threshold; order by key alone.
        pairs.sort_by_key(|p| p.key);
    } else {
        pairs.voracious_stable_sort();
    }
}
