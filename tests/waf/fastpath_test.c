/*
 * The shortcuts that keep the WAF's fixed cost per request small, held to what they replace:
 * header names classified by length and eight bytes at a time, strings of the request document
 * used in place, needle lists searched through per-byte chains, and the command lists that rce.c
 * searches by bisection.
 */
#include "../../guest/waf/waf_int.h"
#include "test.h"
#include "waf_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(test_header_kind_ignores_ascii_case_only)
{
    CHECK_INT_EQ(header_kind_of("Host", 4), HK_HOST);
    CHECK_INT_EQ(header_kind_of("ACCEPT-LANGUAGE", 15), HK_TOKEN_LIST);
    CHECK_INT_EQ(header_kind_of("accept-encoding", 15), HK_TOKEN_LIST);
    CHECK_INT_EQ(header_kind_of("User-Agent", 10), HK_USER_AGENT);
    CHECK_INT_EQ(header_kind_of("Cookie", 6), HK_COOKIE);
    CHECK_INT_EQ(header_kind_of("Acunetix-Scanning-Agreement", 27), HK_SCANNER);
    CHECK_INT_EQ(header_kind_of("Sec-CH-UA-Platform", 18), HK_QUIET);
    CHECK_INT_EQ(header_kind_of("Transfer-Encoding", 17), HK_TRANSFER_ENCODING);
    CHECK_INT_EQ(header_kind_of("content-length", 14), HK_CONTENT_LENGTH);
    /* one byte off, in the first word, the overlapping last word or a short name */
    CHECK_INT_EQ(header_kind_of("Accept-Languagf", 15), HK_OTHER);
    CHECK_INT_EQ(header_kind_of("Bccept-Language", 15), HK_OTHER);
    CHECK_INT_EQ(header_kind_of("Hosu", 4), HK_OTHER);
    CHECK_INT_EQ(header_kind_of("Content-Lengths", 15), HK_OTHER);
    /* bytes that lowercase to a name's byte only by losing their high bit or by folding '\r'
       (0x0d | 0x20 is '-') are other bytes */
    CHECK_INT_EQ(header_kind_of("Accept\rLanguage", 15), HK_OTHER);
    CHECK_INT_EQ(header_kind_of("\xc1"
                                "ccept-Language",
                                15),
                 HK_OTHER);
    CHECK_INT_EQ(header_kind_of("Accept-Languag\xc5", 15), HK_OTHER);
    CHECK_INT_EQ(header_kind_of("\xc8ost", 4), HK_OTHER);
    CHECK_INT_EQ(header_kind_of("", 0), HK_OTHER);
}

TEST(test_quiet_and_token_list_headers_in_any_case)
{
    /* a quiet header is not inspected whatever the case of its name; one byte off, it is */
    const char *quiet = "{\"method\":\"GET\",\"uri\":\"/\",\"headers\":[[\"Host\",\"a\"],"
                        "[\"CACHE-CONTROL\",\"<script>alert(1)</script>\"]],\"body\":\"\"}";
    const waf_result *r = analyze_doc(quiet);
    CHECK_MSG(r->match_count == 0, "%s", r->json);
    r = analyze_doc("{\"method\":\"GET\",\"uri\":\"/\",\"headers\":[[\"Host\",\"a\"],"
                    "[\"Cache-Contro1\",\"<script>alert(1)</script>\"]],\"body\":\"\"}");
    CHECK(r->blocked);
    CHECK_STR_EQ(r->matches[0].location, "REQUEST_HEADERS:Cache-Contro1");
    /* a token-list header keeping to its grammar is skipped, anything else is inspected */
    r = analyze_doc("{\"method\":\"GET\",\"uri\":\"/\",\"headers\":[[\"Host\",\"a\"],"
                    "[\"ACCEPT\",\"text/html, application/xml;q=0.9\"]],\"body\":\"\"}");
    CHECK_MSG(r->match_count == 0, "%s", r->json);
    r = analyze_doc("{\"method\":\"GET\",\"uri\":\"/\",\"headers\":[[\"Host\",\"a\"],"
                    "[\"Accept\",\"text/html;q=<script>alert(1)</script>\"]],\"body\":\"\"}");
    CHECK(r->blocked);
    CHECK_STR_EQ(r->matches[0].location, "REQUEST_HEADERS:Accept");
    /* a second Host, in capitals, is still a second Host */
    r = analyze_doc("{\"method\":\"GET\",\"uri\":\"/\",\"headers\":[[\"Host\",\"a\"],"
                    "[\"HOST\",\"b\"]],\"body\":\"\"}");
    CHECK(r->blocked);
    CHECK_UINT_EQ(r->matches[0].rule_id, 920290);
    /* a header name with a byte that is no tchar, past its first eight bytes */
    r = analyze_doc("{\"method\":\"GET\",\"uri\":\"/\",\"headers\":[[\"Host\",\"a\"],"
                    "[\"X-Forwarded(For\",\"1\"]],\"body\":\"\"}");
    CHECK_UINT_EQ(r->matches[0].rule_id, 920180);
}

