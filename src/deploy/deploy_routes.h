/*
 * Route sources: where the node learns which module serves which (domain, path pattern).
 *
 * A route names a domain, a path pattern, a module CID, its type (waf or function) and whether it
 * is enabled; routes from the on-chain registry also carry their authority. A source produces a
 * full snapshot of routes each time it is read, and route_diff turns two snapshots into the list
 * of changes (added, CID changed, disabled, enabled, removed) that the module manager acts on.
 *
 * Two sources:
 *   - file: a YAML routes file, re-read on demand (the node does it on SIGHUP or inotify);
 *   - solana: the route registry's WasmRoute accounts, polled with getProgramAccounts on a worker
 *     thread that never touches the consumer's event loop. A new snapshot is handed over through
 *     a mutex-protected slot and announced by a wake-up callback (e.g. uv_async_send). Routes are
 *     kept only when the trust policy accepts their authority; the last good snapshot is written
 *     atomically to a state file and loaded at start, so a restart with the RPC down still serves.
 *
 * Every string here came from outside (a file, an RPC answer, a state file) and is validated
 * with the same rules wherever it came from: route_entry_validate.
 */
#ifndef AEGIS_DEPLOY_ROUTES_H
#define AEGIS_DEPLOY_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Part of deploy.h, the component's one public header: include that instead. */
#ifndef AEGIS_DEPLOY_H
#error "include deploy/deploy.h"
#endif

enum {
    ROUTE_DOMAIN_MAX_BYTES = SOLANA_ROUTE_DOMAIN_MAX_BYTES,
    ROUTE_PATH_MAX_BYTES = SOLANA_ROUTE_PATH_MAX_BYTES,
    ROUTE_CID_MAX_BYTES = SOLANA_ROUTE_CID_MAX_BYTES,
    ROUTE_MAX_ROUTES = 10000,               /* per snapshot, whatever the source */
    ROUTE_FILE_MAX_BYTES = 4 * 1024 * 1024, /* a routes file */
    ROUTE_STATE_MAX_BYTES = 16 * 1024 * 1024,
    ROUTE_TRUST_MAX_DOMAINS = 1024,
    ROUTE_TRUST_MAX_AUTHORITIES = 16, /* per domain */
    ROUTE_POLL_INTERVAL_MS_DEFAULT = 2000,
    ROUTE_RPC_TIMEOUT_MS_DEFAULT = 5000,  /* one getProgramAccounts call */
    ROUTE_BACKOFF_MAX_MS_DEFAULT = 30000, /* the longest wait between failing polls */
    ROUTE_IGNORED_LOG_MAX = 4096,         /* distinct ignored routes remembered (logged once) */
};

typedef enum route_module_type {
    ROUTE_MODULE_WAF = SOLANA_MODULE_TYPE_WAF,
    ROUTE_MODULE_FUNCTION = SOLANA_MODULE_TYPE_FUNCTION,
} route_module_type;

typedef enum route_origin {
    ROUTE_ORIGIN_FILE,
    ROUTE_ORIGIN_SOLANA,
    ROUTE_ORIGIN_STATE, /* loaded from the state file, not yet confirmed by the RPC */
} route_origin;

typedef struct route_entry {
    char domain[ROUTE_DOMAIN_MAX_BYTES + 1];
    char path[ROUTE_PATH_MAX_BYTES + 1];
    char cid[ROUTE_CID_MAX_BYTES + 1];
    route_module_type module_type;
    bool enabled;
    bool has_authority; /* solana routes only */
    solana_pubkey authority;
    route_origin origin;
    int64_t updated_at; /* unix seconds (the registry's clock); 0 for the file source */
} route_entry;

/* A full set of routes, sorted by domain then path, each (domain, path) at most once. */
typedef struct route_snapshot {
    route_entry *routes;
    size_t count;
} route_snapshot;

/* "waf", "function"; "file", "solana", "state". */
const char *route_module_type_name(route_module_type t);
const char *route_origin_name(route_origin o);

