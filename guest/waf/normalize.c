/*
 * Builds the normalised forms of one inspected value (struct nval). Detectors never decode on
 * their own: each picks the form that suits its class. "dec" undoes every transport encoding in
 * rounds until nothing changes (bounded by WAF_MAX_DECODE_ROUNDS); "low" adds case and whitespace
 * folding; "shell" undoes what a POSIX or Windows shell would strip (quotes, backslashes, $IFS,
 * brace lists, carets); "path" folds separators the way file systems do.
 */
#include "waf_int.h"

#include <string.h>

/* dec: url rounds + HTML entities + overlong UTF-8 until a fixed point. */
static size_t full_decode(char *buf, size_t n, char *tmp, unsigned *flags)
{
    for (int round = 0; round < WAF_MAX_DECODE_ROUNDS; round++) {
        unsigned f = 0;
        bool pct = false, amp = false, high = false;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)buf[i];
            pct |= c == '%';
            amp |= c == '&';
            high |= c >= 0xc0;
        }
        if (!pct && !amp && !high)
            break;
        size_t m = n;
        memcpy(tmp, buf, n + 1);
        if (pct)
            m = url_decode(buf, n, tmp, false, &f);
        if (amp)
            m = html_decode(tmp, m, tmp);
        if (high) {
            m = utf8_fold(tmp, m, buf, &f);
            memcpy(tmp, buf, m + 1);
        }
        bool changed = m != n || memcmp(tmp, buf, n) != 0;
        memcpy(buf, tmp, m + 1);
        if (round > 0 && changed)
            f |= DEC_MULTI;
        *flags |= f;
        n = m;
        if (!changed)
            break;
    }
    return n;
}

static size_t fold_shell(const char *in, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = lc(in[i]);
        const char *s = in + i;
        size_t left = n - i;
        if (c == '\n' || c == '\r') {
            /* a line break ends a shell command like ';' */
            out[k++] = ';';
            continue;
        }
        if (c == '\'' || c == '"' || c == '^')
            continue;
        if (c == '\\')
            continue; /* a backslash escapes the next byte: c\at is cat */
        if (c == '$') {
            if (left >= 6 && lc(s[1]) == '{' && lc(s[2]) == 'i' && lc(s[3]) == 'f' &&
                lc(s[4]) == 's' && s[5] == '}') {
                out[k++] = ' ';
                i += 5;
                continue;
            }
            if (left >= 4 && lc(s[1]) == 'i' && lc(s[2]) == 'f' && lc(s[3]) == 's') {
                out[k++] = ' ';
                i += 3;
                if (i + 2 < n && in[i + 1] == '$' && is_digit(in[i + 2]))
                    i += 2;
                continue;
            }
            /* $@, $* and positional parameters expand to nothing in an attacker's shell */
            if (left >= 2 && (in[i + 1] == '@' || in[i + 1] == '*' || is_digit(in[i + 1]))) {
                i += 1;
                continue;
            }
            /* cat$u /etc$u/passwd: an unset variable inside a word expands to nothing */
            if (left >= 2 && k > 0 &&
                (is_word_byte((unsigned char)out[k - 1]) || out[k - 1] == '/') &&
                (is_alpha(in[i + 1]) || in[i + 1] == '_')) {
                size_t j = i + 1;
                while (j < n && is_word_byte((unsigned char)in[j]))
                    j++;
                i = j - 1;
                continue;
            }
            if (left >= 3 && in[i + 1] == '{' && in[i + 2] == '}') {
                i += 2;
                continue;
            }
        }
        if (c == '{') {
            /* {cat,/etc/passwd}: a brace list without spaces expands to its words */
            size_t j = i + 1;
            bool comma = false;
            while (j < n && j < i + 256 && in[j] != '}' && !is_space(in[j]) && in[j] != '{') {
                comma |= in[j] == ',';
                j++;
            }
            if (j < n && in[j] == '}' && comma) {
                for (size_t t = i + 1; t < j; t++) {
                    char d = in[t];
                    if (d == '\'' || d == '"' || d == '\\')
                        continue;
                    out[k++] = d == ',' ? ' ' : lc(d);
                }
                i = j;
                continue;
            }
        }
        if (is_space(c) || c == '\t') {
            if (k == 0 || out[k - 1] != ' ')
                out[k++] = ' ';
            continue;
        }
        out[k++] = c;
    }
    out[k] = '\0';
    return k;
}

