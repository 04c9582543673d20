/*
 * Decoding transforms that undo the encodings attackers use to slip past pattern checks: URL
 * percent-encoding (also IIS-style %uXXXX), HTML character references, overlong and full-width
 * UTF-8 forms of ASCII characters, and base64 (for bodies the host sends as body_base64 and for
 * payloads hidden in base64 parameters). Every transform is one linear pass whose output is no
 * longer than its input, so repeated rounds stay bounded.
 */
#include "waf_int.h"

#include <string.h>

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Writes code point cp as UTF-8 when it fits in avail bytes; else as '?' */
static size_t emit_cp(char *o, uint32_t cp, size_t avail)
{
    if (cp < 0x80 || avail < 2 || cp >= 0x10000) {
        o[0] = cp < 0x80 ? (char)cp : '?';
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (avail < 3) {
        o[0] = '?';
        return 1;
    }
    o[0] = (char)(0xe0 | cp >> 12);
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
}

size_t url_decode(const char *in, size_t n, char *out, bool plus, unsigned *flags)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        /* bytes other than '%' are copied ('+' as a space when plus): eight at a time while a
           word holds no '%', then one by one up to the next (out may be in: k <= i) */
        const uint64_t to_space = plus ? (uint64_t)('+' ^ ' ') : 0;
        while (i + 8 <= n) {
            uint64_t x = swar_load(in + i);
            if (swar_eq(x, '%') != 0)
                break;
            swar_store(out + k, x ^ (swar_eq(x, '+') >> 7) * to_space);
            i += 8;
            k += 8;
        }
        while (i < n && in[i] != '%') {
            char b = in[i++];
            out[k++] = b == '+' && plus ? ' ' : b;
        }
        if (i >= n)
            break;
        char c = in[i];
        if (c == '+' && plus) {
            out[k++] = ' ';
        } else if (c == '%' && i + 2 < n + 0 && hexv(in[i + 1]) >= 0 && hexv(in[i + 2]) >= 0) {
            out[k++] = (char)(hexv(in[i + 1]) << 4 | hexv(in[i + 2]));
            i += 2;
        } else if (c == '%' && i + 5 < n && (in[i + 1] == 'u' || in[i + 1] == 'U') &&
                   hexv(in[i + 2]) >= 0 && hexv(in[i + 3]) >= 0 && hexv(in[i + 4]) >= 0 &&
                   hexv(in[i + 5]) >= 0) {
            uint32_t cp = (uint32_t)(hexv(in[i + 2]) << 12 | hexv(in[i + 3]) << 8 |
                                     hexv(in[i + 4]) << 4 | hexv(in[i + 5]));
            /* IIS maps full-width forms to ASCII; so do we. */
            if (cp >= 0xff01 && cp <= 0xff5e)
                cp -= 0xfee0;
            /* best-fit mappings of the division slash and set minus */
            else if (cp == 0x2215)
                cp = '/';
            else if (cp == 0x2216)
                cp = '\\';
            k += emit_cp(out + k, cp, 6);
            i += 5;
            *flags |= DEC_UNICODE_PCT;
        } else {
            if (c == '%')
                *flags |= DEC_BAD_PERCENT;
            out[k++] = c;
        }
    }
    out[k] = '\0';
    return k;
}

static const struct {
    const char *name;
    char ch;
} entities[] = {
    {"lt", '<'},     {"gt", '>'},     {"amp", '&'},    {"quot", '"'},   {"apos", '\''},
    {"sol", '/'},    {"bsol", '\\'},  {"colon", ':'},  {"semi", ';'},   {"lpar", '('},
    {"rpar", ')'},   {"equals", '='}, {"grave", '`'},  {"tab", '\t'},   {"newline", '\n'},
    {"period", '.'}, {"comma", ','},  {"excl", '!'},   {"num", '#'},    {"percnt", '%'},
    {"lsqb", '['},   {"rsqb", ']'},   {"lbrack", '['}, {"rbrack", ']'}, {"lcub", '{'},
    {"rcub", '}'},   {"plus", '+'},   {"quest", '?'},  {"dollar", '$'}, {"ast", '*'},
    {"nbsp", ' '},   {"verbar", '|'}, {"vert", '|'},   {"Hat", '^'},
};

