#!/usr/bin/env bash
# bench/edge: the edge pipeline (our WAF + one edge function on a route) against nginx as a plain
# reverse proxy and against nginx + ModSecurity v3 + OWASP CRS 3.3 (paranoia level 1, anomaly
# blocking), all in one run, to the same origin.
#
# An nginx instance is the origin (a 1 KiB static file for GET, a fixed answer for POST). The
# three proxies run with the same worker count (WORKERS) and keep-alive pools to the origin:
#   nginx:  proxy_pass, nothing else;
#   modsec: the same plus `modsecurity on` with Debian's CRS, request bodies inspected;
#   aegis:  bench/edge/edge_server: the http layer with the edge stages: guest/waf (waf.wasm)
#           and guest/examples/header_rewriter.wasm, each in the sandbox, per request.
# wrk drives each in turn, rotating the order every round, RUNS rounds per request kind
# (get: GET /index.html?user=42&q=edge+proxy with a few headers; post: a 2 KB urlencoded form,
# bench/proxy/post.lua). Reported: medians of requests/s and p99, and the medians of the
# per-round ratios aegis/nginx and aegis/modsec. Before measuring, every proxy must pass a benign
# request and the two WAFs must block a SQL injection (403).
#
# Usage: bench/edge/run.sh   (env: WORKERS=1 RUNS=5 DURATION=8 CONNECTIONS=32 THREADS=1
#                             BUILD=build-bench-edge)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

WORKERS=${WORKERS:-1}
RUNS=${RUNS:-5}
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
BUILD=${BUILD:-build-bench-edge}
MODSEC_SO=/usr/lib/nginx/modules/ngx_http_modsecurity_module.so

for tool in wrk nginx curl; do
    command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || {
        echo "bench/edge: $tool is missing (see scripts/deps/edge.txt)" >&2
        exit 1
    }
done
[[ -f $MODSEC_SO && -d /usr/share/modsecurity-crs/rules ]] || {
    echo "bench/edge: needs libnginx-mod-http-modsecurity and modsecurity-crs" >&2
    exit 1
}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

make --no-print-directory -j2 BUILD="$BUILD" MODE=release bench-edge-bins >&2
bin=$root/$BUILD/release
SERVER=$bin/bench/edge_server

BENCH_NAME=edge
source "$root/bench/lib.sh"
BENCH_LOG=$work/aegis.log

origin_port=$(free_port)
declare -A port=([nginx]=$(free_port) [modsec]=$(free_port) [aegis]=$(free_port))
user_line=""
[[ $(id -u) -eq 0 ]] && user_line="user root;"

temp_paths() { # nginx temp directories inside one instance's folder
    echo "client_body_temp_path $1/body; proxy_temp_path $1/proxy; fastcgi_temp_path $1/fastcgi;"
    echo "uwsgi_temp_path $1/uwsgi; scgi_temp_path $1/scgi;"
}

# ---- the origin ----
mkdir -p "$work/origin/html" "$work/nginx" "$work/modsec"
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
    $(temp_paths "$work/origin")
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

