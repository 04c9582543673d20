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

size_t nval_fold_shell(const char *in, size_t n, char *out)
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

size_t nval_fold_path(const char *in, size_t n, char *out)
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

/* Per byte: its bit of nval.charmask, and two flags kept above those bits. The tables are
 * built by the compiler from the expressions below, one place for each rule: NV_CHAR_BIT follows
 * nval_char_bit (waf_int.h): '\n', '\r', then the ASCII punctuation runs in order from ' ', then
 * 0xac and 0xe5. A byte given a bit there must be given the same one here. */
#define NV_WS (1ull << 62)    /* is_space */
#define NV_OTHER (1ull << 63) /* not an ASCII letter or digit */
#define NV_FLAGS (NV_WS | NV_OTHER)
#define NV_IS_SPACE(c) ((c) == ' ' || ((c) >= '\t' && (c) <= '\r'))
#define NV_IS_ALNUM(c)                                                                             \
    (((c) >= '0' && (c) <= '9') || ((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define NV_CHAR_BIT(c)                                                                             \
    ((c) == '\n'                ? 1                                                                \
     : (c) == '\r'              ? 2                                                                \
     : (c) >= ' ' && (c) <= '/' ? (c) - ' ' + 3                                                    \
     : (c) >= ':' && (c) <= '@' ? (c) - ':' + 19                                                   \
     : (c) >= '[' && (c) <= '`' ? (c) - '[' + 26                                                   \
     : (c) >= '{' && (c) <= '~' ? (c) - '{' + 32                                                   \
     : (c) == 0xac              ? 36                                                               \
     : (c) == 0xe5              ? 37                                                               \
                                : 0)
#define NV_INFO(c)                                                                                 \
    (((1ull << NV_CHAR_BIT(c)) >> 1) | (NV_IS_SPACE(c) ? NV_WS : 0) |                              \
     (NV_IS_ALNUM(c) ? 0 : NV_OTHER))
/* Its form in "low": ASCII capitals lowercased, whitespace as ' '. */
#define NV_LOW(c)                                                                                  \
    ((unsigned char)(NV_IS_SPACE(c) ? ' ' : (c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c)))
#define NV_ROW(f, h)                                                                               \
    f(h + 0), f(h + 1), f(h + 2), f(h + 3), f(h + 4), f(h + 5), f(h + 6), f(h + 7), f(h + 8),      \
        f(h + 9), f(h + 10), f(h + 11), f(h + 12), f(h + 13), f(h + 14), f(h + 15)
#define NV_TABLE(f)                                                                                \
    NV_ROW(f, 0x00), NV_ROW(f, 0x10), NV_ROW(f, 0x20), NV_ROW(f, 0x30), NV_ROW(f, 0x40),           \
        NV_ROW(f, 0x50), NV_ROW(f, 0x60), NV_ROW(f, 0x70), NV_ROW(f, 0x80), NV_ROW(f, 0x90),       \
        NV_ROW(f, 0xa0), NV_ROW(f, 0xb0), NV_ROW(f, 0xc0), NV_ROW(f, 0xd0), NV_ROW(f, 0xe0),       \
        NV_ROW(f, 0xf0)
static const uint64_t byte_info[256] = {NV_TABLE(NV_INFO)};
static const unsigned char fold_low[256] = {NV_TABLE(NV_LOW)};

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

/* Appends byte c to the "low" form at low[l] and notes it in acc; returns the new length. A
 * run of whitespace is one space: *sp says whether the last byte written was one. */
static inline size_t fold_byte(unsigned char c, char *low, size_t l, bool *sp, uint64_t *acc)
{
    uint64_t t = byte_info[c];
    bool ws = (t & NV_WS) != 0;
    *acc |= t;
    low[l] = (char)fold_low[c];
    l += !(ws && *sp);
    *sp = ws;
    return l;
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
    /* acc_bytes: what the byte loop saw; a '.' among it sends dotted_word to the scan below,
     * the prose words look at the neighbours of theirs as they go */
    uint64_t acc = 0, acc_bytes = 0;
    const unsigned char *u = (const unsigned char *)dec;
    bool nul = false, dotted = false;
    for (size_t i = 0; i < n && !nul;) {
        if (i + 8 <= n) {
            uint64_t x = swar_load(dec + i);
            uint64_t alnum = swar_alnum(x);
            if (alnum == SWAR_HIGH) {
                swar_store(low + l, swar_lower(x));
                i += 8;
                l += 8;
                sp = false;
                continue;
            }
            /* prose: printable ASCII with single spaces (none right after a space of the word
             * before) keeps every byte, lowercased; what a byte adds to acc is 0 for letters
             * and digits, the same for every space, so only the others (a punctuation mark) are
             * looked up one by one */
            uint64_t space = swar_eq(x, ' ');
            uint64_t print = swar_in(x & ~SWAR_HIGH, ' ', '~') & ~x;
            if (print == SWAR_HIGH && (space & (space << 8)) == 0 &&
                !(sp && (space & 0x80u) != 0)) {
                swar_store(low + l, swar_lower(x));
                if (space != 0)
                    acc |= byte_info[' '];
                for (uint64_t m = ~(alnum | space) & SWAR_HIGH; m != 0; m &= m - 1) {
                    size_t at = i + (size_t)(__builtin_ctzll(m) >> 3);
                    acc |= byte_info[u[at]];
                    if (u[at] == '.' && !dotted)
                        dotted =
                            at > 0 && is_alpha(dec[at - 1]) && at + 1 < n && is_alpha(dec[at + 1]);
                }
                i += 8;
                l += 8;
                sp = (space >> 63) != 0;
                continue;
            }
        }
        for (size_t end = i + 8 < n ? i + 8 : n; i < end; i++) {
            if (u[i] == 0) {
                nul = true; /* the loop below starts over */
                break;
            }
            l = fold_byte(u[i], low, l, &sp, &acc_bytes);
        }
    }
    acc |= acc_bytes;
    if (!nul) {
        k = n;
        v->dotted_word = dotted;
        if (!dotted && (acc_bytes & byte_info['.'] & ~NV_FLAGS) != 0) {
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
            l = fold_byte(c, low, l, &sp, &acc);
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

/* The bytes of a token (letters, digits, '-', '.', '/', '_'): none of them is one that
 * nval_fold_shell rewrites (quotes, backslashes, '^', '$', '{', whitespace, line breaks), and
 * nval_fold_path only folds the '/' of a "//" or a "/./". */
static const uint8_t token_byte[256] = {
    ['-'] = 1, ['.'] = 1, ['/'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
    ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1,
    ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1,
    ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1,
    ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['_'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

/* Which forms of v are its low form (NVAL_LOW_*), looked at once per value: the shell form
 * when dec holds only token bytes, which low keeps as they are but for case; the path form as
 * well when no "//" or "/./" folds. Most values that reach these forms are such tokens
 * ("/index.html", "curl/8.5.0"): they share low instead of a copy and a fold each. */
static unsigned low_forms(nval *v)
{
    if (v->low_forms != 0)
        return v->low_forms;
    unsigned f = NVAL_LOW_CHECKED;
    if (v->low_len == v->dec_len) {
        const unsigned char *u = (const unsigned char *)v->dec;
        size_t n = v->dec_len;
        bool path = true;
        size_t i = 0;
        for (; i < n && token_byte[u[i]]; i++)
            if (u[i] == '/' && i + 1 < n &&
                (u[i + 1] == '/' || (u[i + 1] == '.' && i + 2 < n && u[i + 2] == '/')))
                path = false;
        if (i == n)
            f |= NVAL_LOW_SHELL | (path ? NVAL_LOW_PATH : 0u);
    }
    v->low_forms = (uint8_t)f;
    return f;
}

void nval_build_shell(arena *a, nval *v)
{
    if (low_forms(v) & NVAL_LOW_SHELL) {
        v->shell = v->low;
        v->shell_len = v->low_len;
        return;
    }
    char *sh = arena_alloc(a, v->dec_len + 1);
    if (sh == NULL)
        return;
    v->shell_len = nval_fold_shell(v->dec, v->dec_len, sh);
    v->shell = sh;
}

void nval_build_path(arena *a, nval *v)
{
    if (low_forms(v) & NVAL_LOW_PATH) {
        v->path = v->low;
        v->path_len = v->low_len;
        return;
    }
    char *path = arena_alloc(a, v->dec_len + 1);
    if (path == NULL)
        return;
    v->path_len = nval_fold_path(v->dec, v->dec_len, path);
    v->path = path;
}

bool nval_dotted_name(const nval *v)
{
    static const char *const names[] = {".",   "/",   "ini", "env",  "ht",  "config",
                                        "php", "bat", "asa", "bash", "xml", NULL};
    static const size_t lens[] = {1, 1, 3, 3, 2, 6, 3, 3, 3, 4, 3};
    const char *s = v->low, *end = v->low + v->low_len;
    for (const char *p = waf_memchr(s, '.', v->low_len); p != NULL && p + 1 < end;
         p = waf_memchr(p + 1, '.', (size_t)(end - p - 1))) {
        /* most dots end a sentence: the byte after one starts no name (the names start with
           '.', '/' or one of the letters of first_letters) */
        static const uint32_t first_letters =
            1u << ('a' - 'a') | 1u << ('b' - 'a') | 1u << ('c' - 'a') | 1u << ('e' - 'a') |
            1u << ('h' - 'a') | 1u << ('i' - 'a') | 1u << ('p' - 'a') | 1u << ('x' - 'a');
        unsigned char c = (unsigned char)p[1];
        if (c != '.' && c != '/' && (c < 'a' || c > 'z' || !((first_letters >> (c - 'a')) & 1u)))
            continue;
        for (size_t k = 0; names[k] != NULL; k++)
            if ((size_t)(end - p - 1) >= lens[k] && memcmp(p + 1, names[k], lens[k]) == 0)
                return true;
    }
    return false;
}

/* The n bytes (1 to 7) of s in the low bytes of a word, the others 'b'. */
static inline uint64_t short_word(const char *s, size_t n)
{
    return swar_load_short(s, n) | (SWAR_ONES * 'b') << (8 * n);
}

/* Bit 7 set in each byte of x that is not an ASCII letter or digit, exact up to the first byte at
 * or above 0x80: bit 7 is not cleared first, so such a byte may carry into the sums of the bytes
 * above it (only such a byte carries), but is itself marked through x. So the lowest bit set
 * is always the first byte that is not a letter or digit, and so is every one below the first
 * byte at or above 0x80. */
static inline uint64_t swar_not_alnum_low(uint64_t x)
{
    uint64_t l = x | SWAR_ONES * 0x20u; /* letters in lowercase */
    uint64_t letter = (l + SWAR_ONES * (0x80u - 'a')) & ~(l + SWAR_ONES * (0x7fu - 'z'));
    uint64_t digit = (x + SWAR_ONES * (0x80u - '0')) & ~(x + SWAR_ONES * (0x7fu - '9'));
    return (~(letter | digit) | x) & SWAR_HIGH;
}

/* The hints of plain_hints over one word, OR-ed into y and sig: the word's bytes minus one after
 * the XOR with each byte looked for. Bit 7 is set in every byte that was 0, and in others only
 * by a borrow or a byte above 0x7f, which a letter or digit is not: never a false "no". */
static inline void plain_hint(uint64_t x, uint64_t *y, uint64_t *sig)
{
    *y |= ((x | SWAR_ONES * 0x20u) ^ (SWAR_ONES * 'y')) - SWAR_ONES;
    *sig |= ((x ^ (SWAR_ONES * 'A')) - SWAR_ONES) | ((x ^ (SWAR_ONES * '5')) - SWAR_ONES);
}

size_t plain_span(const char *s, size_t n, plain_hints *h)
{
    /* Eight bytes at a time; the last word overlaps the one before (its bytes already passed are
     * not looked at again), or for fewer than 8 bytes is padded with 'b', a letter that no hint
     * looks for. The hints take in whole words, bytes past the run too: never a false "no".
     * They are kept in locals, not in *h, until the end: stores through h could alias s. */
    uint64_t y = 0, sig = 0, m = 0;
    size_t end = n;
    if (n > 0 && n < 8) {
        uint64_t x = short_word(s, n);
        plain_hint(x, &y, &sig);
        m = swar_not_alnum_low(x);
        end = 0;
    } else if (n >= 8) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t x = swar_load(s + i);
            plain_hint(x, &y, &sig);
            m = swar_not_alnum_low(x);
            if (m != 0)
                break;
        }
        end = i;
        if (m == 0 && i < n) {
            uint64_t x = swar_load(s + n - 8);
            plain_hint(x, &y, &sig);
            /* lanes below 8 - (n - i) were bytes of the last full word */
            m = swar_not_alnum_low(x) & (~0ull << (8 * (8 - (n - i))));
            end = n - 8;
        }
    }
    h->y = y;
    h->sig = sig;
    return m != 0 ? end + (size_t)(__builtin_ctzll(m) >> 3) : n;
}

size_t plain_pair(const char *s, size_t n, char sep, size_t *eq_at, plain_hints *hn,
                  plain_hints *hv)
{
    /* One pass, eight bytes at a time, over name, '=' and value (plain_span twice read the
     * word of the '=' twice). The hints of a word (plain_hint) are masked to the lanes of their
     * part. The last word is padded with 'b', a letter that no hint looks for. */
    uint64_t y = 0, sig = 0;
    size_t eq = 0; /* the name is not empty: no '=' at 0 */
    for (size_t i = 0; i < n; i += 8) {
        uint64_t x = i + 8 <= n ? swar_load(s + i) : short_word(s + i, n - i);
        uint64_t hy = 0, hs = 0;
        plain_hint(x, &hy, &hs);
        uint64_t m = swar_not_alnum_low(x);
        if (m == 0) {
            y |= hy;
            sig |= hs;
            continue;
        }
        /* the stops handled are '=' and sep, below 0x80: each next stop is exact as well */
        uint64_t from = ~0ull; /* the lanes of this word from the current part's start */
        for (; m != 0; m &= m - 1) {
            uint64_t bit = m & (0 - m); /* bit 7 of the lane that ends the part */
            uint64_t low = ((bit >> 7) - 1) & from;
            size_t pos = i + (size_t)(__builtin_ctzll(m) >> 3);
            y |= hy & low;
            sig |= hs & low;
            if (eq == 0) {
                if (pos == 0 || s[pos] != '=')
                    return 0;
                hn->y = y;
                hn->sig = sig;
                y = sig = 0;
                eq = pos;
            } else {
                if (pos == eq + 1 || s[pos] != sep)
                    return 0;
                hv->y = y;
                hv->sig = sig;
                *eq_at = eq;
                return pos;
            }
            from = ~((bit << 1) - 1);
        }
        y |= hy & from;
        sig |= hs & from;
    }
    if (eq == 0 || n == eq + 1)
        return 0;
    hv->y = y;
    hv->sig = sig;
    *eq_at = eq;
    return n;
}

/* Whether inspect_plain, given hints h, leaves a plain value (not in a file) to the whole
 * pipeline: a "sys" or paranoia 2 for the SQL rules, or a command that counts alone. */
static bool plain_needs_pipeline(const inspect *in, const char *s, size_t n, const plain_hints *h)
{
    return ((h->y & SWAR_HIGH) != 0 ? sqli_plain_applies(in, s, n) : waf_pl(in, 2)) ||
           (rce_alone_first(s[0]) && rce_alone_cmd(s, n));
}

bool inspect_plain(inspect *in, const char *s, size_t n)
{
    if (n == 0 || in->a->exhausted)
        return false;
    /* Whether every byte is a letter or a digit, and the hints (plain_hints) of detect_sqli and
     * detect_code_plain, in one pass, unless the walker has done it. Most values that are not
     * plain show it in their first word. */
    plain_hints h;
    if (in->plain != NULL)
        h = *in->plain;
    else if (plain_span(s, n, &h) != n)
        return false;
    /* file contents get only detect_code (inspect_value) */
    if (in->kind != LOC_FILE && plain_needs_pipeline(in, s, n, &h))
        return false;
    if ((h.sig & SWAR_HIGH) != 0)
        detect_code_plain(in, s, n);
    return true;
}

bool plain_pair_quiet(const inspect *in, const char *name, size_t name_len, const plain_hints *hn,
                      const char *val, size_t val_len, const plain_hints *hv)
{
    /* what inspect_value and inspect_plain would find for both, without their work: room in
     * the inspection budget, no hint of a signature, nothing for the whole pipeline */
    size_t budget =
        in->cfg->max_inspect_bytes > in->inspected ? in->cfg->max_inspect_bytes - in->inspected : 0;
    return !in->a->exhausted && val_len <= budget && name_len <= budget - val_len &&
           ((hn->sig | hv->sig) & SWAR_HIGH) == 0 &&
           !plain_needs_pipeline(in, name, name_len, hn) &&
           !plain_needs_pipeline(in, val, val_len, hv);
}
