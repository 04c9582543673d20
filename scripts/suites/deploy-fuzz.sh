#!/usr/bin/env bash
# Short libFuzzer run of the deploy component's parsers (tests/deploy/fuzz/fuzz_deploy.c: CID
# strings and bytes, dag-pb/UnixFS, CAR + verified walk), built by mk/deploy.mk into
# BUILD/fuzz-deploy/ (BUILD is the parent of BUILD_DIR). Counts as one test: it passes when the
# fuzzer finds nothing in DEPLOY_FUZZ_SECONDS (default 20). Seeds are made here (CARs written by
# BUILD_DIR/bin/aegis-cid, CIDs, blocks); the corpus grows across runs in BUILD/fuzz-deploy/corpus/
# and a finding is saved under BUILD/fuzz-deploy/artifacts/.
# Usage: bash scripts/suites/deploy-fuzz.sh BUILD_DIR   (for example build/test)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${1:?usage: deploy-fuzz.sh BUILD_DIR}
[[ "$build_dir" = /* ]] || build_dir="$root/$build_dir"
fuzz="$(dirname "$build_dir")/fuzz-deploy"
seconds=${DEPLOY_FUZZ_SECONDS:-20}

if [[ ! -x "$fuzz/fuzz_deploy" || ! -x "$build_dir/bin/aegis-cid" ]]; then
    echo "deploy-fuzz: $fuzz/fuzz_deploy or $build_dir/bin/aegis-cid is missing (make MODE=test tests builds them)"
    echo "0 passed, 1 failed"
    exit 1
fi
seed="$fuzz/seed"
mkdir -p "$fuzz/corpus" "$fuzz/artifacts" "$seed"
# Selector byte 0: CID text, 1: binary CID, 2: dag-pb block, 3: CAR.
printf '\x00QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o' >"$seed/cid-v0"
printf '\x00bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4' >"$seed/cid-v1"
printf '\x00zdj7WaCPMsy3FP2whSwpFXHjDEaTVmjnddYSn5W2Gdn4aEZFj' >"$seed/cid-z"
printf '\x00k2jmtxt4nv2kx0qz1ncwpjwzdixb27xsgqxk7kgho4nnmjceustvi80e' >"$seed/cid-k"
printf '\x01\x01\x55\x00\x02hi' >"$seed/bin-identity"
printf '\x02\x0a\x12\x08\x02\x12\x0chello world\n\x18\x0c' >"$seed/pb-leaf"
# A CAR whose root is an identity CID holding the "hello world" leaf inline: no block needed.
printf '\x03\x2e\xa2\x65roots\x81\xd8\x2a\x58\x19\x00\x01\x70\x00\x14\x0a\x12\x08\x02\x12\x0chello world\n\x18\x0c\x67version\x01' >"$seed/car-identity"
tmp=$(mktemp -d)
for spec in "0 1" "1 1" "0 300000" "1 600000"; do
    set -- $spec
    head -c "$2" /dev/urandom >"$tmp/in"
    if "$build_dir/bin/aegis-cid" add "$tmp/in" --cid-version "$1" --car "$tmp/out.car" >/dev/null; then
        { printf '\x03'; head -c 65000 "$tmp/out.car"; } >"$seed/car-v$1-$2"
    fi
done
rm -rf "$tmp"
log="$fuzz/last-run.log"
"$fuzz/fuzz_deploy" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$fuzz/artifacts/" "$fuzz/corpus" "$seed" >"$log" 2>&1
rc=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log"
if [[ $rc -eq 0 ]]; then
    echo "deploy-fuzz: $(ls "$fuzz/corpus" | wc -l) corpus units, no finding in ${seconds}s"
    echo "1 passed, 0 failed"
    exit 0
fi
echo "deploy-fuzz: finding (exit $rc); the log is $log:"
grep -E 'ERROR|SUMMARY|Test unit written|artifact|==ERROR|runtime error' "$log" | head -n 20
echo "0 passed, 1 failed"
exit 1
