/*
 * The forwarding engine: the request head sent upstream (hop-by-hop headers removed,
 * X-Forwarded-*, Via, X-Request-Id, Host), request bodies streamed from the client's read buffer
 * to the origin (chunked re-encoded when the client sent chunked), the origin's response parsed
 * with llhttp and streamed back from the upstream read buffer (Content-Length passed through,
 * chunked or close-delimited bodies re-encoded as chunked for HTTP/1.1 clients), backpressure by
 * stopping the reading side while a write is pending, and retries where they are safe.
 */
#include "http/http_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

static const char VIA_TOKEN[] = "1.1 aegis";

static void attach(http_conn *c, bool fresh);

static http_conn *owner_of(llhttp_t *p)
{
    uconn *uc = p->data;
    return uc->owner;
}

/* ---- request head toward the origin ---------------------------------------------------------- */

/* Whether a request header stays on the way to the origin. */
static bool forwarded(const http_request *r, const http_header *h)
{
    if (is_hop_by_hop(h->name, h->name_len) || is_proxy_managed(h->name, h->name_len))
        return false;
    /* Headers named by Connection are hop-by-hop too. */
    for (size_t i = 0; i < r->head.n; i++) {
        const hdr *x = &r->head.hdrs[i];
        if (name_eq(x->h.name, x->h.name_len, "connection") &&
            token_list_has_n(x->h.value, h->name, h->name_len))
            return false;
    }
    return true;
}

/* Joins every value of `name` with ", " (several headers are one list), "" if none. */
static size_t joined_len(const hdr *hs, size_t n, const char *name)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        if (!hs[i].removed && name_eq(hs[i].h.name, hs[i].h.name_len, name))
            len += hs[i].h.value_len + 2;
    return len;
}

static size_t put_joined(char *out, const hdr *hs, size_t n, const char *name, const char *add)
{
    size_t k = 0;
    size_t nl = strlen(name);
    memcpy(out, name, nl);
    memcpy(out + nl, ": ", 2);
    k = nl + 2;
    for (size_t i = 0; i < n; i++)
        if (!hs[i].removed && name_eq(hs[i].h.name, hs[i].h.name_len, name) &&
            hs[i].h.value_len > 0) {
            memcpy(out + k, hs[i].h.value, hs[i].h.value_len);
            k += hs[i].h.value_len;
            memcpy(out + k, ", ", 2);
            k += 2;
        }
    size_t al = strlen(add);
    memcpy(out + k, add, al);
    k += al;
    memcpy(out + k, "\r\n", 2);
    return k + 2;
}

static bool build_up_head(http_conn *c)
{
    http_request *r = &c->req;
    const hdr *hs = r->head.hdrs;
    size_t n = r->head.n;
    const char *host = upstream_preserve_host(r->up) ? r->host : upstream_host_header(r->up);
    size_t cap = strlen(r->method) + r->head.target_len + 64 + strlen(host) + 64 +
                 joined_len(hs, n, "x-forwarded-for") + 64 + strlen(c->srv->proto) + 64 +
                 strlen(r->host) + 32 + joined_len(hs, n, "via") + 32 + strlen(r->request_id) + 32 +
                 64;
    for (size_t i = 0; i < n; i++)
        if (!hs[i].removed)
            cap += hs[i].h.name_len + hs[i].h.value_len + 4;
    char *h = arena_alloc(&c->arena, cap);
    if (h == NULL)
        return false;
    size_t k = put_str(h, r->method);
    h[k++] = ' ';
    k += put_mem(h + k, r->head.target, r->head.target_len);
    k += put_str(h + k, " HTTP/1.1\r\n");
    for (size_t i = 0; i < n; i++) {
        if (hs[i].removed || !forwarded(r, &hs[i].h))
            continue;
        k += put_mem(h + k, hs[i].h.name, hs[i].h.name_len);
        k += put_mem(h + k, ": ", 2);
        k += put_mem(h + k, hs[i].h.value, hs[i].h.value_len);
        k += put_mem(h + k, "\r\n", 2);
    }
    if (host[0] != '\0')
        k += put_hdr(h + k, "Host", host);
    if (r->buffer_body || r->content_length > 0) {
        k += put_str(h + k, "Content-Length: ");
        k += put_u64(h + k, r->buffer_body ? r->body_len : (uint64_t)r->content_length);
        k += put_mem(h + k, "\r\n", 2);
    } else if (r->content_length < 0) {
        k += put_str(h + k, "Transfer-Encoding: chunked\r\n");
    }
    k += put_joined(h + k, hs, n, "X-Forwarded-For", c->ip);
    k += put_hdr(h + k, "X-Forwarded-Proto", c->srv->proto);
    if (r->host[0] != '\0')
        k += put_hdr(h + k, "X-Forwarded-Host", r->host);
    k += put_joined(h + k, hs, n, "Via", VIA_TOKEN);
    k += put_hdr(h + k, "X-Request-Id", r->request_id);
    k += put_mem(h + k, "\r\n", 2);
    r->up_head = h;
    r->up_head_len = k;
    return true;
}

