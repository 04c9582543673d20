/*
 * The WAF's strict JSON parser (guest/waf/json.c) on valid documents and on hostile ones:
 * every malformed input is rejected with the offset and reason, never crashes.
 */
#include "../../guest/waf/waf_int.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static char err[128];

static jnode *parse(arena *a, const char *s)
{
    return json_parse(a, s, strlen(s), err, sizeof err);
}

#define CHECK_REJECTS(text, why)                                                                   \
    do {                                                                                           \
        arena a_;                                                                                  \
        arena_init(&a_);                                                                           \
        CHECK_MSG(parse(&a_, (text)) == NULL, "accepted %s", (text));                              \
        CHECK_STR_EQ(err, (why));                                                                  \
        arena_destroy(&a_);                                                                        \
    } while (0)

TEST(test_json_parses_request_document)
{
    arena a;
    arena_init(&a);
    jnode *root = parse(&a, "{\"method\":\"GET\",\"uri\":\"/a?b=c\",\"headers\":[[\"Host\",\"x\"]],"
                            "\"body\":\"\",\"n\":-1.5e3,\"t\":true,\"z\":null}");
    CHECK(root != NULL);
    CHECK_INT_EQ(root->type, J_OBJECT);
    CHECK_UINT_EQ(root->count, 7);
    CHECK(json_str_eq(json_get(root, "method"), "GET", false));
    const jnode *h = json_get(root, "headers");
    CHECK_INT_EQ(h->type, J_ARRAY);
    CHECK(json_str_eq(h->child->child, "host", true));
    CHECK(!json_str_eq(h->child->child, "host", false));
    const jnode *n = json_get(root, "n");
    CHECK_INT_EQ(n->type, J_NUMBER);
    CHECK_UINT_EQ(n->len, 6);
    CHECK(json_get(root, "missing") == NULL);
    arena_destroy(&a);
}

TEST(test_json_decodes_escapes_and_surrogate_pairs)
{
    arena a;
    arena_init(&a);
    jnode *s = parse(&a, "\"a\\u0000b\\n\\u00e9\\ud83d\\ude00\\/\"");
    CHECK(s != NULL);
    CHECK_UINT_EQ(s->len, 1 + 1 + 1 + 1 + 2 + 4 + 1);
    CHECK(memcmp(s->str, "a\0b\n\xc3\xa9\xf0\x9f\x98\x80/", s->len) == 0);
    arena_destroy(&a);
}

TEST(test_json_rejects_malformed_documents_with_offsets)
{
    CHECK_REJECTS("", "offset 0: unexpected end of input");
    CHECK_REJECTS("{\"a\":1,}", "offset 7: expected member name");
    CHECK_REJECTS("[1,2", "offset 4: unterminated array");
    CHECK_REJECTS("{\"a\" 1}", "offset 5: expected ':'");
    CHECK_REJECTS("\"abc", "offset 1: unterminated string");
    CHECK_REJECTS("01", "offset 1: trailing data after the document");
    CHECK_REJECTS("1.", "offset 2: invalid number: digit expected after '.'");
    CHECK_REJECTS("-", "offset 1: invalid number");
    CHECK_REJECTS("tru", "offset 0: invalid literal");
    CHECK_REJECTS("{} x", "offset 3: trailing data after the document");
    CHECK_REJECTS("[1 2]", "offset 3: expected ',' or ']'");
    CHECK_REJECTS("/* c */ 1", "offset 0: invalid number");
}

TEST(test_json_rejects_bad_strings)
{
    CHECK_REJECTS("\"\\x\"", "offset 2: invalid escape in string");
    CHECK_REJECTS("\"\\u12g4\"", "offset 3: bad hex digit in \\u escape");
    CHECK_REJECTS("\"\\ud800\"", "offset 7: high surrogate not followed by a low surrogate");
    CHECK_REJECTS("\"\\ud800\\u0041\"",
                  "offset 13: high surrogate not followed by a low surrogate");
    CHECK_REJECTS("\"\\udc00\"", "offset 7: lone low surrogate in \\u escape");
    CHECK_REJECTS("\"a\tb\"", "offset 2: control character in string");
    CHECK_REJECTS("\"\xc3\"", "offset 1: invalid UTF-8 in string");
    CHECK_REJECTS("\"\xc0\xae\"", "offset 1: invalid UTF-8 in string");
    CHECK_REJECTS("\"\xed\xa0\x80\"", "offset 1: invalid UTF-8 in string");
    CHECK_REJECTS("\"\xf5\x80\x80\x80\"", "offset 1: invalid UTF-8 in string");
    CHECK_REJECTS("\"\\", "offset 1: unterminated string");
}

TEST(test_json_limits_depth)
{
    char deep[WAF_JSON_MAX_DEPTH * 2 + 4];
    size_t k = 0;
    for (int i = 0; i < WAF_JSON_MAX_DEPTH; i++)
        deep[k++] = '[';
    for (int i = 0; i < WAF_JSON_MAX_DEPTH; i++)
        deep[k++] = ']';
    deep[k] = '\0';
    arena a;
    arena_init(&a);
    CHECK(parse(&a, deep) != NULL);
    arena_destroy(&a);
    /* one level more than allowed */
    memmove(deep + 1, deep, k + 1);
    deep[0] = '[';
    deep[k + 1] = ']';
    deep[k + 2] = '\0';
    CHECK_REJECTS(deep, "offset 32: nesting too deep");
}

TEST(test_json_limits_value_count)
{
    size_t n = (WAF_JSON_MAX_NODES + 1) * 2 + 2;
    char *s = malloc(n + 1);
    CHECK(s != NULL);
    size_t k = 0;
    s[k++] = '[';
    for (int i = 0; i < WAF_JSON_MAX_NODES; i++) {
        s[k++] = '1';
        s[k++] = ',';
    }
    s[k - 1] = ']';
    s[k] = '\0';
    arena a;
    arena_init(&a);
    CHECK(json_parse(&a, s, k, err, sizeof err) == NULL);
    CHECK_STR_HAS(err, "too many values");
    arena_destroy(&a);
    free(s);
}
