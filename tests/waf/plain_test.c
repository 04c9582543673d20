/*
 * The shortcuts of the per-value pipeline held to what the general code gives: values of ASCII
 * letters and digits (inspect_plain, plain_span: one pass classifies them and only the rules
 * such a value can reach run), the eight-byte folding of prose in nval_build, and the needle
 * search (find_any) that detectors share. Same rules, locations, matched texts and forms as
 * byte-by-byte references.
 */
#include "test.h"
#include "waf_test_util.h"

#include "../../guest/waf/waf_int.h"

#include <stdio.h>
#include <string.h>

static size_t span_by_bytes(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (is_alpha(s[i]) || is_digit(s[i])))
        i++;
    return i;
}

TEST(test_plain_span_stops_at_the_first_other_byte_at_every_offset)
{
    char buf[40];
    for (size_t n = 1; n <= 33; n++) {
        for (size_t at = 0; at <= n; at++) {
            for (size_t k = 0; k < n; k++)
                buf[k] = "bcd01xZ"[k % 7];
            if (at < n)
                buf[at] = "=&%+ \x80"[at % 6];
            plain_hints h;
            size_t got = plain_span(buf, n, &h);
            CHECK_MSG(got == span_by_bytes(buf, n), "n=%zu at=%zu: %zu", n, at, got);
        }
    }
}

TEST(test_plain_span_hints_are_never_a_false_no)
{
    static const char *const with_y[] = {"y", "abcY", "0123456789abcdefy", "sys"};
    static const char *const with_sig[] = {"A", "xx5", "0123456789abcdefgA", "gASV"};
    plain_hints h;
    for (size_t i = 0; i < 4; i++) {
        plain_span(with_y[i], strlen(with_y[i]), &h);
        CHECK_MSG((h.y & SWAR_HIGH) != 0, "%s", with_y[i]);
        plain_span(with_sig[i], strlen(with_sig[i]), &h);
        CHECK_MSG((h.sig & SWAR_HIGH) != 0, "%s", with_sig[i]);
    }
    plain_span("bcdefghijk0123", 14, &h);
    CHECK((h.y & SWAR_HIGH) == 0 && (h.sig & SWAR_HIGH) == 0);
}

/* plain_pair by plain_span's byte-by-byte reference: name=value, both runs of letters and
 * digits, the value ending at '&' or at the end; 0 otherwise. */
static size_t pair_by_bytes(const char *s, size_t n, size_t *eq)
{
    size_t e = span_by_bytes(s, n);
    if (e == 0 || e >= n || s[e] != '=')
        return 0;
    size_t j = e + 1 + span_by_bytes(s + e + 1, n - e - 1);
    if (j == e + 1 || (j < n && s[j] != '&'))
        return 0;
    *eq = e;
    return j;
}

static bool has_any(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (strchr(set, s[i]) != NULL)
            return true;
    return false;
}

