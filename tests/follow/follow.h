/*
 * Helpers of the end-to-end tests of aegis-node following a route source: the loopback IPFS peer
 * (tests/peers/ipfs/ipfs-peer, Helia) that serves the modules, the node's config for the `solana`
 * source, the real aegis-wasm-cli, and bounded waiting on what the node serves. The Solana peer,
 * the misbehaving JSON-RPC endpoint (fake_rpc) and the node processes come from
 * tests/routes/chain.c and tests/node/e2e.c.
 */
#ifndef AEGIS_TESTS_FOLLOW_H
#define AEGIS_TESTS_FOLLOW_H

#include "../node/e2e.h"
#include "../routes/chain.h"
#include "child.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- the IPFS peer ---- */

typedef struct {
    child proc; /* closing its stdin ends the peer */
    unsigned port;
    char url[64];
} ipfs_peer;

/* Starts the peer on port (0: any); fails the test when it does not come up. */
void ipfs_start(ipfs_peer *p, unsigned port);
void ipfs_stop(ipfs_peer *p);

/* ---- the project a module author works in ---- */

/* Runs aegis-wasm-cli with argv (NULL-terminated, without the program name) in directory cwd;
 * returns the exit status and the output (stdout and stderr) in out. */
int cli_in(const char *cwd, const char *const argv[], char *out, size_t cap);

/* `aegis-wasm-cli deploy FILE --gateway-api URL`'s CID, or the CID the peer gave on add. */
void deploy_module(const ipfs_peer *ipfs, const char *dir, const char *wasm, char cid[128]);

/* ---- the node ---- */

typedef struct {
    uint16_t port, admin, origin_port;
    unsigned rpc_port;
    char dir[64]; /* temporary directory: config, state_dir */
    char config[128];
    e2e_proc node, origin;
    bool node_running;
} follow_env;

/* Writes the config (a catch-all static route to the demo origin, route_source solana on
 * 127.0.0.1:rpc_port trusting `trust_yaml` (a YAML flow mapping), the IPFS gateway) and starts
 * the origin and the node. */
void follow_start(follow_env *e, unsigned rpc_port, const char *gateway_url, const char *trust_yaml,
                  uint32_t poll_ms);
/* The same with the static routes (a YAML flow list) and route_source section (indented keys)
 * given. */
void follow_start_with(follow_env *e, const char *gateway_url, const char *routes_yaml,
                       const char *route_source_yaml);
/* Stops the node (SIGTERM) and checks that it exits 0; the origin keeps running. */
void follow_stop_node(follow_env *e);
/* Starts the node again on the same config. */
void follow_restart_node(follow_env *e);
/* Stops everything and removes the directory. */
void follow_stop(follow_env *e);

/* GET path with Host host through the node: the status, the body in body (cap bytes). */
int follow_get(const follow_env *e, const char *host, const char *path, char *body, size_t cap);
/* Waits until GET's body contains want (or, with want NULL, until it does not contain
 * unwanted); returns the milliseconds waited, or -1 after timeout_ms. */
long long follow_wait_body(const follow_env *e, const char *host, const char *path,
                           const char *want, int timeout_ms);
long long follow_wait_body_not(const follow_env *e, const char *host, const char *path,
                               const char *unwanted, int timeout_ms);
/* The admin API's answer to GET path (caller frees). */
char *follow_admin(const follow_env *e, const char *path);
/* The value of a /metrics series (exact "name{labels} " prefix), -1 when absent. */
double follow_metric(const follow_env *e, const char *series);
/* The node's output so far (caller frees). */
char *follow_node_output(const follow_env *e);

#endif
