#!/usr/bin/env bash
# The engine benchmark: builds the kernels (native and wasm32-wasi), the engine driver and the V8
# driver's inputs in release mode, runs every kernel natively, in our engine and in Node.js's V8
# in one run, checks that all three computed the same checksum, and prints a Markdown report:
# median times, each runtime's slowdown against native, their geometric means, and the
# instantiation time of a small module.
#
# Usage: bench/engine/run.sh            (from anywhere; about 2-5 minutes on 2 cores)
# Environment: BUILD (build tree, default build-bench), REPS (rounds: native and V8 calls per
#   kernel, default 5), ENGINE_REPS (engine calls per kernel, default 3), INSTANTIATIONS (default
#   2000), ENGINE_TIMEOUT_S (per engine call, default 300), KERNELS (names to run, default all).
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build-bench}
REPS=${REPS:-5}
ENGINE_REPS=${ENGINE_REPS:-3}
INSTANTIATIONS=${INSTANTIATIONS:-2000}
ENGINE_TIMEOUT_S=${ENGINE_TIMEOUT_S:-300}
OUT=$BUILD/release/bench/engine

# Iterations per kernel, sized for roughly 0.25 s natively on the machine of docs/PERFORMANCE.md.
declare -A ITERATIONS=([hash]=5000 [matmul]=3000 [recurse]=12000 [scan]=4000 [sort]=300
                       [tokenize]=10000 [vm]=160)
KERNELS=${KERNELS:-"hash matmul recurse scan sort tokenize vm"}

log() { echo "bench-engine: $*" >&2; }
die() { log "$*"; exit 1; }

command -v node >/dev/null || die "node is not installed (Debian package nodejs)"
mkdir -p "$OUT"
log "building kernels and drivers (make MODE=release BUILD=$BUILD)"
make --no-print-directory -j2 MODE=release BUILD="$BUILD" bench-engine-kernels >"$OUT.build.log" 2>&1 ||
    { tail -20 "$OUT.build.log" >&2; die "building the kernels failed (log: $OUT.build.log)"; }
engine_note=""
engine_built=1
if ! make --no-print-directory -j2 MODE=release BUILD="$BUILD" bench-engine-bins >>"$OUT.build.log" 2>&1; then
    tail -5 "$OUT.build.log" >&2
    engine_built=0
    engine_note="the engine driver did not build (log: $OUT.build.log); its columns are empty"
    log "$engine_note"
fi

# median FILE: the median of the numbers in FILE, one per line.
median() {
    sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1;
        if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# field NAME: the value of NAME=value in each line on stdin.
field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# run_once KERNEL RUNNER: one timed call of run() in a fresh process of RUNNER, its output lines
# appended to $tmp/K.RUNNER.out; returns non-zero (with the reason on stderr) when it failed.
# V8 gets one untimed warm-up call first, so that its timed call runs optimised code.
run_once() {
    local k=$1 runner=$2 it=${ITERATIONS[$1]} out=$tmp/$1.$2.out rc
    case $runner in
    native) "$OUT/native/$k" "$it" 1 >>"$out" 2>"$out.err" ;;
    engine) timeout "$ENGINE_TIMEOUT_S" "$OUT/run_engine" run "$OUT/wasm/$k.wasm" "$it" 1 \
                >>"$out" 2>"$out.err" ;;
    v8) node bench/engine/run_node.mjs run "$OUT/wasm/$k.wasm" "$it" 1 1 >>"$out" 2>"$out.err" ;;
    esac
    rc=$?
    [[ $rc -eq 0 ]] || log "$k/$runner failed (exit $rc): $(tail -1 "$out.err")"
    return $rc
}

