/*
 * The HTTP/1.1 layer of aegis-node: the one public header of src/http/.
 *
 * An http_server listens on one libuv loop (one per worker thread; SO_REUSEPORT lets every
 * worker bind the same port), parses requests strictly with llhttp, enforces the limits of
 * http_limits, runs each request through the stages of an http_pipeline and forwards it to the
 * http_upstream a stage chose, streaming bodies both ways. It knows nothing of Wasm or config
 * files: routing, the WAF and edge functions are stages that the layers above plug in.
 *
 * Life of a request:
 *   bytes -> request line + headers (limits, smuggling checks; 400/408/414/431 and close)
 *         -> stage.on_request_headers of every stage, in order (route: choose an upstream,
 *            or answer directly with http_request_respond)
 *         -> if a stage called http_request_buffer_body: the whole body is read (413 past
 *            max_body_bytes), then stage.on_request_body of every stage
 *         -> upstream connection (pooled or new; 502 on failure, 504 on read timeout)
 *         -> stage.on_response_headers of every stage (upstream responses only)
 *         -> response streamed to the client -> pipeline.on_complete with an http_request_log.
 *
 * Objects are per loop and not thread-safe: a worker thread creates its own server and its own
 * upstreams. Functions that can fail return 0 / a pointer on success and a negative value / NULL
 * on failure, filling `err` (when not NULL) with a message that can be printed as is.
 */
#ifndef AEGIS_HTTP_H
#define AEGIS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct http_server http_server;
typedef struct http_upstream http_upstream;
typedef struct http_request http_request;

/* ---- limits ---------------------------------------------------------------------------------- */

/* Limits of one server; a zero field means "use the default" (see http_limits_default). */
typedef struct http_limits {
    size_t max_header_bytes;    /* request line + headers; more -> 431 (also caps response heads) */
    size_t max_uri_bytes;       /* request target; longer -> 414 */
    size_t max_headers;         /* number of request header fields; more -> 431 */
    uint64_t max_body_bytes;    /* request body; larger -> 413 */
    uint64_t header_timeout_ms; /* first byte to end of headers; exceeded -> 408 and close */
    uint64_t body_timeout_ms;   /* longest gap between two reads of a request body -> 408 */
    uint64_t idle_timeout_ms;   /* keep-alive connection without a request -> closed quietly */
    uint64_t send_timeout_ms;   /* client not reading what we send for this long -> closed */
    uint64_t upstream_connect_timeout_ms; /* connect to the origin (refused: 502, timeout: 504) */
    uint64_t upstream_read_timeout_ms;    /* gap between two reads from the origin -> 504 */
    uint32_t max_connections; /* client connections per server; more are accepted and closed */
} http_limits;

/* Fills `l` with the defaults: 16 KiB of headers, 8 KiB URI, 100 headers, 16 MiB body, 10 s
 * header / 30 s body / 60 s idle / 30 s send timeouts, 5 s upstream connect, 60 s upstream read,
 * 10000 connections. */
void http_limits_default(http_limits *l);

/* ---- headers --------------------------------------------------------------------------------- */

/* A header field as parsed: pointers into per-request memory, NUL-terminated, valid until the
 * request's on_complete returns. */
typedef struct http_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} http_header;

/* ---- pipeline -------------------------------------------------------------------------------- */

typedef enum http_verdict {
    HTTP_CONTINUE = 0, /* go on with the next stage / with forwarding */
    HTTP_RESPONDED = 1 /* the stage called http_request_respond: stop, send that answer */
} http_verdict;

/* One stage of the request pipeline. Any callback may be NULL. `ud` is the stage's own data. */
typedef struct http_stage {
    const char *name; /* for logs */
    /* After the request head is parsed and checked. May read the request, edit its headers,
     * choose an upstream (http_request_set_upstream), ask for the body (http_request_buffer_body)
     * or answer (http_request_respond + HTTP_RESPONDED). */
    http_verdict (*on_request_headers)(http_request *req, void *ud);
    /* Only when some stage called http_request_buffer_body: the complete request body. */
    http_verdict (*on_request_body)(http_request *req, const uint8_t *body, size_t len, void *ud);
    /* After the upstream's response head arrived, before it is sent on: may read it
     * (http_request_response_status, http_request_response_header) and edit it
     * (http_request_set_response_header, http_request_remove_response_header). */
    void (*on_response_headers)(http_request *req, void *ud);
    void *ud;
} http_stage;

/* What an access log and metrics need about a finished request. Strings are never NULL ("" when
 * unknown) and are valid only during the on_complete call. */
