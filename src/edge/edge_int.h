/*
 * Internals shared by the files of src/edge/: module versions and their refcounts, the
 * per-module counters, the per-request call context that host functions see, and the per-worker
 * instance slot that runs one module for one route.
 */
#ifndef AEGIS_EDGE_INT_H
#define AEGIS_EDGE_INT_H

#include "edge/edge.h"
#include "engine/engine.h"

#include <pthread.h>
#include <stdatomic.h>

/* Largest result a module may return (the u32 length of its frame), and most result headers. */
#define EDGE_MAX_RESULT_BYTES (16u * 1024 * 1024)
#define EDGE_MAX_RESULT_HEADERS 100
/* Budget of a module's one-time initialisation (start function and _initialize), which may build
 * tables a per-request limit would not allow for. */
#define EDGE_INIT_FUEL 2000000000ull
#define EDGE_INIT_DEADLINE_MS 2000
/* Longest log line a module may write; longer ones are cut. */
#define EDGE_MAX_LOG_BYTES 2048
/* Lines a module may log per second (log, WASI output, refused headers and cache values);
 * the rest are dropped and counted, so a module cannot flood the node's log. */
#define EDGE_MAX_MODULE_LOG_LINES_PER_S 100
/* Default: failures of one module are logged at most once per this interval. */
#define EDGE_FAILURE_LOG_INTERVAL_MS 1000
/* Latency histogram bucket bounds in microseconds (a last bucket holds the rest). */
#define EDGE_LATENCY_BUCKETS 11
extern const uint64_t edge_latency_bounds_us[EDGE_LATENCY_BUCKETS];

/* Failure kinds beyond engine traps: a result that is out of bounds or not valid JSON for the
 * ABI, and an instance that could not be created. */
enum { EDGE_FAIL_BAD_RESULT = ENG_TRAP_COUNT, EDGE_FAIL_INSTANTIATE, EDGE_FAIL_KINDS };

typedef struct edge_counters {
    atomic_uint_fast64_t calls, fuel, latency_sum_us;
    atomic_uint_fast64_t failures[EDGE_FAIL_KINDS];
    atomic_uint_fast64_t latency[EDGE_LATENCY_BUCKETS + 1];
    atomic_uint_fast64_t last_failure_log_ms, suppressed_logs;
    atomic_uint_fast64_t log_window_ms, log_lines, log_dropped; /* module log rate limit */
} edge_counters;

typedef struct edge_entry edge_entry;

/* One compiled version of a module. Freed when the manager and every slot let go of it. */
typedef struct edge_version {
    atomic_int refs;
    eng_module *module;
    char hash[65];
    uint64_t generation;
    uint64_t loaded_unix;
} edge_version;

/* A module id with its current version; lives as long as the manager. */
struct edge_entry {
    edge_modules *owner;
    char *id;
    edge_module_type type;
    char *path; /* NULL when loaded from bytes */
    edge_version *current;
    uint64_t generation;
    char last_error[256]; /* of the last failed reload, "" after a success */
    edge_counters counters;
    edge_entry *next;
};

struct edge_modules {
    pthread_mutex_t mu;
    edge_entry *entries;
    edge_log_fn log;
    void *log_data;
    atomic_uint_fast64_t failure_log_interval_ms;
};

/* Finds an entry (NULL when unknown). Entries are never removed, so the pointer stays valid. */
edge_entry *edge_modules_find(edge_modules *mods, const char *id);
/* Takes a reference on the entry's current version (NULL when none). */
edge_version *edge_entry_acquire(edge_modules *mods, edge_entry *entry);
void edge_version_release(edge_version *v);

/* Writes a log line through the manager's sink (printf-style). */
void edge_log(edge_modules *mods, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Counts a call: fail_kind is -1 on success. */
void edge_counters_record(edge_counters *c, int fail_kind, uint64_t fuel, uint64_t latency_us);
/* Logs one failure of a module (event=module_failed, with `extra` appended when not NULL), at
 * most once per the manager's interval; the others are counted and reported as suppressed=N. */
void edge_report_failure(edge_modules *mods, edge_entry *entry, http_request *req, int kind,
                         const char *message, const char *extra);
const char *edge_fail_name(int kind);
/* Whether the module may log one more line now (EDGE_MAX_MODULE_LOG_LINES_PER_S); when a new
 * second starts, the lines dropped in the last one are reported in one line. */
bool edge_module_log_allowed(edge_entry *entry);

/* What host functions see during one call of a module (eng_instance user data). */
typedef struct edge_call {
    edge_modules *mods;
    edge_entry *entry; /* the module running */
    http_request *req;
    const uint8_t *body;
    size_t body_len, body_pos;
    edge_cache *cache;
    const char *owner;
    bool sent; /* send_response was called (the first call wins) */
    int send_status;
    uint8_t *send_body; /* in the request's arena */
    size_t send_len;
} edge_call;

/* A new import set with the ABI v1 host functions and WASI, whose output is logged for entry
 * (discarded when entry is NULL, as for the trial instance of a module being loaded). */
eng_imports *edge_host_imports_new(edge_entry *entry);
/* Copies len guest bytes into out as printable log text (quotes, backslashes and control bytes
 * escaped, cut at cap - 1). */
void edge_log_text(const uint8_t *p, size_t len, char *out, size_t cap);

/* One module of one route in one worker: its instance and the version it came from. */
typedef struct edge_slot {
    edge_modules *mods;
    edge_entry *entry;
    edge_limits limits;
    edge_version *version; /* referenced while inst exists */
    eng_instance *inst;
    int32_t f_alloc, f_entry;
    bool dirty; /* ran since its last restore */
} edge_slot;

/* Runs the entry point with the request JSON. On success *out / *out_len address the result
 * JSON inside the instance's memory (valid until the slot runs again) and -1 is returned;
 * otherwise the failure kind, with err->message saying why. Counters are updated either way;
 * logging the failure is the caller's (edge_report_failure). */
int edge_slot_run(edge_slot *s, edge_call *call, const char *json, size_t json_len,
                  const char **out, size_t *out_len, eng_error *err);
void edge_slot_destroy(edge_slot *s);
/* Makes s->inst a clean instance of the current version (created, initialised and snapshotted
 * on first use or after a reload, else restored); false with err filled on failure. */
bool edge_slot_prepare(edge_slot *s, eng_error *err);
/* The slot of a route's WAF (type WAF, i ignored; NULL without one) or of its i-th function. */
edge_slot *edge_route_slot(edge_route *route, edge_module_type type, size_t i);

/* Checks the exports of the ABI for a module type; false with a message when one is missing. */
bool edge_check_exports(const eng_module *m, edge_module_type type, char *err, size_t errlen);
/* Creates an instance with the ABI imports and limits, runs _initialize if exported. */
eng_instance *edge_instantiate(edge_entry *entry, const eng_module *m, const edge_limits *limits,
                               char *err, size_t errlen);

/* A growing byte buffer (malloc'd), reused across requests. */
typedef struct edge_buf {
    char *p;
    size_t len, cap;
    bool failed;
} edge_buf;
void edge_buf_put(edge_buf *b, const void *s, size_t n);
void edge_buf_free(edge_buf *b);

/* Writes the request JSON of ABI v1 into b (reset first); false when out of memory. */
bool edge_request_json(edge_buf *b, http_request *req, const uint8_t *body, size_t len);

#endif
