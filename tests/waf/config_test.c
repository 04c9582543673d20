/*
 * Configuration: threshold, paranoia level and per-route exclusions, given to a WAF at creation
 * (waf_config_parse, as the configure export does) or inside one request document.
 */
#include "../../guest/waf/waf.h"
#include "corpus.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const waf_result *run(waf *w, const char *uri, const char *extra)
{
    static char doc[2048];
    snprintf(doc, sizeof doc,
             "{\"method\":\"GET\",\"uri\":\"%s\",\"headers\":[[\"Host\",\"a\"]],"
             "\"body\":\"\"%s}",
             uri, extra ? extra : "");
    return waf_analyze(w, (const uint8_t *)doc, strlen(doc));
}

TEST(test_config_defaults)
{
    waf_config c = waf_config_default();
    CHECK_INT_EQ(c.threshold, 5);
    CHECK_INT_EQ(c.paranoia, 1);
    CHECK_UINT_EQ(c.max_inspect_bytes, 65536);
    CHECK_UINT_EQ(c.exclusion_count, 0);
}

TEST(test_config_parse_full_document)
{
    waf_config c;
    char err[128];
    const char *j = "{\"threshold\":10,\"paranoia\":2,\"max_inspect_bytes\":4096,\"exclusions\":[{"
                    "\"path_prefix\":\"/api/\","
                    "\"rule_ids\":[942100,941110],\"categories\":[\"sqli\"]}]}";
    CHECK_MSG(waf_config_parse(&c, j, strlen(j), err, sizeof err), "%s", err);
    CHECK_INT_EQ(c.threshold, 10);
    CHECK_INT_EQ(c.paranoia, 2);
    CHECK_UINT_EQ(c.max_inspect_bytes, 4096);
    CHECK_UINT_EQ(c.exclusion_count, 1);
    CHECK_STR_EQ(c.exclusions[0].path_prefix, "/api/");
    CHECK_UINT_EQ(c.exclusions[0].rule_count, 2);
    CHECK_UINT_EQ(c.exclusions[0].rule_ids[1], 941110);
    CHECK_STR_EQ(c.exclusions[0].categories[0], "sqli");
}

TEST(test_config_parse_errors_are_precise)
{
    static const struct {
        const char *json, *error;
    } cases[] = {
        {"[]", "configuration must be a JSON object"},
        {"{\"threshold\":\"5\"}", "threshold must be an integer 1..100000"},
        {"{\"threshold\":1.5}", "threshold must be an integer 1..100000"},
        {"{\"paranoia\":0}", "paranoia must be an integer 1..4"},
        {"{\"max_inspect_bytes\":100}", "max_inspect_bytes must be an integer 1024..1048576"},
        {"{\"max_inspect_bytes\":10000000000}",
         "max_inspect_bytes must be an integer 1024..1048576"},
        {"{\"colour\":1}", "unknown configuration key \"colour\""},
        {"{\"exclusions\":{}}", "exclusions must be an array of at most 16 objects"},
        {"{\"exclusions\":[{\"rule_ids\":[0]}]}", "exclusions: rule ids are integers 1..999999"},
        {"{\"exclusions\":[{\"x\":1}]}", "exclusions: unknown key \"x\""},
        {"{\"threshold\":", "configuration JSON: offset 13: unexpected end of input"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        waf_config c;
        char err[128];
        CHECK_MSG(!waf_config_parse(&c, cases[i].json, strlen(cases[i].json), err, sizeof err),
                  "accepted %s", cases[i].json);
        CHECK_STR_EQ(err, cases[i].error);
    }
}

TEST(test_threshold_decides_blocking)
{
    waf_config c = waf_config_default();
    c.threshold = 11;
    waf *w = waf_new(&c);
    /* scores 10: two critical rules */
    const waf_result *r = run(w, "/?id=%27%20or%20%271%27%3D%271", NULL);
    CHECK_INT_EQ(r->score, 10);
    CHECK(!r->blocked);
    c.threshold = 10;
    waf_set_config(w, &c);
    CHECK(run(w, "/?id=%27%20or%20%271%27%3D%271", NULL)->blocked);
    waf_free(w);
}

TEST(test_paranoia_two_adds_stricter_rules)
{
    waf *w = waf_new(NULL);
    /* no User-Agent: only a paranoia-2 notice */
    CHECK_INT_EQ(run(w, "/", NULL)->score, 0);
    const waf_result *r = run(w, "/", ",\"waf_config\":{\"paranoia\":2}");
    CHECK(r->error == NULL);
    CHECK_INT_EQ(r->score, 2);
    CHECK_UINT_EQ(r->matches[0].rule_id, 920320);
    CHECK(!r->blocked);
    waf_free(w);
}

TEST(test_paranoia_two_flags_bare_sql_statements)
{
    waf *w = waf_new(NULL);
    const char *uri = "/snippets?code=SELECT%20*%20FROM%20users";
    /* a code-sharing form at paranoia 1 */
    CHECK_INT_EQ(run(w, uri, NULL)->score, 0);
    const waf_result *r = run(w, uri, ",\"waf_config\":{\"paranoia\":2}");
    CHECK(r->blocked);
    /* 920320 (no User-Agent, a paranoia-2 notice) and the statement rule */
    CHECK_INT_EQ(r->score, 2 + 5);
    CHECK_UINT_EQ(r->matches[1].rule_id, 942230);
    CHECK_STR_EQ(r->matches[1].location, "ARGS:code");
    waf_free(w);
}

TEST(test_exclusion_by_path_prefix_and_category)
{
    waf *w = waf_new(NULL);
    const char *excl = ",\"waf_config\":{\"exclusions\":[{\"path_prefix\":\"/sql-console/\","
                       "\"categories\":[\"sqli\"]}]}";
    const waf_result *r = run(w, "/sql-console/run?q=1%20union%20select%201,2", excl);
    CHECK_INT_EQ(r->score, 0);
    CHECK(!r->blocked);
    /* other paths and other categories still apply */
    CHECK(run(w, "/search?q=1%20union%20select%201,2", excl)->blocked);
    CHECK(run(w, "/sql-console/run?q=%3Cscript%3E", excl)->blocked);
    waf_free(w);
}

TEST(test_exclusion_by_rule_id)
{
    waf *w = waf_new(NULL);
    const char *excl = ",\"waf_config\":{\"exclusions\":[{\"rule_ids\":[942200]}]}";
    const waf_result *r = run(w, "/?id=%27%20or%20%271%27%3D%271", excl);
    CHECK_INT_EQ(r->score, 5);
    CHECK_UINT_EQ(r->match_count, 1);
    CHECK_UINT_EQ(r->matches[0].rule_id, 942100);
    waf_free(w);
}

TEST(test_request_config_does_not_stick)
{
    waf *w = waf_new(NULL);
    CHECK(!run(w, "/?q=%3Cscript%3E", ",\"waf_config\":{\"threshold\":100}")->blocked);
    CHECK(run(w, "/?q=%3Cscript%3E", NULL)->blocked);
    waf_free(w);
}
