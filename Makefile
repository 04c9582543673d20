# AEGIS Edge build.
#
# Conventions (so that components never need to touch this file):
#   src/<component>/*.c   -> $(O)/lib/lib<component>.a   (one archive per component)
#   src/bin/<program>.c   -> $(O)/bin/<program>          (linked with every component archive)
#   tests/<suite>/*.c     -> $(O)/tests/<suite>          (one test binary per folder, harness linked in)
#   **/*.wat under tests/ -> $(O)/wat/<same path>.wasm   (test fixtures, built with wabt's wat2wasm)
#   mk/*.mk               -> component-specific rules (guest Wasm builds, fuzzers, benchmarks)
#
# MODE=release (default, -O2) or MODE=test (ASan + UBSan). BUILD=dir moves the whole output tree,
# so that several builds can run side by side.

MODE  ?= release
BUILD ?= build
O     := $(BUILD)/$(MODE)

CC      ?= cc
WARN    := -Wall -Wextra -Werror
CSTD    := -std=c11 -D_GNU_SOURCE
DEPFLAGS = -MMD -MP
INCLUDE := -Isrc -Itests/harness -I/usr/share/include/llhttp

ifeq ($(MODE),test)
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
  LDOPT := -fsanitize=address,undefined
else ifeq ($(MODE),release)
  OPT := -O2 -g
  LDOPT :=
else
  $(error MODE must be release or test, not '$(MODE)')
endif

CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(INCLUDE) $(DEPFLAGS) $(CFLAGS)
SYSLIBS := -luv -lyaml -ljansson -lcurl -lsodium -lpthread -lm

# Higher components first: a static archive only satisfies symbols of archives before it.
LINK_ORDER := node cli edge deploy http engine
COMPONENTS := $(foreach c,$(LINK_ORDER),$(if $(wildcard src/$(c)/*.c),$(c)))
COMP_LIBS  := $(foreach c,$(COMPONENTS),$(O)/lib/lib$(c).a)

# llhttp is compiled from the C sources that Debian's node-llhttp ships (never copied here).
LLHTTP_SRC := $(wildcard /usr/share/llhttp/*.c)
LLHTTP_OBJ := $(patsubst /usr/share/llhttp/%.c,$(O)/ext/llhttp/%.o,$(LLHTTP_SRC))
LLHTTP_LIB := $(O)/lib/libllhttp.a
ALL_LIBS   := $(COMP_LIBS) $(LLHTTP_LIB)

PROGRAMS    := $(patsubst src/bin/%.c,$(O)/bin/%,$(wildcard src/bin/*.c))
TEST_SUITES := $(filter-out harness,$(notdir $(patsubst %/,%,$(wildcard tests/*/))))
TEST_BINS   := $(foreach s,$(TEST_SUITES),$(if $(wildcard tests/$(s)/*.c),$(O)/tests/$(s)))
HARNESS_OBJ := $(patsubst %.c,$(O)/obj/%.o,$(wildcard tests/harness/*.c))
WAT_SRC     := $(shell find tests -name node_modules -prune -o -name '*.wat' -print 2>/dev/null)
WAT_WASM    := $(patsubst %.wat,$(O)/wat/%.wasm,$(WAT_SRC))

# Extra prerequisites that mk/*.mk add for test binaries (guest modules, peers, ...).
TEST_DEPS :=

.PHONY: all programs tests test run deps clean format
all: programs

include $(wildcard mk/*.mk)

programs: $(PROGRAMS)
tests: $(TEST_BINS) $(PROGRAMS) $(WAT_WASM) $(TEST_DEPS)

define COMPONENT_RULES
$(O)/lib/lib$(1).a: $(patsubst %.c,$(O)/obj/%.o,$(wildcard src/$(1)/*.c))
	@mkdir -p $$(@D)
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach c,$(COMPONENTS),$(eval $(call COMPONENT_RULES,$(c))))

define SUITE_RULES
$(O)/tests/$(1): $(patsubst %.c,$(O)/obj/%.o,$(wildcard tests/$(1)/*.c)) $(HARNESS_OBJ) $(ALL_LIBS)
	@mkdir -p $$(@D)
	$(CC) $(LDOPT) $(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(ALL_LIBS) $(SYSLIBS)
endef
$(foreach s,$(TEST_SUITES),$(eval $(call SUITE_RULES,$(s))))

$(O)/bin/%: $(O)/obj/src/bin/%.o $(ALL_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDOPT) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(SYSLIBS)

# Tests learn where the tree and the build are at compile time, so a test binary runs from anywhere.
$(O)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -DTEST_SRC_DIR='"$(CURDIR)"' -DTEST_BUILD_DIR='"$(abspath $(O))"' -c -o $@ $<

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(O)/ext/llhttp/%.o: /usr/share/llhttp/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 $(OPT) -w -I/usr/share/include/llhttp -c -o $@ $<

$(LLHTTP_LIB): $(LLHTTP_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(O)/wat/%.wasm: %.wat
	@mkdir -p $(@D)
	wat2wasm --enable-all -o $@ $<

deps:
	@scripts/install-deps.sh

# The two commands of the README.
test: deps
	@$(MAKE) --no-print-directory MODE=test tests
	@scripts/run-tests.sh $(BUILD)/test

run: deps
	@$(MAKE) --no-print-directory MODE=release programs
	$(O)/bin/aegis-node $(ARGS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
