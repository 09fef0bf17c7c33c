//! Least-significant-digit radix sort on 64-bit keys, 8 bits a pass: stable, O(n) per pass, and
//! passes whose digit is the same for every element are skipped (small ranges sort in few passes).

/// Below this many elements a comparison sort is faster than counting.
const SMALL: usize = 256;

/// Sorts `data` stably by `key` (ascending), using `scratch` (same length) as the second buffer.
pub fn sort_by_key<T: Copy>(data: &mut [T], key: impl Fn(&T) -> u64) {
    let n = data.len();
    if n < SMALL {
        data.sort_by_key(&key);
        return;
    }
    let mut counts = vec![[0usize; 256]; 8];
    for item in data.iter() {
        let k = key(item);
        for (digit, count) in counts.iter_mut().enumerate() {
            count[((k >> (8 * digit)) & 0xff) as usize] += 1;
        }
    }
    let mut scratch: Vec<T> = data.to_vec();
    let mut in_data = true; // where the current order lives
    for (digit, count) in counts.iter_mut().enumerate() {
        // Every element has the same byte here: this pass would not move anything.
        if count.iter().any(|&c| c == n) {
            continue;
        }
        let mut offset = 0;
        for c in count.iter_mut() {
            let here = *c;
            *c = offset;
            offset += here;
        }
        let (src, dst): (&[T], &mut [T]) = if in_data { (data, &mut scratch) } else { (&scratch, data) };
        for item in src {
            let bucket = ((key(item) >> (8 * digit)) & 0xff) as usize;
            dst[count[bucket]] = *item;
            count[bucket] += 1;
        }
        in_data = !in_data;
    }
    if !in_data {
        data.copy_from_slice(&scratch);
    }
}

/// `i64` in the order of its `u64` image.
pub fn i64_key(x: i64) -> u64 {
    (x as u64) ^ (1 << 63)
}

/// `f64` by IEEE 754 totalOrder (as `f64::total_cmp`): -NaN < -inf < ... < -0.0 < 0.0 < ... <
/// inf < NaN.
pub fn f64_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// `f32` by totalOrder, as [`f64_key`].
pub fn f32_key(x: f32) -> u64 {
    let bits = x.to_bits();
    u64::from(if bits >> 31 == 1 { !bits } else { bits | (1 << 31) })
}

pub fn i32_key(x: i32) -> u64 {
    u64::from((x as u32) ^ (1 << 31))
}
