/*
 * The WAF's entry point: parses the request document, applies a per-request configuration when
 * the document carries one, walks every part of the request through the detectors, and turns the
 * total anomaly score into the verdict. One arena serves the whole request and is reset at the
 * start of the next, so the result stays readable until then.
 */
#include "request.h"
#include "waf_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The bytes of a token list: letters, digits and * / , ; = . + _ - (one table load a byte). */
static const uint8_t token_list_byte[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Whether a value keeps to the bytes of a token list ("text/html,application/xml;q=0.9"), a
 * single space allowed after a comma or a semicolon. Such a value cannot carry an injection;
 * anything else is inspected. */
static bool token_list_value(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (token_list_byte[c])
            continue;
        /* a single space, after a comma or a semicolon only */
        if (c == ' ' && i > 0 && (s[i - 1] == ',' || s[i - 1] == ';'))
            continue;
        return false;
    }
    return true;
}

struct waf {
    waf_config cfg;
    arena a;
    waf_result res;
    needle_cache needles;
};

waf *waf_new(const waf_config *cfg)
{
    waf *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->cfg = cfg != NULL ? *cfg : waf_config_default();
    arena_init(&w->a);
    return w;
}

void waf_free(waf *w)
{
    if (w == NULL)
        return;
    arena_destroy(&w->a);
    free(w);
}