/* ---- request side ---------------------------------------------------------------------------- */

void proxy_start(http_conn *c)
{
    http_request *r = &c->req;
    c->state = CS_UPSTREAM;
    if (!build_up_head(c)) {
        conn_answer(c, 500, "internal: out of per-request memory");
        return;
    }
    r->up_start_us = http_now_us();
    attach(c, false);
}

static void attach(http_conn *c, bool fresh)
{
    http_request *r = &c->req;
    bool reused = false;
    r->attempts++;
    uconn *uc = upstream_acquire(r->up, c, fresh, c->limits.upstream_connect_timeout_ms,
                                 c->limits.upstream_read_timeout_ms, &reused);
    if (uc == NULL) {
        conn_answer(c, 502, "upstream_connect: cannot open a connection");
        return;
    }
    c->uc = uc;
    r->reused = reused;
    if (uc->state == UC_ACTIVE)
        proxy_upstream_ready(c);
}

void proxy_upstream_ready(http_conn *c)
{
    http_request *r = &c->req;
    write_batch *b = &c->to_up;
    batch_reset(b);
    r->up_ready = true;
    uconn_read_start(c->uc);
    batch_add(b, r->up_head, r->up_head_len);
    if (r->buffer_body) {
        batch_add(b, r->body, r->body_len);
        r->body_sent = r->body_len;
        proxy_flush_to_up(c);
        return;
    }
    if (r->msg_done) {
        proxy_flush_to_up(c);
        return;
    }
    /* The origin is there: now the client may send the body it held back. */
    if (r->expect_continue && !r->continue_sent)
        conn_send_continue(c);
    conn_feed(c);
}

void proxy_body_span(http_conn *c, const char *at, size_t len)
{
    http_request *r = &c->req;
    r->body_sent += len;
    c->to_up.borrowed = true;
    if (r->content_length < 0)
        batch_add_chunk(&c->to_up, at, len);
    else
        batch_add(&c->to_up, at, len);
}

void proxy_body_end(http_conn *c)
{
    if (c->req.content_length < 0 && !c->req.buffer_body)
        batch_add_last_chunk(&c->to_up);
    proxy_flush_to_up(c);
}

static void on_up_written(uv_write_t *w, int status)
{
    if (status == UV_ECANCELED)
        return; /* the upstream connection was closed on purpose; `c` may be gone */
    http_conn *c = w->data;
    write_batch *b = &c->to_up;
    b->busy = false;
    batch_reset(b);
    if (status < 0) {
        proxy_upstream_failed(c, UP_ERR_IO, uv_strerror(status));
        return;
    }
    if (c->uc != NULL && c->uc->reading)
        uv_timer_again(&c->uc->timer); /* the origin is reading: it is alive */
    if (!c->req.msg_done && !c->req.buffer_body)
        conn_feed(c);
}

