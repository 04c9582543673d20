#!/usr/bin/env bash
# Suite: the wasm-registry program on a real SVM. Builds the program in the given build tree
# (`make contracts`: clang's BPF target + contracts/tools/sbpf-link), installs the npm peers
# (scripts/peers-install.sh solana: LiteSVM, Anchor's coder), runs tests/contracts/litesvm/ with
# node's test runner, prints the compute units each instruction used, and ends with one line
# "N passed, N failed".
# Usage: bash scripts/suites/contracts.sh BUILD_DIR   (for example build/test)
set -uo pipefail
cd "$(dirname "$0")/../.."
dir=${1:?usage: contracts.sh BUILD_DIR}
build=$(dirname "$dir")
mode=$(basename "$dir")

fail() {
    echo "contracts: $1" >&2
    echo "0 passed, 1 failed"
    exit 1
}

[[ "$mode" == test || "$mode" == release ]] || fail "BUILD_DIR must end in /test or /release: $dir"
log=$(mktemp)
if ! make --no-print-directory BUILD="$build" MODE="$mode" contracts >"$log" 2>&1; then
    tail -20 "$log" >&2
    rm -f "$log"
    fail "make contracts failed"
fi
rm -f "$log"
scripts/peers-install.sh solana || fail "npm peers unavailable"
command -v node >/dev/null || fail "node missing"

so="$dir/contracts/wasm_registry.so"
cu="$dir/contracts/compute-units.json"
out=$(mktemp)
REGISTRY_SO="$PWD/$so" REGISTRY_CU_OUT="$PWD/$cu" \
    timeout 300 node --test --test-reporter=tap tests/contracts/litesvm/ >"$out" 2>&1
rc=$?
grep -E '^(not )?ok |^# ' "$out" | grep -v '^# Subtest' 
if [[ $rc -ne 0 ]]; then
    grep -E -A12 '^not ok' "$out" | head -80
fi
[[ -f "$cu" ]] && sed -n 's/^ *"\(.*\)": \([0-9]*\),\{0,1\}$/compute units: \1 = \2/p' "$cu"
pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out")
failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$out")
rm -f "$out"
[[ -n "$pass" && -n "$failed" ]] || fail "node test runner gave no summary (exit $rc)"
# A runner that died after its summary still counts as a failure.
if [[ $rc -ne 0 && $failed -eq 0 ]]; then
    failed=1
fi
echo "$pass passed, $failed failed"
[[ $failed -eq 0 ]]
