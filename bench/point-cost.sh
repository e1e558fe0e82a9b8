#!/usr/bin/env bash
# CPU instructions per point read, counted by callgrind: repeatable on a shared machine,
# where wall-clock rates are not (docs/performance.md, "Point read: instructions").
#
#   bench/point-cost.sh BIN DB [N]
#
# Serves DB (any database bench/gen made; a point read's cost does not depend on its size)
# with BIN under callgrind, warms up with 200 reads, zeroes the counters, sends N (2000)
# reads of GET /api/v1/organisations/{id} with a bearer token over one keep-alive
# connection (curl's URL range), and prints the server's instructions per request (all
# threads: libmicrohttpd, SQLite, civdesk, libc). CG_OUT keeps the callgrind file for
# callgrind_annotate.
set -euo pipefail
BIN=$1
DB=$2
N=${3:-2000}
OUT=${CG_OUT:-$(mktemp -d)/callgrind.out}
PORT=${CG_PORT:-18590}

$BIN init --db "$DB" >/dev/null 2>&1
echo 'bench-password-not-for-production 1' |
    $BIN user add --db "$DB" --email bench@bench.example --role officer >/dev/null 2>&1 || true
TOKEN=$($BIN token create --db "$DB" --email bench@bench.example)

valgrind --tool=callgrind --callgrind-out-file="$OUT" \
    "$BIN" serve --db "$DB" --listen 127.0.0.1:$PORT --threads 2 >/dev/null 2>"$OUT.log" &
VG=$!
trap 'kill $VG 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

reads() { # first last: point reads of ids first..last on one connection; prints 200s
    curl -s -H "Authorization: Bearer $TOKEN" -w '%{stderr}%{http_code}\n' \
        "http://127.0.0.1:$PORT/api/v1/organisations/[$1-$2]" 2>&1 >/dev/null | grep -c '^200$'
}
reads 1 200 >/dev/null
callgrind_control -z $VG >/dev/null 2>&1
ok=$(reads 1 "$N")
[ "$ok" = "$N" ] || { echo "point-cost: $ok of $N reads answered 200" >&2; exit 1; }
callgrind_control -d $VG >/dev/null 2>&1
sleep 0.5
# The dump after zeroing is the last file written: $OUT.N (one per dump).
last=$(ls -t "$OUT".* | grep -v '\.log$' | head -1)
total=$(awk '/^(summary|totals):/ {print $2; exit}' "$last")
echo "$N point reads: $total instructions, $((total / N)) per request ($last)"
