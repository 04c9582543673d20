/*
 * Internals of src/http/ shared by its files: the per-request arena, head capture used by both
 * parsers (requests from clients, responses from origins), the client connection, the upstream
 * connection and the server. Nothing here is part of the public API.
 */
#ifndef AEGIS_HTTP_INTERNAL_H
#define AEGIS_HTTP_INTERNAL_H

#include "http/http.h"

#include <llhttp.h>
#include <netinet/in.h>
#include <stdalign.h>
#include <string.h>

/* Read buffer of a client connection and of an upstream connection. Bodies are forwarded by
 * pointing writes into these buffers, so one read is in flight per direction at a time. */
enum { HTTP_CONN_RBUF_BYTES = 64 * 1024, HTTP_UPSTREAM_RBUF_BYTES = 64 * 1024 };
/* First arena block of a connection, reused by every request of the connection. */
enum { HTTP_ARENA_BLOCK_BYTES = 16 * 1024 };
/* Per-request memory cap beyond the buffered body (headers, edits, user data). */
enum { HTTP_ARENA_MAX_BYTES = 4 * 1024 * 1024 };
/* Initial capture buffer and header array of a head; both grow up to the limits. */
enum { HTTP_HEAD_INITIAL_BYTES = 4096, HTTP_HEAD_INITIAL_HEADERS = 32 };
/* Entries of one write batch: head, body spans and chunk framing. */
enum { HTTP_BATCH_IOVS = 64 };
/* Longest X-Request-Id accepted from a client; longer or odd ones are replaced. */
enum { HTTP_REQUEST_ID_MAX_BYTES = 128 };
/* Response header overrides a pipeline may set on one request. */
enum { HTTP_MAX_RESPONSE_EDITS = 64 };

/* ---- arena ----------------------------------------------------------------------------------- */

typedef struct arena_block {
    struct arena_block *next;
    size_t cap, used;
    alignas(16) unsigned char data[];
} arena_block;

typedef struct http_arena {
    arena_block *head; /* newest block first; the last one is the kept first block */
    size_t total;      /* bytes handed out since the last reset */
    size_t max_bytes;
} http_arena;

void arena_init(http_arena *a, size_t max_bytes);
void *arena_alloc(http_arena *a, size_t size);
char *arena_strndup(http_arena *a, const char *s, size_t n);
void arena_reset(http_arena *a); /* keeps the first block for the next request */
void arena_destroy(http_arena *a);

/* ---- header lists and head capture ---------------------------------------------------------- */

typedef struct hdr {
    http_header h;
    bool removed;
} hdr;

/* Collects a message head from llhttp span callbacks into one arena buffer (names and values
 * NUL-terminated), bounded by max_bytes and max_headers. */
typedef struct head_capture {
    http_arena *arena;
    size_t max_bytes;
    char *buf;
    size_t len, cap;
    hdr *hdrs;
    size_t n, hcap, max_headers;
    size_t start; /* offset of the span being collected */
    char *target; /* request target (requests) */
    size_t target_len;
    int overflow; /* 0, or 431 / 414 when a limit was hit */
    bool in_value;
} head_capture;

int capture_init(head_capture *hc, http_arena *a, size_t max_bytes, size_t max_headers);
int capture_span(head_capture *hc, const char *at, size_t len);
int capture_end_target(head_capture *hc, size_t max_uri_bytes);
int capture_end_field(head_capture *hc);
int capture_end_value(head_capture *hc);

bool name_eq(const char *a, size_t alen, const char *b);
bool token_list_has(const char *list, const char *token);
bool token_list_has_n(const char *list, const char *token, size_t len);
bool is_hop_by_hop(const char *name, size_t len);
bool is_token(const char *s, size_t n); /* RFC 9110 token: what a header name may be */
bool value_ok(const char *v);           /* no control bytes but HT */
/* Request headers the proxy sets itself toward the origin (Host, Content-Length, Via, ...). */
bool is_proxy_managed(const char *name, size_t len);
const char *hdr_find(const hdr *hs, size_t n, const char *name);
int hdr_count(const hdr *hs, size_t n, const char *name);
/* Checks values for bytes that must never appear (NUL, CR, LF, other controls but HT). */
bool hdr_values_clean(const hdr *hs, size_t n);

/* Appending to a buffer the caller sized: each returns the bytes written. */
static inline size_t put_mem(char *out, const char *s, size_t n)
{
    memcpy(out, s, n);
    return n;
}
static inline size_t put_str(char *out, const char *s)
{
    return put_mem(out, s, strlen(s));
}
size_t put_u64(char *out, uint64_t v);                          /* decimal */
size_t put_hdr(char *out, const char *name, const char *value); /* "name: value\r\n" */

