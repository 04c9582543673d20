#!/usr/bin/env bash
# Runs every test suite of a test build and prints one total line, "N passed, N failed".
# Usage: scripts/run-tests.sh BUILD_DIR   (for example build/test)
# Each suite is a program that ends with its own "N passed, N failed" line; a suite that dies
# without one counts as one failure. Extra suites (spec tests, fuzz smoke runs) are scripts under
# scripts/suites/, each run with BUILD_DIR and judged the same way.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: run-tests.sh BUILD_DIR}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

total_pass=0
total_fail=0
run_suite() {
    local name=$1; shift
    echo "== $name"
    local out
    out=$(mktemp)
    "$@" 2>&1 | tee "$out"
    local line
    line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    if [[ -z "$line" ]]; then
        echo "!! $name ended without a summary line"
        total_fail=$((total_fail + 1))
    else
        local p f
        p=$(sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/' <<<"$line")
        f=$(sed -E 's/^([A-Za-z]+: )?[0-9]+ passed, ([0-9]+) failed.*/\2/' <<<"$line")
        total_pass=$((total_pass + p))
        total_fail=$((total_fail + f))
    fi
    rm -f "$out"
}

for bin in "$build"/tests/*; do
    [[ -x "$bin" && -f "$bin" ]] || continue
    run_suite "$(basename "$bin")" "$bin"
done
for script in scripts/suites/*.sh; do
    [[ -f "$script" ]] || continue
    run_suite "$(basename "$script" .sh)" bash "$script" "$build"
done

echo "$total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 ]]
