#!/usr/bin/env bash
# make bench: civdesk against nginx on the same machine, same client, same run.
#
#   BENCH_ORGS (1000000)  BENCH_ACCR (2000000)  BENCH_SECONDS (10)  BENCH_CONNS (64)
#
# Builds the generated database once (build-bench/bench-N.db; delete it to regenerate),
# then measures: point read vs nginx static file of the same size (ratio), p99 at 64
# connections, a filtered list, CSV export/import rows per second, peak RSS. Writes the
# table into docs/performance.md between the bench markers, with the machine and date.
set -euo pipefail
cd "$(dirname "$0")/.."

ORGS=${BENCH_ORGS:-1000000}
ACCR=${BENCH_ACCR:-2000000}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-64}
OUT=build-bench
BUILD=$OUT/build # an -O2 build of its own, so other builds never change what is measured
BIN=$BUILD/civdesk
mkdir -p "$OUT"
DB=$OUT/bench-$ORGS.db

for tool in wrk nginx; do
    command -v $tool >/dev/null || { echo "bench: installing wrk and nginx"; apt-get install -y -qq wrk nginx-light >/dev/null; }
done

make -s -j"$(nproc)" BUILD="$BUILD" "$BIN" "$BUILD/bench/gen"

if [ ! -f "$DB" ]; then
    echo "bench: generating $ORGS organisations, $ACCR accreditations into $DB"
    start=$(date +%s.%N)
    "$BUILD/bench/gen" --db "$DB" --orgs "$ORGS" --accreditations "$ACCR"
    echo "bench: generated in $(echo "$(date +%s.%N) - $start" | bc) s"
fi

echo 'bench-password-not-for-production 1' | $BIN user add --db "$DB" --email bench@bench.example --role officer >/dev/null 2>&1 || true
TOKEN=$($BIN token create --db "$DB" --email bench@bench.example)

PORT=18580
NGINX_PORT=18581
$BIN serve --db "$DB" --listen 127.0.0.1:$PORT --threads "$(nproc)" > "$OUT/serve.log" 2> "$OUT/access.log" &
SERVER=$!
NGINX_PREFIX=$(mktemp -d)
chmod 755 "$NGINX_PREFIX" # nginx's workers run as another user: they must read the file
cleanup() {
    kill $SERVER 2>/dev/null || true
    [ -f "$NGINX_PREFIX/nginx.pid" ] && kill "$(cat "$NGINX_PREFIX/nginx.pid")" 2>/dev/null || true
    rm -rf "$NGINX_PREFIX"
}
trap cleanup EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

# nginx serving a static file as large as a point-read response.
SIZE=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/organisations/$((ORGS / 2))" | wc -c)
mkdir -p "$NGINX_PREFIX/html"
head -c "$SIZE" /dev/zero | tr '\0' 'x' > "$NGINX_PREFIX/html/org.json"
chmod -R a+rX "$NGINX_PREFIX/html"
cat > "$NGINX_PREFIX/nginx.conf" <<CONF
worker_processes $(nproc);
pid $NGINX_PREFIX/nginx.pid;
error_log $NGINX_PREFIX/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $NGINX_PREFIX/html;
        location / { default_type application/json; }
    }
}
CONF
nginx -p "$NGINX_PREFIX" -c "$NGINX_PREFIX/nginx.conf"
sleep 0.3
# Both sides must answer 200 with the same number of bytes, or the comparison is void.
NGINX_GOT=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$NGINX_PORT/org.json")
[ "$NGINX_GOT" = "200 $SIZE" ] || { echo "bench: nginx answered '$NGINX_GOT', not '200 $SIZE'" >&2; exit 1; }