static size_t fold_path(const char *in, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i] == '\\' ? '/' : lc(in[i]);
        if (c == '/' && k > 0 && out[k - 1] == '/')
            continue;
        /* "/./" is "/" */
        if (c == '/' && k >= 2 && out[k - 1] == '.' && out[k - 2] == '/') {
            k--;
            continue;
        }
        out[k++] = c;
    }
    out[k] = '\0';
    return k;
}

static const char empty_form[] = "";

/* Per byte: its bit of nval.charmask (nval_char_bit), and two flags kept above those bits. */
#define NV_WS (1ull << 62)    /* is_space */
#define NV_OTHER (1ull << 63) /* not an ASCII letter or digit */
#define NV_FLAGS (NV_WS | NV_OTHER)
static const uint64_t byte_info[256] = {
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0xc000000000000000ull, 0xc000000000000001ull, 0xc000000000000000ull,
    0xc000000000000000ull, 0xc000000000000002ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0xc000000000000004ull, 0x8000000000000008ull, 0x8000000000000010ull, 0x8000000000000020ull,
    0x8000000000000040ull, 0x8000000000000080ull, 0x8000000000000100ull, 0x8000000000000200ull,
    0x8000000000000400ull, 0x8000000000000800ull, 0x8000000000001000ull, 0x8000000000002000ull,
    0x8000000000004000ull, 0x8000000000008000ull, 0x8000000000010000ull, 0x8000000000020000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x8000000000040000ull, 0x8000000000080000ull,
    0x8000000000100000ull, 0x8000000000200000ull, 0x8000000000400000ull, 0x8000000000800000ull,
    0x8000000001000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x8000000002000000ull,
    0x8000000004000000ull, 0x8000000000000000ull, 0x8000000010000000ull, 0x8000000020000000ull,
    0x8000000040000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull,
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x8000000080000000ull,
    0x8000000100000000ull, 0x8000000200000000ull, 0x8000000400000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000800000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000001000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
    0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull,
};

/* Per byte: its form in "low": ASCII capitals lowercased, whitespace as ' '. */
static const unsigned char fold_low[256] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
    0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
    0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
    0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
    0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
    0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
    0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
    0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

/* Whether a value needs the decoding rounds at all: '%', '&' or a UTF-8 lead byte of a form
 * utf8_fold rewrites (0xc0 and up). Most values have none, and then dec is raw. */
static bool needs_decode(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x = swar_load(s + i);
        /* a byte of 0xc0 and up has its two top bits set */
        if ((swar_eq(x, '%') | swar_eq(x, '&') | (x & (x << 1) & SWAR_HIGH)) != 0)
            return true;
    }
    for (; i < n; i++)
        if (u[i] == '%' || u[i] == '&' || u[i] >= 0xc0)
            return true;
    return false;
}