# ---- the peers: nginx plain, nginx + ModSecurity/CRS ----
cat >"$work/modsec/rules.conf" <<CONF
SecRuleEngine On
SecRequestBodyAccess On
SecRequestBodyLimit 13107200
SecRequestBodyNoFilesLimit 131072
SecRequestBodyLimitAction ProcessPartial
SecResponseBodyAccess Off
SecAuditEngine Off
SecRule REQUEST_HEADERS:Content-Type "^application/json" "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
Include /etc/modsecurity/crs/crs-setup.conf
Include /usr/share/modsecurity-crs/rules/*.conf
CONF
for peer in nginx modsec; do
    load="" modsec=""
    if [[ $peer == modsec ]]; then
        load="load_module $MODSEC_SO;"
        modsec="modsecurity on; modsecurity_rules_file $work/modsec/rules.conf;"
    fi
    cat >"$work/$peer/nginx.conf" <<CONF
$user_line
$load
daemon off;
worker_processes $WORKERS;
pid $work/$peer/nginx.pid;
error_log $work/$peer/error.log error;
events { worker_connections 4096; }
http {
    access_log off;
    $(temp_paths "$work/$peer")
    keepalive_requests 1000000;
    $modsec
    upstream origin { server 127.0.0.1:$origin_port; keepalive 64; }
    server {
        listen 127.0.0.1:${port[$peer]} reuseport;
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
    "$NGINX" -p "$work/$peer" -c "$work/$peer/nginx.conf" &
    pids+=($!)
done

# ---- us ----
"$SERVER" "${port[aegis]}" "$origin_port" "$WORKERS" "$bin/guest/waf.wasm" \
    "$bin/guest/examples/header_rewriter.wasm" 2>"$work/aegis.log" &
pids+=($!)

wait_port "$origin_port"
for p in nginx modsec aegis; do wait_port "${port[$p]}"; done

status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
for p in nginx modsec aegis; do
    u="http://127.0.0.1:${port[$p]}"
    [[ $(status "$u/index.html?user=42&q=edge+proxy") == 200 ]] || { echo "bench/edge: $p: benign GET not 200" >&2; exit 1; }
    [[ $(status -d 'a=1&b=hello' "$u/submit") == 200 ]] || { echo "bench/edge: $p: benign POST not 200" >&2; exit 1; }
done
for p in modsec aegis; do
    code=$(status "http://127.0.0.1:${port[$p]}/index.html?id=1%27%20OR%20%271%27%3D%271")
    [[ $code == 403 ]] || { echo "bench/edge: $p does not block a SQL injection ($code)" >&2; exit 1; }
done
curl -s -D - -o /dev/null "http://127.0.0.1:${port[aegis]}/index.html" | grep -qi '^X-Edge-Function: header-rewriter' ||
    { echo "bench/edge: the edge function did not run" >&2; exit 1; }

run_wrk() { # prints "requests_per_s p99_ms errors"
    local p=$1 kind=$2 out
    local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency
                -H "Accept: text/html,application/xhtml+xml" -H "Accept-Language: en"
                -H "User-Agent: aegis-bench/1" -H "Cookie: session=0123456789abcdef")
    if [[ $kind == get ]]; then
        out=$(wrk "${args[@]}" "http://127.0.0.1:$p/index.html?user=42&q=edge+proxy")
    else
        out=$(wrk "${args[@]}" -s bench/proxy/post.lua "http://127.0.0.1:$p/submit")
    fi
    local rps p99 errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}' <<<"$out")
    errors=$(awk '/Non-2xx|Socket errors/ {print "yes"}' <<<"$out" | head -1)
    echo "$rps $p99 ${errors:-no}"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "bench/edge: workers=$WORKERS runs=$RUNS duration=${DURATION}s connections=$CONNECTIONS threads=$THREADS" >&2
orders=("nginx modsec aegis" "aegis nginx modsec" "modsec aegis nginx")
declare -A rps p99 ratio
for kind in get post; do
    for run in $(seq "$RUNS"); do
        declare -A this=()
        for p in ${orders[$(( (run - 1) % 3 ))]}; do
            read -r r l e < <(run_wrk "${port[$p]}" "$kind")
            [[ $e == no ]] || echo "bench/edge: $p $kind run $run had errors or non-2xx answers" >&2
            echo "  $kind run $run $p: $r req/s, p99 $l ms" >&2
            rps[$p.$kind]+="$r"$'\n'
            p99[$p.$kind]+="$l"$'\n'
            this[$p.r]=$r; this[$p.l]=$l
        done
        for peer in nginx modsec; do
            ratio[r.$peer.$kind]+=$(awk -v a="${this[aegis.r]}" -v n="${this[$peer.r]}" 'BEGIN {print a/n}')$'\n'
            ratio[l.$peer.$kind]+=$(awk -v a="${this[aegis.l]}" -v n="${this[$peer.l]}" 'BEGIN {print a/n}')$'\n'
        done
    done
done

printf '| request | nginx req/s | nginx+CRS req/s | aegis req/s | aegis/nginx | aegis/CRS | nginx p99 ms | nginx+CRS p99 ms | aegis p99 ms | p99 aegis/nginx | p99 aegis/CRS |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for kind in get post; do
    m() { printf '%s' "$1" | median; }
    awk -v k="$kind" \
        -v nr="$(m "${rps[nginx.$kind]}")" -v mr="$(m "${rps[modsec.$kind]}")" -v ar="$(m "${rps[aegis.$kind]}")" \
        -v rn="$(m "${ratio[r.nginx.$kind]}")" -v rm="$(m "${ratio[r.modsec.$kind]}")" \
        -v nl="$(m "${p99[nginx.$kind]}")" -v ml="$(m "${p99[modsec.$kind]}")" -v al="$(m "${p99[aegis.$kind]}")" \
        -v ln="$(m "${ratio[l.nginx.$kind]}")" -v lm="$(m "${ratio[l.modsec.$kind]}")" 'BEGIN {
        printf "| %s | %.0f | %.0f | %.0f | %.2fx | %.2fx | %.2f | %.2f | %.2f | %.2fx | %.2fx |\n",
               k, nr, mr, ar, rn, rm, nl, ml, al, ln, lm }'
done
