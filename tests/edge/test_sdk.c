/*
 * The module SDK (guest/sdk/aegis.h) compiled natively: its JSON reader on valid, escaped,
 * truncated and hostile input (it runs inside modules on bytes a client chose), and the exact
 * bytes its result builders produce.
 */
#include "../../guest/sdk/aegis.h"

#include "test.h"

static aegis_json J(const char *s)
{
    return aegis_json_parse(s, strlen(s));
}

TEST(test_sdk_parses_request_and_finds_headers_case_insensitively)
{
    const char *doc =
        "{\"method\":\"POST\",\"uri\":\"/a?b=\\\"c\\\"\",\"headers\":[[\"Host\",\"x\"],"
        "[\"X-Token\",\"t\\u00e9\"]],\"body\":\"hi\",\"client_ip\":\"10.0.0.1\"}";
    aegis_request r;
    CHECK(aegis_request_parse(&r, doc, (int32_t)strlen(doc)));
    char out[64];
    CHECK_INT_EQ(aegis_json_string(r.method, out, sizeof out), 4);
    CHECK_STR_EQ(out, "POST");
    CHECK_INT_EQ(aegis_json_string(r.uri, out, sizeof out), 8);
    CHECK_STR_EQ(out, "/a?b=\"c\"");
    CHECK_INT_EQ(aegis_request_header(&r, "x-token", out, sizeof out), 3);
    CHECK_STR_EQ(out, "t\xc3\xa9");
    CHECK_INT_EQ(aegis_request_header(&r, "HOST", out, sizeof out), 1);
    CHECK_INT_EQ(aegis_request_header(&r, "missing", out, sizeof out), -1);
    CHECK_INT_EQ(aegis_json_string(r.client_ip, out, sizeof out), 8);
    CHECK_INT_EQ(r.body_base64.len, 0);
    CHECK(!aegis_request_parse(&r, "[1,2]", 5));
    CHECK(!aegis_request_parse(&r, "", 0));
    CHECK(!aegis_request_parse(&r, "{\"method\":\"GET\"}", -3));
}

TEST(test_sdk_decodes_escapes_surrogates_and_truncates)
{
    char out[8];
    CHECK_INT_EQ(aegis_json_string(J("\"\\ud83d\\ude00\""), out, sizeof out), 4);
    CHECK_STR_EQ(out, "\xf0\x9f\x98\x80");
    CHECK_INT_EQ(aegis_json_string(J("\"\\ud83d!\""), out, sizeof out), 4); /* lone: U+FFFD */
    CHECK_STR_EQ(out, "\xef\xbf\xbd!");
    CHECK_INT_EQ(aegis_json_string(J("\"a\\n\\t\\/\""), out, sizeof out), 4);
    CHECK_STR_EQ(out, "a\n\t/");
    CHECK_INT_EQ(aegis_json_string(J("\"0123456789\""), out, sizeof out), 10);
    CHECK_STR_EQ(out, "0123456"); /* cut at cap - 1, length still reported */
    CHECK_INT_EQ(aegis_json_string(J("\"\\u12x4\""), out, sizeof out), -1);
    CHECK_INT_EQ(aegis_json_string(J("42"), out, sizeof out), -1);
    CHECK_INT_EQ(aegis_json_int(J("-1234"), 7), -1234);
    CHECK_INT_EQ(aegis_json_int(J("null"), 7), 7);
}

TEST(test_sdk_reader_refuses_malformed_and_hostile_documents)
{
    CHECK_INT_EQ(J("{\"a\":\"unterminated}").len, 0);
    CHECK_INT_EQ(J("]").len, 0);
    CHECK_INT_EQ(aegis_json_get(J("{\"a\" 1}"), "a").len, 0);
    CHECK_INT_EQ(aegis_json_get(J("{\"a\":1,}"), "b").len, 0);
    char deep[300];
    memset(deep, '[', 200);
    memset(deep + 200, ']', 99);
    deep[299] = '\0';
    CHECK_INT_EQ(J(deep).len, 0); /* nesting past 64 levels is refused, not recursed into */
    aegis_json arr = J("[1, \"two\", [3], {\"x\":4}]");
    CHECK_INT_EQ(aegis_json_int(aegis_json_at(arr, 0), 0), 1);
    CHECK_INT_EQ(aegis_json_at(aegis_json_at(arr, 2), 0).len, 1);
    CHECK_INT_EQ(aegis_json_int(aegis_json_get(aegis_json_at(arr, 3), "x"), 0), 4);
    CHECK_INT_EQ(aegis_json_at(arr, 4).len, 0);
    CHECK_INT_EQ(aegis_json_at(J("{}"), 0).len, 0);
}

TEST(test_sdk_builds_framed_results_exactly)
{
    aegis_buf b;
    aegis_response_begin(&b, 201);
    aegis_response_header(&b, "X-A", "q\"uote");
    aegis_response_header(&b, "X-B", "tab\there");
    aegis_response_end(&b, "body\x01", 5);
    const char *want =
        "{\"status\":201,\"headers\":[[\"X-A\",\"q\\\"uote\"],[\"X-B\",\"tab\\u0009here\"]],"
        "\"body\":\"body\\u0001\"}";
    CHECK(!b.failed);
    CHECK_UINT_EQ(b.len - 4, strlen(want));
    CHECK_UINT_EQ((uint8_t)b.p[0] | (uint8_t)b.p[1] << 8, strlen(want)); /* u32 LE frame */
    CHECK_INT_EQ(b.p[2] | b.p[3], 0);
    CHECK(memcmp(b.p + 4, want, strlen(want)) == 0);
    free(b.p);
    aegis_response_begin(&b, -1);
    aegis_response_end(&b, NULL, 0);
    CHECK_UINT_EQ(b.len - 4, strlen("{\"status\":null,\"headers\":[],\"body\":\"\"}"));
    CHECK(memcmp(b.p + 4, "{\"status\":null,\"headers\":[],\"body\":\"\"}", b.len - 4) == 0);
    free(b.p);
}
