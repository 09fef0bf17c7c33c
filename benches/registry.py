"""Runs the registry benchmarks side by side and prints one table (run through benches/run.sh,
which builds and installs the capreg_bench extension first).

Rows, with the targets of the performance contract (../shared/DESIGN.md):
  1. a call through a capreg-resolved pointer vs the same function through a NumPy-style `void *`
     table capsule (<= 1.05x) and vs a Python-level call (>= 20x faster): paired rounds, the
     median of the rounds' ratios;
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
from _machine import cpu_model, cpu_ticks, native_build
from _paired import paired_ratio, turn_order

CALLS = 5_000_000  # C calls per timed loop (~8 ms)
PY_CALLS = CALLS // 100  # Python-level calls per timed loop
# Rounds of paired loops; each ratio is the median of the rounds' ratios. Best-of-15 loops of 50M
# calls read capreg/table anywhere in 0.86-1.12 on a noisy day (the same indirect call both ways);
# 150 paired rounds of 5M, in alternating order, read 0.995-1.010 (10 runs), in the same time.
ROUNDS = int(os.environ.get("CAPREG_BENCH_ROUNDS", "150"))
RESOLVES = 2_000
IMPORTS = 15


def add1(x):
    """The Python-level peer of the provider's add1."""
    return x + 1


def bench_calls():
    """ns per call of each path in every round. The three paths take turns in each round, in an
    order rotated and reversed from round to round, so that drift (turbo, a neighbour's build)
    hits them alike and the loops compared ran next to each other."""
    expect = CALLS * (CALLS + 1) // 2  # sum of add1(i) for i < CALLS
    expect_py = PY_CALLS * (PY_CALLS + 1) // 2
    runs = [
        ("table", lambda: capreg_bench.time_table(CALLS), CALLS, expect),
        ("capreg", lambda: capreg_bench.time_capreg(CALLS), CALLS, expect),
        ("python", lambda: capreg_bench.time_python(add1, PY_CALLS), PY_CALLS, expect_py),
    ]
    times = {name: [] for name, *_ in runs}
    for r in range(ROUNDS):
        for name, run, n, want in turn_order(runs, r):
            ns, checksum = run()
            if checksum != want:
                raise SystemExit(f"{name}: checksum {checksum} != {want}: the loop did not do the work")
            times[name].append(ns / n)
    return times


def bench_resolve(respelled):
    """Median, 90th percentile and first, in us, of one request + resolve of all 300 functions
    (the first respelled one also parses the respellings: later ones hit the parse cache)."""
    times = [t / 1000 for t in capreg_bench.time_resolve(RESOLVES, respelled)]
    return statistics.median(times), statistics.quantiles(times, n=10)[-1], times[0]


def own_module(name):
    return name == "capreg" or name.startswith("capreg.")


def bench_import():
    """Medians over fresh processes, in ms: self time of capreg's own modules, cumulative time of
    `capreg`, and the cumulative time of each module `capreg` imports directly."""
    selfs, cumulatives, children = [], [], {}
    with tempfile.TemporaryDirectory() as empty:  # cwd is sys.path[0] under -c: keep it empty
        for i in range(IMPORTS + 1):
            err = subprocess.run(
                [sys.executable, "-X", "importtime", "-c", "import capreg"],
                cwd=empty, capture_output=True, text=True, check=True,
            ).stderr
            if i == 0:
                continue  # warm-up: page cache
            own, direct = 0, {}
            for line in err.splitlines():
                if not line.startswith("import time:") or "self [us]" in line:
                    continue
                self_us, cumulative_us, field = line[12:].split("|")
                name = field.strip()
                if own_module(name):
                    own += int(self_us)
                # "| name" at depth 0, two more spaces per level; children print before their
                # parent, so capreg's direct imports are the depth-1 lines since the last depth 0.
                depth = (len(field) - len(field.lstrip()) - 1) // 2
                if depth == 0:
                    if name == "capreg":
                        cumulatives.append(int(cumulative_us) / 1000)
                        for child, ms in direct.items():
                            children.setdefault(child, []).append(ms)
                    direct = {}
                elif depth == 1:
                    direct[name] = int(cumulative_us) / 1000
            selfs.append(own / 1000)
    medians = {name: statistics.median(v) for name, v in children.items()}
    return statistics.median(selfs), statistics.median(cumulatives), medians