/* Checks every field: domain (lowercase DNS name, optional leading "*."), path pattern (see
 * route_path_rank), CID (parses as a CID), module type. The error names the field and value. */
dep_status route_entry_validate(const route_entry *r, dep_error *err);

/* Takes ownership of routes[0..count) (malloc'd), sorts them and refuses a duplicate (domain,
 * path) or more than ROUTE_MAX_ROUTES; on failure the array is freed. */
dep_status route_snapshot_new(route_entry *routes, size_t count, route_snapshot **out,
                              dep_error *err);
route_snapshot *route_snapshot_copy(const route_snapshot *s);
void route_snapshot_free(route_snapshot *s);
/* Same routes, field by field (origin included). NULL equals an empty snapshot. */
bool route_snapshot_equal(const route_snapshot *a, const route_snapshot *b);
/* The route of (domain, path), or NULL. */
const route_entry *route_snapshot_find(const route_snapshot *s, const char *domain,
                                       const char *path);

/* ---- the differ ---- */

typedef enum route_change_kind {
    ROUTE_ADDED,       /* new (domain, path); `after` says whether it is enabled */
    ROUTE_CID_CHANGED, /* same route, another module (CID or module type) */
    ROUTE_DISABLED,
    ROUTE_ENABLED,
    ROUTE_REMOVED, /* closed on chain or deleted from the file; `before` is the last version */
} route_change_kind;

typedef struct route_change {
    route_change_kind kind;
    route_entry before; /* zeroed for ROUTE_ADDED */
    route_entry after;  /* zeroed for ROUTE_REMOVED */
} route_change;

const char *route_change_kind_name(route_change_kind k);

/* The changes from old to new (either may be NULL: empty), in (domain, path) order. A route
 * whose CID and enabled flag both changed yields ROUTE_CID_CHANGED then ROUTE_DISABLED or
 * ROUTE_ENABLED. A change of authority or timestamp alone is not a change for the module manager.
 * *changes is malloc'd (NULL when *count is 0). */
dep_status route_diff(const route_snapshot *old, const route_snapshot *new, route_change **changes,
                      size_t *count, dep_error *err);

/* ---- matching (the semantics of the node's proxy routes, src/node/route.c) ---- */

/* How specifically pattern matches path: 0 no match. An exact pattern ("/login") matches only
 * itself and outranks every prefix; a prefix pattern ("/api/" then a final '*') matches "/api",
 * "/api/" and everything under "/api/", and a longer prefix outranks a shorter one. */
size_t route_path_rank(const char *pattern, const char *path, size_t path_len);

/* The enabled route serving host and path: exact domain first, then the longest "*.suffix"
 * wildcard domain (which never matches the bare suffix); within a domain the most specific path.
 * The host may carry a ":port" and a trailing dot and is compared case-insensitively. Returns
 * NULL when no route serves the request. */
const route_entry *route_match(const route_snapshot *s, const char *host, size_t host_len,
                               const char *path, size_t path_len);

/* ---- trust policy ---- */

typedef struct route_trust route_trust;

/* A policy; serve_unlisted says whether routes of domains the policy does not list are served
 * (by any authority). The default of the node is false. */
route_trust *route_trust_new(bool serve_unlisted);
route_trust *route_trust_copy(const route_trust *t);
void route_trust_free(route_trust *t);
/* Allows authority (base58) to route domain (exact spelling, "*.example.com" included). */
dep_status route_trust_allow(route_trust *t, const char *domain, const char *authority,
                             dep_error *err);
bool route_trust_serve_unlisted(const route_trust *t);
size_t route_trust_domain_count(const route_trust *t);
const char *route_trust_domain(const route_trust *t, size_t i);
/* True when the route may be served: its domain is listed and its authority is one of that
 * domain's, or the domain is unlisted and unlisted domains are served. A route without an
 * authority (file source) is always accepted. */
bool route_trust_accepts(const route_trust *t, const route_entry *r);

/* ---- file source ---- */

