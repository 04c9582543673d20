# The edge component: the guest SDK examples (guest/examples/*.c, built for wasm32-wasi with
# guest/sdk/aegis.h into $(O)/guest/examples/NAME.wasm), which the tests/edge suite runs, and the
# server of bench/edge (`make BUILD=dir MODE=release bench-edge-bins`; bench/edge/run.sh runs it).

EDGE_WASM_CC    ?= clang
EDGE_WASM_FLAGS := --target=wasm32-wasi -O2 -std=c11 -Wall -Wextra -Werror -mexec-model=reactor \
                   -Iguest/sdk -Wl,--strip-debug -Wl,-z,stack-size=65536
EDGE_EXAMPLES   := $(patsubst guest/examples/%.c,$(O)/guest/examples/%.wasm,$(wildcard guest/examples/*.c))

$(O)/guest/examples/%.wasm: guest/examples/%.c guest/sdk/aegis.h
	@mkdir -p $(@D)
	$(EDGE_WASM_CC) $(EDGE_WASM_FLAGS) -o $@ $<

# A second build of versioned.c, for the hot reload tests.
EDGE_EXAMPLES += $(O)/guest/examples/versioned_v2.wasm
$(O)/guest/examples/versioned_v2.wasm: guest/examples/versioned.c guest/sdk/aegis.h
	@mkdir -p $(@D)
	$(EDGE_WASM_CC) $(EDGE_WASM_FLAGS) -DAEGIS_VERSION='"2"' -o $@ $<

# The suite also runs the real WAF (rule in mk/waf.mk).
$(O)/tests/edge: $(EDGE_EXAMPLES) $(O)/guest/waf.wasm

TEST_DEPS += $(EDGE_EXAMPLES)

# bench/edge: the server the benchmark drives (the http layer with the edge stages).
EDGE_BENCH_SERVER := $(O)/bench/edge_server
$(EDGE_BENCH_SERVER): bench/edge/edge_server.c $(O)/lib/libedge.a $(O)/lib/libhttp.a \
                      $(O)/lib/libengine.a $(LLHTTP_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(LDOPT) $(LDFLAGS) -o $@ $< $(O)/lib/libedge.a $(O)/lib/libhttp.a \
	    $(O)/lib/libengine.a $(LLHTTP_LIB) $(SYSLIBS)

.PHONY: bench-edge-bins
bench-edge-bins: $(EDGE_BENCH_SERVER) $(EDGE_EXAMPLES) $(O)/guest/waf.wasm
