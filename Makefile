# civdesk — a plain Makefile (see docs/architecture.md for why not Meson).
#
#   make            build build/civdesk
#   make run        install what is missing, build, create a demo database, serve it
#   make check      install what is missing, run every test, then again under ASan+UBSan
#   make asan       build build-asan/civdesk (ASan + UBSan)
#   make format     clang-format every C file
#   make api-doc    rewrite docs/api.md's route table from src/http/routes.c
#   make openapi-check  the API document through swagger-parser, redocly and a generated client
#
# BUILD selects the output directory, so several builds can live side by side.

BUILD    ?= build
SAN      ?=
CC       ?= cc
PKGS     := libmicrohttpd jansson sqlite3 libsodium pwquality xlsxwriter libical
PKGS     += icu-uc  # Unicode character properties (word counts in any script)
PKGS     += icu-i18n  # search tokenizer: word breaks, transliteration (libstemmer: -lstemmer)
PKGS     += libcurl  # e-mail: SMTP with STARTTLS / SMTPS (src/io/mail.c)
PKGS     += zlib  # gzip of responses (src/http/encoding.c)
PKGS     += libpq  # PostgreSQL, the second store (src/store/db_pgsql.c)
CFLAGS_WARN := -std=gnu17 -Wall -Wextra -Werror -Wshadow -Wvla -Wstrict-prototypes \
               -Wmissing-prototypes -Wwrite-strings -Wno-unused-parameter
OPT      ?= -O2 -g
CFLAGS_ALL = $(CFLAGS_WARN) $(OPT) $(SAN) -Isrc -I$(BUILD)/gen -D_FORTIFY_SOURCE=2 \
             $(shell pkg-config --cflags $(PKGS)) $(CFLAGS)
LDLIBS_ALL = $(shell pkg-config --libs $(PKGS)) -lcsv -lstemmer -lpthread -lm $(LDLIBS)

