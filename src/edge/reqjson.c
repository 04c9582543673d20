/*
 * The request JSON of guest ABI v1: {"method", "uri", "headers": [[name, value], ...], "body",
 * "client_ip"}, written straight from the parsed request into a reusable buffer. Strings are
 * escaped for JSON; a body that is not valid UTF-8 travels base64-encoded in "body_base64" with
 * "body" set to "" (so typed guests always find a string there).
 */
#include "edge_int.h"

#include <stdlib.h>
#include <string.h>

void edge_buf_put(edge_buf *b, const void *s, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
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

void edge_buf_free(edge_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void put_str(edge_buf *b, const char *s)
{
    edge_buf_put(b, s, strlen(s));
}

/* Eight bytes at a time: bodies and header values are mostly plain ASCII, and testing them a
 * word at a time makes building the document several times faster than a byte loop. The tests
 * are exact about whether any byte of the word matches (not about which one). */
#define BYTES_1 0x0101010101010101ull
#define BYTES_80 0x8080808080808080ull
static inline uint64_t load_word(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}
static inline bool word_has_below(uint64_t w, uint8_t n) /* n <= 128 */
{
    return ((w - BYTES_1 * n) & ~w & BYTES_80) != 0;
}
static inline bool word_has(uint64_t w, uint8_t c)
{
    return word_has_below(w ^ (BYTES_1 * c), 1);
}
/* No byte of w needs an escape in a JSON string (printable ASCII but '"' and '\\'). */
static inline bool word_plain(uint64_t w)
{
    return (w & BYTES_80) == 0 && !word_has_below(w, 0x20) && !word_has(w, '"') &&
           !word_has(w, '\\') && !word_has(w, 0x7f);
}

/* A quoted JSON string; the bytes are valid UTF-8 (checked by the caller or http-validated). */
static void put_json(edge_buf *b, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    edge_buf_put(b, "\"", 1);
    size_t run = 0; /* bytes copied in one go between escapes */
    for (size_t i = 0; i < n; i++) {
        while (i + 8 <= n && word_plain(load_word(s + i)))
            i += 8;
        if (i == n)
            break;
        uint8_t c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
            continue;
        edge_buf_put(b, s + run, i - run);
        run = i + 1;
        char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        char shrt = c == '"' || c == '\\' ? (char)c
                    : c == '\n'           ? 'n'
                    : c == '\r'           ? 'r'
                    : c == '\t'           ? 't'
                                          : 0;
        if (shrt != 0) {
            e[1] = shrt;
            edge_buf_put(b, e, 2);
        } else {
            edge_buf_put(b, e, 6);
        }
    }
    edge_buf_put(b, s + run, n - run);
    edge_buf_put(b, "\"", 1);
}

/* Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
static bool valid_utf8(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i + 8 <= n && (load_word(s + i) & BYTES_80) == 0)
            i += 8;
        if (i == n)
            break;
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            k = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
            return false;
        i += k + 1;
    }
    return true;
}

static void put_base64(edge_buf *b, const uint8_t *s, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    edge_buf_put(b, "\"", 1);
    char q[4];
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        q[0] = tbl[v >> 18], q[1] = tbl[v >> 12 & 63], q[2] = tbl[v >> 6 & 63], q[3] = tbl[v & 63];
        edge_buf_put(b, q, 4);
    }
    if (i < n) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
        q[0] = tbl[v >> 18], q[1] = tbl[v >> 12 & 63];
        q[2] = i + 1 < n ? tbl[v >> 6 & 63] : '=';
        q[3] = '=';
        edge_buf_put(b, q, 4);
    }
    edge_buf_put(b, "\"", 1);
}

bool edge_request_json(edge_buf *b, http_request *req, const uint8_t *body, size_t len)
{
    b->len = 0;
    b->failed = false;
    const char *m = http_request_method(req), *t = http_request_target(req);
    put_str(b, "{\"method\":");
    put_json(b, (const uint8_t *)m, strlen(m));
    put_str(b, ",\"uri\":");
    put_json(b, (const uint8_t *)t, strlen(t));
    put_str(b, ",\"headers\":[");
    size_t n = http_request_header_count(req);
    for (size_t i = 0; i < n; i++) {
        const http_header *h = http_request_header_at(req, i);
        if (i > 0)
            edge_buf_put(b, ",", 1);
        edge_buf_put(b, "[", 1);
        put_json(b, (const uint8_t *)h->name, h->name_len);
        edge_buf_put(b, ",", 1);
        /* Header values are Latin-1 in HTTP; bytes that are not UTF-8 would make the JSON
         * invalid, so such a value is sent with them replaced by '?'. */
        if (valid_utf8((const uint8_t *)h->value, h->value_len)) {
            put_json(b, (const uint8_t *)h->value, h->value_len);
        } else {
            edge_buf_put(b, "\"", 1);
            for (size_t k = 0; k < h->value_len; k++) {
                uint8_t c = (uint8_t)h->value[k];
                char o = (c >= 0x80 || c < 0x20 || c == 0x7f) ? '?' : (char)c;
                if (o == '"' || o == '\\')
                    edge_buf_put(b, "\\", 1);
                edge_buf_put(b, &o, 1);
            }
            edge_buf_put(b, "\"", 1);
        }
        edge_buf_put(b, "]", 1);
    }
    put_str(b, "],\"body\":");
    if (len == 0 || valid_utf8(body, len)) {
        put_json(b, body, len);
    } else {
        put_str(b, "\"\",\"body_base64\":");
        put_base64(b, body, len);
    }
    put_str(b, ",\"client_ip\":");
    const char *ip = http_request_client_ip(req);
    put_json(b, (const uint8_t *)ip, strlen(ip));
    edge_buf_put(b, "}", 1);
    return !b->failed;
}
