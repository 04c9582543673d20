# End-to-end tests of aegis-node following a route source (tests/follow/): they run the real
# aegis-node, aegis-demo-origin and aegis-wasm-cli, the registry program in LiteSVM behind
# tests/peers/solana/rpc-server.mjs and the IPFS peer of tests/peers/ipfs/, and reuse the process
# and HTTP helpers of tests/node/e2e.c and the Solana peer helpers of tests/routes/chain.c.
#   make BUILD=dir MODE=test dir/test/tests/follow

$(O)/tests/follow: $(O)/obj/tests/node/e2e.o $(O)/obj/tests/routes/chain.o
$(O)/tests/follow: | $(CLI_REGISTRY_SO) $(CLI_PEERS_STAMP) $(O)/bin/aegis-wasm-cli \
    $(O)/bin/aegis-node $(O)/bin/aegis-demo-origin
# The WAF of the composition test (a static route's WAF, and the same module as a source route).
$(O)/tests/follow: $(O)/guest/waf.wasm
# The IPFS peer (mk/ipfs.mk, read after this file: its stamp is named by path here).
$(O)/tests/follow: | $(O)/ipfs/peers.stamp
