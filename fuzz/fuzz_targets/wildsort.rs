//! wildsort's C entry points, reached as a C consumer reaches them: `WILDSORT_1`'s declaration
//! published into a registry and resolved by C signature, then called through the pointers on
//! arbitrary buffers and lengths, NULL with a length included (as the header allows). Each
//! result must be the status the header promises and a sorted permutation of the input (by
//! totalOrder for floats; stable for the argsorts and pairs).
#![no_main]

use std::cmp::Ordering;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use capreg::registry::ImportItem;
use capreg::{Discovered, DiscoveryFailure, Registry};
use libfuzzer_sys::fuzz_target;
use wildsort::{WILDSORT_ERR_LENGTH, WILDSORT_ERR_NULL, WILDSORT_OK};

type Sort<T> = unsafe extern "C" fn(*mut T, usize) -> i32;
type Argsort<T> = unsafe extern "C" fn(*const T, usize, *mut usize) -> i32;
type ArgsortScratch<T> = unsafe extern "C" fn(*const T, usize, *mut usize, *mut u64) -> i32;
type PairsScratch = unsafe extern "C" fn(*mut i64, usize, *mut i64) -> i32;

/// The C entry points, with the C signatures of headers/wildsort.h.
struct Api {
    sort_i64: Sort<i64>,
    sort_u64: Sort<u64>,
    sort_i32: Sort<i32>,
    sort_u32: Sort<u32>,
    sort_f64: Sort<f64>,
    sort_f32: Sort<f32>,
    argsort_i64: Argsort<i64>,
    argsort_f64: Argsort<f64>,
    argsort_i64_scratch: ArgsortScratch<i64>,
    argsort_f64_scratch: ArgsortScratch<f64>,
    sort_pairs_i64: Sort<i64>,
    sort_pairs_i64_scratch: PairsScratch,
    version: extern "C" fn() -> u32,
}

const ITEMS: [(&str, &str); 13] = [
    ("sort_i64", "int (int64_t *, size_t)"),
    ("sort_u64", "int (uint64_t *, size_t)"),
    ("sort_i32", "int (int32_t *, size_t)"),
    ("sort_u32", "int (uint32_t *, size_t)"),
    ("sort_f64", "int (double *, size_t)"),
    ("sort_f32", "int (float *, size_t)"),
    (
        "argsort_i64",
        "int (const int64_t *keys, size_t n, size_t *out)",
    ),
    (
        "argsort_f64",
        "int (const double *keys, size_t n, size_t *out)",
    ),
    (
        "argsort_i64_scratch",
        "int (const int64_t *, size_t, size_t *, uint64_t *)",
    ),
    (
        "argsort_f64_scratch",
        "int (const double *, size_t, size_t *, uint64_t *)",
    ),
    ("sort_pairs_i64", "int (int64_t *pairs, size_t n)"),
    (
        "sort_pairs_i64_scratch",
        "int (int64_t *, size_t, int64_t *)",
    ),
    ("version", "uint32_t (void)"),
];

fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        // Kept: the published API is leaked on purpose (never unpublished), and reachable
        // from a registry that lives as long as the process.
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        let registry = REGISTRY.get_or_init(Registry::new);
        registry
            .publish(wildsort::WILDSORT_1.declaration())
            .unwrap();
        let mut none = |_: &str| -> Result<Discovered, DiscoveryFailure> {
            Ok(Discovered::Undeclared(String::new()))
        };
        let api = registry
            .request("wildsort", "^1", "fuzz.wildsort", &mut none)
            .unwrap();
        let items: Vec<ImportItem> = ITEMS
            .iter()
            .map(|&(name, signature)| ImportItem {
                name,
                signature,
                optional: false,
            })
            .collect();
        let p = registry
            .resolve(api, "fuzz.wildsort", &items, Some("^1"))
            .unwrap()
            .pointers;
        let f = |i: usize| p[i].expect("not optional");
        // SAFETY: each pointer was resolved against the C signature its field's type spells
        // (ITEMS, in field order).
        unsafe {
            use std::mem::transmute as t;
            Api {
                sort_i64: t(f(0)),
                sort_u64: t(f(1)),
                sort_i32: t(f(2)),
                sort_u32: t(f(3)),
                sort_f64: t(f(4)),
                sort_f32: t(f(5)),
                argsort_i64: t(f(6)),
                argsort_f64: t(f(7)),
                argsort_i64_scratch: t(f(8)),
                argsort_f64_scratch: t(f(9)),
                sort_pairs_i64: t(f(10)),
                sort_pairs_i64_scratch: t(f(11)),
                version: t(f(12)),
            }
        }
    })
}