TEST(test_plain_pair_splits_like_plain_span_at_every_offset)
{
    /* a name and a value of 0 to 20 bytes, any byte of the separators, markers and bytes at or
       above 0x80 at every offset, and the hints of each part never a false "no" */
    static const char fill[] = "bcY0xAz5qy";
    static const char odd[] = "=&%+ .\x80\xff\x01-";
    char buf[64];
    unsigned checked = 0;
    for (size_t nl = 0; nl <= 20; nl++)
        for (size_t vl = 0; vl <= 20; vl++)
            for (size_t at = 0; at <= nl + vl + 2; at++)
                for (size_t o = 0; o < sizeof odd - 1; o += (at == nl + vl + 2 ? 1 : 3)) {
                    size_t n = 0;
                    for (size_t k = 0; k < nl; k++)
                        buf[n++] = fill[(k * 7 + nl + vl) % 10];
                    buf[n++] = '=';
                    for (size_t k = 0; k < vl; k++)
                        buf[n++] = fill[(k * 3 + nl) % 10];
                    buf[n++] = '&';
                    buf[n++] = 'r';
                    if (at < n)
                        buf[at] = odd[o];
                    for (size_t len = n - 3; len <= n; len += 3) { /* without and with "&r" */
                        size_t eq = 0, want_eq = 0;
                        plain_hints hn, hv;
                        size_t got = plain_pair(buf, len, '&', &eq, &hn, &hv);
                        size_t want = pair_by_bytes(buf, len, &want_eq);
                        CHECK_MSG(got == want, "nl=%zu vl=%zu at=%zu o=%zu len=%zu: %zu, not %zu",
                                  nl, vl, at, o, len, got, want);
                        checked++;
                        if (got == 0 || got != want)
                            continue;
                        CHECK_MSG(eq == want_eq, "nl=%zu vl=%zu at=%zu: '=' at %zu", nl, vl, at,
                                  eq);
                        const char *v = buf + eq + 1;
                        size_t vn = got - eq - 1;
                        if (has_any(buf, eq, "yY"))
                            CHECK_MSG((hn.y & SWAR_HIGH) != 0, "name y: nl=%zu at=%zu", nl, at);
                        if (has_any(buf, eq, "A5"))
                            CHECK_MSG((hn.sig & SWAR_HIGH) != 0, "name sig: nl=%zu at=%zu", nl, at);
                        if (has_any(v, vn, "yY"))
                            CHECK_MSG((hv.y & SWAR_HIGH) != 0, "value y: vl=%zu at=%zu", vl, at);
                        if (has_any(v, vn, "A5"))
                            CHECK_MSG((hv.sig & SWAR_HIGH) != 0, "value sig: vl=%zu at=%zu", vl,
                                      at);
                    }
                }
    CHECK(checked > 10000);
    /* the hints of letters that are none of those stay clear */
    plain_hints hn, hv;
    size_t eq = 0;
    CHECK_UINT_EQ(plain_pair("field012=bcdefghijkbcdefghijk&x", 31, '&', &eq, &hn, &hv), 29);
    CHECK_UINT_EQ(eq, 8);
    CHECK(((hn.y | hn.sig | hv.y | hv.sig) & SWAR_HIGH) == 0);
}

TEST(test_plain_values_reach_catalog_command_and_stream_rules)
{
    const waf_result *r =
        analyze_post("/s?x=WhoAmI&y=SYSOBJECTS", "application/x-www-form-urlencoded",
                     "a=rO0ABXNy&b=sysobjects&c=whoami&e=aced00057372&rO0ABq=1");
    static const struct {
        uint32_t id;
        const char *loc, *matched;
    } want[] = {
        {932110, "ARGS:x", "whoami"},
        {942140, "ARGS:y", "SYSOBJECTS"},
        {944200, "ARGS:a", "rO0ABXNy"},
        {942140, "ARGS:b", "sysobjects"},
        {932110, "ARGS:c", "whoami"},
        {944200, "ARGS:e", "aced00057372"},
        {944200, "ARGS_NAMES:rO0ABq", "rO0ABq"},
    };
    CHECK_INT_EQ(r->match_count, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < r->match_count && i < sizeof want / sizeof want[0]; i++) {
        CHECK_INT_EQ(r->matches[i].rule_id, want[i].id);
        CHECK_STR_EQ(r->matches[i].location, want[i].loc);
        CHECK_STR_EQ(r->matches[i].matched, want[i].matched);
    }
}

TEST(test_plain_stream_match_text_ends_with_the_value)
{
    /* the report shows up to 16 bytes from the signature, never the next field */
    const waf_result *r =
        analyze_post("/s", "application/x-www-form-urlencoded", "f=gASVabc&g=plainvalue");
    const waf_match *m = find_rule(r, 944210);
    CHECK(m != NULL);
    if (m != NULL) {
        CHECK_STR_EQ(m->location, "ARGS:f");
        CHECK_STR_EQ(m->matched, "gASVabc");
    }
}

TEST(test_plain_values_without_signatures_are_clean)
{
    CHECK_INT_EQ(analyze_post("/s", "application/x-www-form-urlencoded",
                              "field001=bbbbbbbbbbbbbbbbbbbbbbbb&field002=cccccccccccccccc&q=Sean5")
                     ->match_count,
                 0);
}

