"""awaitkit against a plain `async def` wrapper and PyAwaitable 2.x, side by side in one run;
prints one table (run through benches/run.sh, which builds and installs benches/aw_bench_ext).

The function measured, three ways (the C ones in benches/aw_bench_ext/):
  - awaitkit:    aw_double(coro): new_awaitable, add_await(coro, callback: set_result(2 * value)),
                 return it; awaitkit reached through the registry (Awaitkit_Import "^1.0");
  - async def:   async def py_double(coro): return 2 * await coro
  - PyAwaitable: pa_double(coro), the same C function on the pyawaitable 2.x package's C API.
Rows (targets from the awaitkit issue):
  - coroutine returning at once (`async def one(): return 1`): awaitkit <= 1.2x the async def
    wrapper, and >= 3x faster than PyAwaitable;
  - coroutine doing one `await asyncio.sleep(0)` first: awaitkit <= 1.0x the async def wrapper
    (PyAwaitable shown for reference).
Each variant runs `for _ in range(n): total += await f(make())` inside its own asyncio event loop
(one loop per variant, created once), timed with time.perf_counter_ns inside the coroutine; the
variants are interleaved in every round and the best of ROUNDS is kept, in ns per await
(creating the inner coroutine and the loop's own step included, alike in every variant).
A benchmark reports; it never fails. A missed target is a MISS in the table, exit status 0.

Usage: python benches/awaitkit_bench.py JSON_OUT
"""

import asyncio
import json
import os
import platform
import sys
import time

import awaitkit
import capreg_aw_bench as ext
from _machine import cpu_model, cpu_ticks, native_build

N_FAST = 100_000  # awaits per timed loop, coroutine returning at once
N_SLEEP = 20_000  # awaits per timed loop, coroutine doing one asyncio.sleep(0)
ROUNDS = int(os.environ.get("AWAITKIT_BENCH_ROUNDS", "5"))  # best of


async def one():
    return 1


async def one_sleep():
    await asyncio.sleep(0)
    return 1


async def py_double(coro):
    return 2 * await coro


async def driver(fn, make, n):
    """(ns, checksum) of n awaits of fn(make())."""
    total = 0
    start = time.perf_counter_ns()
    for _ in range(n):
        total += await fn(make())
    return time.perf_counter_ns() - start, total


async def floor_driver(make, n):
    """The same loop with no wrapper at all (`2 * await make()` inline): the floor every variant
    shares, printed for context (a variant's own cost is its time minus this)."""
    total = 0
    start = time.perf_counter_ns()
    for _ in range(n):
        total += 2 * await make()
    return time.perf_counter_ns() - start, total


def variants():
    v = {"awaitkit": ext.aw_double, "async def": py_double}
    if ext.HAVE_PYAWAITABLE:
        v["PyAwaitable"] = ext.pa_double
    return v


def bench(make, n):
    """Best-of-ROUNDS ns per await for each variant and the floor, each in its own event loop,
    interleaved in every round so that drift (a neighbour's build) hits them alike."""
    runs = [(name, lambda count, fn=fn: driver(fn, make, count)) for name, fn in variants().items()]
    runs.append(("floor", lambda count: floor_driver(make, count)))
    loops = {name: asyncio.new_event_loop() for name, _ in runs}
    best = {name: float("inf") for name, _ in runs}
    try:
        for name, run in runs:  # warm-up: first calls, allocator, the loop's own structures
            loops[name].run_until_complete(run(1000))
        for _ in range(ROUNDS):
            for name, run in runs:
                ns, total = loops[name].run_until_complete(run(n))
                if total != 2 * n:
                    raise SystemExit(f"{name}: checksum {total} != {2 * n}: the loop did not do the work")
                best[name] = min(best[name], ns / n)
    finally:
        for loop in loops.values():
            loop.close()
    return best


