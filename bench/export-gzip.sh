#!/usr/bin/env bash
# The CSV export of every organisation over HTTP, as it is and gzipped, side by side in
# one run: bytes on the wire, wall time, and the server's CPU time for each. Part of
# make bench (bench/run.sh calls it with its server); on its own:
#
#   bench/export-gzip.sh DB [BIN]     serves DB with BIN (build/civdesk) on a free port
#
# Prints one Markdown table (and checks that the gzip decodes to the identity bytes).
set -euo pipefail

if [ -z "${EXPORT_PORT:-}" ]; then
    DB=$(realpath "${1:?usage: bench/export-gzip.sh DB [BIN]}")
    BIN=$(realpath "${2:-$(dirname "$0")/../build/civdesk}")
    echo 'bench-password-not-for-production 1' | $BIN user add --db "$DB" --email bench@bench.example --role officer >/dev/null 2>&1 || true
    TOKEN=$($BIN token create --db "$DB" --email bench@bench.example)
    EXPORT_PORT=18582
    $BIN serve --db "$DB" --listen 127.0.0.1:$EXPORT_PORT --threads "$(nproc)" >/dev/null 2>/dev/null &
    SERVER=$!
    trap 'kill $SERVER 2>/dev/null || true' EXIT
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$EXPORT_PORT/healthz" >/dev/null && break; sleep 0.1; done
fi
: "${TOKEN:?}" "${SERVER:?}"
URL="http://127.0.0.1:$EXPORT_PORT/api/v1/organisations?format=csv"
TMP=$(mktemp -d)
ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
one() { # name, extra curl args → "| name | bytes | s | cpu s |"; the body into $TMP/name
    local name=$1 t0 t1 got
    shift
    t0=$(ticks)
    # curl does not decode without --compressed: size_download is what crossed the wire.
    got=$(curl -s -o "$TMP/$name" -w '%{http_code} %{size_download} %{time_total}' \
        -H "Authorization: Bearer $TOKEN" "$@" "$URL")
    t1=$(ticks)
    set -- $got
    [ "$1" = 200 ] || { echo "bench: export answered $1" >&2; exit 1; }
    printf '| %s | %s | %.2f | %.2f |\n' "$name" "$2" "$3" \
        "$(echo "($t1 - $t0) / $(getconf CLK_TCK)" | bc -l)"
}
ROW_ID=$(one identity)
ROW_GZ=$(one gzip -H 'Accept-Encoding: gzip')
ID_BYTES=$(wc -c < "$TMP/identity")
[ "$(gzip -dc "$TMP/gzip" | wc -c)" = "$ID_BYTES" ] && gzip -dc "$TMP/gzip" | cmp -s - "$TMP/identity" ||
    { echo "bench: the gzip export does not decode to the identity export" >&2; exit 1; }
ROWS=$(($(grep -c $'\r$' "$TMP/identity") - 1))
echo "CSV export of every organisation over HTTP (GET /api/v1/organisations?format=csv, $ROWS rows, one client, curl):"
echo
echo "| Accept-Encoding | bytes on the wire | wall s | server CPU s |"
echo "|---|---|---|---|"
echo "$ROW_ID"
echo "$ROW_GZ"
rm -rf "$TMP"
