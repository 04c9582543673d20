/*
 * The AEGIS Edge C SDK for module authors: one header, no library. It declares the host imports
 * of guest ABI v1 (module "env"), defines the alloc/dealloc exports, reads the request JSON the
 * host passes to an entry point, and builds the framed result (u32 LE length + JSON) that the
 * entry point returns. Build with
 *     clang --target=wasm32-wasi -O2 -mexec-model=reactor -I guest/sdk -o my.wasm my.c
 * See docs/ABI.md for the contract and complete examples (guest/examples/).
 *
 * Everything is static inline so that a module pays only for what it uses. Memory comes from
 * wasi-libc's malloc; a fresh module state is restored by the host before every request, so a
 * module never needs to free what it allocated while handling one.
 */
#ifndef AEGIS_SDK_H
#define AEGIS_SDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- host imports (ABI v1, module "env") -------------------------------------------------------
 */

#if defined(__wasm__)
#define AEGIS_IMPORT(name) __attribute__((import_module("env"), import_name(name)))
#define AEGIS_EXPORT(name) __attribute__((export_name(name), visibility("default")))
#else
/* Built natively (unit tests of module logic): the host functions are ordinary externs that the
 * test provides, and exports are ordinary functions. */
#define AEGIS_IMPORT(name)
#define AEGIS_EXPORT(name)
#endif

AEGIS_IMPORT("log") void aegis_log_raw(const char *ptr, int32_t len);
AEGIS_IMPORT("get_timestamp") int64_t aegis_get_timestamp(void);
AEGIS_IMPORT("get_request_header")
int32_t aegis_get_request_header(const char *name, int32_t name_len, char *out, int32_t out_len);
AEGIS_IMPORT("set_response_header")
void aegis_set_response_header(const char *name, int32_t name_len, const char *value,
                               int32_t value_len);
AEGIS_IMPORT("get_request_body_size") int32_t aegis_get_request_body_size(void);
AEGIS_IMPORT("read_request_body") int32_t aegis_read_request_body(void *buf, int32_t buf_len);
AEGIS_IMPORT("send_response")
void aegis_send_response(int32_t status, const void *body, int32_t body_len);
AEGIS_IMPORT("cache_get")
int32_t aegis_cache_get(const void *key, int32_t key_len, void *out, int32_t out_len);
AEGIS_IMPORT("cache_set")
void aegis_cache_set(const void *key, int32_t key_len, const void *val, int32_t val_len,
                     int64_t ttl_secs);

/* Convenience forms taking NUL-terminated strings. */
static inline void aegis_log(const char *msg)
{
    aegis_log_raw(msg, (int32_t)strlen(msg));
}

static inline void aegis_set_header(const char *name, const char *value)
{
    aegis_set_response_header(name, (int32_t)strlen(name), value, (int32_t)strlen(value));
}

/* Value of request header `name` into out (NUL-terminated, truncated to cap-1); returns the full
 * value length, or -1 when the header is absent. */
static inline int32_t aegis_header(const char *name, char *out, size_t cap)
{
    if (cap == 0)
        return -1;
    int32_t n = aegis_get_request_header(name, (int32_t)strlen(name), out, (int32_t)cap - 1);
    out[n < 0 ? 0 : ((size_t)n < cap - 1 ? (size_t)n : cap - 1)] = '\0';
    return n;
}

/* The alloc/dealloc exports every module must have: the host places the request in memory
 * obtained from alloc. Put AEGIS_DEFINE_ALLOC() once in a module. */
#define AEGIS_DEFINE_ALLOC()                                                                       \
    AEGIS_EXPORT("alloc") void *aegis_alloc_(int32_t size)                                         \
    {                                                                                              \
        return size > 0 ? malloc((size_t)size) : NULL;                                             \
    }                                                                                              \
    AEGIS_EXPORT("dealloc") void aegis_dealloc_(void *ptr, int32_t size)                           \
    {                                                                                              \
        (void)size;                                                                                \
        free(ptr);                                                                                 \
    }

/* ---- a small JSON reader ------------------------------------------------------------------------
 */

/* A span of JSON text: one value (object, array, string with its quotes, number, literal). */
typedef struct aegis_json {
    const char *p;
    size_t len; /* 0: no value */
} aegis_json;

