/*
 * The node's own trustless gateway (ipfs.gateway_listen): GET /ipfs/{cid} answered with
 * application/vnd.ipld.raw (one block) or application/vnd.ipld.car (a CARv1 of the whole DAG),
 * for the modules the node holds in its disk cache, so that nodes can fetch from each other and
 * browsers and tools can verify what the node runs. Only verifiable answers are given: never
 * the file itself, never a path inside a DAG. Everything served is verified again as it leaves
 * (a disk is trusted no more than a gateway), and the request is parsed strictly: the path is
 * exactly /ipfs/<cid>, the only query parameter is format=car|raw, and the Accept header, when
 * it names a format, must agree with the query.
 *
 * It runs on a thread of its own with its own loop, so reading the cache never delays the admin
 * API or the proxy. A CAR is built in the request's memory, which the http layer caps; a module
 * whose CAR is larger is served block by block (?format=raw), as every trustless client can.
 */
#include "node/module_cid.h"

#include "deploy/deploy.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    CAR_RESPONSE_MAX_BYTES = 3 << 20, /* under the http layer's per-request memory cap */
    CID_TEXT_MAX_CHARS = 120,
};

typedef enum { FMT_NONE, FMT_RAW, FMT_CAR, FMT_BAD } fmt;

struct node_gateway {
    uv_loop_t loop;
    uv_async_t stop;
    pthread_t thread;
    http_server *srv;
    node_cid_loader *l;
};

static http_verdict answer(http_request *req, int status, const char *text)
{
    http_request_set_response_header(req, "X-Content-Type-Options", "nosniff");
    http_request_respond(req, status, "text/plain; charset=utf-8", text, strlen(text));
    return HTTP_RESPONDED;
}

/* The format an Accept header asks for: FMT_NONE when it names neither (e.g. * / *), FMT_BAD
 * for a malformed header, parameters we do not serve, or both formats at once. */
static fmt accept_format(const char *accept)
{
    fmt out = FMT_NONE;
    const char *p = accept;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        char item[256];
        if (n >= sizeof item)
            return FMT_BAD;
        memcpy(item, p, n);
        item[n] = '\0';
        p += n + (p[n] == ',');
        /* media type; params */
        char *s = item;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0')
            continue; /* an empty list element, which HTTP says to ignore */
        size_t tl = strcspn(s, ";");
        while (tl > 0 && (s[tl - 1] == ' ' || s[tl - 1] == '\t'))
            tl--;
        if (tl == 0)
            return FMT_BAD;
        fmt this = FMT_NONE;
        if (tl == 24 && strncasecmp(s, "application/vnd.ipld.raw", 24) == 0)
            this = FMT_RAW;
        else if (tl == 24 && strncasecmp(s, "application/vnd.ipld.car", 24) == 0)
            this = FMT_CAR;
        char *params = strchr(s, ';');
        while (params != NULL) {
            char *q = params + 1;
            char *next = strchr(q, ';');
            if (next != NULL)
                *next = '\0';
            while (*q == ' ' || *q == '\t')
                q++;
            size_t ql = strlen(q);
            while (ql > 0 && (q[ql - 1] == ' ' || q[ql - 1] == '\t'))
                q[--ql] = '\0';
            bool ok = strncasecmp(q, "q=", 2) == 0;
            if (this == FMT_CAR)
                ok = ok || strcmp(q, "version=1") == 0 || strcmp(q, "order=dfs") == 0 ||
                     strcmp(q, "order=unk") == 0 || strcmp(q, "dups=n") == 0 ||
                     strcmp(q, "dups=y") == 0;
            if (this != FMT_NONE && !ok)
                return FMT_BAD;
            params = next != NULL ? next : NULL;
        }
        if (this != FMT_NONE) {
            if (out != FMT_NONE && out != this)
                return FMT_BAD;
            out = this;
        }
    }
    return out;
}

/* Reads len bytes at offset of path into buf. */
static void immutable_headers(http_request *req, const char *cid_text, const char *suffix)
{
    char etag[DEP_CID_TEXT_MAX + 16];
    snprintf(etag, sizeof etag, "\"%s%s\"", cid_text, suffix);
    http_request_set_response_header(req, "Etag", etag);
    http_request_set_response_header(req, "Cache-Control", "public, max-age=29030400, immutable");
    http_request_set_response_header(req, "X-Content-Type-Options", "nosniff");
    char path[DEP_CID_TEXT_MAX + 8];
    snprintf(path, sizeof path, "/ipfs/%s", cid_text);
    http_request_set_response_header(req, "X-Ipfs-Path", path);
    http_request_set_response_header(req, "Vary", "Accept");
}

