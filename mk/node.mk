# aegis-node: the end-to-end tests of tests/node run the real programs, so the suite needs them.
$(O)/tests/node: $(O)/bin/aegis-node $(O)/bin/aegis-demo-origin

.PHONY: bench-proxy
bench-proxy:
	bench/proxy/run.sh