int proxy_flush_to_up(http_conn *c)
{
    write_batch *b = &c->to_up;
    if (b->busy)
        return WRITE_PENDING;
    if (b->n == 0 || c->uc == NULL)
        return WRITE_DONE;
    b->wr.data = c;
    uconn *uc = c->uc;
    int w = uconn_write(uc, b, on_up_written);
    if (w == WRITE_DONE) {
        batch_reset(b);
        if (uc->reading)
            uv_timer_again(&uc->timer); /* the origin is reading: it is alive */
    } else if (w == WRITE_PENDING && b->borrowed) {
        conn_read_stop(c); /* backpressure: the client waits while the origin takes this batch */
    }
    return w;
}

/* ---- failures and retries -------------------------------------------------------------------- */

static bool idempotent(int method)
{
    return method == HTTP_GET || method == HTTP_HEAD || method == HTTP_OPTIONS ||
           method == HTTP_TRACE || method == HTTP_PUT || method == HTTP_DELETE;
}

/* A retry must be able to send the same request again (no body byte forwarded yet, or the body
 * is in memory) and must not risk doing it twice (idempotent, or a pooled connection that died
 * before any response byte). Timeouts and refused connections are never retried. */
static bool can_retry(const http_request *r, int kind)
{
    return kind == UP_ERR_IO && r->attempts < 2 && r->resp_bytes == 0 &&
           (r->body_sent == 0 || r->buffer_body) && (idempotent(r->method_id) || r->reused);
}

static void detach(http_conn *c, bool reusable)
{
    if (c->uc == NULL)
        return;
    uconn *uc = c->uc;
    c->uc = NULL;
    c->to_up.busy = false;
    batch_reset(&c->to_up);
    c->req.up_ready = false;
    upstream_release(uc, reusable);
}

void proxy_abort(http_conn *c)
{
    detach(c, false);
}

void proxy_upstream_failed(http_conn *c, int kind, const char *msg)
{
    if (c == NULL)
        return;
    http_request *r = &c->req;
    if (can_retry(r, kind)) {
        detach(c, false);
        upstream_count_retry(r->up);
        attach(c, true);
        return;
    }
    int status = kind == UP_ERR_CONNECT || kind == UP_ERR_IO ? 502 : 504;
    const char *what = kind == UP_ERR_CONNECT           ? "upstream_connect"
                       : kind == UP_ERR_CONNECT_TIMEOUT ? "upstream_connect_timeout"
                       : kind == UP_ERR_READ_TIMEOUT    ? "upstream_timeout"
                                                        : "upstream_io";
    snprintf(c->errbuf, sizeof c->errbuf, "%s: %s: %s", what, http_upstream_name(r->up),
             msg != NULL                   ? msg
             : kind == UP_ERR_READ_TIMEOUT ? "no data from the origin in time"
                                           : "no connection in time");
    r->up_end_us = http_now_us();
    conn_answer(c, status, c->errbuf);
}

/* ---- response side --------------------------------------------------------------------------- */

static int u_fail(http_conn *c, const char *why)
{
    c->fail_why = why;
    return HPE_USER;
}

static int on_u_message_begin(llhttp_t *p)
{
    http_conn *c = owner_of(p);
    if (c == NULL)
        return HPE_USER;
    if (capture_init(&c->req.uhead, &c->arena, c->limits.max_header_bytes,
                     c->limits.max_headers * 2) != 0)
        return u_fail(c, "out of memory");
    c->req.uhead_done = false;
    return 0;
}

static int on_u_header_field(llhttp_t *p, const char *at, size_t len)
{
    http_conn *c = owner_of(p);
    head_capture *h = &c->req.uhead;
    if (c->req.uhead_done)
        return 0; /* trailers are dropped */
    if ((h->in_value && capture_end_value(h) != 0) || capture_span(h, at, len) != 0)
        return u_fail(c, "response head too large");
    return 0;
}

