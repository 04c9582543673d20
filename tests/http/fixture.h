/*
 * Test fixture of the http suite: a real origin (blocking sockets, one thread per connection)
 * and a proxy (http_server + http_upstream on a libuv loop in its own thread), both on
 * 127.0.0.1, plus raw client sockets that send exact bytes and read exact responses.
 */
#ifndef AEGIS_TESTS_HTTP_FIXTURE_H
#define AEGIS_TESTS_HTTP_FIXTURE_H

#include "http/http.h"

#include <stdatomic.h>
#include <stddef.h>

typedef struct fx_options {
    http_limits limits; /* zero fields: defaults */
    bool preserve_host;
    bool no_origin;        /* point the upstream at a closed port */
    bool origin_blackhole; /* an origin whose listen queue is full: connects hang */
    uint64_t upstream_idle_timeout_ms;
    size_t max_idle;
    uint64_t shutdown_timeout_ms;
} fx_options;

typedef struct fx_log {
    int count;
    int status;
    char error[200];
    char request_id[160];
    char method[16];
    char target[256];
    uint64_t bytes_in, bytes_out;
    unsigned attempts;
    bool reused;
    uint64_t duration_us;
    char client_ip[64];
    char host[128];
    char upstream[128];
} fx_log;

/* Origin counters (updated by origin threads). */
extern atomic_int fx_origin_conns;
extern atomic_int fx_origin_requests;
/* Pipelines released by the proxy (replaced and drained, or at shutdown). */
extern atomic_int fx_pipeline_releases;

/* Installs a second pipeline (it adds X-Gen: 2 upstream) on the proxy's loop and waits. */
void fx_reload(void);

/* Starts origin and proxy; fails the test on error. Returns the proxy port. */
uint16_t fx_start(const fx_options *opt);
/* Graceful shutdown of the proxy (with opt.shutdown_timeout_ms), waits for its loop to end. */
void fx_stop(void);
/* Starts the shutdown without waiting (for drain tests); fx_stop then waits. */
void fx_begin_shutdown(void);
/* Last request head the origin received (copied), and the completion log of the proxy. */
void fx_origin_last_head(char *out, size_t cap);
void fx_last_log(fx_log *out);
/* Upstream stats, valid after fx_stop. */
void fx_upstream_stats(http_upstream_stats *out);
/* Waits until the proxy reported `n` completions (max 3 s); returns the count reached. */
int fx_wait_logs(int n);

/* Client side. */
typedef struct fx_resp {
    int status;
    char head[16384]; /* status line + headers as received */
    char *body;       /* malloc'd, NUL-terminated */
    size_t body_len;
    bool chunked;
} fx_resp;

int fx_connect(uint16_t port);
void fx_send(int fd, const void *data, size_t len);
void fx_sends(int fd, const char *s);
/* Reads one response (CL, chunked or until close); status -1 when the connection closed first. */
int fx_read_response(int fd, fx_resp *r, bool head_request);
void fx_resp_free(fx_resp *r);
/* Value of header `name` in r->head (case-insensitive) into out; false if absent. */
bool fx_header(const char *head, const char *name, char *out, size_t cap);
/* True if the peer closed the connection (read returns 0) within timeout_ms. */
bool fx_closed(int fd, int timeout_ms);
/* One request, one response on a new connection. */
int fx_roundtrip(uint16_t port, const char *req, fx_resp *r);

#endif