/// How the buffer is passed.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Pass {
    /// The buffer and its length.
    Buffer,
    /// NULL with the buffer's length: WILDSORT_ERR_NULL unless the length is 0.
    Null,
    /// The buffer with length 0: nothing is touched.
    Empty,
}

#[derive(Arbitrary, Debug)]
enum Call {
    SortI64(Pass),
    SortU64(Pass),
    SortI32(Pass),
    SortU32(Pass),
    SortF64(Pass),
    SortF32(Pass),
    ArgsortI64 {
        keys: Pass,
        out: Pass,
    },
    ArgsortF64 {
        keys: Pass,
        out: Pass,
    },
    ArgsortI64Scratch {
        keys: Pass,
        out: Pass,
        scratch: Pass,
    },
    ArgsortF64Scratch {
        keys: Pass,
        out: Pass,
        scratch: Pass,
    },
    SortPairs(Pass),
    SortPairsScratch {
        pairs: Pass,
        scratch: Pass,
    },
    /// A record count whose buffer size overflows size_t, with NULL: WILDSORT_ERR_LENGTH.
    PairsTooMany(u64),
}

#[derive(Debug)]
struct Input {
    call: Call,
    /// Values from a small range make ties (stability) likely.
    narrow: bool,
    /// How many times the elements are repeated (with a change each); 0 for "large": past the
    /// size where the call switches paths (float sorts at 1,000; argsort threads at 131,072).
    repeat: usize,
    bytes: Vec<u8>,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let call = u.arbitrary()?;
        let narrow = u.arbitrary()?;
        let repeat = match u.arbitrary::<u8>()? {
            0..=239 => 1,
            240..=254 => 2 + usize::from(u.arbitrary::<u8>()?) % 16,
            255 => 0,
        };
        Ok(Input {
            call,
            narrow,
            repeat,
            bytes: u.bytes(u.len())?.to_vec(),
        })
    }
}

/// The elements of `T` (`N` bytes each) the input's bytes spell, repeated with a change
/// (when "large", as often as it takes to reach `large` elements).
fn elements<T, const N: usize>(
    input: &Input,
    large: usize,
    from: fn([u8; N]) -> T,
    bump: fn(T, usize) -> T,
) -> Vec<T>
where
    T: Copy,
{
    let one: Vec<T> = input
        .bytes
        .chunks_exact(N)
        .map(|c| {
            let mut b: [u8; N] = c.try_into().unwrap();
            if input.narrow {
                // Keep the low byte's low bits and the sign: small values, many ties.
                for x in b[1..N - 1].iter_mut() {
                    *x = 0;
                }
                b[0] &= 7;
            }
            from(b)
        })
        .collect();
    let times = match input.repeat {
        0 if large < THREADS || threads_turn() => large.div_ceil(one.len().max(1)),
        0 => 2,
        n => n,
    };
    let mut all = Vec::with_capacity(one.len() * times);
    for r in 0..times {
        all.extend(one.iter().map(|&x| bump(x, r)));
    }
    all
}

/// "Large" for the sorts: past wildsort's SMALL_FLOATS (1,000), where float sorts switch paths.
const LARGE: usize = 1_001;
/// "Large" for the argsorts: where they start sharing the work with threads.
const THREADS: usize = 131_072;

/// Whether a "large" argsort runs at its full size this time: the first time, then one time in
/// 64. At 131,072 keys under ASan one call takes ~0.1 s, and the fuzzer keeps coming back to
/// the inputs that reach the threads; this keeps them from taking most of a run. (A crash on
/// one still reproduces alone: the first time runs in full.)
fn threads_turn() -> bool {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    CALLS.fetch_add(1, Ordering::Relaxed) % 64 == 0
}