static inline size_t aegis_json_ws_(const char *p, size_t n, size_t i)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i;
}

/* Index just past the value starting at p[i], or 0 on malformed input. Depth is bounded, so a
 * hostile document cannot exhaust the guest stack. */
static inline size_t aegis_json_skip_(const char *p, size_t n, size_t i)
{
    int depth = 0;
    bool in_str = false;
    size_t start = i;
    for (; i < n; i++) {
        char c = p[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"') {
                in_str = false;
                if (depth == 0)
                    return i + 1;
            }
            continue;
        }
        if (c == '"')
            in_str = true;
        else if (c == '{' || c == '[') {
            if (++depth > 64)
                return 0;
        } else if (c == '}' || c == ']') {
            if (--depth < 0)
                return i == start ? 0 : i;
            if (depth == 0)
                return i + 1;
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t'))
            return i == start ? 0 : i;
    }
    return (depth == 0 && !in_str && i > start) ? i : 0;
}

/* Parses a document span (whitespace trimmed). */
static inline aegis_json aegis_json_parse(const char *p, size_t n)
{
    size_t i = aegis_json_ws_(p, n, 0);
    size_t e = aegis_json_skip_(p, n, i);
    aegis_json v = {p + i, e > i ? e - i : 0};
    return v;
}

/* Member `key` of an object (the key compared after unescaping is not needed: ABI keys are
 * plain ASCII); {NULL, 0} when absent or not an object. */
static inline aegis_json aegis_json_get(aegis_json obj, const char *key)
{
    aegis_json none = {NULL, 0};
    if (obj.len < 2 || obj.p[0] != '{')
        return none;
    size_t klen = strlen(key), i = 1, n = obj.len;
    for (;;) {
        i = aegis_json_ws_(obj.p, n, i);
        if (i >= n || obj.p[i] != '"')
            return none;
        size_t ke = aegis_json_skip_(obj.p, n, i);
        if (ke == 0)
            return none;
        bool match = ke - i - 2 == klen && memcmp(obj.p + i + 1, key, klen) == 0;
        i = aegis_json_ws_(obj.p, n, ke);
        if (i >= n || obj.p[i] != ':')
            return none;
        i = aegis_json_ws_(obj.p, n, i + 1);
        size_t ve = aegis_json_skip_(obj.p, n, i);
        if (ve == 0)
            return none;
        if (match) {
            aegis_json v = {obj.p + i, ve - i};
            return v;
        }
        i = aegis_json_ws_(obj.p, n, ve);
        if (i >= n || obj.p[i] != ',')
            return none;
        i++;
    }
}

/* Element `index` of an array; {NULL, 0} past the end or when not an array. */
static inline aegis_json aegis_json_at(aegis_json arr, size_t index)
{
    aegis_json none = {NULL, 0};
    if (arr.len < 2 || arr.p[0] != '[')
        return none;
    size_t i = 1, n = arr.len;
    for (size_t k = 0;; k++) {
        i = aegis_json_ws_(arr.p, n, i);
        if (i >= n || arr.p[i] == ']')
            return none;
        size_t e = aegis_json_skip_(arr.p, n, i);
        if (e == 0)
            return none;
        if (k == index) {
            aegis_json v = {arr.p + i, e - i};
            return v;
        }
        i = aegis_json_ws_(arr.p, n, e);
        if (i >= n || arr.p[i] != ',')
            return none;
        i++;
    }
}

