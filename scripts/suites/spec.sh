#!/usr/bin/env bash
# The WebAssembly spec suite: converts ../shared/wasm-testsuite/*.wast with wabt's wast2json into
# BUILD_DIR/spec/ (only when a .wast is newer than its JSON), runs bin/aegis-spectest on each file
# and adds up. Each spec FILE is one test: it passes when all its commands pass, except those listed
# in tests/spec/known-failures.txt. In simd_*.wast files every module must be rejected cleanly.
# Usage: bash scripts/suites/spec.sh BUILD_DIR   (for example build/test)
# Full per-file logs: BUILD_DIR/spec/NAME.log; tables of the results: BUILD_DIR/spec/results.tsv
# and results.md (the Markdown that docs/ENGINE.md shows).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: spec.sh BUILD_DIR}
[[ "$build" = /* ]] || build="$root/$build"
suite="$root/../shared/wasm-testsuite"
known="$root/tests/spec/known-failures.txt"
runner="$build/bin/aegis-spectest"
out="$build/spec"
# Failure lines shown per file on the console; the log keeps them all.
max_shown=15

if ! compgen -G "$suite/*.wast" >/dev/null; then
    echo "spec: suite not present, skipped"
    echo "0 passed, 0 failed"
    exit 0
fi
if [[ ! -x "$runner" ]]; then
    echo "spec: $runner is missing (build it with make MODE=test programs)"
    echo "0 passed, 1 failed"
    exit 1
fi
mkdir -p "$out"

files_pass=0 files_fail=0
cmd_total=0 cmd_pass=0 cmd_known=0 cmd_skipped=0
simd_total=0 simd_pass=0
printf 'file\tsimd\tpassed\ttotal\tknown\tskipped\tresult\n' >"$out/results.tsv"

for wast in "$suite"/*.wast; do
    name=$(basename "$wast" .wast)
    json="$out/$name.json"
    if [[ ! -f "$json" || "$wast" -nt "$json" ]]; then
        if ! wast2json --enable-all -o "$json" "$wast" >"$out/$name.convert.log" 2>&1; then
            echo "FAIL $name.wast: wast2json could not convert it (see $out/$name.convert.log)"
            rm -f "$json"
            files_fail=$((files_fail + 1))
            printf '%s\t-\t0\t0\t0\t0\tconversion failed\n' "$name.wast" >>"$out/results.tsv"
            continue
        fi
    fi
    args=()
    [[ -f "$known" ]] && args=(--known "$known")
    "$runner" "${args[@]}" "$json" >"$out/$name.log" 2>&1
    summary=$(grep -E '^SPEC ' "$out/$name.log" | tail -n 1)
    if [[ -z "$summary" ]]; then
        echo "FAIL $name.wast: the runner ended without a summary (see $out/$name.log)"
        tail -n 5 "$out/$name.log"
        files_fail=$((files_fail + 1))
        printf '%s\t-\t0\t0\t0\t0\trunner failed\n' "$name.wast" >>"$out/results.tsv"
        continue
    fi
    declare -A f=()
    for kv in ${summary#SPEC }; do f[${kv%%=*}]=${kv#*=}; done
    shown=$(grep -cE '^(FAIL|CRASH) ' "$out/$name.log")
    grep -E '^(FAIL|CRASH|note) ' "$out/$name.log" | head -n "$max_shown"
    if ((shown > max_shown)); then
        echo "  ... $((shown - max_shown)) more in $out/$name.log"
    fi
    result=pass
    if [[ ${f[ok]} == 1 ]]; then
        files_pass=$((files_pass + 1))
    else
        files_fail=$((files_fail + 1))
        result=FAIL
    fi
    if [[ ${f[simd]} == 1 ]]; then
        simd_total=$((simd_total + f[total]))
        simd_pass=$((simd_pass + f[passed]))
    else
        cmd_total=$((cmd_total + f[total]))
        cmd_pass=$((cmd_pass + f[passed]))
        cmd_known=$((cmd_known + f[known]))
        cmd_skipped=$((cmd_skipped + f[skipped]))
    fi
    printf '%-40s %6s/%-6s %s\n' "$name.wast" "${f[passed]}" "${f[total]}" \
        "$([[ $result == pass ]] && echo ok || echo FAILED)$([[ ${f[known]} != 0 ]] && echo " (${f[known]} known)")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name.wast" "${f[simd]}" "${f[passed]}" "${f[total]}" \
        "${f[known]}" "${f[skipped]}" "$result" >>"$out/results.tsv"
    unset f
done

# The same table in Markdown, for docs/ENGINE.md.
{
    echo "| file | passed / commands | known failures | skipped | result |"
    echo "| --- | ---: | ---: | ---: | --- |"
    awk -F'\t' 'NR > 1 { printf "| %s | %s / %s | %s | %s | %s |\n", $1, $3, $4, $5, $6, $7 }' \
        "$out/results.tsv"
    echo
    echo "Non-SIMD commands: $cmd_pass of $cmd_total passed, $cmd_known known failures," \
        "$cmd_skipped text-format modules not applicable. SIMD files: $simd_pass of $simd_total" \
        "commands passed (modules rejected, or run when they use no SIMD)."
} >"$out/results.md"

echo "commands: $cmd_pass of $cmd_total passed (non-SIMD); $cmd_known known failures;" \
    "$cmd_skipped text modules skipped"
echo "SIMD files: $simd_pass of $simd_total commands passed (SIMD modules rejected cleanly)"
echo "files: $files_pass of $((files_pass + files_fail)) passed (table: $out/results.tsv)"
echo "$files_pass passed, $files_fail failed"
[[ $files_fail -eq 0 ]]
