# Shared by the benchmark scripts (sourced, not run): a work folder removed at exit together with
# every process recorded in pids, and loopback port helpers. The caller sets BENCH_NAME first
# (used in messages and in the work folder's name) and may set BENCH_LOG, a file shown when a
# server never starts listening.

work=$(mktemp -d "/tmp/aegis-bench-$BENCH_NAME.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# A loopback port nothing listens on (random, checked by trying to connect).
free_port() {
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    echo "bench/$BENCH_NAME: no free port found" >&2
    exit 1
}

# Waits up to 10 s for something to listen on 127.0.0.1:$1.
wait_port() {
    for _ in $(seq 200); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "bench/$BENCH_NAME: nothing listens on port $1" >&2
    [[ -n "${BENCH_LOG:-}" ]] && cat "$BENCH_LOG" >&2 2>/dev/null
    exit 1
}
