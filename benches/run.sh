#!/usr/bin/env bash
# One command for the registry benchmarks: builds the C bench extension (benches/bench_ext) into
# a temporary directory, installs it into .venv-3.11 next to the capreg already installed there,
# runs every benchmark side by side in one process (benches/registry.py), prints one table and
# writes its JSON copy to bench-results/registry.json.
# Then wildsort's and awaitkit's benchmarks (awaitkit's on Python 3.11, then again on each of
# CAPREG_BENCH_MORE_PYTHONS, default "3.12 3.13", whose tables are written to
# bench-results/awaitkit-<version>.json).
# It measures the capreg that is installed: it never rebuilds capreg itself (scripts/setup.sh does).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv-3.11/bin/python"

if [ ! -x "$PY" ]; then
    echo "error: $ROOT/.venv-3.11 is missing; create it (and install capreg) with: bash scripts/setup.sh" >&2
    exit 1
fi
if ! "$PY" -c "import capreg._capreg" 2>/dev/null; then
    echo "error: capreg is not importable in .venv-3.11; install it with: bash scripts/setup.sh" >&2
    exit 1
fi

WHEELS="$(mktemp -d)"
EXT="$ROOT/benches/bench_ext"
cleanup() { rm -rf "$WHEELS" "$EXT/build" "$EXT"/*.egg-info "$EXT/api300_gen.c"; }
trap cleanup EXIT

echo "==> building capreg_bench" >&2
rm -rf "$EXT/build"  # a stale build dir would hide changes to the generated sources
"$PY" -m pip wheel -q --disable-pip-version-check --no-build-isolation --no-deps -w "$WHEELS" "$EXT" >&2
"$PY" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$WHEELS"/*.whl >&2

echo "==> running (well under a minute)" >&2
"$PY" "$ROOT/benches/registry.py" "$ROOT/bench-results/registry.json"

echo "==> wildsort: native sort_i64/sort_f64 through the registry vs sort_unstable and voracious" >&2
cargo bench -q -p wildsort --bench native

echo "==> wildsort.sort vs sorted() and numpy" >&2
if ! "$PY" -c "import numpy" 2>/dev/null; then
    "$PY" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements-bench.txt" >&2
fi
"$PY" "$ROOT/benches/wildsort_bench.py" "$ROOT/bench-results/wildsort.json"

echo "==> awaitkit: aw_double through the registry vs an async def wrapper and PyAwaitable" >&2
AW_EXT="$ROOT/benches/aw_bench_ext"
trap 'cleanup; rm -rf "$AW_EXT/build" "$AW_EXT"/*.egg-info' EXIT
if ! "$PY" -c "import pyawaitable" 2>/dev/null; then
    # Without it the extension builds with no PyAwaitable peer and its table shows "-".
    "$PY" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements-bench.txt" >&2 \
        || echo "warning: could not install requirements-bench.txt: PyAwaitable is left out" >&2
fi
# The bench extension uses the full C API (PyAwaitable's header requires it): one build per Python.
aw_bench_ext_for() {
    local py="$1" out="$WHEELS/aw-$2"
    rm -rf "$AW_EXT/build" && mkdir -p "$out"
    "$py" -m pip wheel -q --disable-pip-version-check --no-build-isolation --no-deps -w "$out" "$AW_EXT" >&2
    "$py" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$out"/*.whl >&2
}
aw_bench_ext_for "$PY" 3.11
"$PY" "$ROOT/benches/awaitkit_bench.py" "$ROOT/bench-results/awaitkit.json"

# The same on the newer Pythons the abi3 wheel serves (`make bench` installs the release build
# there too). Their `await` resumes a native awaitable through __next__ and takes its return
# value out of a StopIteration object (3.10 and 3.11 use am_send and need none), while an async
# def wrapper's frames run inline: the table shows what that costs. Fewer rounds: the ratios
# there are far from 1.
for minor in ${CAPREG_BENCH_MORE_PYTHONS-3.12 3.13}; do
    more_py="$ROOT/.venv-$minor/bin/python"
    if ! "$more_py" -c "import awaitkit" 2>/dev/null; then
        echo "warning: awaitkit is not installed in .venv-$minor: not measured on Python $minor" >&2
        continue
    fi
    echo "==> awaitkit on Python $minor" >&2
    # Building the bench extension needs setuptools; PyAwaitable is left out if it cannot be had.
    if ! "$more_py" -c "import setuptools, wheel" 2>/dev/null; then
        "$more_py" -m pip install -q --disable-pip-version-check setuptools wheel >&2
    fi
    if ! "$more_py" -c "import pyawaitable" 2>/dev/null; then
        "$more_py" -m pip install -q --disable-pip-version-check \
            "$(grep -E '^pyawaitable' "$ROOT/requirements-bench.txt")" >&2 \
            || echo "warning: could not install pyawaitable for Python $minor: PyAwaitable is left out" >&2
    fi
    aw_bench_ext_for "$more_py" "$minor"
    AWAITKIT_BENCH_ROUNDS="${AWAITKIT_BENCH_ROUNDS:-800}" \
        "$more_py" "$ROOT/benches/awaitkit_bench.py" "$ROOT/bench-results/awaitkit-$minor.json"
done
