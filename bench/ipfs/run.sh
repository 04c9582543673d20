#!/usr/bin/env bash
# The IPFS benchmark: how long a node takes to get a module by CID. Valid edge-function modules
# of 1 MiB and 10 MiB (a big data segment) are imported by the loopback Helia peer
# (tests/peers/ipfs/ipfs-peer, the same peer the tests use) in both profiles; then the release
# driver (bench/ipfs/ipfs_bench.c) measures, against that peer in the same run:
#   cold   fetch of the CARv1 from the peer + verification + cache write + compile (eng_module_new)
#   peer   the same CAR downloaded from the same peer with nothing verified (the floor)
#   warm   load from the disk cache (re-verified) + compile, and the load alone
# Prints a Markdown table of p50 and p99 in milliseconds.
#
# Usage: bench/ipfs/run.sh      (from anywhere; under a minute on 2 cores)
# Environment: BUILD (build tree, default build-bench-ipfs), REPS (runs per figure, default 50).
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build-bench-ipfs}
REPS=${REPS:-50}
BENCH_NAME=ipfs
BIN=$BUILD/release/bench/ipfs/ipfs_bench

die() { echo "bench-ipfs: $*" >&2; exit 1; }
scripts/peers-install.sh ipfs || die "the Helia peer is unavailable"
make --no-print-directory -j2 BUILD="$BUILD" MODE=release "$BIN" >/dev/null || die "build failed"

source bench/lib.sh
BENCH_LOG=$work/peer.log
"$BIN" gen "$work" || die "cannot write the modules"

# The peer imports the modules itself (as `ipfs add` / `ipfs add --cid-version 1`), prints
# "added CID FILE" for each, then "listening URL". Its stdin is a pipe held by this script: the
# peer ends with it.
mkfifo "$work/peer.in"
tests/peers/ipfs/ipfs-peer --time-limit-s 900 \
    --add-v0 "$work/m1.wasm" --add-v1 "$work/m1.wasm" \
    --add-v0 "$work/m10.wasm" --add-v1 "$work/m10.wasm" <"$work/peer.in" >"$work/peer.out" 2>"$BENCH_LOG" &
pids+=($!)
exec 3>"$work/peer.in"
for _ in $(seq 600); do
    grep -q '^listening ' "$work/peer.out" 2>/dev/null && break
    sleep 0.1
done
url=$(sed -n 's/^listening //p' "$work/peer.out")
[[ -n "$url" ]] || { cat "$BENCH_LOG" >&2; die "the peer did not start"; }
mapfile -t cids < <(sed -n 's/^added \([^ ]*\) .*/\1/p' "$work/peer.out")
[[ ${#cids[@]} -eq 4 ]] || die "the peer added ${#cids[@]} modules, not 4"

# Our CIDs must be the peer's, or the comparison is meaningless.
cli=$BUILD/release/bin/aegis-wasm-cli
make --no-print-directory -j2 BUILD="$BUILD" MODE=release "$cli" >/dev/null || die "build failed"
i=0
for f in m1 m10; do
    for v in 0 1; do
        ours=$("$cli" cid "$work/$f.wasm" --cid-version $v)
        [[ "$ours" == "${cids[$i]}" ]] || die "$f.wasm v$v: our CID $ours, the peer's ${cids[$i]}"
        i=$((i + 1))
    done
done

echo "peer: Helia (tests/peers/ipfs) at $url; $REPS runs per figure; $(nproc) cores"
"$BIN" run "$url" "$REPS" \
    "$work/m1.wasm" "${cids[0]}" "$work/m1.wasm" "${cids[1]}" \
    "$work/m10.wasm" "${cids[2]}" "$work/m10.wasm" "${cids[3]}"
