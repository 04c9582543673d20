# aegis-node: the end-to-end tests of tests/node run the real programs, so the suite needs them.
$(O)/tests/node: $(O)/bin/aegis-node $(O)/bin/aegis-demo-origin

.PHONY: bench-proxy
bench-proxy:
	bench/proxy/run.sh

# The embedded default config runs the WAF and the header rewriter example: `make run` builds them
# next to the programs (aegis-node finds them in ../guest/ from its own directory).
NODE_DEFAULT_MODULES := $(O)/guest/waf.wasm $(O)/guest/examples/header_rewriter.wasm
programs: $(NODE_DEFAULT_MODULES)
$(O)/tests/node: $(NODE_DEFAULT_MODULES) $(EDGE_EXAMPLES)

# The CID tests of tests/node serve modules from the deploy tests' gateway (tests/deploy/gateway.c)
# and from the loopback Helia peer (tests/deploy/ipfs_peer.c, tests/peers/ipfs/), and check the
# node's own gateway with @helia/verified-fetch (tests/peers/ipfs/verified_fetch.mjs).
.PHONY: node-peers
node-peers:
	@scripts/peers-install.sh ipfs
$(O)/tests/node: $(O)/obj/tests/deploy/gateway.o $(O)/obj/tests/deploy/ipfs_peer.o
TEST_DEPS += node-peers