static int on_u_header_field_complete(llhttp_t *p)
{
    http_conn *c = owner_of(p);
    if (!c->req.uhead_done && capture_end_field(&c->req.uhead) != 0)
        return u_fail(c, "response head too large");
    return 0;
}

static int on_u_header_value(llhttp_t *p, const char *at, size_t len)
{
    http_conn *c = owner_of(p);
    if (!c->req.uhead_done && capture_span(&c->req.uhead, at, len) != 0)
        return u_fail(c, "response head too large");
    return 0;
}

static int on_u_header_value_complete(llhttp_t *p)
{
    http_conn *c = owner_of(p);
    if (!c->req.uhead_done && capture_end_value(&c->req.uhead) != 0)
        return u_fail(c, "response head too large");
    return 0;
}

static int on_u_headers_complete(llhttp_t *p)
{
    http_conn *c = owner_of(p);
    http_request *r = &c->req;
    uconn *uc = p->data;
    if (r->uhead.in_value && capture_end_value(&r->uhead) != 0)
        return u_fail(c, "response head too large");
    r->ustatus = p->status_code;
    if (r->ustatus == 101)
        return u_fail(c, "origin switched protocols");
    if (r->ustatus < 200)
        return 0; /* interim response: skipped, the real one follows */
    r->uhead_done = true;
    bool nobody = r->method_id == HTTP_HEAD || r->ustatus == 204 || r->ustatus == 304;
    if (nobody)
        r->resp_mode = RESP_NOBODY;
    else if (p->flags & F_CONTENT_LENGTH)
        r->resp_mode = RESP_LENGTH;
    else
        r->resp_mode = r->minor == 1 ? RESP_CHUNKED : RESP_CLOSE;
    if (r->method_id == HTTP_HEAD)
        return 1; /* a HEAD response has no body whatever its headers say */
    if (nobody || ((p->flags & F_CONTENT_LENGTH) && p->content_length == 0))
        return 0;
    uc->pause_why = PAUSE_HEAD;
    return HPE_PAUSED;
}

static int on_u_body(llhttp_t *p, const char *at, size_t len)
{
    http_conn *c = owner_of(p);
    c->to_client.borrowed = true;
    if (c->req.resp_mode == RESP_CHUNKED)
        batch_add_chunk(&c->to_client, at, len);
    else
        batch_add(&c->to_client, at, len);
    return 0;
}

static int on_u_chunk_header(llhttp_t *p)
{
    http_conn *c = owner_of(p);
    uconn *uc = p->data;
    if (!batch_room(&c->to_client, 4)) {
        uc->pause_why = PAUSE_BATCH;
        return HPE_PAUSED;
    }
    return 0;
}

static int on_u_message_complete(llhttp_t *p)
{
    http_conn *c = owner_of(p);
    uconn *uc = p->data;
    if (c->req.ustatus < 200)
        return 0;
    c->req.resp_done = true;
    uc->pause_why = PAUSE_MSG;
    return HPE_PAUSED;
}

const llhttp_settings_t http_response_settings = {
    .on_message_begin = on_u_message_begin,
    .on_header_field = on_u_header_field,
    .on_header_field_complete = on_u_header_field_complete,
    .on_header_value = on_u_header_value,
    .on_header_value_complete = on_u_header_value_complete,
    .on_headers_complete = on_u_headers_complete,
    .on_body = on_u_body,
    .on_chunk_header = on_u_chunk_header,
    .on_message_complete = on_u_message_complete,
};

static bool edited(const http_request *r, const http_header *h)
{
    for (size_t i = 0; i < r->nedits; i++)
        if (name_eq(h->name, h->name_len, r->edits[i].name))
            return true;
    return false;
}

