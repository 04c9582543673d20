/*
 * A request that did not come from a connection: what `aegis-wasm-cli test` hands to the edge
 * stages so that a module runs on the node's own request object (the same accessors, the same
 * per-request arena and its cap, the same response header rules) outside any server. The request
 * is checked with the rules a parsed head must pass (request.c): a method llhttp knows, an
 * origin-form target, token header names, values without control bytes, one valid Host, the
 * framing headers consistent with the body, and the size limits; the first rule broken is
 * reported with the header's index.
 */
#include "http/http_internal.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* What llhttp accepts on a request line and the node serves (CONNECT is refused there). */
static const char *const known_methods[] = {"GET",    "HEAD",  "POST",    "PUT",
                                            "DELETE", "PATCH", "OPTIONS", "TRACE"};

static bool method_known(const char *m)
{
    for (size_t i = 0; i < sizeof known_methods / sizeof known_methods[0]; i++)
        if (strcmp(m, known_methods[i]) == 0)
            return true;
    return false;
}

static bool target_ok(const char *t, const char *method)
{
    if (strcmp(t, "*") == 0)
        return strcmp(method, "OPTIONS") == 0;
    if (t[0] != '/')
        return false;
    /* What llhttp accepts in a target: visible ASCII (and bytes >= 0x80) without spaces. */
    for (const unsigned char *p = (const unsigned char *)t; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return false;
    return true;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Checks the headers as request_check_head does, plus the limits and the body's framing. */
static int check_headers(const http_local_request *s, const http_limits *lim, char *err,
                         size_t errlen)
{
    size_t bytes = strlen(s->method) + strlen(s->target) + 12;
    int hosts = 0, lengths = 0;
    if (s->header_count > lim->max_headers)
        return fail(err, errlen, "%zu headers, more than max_headers (%zu)", s->header_count,
                    lim->max_headers);
    for (size_t i = 0; i < s->header_count; i++) {
        const http_header *h = &s->headers[i];
        if (!is_token(h->name, h->name_len) || strlen(h->name) != h->name_len)
            return fail(err, errlen, "headers[%zu]: \"%s\" is not a header name (a token)", i,
                        h->name);
        if (!value_ok(h->value) || strlen(h->value) != h->value_len)
            return fail(err, errlen, "headers[%zu]: the value of %s holds a control character", i,
                        h->name);
        bytes += h->name_len + h->value_len + 4;
        if (name_eq(h->name, h->name_len, "host")) {
            hosts++;
            if (!request_host_ok(h->value))
                return fail(err, errlen, "headers[%zu]: \"%s\" is not a valid Host", i, h->value);
        }
        if (name_eq(h->name, h->name_len, "transfer-encoding"))
            return fail(err, errlen,
                        "headers[%zu]: %s: the body is given whole, drop Transfer-Encoding", i,
                        h->name);
        if (name_eq(h->name, h->name_len, "content-length")) {
            char *end;
            unsigned long long v = strtoull(h->value, &end, 10);
            if (++lengths > 1 || h->value[0] < '0' || h->value[0] > '9' || *end != '\0' ||
                v != (unsigned long long)s->content_length)
                return fail(
                    err, errlen,
                    "headers[%zu]: Content-Length %s does not match the body's length (%lld)", i,
                    h->value, (long long)s->content_length);
        }
    }
    if (hosts != 1)
        return fail(err, errlen,
                    "%d Host headers: an HTTP/1.1 request has exactly one (the node answers "
                    "400 otherwise)",
                    hosts);
    if (bytes > lim->max_header_bytes)
        return fail(err, errlen, "the head is %zu bytes, more than max_header_bytes (%zu)", bytes,
                    lim->max_header_bytes);
    return 0;
}

http_request *http_request_local_new(const http_local_request *s, char *err, size_t errlen)
{
    http_limits lim = s->limits ? *s->limits : (http_limits){0};
    limits_fill_defaults(&lim);
    const char *ip = s->client_ip ? s->client_ip : "127.0.0.1";
    unsigned char addr[16];
    if (!method_known(s->method)) {
        fail(err, errlen,
             "method \"%s\" is not one the node serves (GET, HEAD, POST, PUT, "
             "DELETE, PATCH, OPTIONS, TRACE)",
             s->method);
        return NULL;
    }
    if (!target_ok(s->target, s->method)) {
        fail(err, errlen,
             "uri \"%s\" is not an origin-form target (\"/path?query\", no spaces "
             "or control characters)",
             s->target);
        return NULL;
    }
    if (strlen(s->target) > lim.max_uri_bytes) {
        fail(err, errlen, "uri of %zu bytes is longer than max_uri_bytes (%zu)", strlen(s->target),
             lim.max_uri_bytes);
        return NULL;
    }
    if ((inet_pton(AF_INET, ip, addr) != 1 && inet_pton(AF_INET6, ip, addr) != 1) ||
        strlen(ip) >= sizeof((http_conn *)NULL)->ip) {
        fail(err, errlen, "client_ip \"%s\" is not an IPv4 or IPv6 address", ip);
        return NULL;
    }
    if (s->content_length < 0 || (uint64_t)s->content_length > lim.max_body_bytes) {
        fail(err, errlen, "body of %lld bytes is larger than max_body_bytes (%llu)",
             (long long)s->content_length, (unsigned long long)lim.max_body_bytes);
        return NULL;
    }
    if (check_headers(s, &lim, err, errlen) != 0)
        return NULL;

    http_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        fail(err, errlen, "out of memory");
        return NULL;
    }
    arena_init(&c->arena, HTTP_ARENA_MAX_BYTES);
    snprintf(c->ip, sizeof c->ip, "%s", ip);
    http_request *r = &c->req;
    r->conn = c;
    r->begun = true;
    r->minor = 1;
    r->client_keep_alive = true;
    r->content_length = s->content_length;
    r->start_us = http_now_us();
    r->method = arena_strndup(&c->arena, s->method, strlen(s->method));
    r->head.target = arena_strndup(&c->arena, s->target, strlen(s->target));
    r->head.target_len = strlen(s->target);
    r->head.hdrs = arena_alloc(&c->arena, (s->header_count + 1) * sizeof(hdr));
    r->head.hcap = s->header_count + 1;
    bool ok = r->method && r->head.target && r->head.hdrs;
    for (size_t i = 0; ok && i < s->header_count; i++) {
        const http_header *h = &s->headers[i];
        char *n = arena_strndup(&c->arena, h->name, h->name_len);
        char *v = arena_strndup(&c->arena, h->value, h->value_len);
        ok = n && v;
        if (ok)
            r->head.hdrs[r->head.n++] = (hdr){{n, h->name_len, v, h->value_len}, false};
    }
    if (ok) {
        r->host = hdr_find(r->head.hdrs, r->head.n, "host");
        /* A client's well-formed X-Request-Id is kept, as the server does. */
        const char *id = hdr_find(r->head.hdrs, r->head.n, "x-request-id");
        r->request_id =
            id && hdr_count(r->head.hdrs, r->head.n, "x-request-id") == 1 && request_id_ok(id)
                ? id
                : arena_strndup(&c->arena, s->request_id ? s->request_id : "local",
                                strlen(s->request_id ? s->request_id : "local"));
        ok = r->request_id != NULL;
    }
    if (!ok) {
        fail(err, errlen, "the request exceeds the per-request memory (%d bytes)",
             HTTP_ARENA_MAX_BYTES);
        http_request_local_free(r);
        return NULL;
    }
    return r;
}

void http_request_local_free(http_request *req)
{
    if (req == NULL)
        return;
    http_conn *c = req->conn;
    free(req->body);
    arena_destroy(&c->arena);
    free(c);
}

int http_request_answer(const http_request *req, const char **content_type, const void **body,
                        size_t *len)
{
    *content_type = req->answer_status ? req->answer_type : NULL;
    *body = req->answer_status ? req->answer_body : NULL;
    *len = req->answer_status ? req->answer_len : 0;
    return req->answer_status;
}

bool http_request_response_edit(const http_request *req, size_t i, const char **name,
                                const char **value)
{
    for (size_t k = 0; k < req->nedits; k++)
        if (req->edits[k].value != NULL && i-- == 0) {
            *name = req->edits[k].name;
            *value = req->edits[k].value;
            return true;
        }
    return false;
}