typedef struct http_request_log {
    const char *method;
    const char *target; /* request target as received (path and query) */
    const char *host;   /* Host header */
    const char *client_ip;
    const char *request_id; /* X-Request-Id sent upstream (received or generated) */
    const char *upstream;   /* "host:port" of the origin contacted, "" if none */
    int status;             /* status sent to the client; 0 if none could be sent */
    uint64_t bytes_in;      /* bytes of this request read from the client (head + body) */
    uint64_t bytes_out;     /* bytes of the response written to the client */
    uint64_t start_unix_us; /* when the first byte of the request arrived */
    uint64_t duration_us;   /* first request byte to last response byte */
    uint64_t upstream_us;   /* request sent upstream to response complete; 0 without upstream */
    unsigned attempts;      /* upstream attempts: 0, 1, or 2 after a safe retry */
    bool upstream_reused;   /* the (last) attempt used a pooled keep-alive connection */
    const char *error;      /* NULL on success, else a short reason: "upstream_connect: ..." */
} http_request_log;

/* The stages a server runs and where finished requests are reported. A request keeps the
 * pipeline it started with until it completes, so a reload can replace the pipeline while old
 * requests finish on the old one. */
typedef struct http_pipeline {
    const http_stage *stages; /* copied by the server, together with this struct */
    size_t stage_count;
    /* Called once per request, also for requests rejected before the stages ran (400, 408, ...).
     * `req` is valid for the duration of the call (for http_request_user and friends). */
    void (*on_complete)(http_request *req, const http_request_log *log, void *ud);
    void *ud;
    /* Called when no request and no server uses this pipeline any more (after it was replaced
     * by http_server_set_pipeline or the server was freed): the owner may free `ud`, routes,
     * upstreams. May be NULL. */
    void (*release)(void *ud);
} http_pipeline;

/* ---- the request, as seen by stages ---------------------------------------------------------- */

/* Method ("GET"), request target ("/a?b=1"), Host header value ("" if absent), the client's
 * address ("127.0.0.1"), the request id. Valid until the request completes. */
const char *http_request_method(const http_request *req);
const char *http_request_target(const http_request *req);
const char *http_request_host(const http_request *req);
const char *http_request_client_ip(const http_request *req);
const char *http_request_id(const http_request *req);

/* HTTP minor version of the request: 0 for HTTP/1.0, 1 for HTTP/1.1. */
int http_request_version_minor(const http_request *req);

/* Declared body length: the Content-Length value, -1 when chunked, 0 without a body. */
int64_t http_request_content_length(const http_request *req);

/* Number of request headers and the i-th (in arrival order, as they will be forwarded; removed
 * headers are skipped). */
size_t http_request_header_count(const http_request *req);
const http_header *http_request_header_at(const http_request *req, size_t i);

/* First value of the header `name` (case-insensitive), or NULL. */
const char *http_request_header(const http_request *req, const char *name);

/* Replaces every `name` header forwarded upstream by one with `value` (adds it if absent).
 * Both strings are copied. Returns -1 for a name that is not a token, a value with control
 * bytes, a hop-by-hop name or one the proxy sets itself (Host, Content-Length, Expect, Via,
 * X-Forwarded-For/-Proto/-Host, X-Request-Id), or when per-request memory is exhausted. */
int http_request_set_header(http_request *req, const char *name, const char *value);

/* Removes every `name` header from what is forwarded upstream. */
void http_request_remove_header(http_request *req, const char *name);

/* Forward this request to `up` (which must outlive the request). The last call wins. */
void http_request_set_upstream(http_request *req, http_upstream *up);

/* Asks for the whole body before forwarding (up to max_body_bytes, else 413), so that
 * stage.on_request_body runs; the body is then sent upstream with a Content-Length. */
void http_request_buffer_body(http_request *req);

/* Answers the request now with `status` (200-599), the headers set by
 * http_request_set_response_header and `body` (copied; may be NULL when len is 0). The stage
 * then returns HTTP_RESPONDED. -1 for a bad status or content type, or when out of memory. */
int http_request_respond(http_request *req, int status, const char *content_type, const void *body,
                         size_t len);

/* Sets (replaces) a header on the response the client receives, whether it comes from the
 * upstream or from http_request_respond. Copied. Refused (-1): names that are not tokens,
 * values with control bytes, hop-by-hop names and Content-Length. */
int http_request_set_response_header(http_request *req, const char *name, const char *value);

/* Removes a header of the upstream's response (in on_response_headers). */
void http_request_remove_response_header(http_request *req, const char *name);

/* The upstream's response status and first value of a response header (case-insensitive),
 * meaningful in on_response_headers; 0 / NULL before. */
int http_request_response_status(const http_request *req);
const char *http_request_response_header(const http_request *req, const char *name);

/* Per-request memory, freed in one go when the request completes (16-byte aligned).
 * NULL if the request's memory cap is reached. */
void *http_request_alloc(http_request *req, size_t size);

/* One pointer of per-request user data for the pipeline; NULL until set. */
void http_request_set_user(http_request *req, void *user);
void *http_request_user(const http_request *req);

/* ---- upstreams ------------------------------------------------------------------------------- */

typedef struct http_upstream_config {
    const char *host; /* IP address or name (resolved once, at creation) */
    uint16_t port;
    size_t max_idle;          /* idle keep-alive connections kept in the pool (0: default 32) */
    bool no_pool;             /* never reuse a connection (one connection per request) */
    uint64_t idle_timeout_ms; /* pooled connection closed after this long unused (default 30 s) */
    bool preserve_host;       /* forward the client's Host; otherwise send host_header */
    const char *host_header;  /* Host sent when !preserve_host; default "host:port" */
} http_upstream_config;

