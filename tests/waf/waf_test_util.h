/*
 * Helpers shared by the WAF unit tests: build a request document from parts and analyze it with
 * a WAF of the default configuration, and look for a rule in a result.
 */
#ifndef AEGIS_TEST_WAF_UTIL_H
#define AEGIS_TEST_WAF_UTIL_H

#include "../../guest/waf/waf.h"

/* Analyzes a GET of uri with a Host and a browser User-Agent. The result lives until the next
 * call of any helper here. */
const waf_result *analyze_get(const char *uri);
/* Analyzes a POST of body with the given Content-Type. */
const waf_result *analyze_post(const char *uri, const char *content_type, const char *body);
/* Analyzes a request document as is. */
const waf_result *analyze_doc(const char *doc);
/* The first match of rule_id, or NULL. */
const waf_match *find_rule(const waf_result *r, uint32_t rule_id);

#endif
