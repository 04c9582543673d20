/*
 * Client connections: reading with bounded buffers, strict request parsing with llhttp, the
 * idle / header / body / send timeouts, answers made here (errors and stage responses),
 * keep-alive and pipelining (one request at a time: the parser pauses after each message, so
 * responses leave in order), and closing. Forwarding itself lives in proxy.c.
 */
#include "http/http_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

uint64_t http_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

static http_conn *conn_of(llhttp_t *p)
{
    return p->data;
}

static int fail(http_conn *c, int status, const char *why)
{
    c->fail_status = status;
    c->fail_why = why;
    return HPE_USER;
}

/* ---- llhttp callbacks (requests) ------------------------------------------------------------- */

static void on_rtimer(uv_timer_t *t);

static int on_message_begin(llhttp_t *p)
{
    http_conn *c = conn_of(p);
    request_begin(c);
    c->state = CS_HEAD;
    /* A fresh connection's first head shares the timer started at accept (slowloris). */
    if (!c->fresh)
        uv_timer_start(&c->rtimer, on_rtimer, c->limits.header_timeout_ms, 0);
    if (capture_init(&c->req.head, &c->arena, c->limits.max_header_bytes, c->limits.max_headers) !=
        0)
        return fail(c, 500, "out of memory");
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    http_conn *c = conn_of(p);
    if (c->req.head.len + len > c->limits.max_uri_bytes + c->req.head.start)
        return fail(c, 414, "request target too long");
    if (capture_span(&c->req.head, at, len) != 0)
        return fail(c, 431, "request head too large");
    return 0;
}

static int on_url_complete(llhttp_t *p)
{
    http_conn *c = conn_of(p);
    if (capture_end_target(&c->req.head, c->limits.max_uri_bytes) != 0)
        return fail(c, c->req.head.overflow, "request target too long");
    return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    http_conn *c = conn_of(p);
    http_request *r = &c->req;
    if (r->head_done) {
        /* Trailers of a chunked body: not forwarded, but bounded. */
        r->trailer_bytes += len;
        return r->trailer_bytes > c->limits.max_header_bytes ? fail(c, 431, "trailers too large")
                                                             : 0;
    }
    if (r->head.in_value && capture_end_value(&r->head) != 0)
        return fail(c, 431, "request head too large");
    if (capture_span(&r->head, at, len) != 0)
        return fail(c, 431, "request head too large");
    return 0;
}

static int on_header_field_complete(llhttp_t *p)
{
    http_conn *c = conn_of(p);
    if (c->req.head_done)
        return 0;
    if (capture_end_field(&c->req.head) != 0)
        return fail(c, 431,
                    c->req.head.n >= c->req.head.max_headers ? "too many headers"
                                                             : "request head too large");
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    http_conn *c = conn_of(p);
    http_request *r = &c->req;
    if (r->head_done) {
        r->trailer_bytes += len;
        return r->trailer_bytes > c->limits.max_header_bytes ? fail(c, 431, "trailers too large")
                                                             : 0;
    }
    if (capture_span(&r->head, at, len) != 0)
        return fail(c, 431, "request head too large");
    return 0;
}

static int on_header_value_complete(llhttp_t *p)
{
    http_conn *c = conn_of(p);
    if (c->req.head_done)
        return 0;
    if (capture_end_value(&c->req.head) != 0)
        return fail(c, 431, "request head too large");
    return 0;
}

static int on_headers_complete(llhttp_t *p)
{
    http_conn *c = conn_of(p);
    http_request *r = &c->req;
    if (r->head.in_value && capture_end_value(&r->head) != 0)
        return fail(c, 431, "request head too large");
    r->head_done = true;
    r->method_id = p->method;
    r->method = llhttp_method_name((llhttp_method_t)p->method);
    r->minor = p->http_minor;
    r->content_length = (p->flags & F_CHUNKED) ? -1 : (int64_t)p->content_length;
    if (!(p->flags & F_CONTENT_LENGTH) && !(p->flags & F_CHUNKED))
        r->content_length = 0;
    /* Upgrade is a hop-by-hop request we do not honour: the request goes on as a plain one. */
    p->upgrade = 0;
    if (r->content_length == 0)
        return 0; /* handled at on_message_complete, which follows at once */
    c->pause_why = PAUSE_HEAD;
    return HPE_PAUSED;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
    http_conn *c = conn_of(p);
    http_request *r = &c->req;
    r->body_read += len;
    if (r->body_read > c->limits.max_body_bytes)
        return fail(c, 413, "request body too large");
    if (r->buffer_body) {
        if (r->body_len + len > r->body_cap) {
            size_t cap = r->body_cap ? r->body_cap * 2 : 16384;
            while (cap < r->body_len + len)
                cap *= 2;
            unsigned char *nb = realloc(r->body, cap);
            if (nb == NULL)
                return fail(c, 500, "out of memory");
            r->body = nb;
            r->body_cap = cap;
        }
        memcpy(r->body + r->body_len, at, len);
        r->body_len += len;
        return 0;
    }
    proxy_body_span(c, at, len);
    return 0;
}

