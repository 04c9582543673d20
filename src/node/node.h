/*
 * The node component: everything `aegis-node` is besides HTTP itself. It reads the YAML config
 * file into a typed, validated config (node_config), compiles its routes into a table that
 * answers "which upstream serves this host and path", runs the worker threads (each with the edge
 * stages of src/edge/ for routes that name a WAF or functions), the loopback admin listener
 * (/healthz, /metrics, /config, /modules, POST /modules/reload), the access log and the signal
 * handling (SIGTERM/SIGINT drain, SIGHUP reload of config and modules). This header is the only
 * one the program and the tests include.
 */
#ifndef AEGIS_NODE_H
#define AEGIS_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NODE_VERSION "0.1.0"

/* ---- limits of the config itself ---------------------------------------------------------- */

enum {
    NODE_MAX_LISTENERS = 16,
    NODE_MAX_WORKERS = 256,
    NODE_MAX_ROUTES = 256,
    NODE_MAX_UPSTREAMS = 64,
    NODE_MAX_SERVERS = 32,      /* addresses per upstream */
    NODE_MAX_NAME_BYTES = 64,   /* upstream and route names */
    NODE_MAX_HOST_BYTES = 253,  /* a DNS name */
    NODE_MAX_PATH_BYTES = 1024, /* a route path pattern */
    NODE_MAX_CONFIG_BYTES = 1 << 20,
    NODE_ERR_BYTES = 512,         /* a config error message */
    NODE_MAX_MODULES = 64,        /* distinct Wasm module files in one config */
    NODE_MAX_ROUTE_FUNCTIONS = 8, /* edge functions of one route */
    NODE_MAX_MODULE_PATH_BYTES = 1024,
    NODE_MAX_DEADLINE_MS = 60000, /* wall clock per call */
    NODE_MAX_MEMORY_MB = 4096,    /* linear memory per instance (wasm32: 4 GB) */
    NODE_MIN_CACHE_BYTES = 16384, /* the cache is split over 16 shards */
    NODE_MAX_GATEWAYS = 8,        /* ipfs.gateways */
};

#define NODE_MAX_FUEL UINT64_C(1000000000000) /* fuel units per call */
#define NODE_DEFAULT_CACHE_BYTES (UINT64_C(64) << 20)
#define NODE_MAX_CACHE_BYTES (UINT64_C(1) << 40)

/* ---- configuration -------------------------------------------------------------------------- */

/* An address:port to listen on or to connect to; host is a numeric IPv4/IPv6 address. */
typedef struct {
    char host[64];
    uint16_t port;
} node_addr;

typedef struct {
    char name[NODE_MAX_NAME_BYTES];
    node_addr servers[NODE_MAX_SERVERS];
    size_t server_count;
    uint32_t pool_size; /* idle keep-alive connections kept per server and worker; 0: none */
} node_upstream;

typedef enum { NODE_PATH_EXACT, NODE_PATH_PREFIX } node_path_kind;

/* A WebAssembly module file a route runs. Modules are node-wide: routes naming the same file
 * share it (compiled once, reloaded once). */
typedef struct {
    char id[NODE_MAX_NAME_BYTES];          /* the file name without .wasm (made unique) */
    char path[NODE_MAX_MODULE_PATH_BYTES]; /* resolved against the config file's directory */
    bool waf;                              /* a WAF (analyze_request), else a function */
    char where[96]; /* "line:col: key.path" of its first mention, for load errors */
    /* A module named by its IPFS CID (key `cid`): the CID in canonical form, which is also the
     * id; path is then "". "" for a module file. */
    char cid[NODE_MAX_NAME_BYTES];
} node_module;

/* One module as a route uses it: limits are effective values (defaults filled in). */
typedef struct {
    size_t module; /* index into node_config.modules */
    uint64_t fuel; /* per call; 0: no fuel limit (functions only) */
    uint64_t deadline_ms;
    uint64_t memory_bytes;
    bool block_on_error;             /* WAF: on_error: block */
    char owner[NODE_MAX_NAME_BYTES]; /* function: cache namespace; defaults to the route name */
} node_module_use;