/* ---- write batches -------------------------------------------------------------------------- */

typedef struct write_batch {
    uv_write_t wr;
    uv_buf_t iov[HTTP_BATCH_IOVS];
    size_t n;
    size_t bytes;
    bool borrowed; /* holds spans of a read buffer: that buffer must not be reused yet */
    char framing[HTTP_BATCH_IOVS][24]; /* chunk-size lines and CRLFs */
    size_t nframing;
    bool busy;
} write_batch;

/* Results of writing a batch. */
enum { WRITE_DONE = 0, WRITE_PENDING = 1, WRITE_FAILED = -1 };
/* Writes a batch. With allow_sync, what the socket takes at once is written directly (no
 * request, no callback, no epoll change); if that is everything, WRITE_DONE. Otherwise the rest
 * is queued with uv_write and `cb` runs later (WRITE_PENDING). A libuv error is returned as is. */
int batch_write(uv_stream_t *s, write_batch *b, uv_write_cb cb, bool allow_sync);
bool batch_room(const write_batch *b, size_t iovs);
void batch_add(write_batch *b, const void *p, size_t len);
void batch_add_chunk(write_batch *b, const void *p, size_t len); /* chunked framing around it */
void batch_add_last_chunk(write_batch *b);

/* ---- pipeline references -------------------------------------------------------------------- */

typedef struct pipeline_ref {
    http_pipeline p;
    http_stage *stages;
    size_t refs;
} pipeline_ref;

pipeline_ref *pipeline_ref_new(const http_pipeline *p);
void pipeline_ref_put(pipeline_ref *r);

/* ---- requests and client connections -------------------------------------------------------- */

typedef struct http_conn http_conn;
typedef struct uconn uconn;

typedef struct resp_edit {
    const char *name, *value; /* value NULL: remove */
} resp_edit;

struct http_request {
    http_conn *conn;
    pipeline_ref *pipe;
    head_capture head;
    const char *method;
    int method_id;
    int minor;
    const char *host;
    const char *request_id;
    int64_t content_length; /* -1 chunked */
    bool expect_continue;
    bool client_keep_alive;
    bool begun, reported;
    bool head_done, head_handled, msg_done;
    uint64_t body_read;
    uint64_t trailer_bytes;

    http_upstream *up;
    bool buffer_body;
    unsigned char *body; /* buffered body (malloc'd, freed at request end) */
    size_t body_len, body_cap;

    resp_edit edits[HTTP_MAX_RESPONSE_EDITS];
    size_t nedits;
    void *user;

    /* direct answer */
    int answer_status;
    char *answer_body;
    size_t answer_len;
    const char *answer_type;

    /* upstream exchange */
    head_capture uhead;
    bool uhead_done;
    int ustatus;
    char *up_head; /* request head sent upstream, kept for a retry */
    size_t up_head_len;
    uint64_t body_sent;
    uint64_t resp_bytes;
    bool resp_head_sent, resp_done, continue_sent;
    bool up_ready; /* the request head went to a connected origin: the body may follow */
    int resp_mode; /* RESP_LENGTH, RESP_CHUNKED, RESP_CLOSE, RESP_NOBODY */
    unsigned attempts;
    bool reused;

    /* accounting */
    int status;
    uint64_t bytes_in, bytes_out;
    uint64_t start_us, up_start_us, up_end_us;
    const char *error;
};

enum { RESP_LENGTH, RESP_CHUNKED, RESP_CLOSE, RESP_NOBODY };

enum conn_state {
    CS_IDLE,     /* between requests */
    CS_HEAD,     /* reading a request head */
    CS_BODY_BUF, /* reading a body into memory for the stages */
    CS_UPSTREAM, /* connecting / exchanging with the origin */
    CS_ANSWER,   /* writing a response made here */
    CS_CLOSING,
};

struct http_conn {
    http_server *srv;
    http_conn *prev, *next;
    uv_tcp_t tcp;
    uv_timer_t rtimer; /* idle / header / body timeouts */
    uv_timer_t wtimer; /* send timeout */
    int open_handles;
    llhttp_t parser;
    http_limits limits;
    char *rbuf;
    size_t rstart, rend;
    bool reading;
    bool close_after; /* close once the current response is written */
    bool draining;
    bool fresh; /* no request seen yet on this connection */
    int pause_why;
    int scan; /* raw head scanner state, see scan_head */
    bool scan_content;
    enum conn_state state;
    http_arena arena;
    http_request req;
    uconn *uc;
    write_batch to_up;     /* request head and body toward the origin */
    write_batch to_client; /* response toward the client */
    uv_write_t cont_wr;
    int fail_status;
    const char *fail_why;
    char errbuf[160];
    char ip[64];
};