rows=()
declare -A compile_ms=([engine]="" [v8]="")
for k in $KERNELS; do
    [[ -n ${ITERATIONS[$k]:-} ]] || die "unknown kernel $k"
    declare -A ok=([native]=1 [engine]=1 [v8]=1) med=()
    [[ $engine_built -eq 1 ]] || ok[engine]=0
    # Rounds interleave the runners, so that a change in the machine's load between rounds
    # touches all three alike instead of one runner's whole series.
    for ((round = 0; round < REPS; round++)); do
        log "$k: round $((round + 1))/$REPS"
        for runner in native engine v8; do
            [[ ${ok[$runner]} -eq 1 ]] || continue
            [[ $runner != engine || $round -lt $ENGINE_REPS ]] || continue
            run_once "$k" "$runner" || { ok[$runner]=0; failures=$((failures + 1)); }
        done
    done
    for runner in native engine v8; do
        grep -s '^result ' "$tmp/$k.$runner.out" | field ms >"$tmp/$k.$runner.ms"
        grep -s -E '^(result|warmup) ' "$tmp/$k.$runner.out" | field checksum | sort -u >"$tmp/$k.$runner.sum"
        med[$runner]=""
        [[ ${ok[$runner]} -eq 1 ]] && med[$runner]=$(median "$tmp/$k.$runner.ms")
    done
    # Every call of every runner must give the native checksum.
    expected=$(cat "$tmp/$k.native.sum")
    check="ok"
    [[ $(wc -l <"$tmp/$k.native.sum") -eq 1 ]] || { check="native checksums differ between runs"; failures=$((failures + 1)); }
    for runner in engine v8; do
        [[ -n ${med[$runner]} ]] || continue
        if [[ $(cat "$tmp/$k.$runner.sum") != "$expected" ]]; then
            check="MISMATCH ($runner: $(tr '\n' ' ' <"$tmp/$k.$runner.sum"))"
            med[$runner]=""
            failures=$((failures + 1))
        fi
    done
    for runner in engine v8; do
        c=$(grep -s '^compile ' "$tmp/$k.$runner.out" | head -1 | field ms)
        [[ -z $c ]] || compile_ms[$runner]=$(awk -v a="${compile_ms[$runner]:-0}" -v b="$c" 'BEGIN { printf "%.1f", a + b }')
    done
    rows+=("$k ${ITERATIONS[$k]} ${med[native]:--} ${med[engine]:--} ${med[v8]:--} $expected $check")
    unset ok med
done

# Instantiation of the small module.
small=$OUT/wasm/small_module.wasm
inst_engine="" ; inst_v8=""
if [[ $engine_built -eq 1 ]]; then
    log "instantiation: engine ($INSTANTIATIONS)"
    if "$OUT/run_engine" instantiate "$small" "$INSTANTIATIONS" >"$tmp/inst.engine" 2>"$tmp/inst.engine.err"; then
        inst_engine=$(cat "$tmp/inst.engine")
    else
        log "instantiation in the engine failed: $(tail -1 "$tmp/inst.engine.err")"
        failures=$((failures + 1))
    fi
fi
log "instantiation: v8 ($INSTANTIATIONS)"
if node bench/engine/run_node.mjs instantiate "$small" "$INSTANTIATIONS" >"$tmp/inst.v8" 2>"$tmp/inst.v8.err"; then
    inst_v8=$(cat "$tmp/inst.v8")
else
    log "instantiation in V8 failed: $(tail -1 "$tmp/inst.v8.err")"
    failures=$((failures + 1))
fi
if [[ -n $inst_engine && -n $inst_v8 &&
      $(field checksum <<<"$inst_engine") != $(field checksum <<<"$inst_v8") ]]; then
    log "the small module answers differently in the engine and in V8"
    failures=$((failures + 1))
fi
# Restore strategies compared on the same requests (bench/engine/restore_strategies.c: libc
# only, so it is compiled here with the kernels' flags).
restore_out=""
log "restore strategies"
if gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$OUT/restore_strategies" \
        bench/engine/restore_strategies.c >>"$OUT.build.log" 2>&1 &&
    "$OUT/restore_strategies" "$INSTANTIATIONS" >"$tmp/restore" 2>"$tmp/restore.err"; then
    restore_out=$(cat "$tmp/restore")
else
    log "restore strategies failed: $(tail -1 "$tmp/restore.err" 2>/dev/null)"
    failures=$((failures + 1))
fi
# inst_value OUTPUT WHAT: the median of one instantiation measurement, "-" when there is none.
inst_value() {
    local v
    v=$(grep "what=$2 " <<<"$1" | field median_us)
    echo "${v:--}"
}

