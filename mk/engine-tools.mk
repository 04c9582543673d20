# Engine periphery: WASI guest programs used by the engine tests, built from C with clang and
# wasi-libc into $(O)/wasi/NAME.wasm (tests reach them with test_build_path("wasi/NAME.wasm")).
WASI_TEST_SRC  := $(wildcard tests/engine/wasi/*.c)
WASI_TEST_WASM := $(patsubst tests/engine/wasi/%.c,$(O)/wasi/%.wasm,$(WASI_TEST_SRC))
WASI_CFLAGS    := --target=wasm32-wasi -O2 -Wall -Wextra -Werror -Wl,--strip-all

TEST_DEPS += $(WASI_TEST_WASM)

$(O)/wasi/%.wasm: tests/engine/wasi/%.c
	@mkdir -p $(@D)
	clang $(WASI_CFLAGS) -o $@ $<