TEST(test_json_strings_without_escapes_point_into_the_text)
{
    arena a;
    arena_init(&a);
    char err[128];
    static const char text[] = "[\"plain text of more than eight bytes\",\"a\\nb\",\"\",\"x\"]";
    jnode *root = json_parse(&a, text, sizeof text - 1, err, sizeof err);
    CHECK(root != NULL);
    const jnode *s = root->child;
    CHECK(s->str == text + 2);
    CHECK_UINT_EQ(s->len, 35);
    s = s->next;
    CHECK_UINT_EQ(s->len, 3);
    CHECK(memcmp(s->str, "a\nb", 3) == 0);
    CHECK(s->str < text || s->str >= text + sizeof text); /* decoded: a copy */
    CHECK_UINT_EQ(s->next->len, 0);
    CHECK_UINT_EQ(s->next->next->len, 1);
    CHECK(s->next->next->str[0] == 'x');
    /* each byte that ends the eight-byte scan, at every offset: the string is what the bytes
       before it and the byte itself make of it */
    for (size_t at = 0; at < 20; at++) {
        static const struct {
            const char *b;
            const char *want; /* NULL: an error */
        } stops[] = {{"\"", ""},       {"\\n", "\n"}, {"\x1f", NULL}, {"\xc3\xa9", "\xc3\xa9"},
                     {"\x7f", "\x7f"}, {"!", "!"},    {"#", "#"},     {"[", "["},
                     {"]", "]"}};
        for (size_t k = 0; k < sizeof stops / sizeof stops[0]; k++) {
            char doc[128], want[32];
            memset(want, 'q', at);
            want[at] = '\0';
            snprintf(doc, sizeof doc, "[\"%s%s%s\"]", want, stops[k].b,
                     stops[k].b[0] == '"' ? "" : "tail");
            if (stops[k].b[0] == '"') /* the string ends there: nothing may follow */
                snprintf(doc, sizeof doc, "[\"%s\"]", want);
            jnode *r = json_parse(&a, doc, strlen(doc), err, sizeof err);
            if (stops[k].want == NULL) {
                CHECK_MSG(r == NULL, "at=%zu k=%zu", at, k);
                continue;
            }
            CHECK_MSG(r != NULL, "at=%zu k=%zu: %s", at, k, err);
            if (r == NULL)
                continue;
            snprintf(want + at, sizeof want - at, "%s%s", stops[k].want,
                     stops[k].b[0] == '"' ? "" : "tail");
            CHECK_MSG(r->child->len == strlen(want) &&
                          memcmp(r->child->str, want, r->child->len) == 0,
                      "at=%zu k=%zu", at, k);
        }
    }
    /* a control byte or a quote found by the eight-byte scan ends the string at that byte */
    static const char bad[] = "[\"abcdefghij\x01klmnop\"]";
    CHECK(json_parse(&a, bad, sizeof bad - 1, err, sizeof err) == NULL);
    CHECK_STR_EQ(err, "offset 12: control character in string");
    arena_destroy(&a);
}

TEST(test_json_node_blocks_keep_every_node_distinct)
{
    /* more nodes than one block, each with its own value */
    char doc[1024];
    size_t k = 0;
    doc[k++] = '[';
    for (int i = 0; i < 40; i++)
        k += (size_t)snprintf(doc + k, sizeof doc - k, "%s%d", i ? "," : "", i);
    doc[k++] = ']';
    arena a;
    arena_init(&a);
    char err[128];
    jnode *root = json_parse(&a, doc, k, err, sizeof err);
    CHECK(root != NULL);
    CHECK_UINT_EQ(root->count, 40);
    int i = 0;
    for (const jnode *n = root->child; n != NULL; n = n->next, i++) {
        char want[16];
        snprintf(want, sizeof want, "%d", i);
        CHECK_INT_EQ(n->type, J_NUMBER);
        CHECK_UINT_EQ(n->len, strlen(want));
        CHECK(memcmp(n->str, want, n->len) == 0);
        CHECK(n->child == NULL && n->key == NULL);
    }
    CHECK_INT_EQ(i, 40);
    arena_destroy(&a);
}