run_wrk() { # name url script → "rps p50 p99" (ms)
    local out
    out=$(BENCH_TOKEN=$TOKEN BENCH_N=$ORGS BENCH_QUERY=${4:-} wrk -t2 -c"$CONNS" -d"${SECS}s" --latency ${3:+-s "$3"} "$2")
    local rps p50 p99
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    errs=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    echo "$1|$rps|$p50|$p99|${errs:-0}"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: wrk -t2 -c$CONNS -d${SECS}s each (load average before: $LOAD_BEFORE)"
R_NGINX=$(run_wrk "nginx static file ($SIZE bytes)" "http://127.0.0.1:$NGINX_PORT/org.json")
R_POINT=$(run_wrk "GET /api/v1/organisations/{id}" "http://127.0.0.1:$PORT" bench/point.lua)
R_LIST=$(run_wrk "GET /api/v1/organisations?country=RU&limit=50" "http://127.0.0.1:$PORT" bench/list.lua "/api/v1/organisations?country=RU&limit=50")
R_LIST2=$(run_wrk "GET /api/v1/accreditations?status=special&country=FR&limit=50" "http://127.0.0.1:$PORT" bench/list.lua "/api/v1/accreditations?status=special&country=FR&limit=50")
RSS_KB=$(awk '/VmHWM/ {print $2}' /proc/$SERVER/status)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# CSV export and import of every organisation (rows per second).
EXP=""; IMP=""
if $BIN export --help >/dev/null 2>&1; then
    t0=$(date +%s.%N)
    $BIN export organisations --db "$DB" --format csv -o "$OUT/orgs.csv" 2>/dev/null
    t1=$(date +%s.%N)
    ROWS=$(($(wc -l < "$OUT/orgs.csv") - 1))
    EXP=$(echo "$ROWS / ($t1 - $t0)" | bc)
    rm -f "$OUT/import.db"*
    $BIN init --db "$OUT/import.db" >/dev/null
    t0=$(date +%s.%N)
    $BIN import organisations "$OUT/orgs.csv" --db "$OUT/import.db" 2>/dev/null >/dev/null
    t1=$(date +%s.%N)
    IMP=$(echo "$ROWS / ($t1 - $t0)" | bc)
fi

rps() { echo "$1" | cut -d'|' -f2; }
RATIO=$(echo "scale=2; $(rps "$R_POINT") / $(rps "$R_NGINX")" | bc)
LRATIO=$(echo "scale=2; $(rps "$R_LIST") / $(rps "$R_POINT")" | bc)
LRATIO2=$(echo "scale=2; $(rps "$R_LIST2") / $(rps "$R_POINT")" | bc)

CPU=$(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ //')
MEM=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
TABLE=$(cat <<MD
Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($CPU), $MEM, with \`make bench\`
(BENCH_ORGS=$ORGS, BENCH_ACCR=$ACCR; wrk -t2 -c$CONNS -d${SECS}s on the same machine;
load average $LOAD_BEFORE before the HTTP runs, $LOAD_AFTER after them).

| what | req/s | p50 | p99 | non-2xx |
|---|---|---|---|---|
| $(echo "$R_NGINX" | tr '|' '|') |
| $(echo "$R_POINT") |
| $(echo "$R_LIST") |
| $(echo "$R_LIST2") |

- point read / nginx static: **$RATIO** (target ≥ 0.5)
- filtered list / point read: accreditations by status and country **$LRATIO2**,
  organisations by country **$LRATIO** (target ≥ 0.33, "within 3×")
- server peak RSS (VmHWM) after the runs: **$((RSS_KB / 1024)) MB** (target < 100 MB)
- CSV export: **${EXP:-n/a} rows/s**; CSV import with validation: **${IMP:-n/a} rows/s** (target ≥ 100,000)
MD
)
echo "$TABLE"

DOC=docs/performance.md
[ -f "$DOC" ] || printf '# Performance\n\nNumbers come from commands anyone can run; none from timed tests.\n' > "$DOC"
if grep -q '<!-- bench:begin -->' "$DOC"; then
    awk -v t="$TABLE" 'BEGIN{p=1} /<!-- bench:begin -->/{print; print t; p=0} /<!-- bench:end -->/{p=1} p' "$DOC" > "$DOC.tmp" && mv "$DOC.tmp" "$DOC"
else
    printf '\n## HTTP and storage (make bench)\n\n<!-- bench:begin -->\n%s\n<!-- bench:end -->\n' "$TABLE" >> "$DOC"
fi
echo "bench: wrote $DOC"
