/*
 * The edge pipeline of aegis-node: the one public header of src/edge/.
 *
 * Three shared objects and one per-worker object:
 *   edge_cache    in-memory key/value store shared by all workers (thread-safe), TTL, byte
 *                 budget, LRU eviction, keys namespaced per route owner;
 *   edge_modules  the module manager (thread-safe): module ids -> current version (compiled
 *                 module keyed by SHA-256, refcounted), hot reload, per-module counters;
 *   edge_watch    an inotify watch (libuv fs_event) that reloads a module when its file changes;
 *   edge_route    per worker and per route: the WAF stage and the function stage, each with its
 *                 own instances (created from the shared compiled module, snapshotted after
 *                 initialisation, restored before every request).
 *
 * A node builds one edge_route per route in every worker and either installs edge_route_stage()
 * after its routing stage, or calls edge_route_on_request_headers / _on_request_body from its own
 * routing stage once it knows the route. Guest ABI v1 is described in docs/ABI.md.
 *
 * Functions that can fail return 0 / a pointer and -1 / NULL with a message in err.
 */
#ifndef AEGIS_EDGE_H
#define AEGIS_EDGE_H

#include "http/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* ---- cache ----------------------------------------------------------------------------------- */

typedef struct edge_cache edge_cache;

typedef struct edge_cache_stats {
    uint64_t hits, misses, sets, evictions, expirations;
    uint64_t bytes, entries; /* now */
} edge_cache_stats;

/* A cache holding at most max_bytes of keys and values (plus a fixed per-entry overhead). */
edge_cache *edge_cache_new(size_t max_bytes);
void edge_cache_free(edge_cache *cache);

/* Copies at most cap bytes of the value of (ns, key) into out; returns the value's full length,
 * or -1 when absent or expired. ns is the route owner: equal keys of two namespaces are distinct.
 */
long edge_cache_get(edge_cache *cache, const char *ns, const void *key, size_t key_len, void *out,
                    size_t cap);

/* Stores (copies) a value for ttl_secs seconds (0: until evicted). Least recently used entries
 * are evicted to stay within the budget; -1 when the entry alone exceeds the budget share. */
int edge_cache_set(edge_cache *cache, const char *ns, const void *key, size_t key_len,
                   const void *val, size_t val_len, uint64_t ttl_secs);

void edge_cache_get_stats(edge_cache *cache, edge_cache_stats *out);

/* The cache's counters in the Prometheus text format (aegis_edge_cache_*), for /metrics.
 * malloc'd; NULL when out of memory. */
char *edge_cache_render_prometheus(edge_cache *cache);

/* ---- modules --------------------------------------------------------------------------------- */

typedef enum edge_module_type {
    EDGE_MODULE_WAF = 0,      /* exports analyze_request */
    EDGE_MODULE_FUNCTION = 1, /* exports handle_request */
} edge_module_type;

/* Per-instance limits (0 fields: the defaults of the module type). */
typedef struct edge_limits {
    uint64_t fuel;             /* units per call; WAF default 25,000,000; functions: none */
    uint64_t deadline_ms;      /* wall clock per call; WAF 10, functions 50 */
    uint64_t max_memory_bytes; /* linear memory; WAF 10 MB, functions 50 MB */
} edge_limits;

/* The defaults of a module type, with the non-zero fields of `over` taking precedence. */
edge_limits edge_limits_resolve(edge_module_type type, const edge_limits *over);

typedef struct edge_modules edge_modules;

/* Log sink for module log lines and edge events: one structured line without newline. */
typedef void (*edge_log_fn)(void *data, const char *line);

/* A manager; log may be NULL (lines go to stderr). */
edge_modules *edge_modules_new(edge_log_fn log, void *log_data);
/* Failures of one module are logged at most once per interval (default 1000 ms; the others are
 * counted and reported as suppressed=N on the next line logged). 0 logs every failure. */
void edge_modules_set_failure_log_interval(edge_modules *mods, uint64_t interval_ms);
/* Frees the manager; every edge_route and edge_watch using it must be freed first. */
void edge_modules_free(edge_modules *mods);

/* Loads module `id` (or a new version of it) from bytes / from a file. The bytes must decode,
 * validate, export memory, alloc, dealloc and the entry point of `type`, and instantiate within
 * the type's default memory limit, _initialize included (which runs with an initialisation
 * budget, not the per-request limits). On success the id points at the new version from the next
 * request on (requests running finish on the old one, freed when its last user is done); on any
 * failure the previous version keeps serving and err says why. Loading bytes identical (same
 * SHA-256) to the current version does nothing and succeeds. */
int edge_modules_load(edge_modules *mods, const char *id, edge_module_type type,
                      const uint8_t *bytes, size_t len, char *err, size_t errlen);
int edge_modules_load_file(edge_modules *mods, const char *id, edge_module_type type,
                           const char *path, char *err, size_t errlen);

/* Reloads every module that was loaded from a file; returns the number that failed (each
 * reported through the log). */
int edge_modules_reload_all(edge_modules *mods);

/* Hex SHA-256 of the current version of id into out[65]; false when id is unknown. */
bool edge_modules_hash(edge_modules *mods, const char *id, char out[65]);
/* Number of versions of id loaded so far (1 after the first load); 0 when unknown. */
uint64_t edge_modules_generation(edge_modules *mods, const char *id);

