/*
 * Hostile request documents: malformed JSON, missing fields, oversized and deeply nested input,
 * invalid UTF-8, huge values and pathological repetitions. The WAF must answer every one with a
 * result (an error for documents it cannot read), in bounded time, without sanitizer reports.
 */
#include "../../guest/waf/waf.h"
#include "test.h"
#include "waf_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Wall-clock bound for one pathological request in the sanitizer build. */
#define HOSTILE_MAX_MS 2000

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

TEST(test_malformed_documents_yield_error_results)
{
    static const struct {
        const char *doc;
        const char *error;
    } cases[] = {
        {"", "request document: offset 0: unexpected end of input"},
        {"[]", "request document: not a JSON object"},
        {"{\"method\":\"GET\"}", "request document: \"method\" and \"uri\" must be strings"},
        {"{\"method\":1,\"uri\":\"/\"}",
         "request document: \"method\" and \"uri\" must be strings"},
        {"{\"method\":\"GET\",\"uri\":\"/\",}",
         "request document: offset 26: expected member name"},
        {"{\"method\":\"GET\",\"uri\":\"/\",\"waf_config\":{\"threshold\":0}}",
         "request document: waf_config: threshold must be an integer 1..100000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const waf_result *r = analyze_doc(cases[i].doc);
        CHECK_STR_EQ(r->error, cases[i].error);
        CHECK(!r->blocked);
        CHECK_INT_EQ(r->score, 0);
        CHECK_STR_HAS(r->json, "\"error\":\"");
    }
}

TEST(test_wrong_types_in_known_fields_are_ignored)
{
    const waf_result *r = analyze_doc("{\"method\":\"GET\",\"uri\":\"/\",\"headers\":{\"Host\":1},"
                                      "\"body\":7,\"body_base64\":false}");
    CHECK(r->error == NULL);
    /* without a readable Host header the request is a protocol violation */
    CHECK(find_rule(r, 920280) != NULL);
    r = analyze_doc("{\"method\":\"GET\",\"uri\":\"/\",\"headers\":[[\"Host\"],[1,2],\"x\","
                    "[\"Host\",\"a.example\",\"extra\"]],\"body\":\"\"}");
    CHECK(r->error == NULL);
    CHECK(find_rule(r, 920280) != NULL);
}

TEST(test_oversized_document_is_refused_without_reading_it)
{
    size_t n = WAF_MAX_REQUEST_BYTES + 1;
    char *big = malloc(n);
    CHECK(big != NULL);
    memset(big, ' ', n);
    waf *w = waf_new(NULL);
    const waf_result *r = waf_analyze(w, (const uint8_t *)big, n);
    CHECK_STR_EQ(r->error, "request document: larger than 524288 bytes");
    CHECK_STR_EQ(waf_analyze(w, NULL, 0)->error,
                 "request document: offset 0: unexpected end of input");
    CHECK_STR_EQ(waf_analyze(w, NULL, 5)->error, "request document: larger than 524288 bytes");
    waf_free(w);
    free(big);
}

TEST(test_invalid_utf8_in_document_is_rejected)
{
    const waf_result *r =
        analyze_doc("{\"method\":\"GET\",\"uri\":\"/\xff\xfe\",\"headers\":[],\"body\":\"\"}");
    CHECK_STR_EQ(r->error, "request document: offset 24: invalid UTF-8 in string");
}

TEST(test_invalid_base64_body_is_not_inspected_but_request_is)
{
    const waf_result *r =
        analyze_doc("{\"method\":\"POST\",\"uri\":\"/?q=%3Cscript%3E\",\"headers\":"
                    "[[\"Host\",\"a\"]],\"body\":\"\",\"body_base64\":\"!!!\"}");
    CHECK(r->error == NULL);
    CHECK(find_rule(r, 941110) != NULL);
}

/* Builds a request whose single query value is `reps` copies of unit, and times it. */
TEST(test_inspection_limit_blocks_what_it_cannot_inspect)
{
    /* 70 KiB of harmless text, then an attack: past the default limit of 64 KiB */
    size_t pad = 70 * 1024;
    char *doc = malloc(pad + 512);
    CHECK(doc != NULL);
    size_t k = (size_t)snprintf(doc, 512,
                                "{\"method\":\"POST\",\"uri\":\"/\",\"headers\":"
                                "[[\"Host\",\"a\"],[\"Content-Type\",\"text/plain\"]],"
                                "\"body\":\"");
    memset(doc + k, 'a', pad);
    k += pad;
    k += (size_t)snprintf(doc + k, 512, "<script>alert(1)</script>\"}");
    waf *w = waf_new(NULL);
    const waf_result *r = waf_analyze(w, (const uint8_t *)doc, k);
    CHECK(r->error == NULL);
    CHECK(r->blocked);
    CHECK_UINT_EQ(r->match_count, 1);
    CHECK_UINT_EQ(r->matches[0].rule_id, 920410);
    CHECK_STR_EQ(r->matches[0].location, "REQUEST_BODY");
    /* a higher limit inspects it all and finds the real attack */
    waf_config cfg = waf_config_default();
    cfg.max_inspect_bytes = 128 * 1024;
    waf_set_config(w, &cfg);
    r = waf_analyze(w, (const uint8_t *)doc, k);
    CHECK(r->blocked);
    CHECK_UINT_EQ(r->matches[0].rule_id, 941110);
    CHECK_UINT_EQ(r->match_count, 1);
    waf_free(w);
    free(doc);
}

static void pathological(const char *unit, size_t reps)
{
    size_t ul = strlen(unit);
    size_t cap = ul * reps + 256;
    char *doc = malloc(cap);
    CHECK(doc != NULL);
    size_t k = (size_t)snprintf(doc, cap,
                                "{\"method\":\"POST\",\"uri\":\"/\",\"headers\":[[\"Host\","
                                "\"a\"],[\"Content-Type\",\"text/plain\"]],\"body\":\"");
    for (size_t i = 0; i < reps; i++) {
        memcpy(doc + k, unit, ul);
        k += ul;
    }
    k += (size_t)snprintf(doc + k, cap - k, "\"}");
    waf_config cfg = waf_config_default();
    cfg.max_inspect_bytes = WAF_MAX_INSPECT_BYTES;
    waf *w = waf_new(&cfg);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const waf_result *r = waf_analyze(w, (const uint8_t *)doc, k);
    double ms = ms_since(&t0);
    CHECK_MSG(r->json != NULL && r->json[0] == '{', "no result for %s", unit);
    CHECK_MSG(ms < HOSTILE_MAX_MS, "%zu x \"%s\" took %.0f ms", reps, unit, ms);
    waf_free(w);
    free(doc);
}

TEST(test_pathological_repetitions_stay_linear)
{
    static const char *const units[] = {
        "<",
        "<a ",
        "<a x=\\\"",
        "'",
        "\\\"",
        "(",
        ")(",
        "${",
        "{{",
        "%25",
        "%2525",
        "&#",
        "&#x0000000000",
        "/*",
        "/*!",
        "--",
        "#",
        ";",
        "|",
        "$(",
        "`",
        "../",
        "....//",
        "\\\\",
        "'+",
        "a'or'",
        "union select ",
        "%u0",
        "=",
        "@@",
        "a,",
        "[$ne]",
        "*)(",
        "\\r\\n",
        "jav&#x09;",
        "javascript:",
        "${${lower:j}",
        "{",
        "@",
        "0x",
        "1e",
        "ab",
        " ",
    };
    /* about 200 KiB per value: below the document limit once JSON-escaped */
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        pathological(units[i], 200000 / strlen(units[i]));
}

TEST(test_many_arguments_and_headers)
{
    size_t cap = 400000;
    char *doc = malloc(cap);
    CHECK(doc != NULL);
    size_t k = (size_t)snprintf(doc, cap, "{\"method\":\"GET\",\"uri\":\"/?");
    for (int i = 0; i < 20000; i++)
        k += (size_t)snprintf(doc + k, cap - k, "a%d=b&", i);
    k += (size_t)snprintf(doc + k, cap - k, "\",\"headers\":[[\"Host\",\"a\"]");
    for (int i = 0; i < 2000; i++)
        k += (size_t)snprintf(doc + k, cap - k, ",[\"X-H%d\",\"v'--\"]", i);
    k += (size_t)snprintf(doc + k, cap - k, "],\"body\":\"\"}");
    waf_config cfg = waf_config_default();
    cfg.max_inspect_bytes = WAF_MAX_INSPECT_BYTES;
    waf *w = waf_new(&cfg);
    const waf_result *r = waf_analyze(w, (const uint8_t *)doc, k);
    CHECK(r->error == NULL);
    /* 2000 matches, only WAF_MAX_MATCHES recorded, every one scored */
    CHECK_UINT_EQ(r->match_count, WAF_MAX_MATCHES);
    CHECK_INT_EQ(r->score, 2000 * 5);
    waf_free(w);
    free(doc);
}

TEST(test_deep_json_body_is_inspected_or_left_as_raw)
{
    char body[4096];
    size_t k = 0;
    for (int i = 0; i < 100; i++)
        k += (size_t)snprintf(body + k, sizeof body - k, "{\\\"a\\\":");
    k += (size_t)snprintf(body + k, sizeof body - k, "\\\"<script>\\\"");
    for (int i = 0; i < 100; i++)
        body[k++] = '}';
    body[k] = '\0';
    char doc[8192];
    snprintf(doc, sizeof doc,
             "{\"method\":\"POST\",\"uri\":\"/\",\"headers\":[[\"Host\",\"a\"],"
             "[\"Content-Type\",\"application/json\"]],\"body\":\"%s\"}",
             body);
    const waf_result *r = analyze_doc(doc);
    CHECK(r->error == NULL);
    /* too deep for the JSON walker: inspected as a raw body, still caught */
    const waf_match *m = find_rule(r, 941110);
    CHECK(m != NULL);
    CHECK_STR_EQ(m->location, "REQUEST_BODY");
}