TEST(test_plain_stream_signatures_found_at_every_offset_and_length)
{
    static const struct {
        const char *sig;
        uint32_t id;
    } sigs[] = {{"rO0AB", 944200},
                {"H4sIAAAAAAAA", 944200},
                {"aced0005", 944200},
                {"ACED0005", 944200},
                {"gASV", 944210}};
    char body[64], val[48];
    for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++) {
        size_t sl = strlen(sigs[k].sig);
        for (size_t len = sl; len <= sl + 17; len++) {
            for (size_t off = 0; off + sl <= len; off++) {
                memset(val, 'b', len);
                memcpy(val + off, sigs[k].sig, sl);
                val[len] = '\0';
                snprintf(body, sizeof body, "v=%s&w=x", val);
                const waf_result *r = analyze_post("/s", "application/x-www-form-urlencoded", body);
                const waf_match *m = find_rule(r, sigs[k].id);
                CHECK_MSG(m != NULL, "%s: %s", val, r->json);
                if (m == NULL)
                    return;
                /* 944200 shows the value, 944210 at most 16 bytes from the signature */
                const char *want = sigs[k].id == 944200 ? val : val + off;
                CHECK_MSG(strncmp(m->matched, want, 16) == 0 &&
                              strlen(m->matched) == (sigs[k].id == 944200 ? len
                                                     : len - off < 16     ? len - off
                                                                          : 16),
                          "%s: matched %s", val, m->matched);
            }
        }
    }
}

/* The low form and charmask of nval_build, a byte at a time: lowercase, every run of
 * whitespace one space, the bit of every byte that has one. */
static size_t low_by_bytes(const char *s, size_t n, char *out, uint64_t *mask)
{
    size_t l = 0;
    bool sp = false;
    *mask = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = nval_char_bit[(unsigned char)s[i]];
        if (b != 0)
            *mask |= (uint64_t)1 << (b - 1);
        bool ws = is_space(s[i]);
        if (ws && sp)
            continue;
        out[l++] = ws ? ' ' : lc(s[i]);
        sp = ws;
    }
    return l;
}

TEST(test_nval_low_form_of_prose_matches_byte_by_byte_folding)
{
    /* words of prose eight bytes at a time: letters, single and double spaces, tabs and line
       breaks, punctuation, at every alignment */
    static const char alphabet[] = "abcXYZ019  \t\n.,'-!?;:()<>/\"=+_~*";
    arena a;
    arena_init(&a);
    char s[80], want[80];
    unsigned seed = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 1 + (size_t)(iter % 70);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            /* mostly letters, as in prose */
            unsigned r = (seed >> 16) % 64;
            s[i] = r < 40 ? "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123"[r]
                          : alphabet[(seed >> 8) % (sizeof alphabet - 1)];
        }
        arena_reset(&a);
        nval v;
        nval_build(&a, &v, s, n);
        uint64_t mask;
        size_t wl = low_by_bytes(s, n, want, &mask);
        CHECK_MSG(v.low_len == wl && memcmp(v.low, want, wl) == 0 && v.low[wl] == '\0',
                  "low of \"%.*s\": \"%s\"", (int)n, s, v.low);
        CHECK_MSG(v.charmask == mask, "charmask of \"%.*s\"", (int)n, s);
        bool dotted = false;
        for (size_t i = 1; i + 1 < n; i++)
            dotted |= s[i] == '.' && is_alpha(s[i - 1]) && is_alpha(s[i + 1]);
        CHECK_MSG(v.dotted_word == dotted, "dotted_word of \"%.*s\"", (int)n, s);
        if (v.low_len != wl || v.charmask != mask || v.dotted_word != dotted)
            break;
    }
    arena_destroy(&a);
}

TEST(test_plain_form_pairs_split_like_the_general_walk)
{
    /* empty values and names, a pair with two '=', an empty pair and a name alone take the
       general path; the plain pairs around them the one-pass path: same locations, same order */
    const waf_result *r = analyze_post("/s", "application/x-www-form-urlencoded",
                                       "k=whoami&x=&=sysobjects&y=a=b&z=rO0ABq&&sysobjects&"
                                       "q=SYSTEMS&r=whoami5&t=WHOAMI");
    static const struct {
        uint32_t id;
        const char *loc;
    } want[] = {
        {932110, "ARGS:k"}, {942140, "ARGS"}, {944200, "ARGS:z"}, {942140, "ARGS_NAMES:sysobjects"},
        {932110, "ARGS:t"},
    };
    CHECK_INT_EQ(r->match_count, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < r->match_count && i < sizeof want / sizeof want[0]; i++) {
        CHECK_INT_EQ(r->matches[i].rule_id, want[i].id);
        CHECK_STR_EQ(r->matches[i].location, want[i].loc);
    }
}