static const char *const chain_list[] = {"abd", "ab", "abc", "b", "zz", NULL};

TEST(test_find_any_reports_the_earliest_position_then_the_first_needle)
{
    needle_cache *nc = calloc(1, sizeof *nc);
    CHECK(nc != NULL);
    inspect in = {.needles = nc};
    size_t which = 99;
    const char *hay = "xxabcd";
    /* at position 2, "ab" (index 1) comes before "abc" in the list; "abd" does not match */
    CHECK(find_any(&in, hay, 6, chain_list, &which) == hay + 2);
    CHECK_UINT_EQ(which, 1);
    CHECK(find_any(&in, "xb", 2, chain_list, &which) != NULL);
    CHECK_UINT_EQ(which, 3);
    CHECK(find_any(&in, "xyz", 3, chain_list, NULL) == NULL);
    CHECK(find_any_nocase(&in, "XABD", 4, chain_list, &which) != NULL);
    CHECK_UINT_EQ(which, 0);
    /* a list longer than the chains hold is searched needle by needle */
    static const char *long_list[302];
    static char words[300][16];
    for (int i = 0; i < 300; i++) {
        snprintf(words[i], sizeof words[i], "q%03d", i);
        long_list[i] = words[i];
    }
    long_list[300] = "w";
    long_list[301] = NULL;
    CHECK(find_any(&in, "..q299", 6, long_list, &which) != NULL);
    CHECK_UINT_EQ(which, 299);
    CHECK(find_any(&in, "..w", 3, long_list, &which) != NULL);
    CHECK_UINT_EQ(which, 300);
    free(nc);
}

TEST(test_sqli_catalog_summary_matches_the_catalog_names)
{
    CHECK(sqli_catalog_tables_match());
    /* names found as the word, as its qualified start and after a dot; a word that no name
       can be, by its first letter and length or by what follows its dots, is not */
    CHECK_UINT_EQ(analyze_get("/p?q=1%20union%20select%201%20from%20sysobjects")->blocked, 1);
    CHECK_UINT_EQ(analyze_get("/p?q=information_schema.tables")->blocked, 1);
    CHECK_UINT_EQ(analyze_get("/p?q=x.pg_user")->blocked, 1);
    CHECK_UINT_EQ(analyze_get("/p?q=db.master..sysdatabases")->blocked, 1);
    CHECK_UINT_EQ(analyze_get("/p?q=index.html")->blocked, 0);
    CHECK_UINT_EQ(analyze_get("/p?q=pg_use.x")->blocked, 0);
    CHECK_UINT_EQ(analyze_get("/p?q=from.dual")->blocked, 0);
}

TEST(test_rce_command_lists_are_sorted_for_bisection)
{
    CHECK(rce_command_lists_sorted());
    /* the commands that count alone, found by their first letter, in any case, and only as a
       whole word */
    CHECK_UINT_EQ(analyze_get("/p?c=IPCONFIG")->blocked, 1);
    CHECK_UINT_EQ(analyze_get("/p?c=ifconfig")->blocked, 1);
    CHECK_UINT_EQ(analyze_get("/p?c=%20%20Uname%20-a")->blocked, 1);
    CHECK_UINT_EQ(analyze_get("/p?c=ipconfigs")->blocked, 0);
    CHECK_UINT_EQ(analyze_get("/p?c=unam")->blocked, 0);
    CHECK_UINT_EQ(analyze_get("/p?c=whoam1")->blocked, 0);
    /* first, last and middle entries of the lists are found, in any case */
    CHECK_UINT_EQ(analyze_get("/p?c=x%3Barp%20-a")->blocked, 1);
    CHECK_UINT_EQ(analyze_get("/p?c=x%3BZSH")->blocked, 1);
    CHECK_UINT_EQ(analyze_get("/p?c=x%3B%20Netstat")->blocked, 1);
    CHECK_UINT_EQ(analyze_get("/p?c=WHOAMI")->blocked, 1);
    CHECK_UINT_EQ(analyze_get("/p?c=x%7C%7C%20who")->blocked, 1);
    CHECK_UINT_EQ(analyze_get("/p?c=x%3B%20zsha")->blocked, 0);
}
