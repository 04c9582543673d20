#!/usr/bin/env bash
# Short libFuzzer run of the engine's decode + validate target (fuzz/fuzz_module.c, built by
# mk/fuzz.mk into BUILD/fuzz/, where BUILD is the parent of BUILD_DIR). Counts as one test: it
# passes when the fuzzer finds nothing in FUZZ_SECONDS (default 45). The corpus grows across runs
# in BUILD/fuzz/corpus/; a finding is saved under BUILD/fuzz/artifacts/. Long runs: docs/FUZZING.md.
# Usage: bash scripts/suites/fuzz.sh BUILD_DIR   (for example build/test)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${1:?usage: fuzz.sh BUILD_DIR}
[[ "$build_dir" = /* ]] || build_dir="$root/$build_dir"
fuzz="$(dirname "$build_dir")/fuzz"
seconds=${FUZZ_SECONDS:-45}

if [[ ! -x "$fuzz/fuzz_module" || ! -d "$fuzz/seed" ]]; then
    echo "fuzz: $fuzz/fuzz_module or its seed corpus is missing (make MODE=test tests builds them)"
    echo "0 passed, 1 failed"
    exit 1
fi
mkdir -p "$fuzz/corpus" "$fuzz/artifacts"
log="$fuzz/last-run.log"
# Leak checks stay on; -rss_limit_mb and -timeout turn a memory or time bomb into a finding.
"$fuzz/fuzz_module" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$fuzz/artifacts/" "$fuzz/corpus" "$fuzz/seed" \
    >"$log" 2>&1
rc=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log"
if [[ $rc -eq 0 ]]; then
    echo "fuzz: $(ls "$fuzz/corpus" | wc -l) corpus units, no finding in ${seconds}s"
    echo "1 passed, 0 failed"
    exit 0
fi
echo "fuzz: finding (exit $rc); the log is $log:"
grep -E 'ERROR|SUMMARY|Test unit written|artifact' "$log" | head -n 20
echo "0 passed, 1 failed"
exit 1
