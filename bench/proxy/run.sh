#!/usr/bin/env bash
# bench/proxy: aegis-node against nginx as the same plain reverse proxy, in one run.
#
# An nginx instance serves as the origin (a static file for GET, a fixed answer for POST) for both
# proxies, so the only difference is the proxy. Both proxies run with the same number of workers
# (WORKERS), keep-alive to the origin (a pool), no access log. wrk drives each proxy in turn,
# alternating, RUNS times per request kind:
#   get:  GET /index.html?user=42&q=edge+proxy with a few headers
#   post: POST /submit with a 2 KB urlencoded form body (post.lua)
# and the medians of requests/s and of the p99 latency are reported with their ratios. Because a
# shared machine's load drifts during a run, the two proxies are measured back to back in each
# round (alternating which goes first) and the median of the per-round ratios is reported too.
#
# Usage: bench/proxy/run.sh            (env: WORKERS=1 RUNS=5 DURATION=8 CONNECTIONS=32
#                                       THREADS=1 BUILD=build-bench-proxy NODE_BIN=... to skip the build)
#        SYSCALLS=1 bench/proxy/run.sh  instead counts the system calls per GET of each proxy
#                                       (strace -c on its worker during a 3 s wrk run)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

WORKERS=${WORKERS:-1}
RUNS=${RUNS:-5}
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
BUILD=${BUILD:-build-bench-proxy}

for tool in wrk nginx; do
    command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || {
        echo "bench/proxy: $tool is missing (apt-get install wrk nginx; see scripts/deps/node.txt)" >&2
        exit 1
    }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [[ -z "${NODE_BIN:-}" ]]; then
    make --no-print-directory -j2 BUILD="$BUILD" MODE=release "$BUILD/release/bin/aegis-node" >&2
    NODE_BIN=$root/$BUILD/release/bin/aegis-node
fi

BENCH_NAME=proxy
source "$root/bench/lib.sh"

origin_port=$(free_port)
nginx_port=$(free_port)
node_port=$(free_port)
user_line=""
[[ $(id -u) -eq 0 ]] && user_line="user root;"

# ---- the origin: nginx, static file + fixed POST answer ----
mkdir -p "$work/origin/html" "$work/proxy"
head -c 1024 /dev/zero | tr '\0' 'x' >"$work/origin/html/index.html"
cat >"$work/origin/nginx.conf" <<CONF
$user_line
daemon off;
worker_processes 1;
pid $work/origin/nginx.pid;
error_log $work/origin/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/origin/body;
    proxy_temp_path $work/origin/proxy;
    fastcgi_temp_path $work/origin/fastcgi;
    uwsgi_temp_path $work/origin/uwsgi;
    scgi_temp_path $work/origin/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$origin_port;
        root $work/origin/html;
        location = /submit { client_body_buffer_size 16k; return 200 "ok\n"; }
    }
}
CONF
"$NGINX" -p "$work/origin" -c "$work/origin/nginx.conf" &
pids+=($!)

# ---- the peer: nginx as a plain reverse proxy ----
cat >"$work/proxy/nginx.conf" <<CONF
$user_line
daemon off;
worker_processes $WORKERS;
pid $work/proxy/nginx.pid;
error_log $work/proxy/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/proxy/body;
    proxy_temp_path $work/proxy/proxy;
    fastcgi_temp_path $work/proxy/fastcgi;
    uwsgi_temp_path $work/proxy/uwsgi;
    scgi_temp_path $work/proxy/scgi;
    keepalive_requests 1000000;
    upstream origin { server 127.0.0.1:$origin_port; keepalive 64; }
    server {
        listen 127.0.0.1:$nginx_port reuseport;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            client_body_buffer_size 16k;
        }
    }
}
CONF
"$NGINX" -p "$work/proxy" -c "$work/proxy/nginx.conf" &
pids+=($!)

# ---- us ----
cat >"$work/aegis.yaml" <<CONF
listen: [127.0.0.1:$node_port]
workers: $WORKERS
admin: {enabled: false}
upstreams:
  origin: {servers: [127.0.0.1:$origin_port], pool_size: 64}
