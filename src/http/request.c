/*
 * The request as the pipeline sees it: the checks a parsed head must pass beyond llhttp's own
 * (Host, framing headers, Expect, target form, control bytes), running the stages, the public
 * accessors and edits of http.h, and the answers made here (errors and stage responses).
 */
#include "http/http_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

void request_begin(http_conn *c)
{
    http_request *r = &c->req;
    if (r->begun)
        return;
    r->conn = c;
    r->begun = true;
    r->start_us = http_now_us();
    r->pipe = c->srv->pipe;
    r->pipe->refs++;
    r->method = "";
}

void request_reset(http_conn *c)
{
    http_request *r = &c->req;
    free(r->body);
    if (r->pipe != NULL)
        pipeline_ref_put(r->pipe);
    memset(r, 0, sizeof *r);
    arena_reset(&c->arena);
    c->close_after = false;
    c->scan = SCAN_LINE_START;
    c->scan_content = false;
    c->fail_status = 0;
    c->fail_why = NULL;
}

bool request_host_ok(const char *h)
{
    if (*h == '\0')
        return false;
    for (const unsigned char *p = (const unsigned char *)h; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-' || *p == ':' || *p == '[' || *p == ']' || *p == '_'))
            return false;
    return true;
}

bool request_id_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > HTTP_REQUEST_ID_MAX_BYTES)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.' || ch == ':'))
            return false;
    }
    return true;
}

/* Transfer-Encoding must be one header whose last coding is chunked, used once. */
static bool transfer_encoding_ok(const char *v)
{
    const char *last = NULL;
    int chunked = 0;
    const char *p = v;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && *p != ',')
            p++;
        const char *e = p;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        bool is_chunked = (e - s) == 7 && strncasecmp(s, "chunked", 7) == 0;
        chunked += is_chunked;
        last = is_chunked ? "chunked" : "other";
    }
    return chunked == 1 && last != NULL && strcmp(last, "chunked") == 0;
}

bool request_check_head(http_conn *c, int *status, const char **why)
{
    http_request *r = &c->req;
    head_capture *h = &r->head;
    *status = 400;
    if (c->parser.http_major != 1 || c->parser.http_minor > 1) {
        *why = "bad_request: unsupported HTTP version";
        return false;
    }
    if (r->method_id == HTTP_CONNECT) {
        *status = 405;
        *why = "bad_request: CONNECT is not supported";
        return false;
    }
    if (h->target == NULL ||
        !(h->target[0] == '/' || (strcmp(h->target, "*") == 0 && r->method_id == HTTP_OPTIONS))) {
        *why = "bad_request: request target must be origin-form";
        return false;
    }
    for (size_t i = 0; i < h->n; i++)
        if (!is_token(h->hdrs[i].h.name, h->hdrs[i].h.name_len)) {
            *why = "bad_request: invalid header name";
            return false;
        }
    if (!hdr_values_clean(h->hdrs, h->n)) {
        *why = "bad_request: control character in a header";
        return false;
    }
    int hosts = hdr_count(h->hdrs, h->n, "host");
    r->host = hdr_find(h->hdrs, h->n, "host");
    if (hosts > 1 || (hosts == 0 && r->minor == 1) || (hosts == 1 && !request_host_ok(r->host))) {
        *why = hosts == 0 ? "bad_request: missing Host" : "bad_request: invalid Host";
        return false;
    }
    if (r->host == NULL)
        r->host = "";
    int cls = hdr_count(h->hdrs, h->n, "content-length");
    int tes = hdr_count(h->hdrs, h->n, "transfer-encoding");
    if (cls > 1 || (cls == 1 && tes > 0)) {
        *why = "bad_request: conflicting body framing";
        return false;
    }
    if (tes > 1 ||
        (tes == 1 && !transfer_encoding_ok(hdr_find(h->hdrs, h->n, "transfer-encoding")))) {
        *why = "bad_request: unsupported Transfer-Encoding";
        return false;
    }
    const char *expect = hdr_find(h->hdrs, h->n, "expect");
    if (expect != NULL) {
        if (strcasecmp(expect, "100-continue") != 0 || hdr_count(h->hdrs, h->n, "expect") > 1) {
            *status = 417;
            *why = "bad_request: unsupported Expect";
            return false;
        }
        r->expect_continue = r->minor == 1 && r->content_length != 0;
    }
    const char *id = hdr_find(h->hdrs, h->n, "x-request-id");
    if (id != NULL && hdr_count(h->hdrs, h->n, "x-request-id") == 1 && request_id_ok(id)) {
        r->request_id = id;
    } else {
        char *gen = arena_alloc(&c->arena, 33);
        if (gen == NULL) {
            *status = 500;
            *why = "internal: out of memory";
            return false;
        }
        server_make_request_id(c->srv, gen);
        r->request_id = gen;
    }
    return true;
}

