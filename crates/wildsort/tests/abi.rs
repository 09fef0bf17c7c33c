//! wildsort through its C ABI, resolved the way every consumer resolves it: by name and
//! signature from a registry.
// The pointers are transmuted to the exact types named next to each resolve; capreg::Error is
// large by design (it carries everything its message names).
#![allow(clippy::missing_transmute_annotations, clippy::result_large_err)]

use capreg::{ImportItem, Registry};

const OK: i32 = wildsort::WILDSORT_OK;

fn resolve(name: &str, signature: &str) -> unsafe extern "C" fn() {
    let registry = Registry::new();
    registry
        .publish(wildsort::WILDSORT_1.declaration())
        .unwrap();
    let api = registry
        .request("wildsort", "^1.0", "tests", &mut |_| {
            Ok(capreg::Discovered::Undeclared(String::new()))
        })
        .unwrap();
    let item = [ImportItem {
        name,
        signature,
        optional: false,
    }];
    registry
        .resolve(api, "tests", &item, None)
        .unwrap()
        .pointers[0]
        .unwrap()
}

type SortI64 = unsafe extern "C" fn(*mut i64, usize) -> i32;
type SortF64 = unsafe extern "C" fn(*mut f64, usize) -> i32;
type ArgsortI64 = unsafe extern "C" fn(*const i64, usize, *mut usize) -> i32;
type ArgsortF64 = unsafe extern "C" fn(*const f64, usize, *mut usize) -> i32;
type ArgsortI64Scratch = unsafe extern "C" fn(*const i64, usize, *mut usize, *mut u64) -> i32;
type ArgsortF64Scratch = unsafe extern "C" fn(*const f64, usize, *mut usize, *mut u64) -> i32;

fn pseudo_random(n: usize, seed: u64) -> Vec<u64> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect()
}

#[test]
fn sort_i64_matches_std_on_many_shapes() {
    // SAFETY: resolved against exactly this signature.
    let sort: SortI64 =
        unsafe { std::mem::transmute(resolve("sort_i64", "int32_t (int64_t *, size_t)")) };
    for (n, spread) in [
        (0, 1),
        (1, 1),
        (7, 3),
        (255, 1000),
        (256, 1000),
        (10_000, u64::MAX),
        (100_000, 16),
        (50_000, 1 << 40),
    ] {
        let mut data: Vec<i64> = pseudo_random(n, n as u64 + 7)
            .into_iter()
            .map(|x| ((x % spread) as i64).wrapping_sub((spread / 2) as i64))
            .collect();
        data.extend([i64::MIN, i64::MAX, 0, -1].iter().take(n.min(4)));
        let mut expected = data.clone();
        expected.sort();
        // SAFETY: a live buffer of that length.
        assert_eq!(unsafe { sort(data.as_mut_ptr(), data.len()) }, OK);
        assert_eq!(data, expected, "n={n} spread={spread}");
    }
}

#[test]
fn f64_uses_total_order() {
    // SAFETY: resolved against exactly this signature.
    let sort: SortF64 =
        unsafe { std::mem::transmute(resolve("sort_f64", "fn(*mut f64, usize) -> i32")) };
    let neg_nan = f64::from_bits(f64::NAN.to_bits() | (1 << 63));
    let mut data: Vec<f64> = vec![
        1.5,
        f64::NAN,
        0.0,
        -0.0,
        f64::INFINITY,
        neg_nan,
        -1.0,
        f64::NEG_INFINITY,
        f64::MIN_POSITIVE,
    ];
    data.extend(pseudo_random(1000, 3).into_iter().map(f64::from_bits));
    let mut expected = data.clone();
    expected.sort_by(f64::total_cmp);
    // SAFETY: a live buffer of that length.
    assert_eq!(unsafe { sort(data.as_mut_ptr(), data.len()) }, OK);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&data), bits(&expected));
    let zeros: Vec<u64> = data
        .iter()
        .filter(|x| **x == 0.0)
        .map(|x| x.to_bits())
        .collect();
    assert_eq!(
        zeros,
        [(-0.0f64).to_bits(), 0.0f64.to_bits()],
        "-0.0 sorts before 0.0"
    );
    assert!(data[0].is_nan() && data[0].is_sign_negative(), "-NaN first");
    assert!(
        data[data.len() - 1].is_nan() && data[data.len() - 1].is_sign_positive(),
        "NaN last"
    );
}

