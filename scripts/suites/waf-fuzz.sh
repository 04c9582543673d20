#!/usr/bin/env bash
# Brief libFuzzer run over the WAF's analyze entry point (tests/waf/fuzz/waf_fuzz.c), seeded with
# the WAF corpora. Usage: scripts/suites/waf-fuzz.sh BUILD_DIR (for example build/test).
# Prints "N passed, N failed" like every suite: 1 passed when the run ends with no crash, leak,
# sanitizer report or timeout. WAF_FUZZ_SECONDS sets the duration (default 20).
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:?usage: waf-fuzz.sh BUILD_DIR}
fuzzer="$build/fuzz/waf_fuzz"
if [[ ! -x "$fuzzer" ]]; then
    echo "waf-fuzz: $fuzzer is missing (built by 'make MODE=test tests')"
    echo "0 passed, 1 failed"
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
# Seeds: one request document per corpus line, in the shape the host sends.
n=0
for f in tests/waf/corpus/attack/*.txt tests/waf/corpus/benign/*.txt; do
    while IFS= read -r line; do
        [[ -z "$line" || "$line" == "# "* || "$line" == "@"* ]] && continue
        esc=${line//\\/\\\\}
        esc=${esc//\"/\\\"}
        printf '{"method":"POST","uri":"/s?q=1","headers":[["Host","a"],["Content-Type","application/x-www-form-urlencoded"]],"body":"q=%s","client_ip":"1.2.3.4"}' \
            "$esc" >"$work/corpus/seed$n"
        n=$((n + 1))
    done <"$f"
done
secs=${WAF_FUZZ_SECONDS:-20}
if "$fuzzer" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
    tail -n 2 "$work/log"
    echo "1 passed, 0 failed"
else
    tail -n 40 "$work/log"
    for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
        [[ -f "$a" ]] && echo "waf-fuzz: artifact $(basename "$a"): $(head -c 300 "$a" | od -c | head -5)"
    done
    echo "0 passed, 1 failed"
    exit 1
fi
