//! Stable argsorts by key prefix.
//!
//! Each key is mapped to a short prefix that never breaks the key order (a smaller key never gets
//! a larger prefix), and `prefix << b | index` is packed into one `u64`, `b` bits holding the
//! index. A first pass spreads the values by their top prefix digit into 256 buckets; within
//! each bucket, small enough for the cache, least-significant-digit passes sort the rest of the
//! prefix and keep equal prefixes in index order (LSD passes are stable). Keys that share a
//! prefix are then put in order by their full keys, stably, which is rare for keys spread over
//! their range (prefixes have 8 bits more than the index), and handled by sorting the group again
//! over its own range when keys bunch.
//!
//! Only keys are compared, never payloads or indices, so equal keys keep their input order.

use std::cmp::Ordering;

use crate::parallel;
use crate::radix::{f64_key, i64_key};

/// Bits of the first (top) digit: 256 buckets, each written as one stream.
const DIGIT_BITS: u32 = 8;
/// The widest digit of the passes within a bucket.
const LOW_DIGIT_MAX: u32 = 11;
/// At most this many keys are sorted by comparison alone.
const SMALL: usize = 256;

/// Bits that hold any index below `n`.
fn index_bits(n: usize) -> u32 {
    usize::BITS - (n.max(2) - 1).leading_zeros()
}

/// Prefix bits for `n` keys: 8 more than the index, so that of evenly spread keys about one in
/// 256 shares its prefix with another.
fn prefix_bits(n: usize) -> u32 {
    let index = index_bits(n);
    (index + 8).min(u64::BITS - index)
}

/// Writes into `out` the indices that sort `keys`, stably, as `sort` says; `scratch` holds as
/// many `u64` as there are keys.
///
/// The first pass distributes by the top digit into 256 buckets of about `n / 256` values, small
/// enough to stay in cache while the rest of their digits are sorted and the result written.
/// Large inputs share each pass between threads: the input in parts for the first pass, the
/// buckets in groups of about equal size for the rest.
fn argsort_by_prefix<K: Copy + Sync>(
    keys: &[K],
    out: &mut [usize],
    scratch: &mut [u64],
    sort: Prefix<K, impl Fn(K) -> u64 + Sync, impl Fn(&K, &K) -> Ordering + Sync>,
) {
    let n = keys.len();
    let index = index_bits(n);
    let low_bits = sort.bits - DIGIT_BITS;
    let top_digit = |x: u64| (x >> (index + low_bits)) as usize;
    let chunk = n.div_ceil(parallel::parts_for(n));
    let packed = &mut scratch[..n];

    // Pack, and count each part's top digits.
    let packed_parts = parallel::owned_by_part(packed.chunks_mut(chunk));
    let counts = parallel::run(packed_parts.len(), |part| {
        let mut packed = parallel::take(&packed_parts[part]);
        let first = part * chunk;
        let mut counts = [0usize; 1 << DIGIT_BITS];
        for (i, (slot, &k)) in (first..).zip(packed.iter_mut().zip(&keys[first..])) {
            *slot = ((sort.prefix)(k) << index) | i as u64;
        }
        // A loop of its own: counting inside the packing loop makes both slower.
        for &x in packed.iter() {
            counts[top_digit(x)] += 1;
        }
        counts
    });
    drop(packed_parts);
    // Where each part's values of each digit go: digit by digit, then part by part (stable).
    let mut starts = vec![[0usize; 1 << DIGIT_BITS]; counts.len()];
    let mut bucket_ends = [0usize; 1 << DIGIT_BITS];
    let mut next = 0;
    for (digit, end) in bucket_ends.iter_mut().enumerate() {
        for (part_starts, part_counts) in starts.iter_mut().zip(&counts) {
            part_starts[digit] = next;
            next += part_counts[digit];
        }
        *end = next;
    }

    with_u64_view(out, |out| {
        let target = parallel::Disjoint::new(out);
        parallel::run(starts.len(), |part| {
            let mut slots = starts[part];
            for &x in packed.chunks(chunk).nth(part).unwrap_or_default() {
                let slot = &mut slots[top_digit(x)];
                // SAFETY: each part's slots run through ranges of their own (`starts`), each
                // below its digit's end, at most `n`; nothing else touches `out` meanwhile.
                unsafe { target.write(*slot, x) };
                *slot += 1;
            }
        });
        let groups =
            parallel::owned_by_part(bucket_groups(out, packed, &bucket_ends, starts.len()));
        parallel::run(groups.len(), |group| {
            let mut group = parallel::take(&groups[group]);
            let (out, other, ends) = &mut *group;
            // Scratch for the buckets' passes that stays in cache from one bucket to the next
            // (the bucket's own share of `other` would come from memory, and go back to it).
            let mut near = vec![0; largest_bucket(ends).min(NEAR_MAX)];
            let mut start = 0;
            for &end in ends.iter() {
                let scratch = match near.get_mut(..end - start) {
                    Some(near) => near,
                    None => &mut other[start..end],
                };
                sort_bucket(&mut out[start..end], scratch, index, low_bits, keys, &sort);
                start = end;
            }
        });
    });
}