typedef struct {
    char name[NODE_MAX_NAME_BYTES];     /* metrics and log label; defaults to "host path" */
    char host[NODE_MAX_HOST_BYTES + 1]; /* lower case; "*.suffix" or "*" (any host) */
    char path[NODE_MAX_PATH_BYTES + 1]; /* as written: "/exact" or "/prefix/" plus a star */
    node_path_kind path_kind;
    size_t prefix_len; /* for NODE_PATH_PREFIX: bytes of path before the '*' */
    char upstream[NODE_MAX_NAME_BYTES];
    size_t upstream_index; /* into node_config.upstreams, resolved by validation */
    bool has_waf;
    node_module_use waf;
    node_module_use functions[NODE_MAX_ROUTE_FUNCTIONS];
    size_t function_count;
} node_route;

typedef struct {
    uint32_t max_header_bytes;
    uint64_t max_body_bytes;
    uint32_t max_uri_bytes;
    uint32_t max_headers;
} node_limits;

typedef struct {
    uint32_t header_read_ms;
    uint32_t body_read_ms;
    uint32_t idle_ms;
    uint32_t upstream_connect_ms;
    uint32_t upstream_read_ms;
    uint32_t shutdown_drain_ms;
} node_timeouts;

typedef enum { NODE_LOG_JSON, NODE_LOG_KV } node_log_format;

typedef struct {
    bool enabled;
    node_log_format format;
    char path[4096]; /* "stderr", "stdout" or a file path (appended to) */
} node_access_log;

typedef struct {
    node_addr listen;
    bool enabled;
    bool allow_non_loopback; /* the admin API has no authentication: loopback unless said so */
} node_admin;

/* Where the node learns routes beyond its static ones (docs/ROUTES.md, "How the node uses it"). */
typedef enum { NODE_SOURCE_NONE, NODE_SOURCE_FILE, NODE_SOURCE_SOLANA } node_source_type;

enum {
    NODE_MAX_TRUST_DOMAINS = 64,
    NODE_MAX_TRUST_AUTHORITIES = 16, /* per domain */
    NODE_PUBKEY_TEXT_BYTES = 48,     /* base58 of 32 bytes is at most 44 characters */
    NODE_MAX_URL_BYTES = 1024,
};

typedef struct {
    char domain[NODE_MAX_HOST_BYTES + 1];
    char authorities[NODE_MAX_TRUST_AUTHORITIES][NODE_PUBKEY_TEXT_BYTES];
    size_t authority_count;
} node_trust_domain;

typedef struct {
    node_source_type type;
    char path[4096];                         /* file: the routes file, resolved like module paths */
    char rpc_url[NODE_MAX_URL_BYTES];        /* solana */
    char program_id[NODE_PUBKEY_TEXT_BYTES]; /* "" : the registry's default program */
    uint32_t poll_interval_ms;
    char state_file[4096]; /* solana: the persisted last good routes; "" : none */
    node_trust_domain trust[NODE_MAX_TRUST_DOMAINS];
    size_t trust_count;
    bool serve_unlisted_domains;
    char upstream[NODE_MAX_NAME_BYTES]; /* for requests no static route matches; "" : none */
    size_t upstream_index;              /* resolved when upstream is set */
} node_route_source;

/* Where modules named by CIDs come from, and the node's own trustless gateway (`ipfs`). */
typedef struct {
    char gateways[NODE_MAX_GATEWAYS][NODE_MAX_URL_BYTES]; /* base URLs, tried in order */
    size_t gateway_count;
    uint32_t connect_timeout_ms, total_timeout_ms, stall_timeout_ms; /* per gateway request */
    uint64_t cache_max_bytes;           /* <state_dir>/modules, least recently used evicted */
    uint64_t max_waf_module_bytes;      /* a WAF module's file size cap */
    uint64_t max_function_module_bytes; /* an edge function's */
    bool gateway_listen_enabled;        /* serve GET /ipfs/{cid} on gateway_listen */
    node_addr gateway_listen;
} node_ipfs;