/* Renders the module list as a JSON array (for GET /modules) and the per-module counters in the
 * Prometheus text format (for /metrics). malloc'd strings, caller frees; NULL when out of memory.
 */
char *edge_modules_render_json(edge_modules *mods);
char *edge_modules_render_prometheus(edge_modules *mods);

/* ---- file watch -------------------------------------------------------------------------------
 */

typedef struct edge_watch edge_watch;

/* Watches the directories of every module loaded from a file so far (inotify through libuv's
 * fs_event on `loop`) and reloads a module when its file is written or replaced. */
edge_watch *edge_watch_new(edge_modules *mods, uv_loop_t *loop, char *err, size_t errlen);
/* Stops watching; the handles close on the loop, which must keep running for that. */
void edge_watch_free(edge_watch *watch);

/* ---- routes (per worker) ----------------------------------------------------------------------
 */

typedef struct edge_route_config {
    const char *owner;       /* cache namespace: the tenant that owns the route */
    const char *waf_module;  /* module id of the WAF, NULL for none */
    edge_limits waf_limits;  /* zero fields: WAF defaults */
    bool waf_block_on_error; /* on_error: block (403) instead of allow */
    const char **functions;  /* module ids of the edge functions, run in order */
    size_t function_count;
    edge_limits function_limits; /* zero fields: function defaults */
    /* Optional, function_count entries each (NULL: use owner / function_limits): a function's
     * own cache namespace (a NULL entry: owner), and its own limits (zero fields: defaults). */
    const char **function_owners;
    const edge_limits *function_limits_each;
} edge_route_config;

typedef struct edge_route edge_route;

/* Creates the per-worker state of a route (strings are copied). Every module it names must be
 * loaded in mods. Instances are created on first use in this worker. */
edge_route *edge_route_new(edge_modules *mods, edge_cache *cache, const edge_route_config *cfg,
                           char *err, size_t errlen);
void edge_route_free(edge_route *route);

/* The route as a pipeline stage (ud = route), to put after a stage that chose the upstream. */
http_stage edge_route_stage(edge_route *route);

/* The stage callbacks, for a node whose own routing stage delegates to the route it chose. */
http_verdict edge_route_on_request_headers(edge_route *route, http_request *req);
http_verdict edge_route_on_request_body(edge_route *route, http_request *req, const uint8_t *body,
                                        size_t len);

/* ---- one request outside any server (run.c; aegis-wasm-cli test) -----------------------------
 * A module run on requests exactly as a node's route runs it (the same request JSON, host
 * functions, limits, cache, result checks, on_error and 403/502 answers: the stage code above),
 * with a private module manager and cache and an http_local_request instead of a connection.
 */

typedef struct edge_run_options {
    edge_module_type type;
    edge_limits limits;      /* zero fields: the type's defaults */
    bool waf_block_on_error; /* WAF on_error: block (403) instead of allow */
    size_t cache_max_bytes;  /* 0: EDGE_RUN_CACHE_BYTES_DEFAULT, the node's default */
    const char *module_id;   /* the module's id in log lines (NULL: "module") */
    const char *owner;       /* cache namespace (NULL: "local") */
} edge_run_options;

#define EDGE_RUN_CACHE_BYTES_DEFAULT (64u * 1024 * 1024)

/* What one request did. Strings are malloc'd and NUL-terminated (freed by
 * edge_run_result_clear). */
typedef struct edge_run_result {
    int status;         /* the answer's status; 0: the request goes on to the origin */
    char *content_type; /* of the answer; NULL without one */
    char *body;         /* of the answer ("" without one) */
    size_t body_len;
    size_t header_count; /* response headers the route set (on the answer or the origin's) */
    char **header_names, **header_values;
    size_t log_count; /* the edge's log lines during the request (module_log, ...), in order */
    char **log_lines;
    int fail_kind;         /* -1, or why the module failed (trap, bad result, instantiate) */
    const char *fail_name; /* "unreachable", "out of fuel", "bad result", ...; NULL when none */
    char fail_message[320];
    char *request_json;      /* the request JSON the module received */
    uint64_t fuel;           /* units used by alloc and the entry point */
    uint64_t call_us;        /* wall time of the module's calls */
    uint64_t instantiate_us; /* creating the instance (first request only; 0 after) */
    uint64_t memory_bytes;   /* linear memory after the call: its peak, memory never shrinks */
} edge_run_result;

typedef struct edge_run edge_run;

/* Loads the module (as edge_modules_load does: a module the node would refuse is refused here
 * with the same message) and builds a one-module route. NULL with err on failure. */
edge_run *edge_run_new(const uint8_t *module, size_t len, const edge_run_options *opt, char *err,
                       size_t errlen);
/* Runs one request (head as http_request_local_new checks it, body of body_len bytes). Requests
 * run in turn share the cache and reuse the instance, reset between requests as on a node.
 * Returns 0 with *out filled (a failing module is a result, fail_kind >= 0), or -1 with err
 * when the request itself is malformed or memory ran out. */
int edge_run_request(edge_run *run, const http_local_request *head, const uint8_t *body,
                     size_t body_len, edge_run_result *out, char *err, size_t errlen);
void edge_run_result_clear(edge_run_result *r);
void edge_run_free(edge_run *run);

#endif