fn argsort_functions() -> (ArgsortI64, ArgsortF64) {
    // SAFETY: resolved against exactly these signatures.
    unsafe {
        (
            std::mem::transmute(resolve(
                "argsort_i64",
                "int (const int64_t *, size_t, size_t *)",
            )),
            std::mem::transmute(resolve(
                "argsort_f64",
                "fn(*const f64, usize, *mut usize) -> i32",
            )),
        )
    }
}

fn argsort_scratch_functions() -> (ArgsortI64Scratch, ArgsortF64Scratch) {
    // SAFETY: resolved against exactly these signatures.
    unsafe {
        (
            std::mem::transmute(resolve(
                "argsort_i64_scratch",
                "int32_t (const int64_t *, size_t, size_t *, uint64_t *)",
            )),
            std::mem::transmute(resolve(
                "argsort_f64_scratch",
                "fn(*const f64, usize, *mut usize, *mut u64) -> i32",
            )),
        )
    }
}

/// Float keys of shapes that take each path of `argsort_f64`: evenly spread, clustered far from
/// the rest, spanning the whole finite range, with infinities and NaNs, signed zeros, ties.
fn float_key_shapes() -> Vec<(String, Vec<f64>)> {
    let unit = |n: usize, seed: u64| -> Vec<f64> {
        pseudo_random(n, seed)
            .into_iter()
            .map(|x| (x >> 11) as f64 / (1u64 << 53) as f64)
            .collect()
    };
    let mut shapes: Vec<(String, Vec<f64>)> = vec![
        (
            "uniform".into(),
            unit(300_000, 3).iter().map(|u| u * 2e6 - 1e6).collect(),
        ),
        (
            "exponential".into(),
            unit(100_000, 5)
                .iter()
                .map(|u| -(1.0 - u).ln() * 1e-3)
                .collect(),
        ),
        (
            "whole range".into(),
            unit(50_000, 7)
                .iter()
                .map(|u| (u - 0.5) * f64::MAX * 1.9)
                .collect(),
        ),
        ("all equal".into(), vec![2.5; 10_000]),
        (
            // Bunched at every scale: groups sharing a prefix, inside them more groups.
            "nested bunches".into(),
            unit(100_000, 19)
                .iter()
                .map(|u| (u * 60.0).exp2().recip())
                .collect(),
        ),
    ];
    // One far outlier: all other keys share one prefix.
    let mut outlier: Vec<f64> = unit(20_000, 9)
        .iter()
        .map(|u| (u * 100.0).round())
        .collect();
    outlier[777] = 1e300;
    shapes.push(("outlier".into(), outlier));
    let specials = [
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        5e-324,
        -1.0,
    ];
    let mixed = pseudo_random(40_000, 13)
        .into_iter()
        .map(|x| specials[(x % 8) as usize])
        .collect();
    shapes.push(("specials and ties".into(), mixed));
    let zeros = pseudo_random(5_000, 15)
        .into_iter()
        .map(|x| if x % 2 == 0 { 0.0 } else { -0.0 })
        .collect();
    shapes.push(("signed zeros".into(), zeros));
    shapes
}

/// Checks both argsorts of one key type (with and without scratch) against std's stable sort
/// by `cmp` on every shape.
fn check_argsorts<K>(
    name: &str,
    shapes: Vec<(String, Vec<K>)>,
    cmp: impl Fn(&K, &K) -> std::cmp::Ordering,
    plain: unsafe extern "C" fn(*const K, usize, *mut usize) -> i32,
    with_scratch: unsafe extern "C" fn(*const K, usize, *mut usize, *mut u64) -> i32,
) {
    for (shape, keys) in shapes {
        let n = keys.len();
        let mut expected: Vec<usize> = (0..n).collect();
        expected.sort_by(|&a, &b| cmp(&keys[a], &keys[b])); // std's sort_by is stable
        for scratch_given in [false, true] {
            let (mut out, mut scratch) = (vec![usize::MAX; n], vec![7u64; n]);
            let (k, o, s) = (keys.as_ptr(), out.as_mut_ptr(), scratch.as_mut_ptr());
            // SAFETY: live, separate buffers of length n.
            let status = unsafe {
                if scratch_given {
                    with_scratch(k, n, o, s)
                } else {
                    plain(k, n, o)
                }
            };
            assert_eq!(status, OK, "{shape}");
            assert!(
                out == expected,
                "{name} on {shape} (scratch: {scratch_given})"
            );
        }
    }
}

