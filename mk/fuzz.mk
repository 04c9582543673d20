# libFuzzer target for decode + validate (fuzz/fuzz_module.c). The engine sources are compiled a
# second time with clang and -fsanitize=fuzzer-no-link,address,undefined into $(BUILD)/fuzz/,
# whatever MODE is, and linked with the libFuzzer driver. The seed corpus is every Wasm module of
# the test fixtures. scripts/suites/fuzz.sh runs it briefly; docs/FUZZING.md has the long run.
#
#   make BUILD=dir fuzz            build $(BUILD)/fuzz/fuzz_module and $(BUILD)/fuzz/seed/

FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_BIN     := $(FUZZ_DIR)/fuzz_module
FUZZ_SEED    := $(FUZZ_DIR)/seed/.stamp
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -O1 -g -fno-omit-frame-pointer -Isrc \
                -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_ENGINE_OBJ := $(patsubst src/engine/%.c,$(FUZZ_DIR)/obj/engine/%.o,$(wildcard src/engine/*.c))

.PHONY: fuzz
fuzz: $(FUZZ_BIN) $(FUZZ_SEED)
TEST_DEPS += $(FUZZ_BIN) $(FUZZ_SEED)

$(FUZZ_DIR)/obj/engine/%.o: src/engine/%.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

# The interpreter loop runs only the start functions of fuzzed modules, under a 10,000-unit fuel
# budget; the target is the front end. Optimising and coverage-instrumenting the loop's one
# computed-goto function costs clang over ten CPU minutes, so it is built at -O0, still under
# ASan+UBSan, without coverage feedback.
$(FUZZ_DIR)/obj/engine/exec.o: src/engine/exec.c
	@mkdir -p $(@D)
	clang $(filter-out -O1 -fsanitize=fuzzer-no-link%,$(FUZZ_CFLAGS)) -O0 \
	    -fsanitize=address,undefined -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/obj/fuzz_module.o: fuzz/fuzz_module.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BIN): $(FUZZ_DIR)/obj/fuzz_module.o $(FUZZ_ENGINE_OBJ)
	clang -fsanitize=fuzzer,address,undefined -o $@ $^ -lpthread -lm

# Seeds: the compiled .wat fixtures and WASI test programs (copied flat, named by their path).
$(FUZZ_SEED): $(WAT_WASM) $(WASI_TEST_WASM)
	@mkdir -p $(@D)
	@for f in $^; do cp "$$f" "$(@D)/$$(echo "$$f" | tr / _)"; done
	@touch $@

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
