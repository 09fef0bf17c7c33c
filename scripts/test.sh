#!/usr/bin/env bash
# Every test: Rust unit tests, the C header and ABI layout checks, then the pytest suite on each
# Python in TEST_PYTHONS against one abi3 build of every extension.
source "$(dirname "$0")/env.sh"

log "cargo fmt --check, cargo clippy -D warnings"
cargo fmt --all -- --check
cargo clippy -q --workspace --all-targets -- -D warnings

log "cargo test (capreg-abi, capreg, capreg-header, wildsort: ABI, layout, error codes, header freshness)"
cargo test -q -p capreg-abi -p capreg -p capreg-header -p wildsort 2>&1 | grep -vE '^\s*(Compiling|Checking|Running|Doc-tests)' || exit 1

# Each fuzz target for ~20 s on the kept corpus (fuzz/corpus): a regression on an input that
# once found a bug shows here. Skipped, loudly, where there is no nightly toolchain.
log "fuzz smoke: each fuzz target for ${FUZZ_SMOKE_SECONDS:-20}s on its kept corpus (nightly, ASan)"
bash scripts/fuzz.sh --smoke

bash scripts/setup.sh

# awaitkit's Rust tests (header freshness, the import macro against its declaration) link
# libpython, so they run without the extension-module feature, against the first venv's Python.
# LD_LIBRARY_PATH: a Python built with a shared libpython (pyenv's 3.12, for one) keeps it in its
# own LIBDIR, where the test binaries would not find it.
log "cargo test -p awaitkit (header freshness)"
first_python="$(venv_for "${TEST_PYTHONS%% *}")/bin/python"
libdir="$("$first_python" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR") or "")')"
PYO3_PYTHON="$first_python" LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    cargo test -q -p awaitkit --no-default-features 2>&1 | grep -vE '^\s*(Compiling|Checking|Running|Doc-tests)' || exit 1

status=0
for minor in $TEST_PYTHONS; do
    venv=$(venv_for "$minor")
    log "pytest on Python $minor"
    # Run from tests/ so that the installed wheels, not the source tree, are imported.
    (cd tests && "$venv/bin/python" -m pytest -q -p no:cacheprovider -c "$ROOT/pyproject.toml" --rootdir "$ROOT" "$ROOT/tests") || status=1
done
[ $status -eq 0 ] || exit $status

bash scripts/sanitizers.sh
