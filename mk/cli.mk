# aegis-wasm-cli (src/cli/, src/bin/aegis-wasm-cli.c) and the Solana client of src/deploy/
# (solana_*.c). Their tests need, at run time:
#   - the registry program, built by `make contracts` (mk/contracts.mk);
#   - the npm peers of tests/peers/solana/ (LiteSVM behind tests/peers/solana/rpc-server.mjs, and
#     Anchor's coder for tests/deploy/test_solana_anchor.c), installed by
#     scripts/peers-install.sh solana; the stamp below reruns it when the lock file changes.
#   make BUILD=dir MODE=test dir/test/tests/cli     builds the suite and everything it runs

CLI_PEERS_STAMP := $(O)/cli/solana-peers.stamp
CLI_REGISTRY_SO := $(O)/contracts/wasm_registry.so

$(CLI_PEERS_STAMP): tests/peers/solana/package.json tests/peers/solana/package-lock.json \
    scripts/peers-install.sh
	@mkdir -p $(@D)
	scripts/peers-install.sh solana
	@touch $@

TEST_DEPS += $(CLI_REGISTRY_SO) $(CLI_PEERS_STAMP)
$(O)/tests/cli: | $(CLI_REGISTRY_SO) $(CLI_PEERS_STAMP) $(O)/bin/aegis-wasm-cli $(O)/bin/aegis-node \
    $(O)/bin/aegis-demo-origin
$(O)/tests/deploy: | $(CLI_PEERS_STAMP)

# The module author's commands find the C SDK in the source tree they were built from (when it is
# not installed next to the program): author_common.c learns that path here.
$(O)/obj/src/cli/author_common.o: CFLAGS += -DCLI_SOURCE_TREE='"$(CURDIR)"'

# The ABI checker's fixtures (tests/cli/test_author_abi_*.wat), built before the suite runs.
$(O)/tests/cli: $(patsubst %.wat,$(O)/wat/%.wasm,$(wildcard tests/cli/test_author_*.wat))
