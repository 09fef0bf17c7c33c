#!/usr/bin/env bash
# Builds every extension once (abi3: one wheel per project serves Python 3.9+) and installs the
# wheels, each separately, into one venv per Python in TEST_PYTHONS. Idempotent and incremental.
# Usage: scripts/setup.sh [--release]
source "$(dirname "$0")/env.sh"

PROFILE_FLAG=""
if [ "${1:-}" = "--release" ]; then PROFILE_FLAG="--release"; fi

# 1. One venv per Python; the first also holds the build tools.
first=""
for minor in $TEST_PYTHONS; do
    venv=$(venv_for "$minor")
    if [ ! -x "$venv/bin/python" ]; then
        log "creating $venv"
        "$(python_for "$minor")" -m venv "$venv"
    fi
    if [ ! -f "$venv/.deps-ok" ] || [ "$ROOT/requirements-dev.txt" -nt "$venv/.deps-ok" ]; then
        log "installing test dependencies into $venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements-dev.txt"
        touch "$venv/.deps-ok"
    fi
    # mypy, for the stub checks: wherever it installs; a Python it does not support skips them.
    if [ ! -f "$venv/.typing-ok" ] || [ "$ROOT/requirements-typing.txt" -nt "$venv/.typing-ok" ]; then
        if "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements-typing.txt"; then
            touch "$venv/.typing-ok"
        else
            log "mypy did not install on Python $minor: tests/test_stubs.py skips there"
        fi
    fi
    [ -n "$first" ] || first="$minor"
done
BUILD_VENV=$(venv_for "$first")
BUILD_PY="$BUILD_VENV/bin/python"
if ! "$BUILD_PY" -m maturin --version >/dev/null 2>&1 || ! "$BUILD_PY" -c "import setuptools, wheel" 2>/dev/null; then
    log "installing build tools into $BUILD_VENV"
    "$BUILD_PY" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements-build.txt"
fi

# 2. Build: Rust extensions with maturin (one at a time: they share one target dir), C ones
#    with setuptools against the limited API.
rm -rf "$DIST" && mkdir -p "$DIST"
RUST_PROJECTS=(. tests/extensions/rs_provider tests/extensions/rs_consumer examples/pyo3_extension crates/wildsort-py crates/awaitkit)
# libwildsort is a plain cdylib (no Python): build it, then ship it inside the wildsort wheel.
log "cargo build -p wildsort -p sort-without-python ${PROFILE_FLAG:-(debug)}"
cargo build -q -p wildsort -p sort-without-python $PROFILE_FLAG
profile_dir=debug
[ -n "$PROFILE_FLAG" ] && profile_dir=release
# The file keeps the platform's name for it (libwildsort.so, libwildsort.dylib, wildsort.dll),
# which wildsort._library.file_name() gives and PATH uses.
wildsort_lib=$("$BUILD_PY" -c 'import runpy, sys; print(runpy.run_path(sys.argv[1])["file_name"]())' \
    crates/wildsort-py/python/wildsort/_library.py)
cp "$CARGO_TARGET_DIR/$profile_dir/$wildsort_lib" "crates/wildsort-py/python/wildsort/$wildsort_lib"
C_PROJECTS=(tests/extensions/c_provider tests/extensions/c_consumer examples/c_extension tests/extensions/aw_consumer_c)
for project in "${RUST_PROJECTS[@]}"; do
    [ -f "$project/pyproject.toml" ] || continue
    log "maturin build $project ${PROFILE_FLAG:-(debug)}"
    (cd "$project" && "$BUILD_PY" -m maturin build $PROFILE_FLAG --compatibility linux \
        -i "$BUILD_PY" -o "$DIST" 2>&1 | grep -vE '^\s*(Compiling|Checking)' ) >&2
done
for project in "${C_PROJECTS[@]}"; do
    [ -f "$project/pyproject.toml" ] || continue
    log "pip wheel $project"
    rm -rf "$project/build"
    "$BUILD_PY" -m pip wheel -q --disable-pip-version-check --no-build-isolation --no-deps -w "$DIST" "$project" >&2
    rm -rf "$project/build" "$project"/*.egg-info
done

# 3. Install each wheel separately, as users deploy them.
for minor in $TEST_PYTHONS; do
    venv=$(venv_for "$minor")
    log "installing $(ls "$DIST" | wc -l) wheels into $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$DIST"/*.whl
done