#[test]
fn argsorts_are_stable_on_many_shapes() {
    let (argsort_i64, argsort_f64) = argsort_functions();
    let (argsort_i64_scratch, argsort_f64_scratch) = argsort_scratch_functions();
    let mut int_shapes = pair_key_shapes();
    // One far outlier: all other keys share one prefix.
    let mut outlier: Vec<i64> = (0..30_000).map(|i| (i * 7919) % 1000).collect();
    outlier[123] = i64::MAX;
    int_shapes.push(("outlier".into(), outlier));
    int_shapes.push(("extremes".into(), [i64::MIN, i64::MAX, 0, -1].repeat(1000)));
    check_argsorts(
        "argsort_i64",
        int_shapes,
        Ord::cmp,
        argsort_i64,
        argsort_i64_scratch,
    );
    check_argsorts(
        "argsort_f64",
        float_key_shapes(),
        f64::total_cmp,
        argsort_f64,
        argsort_f64_scratch,
    );
}

#[test]
fn null_with_a_length_is_an_error_not_a_crash() {
    // SAFETY: resolved against exactly these signatures; the calls pass NULL on purpose.
    unsafe {
        let sort: SortI64 = std::mem::transmute(resolve("sort_i64", "fn(*mut i64, usize) -> i32"));
        let argsort: ArgsortI64 = std::mem::transmute(resolve(
            "argsort_i64",
            "fn(*const i64, usize, *mut usize) -> i32",
        ));
        assert_eq!(sort(std::ptr::null_mut(), 0), OK);
        assert_eq!(sort(std::ptr::null_mut(), 5), wildsort::WILDSORT_ERR_NULL);
        assert_eq!(argsort(std::ptr::null(), 0, std::ptr::null_mut()), OK);
        assert_eq!(
            argsort(std::ptr::null(), 3, [0usize; 3].as_mut_ptr()),
            wildsort::WILDSORT_ERR_NULL
        );
        assert_eq!(
            argsort([1i64, 2, 3].as_ptr(), 3, std::ptr::null_mut()),
            wildsort::WILDSORT_ERR_NULL
        );
        // Refused before the argsort allocates its scratch (no buffer of that length exists).
        assert_eq!(
            argsort(std::ptr::null(), usize::MAX / 16, std::ptr::null_mut()),
            wildsort::WILDSORT_ERR_NULL
        );
        let (scratch_i64, _) = argsort_scratch_functions();
        let (keys, mut out, mut scratch) = ([3i64, 1, 2], [0usize; 3], [0u64; 3]);
        let (k, o, s) = (keys.as_ptr(), out.as_mut_ptr(), scratch.as_mut_ptr());
        let null = std::ptr::null_mut();
        assert_eq!(scratch_i64(k, 3, o, null), wildsort::WILDSORT_ERR_NULL);
        assert_eq!(
            scratch_i64(std::ptr::null(), 3, o, s),
            wildsort::WILDSORT_ERR_NULL
        );
        assert_eq!(
            scratch_i64(k, 3, null.cast(), s),
            wildsort::WILDSORT_ERR_NULL
        );
        assert_eq!(scratch_i64(std::ptr::null(), 0, null.cast(), null), OK);
        assert_eq!((scratch_i64(k, 3, o, s), out), (OK, [1, 2, 0]));
        let version: extern "C" fn() -> u32 =
            std::mem::transmute(resolve("version", "uint32_t (void)"));
        assert_eq!(version(), 0x01_00_00);
    }
}

