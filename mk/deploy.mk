# The deploy component (src/deploy/): the npm oracles its tests run, and its libFuzzer target.
#
#   make BUILD=dir deploy-peers    install tests/peers/unixfs/ (scripts/peers-install.sh unixfs)
#   make BUILD=dir deploy-fuzz     build $(BUILD)/fuzz-deploy/fuzz_deploy (clang, libFuzzer)
#
# The fuzz target (tests/deploy/fuzz/fuzz_deploy.c) covers the CID parser and reader, the dag-pb
# decoder and the CAR reader; the deploy sources are compiled a second time with clang and
# -fsanitize=fuzzer-no-link,address,undefined, whatever MODE is. scripts/suites/deploy-fuzz.sh
# runs it briefly in `make test`.

DEPLOY_FUZZ_DIR    := $(BUILD)/fuzz-deploy
DEPLOY_FUZZ_BIN    := $(DEPLOY_FUZZ_DIR)/fuzz_deploy
DEPLOY_FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -fno-omit-frame-pointer \
                      -Isrc -fsanitize=fuzzer-no-link,address,undefined \
                      -fno-sanitize-recover=undefined
DEPLOY_FUZZ_OBJ    := $(patsubst src/deploy/%.c,$(DEPLOY_FUZZ_DIR)/obj/%.o,$(wildcard src/deploy/*.c))

.PHONY: deploy-peers deploy-fuzz
deploy-peers:
	@scripts/peers-install.sh unixfs
deploy-fuzz: $(DEPLOY_FUZZ_BIN)
TEST_DEPS += deploy-peers $(DEPLOY_FUZZ_BIN)

$(DEPLOY_FUZZ_DIR)/obj/%.o: src/deploy/%.c
	@mkdir -p $(@D)
	clang $(DEPLOY_FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(DEPLOY_FUZZ_DIR)/obj/fuzz_deploy.o: tests/deploy/fuzz/fuzz_deploy.c
	@mkdir -p $(@D)
	clang $(DEPLOY_FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(DEPLOY_FUZZ_BIN): $(DEPLOY_FUZZ_DIR)/obj/fuzz_deploy.o $(DEPLOY_FUZZ_OBJ)
	clang -fsanitize=fuzzer,address,undefined -o $@ $^ -lcurl -ljansson -lyaml -lsodium -lpthread

-include $(shell find $(DEPLOY_FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
