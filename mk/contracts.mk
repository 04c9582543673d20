# On-chain programs (contracts/): the wasm-registry program built with clang's BPF target and the
# project's own link step, contracts/tools/sbpf-link.c, into an SBPF v0 shared object.
#   make BUILD=build-contracts contracts   ->  $(O)/contracts/wasm_registry.so
# The host tests (tests/contracts/) link the program's C files natively, beside the host
# syscalls of that folder; scripts/suites/contracts.sh runs the LiteSVM tests on the .so.

CONTRACTS_OUT  := $(O)/contracts
SBPF_LINK      := $(CONTRACTS_OUT)/sbpf-link
REGISTRY_SO    := $(CONTRACTS_OUT)/wasm_registry.so
REGISTRY_BPF_O := $(CONTRACTS_OUT)/wasm_registry.o
BPF_CC         := clang
BPF_CFLAGS     := -target bpf -O2 -ffreestanding -fno-builtin -std=c11 $(WARN)
REGISTRY_DEPS  := $(wildcard contracts/wasm-registry/*.c contracts/wasm-registry/*.h contracts/sdk/*.h)
REGISTRY_HOST_SRC := $(filter-out contracts/wasm-registry/bpf_unit.c,$(wildcard contracts/wasm-registry/*.c))

.PHONY: contracts
contracts: $(REGISTRY_SO)

$(SBPF_LINK): contracts/tools/sbpf-link.c
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(OPT) $(LDOPT) -o $@ $<

$(REGISTRY_BPF_O): $(REGISTRY_DEPS)
	@mkdir -p $(@D)
	$(BPF_CC) $(BPF_CFLAGS) -c -o $@ contracts/wasm-registry/bpf_unit.c

$(REGISTRY_SO): $(REGISTRY_BPF_O) $(SBPF_LINK)
	$(SBPF_LINK) $(REGISTRY_BPF_O) $@

# Link-step fixtures (tests/contracts/fixtures/*.c): BPF objects the linker must accept or refuse.
LINK_FIXTURE_SRC := $(wildcard tests/contracts/fixtures/*.c)
LINK_FIXTURE_OBJ := $(patsubst tests/contracts/fixtures/%.c,$(CONTRACTS_OUT)/fixtures/%.o,$(LINK_FIXTURE_SRC))
LINK_FIXTURE_SO  := $(CONTRACTS_OUT)/fixtures/link_ok.so

$(CONTRACTS_OUT)/fixtures/%.o: tests/contracts/fixtures/%.c
	@mkdir -p $(@D)
	$(BPF_CC) $(BPF_CFLAGS) -c -o $@ $<

$(LINK_FIXTURE_SO): $(CONTRACTS_OUT)/fixtures/link_ok.o $(SBPF_LINK)
	$(SBPF_LINK) $< $@

# The host test binary links the program's sources too (the suite rule links every .o
# prerequisite); the built program, the linker and the fixtures are read by the tests at run
# time, so they are order-only prerequisites (not linked).
$(O)/tests/contracts: $(patsubst %.c,$(O)/obj/%.o,$(REGISTRY_HOST_SRC)) \
    | $(REGISTRY_SO) $(SBPF_LINK) $(LINK_FIXTURE_OBJ) $(LINK_FIXTURE_SO)
TEST_DEPS += $(REGISTRY_SO) $(LINK_FIXTURE_OBJ) $(LINK_FIXTURE_SO)
