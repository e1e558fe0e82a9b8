#!/usr/bin/env bash
# Proves README's two commands on a Debian 12 system nobody has touched: builds a bare
# Debian 12 root with mmdebstrap (minbase, from this machine's own apt sources — no mirror
# is named here), copies the committed tree into it (what a clone holds), and runs there,
# in order, `make run` (until /healthz answers, then stops it) and `make check`, printing
# the time of each. Exit 0 only when both pass. Not part of `make check` (it downloads and
# installs everything, twenty minutes or more): run it whenever scripts/deps.sh changes,
# and write the result into docs/reliability.md.
#
#   scripts/fresh-check.sh            (as root: it mounts /proc, /sys and /dev in the root)
#   KEEP=1 scripts/fresh-check.sh     keeps the root afterwards (its path is printed)
#   PORT=18080 scripts/fresh-check.sh the port `make run` serves on (default 18080)
#
# What the root has before the two commands: Debian's minbase variant plus `make` (to type
# `make` at all) and the trust anchors this machine's network needs (its apt proxy
# settings and any CA in /usr/local/share/ca-certificates) — nothing of civdesk's.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "fresh-check: run as root (it builds and enters a chroot)" >&2; exit 2; }
command -v mmdebstrap >/dev/null || {
    echo "fresh-check: installing mmdebstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap
}

PORT=${PORT:-18080}
ROOT=$(mktemp -d /var/tmp/civdesk-fresh.XXXXXX)
LOG=$ROOT.log
MOUNTS=()

cleanup() {
    set +e
    [ -n "${RUN_PID:-}" ] && kill -- -"$RUN_PID" 2>/dev/null
    # Processes left in the root (a server, a browser) would hold its mounts.
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && kill -9 "${p#/proc/}" 2>/dev/null
    done
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTS[$i]}" 2>/dev/null; done
    if [ -n "${KEEP:-}" ]; then echo "fresh-check: root kept at $ROOT"; else rm -rf "$ROOT"; fi
}
trap cleanup EXIT

# apt options this machine's apt runs with (e.g. not refusing an index past its
# Valid-Until), so that mmdebstrap reads the same sources the same way.
APTOPTS=()
for f in /etc/apt/apt.conf.d/*; do
    grep -qE '^(Acquire::(Check-Valid-Until|Check-Date|https?::Proxy)|Acquire::(http|https)::Proxy)' "$f" 2>/dev/null &&
        APTOPTS+=(--aptopt="$f")
done

echo "fresh-check: building a bare Debian 12 root in $ROOT (log: $LOG)"
t0=$(date +%s)
mmdebstrap --variant=minbase --include=make "${APTOPTS[@]}" \
    --customize-hook='mkdir -p "$1/usr/local/share/ca-certificates"' \
    --customize-hook='for c in /usr/local/share/ca-certificates/*.crt; do [ -e "$c" ] && cp "$c" "$1/usr/local/share/ca-certificates/"; done; true' \
    bookworm "$ROOT" >"$LOG" 2>&1 || { tail -20 "$LOG"; echo "fresh-check: mmdebstrap failed" >&2; exit 1; }
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# npm's registry goes through the same trust anchors: give the root's npm the bundle that
# ca-certificates will build there, as this machine's npm has.
[ -f /etc/npmrc ] && cp /etc/npmrc "$ROOT/etc/npmrc"
echo "fresh-check: root ready in $(($(date +%s) - t0)) s"

mkdir -p "$ROOT/src/civdesk"
COMMIT=$(git rev-parse --short HEAD)
git archive --format=tar "$COMMIT" | tar -x -C "$ROOT/src/civdesk"
echo "fresh-check: copied $COMMIT into the root"

# The root is a mount point of its own, as / is on a machine (tests make private mount
# namespaces with unshare -m, which needs / to be one).
mount --bind "$ROOT" "$ROOT"
MOUNTS+=("$ROOT")
for m in proc sys dev dev/pts dev/shm; do
    mkdir -p "$ROOT/$m"
    mount --bind "/$m" "$ROOT/$m"
    MOUNTS+=("$ROOT/$m")
done

in_root() {
    chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 TERM=dumb CI=true bash -c "cd /src/civdesk && $1"
}

# 1. make run: until /healthz answers (the server is then stopped). Installing Debian's
# packages and npm's comes first, so this is the long step.
echo "fresh-check: make run"
t1=$(date +%s)
set -m
in_root "make run LISTEN=127.0.0.1:$PORT" >"$ROOT.run.log" 2>&1 </dev/null &
RUN_PID=$!
set +m
ok=
for _ in $(seq 1 1800); do
    if ! kill -0 "$RUN_PID" 2>/dev/null; then break; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3 &&
        head -1 <&3 | grep -q ' 200') 2>/dev/null; then
        ok=1
        break
    fi
    sleep 1
done
run_s=$(($(date +%s) - t1))
kill -- -"$RUN_PID" 2>/dev/null || true
wait "$RUN_PID" 2>/dev/null || true
RUN_PID=
if [ -z "$ok" ]; then
    tail -30 "$ROOT.run.log"
    echo "fresh-check: FAIL: make run did not answer /healthz (after $run_s s; log $ROOT.run.log)" >&2
    exit 1
fi
grep -q "demo logins" "$ROOT.run.log" && echo "fresh-check: make run printed the demo logins"
echo "fresh-check: make run served /healthz after $run_s s"

# 2. make check, as CI runs it.
echo "fresh-check: make check"
t2=$(date +%s)
if ! in_root "make check" >"$ROOT.check.log" 2>&1 </dev/null; then
    tail -40 "$ROOT.check.log"
    echo "fresh-check: FAIL: make check (after $(($(date +%s) - t2)) s; log $ROOT.check.log)" >&2
    exit 1
fi
check_s=$(($(date +%s) - t2))
grep -E "^# (pass|fail)" "$ROOT.check.log" | sort | uniq -c | sed 's/^/fresh-check:   /'
echo "fresh-check: PASS on $(date -u +%F) at $COMMIT: root $((t1 - t0)) s, make run $run_s s, make check $check_s s"