fn expect_status(status: i32, len: usize, passes: &[Pass]) {
    let null = passes.iter().any(|p| matches!(p, Pass::Null));
    let expected = if len == 0 || !null {
        WILDSORT_OK
    } else {
        WILDSORT_ERR_NULL
    };
    assert_eq!(status, expected, "{passes:?} with {len} elements");
}

/// (pointer, length) for a buffer passed as `pass`.
fn arg<T>(buf: &mut [T], pass: Pass) -> (*mut T, usize) {
    match pass {
        Pass::Buffer => (buf.as_mut_ptr(), buf.len()),
        Pass::Null => (std::ptr::null_mut(), buf.len()),
        Pass::Empty => (buf.as_mut_ptr(), 0),
    }
}

fn check_sort<T: Copy + std::fmt::Debug>(
    f: Sort<T>,
    mut data: Vec<T>,
    pass: Pass,
    cmp: fn(&T, &T) -> Ordering,
    same: fn(&T, &T) -> bool,
) {
    let original = data.clone();
    let (ptr, len) = arg(&mut data, pass);
    // SAFETY: `ptr` is NULL or valid for `len` elements.
    let status = unsafe { f(ptr, len) };
    expect_status(status, len, &[pass]);
    let mut expected = original;
    if status == WILDSORT_OK && len > 0 {
        expected.sort_by(cmp);
    }
    assert!(
        data.len() == expected.len() && data.iter().zip(&expected).all(|(a, b)| same(a, b)),
        "not the sorted permutation ({pass:?}, {len} elements)"
    );
}

fn check_argsort<T: Copy>(
    call: impl FnOnce(*const T, usize, *mut usize, *mut u64) -> i32,
    mut keys: Vec<T>,
    passes: &[Pass],
    cmp: fn(&T, &T) -> Ordering,
) {
    let n = keys.len();
    let mut out = vec![usize::MAX; n];
    let mut scratch = vec![0u64; n];
    let (k, len) = arg(&mut keys, passes[0]);
    let (o, _) = arg(&mut out, passes[1]);
    let (s, _) = arg(&mut scratch, *passes.get(2).unwrap_or(&Pass::Buffer));
    let status = call(k, len, o, s);
    expect_status(status, len, passes);
    if status != WILDSORT_OK || len == 0 {
        assert!(
            out.iter().all(|&i| i == usize::MAX),
            "out written on {status}"
        );
        return;
    }
    let mut expected: Vec<usize> = (0..n).collect();
    expected.sort_by(|&a, &b| cmp(&keys[a], &keys[b])); // stable
    assert_eq!(out, expected, "not the stable argsort of {n} keys");
}

fn check_pairs(
    call: impl FnOnce(*mut i64, usize, *mut i64) -> i32,
    mut pairs: Vec<i64>,
    passes: &[Pass],
) {
    if pairs.len() % 2 == 1 {
        pairs.pop();
    }
    let original = pairs.clone();
    let mut scratch = vec![0i64; pairs.len()];
    let (p, len) = arg(&mut pairs, passes[0]);
    let (s, _) = arg(&mut scratch, *passes.get(1).unwrap_or(&Pass::Buffer));
    let status = call(p, len / 2, s);
    expect_status(status, len / 2, passes);
    let mut records: Vec<[i64; 2]> = original.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
    if status == WILDSORT_OK && len > 0 {
        records.sort_by_key(|r| r[0]); // stable: only keys are compared
    }
    assert_eq!(pairs, records.concat(), "pairs not sorted stably by key");
}

fn f64_of(b: [u8; 8]) -> f64 {
    f64::from_le_bytes(b)
}

fn f32_of(b: [u8; 4]) -> f32 {
    f32::from_le_bytes(b)
}