/* Reads a routes file:
 *   routes:
 *     - domain: example.com
 *       path: /login             (exact; "/api/" then '*' for a prefix)
 *       cid: bafkrei...
 *       type: function           (or waf; default function)
 *       enabled: true            (default true)
 * Unknown keys, wrong types, invalid values and duplicates are errors "file:line:col: key path:
 * reason". The routes' origin is ROUTE_ORIGIN_FILE. */
dep_status route_file_load(const char *path, route_snapshot **out, dep_error *err);
dep_status route_file_parse(const char *text, size_t len, const char *source, route_snapshot **out,
                            dep_error *err);

/* ---- persistence ---- */

/* Writes s as JSON to path atomically: a temporary file in the same directory, fsync, rename. */
dep_status route_state_save(const char *path, const route_snapshot *s, dep_error *err);
/* Reads a state file written by route_state_save, checking every field as if it came from the
 * RPC. A missing file is DEP_ERR_NOT_FOUND; anything else wrong is DEP_ERR_MALFORMED (or
 * _LIMIT) with the reason. Loaded routes have origin ROUTE_ORIGIN_STATE. */
dep_status route_state_load(const char *path, route_snapshot **out, dep_error *err);

/* ---- solana source ---- */

typedef void (*route_wake_fn)(void *ctx);
typedef void (*route_log_fn)(void *ctx, const char *message);

typedef struct route_solana_config {
    const char *rpc_url;       /* "http://127.0.0.1:8899" */
    const char *program_id;    /* NULL: SOLANA_REGISTRY_PROGRAM_ID */
    uint32_t poll_interval_ms; /* 0: ROUTE_POLL_INTERVAL_MS_DEFAULT */
    uint32_t rpc_timeout_ms;   /* 0: ROUTE_RPC_TIMEOUT_MS_DEFAULT; hard cap of one call */
    uint32_t backoff_max_ms;   /* 0: ROUTE_BACKOFF_MAX_MS_DEFAULT */
    const route_trust *trust;  /* copied; NULL: nothing listed, unlisted domains not served */
    const char *state_file;    /* NULL: no persistence */
    route_wake_fn on_update;   /* called on the worker thread after a new snapshot is ready */
    void *on_update_ctx;
    route_log_fn log; /* NULL: stderr; one key=value line per event, from the worker thread
                       * (and from route_solana_new for the state file) */
    void *log_ctx;
} route_solana_config;

typedef struct route_stats {
    int64_t last_success_ms;       /* unix ms of the last successful poll; 0: none yet */
    uint64_t polls;                /* poll attempts */
    uint64_t rpc_errors;           /* failed polls */
    uint64_t consecutive_failures; /* since the last success */
    uint32_t next_delay_ms;        /* the wait before the next poll (backoff included) */
    uint64_t routes_enabled;       /* in the current snapshot */
    uint64_t routes_disabled;
    uint64_t ignored_routes;   /* routes refused by the trust policy in the last good poll */
    uint64_t ignored_total;    /* distinct (domain, path, authority) refusals ever seen */
    uint64_t invalid_routes;   /* accounts that decode but break a rule (bad CID, pattern...) */
    uint64_t skipped_accounts; /* accounts that do not decode, in the last good poll */
    uint64_t snapshots;        /* snapshots handed to the consumer */
    bool from_state;           /* the current snapshot is the persisted one */
    char last_error[sizeof(((dep_error *)0)->message)];
} route_stats;

typedef struct route_solana route_solana;

/* Creates the source and, when state_file is set, loads the persisted snapshot (a corrupt file is
 * logged and ignored; its routes pass the trust policy again). The worker does not run yet. */
route_solana *route_solana_new(const route_solana_config *cfg, dep_error *err);
/* Starts the polling thread (the first poll is immediate). */
dep_status route_solana_start(route_solana *src, dep_error *err);
/* Stops the thread (waiting for a call in flight, at most rpc_timeout_ms) and frees. */
void route_solana_free(route_solana *src);
/* The newest snapshot not yet taken, or NULL; the caller owns it. Thread-safe. */
route_snapshot *route_solana_take(route_solana *src);
void route_solana_stats(route_solana *src, route_stats *out);

#endif