enum { PAUSE_NONE, PAUSE_HEAD, PAUSE_MSG, PAUSE_BATCH };
enum { SCAN_LINE_START = 0, SCAN_IN_LINE, SCAN_CR, SCAN_CR_EMPTY, SCAN_DONE };

/* conn.c */
void conn_accept(http_server *srv);
void conn_close(http_conn *c);
void conn_answer(http_conn *c, int status, const char *why);
void conn_finish(http_conn *c);
void conn_feed(http_conn *c);
void conn_read_start(http_conn *c);
void conn_read_stop(http_conn *c);
/* Flushes to_client: WRITE_DONE (written at once, nothing pending), WRITE_PENDING (completion
 * runs later), WRITE_FAILED (the connection is closing). */
int conn_client_flush(http_conn *c, bool allow_sync);
void conn_shutdown(http_conn *c);
void conn_send_continue(http_conn *c);
uint64_t http_now_us(void);

/* request.c */
void request_reset(http_conn *c);
void request_begin(http_conn *c);
bool request_check_head(http_conn *c, int *status, const char **why);
/* A Host value the server accepts; an X-Request-Id it keeps (else it makes one). */
bool request_host_ok(const char *h);
bool request_id_ok(const char *v);
http_verdict request_run_head_stages(http_request *r);
http_verdict request_run_body_stages(http_request *r);
void request_run_response_stages(http_request *r);
char *build_answer(http_request *r, int status, size_t *len);
size_t edits_size(const http_request *r);
size_t edits_put(const http_request *r, char *out);

/* proxy.c */
void proxy_start(http_conn *c);
void proxy_body_span(http_conn *c, const char *at, size_t len);
void proxy_body_end(http_conn *c);
/* Flushes to_up; same results as conn_client_flush (WRITE_FAILED: the failure was handled). */
int proxy_flush_to_up(http_conn *c);
void proxy_upstream_ready(http_conn *c);
void proxy_upstream_failed(http_conn *c, int kind, const char *msg);
void proxy_upstream_data(http_conn *c);
void proxy_upstream_eof(http_conn *c, int uverr);
void proxy_client_wrote(http_conn *c);
void proxy_abort(http_conn *c);

/* upstream.c */
enum { UP_ERR_CONNECT, UP_ERR_CONNECT_TIMEOUT, UP_ERR_READ_TIMEOUT, UP_ERR_IO };

struct uconn {
    http_upstream *up;
    uconn *prev, *next; /* idle list */
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_connect_t creq;
    int open_handles;
    llhttp_t parser;
    char *rbuf;
    size_t rstart, rend;
    http_conn *owner;
    int state;
    int pause_why;
    bool reading;
    bool dead;       /* closed by the origin after its response: not reusable */
    int pending_eof; /* EOF/error seen while earlier bytes were still being sent on */
    uint64_t requests;
    uint64_t read_timeout_ms;
};

enum { UC_CONNECTING, UC_ACTIVE, UC_IDLE, UC_CLOSING };

uconn *upstream_acquire(http_upstream *up, http_conn *owner, bool fresh, uint64_t connect_ms,
                        uint64_t read_ms, bool *reused);
void upstream_release(uconn *uc, bool reusable);
void uconn_read_start(uconn *uc);
void uconn_read_stop(uconn *uc);
void uconn_timer_stop(uconn *uc);
void batch_reset(write_batch *b);
int uconn_write(uconn *uc, write_batch *b, uv_write_cb cb);
const char *upstream_host_header(const http_upstream *up);
bool upstream_preserve_host(const http_upstream *up);
void upstream_count_retry(http_upstream *up);

/* server.c */
struct http_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    bool listening;
    http_limits limits;
    char proto[16];
    pipeline_ref *pipe;
    http_conn *conns;
    size_t nconns;
    http_server_stats stats;
    uint16_t port;
    bool shutting_down, freed, done_called;
    uv_timer_t shutdown_timer;
    bool timer_open, timer_closing;
    void (*done)(void *);
    void *done_arg;
    uint64_t id_seed, id_counter;
};

void server_conn_gone(http_server *srv, http_conn *c);
void server_make_request_id(http_server *srv, char out[33]);

/* util.c */
extern const llhttp_settings_t http_request_settings;
extern const llhttp_settings_t http_response_settings;
void limits_fill_defaults(http_limits *l);

#endif