#[test]
fn other_widths() {
    let mut a: Vec<i32> = pseudo_random(5000, 5)
        .into_iter()
        .map(|x| x as i32)
        .collect();
    let mut b: Vec<u32> = a.iter().map(|&x| x as u32).collect();
    let mut c: Vec<u64> = pseudo_random(5000, 9);
    let mut d: Vec<f32> = pseudo_random(5000, 13)
        .into_iter()
        .map(|x| f32::from_bits(x as u32))
        .collect();
    let (mut ea, mut eb, mut ec, mut ed) = (a.clone(), b.clone(), c.clone(), d.clone());
    ea.sort();
    eb.sort();
    ec.sort();
    ed.sort_by(f32::total_cmp);
    wildsort::sort_i32(&mut a);
    wildsort::sort_u32(&mut b);
    wildsort::sort_u64(&mut c);
    wildsort::sort_f32(&mut d);
    assert_eq!((a, b, c), (ea, eb, ec));
    assert_eq!(
        d.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        ed.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn large_float_sorts_without_nan_or_negative_zero_take_the_fast_path_correctly() {
    let mut data: Vec<f64> = pseudo_random(100_000, 21)
        .into_iter()
        .map(|x| (x >> 11) as f64 - (1u64 << 52) as f64)
        .collect();
    data.extend([f64::INFINITY, f64::NEG_INFINITY, 0.0, f64::MAX, f64::MIN]);
    let mut expected = data.clone();
    expected.sort_by(f64::total_cmp);
    wildsort::sort_f64(&mut data);
    assert_eq!(data, expected);
    let mut with_nan = data.clone();
    with_nan.extend([f64::NAN, -0.0, -f64::NAN]);
    let mut expected: Vec<u64> = with_nan.iter().map(|x| x.to_bits()).collect();
    expected.sort_by(|a, b| f64::from_bits(*a).total_cmp(&f64::from_bits(*b)));
    wildsort::sort_f64(&mut with_nan);
    assert_eq!(
        with_nan.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        expected
    );
}

#[test]
fn one_nan_or_negative_zero_anywhere_in_a_large_input_is_seen() {
    // Large enough that the scan for them is split between threads. Each pair is one that
    // numeric order cannot tell apart (0.0 / -0.0, two NaNs), the second of which totalOrder
    // puts first, near the start, mid-way through the last part, or at the very end. Missed,
    // the pair goes to voracious's float sort, which panics on those NaNs.
    let n = 300_000;
    let finite: Vec<f64> = pseudo_random(n, 33)
        .into_iter()
        .map(|x| (x >> 11) as f64 - (1u64 << 52) as f64 + 0.5)
        .collect();
    let total_order_bits = |v: &[f64]| {
        let mut sorted = v.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    };
    let nan = |payload: u64| f64::from_bits(f64::NAN.to_bits() | payload);
    for (early, late) in [(0.0, -0.0), (nan(2), nan(1))] {
        for at in [7, n * 3 / 4 + 17, n - 1] {
            let mut data = finite.clone();
            (data[at - 5], data[at]) = (early, late);
            let expected = total_order_bits(&data);
            wildsort::sort_f64(&mut data);
            let got: Vec<u64> = data.iter().map(|x| x.to_bits()).collect();
            assert!(got == expected, "{late:?} at {at} was missed");
        }
    }
    let mut floats: Vec<f32> = finite.iter().map(|&x| x as f32).collect();
    (floats[n - 9], floats[n - 2]) = (0.0, -0.0);
    let mut expected = floats.clone();
    expected.sort_by(f32::total_cmp);
    wildsort::sort_f32(&mut floats);
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert!(bits(&floats) == bits(&expected), "-0.0 in f32 was missed");
}

type SortPairs = unsafe extern "C" fn(*mut i64, usize) -> i32;
type SortPairsScratch = unsafe extern "C" fn(*mut i64, usize, *mut i64) -> i32;

fn sort_pairs_functions() -> (SortPairs, SortPairsScratch) {
    // SAFETY: each resolved against exactly the signature it is transmuted to.
    unsafe {
        (
            std::mem::transmute::<unsafe extern "C" fn(), SortPairs>(resolve(
                "sort_pairs_i64",
                "int32_t (int64_t *, size_t)",
            )),
            std::mem::transmute::<unsafe extern "C" fn(), SortPairsScratch>(resolve(
                "sort_pairs_i64_scratch",
                "int32_t (int64_t *, size_t, int64_t *)",
            )),
        )
    }
}

/// Record keys of several shapes, each taking its own path through the radix sort: few distinct
/// keys, a small range, a wide range, all equal, every scale, presorted and reversed.
fn pair_key_shapes() -> Vec<(String, Vec<i64>)> {
    let mut shapes: Vec<(String, Vec<i64>)> = [
        (0usize, 97u64),
        (1, 97),
        (10, 97),
        (349, 97),
        (5000, 97),
        (200_000, 97),
        (1_000_000, 1000),
        (1_000_000, 2_000_000),
        (300_000, u64::MAX),
        (100_000, 1),
    ]
    .into_iter()
    .map(|(n, spread)| {
        let keys = pseudo_random(n, 17)
            .into_iter()
            .map(|x| ((x % spread) as i64).wrapping_sub((spread / 2) as i64))
            .collect();
        (format!("n={n} spread={spread}"), keys)
    })
    .collect();
    // Keys a few bits apart at every scale: each radix pass splits off little of the run.
    let powers = pseudo_random(100_000, 23)
        .into_iter()
        .map(|x| (1i64 << (x % 63)) - (x >> 62) as i64)
        .collect();
    shapes.push(("powers of two".into(), powers));
    shapes.push(("presorted".into(), (0..50_000).map(|i| i / 3).collect()));
    shapes.push((
        "reversed".into(),
        (0..50_000).rev().map(|i| i / 3).collect(),
    ));
    shapes
}

#[test]
fn sort_pairs_is_stable_and_carries_payloads() {
    let (sort_pairs, sort_pairs_scratch) = sort_pairs_functions();
    for (shape, keys) in pair_key_shapes() {
        let n = keys.len();
        let mut expected: Vec<usize> = (0..n).collect();
        expected.sort_by_key(|&i| keys[i]);
        for with_scratch in [false, true] {
            // Payloads descend: a sort that ever ordered equal keys by payload would show.
            let mut pairs: Vec<i64> = keys
                .iter()
                .enumerate()
                .flat_map(|(i, &k)| [k, (n - i) as i64])
                .collect();
            let mut scratch = vec![7i64; 2 * n];
            // SAFETY: live, separate buffers of 2n elements.
            let status = unsafe {
                if with_scratch {
                    sort_pairs_scratch(pairs.as_mut_ptr(), n, scratch.as_mut_ptr())
                } else {
                    sort_pairs(pairs.as_mut_ptr(), n)
                }
            };
            assert_eq!(status, OK);
            let got: Vec<usize> = pairs.chunks(2).map(|p| n - p[1] as usize).collect();
            assert_eq!(got, expected, "{shape} with_scratch={with_scratch}");
            assert!(pairs.chunks(2).all(|p| p[0] == keys[n - p[1] as usize]));
        }
    }
}

#[test]
fn sort_pairs_refuses_null_and_impossible_lengths() {
    let (sort_pairs, sort_pairs_scratch) = sort_pairs_functions();
    let mut buffer = [3i64, 0, 1, 1];
    let mut scratch = [0i64; 4];
    let null = std::ptr::null_mut();
    // SAFETY: NULL with a length and overflowing lengths are refused before any access; the
    // other calls get live buffers of 2n elements (or n == 0).
    unsafe {
        assert_eq!(sort_pairs(null, 3), wildsort::WILDSORT_ERR_NULL);
        assert_eq!(sort_pairs(null, 0), OK);
        assert_eq!(
            sort_pairs(buffer.as_mut_ptr(), usize::MAX),
            wildsort::WILDSORT_ERR_LENGTH
        );
        let (b, s) = (buffer.as_mut_ptr(), scratch.as_mut_ptr());
        assert_eq!(sort_pairs_scratch(null, 2, s), wildsort::WILDSORT_ERR_NULL);
        assert_eq!(sort_pairs_scratch(b, 2, null), wildsort::WILDSORT_ERR_NULL);
        assert_eq!(sort_pairs_scratch(null, 0, null), OK);
        assert_eq!(
            sort_pairs_scratch(b, usize::MAX / 2 + 1, s),
            wildsort::WILDSORT_ERR_LENGTH
        );
    }
    assert_eq!(
        buffer,
        [3, 0, 1, 1],
        "a refused call leaves the records alone"
    );
    // SAFETY: live, separate buffers of 2 records.
    let status = unsafe { sort_pairs_scratch(buffer.as_mut_ptr(), 2, scratch.as_mut_ptr()) };
    assert_eq!(status, OK);
    assert_eq!(buffer, [1, 1, 3, 0]);
}

#[test]
fn argsorts_from_several_threads_at_once_each_get_their_own_result() {
    // Large enough to be cut in parts: one caller at a time gets the kept workers, the others
    // start threads of their own; every result must be the stable order of its own keys.
    let n = 200_000;
    std::thread::scope(|scope| {
        for caller in 0..4u64 {
            scope.spawn(move || {
                let keys: Vec<f64> = pseudo_random(n, 100 + caller)
                    .into_iter()
                    .map(|x| (x % 50_000) as f64) // duplicates: stability shows
                    .collect();
                let mut expected: Vec<usize> = (0..n).collect();
                expected.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]));
                for _ in 0..3 {
                    let mut order = vec![0; n];
                    wildsort::argsort_f64(&keys, &mut order);
                    assert!(order == expected, "caller {caller} got another order");
                }
            });
        }
    });
}
