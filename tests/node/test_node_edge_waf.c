/*
 * The edge pipeline in the real aegis-node, end to end over real sockets with the real compiled
 * modules: the WAF (guest/waf) blocks an attack with 403 and a request id and passes a benign
 * request to the origin; a function on a route rewrites the response headers; a WAF that traps
 * or runs out of fuel follows its route's on_error; GET /modules and /metrics count the calls;
 * and the embedded default config (what `make run` starts) serves the demo page, blocks the
 * attack and runs the header rewriter.
 */
#include "edge_util.h"
#include "node/node.h"
#include "test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ATTACK "/?q=1%27%20OR%201=1--"

static void waf_routes(char *out, size_t cap)
{
    snprintf(out, cap,
             "  - name: app\n    path: /*\n    upstream: a\n    waf: {module: %s}\n"
             "  - name: edge\n    path: /headers\n    upstream: a\n    waf: {module: %s}\n"
             "    functions: [{module: %s}]\n",
             eu_build(0, "guest/waf.wasm"), eu_build(1, "guest/waf.wasm"),
             eu_build(2, "guest/examples/header_rewriter.wasm"));
}

TEST(test_edge_waf_blocks_attack_with_403_and_passes_benign)
{
    char routes[2048];
    waf_routes(routes, sizeof routes);
    node_env e;
    env_start(&e, routes, NULL);
    e2e_response r;
    e2e_request(e.port, "GET", ATTACK, "www.test", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 403);
    const char *id = e2e_header(&r, "X-Request-Id");
    CHECK(id != NULL && strlen(id) == 32);
    char want[128];
    snprintf(want, sizeof want, "<p>Request ID: %s</p>", id);
    CHECK_STR_HAS(r.body, want);
    CHECK(e2e_header(&r, "X-Origin") == NULL); /* the origin never saw it */
    e2e_response_free(&r);

    e2e_request(e.port, "GET", ATTACK, "www.test", "Accept: application/json\r\n", NULL, &r);
    CHECK_INT_EQ(r.status, 403);
    CHECK_STR_HAS(r.body, "{\"error\":\"blocked\",\"message\":\"The request was blocked.\"");
    e2e_response_free(&r);

    e2e_request(e.port, "GET", "/?q=hello%20world", "www.test", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(e2e_header(&r, "X-Origin"), "a");
    e2e_response_free(&r);
    /* An attack in a POST body is seen too (the body is buffered for the WAF). */
    e2e_request(e.port, "POST", "/form", "www.test",
                "Content-Type: application/x-www-form-urlencoded\r\n", "user=admin' OR '1'='1' --",
                &r);
    CHECK_INT_EQ(r.status, 403);
    e2e_response_free(&r);
    e2e_request(e.port, "POST", "/echo", "www.test", "Content-Type: text/plain\r\n", "just a note",
                &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "just a note");
    e2e_response_free(&r);

    CHECK(e2e_wait_output(&e.node, "event=waf_block module=waf", 5000));
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_edge_function_on_a_route_modifies_response_headers)
{
    char routes[2048];
    waf_routes(routes, sizeof routes);
    node_env e;
    env_start(&e, routes, NULL);
    e2e_response r;
    e2e_request(e.port, "GET", "/headers", "www.test", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(e2e_header(&r, "X-Origin"), "a");
    CHECK_STR_EQ(e2e_header(&r, "X-Edge-Function"), "header-rewriter");
    CHECK_STR_EQ(e2e_header(&r, "X-Powered-By"), "aegis-edge");
    CHECK_STR_EQ(e2e_header(&r, "X-Request-Method"), "GET");
    e2e_response_free(&r);
    /* The route without the function is left alone, and the WAF still guards /headers. */
    e2e_request(e.port, "GET", "/", "www.test", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK(e2e_header(&r, "X-Edge-Function") == NULL);
    e2e_response_free(&r);
    e2e_request(e.port, "GET", "/headers?q=%3Cscript%3Ealert(1)%3C/script%3E", "www.test", NULL,
                NULL, &r);
    CHECK_INT_EQ(r.status, 403);
    CHECK(e2e_header(&r, "X-Edge-Function") == NULL); /* blocked before the function ran */
    e2e_response_free(&r);
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_edge_waf_trap_and_fuel_follow_on_error)
{
    char routes[2048];
    const char *tw = eu_build(0, "guest/examples/test_waf.wasm");
    snprintf(routes, sizeof routes,
             "  - {name: allow, host: allow.test, path: /*, upstream: a,\n"
             "     waf: {module: %s, fuel: 200000, deadline_ms: 5000}}\n"
             "  - {name: block, host: block.test, path: /*, upstream: a,\n"
             "     waf: {module: %s, on_error: block, fuel: 200000, deadline_ms: 5000}}\n"
             "  - {name: slow, host: slow.test, path: /*, upstream: a,\n"
             "     waf: {module: %s, on_error: block, fuel: 1000000000000, deadline_ms: 20}}\n",
             tw, tw, tw);
    node_env e;
    env_start(&e, routes, NULL);
    char origin[16];
    CHECK_INT_EQ(env_get(&e, "allow.test", "/?waf-trap", origin, sizeof origin), 200);
    CHECK_STR_EQ(origin, "a");
    CHECK_INT_EQ(env_get(&e, "block.test", "/?waf-trap", origin, sizeof origin), 403);
    /* An endless loop: stopped by fuel (200,000 units long before the 5 s deadline), and where
     * the fuel is endless, by the 20 ms deadline. */
    CHECK_INT_EQ(env_get(&e, "allow.test", "/?waf-loop", origin, sizeof origin), 200);
    CHECK_INT_EQ(env_get(&e, "block.test", "/?waf-loop", origin, sizeof origin), 403);
    CHECK_INT_EQ(env_get(&e, "slow.test", "/?waf-loop", origin, sizeof origin), 403);
    /* The node keeps serving, with the same module, on both routes. */
    CHECK_INT_EQ(env_get(&e, "block.test", "/?fine", origin, sizeof origin), 200);
    CHECK_INT_EQ(env_get(&e, "allow.test", "/?attack", origin, sizeof origin), 403);
    e2e_response r;
    CHECK_INT_EQ(eu_admin(&e, "GET", "/modules", &r), 200);
    CHECK_STR_HAS(r.body, "\"id\":\"test_waf\",\"type\":\"waf\"");
    CHECK_STR_HAS(r.body, "\"calls\":7,");
    CHECK_STR_HAS(r.body,
                  "\"traps\":{\"unreachable\":2,\"out of fuel\":2,\"deadline exceeded\":1}");
    e2e_response_free(&r);
    /* Failures of a module are logged once per second (the first here), the rest counted. */
    CHECK(e2e_wait_output(&e.node, "event=module_failed module=test_waf", 5000));
    CHECK(e2e_wait_output(&e.node, "on_error=allow", 5000));
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_edge_modules_endpoint_and_metrics_count_calls)
{
    char routes[2048];
    waf_routes(routes, sizeof routes);
    node_env e;
    env_start(&e, routes, NULL);
    e2e_response r;
    CHECK_INT_EQ(eu_admin(&e, "GET", "/modules", &r), 200);
    CHECK_STR_EQ(e2e_header(&r, "Content-Type"), "application/json");
    CHECK_STR_HAS(r.body, "\"id\":\"waf\",\"type\":\"waf\",\"sha256\":\"");
    CHECK_STR_HAS(r.body, "\"id\":\"header_rewriter\",\"type\":\"function\"");
    CHECK_STR_HAS(r.body, "\"generation\":1,");
    CHECK_STR_HAS(r.body, "\"calls\":0,");
    CHECK(strstr(r.body, "\"calls\":1") == NULL);
    e2e_response_free(&r);
    for (int i = 0; i < 3; i++) {
        char origin[16];
        CHECK_INT_EQ(env_get(&e, "www.test", "/headers", origin, sizeof origin), 200);
    }
    CHECK_INT_EQ(env_metric_is(&e, "aegis_module_calls_total{module=\"waf\"}", 3), 3);
    CHECK_INT_EQ(env_metric(&e, "aegis_module_calls_total{module=\"header_rewriter\"}"), 3);
    CHECK(env_metric(&e, "aegis_module_fuel_total{module=\"waf\"}") > 0);
    CHECK_INT_EQ(env_metric(&e, "aegis_module_latency_us_count{module=\"waf\"}"), 3);
    CHECK_INT_EQ(env_metric(&e, "aegis_edge_cache_entries"), 0);
    CHECK_INT_EQ(eu_admin(&e, "GET", "/modules", &r), 200);
    CHECK_STR_HAS(r.body, "\"calls\":3,");
    CHECK_STR_HAS(r.body, "\"last_error\":null");
    e2e_response_free(&r);
    /* Wrong methods and paths of the new endpoints. */
    CHECK_INT_EQ(eu_admin(&e, "GET", "/modules/reload", &r), 405);
    CHECK_STR_EQ(e2e_header(&r, "Allow"), "POST");
    e2e_response_free(&r);
    CHECK_INT_EQ(eu_admin(&e, "POST", "/modules", &r), 405);
    e2e_response_free(&r);
    CHECK_INT_EQ(eu_admin(&e, "POST", "/modules/reload?id=nope", &r), 404);
    CHECK_STR_EQ(r.body, "{\"error\":\"no module with this id\",\"id\":\"nope\"}\n");
    e2e_response_free(&r);
    CHECK_INT_EQ(eu_admin(&e, "POST", "/modules/reload?name=waf", &r), 400);
    e2e_response_free(&r);
    CHECK_INT_EQ(env_stop(&e), 0);
}

/* The embedded default config with its fixed ports replaced by free ones, written next to the
 * executable so that its module paths (../guest/...) resolve as they do without --config. */
TEST(test_edge_default_config_serves_page_blocks_attack_runs_function)
{
    uint16_t port = e2e_free_port(), admin = e2e_free_port(), origin = e2e_free_port();
    const char *def = node_default_config_yaml;
    size_t cap = strlen(def) + 256;
    char *text = malloc(cap);
    CHECK(text != NULL);
    size_t o = 0;
    for (const char *p = def; *p != '\0';) {
        char rep[32] = "";
        size_t skip = 0;
        if (strncmp(p, "127.0.0.1:8080", 14) == 0)
            snprintf(rep, sizeof rep, "127.0.0.1:%u", port), skip = 14;
        else if (strncmp(p, "127.0.0.1:9090", 14) == 0)
            snprintf(rep, sizeof rep, "127.0.0.1:%u", admin), skip = 14;
        else if (strncmp(p, "127.0.0.1:8081", 14) == 0)
            snprintf(rep, sizeof rep, "127.0.0.1:%u", origin), skip = 14;
        else if (strncmp(p, "workers: auto", 13) == 0)
            snprintf(rep, sizeof rep, "workers: 2"), skip = 13;
        if (skip > 0) {
            o += (size_t)snprintf(text + o, cap - o, "%s", rep);
            p += skip;
        } else {
            text[o++] = *p++;
        }
        CHECK(o < cap - 32);
    }
    text[o] = '\0';
    CHECK(strstr(text, ":8080") == NULL && strstr(text, ":9090") == NULL);
    char path[1024];
    snprintf(path, sizeof path, "%s-%d.yaml", eu_build(0, "bin/e2e-default"), (int)getpid());
    e2e_write_file(path, text);
    free(text);
    e2e_proc node;
    e2e_start_node(&node, path, port);
    CHECK(e2e_wait_port(origin, 10000));
    e2e_response r;
    e2e_request(port, "GET", "/", "127.0.0.1", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(e2e_header(&r, "X-Origin"), "demo");
    CHECK_STR_HAS(r.body, "<html");
    e2e_response_free(&r);
    e2e_request(port, "GET", ATTACK, "127.0.0.1", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 403);
    CHECK_STR_HAS(r.body, "The request was blocked.");
    e2e_response_free(&r);
    e2e_request(port, "GET", "/headers", "127.0.0.1", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(e2e_header(&r, "X-Edge-Function"), "header-rewriter");
    e2e_response_free(&r);
    CHECK_INT_EQ(e2e_stop(&node, SIGTERM, 15000), 0);
    char *out = e2e_output(&node);
    CHECK_STR_HAS(out, "event=module_loaded module=waf type=waf");
    CHECK_STR_HAS(out, "event=waf_block module=waf");
    free(out);
    unlink(path);
    unlink(node.out_path);
}