def build_rows(fast, slow):
    rows = []

    def row(name, ours, peer, kind, target, limit, peer_name, reference=False):
        if peer is None:
            rows.append({"benchmark": name, "awaitkit_ns": ours, "peer_ns": None, "peer_name": peer_name,
                         "ratio": None, "kind": kind, "target": target, "verdict": "-"})
            return
        # slowdown: awaitkit / peer (lower is better); speedup: peer / awaitkit (higher is better)
        ratio = ours / peer if kind == "slowdown" else peer / ours
        ok = ratio <= limit if kind == "slowdown" else ratio >= limit
        rows.append({"benchmark": name, "awaitkit_ns": ours, "peer_ns": peer, "peer_name": peer_name,
                     "ratio": ratio, "kind": kind, "target": target,
                     "verdict": "-" if reference else ("PASS" if ok else "MISS")})

    pa_fast, pa_slow = fast.get("PyAwaitable"), slow.get("PyAwaitable")
    row("await one(): awaitkit vs async def wrapper", fast["awaitkit"], fast["async def"],
        "slowdown", "<= 1.2x async def", 1.2, "async def")
    row("await one(): awaitkit vs PyAwaitable", fast["awaitkit"], pa_fast,
        "speedup", ">= 3x faster", 3, "PyAwaitable")
    row("await one() with sleep(0): awaitkit vs async def wrapper", slow["awaitkit"], slow["async def"],
        "slowdown", "<= 1.0x async def", 1.0, "async def")
    row("await one() with sleep(0): awaitkit vs PyAwaitable", slow["awaitkit"], pa_slow,
        "speedup", "(peer, for reference)", 0, "PyAwaitable", reference=True)
    return rows


def ratio_text(r):
    if r["ratio"] is None:
        return "-"
    if r["kind"] == "slowdown":
        return f"{r['ratio']:.3f}x"
    return f"{r['ratio']:.2f}x faster" if r["ratio"] >= 1 else f"{1 / r['ratio']:.2f}x slower"


def print_table(machine, rows, fast, slow):
    print(f"awaitkit {awaitkit.__version__} (build={machine['awaitkit_build']}, capreg build={machine['capreg_build']}) "
          f"vs async def and PyAwaitable {ext.PYAWAITABLE_VERSION or '- (not built in)'}; "
          f"python={machine['implementation']} {machine['python']} nproc={machine['nproc']} cpu={machine['cpu']!r} "
          f"load={machine['loadavg_before']:.2f}->{machine['loadavg_after']:.2f} "
          f"steal={machine.get('steal_percent', '?')}%")
    print(f"ns per await, best of {ROUNDS} rounds of N={N_FAST:,} (N={N_SLEEP:,} with sleep(0)), one event loop "
          f"per variant; ratio: x = awaitkit/peer, 'faster' = peer/awaitkit")
    header = ["benchmark", "measured", "peer", "ratio", "target", "verdict"]
    table = [[r["benchmark"], f"{r['awaitkit_ns']:.0f} ns",
              "-" if r["peer_ns"] is None else f"{r['peer_ns']:.0f} ns ({r['peer_name']})",
              ratio_text(r), r["target"], r["verdict"]] for r in rows]
    widths = [max(len(str(x[i])) for x in table + [header]) for i in range(len(header))]
    for line in [header] + table:
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip())
    print(f"floor (same loop, `2 * await one()` inline, no wrapper): {fast['floor']:.0f} ns; with sleep(0): "
          f"{slow['floor']:.0f} ns. Over the floor: "
          + ", ".join(f"{name} +{fast[name] - fast['floor']:.0f} / +{slow[name] - slow['floor']:.0f} ns"
                      for name in variants()))


def main(json_out):
    import capreg._capreg as capreg_native

    machine = {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "awaitkit_version": awaitkit.__version__,
        "awaitkit_build": native_build(awaitkit._awaitkit),
        "capreg_build": native_build(capreg_native),
        "pyawaitable_version": ext.PYAWAITABLE_VERSION,
        "loadavg_before": os.getloadavg()[0],
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    ticks = cpu_ticks()

    # Side by side, in one process: every row below comes from this one run.
    fast = bench(one, N_FAST)
    slow = bench(one_sleep, N_SLEEP)

    machine["loadavg_after"] = os.getloadavg()[0]
    if ticks and cpu_ticks():
        steal, total = (after - before for after, before in zip(cpu_ticks(), ticks))
        machine["steal_percent"] = round(100 * steal / max(total, 1), 1)
    rows = build_rows(fast, slow)
    print_table(machine, rows, fast, slow)

    os.makedirs(os.path.dirname(os.path.abspath(json_out)), exist_ok=True)
    with open(json_out, "w") as f:
        json.dump({"machine": machine, "rounds": ROUNDS, "n": {"immediate": N_FAST, "sleep0": N_SLEEP},
                   "ns_per_await": {"immediate": fast, "sleep0": slow}, "rows": rows}, f, indent=2)
        f.write("\n")
    print(f"wrote {json_out}")


if __name__ == "__main__":
    main(sys.argv[1])