/// The largest bucket sorted in the cache-resident scratch: 128 KiB, which with the bucket
/// itself fits a core's L2.
const NEAR_MAX: usize = 1 << 14;

/// The length of the largest bucket of a group, given the bucket ends.
fn largest_bucket(ends: &[usize]) -> usize {
    let starts = std::iter::once(0).chain(ends.iter().copied());
    ends.iter()
        .zip(starts)
        .map(|(end, start)| end - start)
        .max()
        .unwrap_or(0)
}

/// One group of buckets: its values, scratch as long, and the bucket ends within it.
type BucketGroup<'a> = (&'a mut [u64], &'a mut [u64], Vec<usize>);

/// Cuts `values` (and `scratch` alike) between buckets into `parts` groups of about equal size.
fn bucket_groups<'a>(
    mut values: &'a mut [u64],
    mut scratch: &'a mut [u64],
    bucket_ends: &[usize],
    parts: usize,
) -> Vec<BucketGroup<'a>> {
    let n = values.len();
    let mut groups = Vec::with_capacity(parts);
    let (mut digit, mut base) = (0, 0);
    for part in 1..=parts {
        let target = n * part / parts;
        let mut ends = Vec::new();
        while digit < bucket_ends.len() && (bucket_ends[digit] <= target || part == parts) {
            ends.push(bucket_ends[digit] - base);
            digit += 1;
        }
        let len = ends.last().copied().unwrap_or(0);
        let (group, rest) = std::mem::take(&mut values).split_at_mut(len);
        let (group_scratch, scratch_rest) = std::mem::take(&mut scratch).split_at_mut(len);
        (values, scratch, base) = (rest, scratch_rest, base + len);
        groups.push((group, group_scratch, ends));
    }
    groups
}

/// Sorts one bucket (all one top digit) by its other prefix digits, then ties by full keys, and
/// leaves its indices in `bucket`; `other` is scratch as long.
fn sort_bucket<K: Copy>(
    bucket: &mut [u64],
    other: &mut [u64],
    index: u32,
    low_bits: u32,
    keys: &[K],
    sort: &Prefix<K, impl Fn(K) -> u64, impl Fn(&K, &K) -> Ordering>,
) {
    let mask = (1u64 << index) - 1;
    let in_bucket = lsd_sort(bucket, other, index, low_bits);
    let sorted = if in_bucket { &mut *bucket } else { &mut *other };
    if !sort.exact {
        let key_of = |x: &u64| &keys[(x & mask) as usize];
        let by_key = |x: &u64, y: &u64| (sort.cmp)(key_of(x), key_of(y));
        let sort_group = |group: &mut [u64]| {
            // All the keys in one group: their own range is this one, nothing would spread.
            if sort.depth >= DEPTH_MAX || group.len() == keys.len() {
                return group.sort_by(by_key);
            }
            let group_keys: Vec<K> = group.iter().map(|x| *key_of(x)).collect();
            let mut order = vec![0; group.len()];
            (sort.resort)(
                &group_keys,
                &mut order,
                &mut vec![0; group.len()],
                sort.depth + 1,
            );
            let before = group.to_vec();
            for (slot, &position) in group.iter_mut().zip(&order) {
                *slot = before[position];
            }
        };
        order_ties(sorted, index, by_key, sort_group);
    }
    if in_bucket {
        bucket.iter_mut().for_each(|x| *x &= mask);
    } else {
        bucket
            .iter_mut()
            .zip(&*other)
            .for_each(|(x, &y)| *x = y & mask);
    }
}