TEST(test_plain_cookie_pairs_split_like_the_general_walk)
{
    /* the same for cookies: ';' ends a pair, spaces before a name are skipped, a value is
       decoded without '+' */
    const waf_result *r = analyze_doc(
        "{\"method\":\"GET\",\"uri\":\"/\",\"headers\":[[\"Host\",\"a\"],[\"Cookie\",\"k=whoami; "
        "x=; =sysobjects;y=a=b; z=rO0ABq;; sysobjects; q=SYSTEMS; r=whoami5;t=WHOAMI;"
        "u=v%3B\"]],\"body\":\"\",\"client_ip\":\"1\"}");
    static const struct {
        uint32_t id;
        const char *loc;
    } want[] = {
        {932110, "REQUEST_COOKIES:k"}, {942140, "REQUEST_COOKIES"},
        {944200, "REQUEST_COOKIES:z"}, {942140, "ARGS_NAMES:sysobjects"},
        {932110, "REQUEST_COOKIES:t"},
    };
    CHECK_INT_EQ(r->match_count, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < r->match_count && i < sizeof want / sizeof want[0]; i++) {
        CHECK_INT_EQ(r->matches[i].rule_id, want[i].id);
        CHECK_STR_EQ(r->matches[i].location, want[i].loc);
    }
}

static void check_find_any(const char *const *list, const char *hay, long at, size_t want)
{
    static needle_cache nc;
    inspect in;
    memset(&in, 0, sizeof in);
    in.needles = &nc;
    for (int pass = 0; pass < 2; pass++) { /* the second pass uses the cached filter */
        size_t which = 99;
        const char *p = find_any(&in, hay, strlen(hay), list, &which);
        CHECK_MSG((p == NULL ? -1 : p - hay) == at, "%s", hay);
        if (p != NULL)
            CHECK_MSG(which == want, "%s: which %zu", hay, which);
    }
}

TEST(test_find_any_reports_the_first_needle_in_list_order_at_the_earliest_position)
{
    /* needles sharing first bytes and prefixes: the earliest position, and there the first
       needle in list order, with a two-byte needle in the list (its own filter) and without
       (the triple filter alone) */
    static const char *const mixed[] = {"abcd", "abc", "xyz", "ab", "abce", NULL};
    static const char *const triples[] = {"abcd", "abc", "abce", "xyz", NULL};
    check_find_any(mixed, "zzabcz", 2, 1);
    check_find_any(mixed, "abcd", 0, 0);
    check_find_any(mixed, "qabce", 1, 1);
    check_find_any(mixed, "xxyab", 3, 3);
    check_find_any(mixed, "xyzab", 0, 2);
    check_find_any(mixed, "aXbc", -1, 0);
    check_find_any(mixed, "", -1, 0);
    check_find_any(triples, "zzabcz", 2, 1);
    check_find_any(triples, "qabce", 1, 1);
    check_find_any(triples, "xxyab", -1, 0);
    check_find_any(triples, "abxyz", 2, 3);
    check_find_any(triples, "ab", -1, 0);
}

TEST(test_serialized_streams_report_the_earliest_signature_around_stream_bytes)
{
    /* AC ED without 00 05 is no stream header: the search goes on to the signature after it,
       which counts from where it starts; the earlier of two signatures is the one reported */
    static const struct {
        const char *body;
        uint32_t rule, other;
        const char *matched;
    } cases[] = {
        {"v=%AC%EDgASVxyz", 944210, 944200, "gASVxyz"},
        {"v=xx%AC%ED%AC%EDrO0ABxx", 944200, 944210, NULL},
        {"v=gASV1%AC%EDrO0AB", 944210, 944200, "gASV1\xac\xedrO0AB"},
        {"v=rO0AB-gASV", 944200, 944210, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const waf_result *r =
            analyze_post("/s", "application/x-www-form-urlencoded", cases[i].body);
        const waf_match *m = find_rule(r, cases[i].rule);
        CHECK_MSG(m != NULL, "%s: rule %u", cases[i].body, cases[i].rule);
        CHECK_MSG(find_rule(r, cases[i].other) == NULL, "%s: rule %u", cases[i].body,
                  cases[i].other);
        if (m != NULL && cases[i].matched != NULL)
            CHECK_STR_EQ(m->matched, cases[i].matched);
    }
}
