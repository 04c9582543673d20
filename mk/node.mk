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
