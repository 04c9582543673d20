# Module authors in Rust and AssemblyScript: the SDKs (guest/sdk-rust, guest/sdk-as), the four
# example functions in both languages (guest/examples-rust, guest/examples-as), built into
#   $(O)/guest/examples-rust/NAME.wasm   Debian's cargo/rustc, offline, one workspace (serde is
#                                        compiled once, cached in $(O)/sdk/cargo)
#   $(O)/guest/examples-as/NAME.wasm     the AssemblyScript compiler that
#                                        `scripts/peers-install.sh as` puts in guest/sdk-as
# as fixtures of tests/sdk, which also links the node suite's process and HTTP helpers.
#   make BUILD=dir MODE=test dir/test/tests/sdk     the suite and everything it runs

SDK_CARGO ?= /usr/bin/cargo
SDK_RUSTC ?= /usr/bin/rustc
SDK_CARGO_DIR := $(abspath $(O))/sdk/cargo
SDK_EXAMPLE_NAMES := header_rewriter blocker body_inspector cache_responder
SDK_C_WASM := $(patsubst %,$(O)/guest/examples/%.wasm,$(SDK_EXAMPLE_NAMES)) # rule in mk/edge.mk

# ---- Rust ----------------------------------------------------------------------------------------
SDK_RUST_SRC := $(wildcard guest/sdk-rust/Cargo.toml guest/sdk-rust/src/*.rs \
                  guest/examples-rust/Cargo.toml guest/examples-rust/.cargo/config.toml \
                  guest/examples-rust/*/Cargo.toml guest/examples-rust/*/src/*.rs)
SDK_RUST_STAMP := $(O)/sdk/rust-examples.stamp
SDK_RUST_WASM := $(patsubst %,$(O)/guest/examples-rust/%.wasm,$(SDK_EXAMPLE_NAMES))

$(SDK_RUST_STAMP): $(SDK_RUST_SRC)
	@mkdir -p $(@D) $(O)/guest/examples-rust
	cd guest/examples-rust && RUSTC=$(SDK_RUSTC) $(SDK_CARGO) build --quiet --release --offline \
	    --target wasm32-wasi --target-dir $(SDK_CARGO_DIR)
	for n in $(SDK_EXAMPLE_NAMES); do \
	    cp $(SDK_CARGO_DIR)/wasm32-wasi/release/$$n.wasm $(O)/guest/examples-rust/$$n.wasm || exit 1; \
	done
	@touch $@

$(SDK_RUST_WASM): $(SDK_RUST_STAMP)

# ---- AssemblyScript ------------------------------------------------------------------------------
SDK_AS_STAMP := $(O)/sdk/as-toolchain.stamp
SDK_AS_DIR := $(CURDIR)/guest/sdk-as
SDK_AS_WASM := $(patsubst %,$(O)/guest/examples-as/%.wasm,$(SDK_EXAMPLE_NAMES))
# The options of `aegis-wasm-cli build` for a project made by `init --lang ts` (its asconfig.json
# and author_lang.c), so the examples are built as an author's module is.
SDK_AS_FLAGS := -O3 --runtime stub --noAssert \
    --transform $(SDK_AS_DIR)/node_modules/json-as/transform/lib/index.js \
    --path $(SDK_AS_DIR) --use abort=~lib/aegis-edge/index/abortHandler

$(SDK_AS_STAMP): guest/sdk-as/package.json guest/sdk-as/package-lock.json scripts/peers-install.sh
	@mkdir -p $(@D)
	scripts/peers-install.sh as
	@touch $@

$(O)/guest/examples-as/%.wasm: guest/examples-as/%.ts guest/sdk-as/aegis-edge/index.ts $(SDK_AS_STAMP)
	@mkdir -p $(@D)
	node $(SDK_AS_DIR)/node_modules/assemblyscript/bin/asc.js $< -o $@ $(SDK_AS_FLAGS)

# ---- the suite -----------------------------------------------------------------------------------
SDK_NODE_HELPERS := $(patsubst %,$(O)/obj/tests/node/%.o,e2e env edge_util)
$(O)/obj/tests/sdk/%.o: CFLAGS += -Itests/node
$(O)/tests/sdk: $(SDK_NODE_HELPERS) $(SDK_RUST_WASM) $(SDK_AS_WASM) $(SDK_C_WASM) \
    | $(O)/bin/aegis-wasm-cli $(O)/bin/aegis-node $(O)/bin/aegis-demo-origin $(SDK_AS_STAMP)

TEST_DEPS += $(SDK_RUST_WASM) $(SDK_AS_WASM)

# ---- bench/sdk -----------------------------------------------------------------------------------
SDK_BENCH := $(O)/bench/sdk_bench
$(SDK_BENCH): bench/sdk/sdk_bench.c $(O)/lib/libedge.a $(O)/lib/libhttp.a $(O)/lib/libengine.a \
              $(LLHTTP_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(LDOPT) $(LDFLAGS) -o $@ $< $(O)/lib/libedge.a $(O)/lib/libhttp.a \
	    $(O)/lib/libengine.a $(LLHTTP_LIB) $(SYSLIBS)

.PHONY: bench-sdk-bins bench-sdk
bench-sdk-bins: $(SDK_BENCH) $(SDK_RUST_WASM) $(SDK_AS_WASM) $(SDK_C_WASM)
bench-sdk:
	BUILD=$(BUILD) bench/sdk/run.sh
