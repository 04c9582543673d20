/*
 * The request document (src/edge/reqjson.c), built straight from a request: whatever bytes a
 * body holds, a JSON parser must read back exactly those bytes (or find them in body_base64 when
 * they are not UTF-8). The bodies mix plain runs longer than a word with every byte that needs an
 * escape and multi-byte UTF-8, at every offset, since the writer skips plain text a word at a
 * time.
 */
#include "edge/edge_int.h"

#include "test.h"

#include <jansson.h>
#include <stdlib.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

/* Appends one random piece: mostly plain letters, sometimes an escape or a UTF-8 sequence. */
static size_t piece(uint8_t *out)
{
    static const char *const special[] = {
        "\"",   "\\", "\n", "\r", "\t",       "\x01",         "\x1f",
        "\x7f", " ",  "/",  "~",  "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
    uint64_t x = next();
    if (x % 4 != 0) {
        size_t n = 1 + (size_t)(x >> 8) % 19;
        for (size_t i = 0; i < n; i++)
            out[i] = (uint8_t)('a' + (x >> (16 + i)) % 26);
        return n;
    }
    if ((x >> 8) % 16 == 0) {
        out[0] = 0;
        return 1;
    }
    const char *s = special[(x >> 12) % (sizeof special / sizeof special[0])];
    memcpy(out, s, strlen(s));
    return strlen(s);
}

static http_request *local_post(size_t len)
{
    http_header h[] = {{"Host", 4, "test", 4}};
    http_local_request spec = {.method = "POST",
                               .target = "/r",
                               .client_ip = "127.0.0.1",
                               .headers = h,
                               .header_count = 1,
                               .content_length = (int64_t)len};
    char err[200];
    http_request *req = http_request_local_new(&spec, err, sizeof err);
    CHECK_MSG(req != NULL, "%s", err);
    return req;
}

static json_t *parse(const edge_buf *b)
{
    json_error_t je;
    json_t *doc = json_loadb(b->p, b->len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    CHECK_MSG(doc != NULL, "not JSON: %s at %d: %.*s", je.text, je.position, (int)b->len, b->p);
    return doc;
}

TEST(test_request_json_body_reads_back_exactly_for_any_text)
{
    uint8_t body[600];
    edge_buf b = {0};
    for (int round = 0; round < 3000; round++) {
        size_t len = 0, want = (size_t)(next() % 500);
        while (len < want)
            len += piece(body + len);
        http_request *req = local_post(len);
        CHECK(edge_request_json(&b, req, body, len));
        json_t *doc = parse(&b);
        json_t *got = json_object_get(doc, "body");
        CHECK(json_is_string(got));
        CHECK_UINT_EQ(json_string_length(got), len);
        CHECK_MSG(memcmp(json_string_value(got), body, len) == 0, "round %d: body differs", round);
        CHECK(json_object_get(doc, "body_base64") == NULL);
        json_decref(doc);
        http_request_local_free(req);
    }
    edge_buf_free(&b);
}

TEST(test_request_json_sends_bodies_that_are_not_utf8_as_base64)
{
    uint8_t body[64];
    edge_buf b = {0};
    for (size_t at = 0; at < 40; at++) {
        memset(body, 'a', sizeof body);
        body[at] = 0xff; /* never valid in UTF-8, wherever it sits in a word */
        http_request *req = local_post(40);
        CHECK(edge_request_json(&b, req, body, 40));
        json_t *doc = parse(&b);
        CHECK_STR_EQ(json_string_value(json_object_get(doc, "body")), "");
        CHECK_UINT_EQ(json_string_length(json_object_get(doc, "body_base64")), 56);
        json_decref(doc);
        body[at] = 0xc3; /* a lead byte without its continuation */
        CHECK(edge_request_json(&b, req, body, 40));
        doc = parse(&b);
        CHECK(json_object_get(doc, "body_base64") != NULL);
        json_decref(doc);
        http_request_local_free(req);
    }
    edge_buf_free(&b);
}
