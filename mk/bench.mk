# Engine benchmark (bench/engine): every kernel built twice from one source, natively with gcc -O2
# (linked with a timing driver) and for wasm32-wasi with clang -O2; the engine driver linked with
# the engine archive; the small module of the instantiation benchmark. bench/engine/run.sh builds
# these with MODE=release and runs them; the test suite tests/benchengine loads the .wasm files.
#
#   make BUILD=dir MODE=release bench-engine-bins   build everything the benchmark runs
#   make BUILD=dir bench-engine                     build and run the benchmark (Markdown table)

BENCH_ENGINE_OUT     := $(O)/bench/engine
BENCH_KERNELS        := $(basename $(notdir $(wildcard bench/engine/kernels/*.c)))
BENCH_KERNEL_WASM    := $(patsubst %,$(BENCH_ENGINE_OUT)/wasm/%.wasm,$(BENCH_KERNELS))
BENCH_KERNEL_NATIVE  := $(patsubst %,$(BENCH_ENGINE_OUT)/native/%,$(BENCH_KERNELS))
BENCH_SMALL_WASM     := $(BENCH_ENGINE_OUT)/wasm/small_module.wasm
BENCH_ENGINE_DRIVER  := $(BENCH_ENGINE_OUT)/run_engine

# The same optimisation level on both sides; no fused multiply-add anywhere, so floating-point
# kernels give bit-identical checksums natively and in wasm.
BENCH_WASM_CC        ?= clang
BENCH_COMMON_FLAGS   := -std=c11 -O2 -ffp-contract=off $(WARN)
BENCH_WASM_FLAGS     := --target=wasm32-wasi $(BENCH_COMMON_FLAGS) -nostartfiles -Wl,--no-entry \
                        -Wl,--export=run -Wl,--strip-debug
# One 64 KiB page holds the small module's data and an 8 KiB stack, with no room to grow.
BENCH_SMALL_FLAGS    := -Wl,--initial-memory=65536 -Wl,--max-memory=65536 -Wl,-z,stack-size=8192
BENCH_NATIVE_CC      ?= gcc
BENCH_NATIVE_FLAGS   := $(BENCH_COMMON_FLAGS) -D_GNU_SOURCE -Ibench/engine

.PHONY: bench-engine bench-engine-bins bench-engine-kernels

bench-engine-kernels: $(BENCH_KERNEL_WASM) $(BENCH_SMALL_WASM) $(BENCH_KERNEL_NATIVE)
bench-engine-bins: bench-engine-kernels $(BENCH_ENGINE_DRIVER)

bench-engine:
	BUILD=$(BUILD) bench/engine/run.sh

$(BENCH_ENGINE_OUT)/wasm/%.wasm: bench/engine/kernels/%.c bench/engine/kernels/kernel.h
	@mkdir -p $(@D)
	$(BENCH_WASM_CC) $(BENCH_WASM_FLAGS) -o $@ $<

$(BENCH_SMALL_WASM): bench/engine/small_module.c bench/engine/kernels/kernel.h
	@mkdir -p $(@D)
	$(BENCH_WASM_CC) $(BENCH_WASM_FLAGS) $(BENCH_SMALL_FLAGS) -o $@ $<

$(BENCH_ENGINE_OUT)/native/%: bench/engine/kernels/%.c bench/engine/kernels/kernel.h \
                              bench/engine/run_native.c
	@mkdir -p $(@D)
	$(BENCH_NATIVE_CC) $(BENCH_NATIVE_FLAGS) -o $@ bench/engine/run_native.c $<

# The engine driver is compiled like any project source (the generic $(O)/obj rule, MODE flags)
# and linked with the engine archive only: the engine depends on libc alone.
$(BENCH_ENGINE_DRIVER): $(O)/obj/bench/engine/run_engine.o $(O)/lib/libengine.a
	@mkdir -p $(@D)
	$(CC) $(LDOPT) $(LDFLAGS) -o $@ $^ -lm -lpthread

TEST_DEPS += $(BENCH_KERNEL_WASM) $(BENCH_SMALL_WASM)
