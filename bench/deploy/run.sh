#!/usr/bin/env bash
# The deploy benchmark: CID computation of module-sized files by aegis-cid (release build) against
# two peers run in the same session on the same files, Debian's ipfs_cid and the reference
# JavaScript importer (tests/peers/unixfs/cid.mjs; its figure includes Node.js start-up, measured
# separately on an empty file), plus aegis-cid's verification of a CAR of each file (hash every
# block, walk the DAG, rebuild the file). Every tool must print the same CID, or the run stops.
# Prints a Markdown table of medians.
#
# Usage: bench/deploy/run.sh      (from anywhere; about a minute on 2 cores)
# Environment: BUILD (build tree, default build-bench-deploy), REPS (runs per figure, default 5),
#   SIZES_MB (default "1 10 50").
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build-bench-deploy}
REPS=${REPS:-5}
SIZES_MB=${SIZES_MB:-"1 10 50"}
CLI=$BUILD/release/bin/aegis-cid
JS=tests/peers/unixfs/cid.mjs

die() { echo "bench-deploy: $*" >&2; exit 1; }
command -v ipfs_cid >/dev/null || die "ipfs_cid missing (Debian package ipfs-cid)"
command -v node >/dev/null || die "node missing (Debian package nodejs)"
scripts/peers-install.sh unixfs || die "npm peers unavailable"
make --no-print-directory BUILD="$BUILD" MODE=release "$CLI" >/dev/null || die "build failed"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Median wall time in milliseconds of REPS runs of a command (its output discarded).
median_ms() {
    local times=()
    for ((i = 0; i < REPS; i++)); do
        local t0 t1
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || die "failed: $*"
        t1=$(date +%s%N)
        times+=($(((t1 - t0) / 1000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

: >"$tmp/empty"
node_start=$(median_ms node "$JS" --profile v0 "$tmp/empty")
echo "| file | aegis-cid add | ipfs_cid | JS importer (Node.js start-up ${node_start} ms included) | aegis-cid verify (CAR) |"
echo "| --- | --- | --- | --- | --- |"
for mb in $SIZES_MB; do
    f="$tmp/f$mb"
    head -c $((mb * 1048576)) /dev/urandom >"$f"
    ours=$("$CLI" add "$f")
    peer=$(ipfs_cid "$f" 2>/dev/null | sed -E 's/.*"CIDv0":"([^"]+)".*/\1/')
    js=$(node "$JS" --profile v0 "$f")
    [[ "$ours" == "$peer" && "$ours" == "$js" ]] || die "CIDs differ for $mb MB: $ours $peer $js"
    "$CLI" add "$f" --car "$tmp/f.car" >/dev/null
    a=$(median_ms "$CLI" add "$f")
    b=$(median_ms ipfs_cid "$f")
    c=$(median_ms node "$JS" --profile v0 "$f")
    d=$(median_ms "$CLI" verify "$ours" "$tmp/f.car" --max-bytes 104857600)
    echo "| $mb MB | $a ms | $b ms | $c ms | $d ms |"
    rm -f "$f" "$tmp/f.car"
done