def capreg_build():
    """'debug' or 'release': the profile the installed registry was built with."""
    import capreg._capreg as native

    return native_build(native)


def row(benchmark, capreg, peer, ratio, target, ok, values):
    return {"benchmark": benchmark, "capreg": capreg, "peer": peer, "ratio": ratio,
            "target": target, "verdict": "PASS" if ok else "MISS", "values": values}


def build_rows(calls, exact, respelled, imports):
    c, t, p = (statistics.median(calls[name]) for name in ("capreg", "table", "python"))
    vs_table, vs_python = paired_ratio(calls, "capreg", "table"), paired_ratio(calls, "capreg", "python")
    rows = [
        row("call add1: capreg pointer vs NumPy-style table", f"{c:.2f} ns", f"{t:.2f} ns",
            f"{vs_table:.3f}", "<= 1.05", vs_table <= 1.05,
            {"capreg_ns": c, "table_ns": t, "ratio": vs_table, "calls": CALLS, "rounds": ROUNDS}),
        row("call add1: capreg pointer vs Python-level call", f"{c:.2f} ns", f"{p:.1f} ns",
            f"{vs_python:.4f} ({1 / vs_python:.0f}x faster)", "<= 0.05 (20x faster)", vs_python <= 0.05,
            {"capreg_ns": c, "python_ns": p, "ratio": vs_python, "python_calls": PY_CALLS, "rounds": ROUNDS}),
    ]
    for label, (median, p90, first) in (("exact signatures", exact), ("C respellings", respelled)):
        rows.append(row(f"request+resolve 300 fns, {label}",
                        f"{median:.1f} us ({median * 1000 / 300:.0f} ns/fn)", "-", "-",
                        "< 100 us median", median < 100,
                        {"median_us": median, "p90_us": p90, "first_us": first, "iterations": RESOLVES}))
    own_ms, cumulative_ms, direct = imports
    rows.append(row("import capreg: own modules' self time", f"{own_ms:.2f} ms (cumulative {cumulative_ms:.2f} ms)",
                    "-", "-", "< 2 ms median", own_ms < 2,
                    {"own_self_ms": own_ms, "cumulative_ms": cumulative_ms, "runs": IMPORTS,
                     "direct_imports_median_cumulative_ms": direct}))
    return rows


def print_table(machine, rows):
    print(f"machine: nproc={machine['nproc']} cpu={machine['cpu']!r} python={machine['implementation']} "
          f"{machine['python']} capreg build={machine['capreg_build']} "
          f"load={machine['loadavg_before']:.2f}->{machine['loadavg_after']:.2f} "
          f"steal={machine.get('steal_percent', '?')}%")
    cols = ["benchmark", "capreg", "peer", "ratio", "target", "verdict"]
    widths = [max(len(col), *(len(r[col]) for r in rows)) for col in cols]

    def line(cells):
        return "  ".join(str(x).ljust(w) for x, w in zip(cells, widths)).rstrip()

    print(line(cols))
    print(line("-" * w for w in widths))
    for r in rows:
        print(line(r[col] for col in cols))
    direct = rows[-1]["values"]["direct_imports_median_cumulative_ms"]
    print("import capreg imports directly (median cumulative ms): "
          + ", ".join(f"{k} {v:.2f}" for k, v in direct.items()))


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
    ticks = cpu_ticks()

    # Side by side, in one process: every row below comes from this one run.
    calls = bench_calls()
    exact = bench_resolve(False)
    respelled = bench_resolve(True)
    own_ms, cumulative_ms, direct = bench_import()

    machine["loadavg_after"] = os.getloadavg()[0]
    if ticks and cpu_ticks():
        steal, total = (after - before for after, before in zip(cpu_ticks(), ticks))
        machine["steal_percent"] = round(100 * steal / max(total, 1), 1)
    direct = dict(sorted(direct.items(), key=lambda kv: -kv[1]))
    rows = build_rows(calls, exact, respelled, (own_ms, cumulative_ms, direct))
    print_table(machine, rows)

    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump({"machine": machine, "rows": rows}, f, indent=2)
        f.write("\n")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