static http_verdict serve_raw(node_gateway *g, http_request *req, const dep_cid *cid,
                              const char *cid_text)
{
    char path[NODE_MAX_MODULE_PATH_BYTES + 128];
    uint64_t offset;
    uint32_t len;
    if (!node_cid_find_block(g->l, cid, path, sizeof path, &offset, &len))
        return answer(req, 404, "not found: this node holds no block with this CID\n");
    if (len > DEP_BLOCK_MAX_BYTES)
        return answer(req, 500, "a cached block is larger than a block can be\n");
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL)
        return answer(req, 503, "out of memory\n");
    dep_error e;
    if (!node_read_at(path, offset, buf, len) ||
        dep_cid_verify_block(cid, buf, len, &e) != DEP_OK) {
        free(buf);
        return answer(req, 404, "not found: the cached copy of this block is gone or damaged\n");
    }
    immutable_headers(req, cid_text, ".raw");
    if (http_request_respond(req, 200, "application/vnd.ipld.raw", buf, len) != 0) {
        free(buf);
        return answer(req, 503, "out of memory\n");
    }
    free(buf);
    return HTTP_RESPONDED;
}

static http_verdict serve_car(node_gateway *g, http_request *req, const dep_cid *cid,
                              const char *cid_text)
{
    char path[NODE_MAX_MODULE_PATH_BYTES + 128];
    dep_cid root;
    if (!node_cid_find_car(g->l, cid, &root, path, sizeof path))
        return answer(req, 404, "not found: this node holds no module with this CID\n");
    size_t len = 0;
    bool too_big = false;
    uint8_t *car = node_read_file(path, CAR_RESPONSE_MAX_BYTES, &len, &too_big);
    if (car != NULL && len == 0) { /* an empty file is no CAR: as good as gone */
        free(car);
        car = NULL;
    }
    if (car == NULL && too_big)
        return answer(req, 501,
                      "this module's CAR is larger than this gateway sends in one response; "
                      "fetch its blocks with ?format=raw\n");
    if (car == NULL)
        return answer(req, 404, "not found: the cached copy of this module is gone\n");
    /* Verify before serving: the whole DAG, every block, nothing extra. */
    dep_error e;
    uint8_t *file = NULL;
    size_t file_len = 0;
    if (dep_car_verify(car, len, &root, UINT64_MAX >> 1, &file, &file_len, &e) != DEP_OK) {
        free(car);
        return answer(req, 404, "not found: the cached copy of this module is damaged\n");
    }
    free(file);
    /* The CAR names the root as it was cached; a request by the other CID version of the same
     * multihash gets a header naming the CID it asked for. */
    uint8_t *body = car;
    size_t body_len = len;
    uint8_t *rewritten = NULL;
    if (root.version != cid->version) {
        uint64_t hlen;
        size_t used;
        uint8_t header[DEP_CAR_HEADER_MAX_BYTES];
        size_t nh = dep_car_header(cid, header, sizeof header);
        if (dep_varint_decode(car, len, &hlen, &used, &e) != DEP_OK || hlen > len - used ||
            nh == 0 || (rewritten = malloc(nh + len - used - hlen)) == NULL) {
            free(car);
            return answer(req, 500, "cannot rewrite the CAR header\n");
        }
        memcpy(rewritten, header, nh);
        memcpy(rewritten + nh, car + used + hlen, len - used - hlen);
        body = rewritten;
        body_len = nh + len - used - hlen;
    }
    immutable_headers(req, cid_text, ".car");
    int rc = http_request_respond(req, 200, "application/vnd.ipld.car; version=1", body, body_len);
    free(rewritten);
    free(car);
    if (rc != 0)
        return answer(req, 503, "out of memory\n");
    return HTTP_RESPONDED;
}