/// How `argsort_by_prefix` sorts one key type.
struct Prefix<K, P, C> {
    /// The prefix of a key: at most `bits` bits, never smaller for a larger key.
    prefix: P,
    bits: u32,
    /// Whether equal prefixes mean equal keys (then ties need no second look).
    exact: bool,
    /// The order of full keys.
    cmp: C,
    /// The argsort of this key type, for a large group of keys sharing one prefix (keys bunched
    /// far from the rest): over the group's own range, its prefixes spread.
    resort: Argsort<K>,
    /// How many groups this sort is nested in.
    depth: u32,
}

/// `argsort_i64` or `argsort_f64`, with the depth of nesting.
type Argsort<K> = fn(&[K], &mut [usize], &mut [u64], u32);

/// Groups sharing a prefix longer than this are argsorted again over their own range...
const GROUP_RESORT_MIN: usize = 64;
/// ... at most this deep (keys that still bunch after that are sorted by comparison).
const DEPTH_MAX: u32 = 4;

/// Turns digit counts into running starts.
fn running_starts(counts: &mut [u32]) {
    let mut start = 0;
    for count in counts.iter_mut() {
        (*count, start) = (start, start + *count);
    }
}

/// Puts each run of values with equal prefix (the bits above `index`) in the order of its full
/// keys, stably: those runs are in index order, which ties keep. A run already in order (equal
/// keys, the usual case of a long run) is left as it is; other short runs are sorted by `cmp`,
/// long ones by `sort_group`.
fn order_ties(
    sorted: &mut [u64],
    index: u32,
    cmp: impl Fn(&u64, &u64) -> Ordering,
    mut sort_group: impl FnMut(&mut [u64]),
) {
    let in_order = |run: &[u64]| run.is_sorted_by(|a, b| cmp(a, b) != Ordering::Greater);
    let mut start = 0;
    while start < sorted.len() {
        let head = sorted[start] >> index;
        let mut end = start + 1;
        while end < sorted.len() && sorted[end] >> index == head {
            end += 1;
        }
        let run = &mut sorted[start..end];
        match run.len() {
            1 => {}
            _ if in_order(run) => {}
            len if len <= GROUP_RESORT_MIN => run.sort_by(&cmp),
            _ => sort_group(run),
        }
        start = end;
    }
}

/// Runs `body` on `out` as `u64`s: in place where `usize` is 64 bits, else through a copy.
fn with_u64_view(out: &mut [usize], body: impl FnOnce(&mut [u64])) {
    if size_of::<usize>() == size_of::<u64>() {
        body(crate::cast(out));
    } else {
        let mut copy = vec![0u64; out.len()];
        body(&mut copy);
        for (slot, &x) in out.iter_mut().zip(&copy) {
            *slot = x as usize;
        }
    }
}

/// Sorts `data` by bits `shift..shift + bits`, stably, with `other` (as long) as scratch.
/// Returns whether the result is in `data` (else it is in `other`).
///
/// The bits are cut into as few passes as digits of at most [`LOW_DIGIT_MAX`] bits allow: a
/// bucket is in cache, where each pass costs more than a wider digit does.
fn lsd_sort(data: &mut [u64], other: &mut [u64], shift: u32, bits: u32) -> bool {
    if u32::try_from(data.len()).is_err() {
        // Beyond the counts' range. The values are distinct (each holds its index) and ordered
        // by index within equal digits, so sorting them whole gives the order passes would.
        data.sort_unstable();
        return true;
    }
    let passes = bits.div_ceil(LOW_DIGIT_MAX).max(1);
    let width = bits.div_ceil(passes);
    let digits = 1usize << width;
    let digit_of = |x: u64, pass: u32| ((x >> (shift + pass * width)) as usize) & (digits - 1);
    // Every pass's histogram in one read of the data; the usual two passes spelled out, which
    // the compiler turns into a far tighter loop than the general one.
    let mut counts = vec![0u32; passes as usize * digits];
    if passes == 2 {
        let (low, high) = counts.split_at_mut(digits);
        for &x in data.iter() {
            low[digit_of(x, 0)] += 1;
            high[digit_of(x, 1)] += 1;
        }
    } else {
        for &x in data.iter() {
            for (pass, count) in (0..).zip(counts.chunks_exact_mut(digits)) {
                count[digit_of(x, pass)] += 1;
            }
        }
    }
    let (mut from, mut to) = (data, other);
    let mut in_data = true;
    for (pass, slots) in (0..).zip(counts.chunks_exact_mut(digits)) {
        if slots.contains(&(from.len() as u32)) {
            continue; // one digit value: this pass would move nothing
        }
        running_starts(slots);
        for &x in from.iter() {
            let slot = &mut slots[digit_of(x, pass)];
            // SAFETY: the slots are the running starts of a histogram of exactly these values,
            // so each stays below its digit's end, at most `to.len() == from.len()`.
            unsafe { *to.get_unchecked_mut(*slot as usize) = x };
            *slot += 1;
        }
        (from, to) = (to, from);
        in_data = !in_data;
    }
    in_data
}

