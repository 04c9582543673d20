# The WAF guest (guest/waf/): built natively into the tests/waf suite and the fuzz target, and for
# wasm32-wasi into $(O)/guest/waf.wasm (the module aegis-node runs sandboxed).

WAF_SRC        := $(filter-out guest/waf/wasm_abi.c,$(wildcard guest/waf/*.c))
WAF_NATIVE_OBJ := $(patsubst %.c,$(O)/obj/%.o,$(WAF_SRC))
WAF_WASM       := $(O)/guest/waf.wasm
WAF_FUZZ       := $(O)/fuzz/waf_fuzz

# The suite links the WAF's objects: the generic suite rule links every .o prerequisite.
$(O)/tests/waf: $(WAF_NATIVE_OBJ) $(WAF_WASM)

WASM_CC    ?= clang
WASM_FLAGS := --target=wasm32-wasi -O2 -mbulk-memory -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -mexec-model=reactor \
              -Wl,--strip-debug -Wl,-z,stack-size=262144

$(WAF_WASM): $(wildcard guest/waf/*.c guest/waf/*.h)
	@mkdir -p $(@D)
	$(WASM_CC) $(WASM_FLAGS) -o $@ $(filter %.c,$^)

# libFuzzer over waf_analyze (clang only; run briefly by scripts/suites/waf-fuzz.sh).
$(WAF_FUZZ): tests/waf/fuzz/waf_fuzz.c $(WAF_SRC) $(wildcard guest/waf/*.h)
	@mkdir -p $(@D)
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -o $@ $(filter %.c,$^)

# Native vs sandboxed cost per request (bench/waf).
# Only the engine is needed: the WAF itself is compiled in from its objects.
$(O)/bench/waf_bench: bench/waf/waf_bench.c $(WAF_NATIVE_OBJ) $(O)/lib/libengine.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(LDOPT) -o $@ $< $(WAF_NATIVE_OBJ) $(O)/lib/libengine.a -lm

TEST_DEPS += $(WAF_WASM) $(WAF_FUZZ)

# Our WAF against ModSecurity v3 + OWASP CRS (Debian's libmodsecurity-dev, modsecurity-crs) on
# the corpora, same run. Links the corpus loader of tests/waf/ with a stand-in for the harness.
$(O)/bench/waf_vs_crs: bench/waf/waf_vs_crs.c bench/waf/corpus_shim.c tests/waf/corpus.c \
                       $(WAF_NATIVE_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(LDOPT) -o $@ $(filter %.c,$^) $(WAF_NATIVE_OBJ) -lmodsecurity

# Differential check of detection (bench/waf/waf_diff.c): the result JSON of every corpus request
# and of ~11,000 variants, to compare byte for byte before and after a change to the WAF.
$(O)/bench/waf_diff: bench/waf/waf_diff.c bench/waf/corpus_shim.c tests/waf/corpus.c \
                     $(WAF_NATIVE_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(LDOPT) -o $@ $(filter %.c,$^) $(WAF_NATIVE_OBJ)