static http_verdict gateway_stage(http_request *req, void *ud)
{
    node_gateway *g = ud;
    const char *method = http_request_method(req);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        http_request_set_response_header(req, "Allow", "GET, HEAD");
        return answer(req, 405, "method not allowed: this gateway serves GET /ipfs/{cid}\n");
    }
    const char *target = http_request_target(req);
    if (strncmp(target, "/ipfs/", 6) != 0)
        return answer(req, 404, "not found: this gateway serves GET /ipfs/{cid} only\n");
    const char *c = target + 6;
    size_t cl = strspn(c, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    if (cl == 0 || cl > CID_TEXT_MAX_CHARS)
        return answer(req, 400, "bad request: the path is /ipfs/ followed by a CID\n");
    if (c[cl] != '\0' && c[cl] != '?')
        return answer(req, 400,
                      "bad request: only whole DAGs are served by CID; no paths inside them\n");
    char cid_text[CID_TEXT_MAX_CHARS + 1];
    memcpy(cid_text, c, cl);
    cid_text[cl] = '\0';
    fmt want = FMT_NONE;
    if (c[cl] == '?') {
        const char *q = c + cl + 1;
        if (strcmp(q, "format=raw") == 0)
            want = FMT_RAW;
        else if (strcmp(q, "format=car") == 0)
            want = FMT_CAR;
        else
            return answer(req, 400,
                          "bad request: the only query this gateway takes is format=raw or "
                          "format=car\n");
    }
    const char *accept = http_request_header(req, "Accept");
    fmt from_accept = accept != NULL ? accept_format(accept) : FMT_NONE;
    if (from_accept == FMT_BAD)
        return answer(req, 400,
                      "bad request: Accept names application/vnd.ipld.raw or "
                      "application/vnd.ipld.car (CARv1), not both, with no other parameters\n");
    if (want != FMT_NONE && from_accept != FMT_NONE && want != from_accept)
        return answer(req, 400, "bad request: the format query and the Accept header disagree\n");
    if (want == FMT_NONE)
        want = from_accept;
    if (want == FMT_NONE)
        return answer(req, 406,
                      "not acceptable: this trustless gateway answers only "
                      "application/vnd.ipld.raw or application/vnd.ipld.car (ask with "
                      "?format=raw|car or Accept)\n");
    dep_cid cid;
    dep_error e;
    if (dep_cid_parse(cid_text, cl, &cid, &e) != DEP_OK) {
        char msg[1200];
        snprintf(msg, sizeof msg, "bad request: %s\n", e.message);
        return answer(req, 400, msg);
    }
    if (cid.hash != DEP_HASH_SHA2_256)
        return answer(req, 404, "not found: this node holds only sha2-256 blocks\n");
    return want == FMT_RAW ? serve_raw(g, req, &cid, cid_text) : serve_car(g, req, &cid, cid_text);
}

static void on_stop(uv_async_t *a)
{
    node_gateway *g = a->data;
    http_server_free(g->srv); /* closes at once; the loop ends once its handles are closed */
    g->srv = NULL;
    uv_close((uv_handle_t *)&g->stop, NULL);
}

static void *gateway_main(void *arg)
{
    node_gateway *g = arg;
    uv_run(&g->loop, UV_RUN_DEFAULT);
    return NULL;
}

node_gateway *node_gateway_new(const node_addr *addr, node_cid_loader *l, char *err)
{
    node_gateway *g = calloc(1, sizeof *g);
    if (g == NULL) {
        snprintf(err, NODE_ERR_BYTES, "ipfs.gateway_listen: out of memory");
        return NULL;
    }
    g->l = l;
    int rc = uv_loop_init(&g->loop);
    if (rc != 0) {
        snprintf(err, NODE_ERR_BYTES, "ipfs.gateway_listen: loop: %s", uv_strerror(rc));
        free(g);
        return NULL;
    }
    http_stage stage = {.name = "ipfs-gateway", .on_request_headers = gateway_stage, .ud = g};
    http_pipeline pl = {.stages = &stage, .stage_count = 1};
    /* Requests have no body; heads stay small; a peer reading slowly is cut off after 30 s. */
    http_server_config sc = {.host = addr->host,
                             .port = addr->port,
                             .limits = {.max_header_bytes = 8192,
                                        .max_uri_bytes = 512,
                                        .max_headers = 50,
                                        .max_body_bytes = 1,
                                        .max_connections = 1000}};
    char why[256];
    g->srv = http_server_new(&g->loop, &sc, &pl, why, sizeof why);
    if (g->srv == NULL) {
        snprintf(err, NODE_ERR_BYTES, "ipfs.gateway_listen: %s", why);
        uv_loop_close(&g->loop);
        free(g);
        return NULL;
    }
    uv_async_init(&g->loop, &g->stop, on_stop);
    g->stop.data = g;
    rc = pthread_create(&g->thread, NULL, gateway_main, g);
    if (rc != 0) {
        snprintf(err, NODE_ERR_BYTES, "ipfs.gateway_listen: cannot start a thread: %s",
                 strerror(rc));
        on_stop(&g->stop);
        uv_run(&g->loop, UV_RUN_DEFAULT);
        uv_loop_close(&g->loop);
        free(g);
        return NULL;
    }
    return g;
}

void node_gateway_free(node_gateway *g)
{
    if (g == NULL)
        return;
    uv_async_send(&g->stop);
    pthread_join(g->thread, NULL);
    uv_loop_close(&g->loop);
    free(g);
}
