/*
 * The strict JSON parser for request documents (and configurations). The input comes from the
 * host, but it carries client bytes, so it is treated as hostile: nesting depth and node count
 * are bounded, strings must be valid UTF-8, escapes are checked (a \u surrogate must be a proper
 * pair; a lone one is an error), numbers follow the RFC 8259 grammar, and nothing may follow the
 * top-level value. Strings are decoded into the arena and may contain NUL (\u0000) bytes, so
 * they always travel with their length.
 */
#include "waf_int.h"

#include <stdio.h>
#include <string.h>

typedef struct jparser {
    arena *a;
    const char *s;
    size_t n, pos;
    unsigned nodes;
    jnode *pool; /* nodes allocated ahead, zeroed */
    unsigned pool_left;
    char *err;
    size_t err_len;
    bool failed;
} jparser;

/* Out of line: the parser's hot loops stay small. */
static __attribute__((noinline, cold)) void fail(jparser *p, const char *why)
{
    if (!p->failed && p->err != NULL && p->err_len > 0)
        snprintf(p->err, p->err_len, "offset %zu: %s", p->pos, why);
    p->failed = true;
}

static void skip_ws(jparser *p)
{
    while (p->pos < p->n) {
        unsigned char c = (unsigned char)p->s[p->pos];
        /* one compare for the common case: the next token, right there */
        if (c > ' ' || (c != ' ' && c != '\t' && c != '\n' && c != '\r'))
            break;
        p->pos++;
    }
}

/* Nodes come from the arena JSON_NODE_BLOCK at a time, cleared with one memset: an allocation
 * per node cost more than the rest of parsing a short string. */
#define JSON_NODE_BLOCK 16u

static inline __attribute__((always_inline)) jnode *node_new(jparser *p, jtype t)
{
    if (++p->nodes > WAF_JSON_MAX_NODES) {
        fail(p, "too many values");
        return NULL;
    }
    if (p->pool_left == 0) {
        bool exhausted = p->a->exhausted;
        p->pool = arena_alloc(p->a, JSON_NODE_BLOCK * sizeof *p->pool);
        p->pool_left = JSON_NODE_BLOCK;
        if (p->pool == NULL) {
            /* near the arena's limit: one node may still fit, as it did before blocks */
            p->a->exhausted = exhausted;
            p->pool = arena_alloc(p->a, sizeof *p->pool);
            p->pool_left = 1;
        }
        if (p->pool == NULL) {
            p->pool_left = 0;
            fail(p, "out of memory");
            return NULL;
        }
        memset(p->pool, 0, p->pool_left * sizeof *p->pool);
    }
    jnode *n = p->pool++;
    p->pool_left--;
    n->type = t;
    return n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_u4(jparser *p, uint32_t *out)
{
    if (p->n - p->pos < 4) {
        fail(p, "truncated \\u escape");
        return false;
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p->s[p->pos + (size_t)i]);
        if (h < 0) {
            fail(p, "bad hex digit in \\u escape");
            return false;
        }
        v = v << 4 | (uint32_t)h;
    }
    p->pos += 4;
    *out = v;
    return true;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* The rest of parse_string, for a string with escapes, control bytes or UTF-8: p->pos is just
 * past the opening quote. The decoded text is never longer than the source, so one allocation of
 * the source length suffices. */
static bool parse_string_escaped(jparser *p, const char **out, size_t *out_len)
{
    size_t start = p->pos, end = start;
    /* Find the closing quote first to size the buffer; escapes are validated below. */
    while (end < p->n && p->s[end] != '"') {
        if (p->s[end] == '\\')
            end++;
        end++;
    }
    if (end >= p->n) {
        fail(p, "unterminated string");
        return false;
    }
    char *o = arena_alloc(p->a, end - start + 1);
    if (o == NULL) {
        fail(p, "out of memory");
        return false;
    }
    size_t k = 0;
    while (p->pos < end) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c < 0x20) {
            fail(p, "control character in string");
            return false;
        }
        if (c != '\\') {
            if (c >= 0x80) {
                size_t i = p->pos;
                /* validate one UTF-8 sequence */
                if (!utf8_valid(p->s + i, 1)) {
                    size_t len = (c >= 0xf0) ? 4 : (c >= 0xe0) ? 3 : 2;
                    if (i + len > end || !utf8_valid(p->s + i, len)) {
                        fail(p, "invalid UTF-8 in string");
                        return false;
                    }
                    memcpy(o + k, p->s + i, len);
                    k += len;
                    p->pos += len;
                    continue;
                }
            }
            o[k++] = (char)c;
            p->pos++;
            continue;
        }
        p->pos++;
        char e = p->s[p->pos++];
        switch (e) {
        case '"':
            o[k++] = '"';
            break;
        case '\\':
            o[k++] = '\\';
            break;
        case '/':
            o[k++] = '/';
            break;
        case 'b':
            o[k++] = '\b';
            break;
        case 'f':
            o[k++] = '\f';
            break;
        case 'n':
            o[k++] = '\n';
            break;
        case 'r':
            o[k++] = '\r';
            break;
        case 't':
            o[k++] = '\t';
            break;
        case 'u': {
            uint32_t cp;
            if (!read_u4(p, &cp))
                return false;
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                fail(p, "lone low surrogate in \\u escape");
                return false;
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                uint32_t lo;
                if (p->pos + 2 > end || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                    fail(p, "high surrogate not followed by a low surrogate");
                    return false;
                }
                p->pos += 2;
                if (!read_u4(p, &lo))
                    return false;
                if (lo < 0xdc00 || lo > 0xdfff) {
                    fail(p, "high surrogate not followed by a low surrogate");
                    return false;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            /* \uXXXX is 6 source bytes and at most 3 output bytes; a pair is 12 and 4. */
            k += put_utf8(o + k, cp);
            break;
        }
        default:
            p->pos--;
            fail(p, "invalid escape in string");
            return false;
        }
    }
    p->pos = end + 1;
    o[k] = '\0';
    *out = o;
    *out_len = k;
    return true;
}

