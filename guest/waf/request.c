/*
 * Walks every part of a request document and hands each value to the detectors with its
 * location: the path, query arguments (names and values), cookies, headers, and bodies in the
 * forms clients send them (url-encoded forms, JSON, multipart, anything else as raw text).
 * Splitting follows what origin frameworks do, so that a value is inspected in the shape the
 * application will see it.
 */
#include "request.h"
#include "waf_int.h"

#include <string.h>

/* Multipart parts and JSON strings inspected per request; the rest are skipped (and the protocol
 * check reports the excess). */
#define WAF_MAX_PARTS 256
/* JSON paths in locations are cut at this length. */
#define WAF_JSON_PATH_MAX_BYTES 96

/* Whether a url-encoded component holds '%' (or '+' when plus), eight bytes at a time. */
static bool url_encoded(const char *s, size_t n, bool plus)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x = swar_load(s + i);
        if ((swar_eq(x, '%') | (plus ? swar_eq(x, '+') : 0)) != 0)
            return true;
    }
    for (; i < n; i++)
        if (s[i] == '%' || (plus && s[i] == '+'))
            return true;
    return false;
}

/* Decodes one url-encoded component once (as the application will) into the arena; one
 * without an escape is its own decoding and is not copied. */
static const char *decode_once(inspect *in, const char *s, size_t n, bool plus, size_t *out_len,
                               unsigned *flags)
{
    if (!url_encoded(s, n, plus)) {
        *out_len = n;
        return s;
    }
    /* Only the first bytes that the inspection budget lets through are inspected, and the next
     * 32 shown when 920410 reports the rest. A decoded byte takes 1 to 6 source bytes: a source
     * prefix twice that long usually decodes them (and more, so the value stays over the
     * limit); six times as long always does. */
    size_t budget =
        in->cfg->max_inspect_bytes > in->inspected ? in->cfg->max_inspect_bytes - in->inspected : 0;
    size_t want = budget + 64;
    size_t part = n / 2 > want ? want * 2 : n;
    char *o = arena_alloc(in->a, part + 1);
    if (o == NULL) {
        *out_len = 0;
        return "";
    }
    *out_len = url_decode(s, part, o, plus, flags);
    if (part == n || *out_len >= want)
        return o;
    part = n / 6 > want ? want * 6 : n;
    o = arena_alloc(in->a, part + 1);
    if (o == NULL) {
        *out_len = 0;
        return "";
    }
    *out_len = url_decode(s, part, o, plus, flags);
    return o;
}

unsigned walk_urlencoded(inspect *in, const char *s, size_t n, loc_kind kind, bool query)
{
    in->in_query = query;
    unsigned flags = 0;
    size_t i = 0;
    /* past the inspection limit every value is skipped (920410 is reported once): stop */
    while (i < n && !in->over_limit) {
        /* name=value of letters and digits alone (most forms): one pass finds both ends and
         * classifies both (inspect_plain), instead of a search per separator, a look for
         * escapes per part and a pass per value */
        plain_hints hn, hv;
        size_t at, end = plain_pair(s + i, n - i, '&', &at, &hn, &hv);
        if (end != 0) {
            size_t e = i + at, j = i + end;
            if (kind != LOC_FILE &&
                plain_pair_quiet(in, s + i, e - i, &hn, s + e + 1, j - e - 1, &hv)) {
                /* the state the two inspect_value calls below would leave */
                in->kind = kind;
                in->loc_name = s + i;
                in->loc_name_len = e - i;
                in->inspected += j - i - 1;
                i = j + 1;
                continue;
            }
            in->plain = &hn;
            inspect_value(in, LOC_ARG_NAME, s + i, e - i, s + i, e - i);
            in->plain = &hv;
            inspect_value(in, kind, s + i, e - i, s + e + 1, j - e - 1);
            in->plain = NULL;
            i = j + 1;
            continue;
        }
        size_t j = i + find_byte(s + i, n - i, '&');
        size_t eq = i + find_byte(s + i, j - i, '=');
        if (j > i) {
            size_t name_len, val_len;
            const char *name = decode_once(in, s + i, eq - i, true, &name_len, &flags);
            const char *val =
                eq < j ? decode_once(in, s + eq + 1, j - eq - 1, true, &val_len, &flags) : "";
            if (eq >= j)
                val_len = 0;
            inspect_value(in, LOC_ARG_NAME, name, name_len, name, name_len);
            inspect_value(in, kind, name, name_len, val, val_len);
        }
        i = j + 1;
    }
    in->in_query = false;
    return flags;
}

void walk_cookies(inspect *in, const char *s, size_t n)
{
    unsigned flags = 0;
    size_t i = 0;
    while (i < n && !in->over_limit) {
        while (i < n && (s[i] == ' ' || s[i] == ';'))
            i++;
        /* name=value of letters and digits alone: one pass, as in walk_urlencoded (a cookie
         * value is decoded without '+', and such a value is its own decoding) */
        plain_hints hn, hv;
        size_t at, end = plain_pair(s + i, n - i, ';', &at, &hn, &hv);
        if (end != 0) {
            in->plain = &hn;
            inspect_value(in, LOC_ARG_NAME, s + i, at, s + i, at);
            in->plain = &hv;
            inspect_value(in, LOC_COOKIE, s + i, at, s + i + at + 1, end - at - 1);
            in->plain = NULL;
            i += end + 1;
            continue;
        }
        size_t j = i + find_byte(s + i, n - i, ';');
        size_t eq = i + find_byte(s + i, j - i, '=');
        if (j > i) {
            size_t val_len = 0;
            const char *val =
                eq < j ? decode_once(in, s + eq + 1, j - eq - 1, false, &val_len, &flags) : "";
            inspect_value(in, LOC_ARG_NAME, s + i, eq - i, s + i, eq - i);
            inspect_value(in, LOC_COOKIE, s + i, eq - i, val, val_len);
        }
        i = j + 1;
    }
}