void nval_build(arena *a, nval *v, const char *raw, size_t raw_len)
{
    memset(v, 0, sizeof *v);
    v->raw = raw;
    v->raw_len = raw_len;
    v->dec = v->low = v->shell = v->path = empty_form;
    char *dec = arena_alloc(a, raw_len + 1);
    char *low = arena_alloc(a, raw_len + 1);
    if (dec == NULL || low == NULL)
        return;
    memcpy(dec, raw, raw_len);
    dec[raw_len] = '\0';
    size_t n = raw_len;
    if (needs_decode(raw, raw_len)) {
        char *tmp = arena_alloc(a, raw_len + 1);
        if (tmp == NULL)
            return;
        n = full_decode(dec, raw_len, tmp, &v->flags);
        v->decoded = true;
    }
    /* one pass: note which bytes occur, build the folded lowercase form (and drop NULs, the
     * rare case with a loop of its own). A table gives each byte's charmask bit and whether it
     * is whitespace or not a letter or digit; eight letters or digits go at once. */
    size_t k = 0, l = 0;
    bool sp = false;
    uint64_t acc = 0;
    const unsigned char *u = (const unsigned char *)dec;
    bool nul = false;
    for (size_t i = 0; i < n && !nul;) {
        if (i + 8 <= n) {
            uint64_t x = swar_load(dec + i);
            if (swar_alnum(x) == SWAR_HIGH) {
                swar_store(low + l, swar_lower(x));
                i += 8;
                l += 8;
                sp = false;
                continue;
            }
        }
        for (size_t end = i + 8 < n ? i + 8 : n; i < end; i++) {
            if (u[i] == 0) {
                nul = true; /* the loop below starts over */
                break;
            }
            uint64_t t = byte_info[u[i]];
            bool ws = (t & NV_WS) != 0;
            acc |= t;
            low[l] = (char)fold_low[u[i]];
            l += !(ws && sp); /* a run of whitespace is one space */
            sp = ws;
        }
    }
    if (!nul) {
        k = n;
        if (acc & byte_info['.'] & ~NV_FLAGS) {
            for (size_t i = find_byte(dec, n, '.'); i < n && !v->dotted_word;
                 i += 1 + find_byte(dec + i + 1, n - i - 1, '.'))
                v->dotted_word = i > 0 && is_alpha(dec[i - 1]) && i + 1 < n && is_alpha(dec[i + 1]);
        }
    } else {
        l = 0;
        sp = false;
        acc = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = u[i];
            if (c == 0) {
                v->flags |= DEC_NUL;
                acc |= NV_OTHER;
                continue;
            }
            if (c == '.' && k > 0 && is_alpha(dec[k - 1]) && i + 1 < n && is_alpha(dec[i + 1]))
                v->dotted_word = true;
            dec[k++] = (char)c;
            uint64_t t = byte_info[c];
            bool ws = (t & NV_WS) != 0;
            acc |= t;
            low[l] = (char)fold_low[c];
            l += !(ws && sp);
            sp = ws;
        }
    }
    dec[k] = '\0';
    low[l] = '\0';
    v->charmask = acc & ~NV_FLAGS;
    v->plain = k > 0 && (acc & NV_OTHER) == 0;
    v->dec = dec;
    v->dec_len = k;
    v->low = low;
    v->low_len = l;
}

void nval_build_shell(arena *a, nval *v)
{
    char *sh = arena_alloc(a, v->dec_len + 1);
    if (sh == NULL)
        return;
    v->shell_len = fold_shell(v->dec, v->dec_len, sh);
    v->shell = sh;
}

void nval_build_path(arena *a, nval *v)
{
    char *path = arena_alloc(a, v->dec_len + 1);
    if (path == NULL)
        return;
    v->path_len = fold_path(v->dec, v->dec_len, path);
    v->path = path;
}

bool nval_dotted_name(const nval *v)
{
    static const char *const names[] = {".",   "/",   "ini", "env",  "ht",  "config",
                                        "php", "bat", "asa", "bash", "xml", NULL};
    const char *s = v->low, *end = v->low + v->low_len;
    for (const char *p = waf_memchr(s, '.', v->low_len); p != NULL && p + 1 < end;
         p = waf_memchr(p + 1, '.', (size_t)(end - p - 1))) {
        for (const char *const *nm = names; *nm != NULL; nm++) {
            size_t l = strlen(*nm);
            if ((size_t)(end - p - 1) >= l && memcmp(p + 1, *nm, l) == 0)
                return true;
        }
    }
    return false;
}
