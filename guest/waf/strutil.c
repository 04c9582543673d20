/*
 * Small byte-string helpers the detectors share: case-insensitive search over values that may
 * hold NUL bytes (so never strstr), and word comparisons against keyword lists.
 */
#include "waf_int.h"

#include <string.h>

const char *memcasemem(const char *hay, size_t hn, const char *needle)
{
    size_t nn = strlen(needle);
    if (nn == 0)
        return hay;
    if (nn > hn)
        return NULL;
    char first = lc(needle[0]);
    for (size_t i = 0; i + nn <= hn; i++) {
        if (lc(hay[i]) != first)
            continue;
        size_t k = 1;
        while (k < nn && lc(hay[i + k]) == lc(needle[k]))
            k++;
        if (k == nn)
            return hay + i;
    }
    return NULL;
}

const char *memstr_n(const char *hay, size_t hn, const char *needle, size_t nn)
{
    if (nn == 0)
        return hay;
    if (nn > hn)
        return NULL;
    size_t i = 0;
    if (nn >= 2) {
        /* candidates are where the needle's first two bytes occur: seven positions per 8-byte
           word (the pair at the word's last byte is looked at with the next word) */
        unsigned char a = (unsigned char)needle[0], b = (unsigned char)needle[1];
        for (; i + 8 <= hn; i += 7) {
            uint64_t x = swar_load(hay + i);
            uint64_t cand = (swar_eq(x, a) & (swar_eq(x, b) >> 8)) & 0x0080808080808080ull;
            while (cand != 0) {
                size_t at = i + (size_t)(__builtin_ctzll(cand) >> 3);
                if (at + nn > hn)
                    return NULL;
                if (memcmp(hay + at, needle, nn) == 0)
                    return hay + at;
                cand &= cand - 1;
            }
        }
    }
    for (; i + nn <= hn; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nn) == 0)
            return hay + i;
    return NULL;
}

size_t find_byte(const char *s, size_t n, char c)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t m = swar_eq(swar_load(s + i), (unsigned char)c);
        if (m != 0)
            return i + (size_t)(__builtin_ctzll(m) >> 3);
    }
    while (i < n && s[i] != c)
        i++;
    return i;
}

bool word_eq(const char *s, size_t n, const char *w)
{
    size_t i = 0;
    for (; i < n; i++)
        if (w[i] == '\0' || lc(s[i]) != w[i])
            return false;
    return w[i] == '\0';
}

bool word_in(const char *s, size_t n, const char *const *list)
{
    if (n == 0)
        return false;
    char first = lc(s[0]);
    for (; *list != NULL; list++)
        if ((*list)[0] == first && word_eq(s, n, *list))
            return true;
    return false;
}

/* ---- Multi-needle search ------------------------------------------------------------------------
 */

static unsigned pair_hash(unsigned char a, unsigned char b)
{
    return ((unsigned)a * 31u + (unsigned)b) & (WAF_PAIR_BITS - 1);
}

static unsigned triple_hash(unsigned char a, unsigned char b, unsigned char c)
{
    return ((unsigned)a * 961u + (unsigned)b * 31u + (unsigned)c) & (WAF_TRIPLE_BITS - 1);
}

static bool bit(const uint8_t *set, unsigned h)
{
    return set[h >> 3] & (1u << (h & 7));
}
static void set_bit(uint8_t *set, unsigned h)
{
    set[h >> 3] |= (uint8_t)(1u << (h & 7));
}

/* The filter of one needle list, built the first time a WAF instance searches for it. */
static const needle_filter *filter_of(needle_cache *nc, const char *const *list, bool nocase)
{
    size_t h = ((size_t)(uintptr_t)list >> 3) % WAF_NEEDLE_SLOTS;
    for (size_t probe = 0; probe < WAF_NEEDLE_SLOTS; probe++) {
        needle_filter *f = &nc->slots[(h + probe) % WAF_NEEDLE_SLOTS];
        if (f->list == list && f->nocase == nocase)
            return f;
        if (f->list != NULL)
            continue;
        memset(f, 0, sizeof *f);
        f->list = list;
        f->nocase = nocase;
        uint8_t last[256];
        size_t count = 0;
        f->chained = true;
        for (const char *const *l = list; *l != NULL; l++, count++) {
            unsigned char c0 = (unsigned char)(*l)[0];
            if (count >= WAF_NEEDLE_CHAIN || c0 == 0) {
                /* no chains; first[] still tells which bytes start a needle */
                f->chained = false;
                f->first[c0] |= (uint8_t)(c0 != 0 && f->first[c0] == 0);
            } else if (f->first[c0] == 0) {
                f->first[c0] = (uint8_t)(count + 1);
                last[c0] = (uint8_t)(count + 1);
            } else if (f->chained) {
                f->next[last[c0] - 1] = (uint8_t)(count + 1);
                last[c0] = (uint8_t)(count + 1);
            }
        }
        for (const char *const *l = list; *l != NULL; l++) {
            const unsigned char *nd = (const unsigned char *)*l;
            if (nd[0] == 0)
                continue;
            if (nd[1] == 0) {
                set_bit(f->singles, nd[0]);
                f->any_single = true;
            } else if (nd[2] == 0) {
                set_bit(f->pairs, pair_hash(nd[0], nd[1]));
                f->any_pair = true;
            } else {
                set_bit(f->triples, triple_hash(nd[0], nd[1], nd[2]));
            }
        }
        return f;
    }
    return NULL;
}

