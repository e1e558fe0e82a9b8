#!/usr/bin/env bash
# make bench: civdesk against nginx on the same machine, same client, same run.
#
#   BENCH_ORGS (1000000)  BENCH_ACCR (2000000)  BENCH_DOCS (200000)
#   BENCH_SECONDS (10)    BENCH_CONNS (64)      BENCH_BUILD (build-bench/build)
#
# Generates the database once with bench/gen (DESIGN §8's corpus: organisations,
# accreditations, bilingual documents) into build-bench/bench-ORGS-ACCR-DOCS.db — delete
# it to regenerate; a database of other sizes is never reused. Then measures with wrk:
# point read against nginx serving a static file of the same size (ratio), p99 at 64
# connections, two filtered lists, search (two mid-frequency words, bench/search.lua)
# anonymous and as an officer, at BENCH_CONNS connections and on one; CSV export and
# import of every organisation (1,000,000 rows at the default size) in rows per second;
# the server's peak RSS. Writes the table into docs/performance.md between the bench
# markers, with the machine and date.
set -euo pipefail
cd "$(dirname "$0")/.."

ORGS=${BENCH_ORGS:-1000000}
ACCR=${BENCH_ACCR:-2000000}
DOCS=${BENCH_DOCS:-200000}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-64}
OUT=build-bench
# An -O2 build of its own, so other builds never change what is measured (BENCH_BUILD
# names another directory, e.g. to keep a baseline binary while trying a change).
BUILD=${BENCH_BUILD:-$OUT/build}
BIN=$BUILD/civdesk
mkdir -p "$OUT"
DB=$OUT/bench-$ORGS-$ACCR-$DOCS.db

for tool in wrk nginx; do
    command -v $tool >/dev/null || { echo "bench: installing wrk and nginx"; apt-get install -y -qq wrk nginx-light >/dev/null; }
done

make -s -j"$(nproc)" BUILD="$BUILD" "$BIN" "$BUILD/bench/gen"

if [ ! -f "$DB" ]; then
    echo "bench: generating $ORGS organisations, $ACCR accreditations, $DOCS documents into $DB"
    start=$(date +%s.%N)
    # Into a side file first: an interrupted run leaves nothing that looks finished.
    rm -f "$DB.part" "$DB.part-wal" "$DB.part-shm"
    "$BUILD/bench/gen" --db "$DB.part" --orgs "$ORGS" --accreditations "$ACCR" --docs "$DOCS"
    for suffix in -wal -shm ""; do
        [ ! -e "$DB.part$suffix" ] || mv "$DB.part$suffix" "$DB$suffix"
    done
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