static int on_chunk_header(llhttp_t *p)
{
    http_conn *c = conn_of(p);
    if (!c->req.buffer_body && !batch_room(&c->to_up, 4)) {
        c->pause_why = PAUSE_BATCH;
        return HPE_PAUSED;
    }
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    http_conn *c = conn_of(p);
    c->req.msg_done = true;
    c->req.client_keep_alive = llhttp_should_keep_alive(p);
    c->pause_why = PAUSE_MSG;
    return HPE_PAUSED;
}

const llhttp_settings_t http_request_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_url_complete = on_url_complete,
    .on_header_field = on_header_field,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_chunk_header = on_chunk_header,
    .on_message_complete = on_message_complete,
};

/* ---- timers ---------------------------------------------------------------------------------- */

static void on_rtimer(uv_timer_t *t)
{
    http_conn *c = t->data;
    switch (c->state) {
    case CS_IDLE:
        conn_close(c); /* nothing asked for: close quietly */
        break;
    case CS_HEAD:
        conn_answer(c, 408, "header_timeout: request head not received in time");
        break;
    default:
        if (c->req.head_done && !c->req.msg_done)
            conn_answer(c, 408, "body_timeout: request body stalled");
        break;
    }
}

static void on_wtimer(uv_timer_t *t)
{
    http_conn *c = t->data;
    c->req.error = "send_timeout: client does not read the response";
    conn_close(c);
}

/* ---- reading --------------------------------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)hint;
    http_conn *c = h->data;
    buf->base = c->rbuf + c->rend;
    buf->len = HTTP_CONN_RBUF_BYTES - c->rend;
}

/* Whether bytes from the client may be parsed now. Otherwise they wait in the read buffer: a
 * pipelined request behind one in flight, or a body while the origin connection is opened. */
static bool can_parse(const http_conn *c)
{
    const http_request *r = &c->req;
    switch (c->state) {
    case CS_IDLE:
    case CS_HEAD:
        return true;
    case CS_BODY_BUF:
        return r->head_handled && !r->msg_done;
    case CS_UPSTREAM:
        return r->up_ready && !r->msg_done && !c->to_up.busy;
    default:
        return false;
    }
}

static bool waiting_for_body(const http_conn *c)
{
    return (c->state == CS_BODY_BUF || c->state == CS_UPSTREAM) && can_parse(c);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    http_conn *c = s->data;
    if (n == 0)
        return;
    if (n == UV_ENOBUFS) {
        conn_read_stop(c); /* buffer full: reading resumes once the parser consumed it */
        return;
    }
    if (n < 0) {
        if (n == UV_EOF && c->req.msg_done && (c->state == CS_UPSTREAM || c->state == CS_ANSWER)) {
            /* Half-close after a complete request: answer it, then close. */
            c->close_after = true;
            conn_read_stop(c);
            return;
        }
        if (c->state != CS_IDLE || c->req.begun)
            c->req.error = n == UV_EOF ? "client_closed: connection closed mid-request"
                                       : "client_read: connection error";
        conn_close(c);
        return;
    }
    c->rend += (size_t)n;
    if (!can_parse(c))
        return;
    if (waiting_for_body(c))
        uv_timer_again(&c->rtimer); /* the body timeout is between two reads */
    conn_feed(c);
}

/* Reading stays on for the life of the connection (no epoll churn per request) and stops only
 * for backpressure: while a write borrows the read buffer, or when the buffer is full. */
