/*
 * Small building blocks of the HTTP layer: the per-request arena (one block per connection
 * reused by every request, so a typical request allocates nothing), head capture for llhttp's
 * span callbacks, header look-ups and hop-by-hop rules, write batches with chunked framing,
 * reference-counted pipelines, default limits and reason phrases.
 */
#include "http/http_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* ---- arena ----------------------------------------------------------------------------------- */

void arena_init(http_arena *a, size_t max_bytes)
{
    a->head = NULL;
    a->total = 0;
    a->max_bytes = max_bytes;
}

void *arena_alloc(http_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0)
        size = 16;
    if (a->total + size > a->max_bytes)
        return NULL;
    arena_block *b = a->head;
    if (b == NULL || b->cap - b->used < size) {
        size_t cap = size > HTTP_ARENA_BLOCK_BYTES ? size : HTTP_ARENA_BLOCK_BYTES;
        arena_block *nb = malloc(sizeof *nb + cap);
        if (nb == NULL)
            return NULL;
        nb->cap = cap;
        nb->used = 0;
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    a->total += size;
    return p;
}

char *arena_strndup(http_arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void arena_reset(http_arena *a)
{
    /* Keep the oldest block (the standard size one) so the next request reuses it. */
    arena_block *b = a->head;
    while (b != NULL && b->next != NULL) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    if (b != NULL && b->cap != HTTP_ARENA_BLOCK_BYTES) {
        free(b);
        b = NULL;
    }
    if (b != NULL)
        b->used = 0;
    a->head = b;
    a->total = 0;
}

void arena_destroy(http_arena *a)
{
    while (a->head != NULL) {
        arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
    a->total = 0;
}

/* ---- head capture ---------------------------------------------------------------------------- */

int capture_init(head_capture *hc, http_arena *a, size_t max_bytes, size_t max_headers)
{
    memset(hc, 0, sizeof *hc);
    /* Start small (most heads are well under 4 KiB) and grow up to the limits on demand, so a
     * typical request fits in the connection's first arena block and allocates nothing. */
    hc->arena = a;
    hc->max_bytes = max_bytes;
    hc->cap = max_bytes < HTTP_HEAD_INITIAL_BYTES ? max_bytes : HTTP_HEAD_INITIAL_BYTES;
    hc->max_headers = max_headers;
    hc->hcap =
        max_headers + 1 < HTTP_HEAD_INITIAL_HEADERS ? max_headers + 1 : HTTP_HEAD_INITIAL_HEADERS;
    hc->buf = arena_alloc(a, hc->cap);
    hc->hdrs = arena_alloc(a, hc->hcap * sizeof(hdr));
    if (hc->buf == NULL || hc->hdrs == NULL)
        return -1;
    return 0;
}

/* Makes room for `need` more bytes, moving the buffer (and the pointers into it) if it grows. */
static int capture_reserve(head_capture *hc, size_t need)
{
    if (need < hc->cap - hc->len)
        return 0;
    if (hc->len + need >= hc->max_bytes) {
        hc->overflow = 431;
        return -1;
    }
    size_t cap = hc->cap * 2;
    while (cap <= hc->len + need)
        cap *= 2;
    if (cap > hc->max_bytes)
        cap = hc->max_bytes;
    char *nb = arena_alloc(hc->arena, cap);
    if (nb == NULL) {
        hc->overflow = 431;
        return -1;
    }
    memcpy(nb, hc->buf, hc->len);
    char *old = hc->buf;
    if (hc->target != NULL)
        hc->target = nb + (hc->target - old);
    size_t n = hc->n + (hc->in_value ? 1 : 0);
    for (size_t i = 0; i < n; i++) {
        hc->hdrs[i].h.name = nb + (hc->hdrs[i].h.name - old);
        if (i < hc->n)
            hc->hdrs[i].h.value = nb + (hc->hdrs[i].h.value - old);
    }
    hc->buf = nb;
    hc->cap = cap;
    return 0;
}

int capture_span(head_capture *hc, const char *at, size_t len)
{
    /* One byte is kept for the NUL that ends the span. */
    if (capture_reserve(hc, len + 1) != 0)
        return -1;
    memcpy(hc->buf + hc->len, at, len);
    hc->len += len;
    return 0;
}

static char *capture_close(head_capture *hc, size_t *len)
{
    if (capture_reserve(hc, 1) != 0)
        return NULL;
    char *s = hc->buf + hc->start;
    *len = hc->len - hc->start;
    hc->buf[hc->len++] = '\0';
    hc->start = hc->len;
    return s;
}

int capture_end_target(head_capture *hc, size_t max_uri_bytes)
{
    size_t len;
    char *s = capture_close(hc, &len);
    if (s == NULL)
        return -1;
    if (len > max_uri_bytes) {
        hc->overflow = 414;
        return -1;
    }
    hc->target = s;
    hc->target_len = len;
    return 0;
}

int capture_end_field(head_capture *hc)
{
    size_t len;
    char *s = capture_close(hc, &len);
    if (s == NULL)
        return -1;
    if (hc->n >= hc->max_headers) {
        hc->overflow = 431;
        return -1;
    }
    if (hc->n + 1 >= hc->hcap) {
        size_t hcap = hc->hcap * 2 > hc->max_headers + 1 ? hc->max_headers + 1 : hc->hcap * 2;
        hdr *nh = arena_alloc(hc->arena, hcap * sizeof *nh);
        if (nh == NULL) {
            hc->overflow = 431;
            return -1;
        }
        memcpy(nh, hc->hdrs, hc->n * sizeof *nh);
        hc->hdrs = nh;
        hc->hcap = hcap;
    }
    hc->hdrs[hc->n] = (hdr){{s, len, "", 0}, false};
    hc->in_value = true;
    return 0;
}

int capture_end_value(head_capture *hc)
{
    size_t len;
    char *s = capture_close(hc, &len);
    if (s == NULL)
        return -1;
    if (!hc->in_value)
        return 0;
    /* llhttp strips leading whitespace; trailing whitespace is not part of the value. */
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        s[--len] = '\0';
    hc->hdrs[hc->n].h.value = s;
    hc->hdrs[hc->n].h.value_len = len;
    hc->n++;
    hc->in_value = false;
    return 0;
}

/* ---- header helpers -------------------------------------------------------------------------- */

size_t put_u64(char *out, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t put_hdr(char *out, const char *name, const char *value)
{
    size_t k = put_str(out, name);
    k += put_mem(out + k, ": ", 2);
    k += put_str(out + k, value);
    return k + put_mem(out + k, "\r\n", 2);
}

bool name_eq(const char *a, size_t alen, const char *b)
{
    /* Most comparisons fail on the first letter: decide those before measuring b. */
    if (alen == 0 || (a[0] | 0x20) != (b[0] | 0x20))
        return alen == 0 && b[0] == '\0';
    size_t blen = strlen(b);
    return alen == blen && strncasecmp(a, b, alen) == 0;
}

/* Whether a comma-separated list (Connection, Expect) holds `token`, case-insensitively. */
bool token_list_has(const char *list, const char *token)
{
    return token_list_has_n(list, token, strlen(token));
}

bool token_list_has_n(const char *list, const char *token, size_t tl)
{
    const char *p = list;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *s = p;
        while (*p != '\0' && *p != ',')
            p++;
        const char *e = p;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - s) == tl && strncasecmp(s, token, tl) == 0)
            return true;
    }
    return false;
}