void waf_set_config(waf *w, const waf_config *cfg)
{
    w->cfg = *cfg;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void inspect_value(inspect *in, loc_kind kind, const char *name, size_t name_len, const char *value,
                   size_t len)
{
    if (len == 0)
        return;
    in->kind = kind;
    in->loc_name = name;
    in->loc_name_len = name_len;
    size_t budget =
        in->cfg->max_inspect_bytes > in->inspected ? in->cfg->max_inspect_bytes - in->inspected : 0;
    if (len > budget) {
        if (!in->over_limit)
            waf_report(in, 920410, "protocol", WAF_CRITICAL, value + budget,
                       len - budget < 32 ? len - budget : 32,
                       "Protocol: request larger than the inspection limit");
        in->over_limit = true;
        len = budget;
        if (len == 0)
            return;
    }
    in->inspected += len;
    /* letters and digits alone (ids, tokens, most names) need none of the forms below */
    if (inspect_plain(in, value, len))
        return;
    arena_mark m = arena_save(in->a);
    nval v;
    nval_build(in->a, &v, value, len);
    /* Each detector runs only when the value holds a byte its rules need; prose without
     * markup, separators or paths skips most of them (the cost matters in the sandbox). */
    if (!in->a->exhausted) {
        if (kind == LOC_FILE) {
            /* file contents are data: random bytes spell "; id" or "../" now and then, but a
               web shell, a serialized object or a page with script is what an upload attack
               carries */
            if (nval_any(&v, "<\"'`:+"))
                detect_xss(in, &v);
            detect_code(in, &v);
        } else {
            detect_sqli(in, &v);
            if (nval_any(&v, "<\"'`:+"))
                detect_xss(in, &v);
            if (rce_applies(&v)) {
                nval_build_shell(in->a, &v);
                detect_rce(in, &v);
            }
            /* without a separator or a scheme, only a "..", a dot-file or a known file name
               can matter: look for those before building the path form */
            if (nval_any(&v, "/\\:") || (nval_any(&v, ".") && nval_dotted_name(&v))) {
                nval_build_path(in->a, &v);
                detect_lfi_rfi(in, &v);
            }
            detect_code(in, &v);
            detect_query(in, &v);
        }
    }
    /* Reports copy what they keep into the result, so the value's scratch space can go. */
    arena_release(in->a, m);
}

static void inspect_headers(inspect *in, const req_view *r)
{
    const jnode *headers = r->headers;
    if (headers == NULL || headers->type != J_ARRAY)
        return;
    size_t i = 0;
    for (const jnode *h = headers->child; h != NULL && !in->over_limit; h = h->next, i++) {
        if (h->type != J_ARRAY || h->count != 2 || h->child->type != J_STRING ||
            h->child->next->type != J_STRING)
            continue;
        const jnode *name = h->child, *val = name->next;
        header_kind k = req_header_kind(r, i, h);
        if (k == HK_COOKIE) {
            walk_cookies(in, val->str, val->len);
            continue;
        }
        if (k >= HK_HOST || (k == HK_TOKEN_LIST && token_list_value(val->str, val->len)))
            continue;
        inspect_value(in, LOC_HEADER, name->str, name->len, val->str, val->len);
    }
}

static const jnode *header_value(const jnode *headers, const char *name)
{
    if (headers == NULL || headers->type != J_ARRAY)
        return NULL;
    for (const jnode *h = headers->child; h != NULL; h = h->next)
        if (h->type == J_ARRAY && h->count == 2 && json_str_eq(h->child, name, true) &&
            h->child->next->type == J_STRING)
            return h->child->next;
    return NULL;
}

static void inspect_body(inspect *in, const req_view *r, const char *body, size_t n)
{
    const jnode *ct = header_value(r->headers, "content-type");
    const char *t = ct != NULL ? ct->str : "";
    size_t tl = ct != NULL ? ct->len : 0;
    if (memcasemem(t, tl, "application/x-www-form-urlencoded") != NULL) {
        walk_urlencoded(in, body, n, LOC_ARG, false);
        return;
    }
    if (memcasemem(t, tl, "json") != NULL && walk_json_body(in, body, n))
        return;
    const char *b = memcasemem(t, tl, "boundary=");
    if (memcasemem(t, tl, "multipart/") != NULL && b != NULL) {
        b += 9;
        size_t bl = (size_t)(t + tl - b);
        if (bl > 0 && b[0] == '"') {
            b++;
            bl--;
            const char *q = waf_memchr(b, '"', bl);
            if (q != NULL)
                bl = (size_t)(q - b);
        } else {
            const char *sc = waf_memchr(b, ';', bl);
            if (sc != NULL)
                bl = (size_t)(sc - b);
        }
        if (walk_multipart(in, body, n, b, bl))
            return;
    }
    /* a body that is not UTF-8 is binary (images, archives): only uploads of code count there */
    inspect_value(in, r->body_is_base64 ? LOC_FILE : LOC_BODY, NULL, 0, body, n);
}

/* The members of the request document that the WAF reads, found in one pass over the root
 * object (the first member of each name, as json_get would find it). */
typedef struct doc_members {
    const jnode *method, *uri, *headers, *body, *body_base64, *waf_config;
} doc_members;

static bool key_is(const jnode *c, const char *name, size_t len)
{
    if (c->key_len != len)
        return false;
    /* byte by byte: a call of memcmp costs more than these few bytes */
    for (size_t i = 0; i < len; i++)
        if (c->key[i] != name[i])
            return false;
    return true;
}

static void doc_members_find(const jnode *root, doc_members *d)
{
    memset(d, 0, sizeof *d);
    for (const jnode *c = root->child; c != NULL; c = c->next) {
        const jnode **slot = NULL;
        switch (c->key_len) {
        case 3:
            slot = key_is(c, "uri", 3) ? &d->uri : NULL;
            break;
        case 4:
            slot = key_is(c, "body", 4) ? &d->body : NULL;
            break;
        case 6:
            slot = key_is(c, "method", 6) ? &d->method : NULL;
            break;
        case 7:
            slot = key_is(c, "headers", 7) ? &d->headers : NULL;
            break;
        case 10:
            slot = key_is(c, "waf_config", 10) ? &d->waf_config : NULL;
            break;
        case 11:
            slot = key_is(c, "body_base64", 11) ? &d->body_base64 : NULL;
            break;
        default:
            break;
        }
        if (slot != NULL && *slot == NULL)
            *slot = c;
    }
}

static void analyze_doc(inspect *in, const doc_members *d)
{
    req_view r;
    memset(&r, 0, sizeof r);
    r.method = d->method;
    r.uri = d->uri;
    r.headers = d->headers;
    r.body = d->body;
    r.header_kinds = header_kinds_of(in->a, r.headers);
    const jnode *b64 = d->body_base64;

    const char *uri = r.uri != NULL && r.uri->type == J_STRING ? r.uri->str : "";
    size_t ulen = r.uri != NULL && r.uri->type == J_STRING ? r.uri->len : 0;
    const char *q = waf_memchr(uri, '?', ulen);
    size_t plen = q != NULL ? (size_t)(q - uri) : ulen;
    /* A fragment never reaches a server; if one does, it is part of the query for us. */
    r.query = q != NULL ? q + 1 : NULL;
    r.query_len = q != NULL ? ulen - plen - 1 : 0;
    unsigned flags = 0;
    char *path = arena_alloc(in->a, plen + 1);
    if (path == NULL)
        return;
    r.path_len = url_decode(uri, plen, path, false, &flags);
    r.path = path;
    in->path = r.path;
    in->path_len = r.path_len;

    const char *body = NULL;
    size_t body_len = 0;
    if (b64 != NULL && b64->type == J_STRING && b64->len > 0) {
        char *d = arena_alloc(in->a, b64->len / 4 * 3 + 4);
        if (d != NULL && base64_decode(b64->str, b64->len, d, &body_len)) {
            body = d;
            r.body_is_base64 = true;
        }
    } else if (r.body != NULL && r.body->type == J_STRING) {
        body = r.body->str;
        body_len = r.body->len;
    }

    detect_protocol(in, &r);
    inspect_value(in, LOC_PATH, NULL, 0, r.path, r.path_len);
    if (r.query != NULL)
        walk_urlencoded(in, r.query, r.query_len, LOC_ARG, true);
    inspect_headers(in, &r);
    if (body != NULL && body_len > 0)
        inspect_body(in, &r, body, body_len);
}

const waf_result *waf_analyze(waf *w, const uint8_t *req, size_t len)
{
    uint64_t t0 = now_us();
    arena_reset(&w->a);
    waf_result *res = &w->res;
    /* Only the fields, not the match texts (7 KiB): a report writes its text before pointing
     * at it, and in the sandbox every 4 KiB granule written here is one that the snapshot
     * restore copies back after the request. */
    memset(res, 0, offsetof(waf_result, text_));
    /* the instance's configuration, or a copy that a "waf_config" member changes: the copy
     * (7 KiB) is made only then, since every stack page written is one more that the snapshot
     * restore copies back */
    const waf_config *cfg = &w->cfg;
    waf_config doc_cfg;
    char err[160];
    jnode *root = NULL;
    doc_members d;
    if (req == NULL && len == 0)
        req = (const uint8_t *)""; /* an empty document: reported as such by the parser */
    if (req == NULL || len > WAF_MAX_REQUEST_BYTES) {
        snprintf(err, sizeof err, "request document: larger than %u bytes",
                 (unsigned)WAF_MAX_REQUEST_BYTES);
    } else {
        char jerr[128];
        root = json_parse(&w->a, (const char *)req, len, jerr, sizeof jerr);
        if (root == NULL)
            snprintf(err, sizeof err, "request document: %s", jerr);
        else if (root->type != J_OBJECT) {
            snprintf(err, sizeof err, "request document: not a JSON object");
            root = NULL;
        } else {
            doc_members_find(root, &d);
            const jnode *u = d.uri, *m = d.method, *c = d.waf_config;
            if (u == NULL || u->type != J_STRING || m == NULL || m->type != J_STRING) {
                snprintf(err, sizeof err,
                         "request document: \"method\" and \"uri\" must be strings");
                root = NULL;
            } else if (c != NULL) {
                char cerr[128];
                doc_cfg = w->cfg;
                cfg = &doc_cfg;
                if (!waf_config_from_json(&doc_cfg, c, cerr, sizeof cerr)) {
                    snprintf(err, sizeof err, "request document: waf_config: %s", cerr);
                    root = NULL;
                }
            }
        }
    }
    if (root == NULL) {
        res->error = arena_strndup(&w->a, err, strlen(err));
        if (res->error == NULL)
            res->error = "request document: out of memory";
    } else {
        inspect in = {.needles = &w->needles, .a = &w->a, .cfg = cfg, .res = res};
        analyze_doc(&in, &d);
        if (w->a.exhausted && res->error == NULL)
            res->error = "request too large to inspect within the memory limit";
        res->blocked = res->score >= cfg->threshold;
    }
    res->execution_time_us = now_us() - t0;
    waf_result_json(&w->a, res);
    return res;
}
