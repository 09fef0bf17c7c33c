"""wildsort.sort against sorted() and numpy, side by side in one run; prints one table.

Rows (targets from the wildsort issue):
  - 1,000,000 random ints / floats: wildsort.sort vs sorted() (>= 10x faster), with numpy's
    list -> array -> sort -> list path and its stable argsort + Python-level permutation (which
    keeps the objects) in the same table;
  - 10-element lists: no slower than 1.5x sorted();
  - peak RSS of sorting 1,000,000 ints, each in a fresh process: at most 1.5x sorted()'s;
  - for reference, skewed keys: lognormal floats, and ints bunched far from one outlier.
A benchmark reports; it never fails.

Usage: python benches/wildsort_bench.py JSON_OUT
"""

import json
import random
import subprocess
import sys
import time

import numpy as np

import wildsort

ROUNDS = 5
N = 1_000_000


def best(fns, data, rounds=ROUNDS, repeat=1):
    """Best time per call of each of `fns` on `data`, the functions taking turns in every round
    so that a burst of load on this shared machine hits them alike. The result each call returns
    is freed inside its timing, as a caller would (freeing it is part of what sorted() costs)."""
    times = [[] for _ in fns]
    for _ in range(rounds):
        for fn, spent in zip(fns, times):
            start = time.perf_counter()
            for _ in range(repeat):
                fn(data)
            spent.append((time.perf_counter() - start) / repeat)
    return [min(spent) for spent in times]


def numpy_sort(data):
    return np.sort(np.array(data)).tolist()


def numpy_stable_permutation(data):
    order = np.argsort(np.array(data), kind="stable")
    return [data[i] for i in order.tolist()]


# VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child would report this big
# benchmark process's peak instead of its own.
PEAK = """
import random, sys
random.seed(1)
data = [random.randrange(-2**62, 2**62) for _ in range({n})]
import wildsort
sort = sorted if sys.argv[1] == "sorted" else wildsort.sort
sort(list(range(1000)))  # load the provider outside the measurement's peak
result = sort(data)
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def peak_rss_kib(which):
    out = subprocess.run([sys.executable, "-c", PEAK.format(n=N), which], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def main(json_out):
    rng = random.Random(42)
    ints = [rng.randrange(-(2**62), 2**62) for _ in range(N)]
    floats = [rng.uniform(-1e6, 1e6) for _ in range(N)]
    wildsort.sort(list(range(1000)))  # resolve the native API once, outside the timings
    rows = []

    def row(name, ours, peer, better, target, limit, peer_name="sorted()"):
        ratio = peer / ours if better == "speedup" else ours / peer
        verdict = "PASS" if (ratio >= limit if better == "speedup" else ratio <= limit) else "MISS"
        verdict = "-" if "reference" in target else verdict
        rows.append({"benchmark": name, "wildsort": ours, "peer": peer, "peer_name": peer_name,
                     "ratio": ratio, "kind": better, "target": target, "verdict": verdict})

    for label, data in (("ints", ints), ("floats", floats)):
        t_sorted, t_wild, t_np, t_np_stable = best([sorted, wildsort.sort, numpy_sort, numpy_stable_permutation], data)
        row(f"1M random {label}: wildsort.sort vs sorted()", t_wild, t_sorted, "speedup", ">= 10x faster", 10)
        row(f"1M random {label}: numpy list->array->sort->list vs sorted()", t_np, t_sorted, "speedup", "(peer, for reference)", 0, "sorted()")
        row(f"1M random {label}: numpy stable argsort + permutation vs sorted()", t_np_stable, t_sorted, "speedup", "(peer, for reference)", 0, "sorted()")
    # Beyond the targets: keys bunched at many scales, and keys bunched far from one
    # outlier, where a radix sort that spreads only the whole range degrades.
    skewed = (("lognormal floats (sigma 5)", [rng.lognormvariate(0, 5) for _ in range(N)]),
              ("ints in 0..1000 and one 2**62", [rng.randrange(1000) for _ in range(N - 1)] + [2**62]))
    for label, data in skewed:
        t_sorted, t_wild = best([sorted, wildsort.sort], data, rounds=3)
        row(f"1M {label}: wildsort.sort vs sorted()", t_wild, t_sorted, "speedup", "(for reference)", 0)
    small = [rng.randrange(1000) for _ in range(10)]
    t_sorted, t_wild = best([sorted, wildsort.sort], small, rounds=15, repeat=20_000)
    row("10-element list: wildsort.sort vs sorted()", t_wild, t_sorted, "slowdown", "<= 1.5x sorted()", 1.5)
    rss_sorted, rss_wild = peak_rss_kib("sorted"), peak_rss_kib("wildsort")
    rows.append({"benchmark": "peak RSS, 1M ints, fresh process: wildsort.sort vs sorted()", "wildsort": rss_wild, "peer": rss_sorted,
                 "peer_name": "sorted()", "ratio": rss_wild / rss_sorted, "kind": "memory", "target": "<= 1.5x",
                 "verdict": "PASS" if rss_wild / rss_sorted <= 1.5 else "MISS"})

    def fmt(r, value):
        if r["kind"] == "memory":
            return f"{value / 1024:.0f} MiB"
        return f"{value * 1e3:.3f} ms" if value >= 1e-3 else f"{value * 1e9:.0f} ns"

    print(f"wildsort vs sorted() and numpy {np.__version__} (best of {ROUNDS}; ratio: speedup = sorted()/x, else x/sorted())")
    header = ["benchmark", "measured", "sorted()", "ratio", "target", "verdict"]
    table = [[r["benchmark"], fmt(r, r["wildsort"]), fmt(r, r["peer"]),
              (f"{r['ratio']:.2f}x faster" if r["kind"] == "speedup" else f"{r['ratio']:.2f}x"),
              r["target"], r["verdict"]] for r in rows]
    widths = [max(len(str(x[i])) for x in table + [header]) for i in range(len(header))]
    for line in [header] + table:
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip())
    with open(json_out, "w") as f:
        json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main(sys.argv[1])
