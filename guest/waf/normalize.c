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

const uint8_t nval_char_bit[256] = {
    ['\n'] = 1,  ['\r'] = 2,  [' '] = 3,   ['!'] = 4,  ['"'] = 5,  ['#'] = 6,   ['$'] = 7,
    ['%'] = 8,   ['&'] = 9,   ['\''] = 10, ['('] = 11, [')'] = 12, ['*'] = 13,  ['+'] = 14,
    [','] = 15,  ['-'] = 16,  ['.'] = 17,  ['/'] = 18, [':'] = 19, [';'] = 20,  ['<'] = 21,
    ['='] = 22,  ['>'] = 23,  ['?'] = 24,  ['@'] = 25, ['['] = 26, ['\\'] = 27, [']'] = 28,
    ['^'] = 29,  ['_'] = 30,  ['`'] = 31,  ['{'] = 32, ['|'] = 33, ['}'] = 34,  ['~'] = 35,
    [0xac] = 36, [0xe5] = 37,
};

static const char empty_form[] = "";

void nval_build(arena *a, nval *v, const char *raw, size_t raw_len)
{
    memset(v, 0, sizeof *v);
    v->raw = raw;
    v->raw_len = raw_len;
    v->dec = v->low = v->shell = v->path = empty_form;
    char *dec = arena_alloc(a, raw_len + 1);
    char *tmp = arena_alloc(a, raw_len + 1);
    char *low = arena_alloc(a, raw_len + 1);
    if (dec == NULL || tmp == NULL || low == NULL)
        return;
    memcpy(dec, raw, raw_len);
    dec[raw_len] = '\0';
    size_t n = full_decode(dec, raw_len, tmp, &v->flags);
    /* one pass: drop NULs, note which bytes occur, build the folded lowercase form */
    size_t k = 0, l = 0;
    bool sp = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)dec[i];
        if (c == 0) {
            v->flags |= DEC_NUL;
            continue;
        }
        if (c == '.' && k > 0 && is_alpha(dec[k - 1]) && i + 1 < n && is_alpha(dec[i + 1]))
            v->dotted_word = true;
        dec[k++] = (char)c;
        uint8_t bit = nval_char_bit[c];
        if (bit != 0)
            v->charmask |= (uint64_t)1 << (bit - 1);
        if (is_space((char)c)) {
            if (!sp)
                low[l++] = ' ';
            sp = true;
        } else {
            sp = false;
            low[l++] = lc((char)c);
        }
    }
    dec[k] = '\0';
    low[l] = '\0';
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
    for (const char *p = memchr(s, '.', v->low_len); p != NULL && p + 1 < end;
         p = memchr(p + 1, '.', (size_t)(end - p - 1))) {
        for (const char *const *nm = names; *nm != NULL; nm++) {
            size_t l = strlen(*nm);
            if ((size_t)(end - p - 1) >= l && memcmp(p + 1, *nm, l) == 0)
                return true;
        }
    }
    return false;
}