http_verdict request_run_head_stages(http_request *r)
{
    const http_pipeline *p = &r->pipe->p;
    for (size_t i = 0; i < p->stage_count; i++)
        if (p->stages[i].on_request_headers != NULL &&
            p->stages[i].on_request_headers(r, p->stages[i].ud) == HTTP_RESPONDED &&
            r->answer_status != 0)
            return HTTP_RESPONDED;
    return HTTP_CONTINUE;
}

http_verdict request_run_body_stages(http_request *r)
{
    const http_pipeline *p = &r->pipe->p;
    for (size_t i = 0; i < p->stage_count; i++)
        if (p->stages[i].on_request_body != NULL &&
            p->stages[i].on_request_body(r, r->body, r->body_len, p->stages[i].ud) ==
                HTTP_RESPONDED &&
            r->answer_status != 0)
            return HTTP_RESPONDED;
    return HTTP_CONTINUE;
}

void request_run_response_stages(http_request *r)
{
    const http_pipeline *p = &r->pipe->p;
    for (size_t i = 0; i < p->stage_count; i++)
        if (p->stages[i].on_response_headers != NULL)
            p->stages[i].on_response_headers(r, p->stages[i].ud);
}

size_t edits_size(const http_request *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nedits; i++)
        if (r->edits[i].value != NULL)
            n += strlen(r->edits[i].name) + strlen(r->edits[i].value) + 4;
    return n;
}

size_t edits_put(const http_request *r, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nedits; i++)
        if (r->edits[i].value != NULL)
            n += put_hdr(out + n, r->edits[i].name, r->edits[i].value);
    return n;
}

char *build_answer(http_request *r, int status, size_t *len)
{
    http_conn *c = r->conn;
    if (r->answer_status == 0 || r->answer_status != status) {
        /* An answer made here: a one-line text body naming the status. */
        char *body = arena_alloc(&c->arena, 64);
        if (body == NULL)
            return NULL;
        r->answer_len = (size_t)snprintf(body, 64, "%d %s\n", status, http_status_reason(status));
        r->answer_body = body;
        r->answer_type = "text/plain";
        r->answer_status = status;
    }
    size_t cap =
        256 + strlen(r->answer_type) + edits_size(r) + (r->request_id ? strlen(r->request_id) : 0);
    char *h = arena_alloc(&c->arena, cap);
    if (h == NULL)
        return NULL;
    size_t n = (size_t)snprintf(h, cap, "HTTP/1.1 %d %s\r\n", status, http_status_reason(status));
    n += put_hdr(h + n, "Content-Type", r->answer_type);
    n += (size_t)snprintf(h + n, cap - n, "Content-Length: %zu\r\n", r->answer_len);
    if (r->request_id != NULL)
        n += put_hdr(h + n, "X-Request-Id", r->request_id);
    n += edits_put(r, h + n);
    if (c->close_after || c->draining || !r->client_keep_alive)
        n += put_hdr(h + n, "Connection", "close");
    else if (r->minor == 0)
        n += put_hdr(h + n, "Connection", "keep-alive");
    memcpy(h + n, "\r\n", 2);
    *len = n + 2;
    return h;
}

/* ---- public accessors ------------------------------------------------------------------------ */

const char *http_request_method(const http_request *req)
{
    return req->method != NULL ? req->method : "";
}

const char *http_request_target(const http_request *req)
{
    return req->head.target != NULL ? req->head.target : "";
}

const char *http_request_host(const http_request *req)
{
    return req->host != NULL ? req->host : "";
}

const char *http_request_client_ip(const http_request *req)
{
    return req->conn->ip;
}

const char *http_request_id(const http_request *req)
{
    return req->request_id != NULL ? req->request_id : "";
}

int http_request_version_minor(const http_request *req)
{
    return req->minor;
}

int64_t http_request_content_length(const http_request *req)
{
    return req->content_length;
}

