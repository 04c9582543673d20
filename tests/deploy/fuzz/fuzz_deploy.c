/*
 * libFuzzer target for the deploy component's parsers of untrusted bytes: the CID string parser,
 * the binary CID reader, the dag-pb/UnixFS decoder and the CAR reader with its verified walk. The
 * first input byte picks the parser; the rest is its input. Besides crashes, leaks and sanitizer
 * reports, a parse that succeeds must print back to a string that parses to the same CID, and a
 * binary CID must re-encode to exactly the bytes it was read from (one spelling per CID).
 * Identity-hash CIDs let the fuzzer build CARs whose blocks verify, so the walk is reached.
 * Built by mk/deploy.mk; run by scripts/suites/deploy-fuzz.sh.
 */
#include "deploy/internal.h"

#include <stdlib.h>
#include <string.h>

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned which = data[0] % 4;
    data++;
    size--;
    dep_error err = {0};
    dep_cid cid, back;
    char text[DEP_CID_TEXT_MAX];
    switch (which) {
    case 0:
        if (dep_cid_parse((const char *)data, size, &cid, &err) == DEP_OK) {
            dep_cid_string(&cid, text);
            check(dep_cid_parse(text, strlen(text), &back, &err) == DEP_OK);
            check(dep_cid_equal(&cid, &back));
        } else {
            check(err.message[0] != '\0');
        }
        break;
    case 1: {
        size_t used;
        if (dep_cid_read(data, size, &cid, &used, &err) == DEP_OK) {
            uint8_t bin[DEP_CID_MAX_BYTES];
            size_t n = dep_cid_bytes(&cid, bin);
            check(n == used && memcmp(bin, data, n) == 0);
        } else {
            check(err.message[0] != '\0');
        }
        break;
    }
    case 2: {
        dep_pb_node node;
        if (dep_pb_decode(data, size, &node, &err) == DEP_OK)
            dep_pb_node_destroy(&node);
        else
            check(err.message[0] != '\0');
        break;
    }
    case 3: {
        dep_cid roots[DEP_CAR_MAX_ROOTS];
        size_t count = 0;
        if (dep_car_roots(data, size, roots, DEP_CAR_MAX_ROOTS, &count, &err) != DEP_OK ||
            count == 0)
            break;
        uint8_t *file = NULL;
        size_t len = 0;
        if (dep_car_verify(data, size, &roots[0], 1 << 20, &file, &len, &err) == DEP_OK)
            check(file != NULL && len <= (1u << 20));
        else
            check(err.message[0] != '\0');
        free(file);
        break;
    }
    }
    return 0;
}