routes:
  - {path: /*, upstream: origin}
access_log: {enabled: false}
CONF
"$NODE_BIN" --config "$work/aegis.yaml" 2>"$work/node.log" &
pids+=($!)

wait_port "$origin_port"
wait_port "$nginx_port"
wait_port "$node_port"

# Sanity: both proxies answer both requests with 200 before we measure anything.
for port in "$nginx_port" "$node_port"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/index.html?user=42")
    [[ $code == 200 ]] || { echo "bench/proxy: GET via port $port answered $code" >&2; exit 1; }
    code=$(curl -s -o /dev/null -w '%{http_code}' -d 'a=1' "http://127.0.0.1:$port/submit")
    [[ $code == 200 ]] || { echo "bench/proxy: POST via port $port answered $code" >&2; exit 1; }
done

# Prints "requests_per_s p99_ms errors" for one wrk run.
run_wrk() {
    local port=$1 kind=$2 out
    local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency
                -H "Accept: text/html,application/xhtml+xml" -H "Accept-Language: en"
                -H "User-Agent: aegis-bench/1" -H "Cookie: session=0123456789abcdef")
    if [[ $kind == get ]]; then
        out=$(wrk "${args[@]}" "http://127.0.0.1:$port/index.html?user=42&q=edge+proxy")
    else
        out=$(wrk "${args[@]}" -s bench/proxy/post.lua "http://127.0.0.1:$port/submit")
    fi
    local rps p99 errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}' <<<"$out")
    errors=$(awk '/Non-2xx|Socket errors/ {print "yes"}' <<<"$out" | head -1)
    echo "$rps $p99 ${errors:-no}"
}

# System calls per request: strace -c on the process that serves (aegis-node; nginx's worker).
if [[ "${SYSCALLS:-0}" == 1 ]]; then
    command -v strace >/dev/null || { echo "bench/proxy: SYSCALLS=1 needs strace" >&2; exit 1; }
    nginx_worker=$(pgrep -P "${pids[1]}" | head -1)
    node_pid=${pids[2]}
    for pair in "nginx $nginx_worker $nginx_port" "aegis $node_pid $node_port"; do
        read -r name pid port <<<"$pair"
        strace -f -c -p "$pid" -o "$work/strace.$name" &
        tracer=$!
        sleep 0.5
        n=$(wrk -t1 -c8 -d3s "http://127.0.0.1:$port/index.html?user=42&q=edge+proxy" |
            awk '/requests in/ {print $1}')
        kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true
        echo "$name: $n requests; system calls per request:"
        awk -v n="$n" '$1 ~ /^[0-9.]+$/ && NF >= 5 {printf "  %-12s %.2f\n", $NF, $4 / n}' \
            "$work/strace.$name" | sort -k2 -gr | head -8
    done
    exit 0
fi

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "bench/proxy: workers=$WORKERS runs=$RUNS duration=${DURATION}s connections=$CONNECTIONS threads=$THREADS" >&2
declare -A rps p99 rr pr
for kind in get post; do
    for proxy in nginx aegis; do rps[$proxy.$kind]=""; p99[$proxy.$kind]=""; done
    rr[$kind]=""; pr[$kind]=""
    for run in $(seq "$RUNS"); do
        order="nginx aegis"
        (( run % 2 == 0 )) && order="aegis nginx"
        declare -A this=()
        for proxy in $order; do
            port=$nginx_port
            [[ $proxy == aegis ]] && port=$node_port
            read -r r p e < <(run_wrk "$port" "$kind")
            [[ $e == no ]] || echo "bench/proxy: $proxy $kind run $run had errors or non-2xx answers" >&2
            echo "  $kind run $run $proxy: $r req/s, p99 $p ms" >&2
            rps[$proxy.$kind]+="$r"$'\n'
            p99[$proxy.$kind]+="$p"$'\n'
            this[$proxy.r]=$r; this[$proxy.p]=$p
        done
        rr[$kind]+=$(awk -v a="${this[aegis.r]}" -v n="${this[nginx.r]}" 'BEGIN {print a/n}')$'\n'
        pr[$kind]+=$(awk -v a="${this[aegis.p]}" -v n="${this[nginx.p]}" 'BEGIN {print a/n}')$'\n'
    done
done

printf '| request | nginx req/s | aegis req/s | ratio | paired ratio | nginx p99 ms | aegis p99 ms | ratio | paired ratio |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for kind in get post; do
    nr=$(printf '%s' "${rps[nginx.$kind]}" | median)
    ar=$(printf '%s' "${rps[aegis.$kind]}" | median)
    np=$(printf '%s' "${p99[nginx.$kind]}" | median)
    ap=$(printf '%s' "${p99[aegis.$kind]}" | median)
    rq=$(printf '%s' "${rr[$kind]}" | median)
    pq=$(printf '%s' "${pr[$kind]}" | median)
    awk -v k="$kind" -v nr="$nr" -v ar="$ar" -v np="$np" -v ap="$ap" -v rq="$rq" -v pq="$pq" 'BEGIN {
        printf "| %s | %.0f | %.0f | %.2fx | %.2fx | %.2f | %.2f | %.2fx | %.2fx |\n",
               k, nr, ar, ar/nr, rq, np, ap, ap/np, pq }'
done
