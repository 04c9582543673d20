/*
 * Modules named by IPFS CIDs, on the node side (not for use outside src/node/). A CID module is
 * loaded into the node-wide module manager under a stable id, the CID in canonical form, from
 * the manager itself when it already holds it, else from the disk cache <state_dir>/modules/<cid>
 * (verified again), else from the configured gateways in order (every byte verified against the
 * CID before it is compiled). Fetching, verifying and compiling run on threads of their own; the
 * caller hears the outcome on the main loop. Concurrent needs for one CID share one fetch.
 *
 * The settings (gateways, timeouts, size caps, state_dir) are those of the last config given to
 * node_edge_load / node_edge_load_async (or node_edge_new at first). Main thread only.
 */
#ifndef AEGIS_NODE_MODULE_CID_H
#define AEGIS_NODE_MODULE_CID_H

#include "node/internal.h"

/* The module id of a CID module: the CID in canonical form (a CIDv0 stays "Qm...", a CIDv1 is
 * written in base32, "b..."). So "zb2rh..." and "bafkrei..." of the same CID give one id. False
 * with a reason in err (NODE_ERR_BYTES) for text that is not a CID the node accepts: not a CID,
 * a codec other than raw or dag-pb, a hash other than sha2-256 (identity CIDs are refused). */
bool node_cid_module_id(const char *cid_text, char id[NODE_MAX_NAME_BYTES], char *err);

/* The outcome of an ensure, on the main loop. ok: the manager holds the CID's module under id
 * (edge_route_config may name id from now on). Otherwise error says why, e.g.
 * "fetch bafkrei...: every gateway failed: http://a: ...; http://b: ..." or
 * "module bafkrei...: edge: module ...: validate: ...". Strings are valid during the call. */
typedef void (*node_cid_done_fn)(void *ctx, const char *id, bool ok, const char *error);

/* Ensures that the module named by cid_text is loaded as a module of `type`. done runs exactly
 * once, on the main loop, never before this function returns (even when the module is already
 * held). Returns 0, or -1 with err (NODE_ERR_BYTES) and no call of done when the request is
 * refused at once: text that is not an accepted CID, a CID already loaded as the other type, no
 * memory. A CID whose fetch or verification fails may be asked for again later (nothing is
 * remembered about failures). The loop keeps running while ensures are in flight; at shutdown
 * node_edge_free waits for them (their fetches end within the configured timeouts). */
int node_cid_ensure(node_edge *e, const char *cid_text, edge_module_type type,
                    node_cid_done_fn done, void *ctx, char *err);

/* Ensures in flight (fetches running or done and not yet reported). */
size_t node_cid_pending(const node_edge *e);

/* Loads every module of cfg (CID modules through node_cid_ensure, module files as
 * node_edge_load does) without blocking the loop, then calls done on the main loop with the
 * result node_edge_load would return: -1 with "source:line:col: key: why" in err when a module
 * that is not loaded yet failed (CID modules included: the config must be refused), else the
 * number of module files whose new version failed and kept their running one. Returns 0, or -1
 * with err when it cannot start (done is then not called). When cfg names no CID module, done
 * runs before this returns. cfg must outlive the call of done. */
typedef void (*node_edge_load_done_fn)(void *ctx, int result, const char *err);
int node_edge_load_async(node_edge *e, const node_config *cfg, node_edge_load_done_fn done,
                         void *ctx, char *err);

/* ---- internals of src/node/ (edge_link.c, admin.c, the gateway) ----------------------------- */

typedef struct node_cid_loader node_cid_loader;
struct dep_cid;

/* A loader feeding mods; without loop, only node_cid_loader_load_sync works. NULL with err. */
node_cid_loader *node_cid_loader_new(uv_loop_t *loop, edge_modules *mods, char *err);
/* Takes the gateways, timeouts, caps and state_dir of cfg for the loads that start from now on. */
void node_cid_loader_configure(node_cid_loader *l, const node_config *cfg);
/* At shutdown, while the loop runs: closes its handle once no job is in flight. */
void node_cid_loader_stop(node_cid_loader *l);
/* Joins whatever still runs and frees the loader (after the loop closed its handle). */
void node_cid_loader_free(node_cid_loader *l);
node_cid_loader *node_edge_cid_loader(node_edge *e);

int node_cid_loader_ensure(node_cid_loader *l, const char *cid_text, edge_module_type type,
                           node_cid_done_fn done, void *ctx, char *err);
/* Loads on the calling thread (no loop: checking a config); -1 with err. */
int node_cid_loader_load_sync(node_cid_loader *l, const char *cid_text, edge_module_type type,
                              char *err);
size_t node_cid_loader_pending(const node_cid_loader *l);
/* Where a held module came from ("cache" or a gateway URL) and its size; false if not held. */
bool node_cid_loader_source(const node_cid_loader *l, const char *id, const char **source,
                            uint64_t *bytes);

/* aegis_node_cid_* counters for /metrics; the edge's /modules JSON with "cid", "source" and
 * "bytes" added to the CID modules. malloc'd; NULL when out of memory. Main thread. */
char *node_cid_render_prometheus(const node_cid_loader *l);
char *node_cid_modules_json(const node_cid_loader *l, const char *edge_json);

/* For the node's gateway (any thread): the cached CAR of a held module whose codec and
 * multihash equal cid's (its stored root in *root), and the place of a held block whose
 * multihash equals cid's within a cached CAR. False when the node holds none. */
bool node_cid_find_car(node_cid_loader *l, const struct dep_cid *cid, struct dep_cid *root,
                       char *path, size_t cap);
bool node_cid_find_block(node_cid_loader *l, const struct dep_cid *cid, char *path, size_t cap,
                         uint64_t *offset, uint32_t *len);

/* ---- the node's trustless gateway (gateway_serve.c) ---------------------------------------- */

typedef struct node_gateway node_gateway;

/* Serves GET /ipfs/{cid}?format=car|raw for the modules l holds, on addr, from a thread with its
 * own loop. NULL with err (NODE_ERR_BYTES) when it cannot listen. */
node_gateway *node_gateway_new(const node_addr *addr, node_cid_loader *l, char *err);
/* Stops the listener (requests in flight are cut) and joins its thread. */
void node_gateway_free(node_gateway *g);

#endif