run_wrk() { # name url [script [query [token]]] → "name|rps|p50|p99|non-2xx"
    local out c=${WRK_CONNS:-$CONNS}
    out=$(BENCH_TOKEN=${5-$TOKEN} BENCH_N=$ORGS BENCH_QUERY=${4:-} wrk -t$((c < 2 ? c : 2)) -c"$c" -d"${SECS}s" --latency ${3:+-s "$3"} "$2")
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

# Search: every query of bench/search.lua must answer 200 with at least one result for
# both callers, or the run would measure something else.
mapfile -t QUERIES < <(sed -n 's/^  "\(.*\)",.*/\1/p' bench/search.lua)
[ "${#QUERIES[@]}" -gt 0 ] || { echo "bench: no queries found in bench/search.lua" >&2; exit 1; }
EMPTY=0
for q in "${QUERIES[@]}"; do
    for who in officer anonymous; do
        auth=(); [ $who = anonymous ] || auth=(-H "Authorization: Bearer $TOKEN")
        body=$(curl -s -w '\n%{http_code}' "${auth[@]}" -G --data-urlencode "q=$q" "http://127.0.0.1:$PORT/api/v1/search")
        code=${body##*$'\n'}
        [ "$code" = 200 ] || { echo "bench: search '$q' as $who answered $code" >&2; exit 1; }
        if ! printf '%s' "$body" | grep -q '"items":\[{'; then
            echo "bench: warning: search '$q' as $who found nothing (BENCH_DOCS below 410?)" >&2
            EMPTY=$((EMPTY + 1))
        fi
    done
done
R_SEARCH_ANON=$(run_wrk "GET /api/v1/search?q=two words, anonymous" "http://127.0.0.1:$PORT" bench/search.lua "" "")
R_SEARCH_OFF=$(run_wrk "GET /api/v1/search?q=two words, officer" "http://127.0.0.1:$PORT" bench/search.lua)
# The same on one connection: a query's own latency, without waiting behind 63 others.
R_SEARCH_ANON1=$(WRK_CONNS=1 run_wrk "GET /api/v1/search?q=two words, anonymous, 1 connection" "http://127.0.0.1:$PORT" bench/search.lua "" "")
R_SEARCH_OFF1=$(WRK_CONNS=1 run_wrk "GET /api/v1/search?q=two words, officer, 1 connection" "http://127.0.0.1:$PORT" bench/search.lua)
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
p50_ms() { # wrk's p50 (850.00us, 3.17ms, 1.20s) in ms
    echo "$1" | cut -d'|' -f3 | awk '/us$/ {print $0 / 1000; next} /ms$/ {print $0 + 0; next} /s$/ {print $0 * 1000; next} {print "nan"}'
}
verdict() { # ms → "met" or "**miss**" against < 5 ms
    awk -v v="$1" 'BEGIN { print (v + 0 < 5 && v != "nan") ? "met" : "**miss**" }'
}
SA_P50=$(p50_ms "$R_SEARCH_ANON")
SO_P50=$(p50_ms "$R_SEARCH_OFF")
SA1_P50=$(p50_ms "$R_SEARCH_ANON1")
SO1_P50=$(p50_ms "$R_SEARCH_OFF1")
RATIO=$(echo "scale=2; $(rps "$R_POINT") / $(rps "$R_NGINX")" | bc)
LRATIO=$(echo "scale=2; $(rps "$R_LIST") / $(rps "$R_POINT")" | bc)
LRATIO2=$(echo "scale=2; $(rps "$R_LIST2") / $(rps "$R_POINT")" | bc)

CPU=$(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ //')
MEM=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
TABLE=$(cat <<MD
Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($CPU), $MEM, with \`make bench\`
(BENCH_ORGS=$ORGS, BENCH_ACCR=$ACCR, BENCH_DOCS=$DOCS; wrk -t2 -c$CONNS -d${SECS}s on the same machine;
load average $LOAD_BEFORE before the HTTP runs, $LOAD_AFTER after them).

| what | req/s | p50 | p99 | non-2xx |
|---|---|---|---|---|
| $(echo "$R_NGINX" | tr '|' '|') |
| $(echo "$R_POINT") |
| $(echo "$R_LIST") |
| $(echo "$R_LIST2") |
| $(echo "$R_SEARCH_ANON") |
| $(echo "$R_SEARCH_OFF") |
| $(echo "$R_SEARCH_ANON1") |
| $(echo "$R_SEARCH_OFF1") |

- point read / nginx static: **$RATIO** (target ≥ 0.5)
- filtered list / point read: accreditations by status and country **$LRATIO2**,
  organisations by country **$LRATIO** (target ≥ 0.33, "within 3×")
- search, two mid-frequency words (${#QUERIES[@]} queries of bench/search.lua, top 20;
  ${EMPTY} of $((2 * ${#QUERIES[@]})) query-caller pairs found nothing) against "Two-word
  queries of mid-frequency words (corpus rank 100–10,000): p50 under 5 ms": at $CONNS
  connections p50 anonymous **${SA_P50} ms** ($(verdict "$SA_P50")), officer
  **${SO_P50} ms** ($(verdict "$SO_P50")); on 1 connection anonymous **${SA1_P50} ms**
  ($(verdict "$SA1_P50")), officer **${SO1_P50} ms** ($(verdict "$SO1_P50"))
- server peak RSS (VmHWM) after the runs: **$((RSS_KB / 1024)) MB** (target < 100 MB)
- CSV export of every organisation (${ROWS:-n/a} rows): **${EXP:-n/a} rows/s**; CSV import of
  them with validation: **${IMP:-n/a} rows/s** (target ≥ 100,000)
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