/// The smallest and the largest of `keys` (at least one) by `order`, in parts side by side for
/// large inputs.
fn range_of<K: Copy + Sync>(keys: &[K], order: impl Fn(K) -> u64 + Sync) -> (u64, u64) {
    let chunk = keys.len().div_ceil(parallel::parts_for(keys.len()));
    let widen = |(lo, hi): (u64, u64), x: u64| (lo.min(x), hi.max(x));
    parallel::run(keys.len().div_ceil(chunk), |part| {
        let part = &keys[part * chunk..keys.len().min((part + 1) * chunk)];
        part.iter()
            .fold((u64::MAX, 0), |range, &k| widen(range, order(k)))
    })
    .into_iter()
    .fold((u64::MAX, 0), |range, (lo, hi)| widen(widen(range, lo), hi))
}

/// Stable comparison argsort for short inputs.
fn argsort_small<K>(keys: &[K], out: &mut [usize], cmp: impl Fn(&K, &K) -> Ordering) {
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = i;
    }
    out.sort_by(|&a, &b| cmp(&keys[a], &keys[b]));
}

/// Writes into `out` the indices that sort `keys`, stably. `out` and `scratch` are as long as
/// `keys`; `scratch`'s contents are overwritten.
pub fn argsort_i64(keys: &[i64], out: &mut [usize], scratch: &mut [u64]) {
    argsort_i64_at(keys, out, scratch, 0);
}

fn argsort_i64_at(keys: &[i64], out: &mut [usize], scratch: &mut [u64], depth: u32) {
    if keys.len() <= SMALL {
        return argsort_small(keys, out, Ord::cmp);
    }
    let (lo, hi) = range_of(keys, i64_key);
    let bits = prefix_bits(keys.len());
    let by_span = span_prefix(lo, hi, bits, i64_key);
    // Exact when the span fits: equal prefixes are equal keys.
    let exact = u64::BITS - (hi - lo).leading_zeros() <= bits;
    if !exact {
        // Keys bunched far from an outlier share a few prefixes over the whole span. Over the
        // range of a sample, clamped at its ends, they may spread: the sample decides.
        let (sample_lo, sample_hi) = sampled_range(keys, i64_key);
        let by_sample = span_prefix(sample_lo, sample_hi, bits, i64_key);
        if fullest_top_digit(keys, bits, &by_sample) < fullest_top_digit(keys, bits, &by_span) {
            return argsort_by_prefix(keys, out, scratch, int_sort(by_sample, bits, false, depth));
        }
    }
    argsort_by_prefix(keys, out, scratch, int_sort(by_span, bits, exact, depth));
}

/// An int prefix; `exact` when equal prefixes mean equal keys.
fn int_sort(
    prefix: impl Fn(i64) -> u64,
    bits: u32,
    exact: bool,
    depth: u32,
) -> Prefix<i64, impl Fn(i64) -> u64, impl Fn(&i64, &i64) -> Ordering> {
    Prefix {
        prefix,
        bits,
        exact,
        cmp: Ord::cmp,
        resort: argsort_i64_at,
        depth,
    }
}

/// Writes into `out` the indices that sort `keys` by totalOrder, stably; as [`argsort_i64`].
pub fn argsort_f64(keys: &[f64], out: &mut [usize], scratch: &mut [u64]) {
    argsort_f64_at(keys, out, scratch, 0);
}

