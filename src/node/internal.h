/*
 * Internals of the node component shared by its files (not for use outside src/node/): the
 * config generation that workers hold while their requests run, the per-worker metrics, the
 * access log and the worker threads.
 */
#ifndef AEGIS_NODE_INTERNAL_H
#define AEGIS_NODE_INTERNAL_H

#include "edge/edge.h"
#include "http/http.h"
#include "node/node.h"

#include <stdatomic.h>
#include <stdint.h>

/* ---- metrics ------------------------------------------------------------------------------- */

enum {
    /* Route label slots kept since start (Prometheus counters must not reset on reload); slot 0
     * counts requests that matched no route or were rejected before routing. */
    METRIC_ROUTE_SLOTS = NODE_MAX_ROUTES + 1,
    METRIC_STATUS_CLASSES = 6, /* none (no response), 1xx .. 5xx */
    METRIC_BUCKETS = 14,       /* latency histogram buckets, plus the implicit +Inf */
};

/* Counters of one worker. Only the worker writes them (plain load + store, no lock prefix on the
 * hot path); the admin thread reads them with relaxed loads and sums over workers. */
typedef struct {
    _Atomic uint64_t requests[METRIC_ROUTE_SLOTS][METRIC_STATUS_CLASSES];
    _Atomic uint64_t buckets[METRIC_ROUTE_SLOTS][METRIC_BUCKETS];
    _Atomic uint64_t duration_us_sum[METRIC_ROUTE_SLOTS];
    _Atomic uint64_t upstream_errors[METRIC_ROUTE_SLOTS];
    _Atomic uint64_t connections_open; /* published by the worker's stats timer */
    _Atomic uint64_t connections_accepted;
    _Atomic uint64_t bytes_in, bytes_out;
} worker_metrics;

/* The process-wide metrics: a slot per route name ever configured, and one worker_metrics per
 * worker. Slots are assigned only by the main thread (at start and on reload). */
typedef struct {
    char slot_names[METRIC_ROUTE_SLOTS][NODE_MAX_NAME_BYTES];
    size_t slot_count;
    worker_metrics *workers;
    size_t worker_count;
    _Atomic uint64_t reloads_ok, reloads_failed;
} node_metrics;

node_metrics *node_metrics_new(size_t worker_count);
void node_metrics_free(node_metrics *m);

/* The slot of a route name, creating it; -1 when every slot is taken. Main thread only. */
int node_metrics_slot(node_metrics *m, const char *route_name);

/* Records one finished request in a worker's counters. */
void node_metrics_record(worker_metrics *w, int slot, int status, uint64_t duration_us,
                         bool upstream_error, uint64_t bytes_in, uint64_t bytes_out);

/* Renders the Prometheus text exposition (caller frees); NULL when out of memory. */
char *node_metrics_render(const node_metrics *m);

/* ---- the node's own I/O (node_io.c) -------------------------------------------------------- */

enum {
    /* A line of the node's own log (events, errors); longer ones are cut. Below PIPE_BUF, so
     * that one write(2) stays whole on a pipe. */
    NODE_LOG_LINE_BYTES = 2048,
};

/* Reads a whole file of at most cap bytes into a malloc'd buffer (one spare byte, so an empty
 * file gives a buffer too) and its length into *len; NULL when it cannot be read or is larger,
 * which *too_big (when not NULL) tells apart. */
uint8_t *node_read_file(const char *path, uint64_t cap, size_t *len, bool *too_big);

/* Reads exactly len bytes at offset of a file into buf; false when it cannot. */
bool node_read_at(const char *path, uint64_t offset, uint8_t *buf, size_t len);

/* Writes one line ("\n" added) to stderr in one write(2): lines never interleave. */
void node_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- access log ----------------------------------------------------------------------------- */

/* An open access log: a file descriptor written with one write(2) per line, so that lines of
 * several workers never interleave. */
typedef struct node_access_logger node_access_logger;

/* Opens the log a config describes ("stderr", "stdout" or a file, appended); NULL with err. */
node_access_logger *node_access_logger_new(const node_access_log *cfg, char *err);
void node_access_logger_free(node_access_logger *log);

/* Writes one line for a finished request. `route` is the route's name or "" when none. */
void node_access_logger_write(node_access_logger *log, const http_request_log *rec,
                              const char *route);

