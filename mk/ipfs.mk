# The IPFS side of deployment: the loopback Helia peer (tests/peers/ipfs/) that the deploy tests
# and bench/ipfs run, and the benchmark's driver.
#
#   make BUILD=dir ipfs-peers                   install the peer and its Node.js 22
#                                               (scripts/peers-install.sh ipfs)
#   make BUILD=dir MODE=release bench-ipfs-bin  build $(BUILD)/release/bench/ipfs/ipfs_bench
#   bench/ipfs/run.sh                           build and run the benchmark (docs/PERFORMANCE.md)
#
# The deploy suite runs the peer and aegis-wasm-cli (test_deploy_cli.c, test_kubo.c,
# test_ipfs_gateway.c), so both come before it; the stamp reruns the install when the lock file
# changes.

IPFS_PEERS_STAMP := $(O)/ipfs/peers.stamp
IPFS_BENCH_BIN   := $(O)/bench/ipfs/ipfs_bench

.PHONY: ipfs-peers bench-ipfs-bin
ipfs-peers: $(IPFS_PEERS_STAMP)
bench-ipfs-bin: $(IPFS_BENCH_BIN)

$(IPFS_PEERS_STAMP): tests/peers/ipfs/package.json tests/peers/ipfs/package-lock.json \
    scripts/peers-install.sh
	@mkdir -p $(@D)
	scripts/peers-install.sh ipfs
	@touch $@

TEST_DEPS += $(IPFS_PEERS_STAMP)
$(O)/tests/deploy: | $(IPFS_PEERS_STAMP) $(O)/bin/aegis-wasm-cli

# The benchmark driver: its own source and the module generator of the deploy tests, linked with
# the component archives like a program.
$(IPFS_BENCH_BIN): $(O)/obj/bench/ipfs/ipfs_bench.o $(O)/obj/tests/deploy/wasmgen.o $(ALL_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDOPT) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ALL_LIBS) $(SYSLIBS)
$(O)/obj/bench/ipfs/ipfs_bench.o: CFLAGS += -Itests/deploy
