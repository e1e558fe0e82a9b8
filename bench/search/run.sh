#!/usr/bin/env bash
# make bench-search: the search benchmark (bench/search/bench_search.c), never part of
# make check.
#
#   BENCH_SEARCH_DOCS (200000)   documents, each with a Russian and an English translation
#
# Builds an -O2 build of its own (build-bench/build-search), generates the corpus into a
# fresh database (build-bench/search.db), measures, and writes the results into
# docs/performance.md between the search markers (the section is added if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."

DOCS=${BENCH_SEARCH_DOCS:-200000}
OUT=build-bench
BUILD=$OUT/build-search
mkdir -p "$OUT"
make -s -j"$(nproc)" BUILD="$BUILD" "$BUILD/bench/search"
"$BUILD/bench/search" --db "$OUT/search.db" --docs "$DOCS" --out "$OUT/search.md"

DOC=docs/performance.md
BEGIN='<!-- bench-search:begin -->'
END='<!-- bench-search:end -->'
[ -f "$DOC" ] || printf '# Performance\n\nMeasured numbers; see DESIGN §8 for the targets.\n' > "$DOC"
if ! grep -qF "$BEGIN" "$DOC"; then
    printf '\n## Search\n\n%s\n%s\n' "$BEGIN" "$END" >> "$DOC"
fi
awk -v begin="$BEGIN" -v end="$END" -v file="$OUT/search.md" '
    $0 == begin { print; while ((getline line < file) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }
' "$DOC" > "$DOC.tmp" && mv "$DOC.tmp" "$DOC"
echo "bench-search: results written to $DOC"
