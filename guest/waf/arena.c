/*
 * The per-request bump arena and the string builder on top of it. Every allocation the WAF makes
 * while analyzing a request comes from here, so a request costs a handful of mallocs at most
 * (usually none: the first chunk is kept from request to request) and is freed in one go.
 * Detectors take scratch space per value between arena_save and arena_release.
 */
#include "waf_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    arena_chunk *prev;
    size_t size, used;
    _Alignas(8) unsigned char data[];
};

static arena_chunk *chunk_new(size_t size)
{
    arena_chunk *c = malloc(sizeof *c + size);
    if (c == NULL)
        return NULL;
    c->prev = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

void arena_init(arena *a)
{
    a->head = NULL;
    a->total = 0;
    a->exhausted = false;
}

void arena_destroy(arena *a)
{
    arena_chunk *c = a->head;
    while (c != NULL) {
        arena_chunk *p = c->prev;
        free(c);
        c = p;
    }
    arena_init(a);
}

void arena_reset(arena *a)
{
    arena_chunk *c = a->head;
    while (c != NULL && c->prev != NULL) {
        arena_chunk *p = c->prev;
        a->total -= c->size;
        free(c);
        c = p;
    }
    a->head = c;
    if (c != NULL)
        c->used = 0;
    a->exhausted = false;
}

void *arena_alloc(arena *a, size_t n)
{
    n = (n + 7u) & ~(size_t)7u;
    if (n == 0)
        n = 8;
    arena_chunk *c = a->head;
    if (c != NULL && c->size - c->used >= n) {
        void *p = c->data + c->used;
        c->used += n;
        return p;
    }
    size_t size = n > WAF_ARENA_CHUNK_BYTES ? n : WAF_ARENA_CHUNK_BYTES;
    if (n > WAF_ARENA_MAX_BYTES || a->total + size > WAF_ARENA_MAX_BYTES) {
        a->exhausted = true;
        return NULL;
    }
    arena_chunk *nc = chunk_new(size);
    if (nc == NULL) {
        a->exhausted = true;
        return NULL;
    }
    nc->prev = c;
    nc->used = n;
    a->head = nc;
    a->total += size;
    return nc->data;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p == NULL)
        return NULL;
    if (n > 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

arena_mark arena_save(const arena *a)
{
    return (arena_mark){a->head, a->head != NULL ? a->head->used : 0};
}

void arena_release(arena *a, arena_mark m)
{
    /* Chunks added after the mark are freed; the mark's chunk is rewound. */
    while (a->head != NULL && a->head != m.chunk && a->head->prev != NULL) {
        arena_chunk *p = a->head->prev;
        a->total -= a->head->size;
        free(a->head);
        a->head = p;
    }
    if (a->head != NULL && a->head == m.chunk)
        a->head->used = m.used;
}

/* ---- strbuf -----------------------------------------------------------------------------------
 */

void sb_init(strbuf *sb, arena *a, size_t cap)
{
    sb->a = a;
    sb->len = 0;
    sb->cap = cap < 64 ? 64 : cap;
    sb->data = arena_alloc(a, sb->cap);
    sb->failed = sb->data == NULL;
}

static bool sb_reserve(strbuf *sb, size_t extra)
{
    if (sb->failed)
        return false;
    if (sb->len + extra + 1 <= sb->cap)
        return true;
    size_t cap = sb->cap * 2;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *d = arena_alloc(sb->a, cap);
    if (d == NULL) {
        sb->failed = true;
        return false;
    }
    memcpy(d, sb->data, sb->len);
    sb->data = d;
    sb->cap = cap;
    return true;
}

void sb_putn(strbuf *sb, const char *s, size_t n)
{
    if (!sb_reserve(sb, n))
        return;
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
}

void sb_puts(strbuf *sb, const char *s)
{
    sb_putn(sb, s, strlen(s));
}

void sb_putc(strbuf *sb, char c)
{
    sb_putn(sb, &c, 1);
}

void sb_putu(strbuf *sb, unsigned long long v)
{
    char tmp[24];
    size_t k = sizeof tmp;
    do {
        tmp[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    sb_putn(sb, tmp + k, sizeof tmp - k);
}

void sb_printf(strbuf *sb, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sb_putn(sb, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    uint32_t cp = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

bool utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq((const unsigned char *)s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

void sb_json_str(strbuf *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    sb_putc(sb, '"');
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sb_putn(sb, e, 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sb_putn(sb, e, 6);
            i++;
        } else if (c < 0x80) {
            sb_putc(sb, (char)c);
            i++;
        } else {
            size_t k = utf8_seq((const unsigned char *)s + i, n - i);
            if (k == 0) {
                sb_puts(sb, "\xef\xbf\xbd");
                i++;
            } else {
                sb_putn(sb, s + i, k);
                i += k;
            }
        }
    }
    sb_putc(sb, '"');
}

const char *sb_cstr(strbuf *sb)
{
    if (sb->failed || sb->data == NULL)
        return "";
    sb->data[sb->len] = '\0';
    return sb->data;
}
