#!/usr/bin/env bash
# make bench-pg (and the end of make bench): PostgreSQL beside SQLite, same machine, same
# client, same run (issue 19, part 6).
#
#   PGB_ORGS (20000)  PGB_ACCR (40000)   PGB_DOCS (5000)   PGB_SECONDS (5)
#   PGB_ROUNDS (3)    PGB_CONNS (64)     PGB_PORT (18590, and the next)   BENCH_BUILD (build-bench/build)
#
# Needs a throwaway cluster: run under tests/pg/run.sh (which sets CIVDESK_TEST_PG); run
# directly, the script re-runs itself that way, so the cluster is started as an
# unprivileged user and removed afterwards whatever happens.
#
# Generates one SQLite database with bench/gen (kept in build-bench/ and reused at the
# same sizes), copies it into the cluster with `civdesk copy`, serves both with civdesk on
# two ports and runs the same wrk loads against each: the point read (bench/point.lua),
# the two filtered lists (bench/list.lua) and search as an officer (bench/search.lua).
# Rounds alternate which store goes first; the table shows the mean over the rounds of
# req/s, p50, p99 and CPU time per request (civdesk's, plus the cluster's processes' on
# PostgreSQL), and PostgreSQL's req/s over SQLite's. Then a CSV import of every
# organisation into an empty database of each store (rows/s), and the SQL statements one
# point read sends to PostgreSQL (counted from the server log with log_statement=all).
# Writes the table into docs/performance.md between the bench-pg markers.
#
# The default size is small: the figures in docs/performance.md were taken at it, when
# `civdesk copy` into PostgreSQL was still quadratic in audit rows (fixed since: the
# audit head's trigger is off while the audit is copied; see docs/performance.md).
#
# The cluster runs with fsync=off and synchronous_commit=off (tests/pg/run.sh): the
# import figure on PostgreSQL is without durability; SQLite's is with its normal settings.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CIVDESK_TEST_PG:-}" ]; then
    exec tests/pg/run.sh "$0" "$@"
fi

ORGS=${PGB_ORGS:-20000}
ACCR=${PGB_ACCR:-40000}
DOCS=${PGB_DOCS:-5000}
SECS=${PGB_SECONDS:-5}
ROUNDS=${PGB_ROUNDS:-3}
CONNS=${PGB_CONNS:-64}
OUT=build-bench
BUILD=${BENCH_BUILD:-$OUT/build}
BIN=$BUILD/civdesk
PG=$CIVDESK_TEST_PG
PGDIR=${PGHOST:?tests/pg/run.sh sets PGHOST}
mkdir -p "$OUT"
DB=$OUT/pgcmp-$ORGS-$ACCR-$DOCS.db

command -v wrk >/dev/null || { echo "bench-pg: installing wrk"; apt-get install -y -qq wrk >/dev/null; }
make -s -j"$(nproc)" BUILD="$BUILD" "$BIN" "$BUILD/bench/gen"

if [ ! -f "$DB" ]; then
    echo "bench-pg: generating $ORGS organisations, $ACCR accreditations, $DOCS documents into $DB"
    rm -f "$DB.part" "$DB.part-wal" "$DB.part-shm"
    "$BUILD/bench/gen" --db "$DB.part" --orgs "$ORGS" --accreditations "$ACCR" --docs "$DOCS"
    for suffix in -wal -shm ""; do
        [ ! -e "$DB.part$suffix" ] || mv "$DB.part$suffix" "$DB$suffix"
    done
fi
$BIN init --db "$DB" >/dev/null 2>"$OUT/pgcmp-init.log"
if grep -q 'search index must be rebuilt' "$OUT/pgcmp-init.log"; then $BIN reindex --db "$DB" >/dev/null; fi
echo 'bench-password-not-for-production 1' | $BIN user add --db "$DB" --email bench@bench.example --role officer >/dev/null 2>&1 || true
# Made before the copy: the token row travels with it, so one token serves both.
TOKEN=$($BIN token create --db "$DB" --email bench@bench.example)

createdb_c() { createdb --maintenance-db "$PG dbname=postgres" -T template0 -E UTF8 --lc-collate=C --lc-ctype=C.UTF-8 "$1"; }
createdb_c civdesk_bench
PGDB="$PG dbname=civdesk_bench"
echo "bench-pg: copying $DB into PostgreSQL"
t0=$(date +%s.%N)
$BIN copy --from "$DB" --to "$PGDB" >"$OUT/pgcmp-copy.log" 2>&1 || { cat "$OUT/pgcmp-copy.log" >&2; exit 1; }
COPY_S=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")
psql -X -q -d "$PGDB" -c 'VACUUM ANALYZE' >/dev/null

