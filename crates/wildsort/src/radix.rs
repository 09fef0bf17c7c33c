//! Orders as unsigned keys, so one radix sort serves every type: `i64` by value, floats by
//! IEEE 754 totalOrder (as `f64::total_cmp`: -NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN).

use voracious_radix_sort::RadixSort;

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

/// A (key, payload) record: the layout of two consecutive `i64`s in a caller's buffer.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Pair {
    pub key: i64,
    pub payload: i64,
}

impl Pair {
    /// The key as an unsigned number in the same order.
    fn ukey(&self) -> u64 {
        i64_key(self.key)
    }
}

/// Runs this short are finished by insertion sort.
const INSERTION_MAX: usize = 32;

/// Sorts records by key, stably, in place (allocating one scratch copy of the records).
///
/// A most-significant-digit radix sort on the range the keys span: a run of records is
/// distributed by the top digits of `key - min` into the other buffer, in input order within
/// each bucket, and each bucket is sorted the same way back, down to runs short enough for
/// insertion sort. Only keys are compared, so equal keys keep their input order whatever their
/// payloads (voracious's stable sort, used before, ordered some equal keys by payload).
pub fn sort_pairs(pairs: &mut [Pair]) {
    if !sorted_cheaply(pairs) {
        sort_run(
            pairs,
            &mut vec![Pair::default(); pairs.len()],
            true,
            &mut Vec::new(),
        );
    }
}

/// [`sort_pairs`] with the caller's `scratch` (at least as long as `pairs`; its contents are
/// overwritten): a caller sorting repeatedly keeps one buffer instead of faulting in fresh pages
/// on every call.
pub fn sort_pairs_with(pairs: &mut [Pair], scratch: &mut [Pair]) {
    assert!(scratch.len() >= pairs.len(), "scratch shorter than pairs");
    if !sorted_cheaply(pairs) {
        sort_run(pairs, &mut scratch[..pairs.len()], true, &mut Vec::new());
    }
}

/// Finishes input that is already sorted (one pass) or short; false when a radix sort is due.
fn sorted_cheaply(pairs: &mut [Pair]) -> bool {
    if pairs.is_sorted_by_key(|p| p.key) {
        return true;
    }
    if pairs.len() <= INSERTION_MAX {
        insertion_sort(pairs);
        return true;
    }
    false
}

/// Stable: a record moves past strictly greater keys only.
fn insertion_sort(run: &mut [Pair]) {
    for i in 1..run.len() {
        let record = run[i];
        let mut j = i;
        while j > 0 && run[j - 1].key > record.key {
            run[j] = run[j - 1];
            j -= 1;
        }
        run[j] = record;
    }
}

/// Digits per pass for a run of `n` records: about 8 records per bucket, so that one pass
/// leaves most buckets to insertion sort, with 16 to 65,536 buckets.
fn digit_bits(n: usize) -> u32 {
    (usize::BITS - n.leading_zeros())
        .saturating_sub(3)
        .clamp(4, 16)
}

/// Sorts `run` by key, stably. The result ends in `run` if `land_in_run`, else in `other`
/// (as long as `run`; its contents are scratch). `bounds` is a stack shared by the recursion.
fn sort_run(run: &mut [Pair], other: &mut [Pair], land_in_run: bool, bounds: &mut Vec<usize>) {
    let finish = |run: &mut [Pair], other: &mut [Pair]| {
        if !land_in_run {
            other.copy_from_slice(run);
        }
    };
    if run.len() <= INSERTION_MAX {
        insertion_sort(run);
        return finish(run, other);
    }
    let (lo, hi) = run.iter().fold((u64::MAX, 0), |(lo, hi), p| {
        (lo.min(p.ukey()), hi.max(p.ukey()))
    });
    if lo == hi {
        return finish(run, other); // all keys equal: already in order
    }
    let span_bits = u64::BITS - (hi - lo).leading_zeros();
    let digit = digit_bits(run.len()).min(span_bits);
    let shift = span_bits - digit;
    let bucket_of = |p: &Pair| ((p.ukey() - lo) >> shift) as usize;

    // This run's buckets sit on top of the shared stack: counts, then starts, then (after the
    // distribution) ends.
    let base = bounds.len();
    bounds.resize(base + (1 << digit), 0);
    let slots = &mut bounds[base..];
    for p in run.iter() {
        slots[bucket_of(p)] += 1;
    }
    let mut start = 0;
    for slot in slots.iter_mut() {
        (*slot, start) = (start, start + *slot);
    }
    for p in run.iter() {
        // SAFETY: `bucket_of` is below `1 << digit` (the span's top `digit` bits), and each
        // bucket's slot stays below its end, which is at most `run.len() == other.len()`.
        unsafe {
            let slot = slots.get_unchecked_mut(bucket_of(p));
            *other.get_unchecked_mut(*slot) = *p;
            *slot += 1;
        }
    }
    let mut start = 0;
    for b in base..bounds.len() {
        let end = bounds[b];
        if end > start {
            let (run, other) = (&mut run[start..end], &mut other[start..end]);
            sort_run(other, run, !land_in_run, bounds);
        }
        start = end;
    }
    bounds.truncate(base);
}