static inline unsigned char at(const char *hay, size_t i, bool nocase)
{
    return (unsigned char)(nocase ? lc(hay[i]) : hay[i]);
}

/* Whether needle nd, whose first byte matches hay[i], matches there whole (inside n bytes). */
static inline __attribute__((always_inline)) bool rest_matches(const char *hay, size_t n, size_t i,
                                                               const char *nd, bool nocase)
{
    size_t k = 1;
    while (nd[k] != '\0' && i + k < n && (char)at(hay, i + k, nocase) == nd[k])
        k++;
    return nd[k] == '\0';
}

/* Inlined into its two callers, so that each is compiled for a constant nocase. */
static inline __attribute__((always_inline)) const char *find_any_impl(needle_cache *nc,
                                                                       const char *hay, size_t n,
                                                                       const char *const *list,
                                                                       size_t *which, bool nocase)
{
    const needle_filter *f = filter_of(nc, list, nocase);
    bool triples_only = f != NULL && !f->any_single && !f->any_pair;
    for (size_t i = 0; i < n; i++) {
        if (triples_only) {
            /* the common case, kept tight: skip to the next position whose three bytes start
               some needle */
            const unsigned char *u = (const unsigned char *)hay;
            if (nocase) {
                while (i + 2 < n &&
                       (f->first[(unsigned char)lc((char)u[i])] == 0 ||
                        !bit(f->triples, triple_hash((unsigned char)lc((char)u[i]),
                                                     (unsigned char)lc((char)u[i + 1]),
                                                     (unsigned char)lc((char)u[i + 2])))))
                    i++;
            } else {
                /* the needles' first bytes first (one load), then the triple; by pointer,
                   which costs fewer instructions per byte in the sandbox than an index */
                if (i + 2 < n) {
                    const unsigned char *q = u + i, *last = u + n - 2;
                    const uint8_t *first = f->first;
                    for (; q < last; q++)
                        if (first[*q] != 0 && bit(f->triples, triple_hash(q[0], q[1], q[2])))
                            break;
                    i = (size_t)(q - u);
                }
            }
            if (i + 2 >= n)
                return NULL;
        }
        unsigned char a = at(hay, i, nocase);
        if (f != NULL && f->first[a] == 0)
            continue; /* no needle starts with this byte */
        if (f != NULL && !triples_only) {
            bool cand = f->any_single && bit(f->singles, a);
            if (!cand && i + 1 < n) {
                unsigned char b = at(hay, i + 1, nocase);
                cand = f->any_pair && bit(f->pairs, pair_hash(a, b));
                if (!cand && i + 2 < n)
                    cand = bit(f->triples, triple_hash(a, b, at(hay, i + 2, nocase)));
            }
            if (!cand)
                continue;
        }
        if (f != NULL && f->chained) {
            for (unsigned j = f->first[a]; j != 0; j = f->next[j - 1]) {
                if (rest_matches(hay, n, i, list[j - 1], nocase)) {
                    if (which != NULL)
                        *which = j - 1;
                    return hay + i;
                }
            }
            continue;
        }
        size_t idx = 0;
        for (const char *const *l = list; *l != NULL; l++, idx++) {
            if ((unsigned char)(*l)[0] == a && rest_matches(hay, n, i, *l, nocase)) {
                if (which != NULL)
                    *which = idx;
                return hay + i;
            }
        }
    }
    return NULL;
}

const char *find_any(inspect *in, const char *hay, size_t n, const char *const *list, size_t *which)
{
    return find_any_impl(in->needles, hay, n, list, which, false);
}

const char *find_any_nocase(inspect *in, const char *hay, size_t n, const char *const *list,
                            size_t *which)
{
    return find_any_impl(in->needles, hay, n, list, which, true);
}