SPORT=${PGB_PORT:-18590}
PPORT=$((SPORT + 1))
$BIN serve --db "$DB" --listen 127.0.0.1:$SPORT --threads "$(nproc)" >"$OUT/pgcmp-serve-sqlite.log" 2>/dev/null &
S_PID=$!
$BIN serve --db "$PGDB" --listen 127.0.0.1:$PPORT --threads "$(nproc)" >"$OUT/pgcmp-serve-pg.log" 2>/dev/null &
P_PID=$!
trap 'kill $S_PID $P_PID 2>/dev/null || true' EXIT
for port in $SPORT $PPORT; do
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

# Both must answer a point read with the same bytes, or the comparison is void.
ID=$((ORGS / 2))
A=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$SPORT/api/v1/organisations/$ID")
B=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PPORT/api/v1/organisations/$ID")
[ "$A" = "$B" ] || { echo "bench-pg: the two stores answer GET /organisations/$ID differently:" >&2; echo "$A" >&2; echo "$B" >&2; exit 1; }

run_wrk() { # url script query token → "rps|p50ms|p99ms|non2xx"
    local out
    out=$(BENCH_TOKEN=$4 BENCH_N=$ORGS BENCH_QUERY=$3 wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$2" "$1")
    echo "$out" | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return -1 }
        /Requests\/sec/ { r = $2 } $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) } /Non-2xx/ { e = $5 }
        END { printf "%s|%.2f|%.2f|%d\n", r, p50, p99, e }'
}

NAMES=("GET /api/v1/organisations/{id}"
       "GET /api/v1/organisations?country=RU&limit=50"
       "GET /api/v1/accreditations?status=special&country=FR&limit=50"
       "GET /api/v1/search?q=two words, officer")
SCRIPTS=(bench/point.lua bench/list.lua bench/list.lua bench/search.lua)
QUERIES=("" "/api/v1/organisations?country=RU&limit=50" "/api/v1/accreditations?status=special&country=FR&limit=50" "")
# CPU time (user + system) per request, of civdesk and, on PostgreSQL, of the cluster's
# processes too (its backends do the queries' work): steadier than the rates when other
# jobs share the machine (see "Point read, second round" below).
ticks() { local t=0 pid; for pid in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0))); done; echo $t; }
PM=$(head -1 "$PGDIR/data/postmaster.pid")
pg_pids() { echo "$PM" $(ps -o pid= --ppid "$PM"); }
RAW=$OUT/pgcmp-rounds.txt
: >"$RAW"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-pg: $ROUNDS rounds of wrk -t2 -c$CONNS -d${SECS}s per load and store (load average before: $LOAD_BEFORE)"
for r in $(seq "$ROUNDS"); do
    for i in "${!NAMES[@]}"; do
        order="sqlite pg"; [ $((r % 2)) -eq 0 ] && order="pg sqlite"
        for store in $order; do
            port=$SPORT; [ $store = pg ] && port=$PPORT
            pids=$S_PID; [ $store = pg ] && pids="$P_PID $(pg_pids)"
            c0=$(ticks $pids)
            row=$(run_wrk "http://127.0.0.1:$port" "${SCRIPTS[$i]}" "${QUERIES[$i]}" "$TOKEN")
            c1=$(ticks $pids)
            cpu=$(echo "scale=1; ($c1 - $c0) * 1000000 / $(getconf CLK_TCK) / ($(echo "$row" | cut -d'|' -f1) * $SECS)" | bc)
            echo "$r|$i|$store|$row|$cpu" | tee -a "$RAW"
        done
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# The statements of one point read on PostgreSQL (after a first one warmed the caches).
psql -X -q -d "$PGDB" -c "ALTER SYSTEM SET log_statement = 'all'" -c 'SELECT pg_reload_conf()' >/dev/null
sleep 0.5
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PPORT/api/v1/organisations/7"
sleep 0.3
before=$(wc -c <"$PGDIR/server.log")
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PPORT/api/v1/organisations/8"
sleep 0.5
tail -c +"$((before + 1))" "$PGDIR/server.log" >"$OUT/pgcmp-point-statements.log"
# …and of one accreditations list, for reading its plan afterwards.
before=$(wc -c <"$PGDIR/server.log")
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PPORT${QUERIES[2]}"
sleep 0.5
tail -c +"$((before + 1))" "$PGDIR/server.log" >"$OUT/pgcmp-list-statements.log"
psql -X -q -d "$PGDB" -c 'ALTER SYSTEM RESET log_statement' -c 'SELECT pg_reload_conf()' >/dev/null
STMTS=$(grep -cE 'LOG:  (statement|execute)' "$OUT/pgcmp-point-statements.log" || true)

kill $S_PID $P_PID 2>/dev/null || true
wait $S_PID $P_PID 2>/dev/null || true

