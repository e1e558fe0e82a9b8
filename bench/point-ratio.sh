#!/usr/bin/env bash
# Point read against nginx, side by side, for one or more civdesk binaries (e.g. a
# baseline and a change): the ratio of requests per second to nginx serving a static file
# of the same size, in the same run, alternating the servers ROUNDS times so that the
# load other jobs put on a shared machine falls on all of them alike.
#
#   bench/point-ratio.sh DB BIN [BIN...]     (ROUNDS=3, SECS=5, CONNS=64)
#
# DB: a database bench/gen made (a point read's cost does not depend on its size).
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

rps() { # url [script] -> requests per second; every answer must be a 2xx
    local out
    out=$(BENCH_TOKEN=$TOKEN BENCH_N=$N wrk -t2 -c"$CONNS" -d"${SECS}s" ${2:+-s "$2"} "$1")
    if echo "$out" | grep -q 'Non-2xx'; then
        echo "point-ratio: non-2xx answers from $1" >&2
        exit 1
    fi
    echo "$out" | awk '/Requests\/sec/ {print $2}'
}
echo "point read ($SIZE bytes) against nginx static, wrk -t2 -c$CONNS -d${SECS}s, $ROUNDS rounds;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A SUM
for round in $(seq "$ROUNDS"); do
    ng=$(rps "http://127.0.0.1:$NGINX_PORT/org.json")
    line="round $round: nginx $ng"
    for bin in "$@"; do
        start "$bin"
        r=$(rps "http://127.0.0.1:$PORT" bench/point.lua)
        stop
        ratio=$(echo "scale=3; $r / $ng" | bc)
        SUM[$bin]=$(echo "${SUM[$bin]:-0} + $ratio" | bc)
        line="$line | $bin $r ($ratio)"
    done
    echo "$line"
done
for bin in "$@"; do
    echo "mean ratio to nginx: $(echo "scale=3; ${SUM[$bin]} / $ROUNDS" | bc)  $bin"
done