fuzz_target!(|input: Input| {
    let api = api();
    assert_eq!((api.version)(), wildsort::WILDSORT_VERSION);
    let bump_i64 = |x: i64, r: usize| x.wrapping_add(r as i64);
    let bump_f64 = |x: f64, r: usize| if r % 3 == 2 { -x } else { x + r as f64 };
    let bits64 = |a: &f64, b: &f64| a.to_bits() == b.to_bits();
    let bits32 = |a: &f32, b: &f32| a.to_bits() == b.to_bits();
    match input.call {
        Call::SortI64(p) => check_sort(
            api.sort_i64,
            elements(&input, LARGE, i64::from_le_bytes, bump_i64),
            p,
            i64::cmp,
            |a, b| a == b,
        ),
        Call::SortU64(p) => check_sort(
            api.sort_u64,
            elements(&input, LARGE, u64::from_le_bytes, |x, r| {
                x.wrapping_add(r as u64)
            }),
            p,
            u64::cmp,
            |a, b| a == b,
        ),
        Call::SortI32(p) => check_sort(
            api.sort_i32,
            elements(&input, LARGE, i32::from_le_bytes, |x, r| {
                x.wrapping_sub(r as i32)
            }),
            p,
            i32::cmp,
            |a, b| a == b,
        ),
        Call::SortU32(p) => check_sort(
            api.sort_u32,
            elements(&input, LARGE, u32::from_le_bytes, |x, r| x ^ r as u32),
            p,
            u32::cmp,
            |a, b| a == b,
        ),
        Call::SortF64(p) => check_sort(
            api.sort_f64,
            elements(&input, LARGE, f64_of, bump_f64),
            p,
            f64::total_cmp,
            bits64,
        ),
        Call::SortF32(p) => check_sort(
            api.sort_f32,
            elements(
                &input,
                LARGE,
                f32_of,
                |x, r| if r % 2 == 1 { -x } else { x * 1.5 },
            ),
            p,
            f32::total_cmp,
            bits32,
        ),
        Call::ArgsortI64 { keys, out } => check_argsort(
            // SAFETY: each pointer is NULL or valid for `len` elements.
            |k, n, o, _| unsafe { (api.argsort_i64)(k, n, o) },
            elements(&input, THREADS, i64::from_le_bytes, bump_i64),
            &[keys, out],
            i64::cmp,
        ),
        Call::ArgsortF64 { keys, out } => check_argsort(
            // SAFETY: as above.
            |k, n, o, _| unsafe { (api.argsort_f64)(k, n, o) },
            elements(&input, THREADS, f64_of, bump_f64),
            &[keys, out],
            f64::total_cmp,
        ),
        Call::ArgsortI64Scratch { keys, out, scratch } => check_argsort(
            // SAFETY: as above.
            |k, n, o, s| unsafe { (api.argsort_i64_scratch)(k, n, o, s) },
            elements(&input, THREADS, i64::from_le_bytes, bump_i64),
            &[keys, out, scratch],
            i64::cmp,
        ),
        Call::ArgsortF64Scratch { keys, out, scratch } => check_argsort(
            // SAFETY: as above.
            |k, n, o, s| unsafe { (api.argsort_f64_scratch)(k, n, o, s) },
            elements(&input, THREADS, f64_of, bump_f64),
            &[keys, out, scratch],
            f64::total_cmp,
        ),
        Call::SortPairs(p) => check_pairs(
            // SAFETY: as above (2n elements).
            |d, n, _| unsafe { (api.sort_pairs_i64)(d, n) },
            elements(&input, LARGE, i64::from_le_bytes, bump_i64),
            &[p],
        ),
        Call::SortPairsScratch { pairs, scratch } => check_pairs(
            // SAFETY: as above.
            |d, n, s| unsafe { (api.sort_pairs_i64_scratch)(d, n, s) },
            elements(&input, LARGE, i64::from_le_bytes, bump_i64),
            &[pairs, scratch],
        ),
        Call::PairsTooMany(extra) => {
            let n = usize::MAX / 2 + 1 + (extra as usize) % (usize::MAX / 2);
            // SAFETY: NULL, refused before anything is read.
            let status = unsafe { (api.sort_pairs_i64)(std::ptr::null_mut(), n) };
            assert_eq!(status, WILDSORT_ERR_LENGTH);
            // SAFETY: NULL pointers, refused before anything is read.
            let status = unsafe {
                (api.sort_pairs_i64_scratch)(std::ptr::null_mut(), n, std::ptr::null_mut())
            };
            assert_eq!(status, WILDSORT_ERR_LENGTH);
        }
    }
});