static inline int aegis_hex_(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Decodes a JSON string value into out (UTF-8, NUL-terminated, truncated to cap-1 bytes).
 * Returns the decoded length before truncation, or -1 when v is not a string. */
static inline long aegis_json_string(aegis_json v, char *out, size_t cap)
{
    if (v.len < 2 || v.p[0] != '"')
        return -1;
    size_t o = 0;
    long total = 0;
#define AEGIS_PUT_(ch)                                                                             \
    do {                                                                                           \
        if (o + 1 < cap)                                                                           \
            out[o++] = (char)(ch);                                                                 \
        total++;                                                                                   \
    } while (0)
    for (size_t i = 1; i + 1 < v.len; i++) {
        char c = v.p[i];
        if (c != '\\') {
            AEGIS_PUT_(c);
            continue;
        }
        if (++i + 1 >= v.len)
            return -1;
        switch (v.p[i]) {
        case 'n':
            AEGIS_PUT_('\n');
            break;
        case 't':
            AEGIS_PUT_('\t');
            break;
        case 'r':
            AEGIS_PUT_('\r');
            break;
        case 'b':
            AEGIS_PUT_('\b');
            break;
        case 'f':
            AEGIS_PUT_('\f');
            break;
        case 'u': {
            if (i + 4 >= v.len)
                return -1;
            unsigned cp = 0;
            for (int k = 1; k <= 4; k++) {
                int h = aegis_hex_(v.p[i + k]);
                if (h < 0)
                    return -1;
                cp = cp << 4 | (unsigned)h;
            }
            i += 4;
            /* Surrogate pairs are joined; a lone surrogate becomes U+FFFD. */
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < v.len && v.p[i + 1] == '\\' &&
                v.p[i + 2] == 'u') {
                unsigned lo = 0;
                int ok = 1;
                for (int k = 3; k <= 6; k++) {
                    int h = aegis_hex_(v.p[i + k]);
                    ok &= h >= 0;
                    lo = lo << 4 | (unsigned)(h < 0 ? 0 : h);
                }
                if (ok && lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp >= 0xD800 && cp < 0xE000)
                cp = 0xFFFD;
            if (cp < 0x80) {
                AEGIS_PUT_(cp);
            } else if (cp < 0x800) {
                AEGIS_PUT_(0xC0 | cp >> 6);
                AEGIS_PUT_(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                AEGIS_PUT_(0xE0 | cp >> 12);
                AEGIS_PUT_(0x80 | (cp >> 6 & 0x3F));
                AEGIS_PUT_(0x80 | (cp & 0x3F));
            } else {
                AEGIS_PUT_(0xF0 | cp >> 18);
                AEGIS_PUT_(0x80 | (cp >> 12 & 0x3F));
                AEGIS_PUT_(0x80 | (cp >> 6 & 0x3F));
                AEGIS_PUT_(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            AEGIS_PUT_(v.p[i]);
            break; /* \" \\ \/ */
        }
    }
#undef AEGIS_PUT_
    if (cap > 0)
        out[o] = '\0';
    return total;
}

/* Integer value of a JSON number (fraction ignored); def when v is not a number. */
static inline long long aegis_json_int(aegis_json v, long long def)
{
    if (v.len == 0 || !(v.p[0] == '-' || (v.p[0] >= '0' && v.p[0] <= '9')))
        return def;
    long long x = 0;
    size_t i = v.p[0] == '-';
    for (; i < v.len && v.p[i] >= '0' && v.p[i] <= '9'; i++)
        x = x * 10 + (v.p[i] - '0');
    return v.p[0] == '-' ? -x : x;
}

/* ---- the request ------------------------------------------------------------------------------
 */

/* The request as the host sent it: spans into the JSON the entry point received. */
typedef struct aegis_request {
    aegis_json doc, method, uri, headers, body, body_base64, client_ip;
} aegis_request;

/* Splits the request JSON; false when it is not an object with method and uri. */
static inline bool aegis_request_parse(aegis_request *r, const char *ptr, int32_t len)
{
    r->doc = aegis_json_parse(ptr, len < 0 ? 0 : (size_t)len);
    r->method = aegis_json_get(r->doc, "method");
    r->uri = aegis_json_get(r->doc, "uri");
    r->headers = aegis_json_get(r->doc, "headers");
    r->body = aegis_json_get(r->doc, "body");
    r->body_base64 = aegis_json_get(r->doc, "body_base64");
    r->client_ip = aegis_json_get(r->doc, "client_ip");
    return r->method.len > 0 && r->uri.len > 0;
}

/* First header `name` (ASCII case-insensitive) decoded into out; its length or -1 if absent. */
static inline long aegis_request_header(const aegis_request *r, const char *name, char *out,
                                        size_t cap)
{
    size_t nlen = strlen(name);
    for (size_t i = 0;; i++) {
        aegis_json pair = aegis_json_at(r->headers, i);
        if (pair.len == 0)
            return -1;
        char key[128];
        long kl = aegis_json_string(aegis_json_at(pair, 0), key, sizeof key);
        if (kl < 0 || (size_t)kl != nlen)
            continue;
        bool eq = true;
        for (size_t k = 0; k < nlen && eq; k++) {
            char a = key[k], b = name[k];
            a = (char)(a >= 'A' && a <= 'Z' ? a + 32 : a);
            b = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
            eq = a == b;
        }
        if (eq)
            return aegis_json_string(aegis_json_at(pair, 1), out, cap);
    }
}

/* ---- a small JSON writer and the framed result ---------------------------------------------- */

/* A growing output buffer whose first 4 bytes are reserved for the u32 LE frame length. */
typedef struct aegis_buf {
    char *p;
    size_t len, cap; /* len counts the 4 frame bytes */
    bool failed;     /* an allocation failed: the result is NULL */
} aegis_buf;

static inline void aegis_buf_init(aegis_buf *b)
{
    b->cap = 256;
    b->p = malloc(b->cap);
    b->len = 4;
    b->failed = b->p == NULL;
}

static inline void aegis_buf_put(aegis_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap;
        while (b->len + n > cap)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static inline void aegis_buf_puts(aegis_buf *b, const char *s)
{
    aegis_buf_put(b, s, strlen(s));
}

/* Appends n bytes of s as a quoted JSON string (control bytes escaped). */
static inline void aegis_buf_json_string(aegis_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    aegis_buf_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            aegis_buf_put(b, e, 2);
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            aegis_buf_put(b, e, 6);
        } else {
            aegis_buf_put(b, (const char *)&c, 1);
        }
    }
    aegis_buf_put(b, "\"", 1);
}

/* Writes the frame length and returns the pointer an entry point returns (NULL if out of
 * memory, which the host reports as a failure of the module). */
static inline int32_t aegis_buf_finish(aegis_buf *b)
{
    if (b->failed)
        return 0;
    uint32_t n = (uint32_t)(b->len - 4);
    b->p[0] = (char)n;
    b->p[1] = (char)(n >> 8);
    b->p[2] = (char)(n >> 16);
    b->p[3] = (char)(n >> 24);
    return (int32_t)(uintptr_t)b->p;
}

/* Edge function results. Build one with aegis_response_begin(status or -1 for null), then
 * aegis_response_header() any number of times, then aegis_response_end(body). */
static inline void aegis_response_begin(aegis_buf *b, int status)
{
    aegis_buf_init(b);
    if (status < 0) {
        aegis_buf_puts(b, "{\"status\":null,\"headers\":[");
    } else {
        char num[16], tmp[16];
        int k = 0;
        unsigned s = (unsigned)status;
        do
            tmp[k++] = (char)('0' + s % 10);
        while ((s /= 10) != 0);
        for (int i = 0; i < k; i++)
            num[i] = tmp[k - 1 - i];
        aegis_buf_puts(b, "{\"status\":");
        aegis_buf_put(b, num, (size_t)k);
        aegis_buf_puts(b, ",\"headers\":[");
    }
}

static inline void aegis_response_header(aegis_buf *b, const char *name, const char *value)
{
    if (b->p[b->len - 1] != '[')
        aegis_buf_put(b, ",", 1);
    aegis_buf_put(b, "[", 1);
    aegis_buf_json_string(b, name, strlen(name));
    aegis_buf_put(b, ",", 1);
    aegis_buf_json_string(b, value, strlen(value));
    aegis_buf_put(b, "]", 1);
}

static inline int32_t aegis_response_end(aegis_buf *b, const char *body, size_t body_len)
{
    aegis_buf_puts(b, "],\"body\":");
    aegis_buf_json_string(b, body ? body : "", body ? body_len : 0);
    aegis_buf_put(b, "}", 1);
    return aegis_buf_finish(b);
}

/* The common cases in one call: continue to the origin unchanged, or answer directly. */
static inline int32_t aegis_continue(void)
{
    aegis_buf b;
    aegis_response_begin(&b, -1);
    return aegis_response_end(&b, "", 0);
}

static inline int32_t aegis_respond(int status, const char *content_type, const char *body)
{
    aegis_buf b;
    aegis_response_begin(&b, status);
    if (content_type != NULL)
        aegis_response_header(&b, "Content-Type", content_type);
    return aegis_response_end(&b, body, body ? strlen(body) : 0);
}

#endif
