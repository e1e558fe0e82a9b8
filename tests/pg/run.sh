#!/usr/bin/env bash
# Runs commands against a throwaway PostgreSQL 15 cluster: creates it in a temporary
# directory, starts it on a Unix socket there (no TCP port, so nothing clashes with
# another cluster or another run), runs the command with CIVDESK_TEST_PG set to its
# connection string, then stops the cluster and removes the directory, whatever the
# command's outcome. PostgreSQL refuses to run as root: as root (CI) the cluster runs as
# `nobody`, otherwise as the caller.
#
#   tests/pg/run.sh node --test tests/api/organisations.test.mjs
#
# The API tests' harness (tests/api/lib/server.mjs) then gives each test file a fresh
# database of its own in this cluster (createdb), instead of a SQLite file.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/initdb" ] || { echo "tests/pg: no $PGBIN/initdb: install postgresql-15 (scripts/deps.sh)" >&2; exit 2; }
[ $# -gt 0 ] || { echo "usage: tests/pg/run.sh COMMAND [ARG...]" >&2; exit 2; }

dir=$(mktemp -d /tmp/civdesk-pg.XXXXXX)
as=()
if [ "$(id -u)" -eq 0 ]; then
    as=(runuser -u nobody --)
    chown nobody "$dir"
fi
chmod 0755 "$dir"

cleanup() {
    "${as[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# C collation: text sorts by code point, as SQLite's BINARY does, so lists page and
# sort the same on both stores. fsync off: a throwaway cluster needs no durability.
"${as[@]}" "$PGBIN/initdb" -D "$dir/data" -U civdesk --auth=trust -E UTF8 --locale=C \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
"${as[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses='' -k $dir -p 5432 -c fsync=off -c synchronous_commit=off -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export CIVDESK_TEST_PG="host=$dir port=5432 user=civdesk"
export PGHOST=$dir PGPORT=5432 PGUSER=civdesk
# For a test that stops and starts PostgreSQL under running servers (pg_restart): it makes
# a cluster of its own, not to take this one from the test files running beside it, with
# these binaries and as this user (empty: the caller).
export CIVDESK_TEST_PG_BIN="$PGBIN" CIVDESK_TEST_PG_AS=${as:+nobody}
set +e
"$@"
rc=$?
set -e
exit $rc