typedef struct {
    char source[4096]; /* the file name used in messages ("<default>" when embedded) */
    node_addr listeners[NODE_MAX_LISTENERS];
    size_t listener_count;
    uint32_t workers; /* resolved: never 0 after parsing */
    node_upstream upstreams[NODE_MAX_UPSTREAMS];
    size_t upstream_count;
    node_route routes[NODE_MAX_ROUTES];
    size_t route_count;
    node_limits limits;
    node_timeouts timeouts;
    node_admin admin;
    node_access_log access_log;
    bool demo_origin; /* spawn aegis-demo-origin next to our executable */
    node_addr demo_origin_listen;
    node_module modules[NODE_MAX_MODULES];
    size_t module_count;
    uint64_t cache_max_bytes; /* the edge cache shared by the workers */
    node_route_source route_source;
    char state_dir[NODE_MAX_MODULE_PATH_BYTES]; /* module cache and persisted state (absolute) */
    node_ipfs ipfs;
} node_config;

/* The embedded default config (the same text as docs/aegis.example.yaml). */
extern const char node_default_config_yaml[];

/* Parses YAML text into a new config (caller frees with node_config_free). `source` names the
 * text in error messages; relative module paths are resolved against its directory (for the
 * embedded default, whose source is not a file, against the executable's directory). On failure
 * returns NULL and writes "source:line:col: key.path: what is wrong" into err (NODE_ERR_BYTES). */
node_config *node_config_parse(const char *text, size_t len, const char *source, char *err);

/* Reads and parses a config file; errors as node_config_parse, or "file: cannot read: why". */
node_config *node_config_load(const char *path, char *err);

void node_config_free(node_config *cfg);

/* Loads every module file of cfg the way the node would (read, compile, validate, instantiate)
 * without running anything; false with "source:line:col: key: why" in err (NODE_ERR_BYTES). */
bool node_config_check_modules(const node_config *cfg, char *err);

/* Writes the effective config (every key, defaults filled in) as YAML into a new string
 * (caller frees); NULL when out of memory. */
char *node_config_format(const node_config *cfg);

/* Parses "1.2.3.4:80" or "[::1]:80" into addr; false with a reason in err (NODE_ERR_BYTES). */
bool node_addr_parse(const char *text, node_addr *addr, char *err);

/* ---- routing ----------------------------------------------------------------------------------
 */

/* Finds the route for a request. Hosts are compared without case, :port or trailing dot, in
 * three tiers: routes naming the host exactly; then "*.suffix" routes (a longer suffix first);
 * then "*" routes. The first tier with a route whose path matches wins, and within it the most
 * specific path (an exact path before any prefix, a longer prefix before a shorter one).
 * Returns the index into cfg->routes, or -1. `path` is the normalized request path without its
 * query string (see node_path_normalize). */
int node_route_match(const node_config *cfg, const char *host, size_t host_len, const char *path,
                     size_t path_len);

/* Normalizes a request path for matching, as an origin would read it (RFC 3986 6.2.2): percent-
 * encoded unreserved characters are decoded ("%61" -> "a"), other escapes get upper-case hex, and
 * "." and ".." segments are removed, so "/x/../api/%61" matches routes like "/api/a". The request
 * is forwarded unchanged. Writes at most cap bytes to out and returns the length, or -1 when out
 * is too small or the path is malformed (a bad escape, not starting with '/'). */
long node_path_normalize(const char *path, size_t len, char *out, size_t cap);

/* ---- running ----------------------------------------------------------------------------------
 */

/* Runs the node on `cfg` (taken over): starts the demo origin if configured, the workers and the
 * admin listener, then serves until SIGTERM or SIGINT, which drain the connections (at most
 * timeouts.shutdown_drain_ms) before returning 0. SIGHUP re-reads `config_path` (NULL: the
 * embedded default, nothing to re-read) and the module files, and switches new requests to
 * them; a config that does not parse or names a module that does not load is reported on stderr
 * and the running one kept. Module files are also reloaded when they change on disk and on the
 * admin API's POST /modules/reload. Returns 1 when start-up fails (the
 * reason is printed on stderr). */
int node_run(node_config *cfg, const char *config_path);

#endif
