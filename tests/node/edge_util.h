/*
 * Helpers for the end-to-end tests of the edge pipeline in aegis-node: paths of the compiled
 * modules in the build tree, module files in a temporary directory (replaced atomically, as a
 * deploy would), the admin API's answers, and a background client that sends requests without a
 * pause and counts the answers by status and by X-Version (for the hot reload tests).
 */
#ifndef AEGIS_TESTS_NODE_EDGE_UTIL_H
#define AEGIS_TESTS_NODE_EDGE_UTIL_H

#include "env.h"

#include <pthread.h>
#include <stdatomic.h>

/* Absolute path of a build output ("guest/waf.wasm") in a static buffer per slot 0..7. */
const char *eu_build(int slot, const char *rel);

/* A fresh temporary directory (cap bytes); removed with its files by eu_rmdir. */
void eu_tmpdir(char *dir, size_t cap);
void eu_rmdir(const char *dir);

/* Copies a build output into dir/name through a temporary file and a rename. */
void eu_install(const char *build_rel, const char *dir, const char *name);
/* Writes bytes to dir/name the same way. */
void eu_install_bytes(const char *dir, const char *name, const void *bytes, size_t len);

/* A request to the admin API; returns the status, body in r (caller frees with
 * e2e_response_free). */
int eu_admin(const node_env *e, const char *method, const char *path, e2e_response *r);

/* GET path on the node; returns the status and the X-Version header ("" when none). */
int eu_get_version(uint16_t port, const char *path, char *version, size_t cap);

/* A client thread that sends GET path over keep-alive connections until stopped. */
typedef struct {
    uint16_t port;
    const char *path;
    pthread_t thread;
    atomic_bool stop;
    atomic_long ok, failed, v1, v2;
} eu_load;

void eu_load_start(eu_load *l, uint16_t port, const char *path);
void eu_load_stop(eu_load *l);

#endif
