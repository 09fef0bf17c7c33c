"""Runs the registry benchmarks side by side and prints one table (run through benches/run.sh,
which builds and installs the capreg_bench extension first).

Rows, with the targets of the performance contract (../shared/DESIGN.md):
  1. a call through a capreg-resolved pointer vs the same function through a NumPy-style `void *`
     table capsule (<= 1.05x) and vs a Python-level call (>= 20x faster);
  2. request + resolve of a 300-function API, signatures spelled as published and respelled
     (< 100 us median);
  3. `import capreg`: self time of capreg's own modules, median of 15 fresh processes (< 2 ms).
A benchmark reports; it never fails. A missed target is a MISS in the table, exit status 0.

Usage: python benches/registry.py JSON_OUT
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import capreg_bench

CALLS = 50_000_000  # C calls per timed loop
PY_CALLS = CALLS // 100  # Python-level calls per timed loop
ROUNDS = 5  # best of
RESOLVES = 2_000
IMPORTS = 15


def add1(x):
    """The Python-level peer of the provider's add1."""
    return x + 1


def bench_calls():
    """Best-of-ROUNDS ns per call for each path, the three paths interleaved in every round so
    that drift (turbo, a neighbour's build) hits them alike."""
    best = {"capreg": float("inf"), "table": float("inf"), "python": float("inf")}
    expect = CALLS * (CALLS + 1) // 2  # sum of add1(i) for i < CALLS
    expect_py = PY_CALLS * (PY_CALLS + 1) // 2
    runs = [
        ("table", lambda: capreg_bench.time_table(CALLS), CALLS, expect),
        ("capreg", lambda: capreg_bench.time_capreg(CALLS), CALLS, expect),
        ("python", lambda: capreg_bench.time_python(add1, PY_CALLS), PY_CALLS, expect_py),
    ]
    for _ in range(ROUNDS):
        for name, run, n, want in runs:
            ns, checksum = run()
            if checksum != want:
                raise SystemExit(f"{name}: checksum {checksum} != {want}: the loop did not do the work")
            best[name] = min(best[name], ns / n)
    return best


def bench_resolve(respelled):
    """Median and 90th percentile, in us, of one request + resolve of all 300 functions."""
    times = [t / 1000 for t in capreg_bench.time_resolve(RESOLVES, respelled)]
    return statistics.median(times), statistics.quantiles(times, n=10)[-1], times[0]


def own_module(name):
    return name == "capreg" or name.startswith("capreg.")


def bench_import():
    """Median (self time of capreg's own modules, cumulative time of `capreg`) in ms, and the
    median self time of each module imported under it, over fresh processes."""
    selfs, cumulatives, per_module = [], [], {}
    with tempfile.TemporaryDirectory() as empty:  # cwd is sys.path[0] under -c: keep it empty
        for i in range(IMPORTS + 1):
            err = subprocess.run(
                [sys.executable, "-X", "importtime", "-c", "import capreg"],
                cwd=empty, capture_output=True, text=True, check=True,
            ).stderr
            if i == 0:
                continue  # warm-up: page cache, lazily written files
            own, rows = 0, {}
            for line in err.splitlines():
                if not line.startswith("import time:") or "self [us]" in line:
                    continue
                self_us, cumulative_us, name = (f.strip() for f in line[12:].split("|"))
                rows[name] = int(self_us)
                if own_module(name):
                    own += int(self_us)
                if name == "capreg":
                    cumulatives.append(int(cumulative_us) / 1000)
            selfs.append(own / 1000)
            for name, us in rows.items():
                per_module.setdefault(name, []).append(us / 1000)
    medians = {name: statistics.median(v) for name, v in per_module.items()}
    return statistics.median(selfs), statistics.median(cumulatives), medians


def capreg_build():
    """'debug' when the installed registry carries debug info (maturin's default dev profile:
    unoptimised Rust), else 'release'. A heuristic, printed so numbers are read in context."""
    import capreg._capreg as native

    with open(native.__file__, "rb") as f:
        return "debug" if b".debug_info" in f.read() else "release"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        return platform.machine()


def row(benchmark, capreg, peer, ratio, target, ok, values):
    return {"benchmark": benchmark, "capreg": capreg, "peer": peer, "ratio": ratio,
            "target": target, "verdict": "PASS" if ok else "MISS", "values": values}


def main():
    out_path = sys.argv[1]
    machine = {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "capreg_build": capreg_build(),
        "loadavg_before": os.getloadavg()[0],
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    capreg_bench.bind()

    calls = bench_calls()
    exact = bench_resolve(False)
    respelled = bench_resolve(True)
    own_ms, cumulative_ms, modules = bench_import()
    machine["loadavg_after"] = os.getloadavg()[0]

    c, t, p = calls["capreg"], calls["table"], calls["python"]
    rows = [
        row("call add1: capreg pointer vs NumPy-style table", f"{c:.2f} ns", f"{t:.2f} ns",
            f"{c / t:.3f}", "<= 1.05", c / t <= 1.05,
            {"capreg_ns": c, "table_ns": t, "calls": CALLS, "best_of": ROUNDS}),
        row("call add1: capreg pointer vs Python-level call", f"{c:.2f} ns", f"{p:.1f} ns",
            f"{c / p:.4f} ({p / c:.0f}x faster)", "<= 0.05 (20x faster)", p / c >= 20,
            {"capreg_ns": c, "python_ns": p, "python_calls": PY_CALLS, "best_of": ROUNDS}),
    ]
    for label, (median, p90, first) in (("exact signatures", exact), ("C respellings", respelled)):
        rows.append(row(f"request+resolve 300 fns, {label}",
                        f"{median:.1f} us ({median * 1000 / 300:.0f} ns/fn)", "-", "-",
                        "< 100 us median", median < 100,
                        {"median_us": median, "p90_us": p90, "first_us": first, "iterations": RESOLVES}))
    imported = {k: v for k, v in sorted(modules.items(), key=lambda kv: -kv[1])}
    rows.append(row("import capreg: own modules' self time", f"{own_ms:.2f} ms (cumulative {cumulative_ms:.2f} ms)",
                    "-", "-", "< 2 ms median", own_ms < 2,
                    {"own_self_ms": own_ms, "cumulative_ms": cumulative_ms, "runs": IMPORTS,
                     "median_self_ms_by_module": imported}))

    print(f"machine: nproc={machine['nproc']} cpu={machine['cpu']!r} python={machine['implementation']} "
          f"{machine['python']} capreg build={machine['capreg_build']} "
          f"load={machine['loadavg_before']:.2f}->{machine['loadavg_after']:.2f}")
    cols = ["benchmark", "capreg", "peer", "ratio", "target", "verdict"]
    widths = [max(len(col), *(len(r[col]) for r in rows)) for col in cols]
    line = lambda cells: "  ".join(str(x).ljust(w) for x, w in zip(cells, widths)).rstrip()
    print(line(cols))
    print(line("-" * w for w in widths))
    for r in rows:
        print(line(r[col] for col in cols))
    top = ", ".join(f"{k} {v:.2f}" for k, v in list(imported.items())[:5])
    print(f"import capreg, largest median self times (ms): {top}")

    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump({"machine": machine, "rows": rows}, f, indent=2)
        f.write("\n")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