# CSV import of every organisation into an empty database of each store.
$BIN export organisations --db "$DB" --format csv -o "$OUT/pgcmp-orgs.csv" 2>/dev/null
ROWS=$(($(wc -l <"$OUT/pgcmp-orgs.csv") - 1))
rm -f "$OUT/pgcmp-import.db"*
$BIN init --db "$OUT/pgcmp-import.db" >/dev/null
t0=$(date +%s.%N)
$BIN import organisations "$OUT/pgcmp-orgs.csv" --db "$OUT/pgcmp-import.db" >/dev/null 2>&1
IMP_S=$(echo "$ROWS / ($(date +%s.%N) - $t0)" | bc)
createdb_c civdesk_import
$BIN init --db "$PG dbname=civdesk_import" >/dev/null 2>&1
t0=$(date +%s.%N)
$BIN import organisations "$OUT/pgcmp-orgs.csv" --db "$PG dbname=civdesk_import" >/dev/null 2>&1
IMP_P=$(echo "$ROWS / ($(date +%s.%N) - $t0)" | bc)

# The table: mean over rounds per load and store.
mean() { # load store field → mean of that field over the rounds
    awk -F'|' -v i="$1" -v s="$2" -v f="$3" '$2 == i && $3 == s { t += $f; n++ } END { fmt = f == 4 ? "%.0f" : (f == 8 ? "%.1f" : "%.2f"); printf fmt, t / n }' "$RAW"
}
errs() { awk -F'|' -v i="$1" '$2 == i { t += $7 } END { print t + 0 }' "$RAW"; }
ROWS_MD=""
for i in "${!NAMES[@]}"; do
    sr=$(mean "$i" sqlite 4); pr=$(mean "$i" pg 4)
    ratio=$(printf '%.2f' "$(echo "scale=3; $pr / $sr" | bc)")
    ROWS_MD+="| ${NAMES[$i]} | $sr | $(mean "$i" sqlite 5) | $(mean "$i" sqlite 6) | $(mean "$i" sqlite 8) | $pr | $(mean "$i" pg 5) | $(mean "$i" pg 6) | $(mean "$i" pg 8) | **$ratio** | $(errs "$i") |"$'\n'
    [ "$i" -eq 0 ] && POINT_RATIO=$ratio
done
IMP_RATIO=$(printf '%.2f' "$(echo "scale=3; $IMP_P / $IMP_S" | bc)")
MET=$(echo "$POINT_RATIO >= 0.5" | bc)
[ "$MET" = 1 ] && MET=met || MET="**missed**"

CPU=$(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ //')
PGV=$(psql -X -A -t -d "$PGDB" -c 'SHOW server_version' | cut -d' ' -f1)
TABLE=$(cat <<MD
Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($CPU) with \`make bench-pg\`
(bench/pg-compare.sh): one database from bench/gen of $ORGS organisations, $ACCR
accreditations and $DOCS documents, copied into a throwaway PostgreSQL $PGV cluster on a
Unix socket (fsync off) with \`civdesk copy\` ($COPY_S s); both served by the same civdesk
binary with $(nproc) threads; wrk -t2 -c$CONNS -d${SECS}s on the same machine, $ROUNDS rounds
alternating which store goes first, mean over the rounds; load average $LOAD_BEFORE before,
$LOAD_AFTER after.

| load | SQLite req/s | p50 ms | p99 ms | CPU µs/req | PostgreSQL req/s | p50 ms | p99 ms | CPU µs/req (civdesk + postgres) | PG / SQLite req/s | non-2xx |
|---|---|---|---|---|---|---|---|---|---|---|
${ROWS_MD}| CSV import of every organisation ($ROWS rows), rows/s | $IMP_S | | | | $IMP_P | | | | **$IMP_RATIO** | |

- point read on PostgreSQL / on SQLite: **$POINT_RATIO** (target ≥ 0.5, issue 19): $MET
- SQL statements one point read sends to PostgreSQL (log_statement=all, after a warm-up
  request): **$STMTS** (build-bench/pgcmp-point-statements.log)
MD
)
echo "$TABLE"

DOC=docs/performance.md
if grep -q '<!-- bench-pg:begin -->' "$DOC"; then
    awk -v t="$TABLE" 'BEGIN{p=1} /<!-- bench-pg:begin -->/{print; print t; p=0} /<!-- bench-pg:end -->/{p=1} p' "$DOC" >"$DOC.tmp" && mv "$DOC.tmp" "$DOC"
else
    printf '\n## PostgreSQL beside SQLite (issue 19, part 6)\n\n<!-- bench-pg:begin -->\n%s\n<!-- bench-pg:end -->\n' "$TABLE" >>"$DOC"
fi
echo "bench-pg: wrote $DOC"
