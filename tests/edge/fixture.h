/*
 * Test fixture of the edge suite: a real origin on 127.0.0.1 (blocking sockets, a thread per
 * connection), the proxy (http_server + http_upstream on a libuv loop in its own thread) whose
 * routing stage hands each request to the edge_route named by the first path segment, and a
 * small keep-alive HTTP client. Modules are real Wasm files built from guest/examples/.
 */
#ifndef AEGIS_TESTS_EDGE_FIXTURE_H
#define AEGIS_TESTS_EDGE_FIXTURE_H

#include "edge/edge.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define FX_MAX_ROUTES 8
#define FX_MAX_WORKERS 4

/* A route of the proxy: requests whose path starts with "/<prefix>/" (or is "/<prefix>"). */
typedef struct fx_route {
    const char *prefix;
    edge_route_config cfg;
} fx_route;

typedef struct fx_options {
    fx_route routes[FX_MAX_ROUTES];
    size_t route_count;
    size_t workers; /* worker threads (0: 1) */
    bool watch;     /* run an edge_watch on the first worker's loop */
    bool as_stage;  /* install routes[0] as its own pipeline stage (edge_route_stage) after a
                       router that only chooses the upstream, instead of delegating to routes */
} fx_options;

/* Requests seen by each worker's routing stage. */
extern atomic_int fx_worker_requests[FX_MAX_WORKERS];

/* Shared objects, valid between fx_start and fx_stop. */
extern edge_modules *fx_mods;
extern edge_cache *fx_cache;

/* Path of a built example module ("hostile" -> .../guest/examples/hostile.wasm). */
const char *fx_example(const char *name);
/* Creates the module manager (log captured) and loads a module from a file; fails the test on
 * error. Call before fx_start. */
void fx_load(const char *id, edge_module_type type, const char *path);
/* Starts origin and proxy with these routes; returns the proxy port. */
uint16_t fx_start(const fx_options *opt);
void fx_stop(void);

/* Number of captured log lines containing s. */
int fx_log_count(const char *s);
/* Captured log lines: true when one contains every one of the (up to 3, NULL-ended) needles. */
bool fx_log_has(const char *a, const char *b, const char *c);

typedef struct fx_response {
    int status;
    char head[8192];
    char body[65536];
    size_t body_len;
} fx_response;

/* A client connection to the proxy (keep-alive) and one request on it. `headers` is extra
 * header lines, each ending in \r\n (may be NULL). Returns false when the connection failed
 * or the response was malformed. */
int fx_connect(uint16_t port);
bool fx_request(int fd, const char *method, const char *path, const char *headers, const void *body,
                size_t body_len, fx_response *resp);
/* Value of a response header (case-insensitive) into out; false if absent. */
bool fx_header(const fx_response *r, const char *name, char *out, size_t cap);

#endif