size_t html_decode(const char *in, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] != '&' || i + 2 >= n) {
            out[k++] = in[i];
            continue;
        }
        size_t j = i + 1;
        if (in[j] == '#') {
            j++;
            bool hex = j < n && (in[j] == 'x' || in[j] == 'X');
            if (hex)
                j++;
            uint32_t cp = 0;
            size_t digits = 0;
            /* leading zeros, any number of them, are a known evasion: they do not count */
            bool zeros = false;
            while (j < n && in[j] == '0') {
                j++;
                zeros = true;
            }
            while (j < n && digits < 8) {
                int v = hex ? hexv(in[j]) : (is_digit(in[j]) ? in[j] - '0' : -1);
                if (v < 0)
                    break;
                cp = cp * (hex ? 16u : 10u) + (uint32_t)v;
                j++;
                digits++;
            }
            if (zeros && digits == 0)
                digits = 1; /* "&#0;" */
            if (digits == 0 || digits == 8 || cp > 0x10ffff) {
                out[k++] = in[i];
                continue;
            }
            if (j < n && in[j] == ';')
                j++;
            size_t w = emit_cp(out + k, cp == 0 ? ' ' : cp, j - i);
            k += w;
            i = j - 1;
            continue;
        }
        bool done = false;
        for (size_t e = 0; e < sizeof entities / sizeof entities[0]; e++) {
            size_t l = strlen(entities[e].name);
            if (j + l <= n && memcmp(in + j, entities[e].name, l) == 0) {
                size_t end = j + l;
                if (end < n && in[end] == ';')
                    end++;
                else if (end < n && is_alpha(in[end]))
                    continue; /* "&ltx" is not "&lt" followed by x for long names */
                out[k++] = entities[e].ch;
                i = end - 1;
                done = true;
                break;
            }
        }
        if (!done)
            out[k++] = in[i];
    }
    out[k] = '\0';
    return k;
}

size_t utf8_fold(const char *in, size_t n, char *out, unsigned *flags)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        /* Overlong two-byte forms of ASCII: c0 80..c1 bf. */
        if ((c == 0xc0 || c == 0xc1) && i + 1 < n && (s[i + 1] & 0xc0) == 0x80) {
            out[k++] = (char)(((c & 0x1f) << 6 | (s[i + 1] & 0x3f)) & 0x7f);
            i += 1;
            *flags |= DEC_OVERLONG;
            continue;
        }
        /* Overlong three-byte forms: e0 80..9f xx. */
        if (c == 0xe0 && i + 2 < n && (s[i + 1] & 0xe0) == 0x80 && (s[i + 2] & 0xc0) == 0x80) {
            uint32_t cp = (uint32_t)(s[i + 1] & 0x3f) << 6 | (s[i + 2] & 0x3f);
            if (cp < 0x80) {
                out[k++] = (char)cp;
                i += 2;
                *flags |= DEC_OVERLONG;
                continue;
            }
        }
        /* U+2215 DIVISION SLASH and U+2216 SET MINUS: e2 88 95 / e2 88 96 */
        if (c == 0xe2 && i + 2 < n && s[i + 1] == 0x88 && (s[i + 2] == 0x95 || s[i + 2] == 0x96)) {
            out[k++] = s[i + 2] == 0x95 ? '/' : '\\';
            i += 2;
            *flags |= DEC_OVERLONG;
            continue;
        }
        /* Full-width ASCII U+FF01..FF5E: ef bc 81..ef bd 9e. */
        if (c == 0xef && i + 2 < n && (s[i + 1] == 0xbc || s[i + 1] == 0xbd) &&
            (s[i + 2] & 0xc0) == 0x80) {
            uint32_t cp = 0xf000u | (uint32_t)(s[i + 1] & 0x3f) << 6 | (s[i + 2] & 0x3f);
            if (cp >= 0xff01 && cp <= 0xff5e) {
                out[k++] = (char)(cp - 0xfee0);
                i += 2;
                continue;
            }
        }
        out[k++] = (char)c;
    }
    out[k] = '\0';
    return k;
}

static int b64v(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

bool base64_decode(const char *in, size_t n, char *out, size_t *out_len)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    size_t i = 0;
    for (; i < n; i++) {
        char c = in[i];
        if (c == '=' || c == '\r' || c == '\n')
            break;
        int v = b64v(c);
        if (v < 0)
            return false;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (char)(acc >> bits & 0xff);
        }
    }
    for (; i < n; i++)
        if (in[i] != '=' && in[i] != '\r' && in[i] != '\n')
            return false;
    out[k] = '\0';
    *out_len = k;
    return true;
}