/* RFC 9110 token characters: what a header name may be made of. */
bool is_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              strchr("!#$%&'*+-.^_`|~", ch) != NULL) ||
            ch == 0)
            return false;
    }
    return true;
}

bool value_ok(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return false;
    return true;
}

bool is_proxy_managed(const char *name, size_t len)
{
    static const char *const names[] = {"host",
                                        "content-length",
                                        "expect",
                                        "x-forwarded-for",
                                        "x-forwarded-proto",
                                        "x-forwarded-host",
                                        "via",
                                        "x-request-id"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (name_eq(name, len, names[i]))
            return true;
    return false;
}

bool is_hop_by_hop(const char *name, size_t len)
{
    static const char *const names[] = {"connection", "keep-alive",        "te",
                                        "trailer",    "transfer-encoding", "upgrade"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (name_eq(name, len, names[i]))
            return true;
    return len >= 6 && strncasecmp(name, "proxy-", 6) == 0;
}

const char *hdr_find(const hdr *hs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!hs[i].removed && name_eq(hs[i].h.name, hs[i].h.name_len, name))
            return hs[i].h.value;
    return NULL;
}

int hdr_count(const hdr *hs, size_t n, const char *name)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (!hs[i].removed && name_eq(hs[i].h.name, hs[i].h.name_len, name))
            k++;
    return k;
}

bool hdr_values_clean(const hdr *hs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const unsigned char *v = (const unsigned char *)hs[i].h.value;
        for (size_t j = 0; j < hs[i].h.value_len; j++)
            if ((v[j] < 0x20 && v[j] != '\t') || v[j] == 0x7f)
                return false;
        /* A NUL inside a name would have ended the span early: lengths tell. */
        if (strlen(hs[i].h.name) != hs[i].h.name_len)
            return false;
    }
    return true;
}