/* Formats the line into buf (at most cap bytes, newline included); returns its length. */
size_t node_access_log_format(node_log_format format, const http_request_log *rec,
                              const char *route, char *buf, size_t cap);

/* ---- generations ---------------------------------------------------------------------------- */

/* A config as the workers use it: immutable once published, shared by every worker, freed when
 * the last worker pipeline built on it is released (requests in flight keep theirs). */
typedef struct {
    node_config *cfg;
    node_access_logger *log; /* NULL when the access log is off */
    edge_modules *mods;      /* node-wide, not owned: the modules routes name are loaded */
    edge_cache *cache;       /* node-wide, not owned */
    int route_slot[NODE_MAX_ROUTES];
    struct node_rtable *rt; /* routes of the route source (a reference); NULL: none */
    int source_slot;        /* metrics slot of requests served by source routes */
    _Atomic int refs;
} node_gen;

/* Takes ownership of cfg and log. refs starts at 1 (the caller's). */
node_gen *node_gen_new(node_config *cfg, node_access_logger *log, node_metrics *metrics, char *err);
void node_gen_ref(node_gen *g);
void node_gen_unref(node_gen *g);

/* ---- workers -------------------------------------------------------------------------------- */

typedef struct node_worker node_worker;

/* Starts a worker thread with its own loop, listening on every listener of gen->cfg with
 * SO_REUSEPORT. Returns NULL with err when the thread or a listener cannot be set up (the
 * listeners are bound before this returns, so address errors surface at start). */
node_worker *node_worker_new(size_t index, node_gen *gen, worker_metrics *metrics, char *err);

/* Hands a new generation to the worker (it takes a reference); requests starting after the
 * worker picks it up use it. Thread-safe. */
void node_worker_reload(node_worker *w, node_gen *gen);

/* Asks the worker to drain (stop accepting, finish requests in flight for at most drain_ms)
 * and end its thread. Thread-safe. */
void node_worker_stop(node_worker *w, uint32_t drain_ms);

/* Waits for the thread to end and frees the worker. */
void node_worker_free(node_worker *w);

/* ---- the edge pipeline ------------------------------------------------------------------- */

/* The node-wide edge state: module manager, cache and file watch. Main thread only (the
 * manager and the cache themselves are thread-safe and shared with the workers). */
typedef struct node_edge node_edge;

/* With loop, edge events are logged to stderr and loaded module files are watched on loop;
 * without (checking a config), nothing is logged or watched. NULL with err. */
node_edge *node_edge_new(const node_config *cfg, uv_loop_t *loop, char *err);
/* Frees it; the workers' edge routes must be gone, and the loop must still run for the watch's
 * handles to close. */
void node_edge_free(node_edge *e);
/* Stops the file watch (at shutdown, while the loop still runs to close its handles). */
void node_edge_unwatch(node_edge *e);
edge_modules *node_edge_modules(node_edge *e);
edge_cache *node_edge_cache(node_edge *e);

/* Loads (or reloads) every module file of cfg. A module never loaded before that fails is an
 * error: -1 with "source:line:col: key: why" in err. A new version of a loaded module that fails
 * leaves the old one serving (logged); returns how many did. Renews the file watch. */
int node_edge_load(node_edge *e, const node_config *cfg, char *err);

/* Reloads the module files of cfg (all, or the one with id) for POST /modules/reload: a JSON
 * report (malloc'd) and the HTTP status in *status (200, 422 when one failed, 404 unknown id). */
char *node_edge_reload(node_edge *e, const node_config *cfg, const char *id, int *status);

/* The edge_route_config of a route; fn_ids, fn_owners and fn_limits are arrays of
 * NODE_MAX_ROUTE_FUNCTIONS the config points into. */
void node_edge_route_config(const node_config *cfg, const node_route *r, edge_route_config *out,
                            const char **fn_ids, const char **fn_owners, edge_limits *fn_limits);

/* ---- admin ---------------------------------------------------------------------------------- */

typedef struct node_admin_server node_admin_server;

/* Serves /healthz, /metrics (with the edge's module and cache series), /config, GET /modules
 * and POST /modules/reload on `loop`. `current` points at the main thread's
 * current generation pointer, read on each /config request (same thread). */
node_admin_server *node_admin_new(uv_loop_t *loop, const node_addr *addr, node_metrics *metrics,
                                  node_gen *const *current, node_edge *edge, char *err);
void node_admin_shutdown(node_admin_server *a);

#endif
