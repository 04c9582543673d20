# Route sources (src/deploy/route_*.c, docs/ROUTES.md). The suite tests/routes/ runs the solana
# source against the real JSON-RPC peer (tests/peers/solana/rpc-server.mjs over LiteSVM with the
# built registry program) and drives it with the real aegis-wasm-cli, so it needs the program,
# the npm peers of mk/cli.mk and the CLI binary of the same build tree.
#   make BUILD=build-routes MODE=test build-routes/test/tests/routes

$(O)/tests/routes: | $(CLI_REGISTRY_SO) $(CLI_PEERS_STAMP) $(O)/bin/aegis-wasm-cli
