#!/usr/bin/env bash
# Search on both stores, same data, same queries, same run: 20,000 synthetic organisations
# (3-word names, 30-word descriptions from 30 Russian or 30 English words) imported into a
# SQLite file and a PostgreSQL database, then bench/search/pg_compare.mjs against each.
# Run inside the throwaway cluster:
#
#   tests/pg/run.sh bench/search/pg_compare.sh build/civdesk
set -euo pipefail
BIN=$(realpath "${1:-build/civdesk}")
here=$(cd "$(dirname "$0")" && pwd)
[ -n "${CIVDESK_TEST_PG:-}" ] || { echo "run under tests/pg/run.sh" >&2; exit 2; }
dir=$(mktemp -d /tmp/civdesk-pgcmp.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
python3 - >"$dir/orgs.csv" <<'PY'
import random
random.seed(7)
ru = "права человека мониторинг выборов доклад нарушения защита памяти ветеранов музей истории культура наследие молодежь образование экология развитие сотрудничество фонд ассоциация союз общество центр инициатива женщин детей здоровья спорта искусства науки".split()
en = "rights human monitoring elections report violations protection memory veterans museum history culture heritage youth education ecology development cooperation fund association union society centre initiative women children health sport arts science".split()
print("name,country,city,description")
for i in range(20000):
    w = ru if i % 2 else en
    name = " ".join(random.choice(w) for _ in range(3)).capitalize() + f" {i}"
    desc = " ".join(random.choice(w) for _ in range(30))
    print(f'"{name}",{random.choice(["RU", "FR", "DE", "GB"])},{random.choice(["Moscow", "Samara", "Paris"])},"{desc}"')
PY
createdb civdesk_pgcmp
port=18971
for db in "$dir/s.db" "$CIVDESK_TEST_PG dbname=civdesk_pgcmp"; do
    "$BIN" init --db "$db" >/dev/null 2>&1
    echo 'bench password 2026 correct horse' | "$BIN" user add --db "$db" --email o@bench.example --role officer >/dev/null
    "$BIN" import organisations "$dir/orgs.csv" --db "$db" 2>&1 | tail -1
    tok=$("$BIN" token create --db "$db" --email o@bench.example)
    "$BIN" serve --db "$db" --listen 127.0.0.1:$port --threads 2 >/dev/null 2>&1 &
    pid=$!
    sleep 2
    echo "== $db"
    node "$here/pg_compare.mjs" "http://127.0.0.1:$port" "$tok"
    kill $pid
    wait $pid 2>/dev/null || true
    port=$((port + 1))
done