typedef struct http_upstream_stats {
    uint64_t connects; /* connections opened */
    uint64_t connect_errors;
    uint64_t reuses;  /* requests sent on a pooled connection */
    uint64_t retries; /* requests retried on a fresh connection */
    size_t idle;      /* connections in the pool now */
    size_t active;    /* connections carrying a request now */
} http_upstream_stats;

/* Creates an origin with its own keep-alive connection pool on `loop`. Strings are copied. */
http_upstream *http_upstream_new(uv_loop_t *loop, const http_upstream_config *cfg, char *err,
                                 size_t errlen);

/* "host:port" of the origin. */
const char *http_upstream_name(const http_upstream *up);

/* Counters of the pool. */
void http_upstream_get_stats(const http_upstream *up, http_upstream_stats *out);

/* Closes idle pooled connections and frees the upstream once its last connection has closed
 * (the loop must keep running for that). No request may use it afterwards. */
void http_upstream_free(http_upstream *up);

/* ---- servers --------------------------------------------------------------------------------- */

typedef struct http_server_config {
    const char *host;            /* address to listen on, e.g. "0.0.0.0" or "127.0.0.1" */
    uint16_t port;               /* 0 picks a free port (see http_server_port) */
    int backlog;                 /* listen backlog; 0 means 511 */
    bool reuse_port;             /* SO_REUSEPORT, so several workers can bind the same port */
    const char *forwarded_proto; /* X-Forwarded-Proto sent upstream; NULL means "http" */
    http_limits limits;          /* zero fields take the defaults */
} http_server_config;

typedef struct http_server_stats {
    uint64_t accepted;  /* connections accepted */
    uint64_t rejected;  /* connections closed at once because of max_connections */
    uint64_t requests;  /* requests completed */
    size_t connections; /* open client connections now */
} http_server_stats;

/* Binds, listens and starts accepting on `loop`. `pipeline` is copied (see http_pipeline).
 * Returns NULL with a message ("http: listen 0.0.0.0:80: address already in use") on failure. */
http_server *http_server_new(uv_loop_t *loop, const http_server_config *cfg,
                             const http_pipeline *pipeline, char *err, size_t errlen);

/* The port actually bound (useful with port 0). */
uint16_t http_server_port(const http_server *srv);

/* Replaces the pipeline for requests that start from now on; requests in flight finish on the
 * old one, whose release callback runs after the last of them. Returns 0 or -1 (no memory). */
int http_server_set_pipeline(http_server *srv, const http_pipeline *pipeline);

/* Replaces the limits for connections accepted from now on and for the next requests of open
 * connections (a request keeps the limits it started with). */
void http_server_set_limits(http_server *srv, const http_limits *limits);

/* Counters of the server. */
void http_server_get_stats(const http_server *srv, http_server_stats *out);

/* Graceful shutdown: stops accepting, closes idle keep-alive connections, lets requests in
 * flight finish (their responses carry Connection: close) for at most `timeout_ms`, then closes
 * what is left. `done` (may be NULL) runs once every handle of the server is closed; after it
 * the server holds nothing on the loop. Calling it twice does nothing more. */
void http_server_shutdown(http_server *srv, uint64_t timeout_ms, void (*done)(void *arg),
                          void *arg);

/* Frees the server. If it was not shut down yet, shuts it down at once (timeout 0) and frees the
 * memory when its handles are closed (the loop must keep running for that). */
void http_server_free(http_server *srv);

/* Reason phrase of a status code ("Not Found"), "Unknown" for codes it does not know. */
const char *http_status_reason(int status);

/* ---- a request outside any connection (local.c) ---------------------------------------------- */

/* What the stages need to run on one request that no client sent (aegis-wasm-cli test): strings
 * are copied; headers as they would arrive (a Host among them); content_length the body's
 * length (0 without a body); limits NULL for the defaults; request_id used unless the headers
 * carry a valid X-Request-Id. */
typedef struct http_local_request {
    const char *method, *target, *client_ip, *request_id;
    const http_header *headers;
    size_t header_count;
    int64_t content_length;
    const http_limits *limits;
} http_local_request;

/* A request with the checks of a parsed head applied (method, origin-form target, header names
 * and values, one valid Host, Content-Length matching, limits). NULL with the first broken rule
 * in err. Stages run on it directly; free it with http_request_local_free. */
http_request *http_request_local_new(const http_local_request *spec, char *err, size_t errlen);
void http_request_local_free(http_request *req);

/* The answer a stage made with http_request_respond: its status (0: none, the request would go
 * on to the upstream), content type and body (NULL / 0 when none). */
int http_request_answer(const http_request *req, const char **content_type, const void **body,
                        size_t *len);

/* The i-th response header set by the stages (removals skipped); false past the last. */
bool http_request_response_edit(const http_request *req, size_t i, const char **name,
                                const char **value);

#endif