/* ---- write batches --------------------------------------------------------------------------- */

void batch_reset(write_batch *b)
{
    b->n = b->bytes = b->nframing = 0;
    b->borrowed = false;
}

int batch_write(uv_stream_t *s, write_batch *b, uv_write_cb cb, bool allow_sync)
{
    size_t first = 0;
    if (allow_sync) {
        int n = uv_try_write(s, b->iov, (unsigned)b->n);
        if (n < 0 && n != UV_EAGAIN)
            return n;
        size_t done = n > 0 ? (size_t)n : 0;
        if (done == b->bytes)
            return WRITE_DONE;
        while (done >= b->iov[first].len) {
            done -= b->iov[first].len;
            first++;
        }
        b->iov[first].base += done;
        b->iov[first].len -= (unsigned)done;
    }
    int rc = uv_write(&b->wr, s, b->iov + first, (unsigned)(b->n - first), cb);
    if (rc != 0)
        return rc;
    b->busy = true;
    /* Once the kernel holds every byte, the read buffer they came from is free again, though
     * the request completes later. */
    if (uv_stream_get_write_queue_size(s) == 0)
        b->borrowed = false;
    return WRITE_PENDING;
}

bool batch_room(const write_batch *b, size_t iovs)
{
    return b->n + iovs <= HTTP_BATCH_IOVS && b->nframing + iovs <= HTTP_BATCH_IOVS;
}

void batch_add(write_batch *b, const void *p, size_t len)
{
    if (len == 0)
        return;
    b->iov[b->n++] = uv_buf_init((char *)p, (unsigned)len);
    b->bytes += len;
}

static void batch_add_framing(write_batch *b, const char *text)
{
    char *f = b->framing[b->nframing++];
    size_t n = strlen(text);
    memcpy(f, text, n);
    batch_add(b, f, n);
}

void batch_add_chunk(write_batch *b, const void *p, size_t len)
{
    if (len == 0)
        return;
    char line[24];
    snprintf(line, sizeof line, "%zx\r\n", len);
    batch_add_framing(b, line);
    batch_add(b, p, len);
    batch_add_framing(b, "\r\n");
}

void batch_add_last_chunk(write_batch *b)
{
    batch_add_framing(b, "0\r\n\r\n");
}

/* ---- pipelines ------------------------------------------------------------------------------- */

pipeline_ref *pipeline_ref_new(const http_pipeline *p)
{
    pipeline_ref *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->p = *p;
    if (p->stage_count > 0) {
        r->stages = calloc(p->stage_count, sizeof *r->stages);
        if (r->stages == NULL) {
            free(r);
            return NULL;
        }
        memcpy(r->stages, p->stages, p->stage_count * sizeof *r->stages);
    }
    r->p.stages = r->stages;
    r->refs = 1;
    return r;
}

void pipeline_ref_put(pipeline_ref *r)
{
    if (r == NULL || --r->refs > 0)
        return;
    if (r->p.release != NULL)
        r->p.release(r->p.ud);
    free(r->stages);
    free(r);
}

/* ---- limits and reasons ---------------------------------------------------------------------- */

void http_limits_default(http_limits *l)
{
    *l = (http_limits){
        .max_header_bytes = 16 * 1024,
        .max_uri_bytes = 8 * 1024,
        .max_headers = 100,
        .max_body_bytes = 16 * 1024 * 1024,
        .header_timeout_ms = 10000,
        .body_timeout_ms = 30000,
        .idle_timeout_ms = 60000,
        .send_timeout_ms = 30000,
        .upstream_connect_timeout_ms = 5000,
        .upstream_read_timeout_ms = 60000,
        .max_connections = 10000,
    };
}

void limits_fill_defaults(http_limits *l)
{
    http_limits d;
    http_limits_default(&d);
#define FILL(f)                                                                                    \
    if (l->f == 0)                                                                                 \
    l->f = d.f
    FILL(max_header_bytes);
    FILL(max_uri_bytes);
    FILL(max_headers);
    FILL(max_body_bytes);
    FILL(header_timeout_ms);
    FILL(body_timeout_ms);
    FILL(idle_timeout_ms);
    FILL(send_timeout_ms);
    FILL(upstream_connect_timeout_ms);
    FILL(upstream_read_timeout_ms);
    FILL(max_connections);
#undef FILL
    /* The request line and every header must fit the capture buffer with room to spare. */
    if (l->max_header_bytes < 256)
        l->max_header_bytes = 256;
}

const char *http_status_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 103:
        return "Early Hints";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 417:
        return "Expectation Failed";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}
