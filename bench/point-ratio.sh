#!/usr/bin/env bash
# Point read against nginx, side by side, for one or more civdesk binaries (e.g. a
# baseline and a change): the ratio of requests per second to nginx serving a static file
# of the same size, in the same run, alternating the servers ROUNDS times so that the
# load other jobs put on a shared machine falls on all of them alike.
#
#   bench/point-ratio.sh DB BIN [BIN...]     (ROUNDS=3, SECS=5, CONNS=64)
#
# DB: a database bench/gen made (a point read's cost does not depend on its size).
# Also prints each server's CPU time per request (user + system, from /proc): on a machine
# that other jobs share, throughput swings from round to round, CPU per request much less.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=$1
shift
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
CONNS=${CONNS:-64}
PORT=18680
NGINX_PORT=18679
N=$("$1" export organisations --db "$DB" --format csv 2>/dev/null | tail -n +2 | wc -l)

for tool in wrk nginx; do
    command -v $tool >/dev/null || apt-get install -y -qq wrk nginx-light >/dev/null
done
"$1" init --db "$DB" >/dev/null 2>&1
echo 'bench-password-not-for-production 1' |
    "$1" user add --db "$DB" --email bench@bench.example --role officer >/dev/null 2>&1 || true
TOKEN=$("$1" token create --db "$DB" --email bench@bench.example)

PREFIX=$(mktemp -d)
chmod 755 "$PREFIX"
SERVER=
cleanup() {
    [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
    [ -f "$PREFIX/nginx.pid" ] && kill "$(cat "$PREFIX/nginx.pid")" 2>/dev/null || true
    rm -rf "$PREFIX"
}
trap cleanup EXIT

start() { # bin: serves DB on PORT
    "$1" serve --db "$DB" --listen 127.0.0.1:$PORT --threads "$(nproc)" >/dev/null 2>/dev/null &
    SERVER=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.1; done
    echo "point-ratio: $1 did not start" >&2
    exit 1
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=; }

start "$1"
SIZE=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/organisations/$((N / 2))" | wc -c)
stop
mkdir -p "$PREFIX/html"
head -c "$SIZE" /dev/zero | tr '\0' 'x' > "$PREFIX/html/org.json"
chmod -R a+rX "$PREFIX/html"
cat > "$PREFIX/nginx.conf" <<CONF
worker_processes $(nproc);
pid $PREFIX/nginx.pid;
error_log $PREFIX/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $PREFIX/html;
        location / { default_type application/json; }
    }
}
CONF
nginx -p "$PREFIX" -c "$PREFIX/nginx.conf"
sleep 0.3

ticks() { # pid... -> CPU clock ticks (user + system) the processes have used
    local t=0 pid
    for pid in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
    echo $t
}
HZ=$(getconf CLK_TCK)
rps() { # url script pid... -> "requests/s CPU-µs/request"; every answer must be a 2xx
    local out url=$1 script=$2 t0 t1 n
    shift 2
    t0=$(ticks "$@")
    out=$(BENCH_TOKEN=$TOKEN BENCH_N=$N wrk -t2 -c"$CONNS" -d"${SECS}s" ${script:+-s "$script"} "$url")
    t1=$(ticks "$@")
    if echo "$out" | grep -q 'Non-2xx'; then
        echo "point-ratio: non-2xx answers from $url" >&2
        exit 1
    fi
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "scale=1; ($t1 - $t0) * 1000000 / $HZ / $n" | bc)"
}
echo "point read ($SIZE bytes) against nginx static, wrk -t2 -c$CONNS -d${SECS}s, $ROUNDS rounds;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "each: requests/s (ratio to nginx in that round) and the server's CPU µs per request"
NGINX_PIDS=$(cat "$PREFIX/nginx.pid")
NGINX_PIDS="$NGINX_PIDS $(ps -o pid= --ppid "$NGINX_PIDS")"
declare -A SUM CPU
NG_CPU=0
for round in $(seq "$ROUNDS"); do
    read -r ng ngcpu < <(rps "http://127.0.0.1:$NGINX_PORT/org.json" "" $NGINX_PIDS)
    NG_CPU=$(echo "$NG_CPU + $ngcpu" | bc)
    line="round $round: nginx $ng ${ngcpu}µs"
    for bin in "$@"; do
        start "$bin"
        read -r r cpu < <(rps "http://127.0.0.1:$PORT" bench/point.lua $SERVER)
        stop
        ratio=$(echo "scale=3; $r / $ng" | bc)
        SUM[$bin]=$(echo "${SUM[$bin]:-0} + $ratio" | bc)
        CPU[$bin]=$(echo "${CPU[$bin]:-0} + $cpu" | bc)
        line="$line | $(basename "$bin") $r ($ratio) ${cpu}µs"
    done
    echo "$line"
done
echo "nginx: $(echo "scale=1; $NG_CPU / $ROUNDS" | bc) CPU µs per request"
for bin in "$@"; do
    echo "$bin: mean ratio to nginx $(echo "scale=3; ${SUM[$bin]} / $ROUNDS" | bc)," \
        "$(echo "scale=1; ${CPU[$bin]} / $ROUNDS" | bc) CPU µs per request" \
        "(nginx/civdesk CPU per request: $(echo "scale=3; $NG_CPU / ${CPU[$bin]}" | bc))"
done