/* Whether an origin response header is passed to the client. */
static bool passed(const http_request *r, const http_header *h)
{
    if (is_hop_by_hop(h->name, h->name_len) || name_eq(h->name, h->name_len, "via") || edited(r, h))
        return false;
    if (name_eq(h->name, h->name_len, "content-length"))
        return r->resp_mode == RESP_LENGTH || r->resp_mode == RESP_NOBODY;
    for (size_t i = 0; i < r->uhead.n; i++) {
        const hdr *x = &r->uhead.hdrs[i];
        if (name_eq(x->h.name, x->h.name_len, "connection") &&
            token_list_has_n(x->h.value, h->name, h->name_len))
            return false;
    }
    return true;
}

/* Builds the response head for the client into to_client. */
static bool send_resp_head(http_conn *c)
{
    http_request *r = &c->req;
    request_run_response_stages(r);
    const hdr *hs = r->uhead.hdrs;
    size_t n = r->uhead.n;
    size_t cap = 128 + edits_size(r) + joined_len(hs, n, "via") + 64 + 64;
    for (size_t i = 0; i < n; i++)
        cap += hs[i].h.name_len + hs[i].h.value_len + 4;
    char *h = arena_alloc(&c->arena, cap);
    if (h == NULL)
        return false;
    size_t k =
        (size_t)snprintf(h, cap, "HTTP/1.1 %d %s\r\n", r->ustatus, http_status_reason(r->ustatus));
    for (size_t i = 0; i < n; i++) {
        if (hs[i].removed || !passed(r, &hs[i].h))
            continue;
        memcpy(h + k, hs[i].h.name, hs[i].h.name_len);
        k += hs[i].h.name_len;
        memcpy(h + k, ": ", 2);
        memcpy(h + k + 2, hs[i].h.value, hs[i].h.value_len);
        k += 2 + hs[i].h.value_len;
        memcpy(h + k, "\r\n", 2);
        k += 2;
    }
    k += edits_put(r, h + k);
    k += put_joined(h + k, hs, n, "Via", VIA_TOKEN);
    if (r->resp_mode == RESP_CHUNKED)
        k += put_str(h + k, "Transfer-Encoding: chunked\r\n");
    if (r->resp_mode == RESP_CLOSE || c->close_after || c->draining ||
        (r->msg_done && !r->client_keep_alive)) {
        c->close_after = true;
        k += put_str(h + k, "Connection: close\r\n");
    } else if (r->minor == 0) {
        k += put_str(h + k, "Connection: keep-alive\r\n");
    }
    memcpy(h + k, "\r\n", 2);
    k += 2;
    r->status = r->ustatus;
    r->resp_head_sent = true;
    batch_add(&c->to_client, h, k);
    return true;
}

static void finish_exchange(http_conn *c)
{
    http_request *r = &c->req;
    uconn *uc = c->uc;
    r->up_end_us = http_now_us();
    bool reusable = uc != NULL && llhttp_should_keep_alive(&uc->parser) && r->msg_done &&
                    !c->to_up.busy && r->resp_mode != RESP_CLOSE;
    if (!r->msg_done)
        c->close_after = true; /* the rest of the request body was never read */
    detach(c, reusable);
    conn_finish(c);
}

/* Parses what the origin sent and passes it on. Returns true when the response is complete
 * and handed to finish_exchange (the request may then already be the next one). */