# ---- Report (also saved next to the build, for docs/PERFORMANCE.md) ----
report() {
    echo "Run: \`bench/engine/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores," \
         "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); gcc $(gcc -dumpfullversion)," \
         "clang $(clang -dumpversion), node $(node --version). Medians of $REPS interleaved rounds (engine: the first $ENGINE_REPS); V8 timed after one warm-up call."
    [[ -z $engine_note ]] || echo "Note: $engine_note."
    echo
    echo "| kernel | iterations | native ms | engine ms | V8 ms | engine / native | V8 / native | checksum |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    printf '%s\n' "${rows[@]}" | awk '
function ratio(x, n) { return (x == "-" || n == "-" || n == 0) ? "-" : sprintf("%.2fx", x / n) }
function ms(x) { return x == "-" ? "-" : sprintf("%.1f", x) }
{
    k = $1; it = $2; n = $3; e = $4; v = $5; sum = $6; check = $7; for (i = 8; i <= NF; i++) check = check " " $i
    printf "| %s | %s | %s | %s | %s | %s | %s | %s %s |\n", k, it, ms(n), ms(e), ms(v), ratio(e, n), ratio(v, n), sum, (check == "ok" ? "(all equal)" : check)
    if (e != "-" && n != "-") { le += log(e / n); ne++ }
    if (v != "-" && n != "-") { lv += log(v / n); nv++ }
}
END {
    ge = ne ? sprintf("**%.2fx** (%d kernels)", exp(le / ne), ne) : "-"
    gv = nv ? sprintf("**%.2fx** (%d kernels)", exp(lv / nv), nv) : "-"
    printf "| **geometric mean** | | | | | %s | %s | |\n", ge, gv
}'
    echo
    echo "Compiling the kernel modules (sum over all kernels, milliseconds): engine" \
         "${compile_ms[engine]:--} (eng_module_new: decode, validate, compile)," \
         "V8 ${compile_ms[v8]:--} (new WebAssembly.Module; V8 compiles further, lazily and in the background, while the code runs)."
    echo
    echo "Instantiation of a small module ($(stat -c %s "$small") bytes, one 64 KiB page), median of $INSTANTIATIONS, microseconds:"
    echo
    echo "| operation | engine µs | V8 µs |"
    echo "| --- | ---: | ---: |"
    echo "| new instance (eng_instance_new / new WebAssembly.Instance) | $(inst_value "$inst_engine" new) | $(inst_value "$inst_v8" new) |"
    echo "| free instance (eng_instance_free) | $(inst_value "$inst_engine" free) | - |"
    echo "| first snapshot of a fresh instance (eng_instance_snapshot) | $(inst_value "$inst_engine" snapshot) | - |"
    echo "| restore to snapshot after a call (eng_instance_restore) | $(inst_value "$inst_engine" restore) | - |"
    [[ -n $restore_out ]] || return 0
    echo
    echo "Restore strategies (bench/engine/restore_strategies.c), median of $INSTANTIATIONS requests," \
         "microseconds: a request reads 4 bytes in R granules and writes 8 bytes in W granules of" \
         "4 KiB, then the memory is reset to its snapshot; request + reset includes the page faults" \
         "that the mmap strategy moves into the request."
    echo
    echo "| memory | R | W | copy: reset | copy: request + reset | dirty: reset | dirty: request + reset | mmap: reset | mmap: request + reset |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      key = f["bytes"] " " f["read"] " " f["write"]
      if (!(key in seen)) { seen[key] = 1; order[n++] = key }
      reset[key, f["strategy"]] = f["reset_us"]; total[key, f["strategy"]] = f["request_reset_us"] }
    END { for (i = 0; i < n; i++) { split(order[i], k, " ")
        printf "| %d KiB | %s | %s | %s | %s | %s | %s | %s | %s |\n", k[1] / 1024, k[2], k[3],
            reset[order[i], "copy"], total[order[i], "copy"], reset[order[i], "dirty"],
            total[order[i], "dirty"], reset[order[i], "mmap"], total[order[i], "mmap"] } }' <<<"$restore_out"
}
report | tee "$OUT/report.md"

if [[ $failures -ne 0 ]]; then
    log "$failures failure(s): see the messages above"
    exit 1
fi
