#!/usr/bin/env bash
# The fuzz targets of fuzz/ (libFuzzer via libfuzzer-sys, AddressSanitizer), built with the
# nightly toolchain as cargo-fuzz builds them, run one after another.
#
#   bash scripts/fuzz.sh            # each target for FUZZ_SECONDS (default 180), growing the
#                                   # corpus in target/fuzz/corpus/<target> (seeded from fuzz/corpus)
#   bash scripts/fuzz.sh --smoke    # each target for FUZZ_SMOKE_SECONDS (default 20) on a copy
#                                   # of the kept corpus: what `make test` runs
#   FUZZ_TARGETS="registry wildsort" picks targets. A crash leaves its reproducer in
#   target/fuzz/artifacts/<target>/; rerun it with: target/fuzz/.../release/<target> <file>
#
# Without a nightly toolchain, says so loudly and exits 0 (only the fuzzing is skipped).
source "$(dirname "$0")/env.sh"

mode=long
[ "${1:-}" = "--smoke" ] && mode=smoke
seconds="${FUZZ_SECONDS:-180}"
[ "$mode" = smoke ] && seconds="${FUZZ_SMOKE_SECONDS:-20}"
targets="${FUZZ_TARGETS:-signature_text signature_tree versions registry wildsort}"
host="x86_64-unknown-linux-gnu"

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    printf '\033[1;31m%s\033[0m\n' \
        "!!! SKIPPED: the fuzz targets need the nightly toolchain (rustup toolchain install nightly); no fuzzing ran" >&2
    exit 0
fi

# As cargo-fuzz builds: SanitizerCoverage for libFuzzer, AddressSanitizer, `cfg(fuzzing)`;
# release with debug assertions and overflow checks (fuzz/Cargo.toml). --target keeps the
# flags off build scripts and proc macros.
log "fuzz: building the targets (nightly, AddressSanitizer)"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Zsanitizer=address -Cforce-frame-pointers"
fuzz_target_dir="$ROOT/target/fuzz"
(cd fuzz && cargo +nightly build --release --locked --target "$host" --target-dir "$fuzz_target_dir" --bins)
bin_dir="$fuzz_target_dir/$host/release"

status=0
for t in $targets; do
    corpus="$fuzz_target_dir/corpus/$t"
    artifacts="$fuzz_target_dir/artifacts/$t"
    if [ "$mode" = smoke ]; then rm -rf "$corpus"; fi
    mkdir -p "$corpus" "$artifacts"
    cp -n fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
    args=(-max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/")
    # Past the 4096-byte limit for the parser's text; shorter inputs run faster elsewhere.
    case "$t" in
        signature_text) args+=(-dict="$ROOT/fuzz/signature.dict" -max_len=8192) ;;
        signature_tree) args+=(-max_len=1024) ;;
        wildsort) args+=(-max_len=2048) ;;
    esac
    # versions and registry publish into a registry kept for the run, whose versions are
    # leaked on purpose (never unpublished). semver keeps a long pre-release or build
    # identifier behind a tagged pointer that LeakSanitizer cannot follow, so those intended,
    # still reachable allocations read as leaks: leak detection is off for these two only.
    # (-detect_leaks=0 is libFuzzer's check after each input; ASAN_OPTIONS the one at exit.)
    asan_options="${ASAN_OPTIONS:-}"
    case "$t" in versions | registry)
        args+=(-detect_leaks=0)
        asan_options="detect_leaks=0${asan_options:+:$asan_options}"
        ;;
    esac
    log "fuzz: $t for ${seconds}s"
    if ASAN_OPTIONS="$asan_options" nice -n 10 "$bin_dir/$t" "${args[@]}" "$corpus" >"$fuzz_target_dir/$t.log" 2>&1; then
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$fuzz_target_dir/$t.log" |
            tr '\n' ' ' >&2 || true
        echo >&2
    else
        status=1
        printf '\033[1;31mfuzz: %s FAILED; reproducer in %s, log %s\033[0m\n' "$t" "$artifacts" "$fuzz_target_dir/$t.log" >&2
        grep -E -A12 'panicked at|ERROR: AddressSanitizer|ERROR: libFuzzer|SUMMARY' "$fuzz_target_dir/$t.log" | head -40 >&2
    fi
done
if [ "$status" = 0 ]; then
    echo "fuzz: $(echo $targets | wc -w) passed, 0 failed"
fi
exit $status
