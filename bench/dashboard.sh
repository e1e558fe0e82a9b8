#!/usr/bin/env bash
# What the dashboard and the calendars load, at the size of DB: each request N times in
# turn on one connection (curl), as an officer; prints one markdown row per request:
# | request | p50 ms | max ms | bytes |  (docs/performance.md, "Dashboard and calendars").
#
#   bench/dashboard.sh BIN DB [N]      (PORT=18590)
#
# The calendar rows ask for the busiest report day in the next year (1 June at every
# body that has one): its first page, the page after it, and /calendar.ics for the whole
# year, whose size is the point (13 MB before issue 21).
set -euo pipefail
BIN=$1
DB=$2
N=${3:-20}
PORT=${PORT:-18590}

echo 'bench-password-not-for-production 1' |
    "$BIN" user add --db "$DB" --email bench@bench.example --role officer >/dev/null 2>&1 || true
TOKEN=$("$BIN" token create --db "$DB" --email bench@bench.example)
"$BIN" serve --db "$DB" --listen 127.0.0.1:$PORT --threads 2 >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

TODAY=$(date -u +%F)
IN90=$(date -u -d '+90 days' +%F)
YEAR=$(date -u +%Y)
JUNE=$YEAR-06-01
[[ $JUNE > $TODAY ]] || JUNE=$((YEAR + 1))-06-01

measure() { # label path: N timed requests; every one must answer 200
    local label=$1 path=$2 times=() code size t
    for _ in $(seq "$N"); do
        read -r code size t < <(curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" \
            -w '%{http_code} %{size_download} %{time_total}\n' "http://127.0.0.1:$PORT$path")
        [ "$code" = 200 ] || { echo "dashboard: $path answered $code" >&2; exit 1; }
        times+=("$t")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v l="$label" -v s="$size" '
        { v[NR] = $1 * 1000 } END { printf "| %s | %.1f | %.1f | %d |\n", l, v[int((NR + 1) / 2)], v[NR], s }'
}

C=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/calendar?from=$JUNE&to=$JUNE&limit=500" |
    sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p')
measure "GET /api/v1/stats/pipeline" "/api/v1/stats/pipeline"
measure "GET /api/v1/organisations?count=true&limit=1" "/api/v1/organisations?count=true&limit=1"
measure "GET /api/v1/accreditations?state=active&count=true&limit=1" "/api/v1/accreditations?state=active&count=true&limit=1"
measure "GET /api/v1/applications?count=true&limit=1" "/api/v1/applications?count=true&limit=1"
measure "GET /api/v1/reports?state=draft&count=true&limit=1" "/api/v1/reports?state=draft&count=true&limit=1"
measure "GET /api/v1/accreditations?overdue=true&limit=50" "/api/v1/accreditations?overdue=true&limit=50"
measure "GET /api/v1/stats/delegations" "/api/v1/stats/delegations"
measure "GET /api/v1/calendar, today + 90 days, first page" "/api/v1/calendar?from=$TODAY&to=$IN90"
measure "GET /api/v1/calendar, $JUNE, first page (500)" "/api/v1/calendar?from=$JUNE&to=$JUNE&limit=500"
[ -z "$C" ] || measure "GET /api/v1/calendar, $JUNE, second page" "/api/v1/calendar?from=$JUNE&to=$JUNE&limit=500&cursor=$C"
N=$(( N < 3 ? N : 3 )) measure "GET /calendar.ics (today + 365 days)" "/calendar.ics"
