//! `sort_i64` / `sort_f64` on 10,000,000 random values through the registry (libwildsort opened
//! with `from_library`, pointers resolved by name and signature) vs `slice::sort_unstable` and vs
//! `voracious_radix_sort`, side by side in one run. Prints a table with ratios; never fails.
//! Run: `cargo bench -p wildsort --bench native` (benches/run.sh does).

use std::time::Instant;

use voracious_radix_sort::RadixSort;

capreg::import_api! {
    struct Wildsort: "wildsort" "^1.0" as "wildsort-native-bench" {
        fn sort_i64: unsafe extern "C" fn(*mut i64, usize) -> i32;
        fn sort_f64: unsafe extern "C" fn(*mut f64, usize) -> i32;
    }
}

const N: usize = 10_000_000;
/// Odd, so that a median is one of the values. Best-of-9 read `sort_i64` (voracious's own sort
/// behind the C ABI) against voracious anywhere in 0.87-1.19x on a noisy day.
const ROUNDS: usize = 11;

fn random(n: usize, seed: u64) -> Vec<u64> {
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

/// One of the sorts compared, sorting the slice it is given.
type Sort<'a, T> = &'a mut dyn FnMut(&mut [T]);

/// Each sort's times in ms, one per round, each sorting a fresh copy of `input`. The sorts take
/// turns in every round, starting one later each round, so that a burst of load on this shared
/// machine hits them alike and the runs compared ran next to each other.
fn rounds<T: Clone>(input: &[T], sorts: &mut [Sort<'_, T>]) -> Vec<Vec<f64>> {
    let mut times = vec![Vec::with_capacity(ROUNDS); sorts.len()];
    for round in 0..ROUNDS {
        for turn in 0..sorts.len() {
            let which = (round + turn) % sorts.len();
            let mut data = input.to_vec();
            let start = Instant::now();
            sorts[which](&mut data);
            times[which].push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    times
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let exe = std::env::current_exe().expect("current exe");
    let library = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .join("libwildsort.so");
    // SAFETY: libwildsort is this workspace's own provider library.
    let api = unsafe { Wildsort::from_library(&library) }.unwrap_or_else(|e| panic!("{e}"));

    let ints: Vec<i64> = random(N, 42).into_iter().map(|x| x as i64).collect();
    let floats: Vec<f64> = random(N, 7)
        .into_iter()
        .map(|x| (x >> 11) as f64 / (1u64 << 53) as f64 * 2e6 - 1e6)
        .collect();

    let [ws_i, std_i, vor_i]: [Vec<f64>; 3] = rounds(
        &ints,
        &mut [
            &mut |d: &mut [i64]| {
                // SAFETY: the buffer is live and has that length.
                let status = unsafe { (api.sort_i64)(d.as_mut_ptr(), d.len()) };
                assert_eq!(status, 0)
            },
            &mut |d: &mut [i64]| d.sort_unstable(),
            &mut |d: &mut [i64]| d.voracious_sort(),
        ],
    )
    .try_into()
    .expect("one series of times per sort");
    let [ws_f, std_f, vor_f]: [Vec<f64>; 3] = rounds(
        &floats,
        &mut [
            &mut |d: &mut [f64]| {
                // SAFETY: the buffer is live and has that length.
                let status = unsafe { (api.sort_f64)(d.as_mut_ptr(), d.len()) };
                assert_eq!(status, 0)
            },
            &mut |d: &mut [f64]| d.sort_unstable_by(f64::total_cmp),
            &mut |d: &mut [f64]| d.voracious_sort(),
        ],
    )
    .try_into()
    .expect("one series of times per sort");
    println!(
        "wildsort native, {N} random values, {ROUNDS} rounds taking turns: median ms, and as the \
         ratio the median of the rounds' wildsort / peer"
    );
    println!(
        "{:<44} {:>10} {:>10} {:>7} {:<18} verdict",
        "benchmark", "wildsort", "peer", "ratio", "target"
    );
    let row = |name: &str, ws: &[f64], peer: &[f64], limit: f64, target: &str| {
        let ratio = median(ws.iter().zip(peer).map(|(w, p)| w / p).collect());
        let verdict = if ratio <= limit { "PASS" } else { "MISS" };
        let (ws, peer) = (median(ws.to_vec()), median(peer.to_vec()));
        println!("{name:<44} {ws:>8.1}ms {peer:>8.1}ms {ratio:>7.3} {target:<18} {verdict}");
    };
    row(
        "sort_i64 (registry) vs slice::sort_unstable",
        &ws_i,
        &std_i,
        1.0,
        "< 1 (faster)",
    );
    row(
        "sort_i64 (registry) vs voracious_sort",
        &ws_i,
        &vor_i,
        1.2,
        "<= 1.2",
    );
    row(
        "sort_f64 (registry) vs sort_unstable_by",
        &ws_f,
        &std_f,
        1.0,
        "< 1 (faster)",
    );
    row(
        "sort_f64 (registry) vs voracious_sort",
        &ws_f,
        &vor_f,
        1.2,
        "<= 1.2",
    );
}
