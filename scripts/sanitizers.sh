#!/usr/bin/env bash
# The sanitizer lane (part of `make test`):
# 1. the C test extensions and consumers built with -fsanitize=address,undefined, installed with
#    the other wheels into their own venv, and the suite run against the registry with the ASan
#    and UBSan runtimes preloaded (Python itself is not instrumented); a canary shows that both
#    sanitizers report;
# 2. a workload (import, request, resolve, sort, await; tests/sanitizers/workload.py) run under
#    valgrind for two numbers of rounds: bytes "definitely lost" must not grow with the rounds.
# Expects scripts/setup.sh to have built dist/.
source "$(dirname "$0")/env.sh"

first="${TEST_PYTHONS%% *}"
ASAN_VENV="$ROOT/.venv-asan"
ASAN_DIST="$ROOT/dist-asan"
SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
# detect_leaks=0: CPython keeps much of its memory until exit by design; leaks are valgrind's part.
SAN_ENV=(LD_PRELOAD="$PRELOAD" PYTHONMALLOC=malloc
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:detect_odr_violation=0
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1)

command -v valgrind >/dev/null || { log "installing valgrind"; apt-get install -y -q valgrind >/dev/null; }

log "sanitizers: building the C extensions with $SAN_FLAGS"
if [ ! -x "$ASAN_VENV/bin/python" ]; then "$(python_for "$first")" -m venv "$ASAN_VENV"; fi
if [ ! -f "$ASAN_VENV/.deps-ok" ] || [ "$ROOT/requirements-dev.txt" -nt "$ASAN_VENV/.deps-ok" ]; then
    "$ASAN_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements-dev.txt" setuptools wheel
    touch "$ASAN_VENV/.deps-ok"
fi
rm -rf "$ASAN_DIST" && mkdir -p "$ASAN_DIST"
for project in tests/extensions/c_provider tests/extensions/c_consumer examples/c_extension tests/extensions/aw_consumer_c; do
    rm -rf "$project/build"
    CFLAGS="$SAN_FLAGS" LDFLAGS="-fsanitize=address,undefined" "$ASAN_VENV/bin/python" -m pip wheel -q \
        --disable-pip-version-check --no-build-isolation --no-deps -w "$ASAN_DIST" "$project" >&2
    rm -rf "$project/build" "$project"/*.egg-info
done
"$ASAN_VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$DIST"/*.whl
"$ASAN_VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$ASAN_DIST"/*.whl

log "sanitizers: the canary (each sanitizer must report its deliberate bug)"
canary="$ASAN_DIST/canary.so"
# shellcheck disable=SC2086
gcc $SAN_FLAGS -shared -fPIC -o "$canary" tests/sanitizers/canary.c
for bug in "canary_heap_overflow(4):heap-buffer-overflow" "canary_signed_overflow(1):signed integer overflow"; do
    call="${bug%%:*}" expected="${bug#*:}"
    out=$(env "${SAN_ENV[@]}" "$ASAN_VENV/bin/python" -c "import ctypes; ctypes.CDLL('$canary').$call" 2>&1 || true)
    if ! grep -q "$expected" <<<"$out"; then
        echo "sanitizer lane broken: $call did not report '$expected'; it printed:" >&2
        echo "$out" >&2
        exit 1
    fi
done

# The stub checks (type checking) and the source scan of extern "C" fns run nothing native; the
# RSS bounds do not hold under ASan, whose quarantine keeps freed memory by design (valgrind
# below is this lane's memory check).
log "sanitizers: pytest with the instrumented C extensions (ASan + UBSan preloaded)"
(cd tests && env "${SAN_ENV[@]}" "$ASAN_VENV/bin/python" -m pytest -q -p no:cacheprovider \
    -c "$ROOT/pyproject.toml" --rootdir "$ROOT" "$ROOT/tests" -k "not stub and not extern_c and not memory_bounds")

log "valgrind: bytes definitely lost must not grow with the rounds of the workload"
lost_after() {
    (cd tests && PYTHONMALLOC=malloc valgrind --leak-check=full --show-leak-kinds=definite \
        "$(venv_for "$first")/bin/python" sanitizers/workload.py "$1" 2>&1 >/dev/null) |
        sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' | tr -d ,
}
few=$(lost_after 20)
many=$(lost_after 120)
echo "definitely lost: ${few:-0} bytes after 20 rounds, ${many:-0} bytes after 120 rounds"
if [ -z "$few" ] || [ -z "$many" ]; then
    echo "valgrind printed no leak summary: the workload did not run to its end" >&2
    exit 1
fi
# 100 more rounds: a leak of even 8 bytes per round would show as 800.
if [ "$many" -gt $((few + 256)) ]; then
    echo "memory lost for good grows with the rounds: $few -> $many bytes" >&2
    exit 1
fi