size_t http_request_header_count(const http_request *req)
{
    size_t k = 0;
    for (size_t i = 0; i < req->head.n; i++)
        k += !req->head.hdrs[i].removed;
    return k;
}

const http_header *http_request_header_at(const http_request *req, size_t i)
{
    for (size_t j = 0; j < req->head.n; j++)
        if (!req->head.hdrs[j].removed && i-- == 0)
            return &req->head.hdrs[j].h;
    return NULL;
}

const char *http_request_header(const http_request *req, const char *name)
{
    return hdr_find(req->head.hdrs, req->head.n, name);
}

void http_request_remove_header(http_request *req, const char *name)
{
    for (size_t i = 0; i < req->head.n; i++)
        if (name_eq(req->head.hdrs[i].h.name, req->head.hdrs[i].h.name_len, name))
            req->head.hdrs[i].removed = true;
}

int http_request_set_header(http_request *req, const char *name, const char *value)
{
    head_capture *h = &req->head;
    http_arena *a = &req->conn->arena;
    size_t nl = strlen(name), vl = strlen(value);
    /* Stage values may come from guests: nothing that could split or reframe the request. */
    if (!is_token(name, nl) || !value_ok(value) || is_hop_by_hop(name, nl) ||
        is_proxy_managed(name, nl))
        return -1;
    char *n = arena_strndup(a, name, nl), *v = arena_strndup(a, value, vl);
    if (n == NULL || v == NULL)
        return -1;
    if (h->n == h->hcap) {
        hdr *nh = arena_alloc(a, (h->hcap + 8) * sizeof *nh);
        if (nh == NULL)
            return -1;
        memcpy(nh, h->hdrs, h->n * sizeof *nh);
        h->hdrs = nh;
        h->hcap += 8;
    }
    http_request_remove_header(req, name);
    h->hdrs[h->n++] = (hdr){{n, nl, v, vl}, false};
    return 0;
}

void http_request_set_upstream(http_request *req, http_upstream *up)
{
    req->up = up;
}

void http_request_buffer_body(http_request *req)
{
    req->buffer_body = true;
}

int http_request_respond(http_request *req, int status, const char *content_type, const void *body,
                         size_t len)
{
    if (status < 200 || status > 599 || (content_type != NULL && !value_ok(content_type)))
        return -1;
    char *b = arena_alloc(&req->conn->arena, len);
    const char *t = arena_strndup(&req->conn->arena, content_type ? content_type : "text/plain",
                                  strlen(content_type ? content_type : "text/plain"));
    if (b == NULL || t == NULL)
        return -1;
    if (len > 0)
        memcpy(b, body, len);
    req->answer_status = status;
    req->answer_body = b;
    req->answer_len = len;
    req->answer_type = t;
    return 0;
}

static int edit(http_request *req, const char *name, const char *value)
{
    http_arena *a = &req->conn->arena;
    for (size_t i = 0; i < req->nedits; i++)
        if (strcasecmp(req->edits[i].name, name) == 0) {
            req->edits[i].value = value;
            return 0;
        }
    if (req->nedits == HTTP_MAX_RESPONSE_EDITS)
        return -1;
    const char *n = arena_strndup(a, name, strlen(name));
    if (n == NULL)
        return -1;
    req->edits[req->nedits++] = (resp_edit){n, value};
    return 0;
}

int http_request_set_response_header(http_request *req, const char *name, const char *value)
{
    size_t nl = strlen(name);
    if (!is_token(name, nl) || !value_ok(value) || is_hop_by_hop(name, nl) ||
        name_eq(name, nl, "content-length"))
        return -1;
    const char *v = arena_strndup(&req->conn->arena, value, strlen(value));
    return v == NULL ? -1 : edit(req, name, v);
}

void http_request_remove_response_header(http_request *req, const char *name)
{
    edit(req, name, NULL);
}

int http_request_response_status(const http_request *req)
{
    return req->ustatus;
}

const char *http_request_response_header(const http_request *req, const char *name)
{
    return req->uhead.hdrs != NULL ? hdr_find(req->uhead.hdrs, req->uhead.n, name) : NULL;
}

void *http_request_alloc(http_request *req, size_t size)
{
    return arena_alloc(&req->conn->arena, size);
}

void http_request_set_user(http_request *req, void *user)
{
    req->user = user;
}

void *http_request_user(const http_request *req)
{
    return req->user;
}
