/*
 * A small WAF module for the tests of the WAF stage (the real one is guest/waf): it blocks a
 * request whose URI or body contains "attack" (rule 1001, category "test"), traps when the URI
 * contains "waf-trap", spins forever on "waf-loop", and passes everything else.
 */
#include "aegis.h"

AEGIS_DEFINE_ALLOC()

static volatile int32_t sink;

AEGIS_EXPORT("analyze_request") int32_t analyze_request(const char *ptr, int32_t len)
{
    aegis_request req;
    if (!aegis_request_parse(&req, ptr, len))
        __builtin_trap();
    char uri[512], body[1024];
    aegis_json_string(req.uri, uri, sizeof uri);
    aegis_json_string(req.body, body, sizeof body);
    if (strstr(uri, "waf-trap"))
        __builtin_trap();
    if (strstr(uri, "waf-loop"))
        for (;;)
            sink++;
    aegis_buf b;
    aegis_buf_init(&b);
    const char *where = strstr(uri, "attack") ? "uri" : strstr(body, "attack") ? "body" : NULL;
    if (where != NULL) {
        aegis_buf_puts(&b, "{\"blocked\":true,\"score\":10,\"matches\":[{\"rule_id\":1001,"
                           "\"category\":\"test\",\"severity\":\"critical\",\"location\":");
        aegis_buf_json_string(&b, where, strlen(where));
        aegis_buf_puts(&b, ",\"matched\":\"attack\"}],\"execution_time_us\":1}");
    } else {
        aegis_buf_puts(&b,
                       "{\"blocked\":false,\"score\":0,\"matches\":[],\"execution_time_us\":1}");
    }
    return aegis_buf_finish(&b);
}
