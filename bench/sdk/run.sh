#!/usr/bin/env bash
# bench/sdk: module size and per-request cost of the example functions in C, Rust and
# AssemblyScript through the edge stage (sdk_bench.c). Builds the release tree, then prints a
# Markdown table. Usage: BUILD=build bench/sdk/run.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
make --no-print-directory -j2 BUILD="$build" MODE=release bench-sdk-bins >/dev/null
echo "sdk_bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, rounds ${1:-3000}"
"$build/release/bench/sdk_bench" "$build/release" "${1:-3000}"