/* Parses a string starting at the opening quote. A string without escapes or control bytes is
 * its source bytes: *out points into the document, which outlives every use of the tree, and
 * nothing is copied. Inlined where strings are read: most are such strings. */
static inline __attribute__((always_inline)) bool parse_string(jparser *p, const char **out,
                                                               size_t *out_len)
{
    size_t start = p->pos + 1; /* past the opening quote */
    const unsigned char *u = (const unsigned char *)p->s;
    size_t i = start, n = p->n;
    while (i + 8 <= n) {
        /* eight bytes at a time: none below 0x20, at or above 0x80, '"' or '\\'. A byte
           minus 0x20, or minus one after the XOR with '"' or '\\', has bit 7 set when it is
           one of those (or at or above 0x80, which stops as well); only such a byte borrows
           from the byte above it, so the lowest bit 7 set is exactly the first that stops */
        uint64_t x = swar_load(p->s + i);
        uint64_t stop = ((x - SWAR_ONES * 0x20u) | ((x ^ (SWAR_ONES * '"')) - SWAR_ONES) |
                         ((x ^ (SWAR_ONES * '\\')) - SWAR_ONES) | x) &
                        SWAR_HIGH;
        if (stop != 0) {
            i += (size_t)(__builtin_ctzll(stop) >> 3);
            break;
        }
        i += 8;
    }
    if (i + 8 > n)
        while (i < n && u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' && u[i] != '\\')
            i++;
    if (i < n && u[i] == '"') {
        p->pos = i + 1;
        *out = p->s + start;
        *out_len = i - start;
        return true;
    }
    p->pos = start;
    return parse_string_escaped(p, out, out_len);
}

static bool parse_number(jparser *p, jnode *n)
{
    size_t start = p->pos;
    const char *s = p->s;
    if (p->pos < p->n && s[p->pos] == '-')
        p->pos++;
    if (p->pos >= p->n || !is_digit(s[p->pos])) {
        fail(p, "invalid number");
        return false;
    }
    if (s[p->pos] == '0')
        p->pos++;
    else
        while (p->pos < p->n && is_digit(s[p->pos]))
            p->pos++;
    if (p->pos < p->n && s[p->pos] == '.') {
        p->pos++;
        if (p->pos >= p->n || !is_digit(s[p->pos])) {
            fail(p, "invalid number: digit expected after '.'");
            return false;
        }
        while (p->pos < p->n && is_digit(s[p->pos]))
            p->pos++;
    }
    if (p->pos < p->n && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->n && (s[p->pos] == '+' || s[p->pos] == '-'))
            p->pos++;
        if (p->pos >= p->n || !is_digit(s[p->pos])) {
            fail(p, "invalid number: digit expected in exponent");
            return false;
        }
        while (p->pos < p->n && is_digit(s[p->pos]))
            p->pos++;
    }
    n->str = s + start;
    n->len = p->pos - start;
    return true;
}