static bool parse_response(http_conn *c, uconn *uc)
{
    http_request *r = &c->req;
    while (uc->rstart < uc->rend && !r->resp_done) {
        const char *data = uc->rbuf + uc->rstart;
        size_t len = uc->rend - uc->rstart;
        uc->pause_why = PAUSE_NONE;
        c->fail_why = NULL;
        llhttp_errno_t e = llhttp_execute(&uc->parser, data, len);
        size_t used = e == HPE_OK ? len : (size_t)(llhttp_get_error_pos(&uc->parser) - data);
        if (used > len)
            used = len;
        uc->rstart += used;
        r->resp_bytes += used;
        if (e == HPE_OK)
            break;
        if (e != HPE_PAUSED) {
            snprintf(c->errbuf, sizeof c->errbuf, "upstream_response: %s: invalid response: %s",
                     http_upstream_name(r->up),
                     c->fail_why ? c->fail_why : llhttp_get_error_reason(&uc->parser));
            r->up_end_us = http_now_us();
            conn_answer(c, 502, c->errbuf);
            return false;
        }
        llhttp_resume(&uc->parser);
        if (uc->pause_why == PAUSE_HEAD) {
            if (!send_resp_head(c)) {
                conn_answer(c, 500, "internal: out of per-request memory");
                return false;
            }
        } else if (uc->pause_why == PAUSE_MSG) {
            if (!r->resp_head_sent && !send_resp_head(c)) {
                conn_answer(c, 500, "internal: out of per-request memory");
                return false;
            }
            if (r->resp_mode == RESP_CHUNKED)
                batch_add_last_chunk(&c->to_client);
        } else {
            break; /* PAUSE_BATCH: write what we have, then go on */
        }
    }
    return true;
}

void proxy_upstream_data(http_conn *c)
{
    http_request *r = &c->req;
    uconn *uc = c->uc;
    if (c->to_client.busy)
        return; /* data waits in the buffer until the client took the last batch */
    for (;;) {
        if (!parse_response(c, uc))
            return;
        if (r->resp_done)
            uconn_timer_stop(uc);
        if (c->to_client.n == 0)
            break;
        int w = conn_client_flush(c, true);
        if (w == WRITE_FAILED)
            return;
        if (w == WRITE_PENDING) {
            /* Backpressure: while the batch borrows our buffer, the origin waits. After a
             * complete response reading goes on: anything more is appended and makes the
             * connection unusable for the pool. */
            if (c->to_client.borrowed && !r->resp_done)
                uconn_read_stop(uc);
            return;
        }
        if (r->resp_done)
            break;
    }
    if (r->resp_done) {
        finish_exchange(c); /* may start the next request: touch nothing after it */
        return;
    }
    if (uc->rstart == uc->rend)
        uc->rstart = uc->rend = 0;
    if (uc->pending_eof != 0) {
        int e = uc->pending_eof;
        uc->pending_eof = 0;
        proxy_upstream_eof(c, e);
        return;
    }
    uconn_read_start(uc);
}

void proxy_client_wrote(http_conn *c)
{
    if (c->req.resp_done) {
        finish_exchange(c);
        return;
    }
    if (c->uc != NULL)
        proxy_upstream_data(c);
}

void proxy_upstream_eof(http_conn *c, int uverr)
{
    http_request *r = &c->req;
    uconn *uc = c->uc;
    uconn_read_stop(uc);
    if (r->resp_done) {
        uc->dead = true; /* closed after its response: fine, but not for the pool */
        return;
    }
    if (c->to_client.busy || uc->rstart < uc->rend) {
        uc->pending_eof = uverr; /* handled once the bytes before it are through */
        return;
    }
    if (uverr == UV_EOF && r->uhead_done && llhttp_message_needs_eof(&uc->parser)) {
        /* A close-delimited body ends here. */
        uc->pause_why = PAUSE_NONE;
        llhttp_finish(&uc->parser);
        if (!r->resp_done) {
            r->resp_done = true;
        }
        if (!r->resp_head_sent && !send_resp_head(c)) {
            conn_answer(c, 500, "internal: out of per-request memory");
            return;
        }
        if (r->resp_mode == RESP_CHUNKED)
            batch_add_last_chunk(&c->to_client);
        if (conn_client_flush(c, true) == WRITE_DONE)
            finish_exchange(c); /* else the write's completion finishes */
        return;
    }
    proxy_upstream_failed(c, UP_ERR_IO,
                          uverr == UV_EOF ? "connection closed by the origin" : uv_strerror(uverr));
}
