/*
 * Valid WebAssembly modules of any size for the deploy tests and bench/ipfs: an edge function of
 * guest ABI v1 (exports memory, alloc, dealloc, handle_request) whose one data segment carries
 * `filler_bytes` pseudo-random bytes after its answer, so that the module's size (and the shape of
 * its IPFS DAG) is whatever a test needs while the engine still validates, compiles and runs it.
 * handle_request answers {"status":200,"headers":[],"body":"<tag>"} from the data segment.
 */
#ifndef AEGIS_TEST_DEPLOY_WASMGEN_H
#define AEGIS_TEST_DEPLOY_WASMGEN_H

#include <stddef.h>
#include <stdint.h>

/* Builds the module into a malloc'd buffer (caller frees) and stores its length; NULL when out of
 * memory. tag (at most 64 letters or digits) ends up in the answer's body. */
uint8_t *wasmgen_function(size_t filler_bytes, uint64_t seed, const char *tag, size_t *len);

#endif