void conn_read_start(http_conn *c)
{
    if (c->reading || c->state == CS_CLOSING)
        return;
    c->reading = true;
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

void conn_read_stop(http_conn *c)
{
    if (!c->reading)
        return;
    c->reading = false;
    uv_read_stop((uv_stream_t *)&c->tcp);
}

/* The request head is in: check it, run the stages, then forward, buffer the body or answer.
 * Returns true when conn_feed should keep parsing at once. */
static bool head_ready(http_conn *c)
{
    http_request *r = &c->req;
    int status;
    const char *why;
    uv_timer_stop(&c->rtimer);
    if (!request_check_head(c, &status, &why)) {
        c->close_after = true;
        conn_answer(c, status, why);
        return false;
    }
    if (r->content_length > 0 && (uint64_t)r->content_length > c->limits.max_body_bytes) {
        conn_answer(c, 413, "request body too large");
        return false;
    }
    c->state = CS_BODY_BUF; /* the stages run between head and body */
    if (request_run_head_stages(r) == HTTP_RESPONDED) {
        conn_answer(c, r->answer_status, NULL);
        return false;
    }
    if (r->up == NULL) {
        conn_answer(c, 502, "no_upstream: no stage chose an upstream");
        return false;
    }
    if (r->buffer_body && !r->msg_done) {
        if (r->expect_continue && !r->continue_sent)
            conn_send_continue(c);
        return true;
    }
    if (r->buffer_body && request_run_body_stages(r) == HTTP_RESPONDED) {
        conn_answer(c, r->answer_status, NULL);
        return false;
    }
    proxy_start(c);
    return false;
}

static void continue_written(uv_write_t *w, int status)
{
    (void)w;
    (void)status; /* a failed write shows up on the next read or write */
}

void conn_send_continue(http_conn *c)
{
    static const char msg[] = "HTTP/1.1 100 Continue\r\n\r\n";
    uv_buf_t b = uv_buf_init((char *)msg, sizeof msg - 1);
    c->req.continue_sent = true;
    if (uv_write(&c->cont_wr, (uv_stream_t *)&c->tcp, &b, 1, continue_written) == 0)
        c->req.bytes_out += b.len;
}

/* A message ended (its body too): what happens next depends on where the request is. */
static bool message_done(http_conn *c)
{
    http_request *r = &c->req;
    if (!r->head_handled) {
        r->head_handled = true;
        return head_ready(c);
    }
    if (c->state == CS_BODY_BUF) {
        if (request_run_body_stages(r) == HTTP_RESPONDED) {
            conn_answer(c, r->answer_status, NULL);
            return false;
        }
        proxy_start(c);
        return false;
    }
    if (c->state == CS_UPSTREAM)
        proxy_body_end(c);
    return false;
}

/* Checks the raw bytes of a request head for what llhttp lets through or reports too late:
 * obs-fold (a line starting with whitespace), bare CR, bare LF and NUL. Runs on the bytes the
 * parser consumed, before anything is done with the head. */
static bool scan_head(http_conn *c, const char *p, size_t n)
{
    for (size_t i = 0; i < n && c->scan != SCAN_DONE; i++) {
        char ch = p[i];
        switch (c->scan) {
        case SCAN_LINE_START:
            if (ch == '\r')
                c->scan = SCAN_CR_EMPTY;
            else if (ch == '\n' || ch == '\0' || ((ch == ' ' || ch == '\t') && c->scan_content))
                return false;
            else {
                c->scan = SCAN_IN_LINE;
                c->scan_content = true;
            }
            break;
        case SCAN_IN_LINE:
            if (ch == '\r')
                c->scan = SCAN_CR;
            else if (ch == '\n' || ch == '\0')
                return false;
            break;
        case SCAN_CR:
            if (ch != '\n')
                return false;
            c->scan = SCAN_LINE_START;
            break;
        case SCAN_CR_EMPTY:
            if (ch != '\n')
                return false;
            c->scan = c->scan_content ? SCAN_DONE : SCAN_LINE_START;
            break;
        default:
            break;
        }
    }
    return true;
}

void conn_feed(http_conn *c)
{
    while (c->state != CS_CLOSING && c->rstart < c->rend) {
        const char *data = c->rbuf + c->rstart;
        size_t len = c->rend - c->rstart;
        c->pause_why = PAUSE_NONE;
        llhttp_errno_t e = llhttp_execute(&c->parser, data, len);
        size_t used = e == HPE_OK ? len : (size_t)(llhttp_get_error_pos(&c->parser) - data);
        if (used > len)
            used = len;
        c->req.bytes_in += used;
        c->rstart += used;
        if (c->scan != SCAN_DONE && !scan_head(c, data, used)) {
            if (!c->req.begun)
                request_begin(c);
            conn_answer(c, 400, "bad_request: obs-fold, bare CR/LF or NUL in the request head");
            return;
        }
        if (e == HPE_OK)
            break;
        if (e != HPE_PAUSED) {
            int status = c->fail_status ? c->fail_status : 400;
            const char *why = c->fail_why;
            if (why == NULL) {
                snprintf(c->errbuf, sizeof c->errbuf, "bad_request: %s",
                         llhttp_get_error_reason(&c->parser));
                why = c->errbuf;
            }
            conn_answer(c, status, why);
            return;
        }
        llhttp_resume(&c->parser);
        bool go_on;
        if (c->pause_why == PAUSE_HEAD) {
            c->req.head_handled = true;
            go_on = head_ready(c);
        } else if (c->pause_why == PAUSE_MSG) {
            go_on = message_done(c);
        } else {
            /* PAUSE_BATCH: go on at once if the origin took it all, else on its completion. */
            if (proxy_flush_to_up(c) == WRITE_DONE)
                continue;
            return;
        }
        if (!go_on)
            return;
    }
    if (c->state == CS_CLOSING)
        return;
    /* Compact only when no batch borrows the buffer. */
    if (c->to_up.n == 0 && c->rstart > 0) {
        memmove(c->rbuf, c->rbuf + c->rstart, c->rend - c->rstart);
        c->rend -= c->rstart;
        c->rstart = 0;
    } else if (c->rstart == c->rend) {
        c->rstart = c->rend = 0;
    }
    if (c->state == CS_UPSTREAM && c->to_up.n > 0 && proxy_flush_to_up(c) == WRITE_FAILED)
        return; /* (a pending flush stops reading while its batch borrows the buffer) */
    if (!(c->to_up.busy && c->to_up.borrowed))
        conn_read_start(c);
    if (waiting_for_body(c)) {
        if (!uv_is_active((uv_handle_t *)&c->rtimer))
            uv_timer_start(&c->rtimer, on_rtimer, c->limits.body_timeout_ms,
                           c->limits.body_timeout_ms);
    } else if (c->state != CS_IDLE && c->state != CS_HEAD) {
        uv_timer_stop(&c->rtimer);
    }
}

/* ---- answers, completion, closing ------------------------------------------------------------ */

static void on_client_written(uv_write_t *w, int status)
{
    http_conn *c = w->data;
    write_batch *b = &c->to_client;
    b->busy = false;
    uv_timer_stop(&c->wtimer);
    if (status < 0) {
        c->req.error = "client_write: connection error";
        conn_close(c);
        return;
    }
    c->req.bytes_out += b->bytes;
    batch_reset(b);
    if (c->state == CS_ANSWER)
        conn_finish(c);
    else if (c->state == CS_UPSTREAM)
        proxy_client_wrote(c);
}

int conn_client_flush(http_conn *c, bool allow_sync)
{
    write_batch *b = &c->to_client;
    if (b->busy)
        return WRITE_PENDING;
    if (b->n == 0 || c->state == CS_CLOSING)
        return WRITE_DONE;
    b->wr.data = c;
    int rc = batch_write((uv_stream_t *)&c->tcp, b, on_client_written, allow_sync);
    if (rc < 0) {
        c->req.error = "client_write: connection error";
        conn_close(c);
        return WRITE_FAILED;
    }
    if (rc == WRITE_DONE) {
        c->req.bytes_out += b->bytes;
        batch_reset(b);
        return WRITE_DONE;
    }
    uv_timer_start(&c->wtimer, on_wtimer, c->limits.send_timeout_ms, 0);
    return WRITE_PENDING;
}

void conn_answer(http_conn *c, int status, const char *why)
{
    http_request *r = &c->req;
    if (c->state == CS_CLOSING)
        return;
    if (why != NULL)
        r->error = why;
    if (r->resp_head_sent || c->to_client.busy) {
        conn_close(c); /* a response is already on its way: nothing clean is left to do */
        return;
    }
    proxy_abort(c);
    conn_read_stop(c);
    uv_timer_stop(&c->rtimer);
    if (!r->begun)
        request_begin(c);
    if (!r->msg_done || status == 400 || status == 408 || (status >= 413 && status <= 431))
        c->close_after = true;
    size_t len;
    char *head = build_answer(r, status, &len);
    if (head == NULL) {
        conn_close(c);
        return;
    }
    c->state = CS_ANSWER;
    r->status = status;
    r->resp_head_sent = true;
    batch_reset(&c->to_client);
    batch_add(&c->to_client, head, len);
    if (r->method_id != HTTP_HEAD)
        batch_add(&c->to_client, r->answer_body, r->answer_len);
    /* Always through the callback: finishing here could recurse through a deep pipeline. */
    conn_client_flush(c, false);
}

static void report(http_conn *c)
{
    http_request *r = &c->req;
    if (!r->begun || r->reported)
        return;
    r->reported = true;
    c->srv->stats.requests++;
    pipeline_ref *pr = r->pipe != NULL ? r->pipe : c->srv->pipe;
    if (pr->p.on_complete == NULL)
        return;
    uint64_t now = http_now_us();
    char up[300] = "";
    if (r->up != NULL)
        snprintf(up, sizeof up, "%s", http_upstream_name(r->up));
    http_request_log log = {
        .method = r->method != NULL ? r->method : "",
        .target = r->head.target != NULL ? r->head.target : "",
        .host = r->host != NULL ? r->host : "",
        .client_ip = c->ip,
        .request_id = r->request_id != NULL ? r->request_id : "",
        .upstream = up,
        .status = r->status,
        .bytes_in = r->bytes_in,
        .bytes_out = r->bytes_out,
        .start_unix_us = r->start_us,
        .duration_us = now - r->start_us,
        .upstream_us = r->up_start_us ? (r->up_end_us ? r->up_end_us : now) - r->up_start_us : 0,
        .attempts = r->attempts,
        .upstream_reused = r->reused,
        .error = r->error,
    };
    pr->p.on_complete(r, &log, pr->p.ud);
}

void conn_finish(http_conn *c)
{
    report(c);
    bool keep = !c->close_after && !c->draining && c->req.client_keep_alive && c->req.msg_done;
    request_reset(c);
    if (!keep) {
        conn_close(c);
        return;
    }
    c->state = CS_IDLE;
    c->fresh = false;
    c->limits = c->srv->limits;
    uv_timer_start(&c->rtimer, on_rtimer, c->limits.idle_timeout_ms, 0);
    conn_feed(c); /* a pipelined request may already be in the buffer */
}

static void on_closed(uv_handle_t *h)
{
    http_conn *c = h->data;
    if (--c->open_handles > 0)
        return;
    arena_destroy(&c->arena);
    free(c->rbuf);
    server_conn_gone(c->srv, c);
    free(c);
}

void conn_close(http_conn *c)
{
    if (c->state == CS_CLOSING)
        return;
    proxy_abort(c);
    if (c->req.begun && !c->req.reported && c->req.error == NULL)
        c->req.error = "closed: connection closed before the response was complete";
    report(c);
    request_reset(c);
    c->state = CS_CLOSING;
    uv_close((uv_handle_t *)&c->tcp, on_closed);
    uv_close((uv_handle_t *)&c->rtimer, on_closed);
    uv_close((uv_handle_t *)&c->wtimer, on_closed);
}

void conn_shutdown(http_conn *c)
{
    c->draining = true;
    if (c->state == CS_IDLE)
        conn_close(c);
}

void conn_accept(http_server *srv)
{
    http_conn *c = calloc(1, sizeof *c);
    char *rbuf = malloc(HTTP_CONN_RBUF_BYTES);
    if (c == NULL || rbuf == NULL) {
        free(c);
        free(rbuf);
        return;
    }
    c->srv = srv;
    c->rbuf = rbuf;
    c->limits = srv->limits;
    c->fresh = true;
    c->state = CS_IDLE;
    arena_init(&c->arena, HTTP_ARENA_MAX_BYTES);
    uv_tcp_init(srv->loop, &c->tcp);
    uv_timer_init(srv->loop, &c->rtimer);
    uv_timer_init(srv->loop, &c->wtimer);
    c->tcp.data = c->rtimer.data = c->wtimer.data = c;
    c->open_handles = 3;
    c->next = srv->conns;
    if (srv->conns != NULL)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
    if (uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)&c->tcp) != 0) {
        c->state = CS_CLOSING;
        uv_close((uv_handle_t *)&c->tcp, on_closed);
        uv_close((uv_handle_t *)&c->rtimer, on_closed);
        uv_close((uv_handle_t *)&c->wtimer, on_closed);
        return;
    }
    srv->stats.accepted++;
    if (srv->nconns > c->limits.max_connections) {
        srv->stats.rejected++;
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    struct sockaddr_storage ss;
    int sl = sizeof ss;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET)
            uv_ip4_name((struct sockaddr_in *)&ss, c->ip, sizeof c->ip);
        else
            uv_ip6_name((struct sockaddr_in6 *)&ss, c->ip, sizeof c->ip);
    }
    llhttp_init(&c->parser, HTTP_REQUEST, &http_request_settings);
    c->parser.data = c;
    uv_timer_start(&c->rtimer, on_rtimer, c->limits.header_timeout_ms, 0);
    conn_read_start(c);
}