static bool literal(jparser *p, const char *word)
{
    size_t l = strlen(word);
    if (p->n - p->pos < l || memcmp(p->s + p->pos, word, l) != 0) {
        fail(p, "invalid literal");
        return false;
    }
    p->pos += l;
    return true;
}

static jnode *parse_value(jparser *p, unsigned depth);

static jnode *parse_container(jparser *p, unsigned depth, bool object)
{
    if (depth >= WAF_JSON_MAX_DEPTH) {
        fail(p, "nesting too deep");
        return NULL;
    }
    jnode *n = node_new(p, object ? J_OBJECT : J_ARRAY);
    if (n == NULL)
        return NULL;
    char close = object ? '}' : ']';
    p->pos++;
    skip_ws(p);
    if (p->pos < p->n && p->s[p->pos] == close) {
        p->pos++;
        return n;
    }
    jnode **tail = &n->child;
    for (;;) {
        const char *key = NULL;
        size_t key_len = 0;
        skip_ws(p);
        if (object) {
            if (p->pos >= p->n || p->s[p->pos] != '"') {
                fail(p, "expected member name");
                return NULL;
            }
            if (!parse_string(p, &key, &key_len))
                return NULL;
            skip_ws(p);
            if (p->pos >= p->n || p->s[p->pos] != ':') {
                fail(p, "expected ':'");
                return NULL;
            }
            p->pos++;
        }
        jnode *v;
        if (p->pos < p->n && p->s[p->pos] == '"') {
            /* a string, the most common member: parse_value without its dispatch */
            v = node_new(p, J_STRING);
            if (v == NULL || !parse_string(p, &v->str, &v->len))
                return NULL;
        } else {
            v = parse_value(p, depth + 1);
            if (v == NULL)
                return NULL;
        }
        v->key = key;
        v->key_len = key_len;
        *tail = v;
        tail = &v->next;
        n->count++;
        skip_ws(p);
        if (p->pos >= p->n) {
            fail(p, object ? "unterminated object" : "unterminated array");
            return NULL;
        }
        char c = p->s[p->pos++];
        if (c == close)
            return n;
        if (c != ',') {
            p->pos--;
            fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
            return NULL;
        }
    }
}

static jnode *parse_value(jparser *p, unsigned depth)
{
    skip_ws(p);
    if (p->pos >= p->n) {
        fail(p, "unexpected end of input");
        return NULL;
    }
    jnode *n;
    switch (p->s[p->pos]) {
    case '{':
        return parse_container(p, depth, true);
    case '[':
        return parse_container(p, depth, false);
    case '"':
        n = node_new(p, J_STRING);
        if (n == NULL || !parse_string(p, &n->str, &n->len))
            return NULL;
        return n;
    case 't':
        n = node_new(p, J_TRUE);
        return n != NULL && literal(p, "true") ? n : NULL;
    case 'f':
        n = node_new(p, J_FALSE);
        return n != NULL && literal(p, "false") ? n : NULL;
    case 'n':
        n = node_new(p, J_NULL);
        return n != NULL && literal(p, "null") ? n : NULL;
    default:
        n = node_new(p, J_NUMBER);
        return n != NULL && parse_number(p, n) ? n : NULL;
    }
}

jnode *json_parse(arena *a, const char *text, size_t len, char *err, size_t err_len)
{
    jparser p = {.a = a, .s = text, .n = len, .err = err, .err_len = err_len};
    jnode *root = parse_value(&p, 0);
    if (root == NULL)
        return NULL;
    skip_ws(&p);
    if (p.pos != p.n) {
        fail(&p, "trailing data after the document");
        return NULL;
    }
    return root;
}

const jnode *json_get(const jnode *obj, const char *name)
{
    if (obj == NULL || obj->type != J_OBJECT)
        return NULL;
    size_t l = strlen(name);
    for (const jnode *c = obj->child; c != NULL; c = c->next)
        if (c->key_len == l && memcmp(c->key, name, l) == 0)
            return c;
    return NULL;
}

bool json_str_eq_n(const jnode *n, const char *s, size_t l, bool nocase)
{
    if (n == NULL || n->type != J_STRING || n->len != l)
        return false;
    for (size_t i = 0; i < l; i++)
        if (nocase ? lc(n->str[i]) != lc(s[i]) : n->str[i] != s[i])
            return false;
    return true;
}