/* ---- JSON bodies -------------------------------------------------------------------------------
 */

static void walk_json_node(inspect *in, const jnode *n, strbuf *path, unsigned *budget)
{
    if (*budget == 0 || in->over_limit)
        return;
    size_t mark = path->len;
    if (n->key != NULL) {
        if (path->len > 0)
            sb_putc(path, '.');
        sb_putn(path, n->key,
                n->key_len < WAF_JSON_PATH_MAX_BYTES ? n->key_len : WAF_JSON_PATH_MAX_BYTES);
        (*budget)--;
        inspect_value(in, LOC_JSON_KEY, path->data, path->len, n->key, n->key_len);
    }
    switch (n->type) {
    case J_STRING:
        (*budget)--;
        inspect_value(in, LOC_JSON, path->data, path->len, n->str, n->len);
        break;
    case J_OBJECT:
    case J_ARRAY: {
        unsigned idx = 0;
        for (const jnode *c = n->child; c != NULL && *budget > 0; c = c->next, idx++) {
            size_t m2 = path->len;
            if (n->type == J_ARRAY) {
                sb_putc(path, '[');
                sb_putu(path, idx);
                sb_putc(path, ']');
            }
            walk_json_node(in, c, path, budget);
            path->len = m2;
        }
        break;
    }
    default:
        break;
    }
    path->len = mark;
}

bool walk_json_body(inspect *in, const char *s, size_t n)
{
    char err[64];
    jnode *root = json_parse(in->a, s, n, err, sizeof err);
    if (root == NULL)
        return false;
    strbuf path;
    sb_init(&path, in->a, 128);
    if (path.failed)
        return false;
    unsigned budget = WAF_JSON_MAX_NODES;
    walk_json_node(in, root, &path, &budget);
    return true;
}

/* ---- multipart/form-data ------------------------------------------------------------------------
 */

/* Value of a parameter (name="x") inside a Content-Disposition line. */
static bool disp_param(const char *s, size_t n, const char *param, const char **v, size_t *vl)
{
    size_t pl = strlen(param);
    for (size_t i = 0; i + pl + 1 < n; i++) {
        if ((i == 0 || s[i - 1] == ' ' || s[i - 1] == ';') && word_eq(s + i, pl, param) &&
            s[i + pl] == '=') {
            size_t j = i + pl + 1;
            if (j < n && s[j] == '"') {
                size_t e = j + 1;
                while (e < n && s[e] != '"')
                    e++;
                *v = s + j + 1;
                *vl = e - j - 1;
            } else {
                size_t e = j;
                while (e < n && s[e] != ';')
                    e++;
                *v = s + j;
                *vl = e - j;
            }
            return true;
        }
    }
    return false;
}

bool walk_multipart(inspect *in, const char *s, size_t n, const char *boundary, size_t blen)
{
    if (blen == 0 || blen > 200)
        return false;
    char delim[208];
    delim[0] = '-';
    delim[1] = '-';
    memcpy(delim + 2, boundary, blen);
    delim[blen + 2] = '\0';
    const char *p = memstr(s, n, delim);
    unsigned parts = 0;
    while (p != NULL && parts < WAF_MAX_PARTS && !in->over_limit) {
        const char *start = p + blen + 2;
        size_t left = (size_t)(s + n - start);
        if (left >= 2 && start[0] == '-' && start[1] == '-')
            return true; /* closing delimiter */
        const char *next = memstr(start, left, delim);
        const char *end = next != NULL ? next : s + n;
        /* headers end at the first empty line */
        const char *hdr_end = memstr(start, (size_t)(end - start), "\r\n\r\n");
        size_t sep = 4;
        if (hdr_end == NULL) {
            hdr_end = memstr(start, (size_t)(end - start), "\n\n");
            sep = 2;
        }
        if (hdr_end == NULL)
            return parts > 0;
        const char *name = NULL, *fname = NULL;
        size_t name_len = 0, fname_len = 0;
        const char *h = start;
        while (h < hdr_end) {
            const char *eol = waf_memchr(h, '\n', (size_t)(hdr_end - h));
            if (eol == NULL)
                eol = hdr_end;
            size_t hl = (size_t)(eol - h);
            if (hl > 20 && memcasemem(h, 20, "content-disposition") == h) {
                disp_param(h, hl, "name", &name, &name_len);
                disp_param(h, hl, "filename", &fname, &fname_len);
            }
            h = eol + 1;
        }
        const char *body = hdr_end + sep;
        size_t body_len = body <= end ? (size_t)(end - body) : 0;
        /* the CRLF before the next delimiter belongs to the delimiter */
        if (body_len >= 2 && body[body_len - 2] == '\r' && body[body_len - 1] == '\n')
            body_len -= 2;
        else if (body_len >= 1 && body[body_len - 1] == '\n')
            body_len -= 1;
        if (name != NULL)
            inspect_value(in, LOC_ARG_NAME, name, name_len, name, name_len);
        if (fname != NULL)
            inspect_value(in, LOC_FILENAME, name, name_len, fname, fname_len);
        inspect_value(in, fname != NULL ? LOC_FILE : LOC_ARG, name, name_len, body, body_len);
        parts++;
        p = next;
    }
    return parts > 0;
}
