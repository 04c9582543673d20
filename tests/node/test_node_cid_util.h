/*
 * Helpers for the tests of modules named by CIDs (test_node_cid*.c): real compiled modules
 * imported into UnixFS DAGs and CARs as `ipfs add` would (CIDv0 with dag-pb leaves, or CIDv1 with
 * raw leaves), a module larger than one 256 KiB chunk (a real module with a large custom
 * section, so its DAG has a root and several leaves), and serving them from the deploy tests'
 * gateway (tests/deploy/gateway.c).
 */
#ifndef AEGIS_TESTS_NODE_CID_UTIL_H
#define AEGIS_TESTS_NODE_CID_UTIL_H

#include "../deploy/gateway.h"
#include "deploy/deploy.h"

enum { CU_MAX_BLOCKS = 16 };

typedef struct {
    uint8_t *bytes; /* the module file */
    size_t len;
    dep_cid cid;
    char text[DEP_CID_TEXT_MAX];
    uint8_t *car;
    size_t car_len;
    struct {
        dep_cid cid;
        char text[DEP_CID_TEXT_MAX];
    } blocks[CU_MAX_BLOCKS];
    size_t block_count;
} cu_module;

/* A build output ("guest/examples/versioned.wasm") imported with CID version 0 or 1; with
 * pad_bytes > 0 a custom section of that many bytes is appended first. */
void cu_module_make(cu_module *m, const char *build_rel, size_t pad_bytes, int cid_version);
void cu_module_free(cu_module *m);

/* Serves the module's CAR at /ipfs/<cid>?format=car. */
void cu_serve(gw_server *gw, const cu_module *m);

/* A route for host <name>.test, path /headers (an origin path), running the function cid,
 * written into out. */
void cu_fn_route(char *out, size_t cap, const char *name, const char *cid);

/* GET /headers on host <name>.test: the status, and X-Version into v ("" when none). */
int cu_get_version(uint16_t port, const char *name, char *v, size_t cap);

/* A fresh state directory (cap bytes), and its removal with everything in it. */
void cu_state_dir(char *dir, size_t cap);
void cu_rm_rf(const char *dir);

#endif
