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

# The browser tests' npm packages (package.json, exact versions in package-lock.json):
# installed when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "deps: npm ci (playwright-core, axe-core for the browser tests)"
    npm ci --no-audit --no-fund --loglevel=error
fi