SRC      := $(sort $(wildcard src/*/*.c))
MAIN_SRC := src/cli/main.c
LIB_SRC  := $(filter-out $(MAIN_SRC),$(SRC))
GEN_SRC  := $(BUILD)/gen/iso_data.c $(BUILD)/gen/migrations.c $(BUILD)/gen/migrations_pgsql.c \
            $(BUILD)/gen/web.c \
            $(BUILD)/gen/labels.c
OBJ      := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC)) \
            $(patsubst $(BUILD)/gen/%.c,$(BUILD)/obj/gen/%.o,$(GEN_SRC))
MIGRATIONS := $(sort $(wildcard migrations/*.sql))
MIGRATIONS_PGSQL := $(sort $(wildcard migrations/pgsql/*.sql))
WEB_FILES  := $(sort $(shell find web -type f -not -name ".*"))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
ISO_DIR  ?= /usr/share/iso-codes/json

# Node.js for the test runners: a private one where scripts/deps.sh had to install it
# (the system's older than 20), else the system's.
export PATH := $(CURDIR)/.tools/node/node_modules/.bin:$(PATH)

.PHONY: all run check asan unit api openapi-check api-doc test-all format deps clean bench bench-search fuzz fuzz-replay crash crash-short soak e2e check-pg
all: $(BUILD)/civdesk

deps:
	@scripts/deps.sh

$(BUILD)/tools/%: tools/%.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -o $@ $< $(shell pkg-config --cflags --libs jansson)

$(BUILD)/gen/iso_data.c: $(BUILD)/tools/gen_iso
	@mkdir -p $(dir $@)
	$(BUILD)/tools/gen_iso $(ISO_DIR) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/migrations.c: $(BUILD)/tools/embed $(MIGRATIONS)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed embed_migrations migrations/ $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/migrations_pgsql.c: $(BUILD)/tools/embed $(MIGRATIONS_PGSQL)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed embed_migrations_pgsql migrations/pgsql/ $(MIGRATIONS_PGSQL) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/web.c: $(BUILD)/tools/embed $(WEB_FILES)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed embed_web web/ $(WEB_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/labels.c: $(BUILD)/tools/gen_labels web/assets/js/strings.js
	@mkdir -p $(dir $@)
	$(BUILD)/tools/gen_labels web/assets/js/strings.js > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -Wmissing-prototypes,$(CFLAGS_ALL)) -c -o $@ $<

$(BUILD)/libcivdesk.a: $(OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/civdesk: $(BUILD)/obj/cli/main.o $(BUILD)/libcivdesk.a
	$(CC) $(SAN) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcivdesk.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags cmocka) -o $@ $< $(BUILD)/libcivdesk.a \
		$(LDLIBS_ALL) $(shell pkg-config --libs cmocka)

# docs/api.md's route table, written from the route declarations (make unit checks it).
$(BUILD)/api_doc: tools/api_doc.c $(BUILD)/libcivdesk.a
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libcivdesk.a $(LDLIBS_ALL)

api-doc: $(BUILD)/api_doc
	$(BUILD)/api_doc docs/api.md

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- tests ------------------------------------------------------------------------------

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

api: $(BUILD)/civdesk
	CIVDESK_BIN=$(abspath $(BUILD)/civdesk) node --test --test-concurrency=2 tests/api/

# /api/v1/openapi.json through swagger-parser, redocly lint and a generated client (also
# part of `make api`, whose every answer is validated against the document).
openapi-check: $(BUILD)/civdesk
	CIVDESK_BIN=$(abspath $(BUILD)/civdesk) node --test tests/api/openapi_tools.test.mjs

# Browser tests: Debian's chromium driven by playwright-core against the real binary
# (see docs/ui.md). They run in both passes of `make check`, ASan+UBSan included: the
# browser dominates their time, not the server.
e2e: $(BUILD)/civdesk
	CIVDESK_BIN=$(abspath $(BUILD)/civdesk) node --test --test-concurrency=2 tests/e2e/

test-all: unit api e2e

# The API tests on PostgreSQL: tests/pg/run.sh starts a throwaway cluster (as `nobody`
# when run as root), each test file gets a database of its own in it, and the cluster is
# removed afterwards. Tests of `civdesk backup`'s copy skip themselves there (it refuses
# on PostgreSQL, which is tested); tests of several servers on one database run there
# only. Part of `make check`, after the SQLite suites.
PG_API_TESTS ?= tests/api/
check-pg: $(BUILD)/civdesk
	tests/pg/run.sh env CIVDESK_BIN=$(abspath $(BUILD)/civdesk) \
		node --test --test-concurrency=2 $(PG_API_TESTS)

asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" all

check: deps
	$(MAKE) test-all
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" test-all
	$(MAKE) check-pg
	$(MAKE) crash-short
	$(MAKE) fuzz-replay
	@echo "make check: all suites passed (plain and ASan+UBSan, the API suite on PostgreSQL, fuzz corpora replayed)"

# ---- fuzzing (clang's libFuzzer with ASan+UBSan) ---------------------------------------
# make fuzz            runs every target for FUZZ_SECONDS, growing its corpus (a target's
#                      extra libFuzzer flags, if any, are in tests/fuzz/<name>.options)
# make fuzz-replay     runs every corpus file once through its target (part of make check)

FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC))
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c FORCE
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -g" \
		SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" build-fuzz/libcivdesk.a
	clang -std=gnu17 -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -Isrc -Ibuild-fuzz/gen \
		$(shell pkg-config --cflags jansson) -o $@ $< build-fuzz/libcivdesk.a $(LDLIBS_ALL)

fuzz-replay: $(patsubst %,build-fuzz/fuzz_%,$(FUZZ_NAMES))
	@set -e; for n in $(FUZZ_NAMES); do \
		mkdir -p tests/fuzz/corpus/$$n; \
		files=$$(find tests/fuzz/corpus/$$n -type f | sort); \
		echo "== fuzz replay $$n ($$(echo "$$files" | grep -c . ) inputs)"; \
		[ -z "$$files" ] || build-fuzz/fuzz_$$n $$files > build-fuzz/replay_$$n.log 2>&1 \
			|| { cat build-fuzz/replay_$$n.log; exit 1; }; \
	done

fuzz: $(patsubst %,build-fuzz/fuzz_%,$(FUZZ_NAMES))
	@set -e; for n in $(FUZZ_NAMES); do \
		mkdir -p tests/fuzz/corpus/$$n build-fuzz/new_$$n; \
		dict=""; [ -f tests/fuzz/$$n.dict ] && dict="-dict=tests/fuzz/$$n.dict"; \
		opts=""; [ -f tests/fuzz/$$n.options ] && opts="$$(cat tests/fuzz/$$n.options)"; \
		echo "== fuzz $$n for $(FUZZ_SECONDS)s"; \
		build-fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 $$dict $$opts \
			build-fuzz/new_$$n tests/fuzz/corpus/$$n; \
		build-fuzz/fuzz_$$n -merge=1 tests/fuzz/corpus/$$n build-fuzz/new_$$n 2>/dev/null; \
	done

FORCE:

# ---- benchmarks (never part of make check) -----------------------------------------------

# The generator writes bench/search's corpus as its documents.
$(BUILD)/bench/gen: bench/gen.c bench/search/corpus.c bench/search/corpus.h \
		$(BUILD)/libcivdesk.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ bench/gen.c bench/search/corpus.c $(BUILD)/libcivdesk.a $(LDLIBS_ALL)

bench: deps
	bench/run.sh

$(BUILD)/bench/search: bench/search/bench_search.c bench/search/corpus.c bench/search/corpus.h \
		$(BUILD)/libcivdesk.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ bench/search/bench_search.c bench/search/corpus.c \
		$(BUILD)/libcivdesk.a $(LDLIBS_ALL)

# Search: 200,000 bilingual documents, civdesk tokenizer against unicode61 (BENCH_SEARCH_DOCS).
bench-search: deps
	bench/search/run.sh

# Crash durability: 20 kill -9 cycles run in make check; make crash runs the long one.
crash-short: $(BUILD)/civdesk
	CIVDESK_BIN=$(abspath $(BUILD)/civdesk) node --test tests/crash/

crash: deps all
	CRASH_CYCLES=200 CRASH_WRITERS=16 CIVDESK_BIN=$(abspath $(BUILD)/civdesk) \
		node --test tests/crash/

# Soak: a fixed mixed rate for SOAK_SECONDS (600); memory, descriptors and WAL sampled.
soak: deps all
	CIVDESK_BIN=$(abspath $(BUILD)/civdesk) node tests/soak/soak.mjs

# ---- running ----------------------------------------------------------------------------

DB ?= civdesk.db
LISTEN ?= 127.0.0.1:8080
run: deps
	$(MAKE) all
	@if [ ! -f "$(DB)" ]; then $(BUILD)/civdesk demo --db "$(DB)"; \
	else $(BUILD)/civdesk init --db "$(DB)" >/dev/null; \
	     [ -f "$(DB).login" ] && cat "$(DB).login" || true; fi
	$(BUILD)/civdesk serve --db "$(DB)" --listen $(LISTEN)

format:
	clang-format -i $(SRC) $(wildcard src/*/*.h) $(wildcard tools/*.c) $(UNIT_SRC)

clean:
	rm -rf build build-asan