fn argsort_f64_at(keys: &[f64], out: &mut [usize], scratch: &mut [u64], depth: u32) {
    if keys.len() <= SMALL {
        return argsort_small(keys, out, f64::total_cmp);
    }
    let bits = prefix_bits(keys.len());
    // The range in totalOrder's integer image, which also places NaNs (beyond the infinities).
    let (image_lo, image_hi) = range_of(keys, f64_key);
    // By the image: as many prefixes for each power of two, for keys spread over many scales.
    let by_image = span_prefix(image_lo, image_hi, bits, f64_key);
    let (lo, hi) = (f64_from_key(image_lo), f64_from_key(image_hi));
    if lo.is_finite() && hi.is_finite() {
        // By fixed-point position between the smallest and the largest key: for keys spread
        // evenly. Each step (halving, subtracting, scaling, clamping, truncating) rounds
        // monotonically, so a larger key never gets a smaller prefix; halving keeps `hi - lo`
        // finite.
        let top = ((1u64 << bits) - 1) as f64;
        let (half_lo, half_span) = (lo * 0.5, hi * 0.5 - lo * 0.5);
        let scale = if half_span > 0.0 {
            top / half_span
        } else {
            0.0
        };
        let by_position = |k: f64| ((k * 0.5 - half_lo) * scale).clamp(0.0, top) as i64 as u64;
        if fullest_top_digit(keys, bits, by_position) <= fullest_top_digit(keys, bits, &by_image) {
            return argsort_by_prefix(keys, out, scratch, float_sort(by_position, bits, depth));
        }
    }
    argsort_by_prefix(keys, out, scratch, float_sort(by_image, bits, depth))
}

/// The key whose totalOrder image is `key` (the inverse of `f64_key`).
fn f64_from_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key ^ (1 << 63)
    } else {
        !key
    })
}

/// The prefix of `bits` bits that `order` (an order-keeping map to `u64`) gives a key: its
/// distance from `lo`, over the span up to `hi`, moved to fill the prefix: its top bits when the
/// span is wider, all of it shifted up when narrower (so that the first pass still spreads keys
/// of a small range over every bucket). Keys beyond `lo..=hi` (when those are a sample's ends)
/// get the first or the last prefix: clamping keeps the order, a larger key never gets a
/// smaller prefix.
fn span_prefix<K>(lo: u64, hi: u64, bits: u32, order: impl Fn(K) -> u64) -> impl Fn(K) -> u64 {
    let span = u64::BITS - (hi - lo).leading_zeros();
    let (down, up) = (span.saturating_sub(bits), bits.saturating_sub(span));
    let last = (hi - lo) >> down;
    move |k| ((order(k).saturating_sub(lo) >> down).min(last)) << up
}

/// The smallest and the largest of the keys `fullest_top_digit` samples, by `order`.
fn sampled_range<K: Copy>(keys: &[K], order: impl Fn(K) -> u64) -> (u64, u64) {
    let sample = keys.iter().step_by(sample_step(keys)).map(|&k| order(k));
    sample.fold((u64::MAX, 0), |(lo, hi), x| (lo.min(x), hi.max(x)))
}

/// The step between the keys sampled: about a thousand of them, evenly.
fn sample_step<K>(keys: &[K]) -> usize {
    (keys.len() / 1024).max(1)
}

/// How many of about a thousand keys sampled evenly from `keys` share the fullest top digit
/// under `prefix`: the smaller, the more evenly the first pass spreads them.
fn fullest_top_digit<K: Copy>(keys: &[K], bits: u32, prefix: impl Fn(K) -> u64) -> u32 {
    let mut counts = [0u32; 1 << DIGIT_BITS];
    for &k in keys.iter().step_by(sample_step(keys)) {
        counts[(prefix(k) >> (bits - DIGIT_BITS)) as usize] += 1;
    }
    counts.into_iter().max().unwrap_or(0)
}

/// A float prefix (never exact): ties are broken by totalOrder.
fn float_sort(
    prefix: impl Fn(f64) -> u64,
    bits: u32,
    depth: u32,
) -> Prefix<f64, impl Fn(f64) -> u64, impl Fn(&f64, &f64) -> Ordering> {
    Prefix {
        prefix,
        bits,
        exact: false,
        cmp: f64::total_cmp,
        resort: argsort_f64_at,
        depth,
    }
}
