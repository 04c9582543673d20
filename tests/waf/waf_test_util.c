/*
 * Helpers for the WAF unit tests (see waf_test_util.h).
 */
#include "waf_test_util.h"
#include "corpus.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static waf *util_waf;
static char *util_doc;

static const waf_result *run(char *doc)
{
    if (util_waf == NULL)
        util_waf = waf_new(NULL);
    CHECK(util_waf != NULL);
    free(util_doc);
    util_doc = doc;
    return waf_analyze(util_waf, (const uint8_t *)doc, strlen(doc));
}

const waf_result *analyze_get(const char *uri)
{
    const char *h[] = {"Host: www.example.com", "User-Agent: Mozilla/5.0 (X11; Linux x86_64)"};
    return run(corpus_request("GET", uri, h, 2, NULL));
}

const waf_result *analyze_post(const char *uri, const char *content_type, const char *body)
{
    char ct[256];
    snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
    const char *h[] = {"Host: www.example.com", "User-Agent: Mozilla/5.0 (X11; Linux x86_64)", ct};
    return run(corpus_request("POST", uri, h, 3, body));
}

const waf_result *analyze_doc(const char *doc)
{
    return run(strdup(doc));
}

const waf_match *find_rule(const waf_result *r, uint32_t rule_id)
{
    for (unsigned i = 0; i < r->match_count; i++)
        if (r->matches[i].rule_id == rule_id)
            return &r->matches[i];
    return NULL;
}
