/*
 * The WAF stage end to end: a test WAF module (guest/examples/test_waf.c) and the real one
 * (guest/waf, $(O)/guest/waf.wasm). Attacks get 403 with the request id (JSON or HTML by Accept)
 * and a log line naming the matched rules; benign requests reach the origin; a WAF that traps or
 * runs out of fuel follows on_error (allow or block) and the node keeps serving.
 */
#include "fixture.h"

#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static uint16_t start_waf(const char *path, bool block_on_error)
{
    fx_load("waf", EDGE_MODULE_WAF, path);
    fx_options o = {.route_count = 1};
    /* Fuel (deterministic) stops runaway WAFs here; the wall-clock deadline is generous so that
     * a busy test machine cannot turn a verdict into an on_error. */
    o.routes[0] = (fx_route){"w",
                             {.owner = "t",
                              .waf_module = "waf",
                              .waf_limits = {.deadline_ms = 2000},
                              .waf_block_on_error = block_on_error}};
    return fx_start(&o);
}

TEST(test_waf_blocks_attack_with_403_and_passes_benign)
{
    int fd = fx_connect(start_waf(fx_example("test_waf"), false));
    fx_response r;
    char id[160], v[64];
    CHECK(fx_request(fd, "GET", "/w/attack", "Accept: application/json\r\n", NULL, 0, &r));
    CHECK_INT_EQ(r.status, 403);
    CHECK(fx_header(&r, "X-Request-Id", id, sizeof id));
    CHECK(fx_header(&r, "Content-Type", v, sizeof v));
    CHECK_STR_EQ(v, "application/json");
    char expect[400];
    snprintf(expect, sizeof expect,
             "{\"error\":\"blocked\",\"message\":\"The request was blocked.\","
             "\"request_id\":\"%s\"}",
             id);
    CHECK_STR_EQ(r.body, expect);
    CHECK(fx_log_has("event=waf_block", id, "rules=1001"));

    CHECK(fx_request(fd, "POST", "/w/form", "Accept: text/html\r\n", "an attack here", 14, &r));
    CHECK_INT_EQ(r.status, 403);
    CHECK_STR_HAS(r.body, "<h1>403 Forbidden</h1>");
    CHECK(fx_header(&r, "X-Request-Id", id, sizeof id));
    CHECK_STR_HAS(r.body, id);

    CHECK(fx_request(fd, "POST", "/w/form", NULL, "peaceful", 8, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "origin POST /w/form 8");
    close(fd);
    fx_stop();
}

TEST(test_waf_trap_and_fuel_follow_on_error_allow)
{
    int fd = fx_connect(start_waf(fx_example("test_waf"), false));
    fx_response r;
    CHECK(fx_request(fd, "GET", "/w/waf-trap", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200); /* allowed through */
    CHECK_STR_EQ(r.body, "origin GET /w/waf-trap 0");
    CHECK(fx_log_has("event=module_failed", "kind=\"unreachable\"", "on_error=allow"));
    CHECK(fx_request(fd, "GET", "/w/waf-loop", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(fx_log_has("event=module_failed", "kind=\"out of fuel\"", "on_error=allow"));
    CHECK(fx_request(fd, "GET", "/w/attack", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 403); /* still analysing after the failures */
    char *json = edge_modules_render_json(fx_mods);
    CHECK_STR_HAS(json, "\"unreachable\":1");
    CHECK_STR_HAS(json, "\"type\":\"waf\"");
    free(json);
    close(fd);
    fx_stop();
}

TEST(test_waf_failure_follows_on_error_block)
{
    int fd = fx_connect(start_waf(fx_example("test_waf"), true));
    fx_response r;
    CHECK(fx_request(fd, "GET", "/w/waf-loop", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 403);
    CHECK(fx_log_has("event=module_failed", "kind=\"out of fuel\"", "on_error=block"));
    CHECK(fx_request(fd, "GET", "/w/fine", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    close(fd);
    fx_stop();
}

TEST(test_real_waf_blocks_sqli_and_xss_and_passes_benign)
{
    int fd = fx_connect(start_waf(test_build_path("guest/waf.wasm"), false));
    fx_response r;
    CHECK(fx_request(fd, "GET", "/w/items?id=1%27%20OR%20%271%27%3D%271", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 403);
    CHECK(fx_log_has("event=waf_block", "module=waf", "rules=942"));
    CHECK(
        fx_request(fd, "GET", "/w/search?q=%3Cscript%3Ealert(1)%3C/script%3E", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 403);
    CHECK(fx_request(fd, "GET", "/w/search?q=blue+shoes", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "origin GET /w/search?q=blue+shoes 0");
    const char *form = "name=Ada&comment=Nice+article";
    CHECK(fx_request(fd, "POST", "/w/comment",
                     "Content-Type: application/x-www-form-urlencoded\r\n", form, strlen(form),
                     &r));
    CHECK_INT_EQ(r.status, 200);
    close(fd);
    fx_stop();
}

TEST(test_initialisation_has_its_own_budget)
{
    /* Tens of millions of instructions in _initialize, more than the WAF's 25,000,000 per
     * request. */
    int fd = fx_connect(start_waf(fx_example("init_heavy"), true));
    fx_response r;
    char v[32];
    for (int i = 0; i < 2; i++) {
        CHECK(fx_request(fd, "GET", "/w/page", NULL, NULL, 0, &r));
        CHECK_INT_EQ(r.status, 200);
        CHECK(fx_header(&r, "X-Init", v, sizeof v));
        CHECK_INT_EQ(strlen(v), 8);
        CHECK(strcmp(v, "00000000") != 0);
    }
    close(fd);
    fx_stop();
}

TEST(test_body_too_large_for_the_waf_memory_follows_on_error)
{
    fx_load("waf", EDGE_MODULE_WAF, fx_example("test_waf"));
    fx_options o = {.route_count = 2};
    o.routes[0] = (fx_route){"allow",
                             {.owner = "t",
                              .waf_module = "waf",
                              .waf_limits = {.deadline_ms = 2000, .max_memory_bytes = 1 << 20}}};
    o.routes[1] = (fx_route){"block",
                             {.owner = "t",
                              .waf_module = "waf",
                              .waf_limits = {.deadline_ms = 2000, .max_memory_bytes = 1 << 20},
                              .waf_block_on_error = true}};
    int fd = fx_connect(fx_start(&o));
    size_t n = 2 << 20; /* the request JSON cannot fit in 1 MiB of WAF memory */
    char *body = malloc(n);
    memset(body, 'a', n);
    fx_response r;
    CHECK(fx_request(fd, "POST", "/allow/up", NULL, body, n, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(fx_log_has("kind=\"bad result\"", "returned 0x0, not a usable block", "on_error=allow"));
    CHECK(fx_request(fd, "POST", "/block/up", NULL, body, n, &r));
    CHECK_INT_EQ(r.status, 403);
    CHECK(fx_request(fd, "POST", "/block/up", NULL, "small attack", 12, &r));
    CHECK_INT_EQ(r.status, 403);
    CHECK(fx_request(fd, "POST", "/block/up", NULL, "small", 5, &r));
    CHECK_INT_EQ(r.status, 200);
    free(body);
    close(fd);
    fx_stop();
}

/* A 64 KB url-encoded form of prose (the WAF's default max_inspect_bytes is 64 KiB of values)
 * with one injection in its last field, against the real WAF with the default fuel of WAF
 * modules: the WAF must read to the end and block, not run out of fuel and let it through under
 * on_error allow. The same body without the injection passes. (The deadline is raised as in the
 * other tests here: fuel is the deterministic limit under test, wall time depends on the
 * machine's load.) */
TEST(test_real_waf_inspects_64k_body_with_default_fuel)
{
    fx_load("waf", EDGE_MODULE_WAF, test_build_path("guest/waf.wasm"));
    fx_options o = {.route_count = 1};
    o.routes[0] =
        (fx_route){"w", {.owner = "t", .waf_module = "waf", .waf_limits = {.deadline_ms = 5000}}};
    int fd = fx_connect(fx_start(&o));
    static const char prose[] =
        "Hello+team%2C+I%27d+like+to+update+my+order+from+last+week.+Please+select+the+blue+"
        "option+instead+of+the+red+one%2C+and+drop+the+gift+wrap+if+possible.+My+neighbour+"
        "O%27Brien+will+pick+it+up+-+he+lives+at+no.+12.+Thanks+a+lot+and+have+a+nice+day%21+";
    static const char attack[] = "&id=1%27%20OR%20%271%27%3D%271";
    size_t cap = 65536;
    char *body = malloc(cap + 1);
    CHECK(body != NULL);
    size_t k = (size_t)snprintf(body, cap, "name=Sean&message=");
    while (k + sizeof prose - 1 + sizeof attack - 1 <= cap - 64) {
        memcpy(body + k, prose, sizeof prose - 1);
        k += sizeof prose - 1;
    }
    size_t benign_len = k;
    memcpy(body + k, attack, sizeof attack - 1);
    k += sizeof attack - 1;
    CHECK(k > 63 * 1024 && k <= 64 * 1024);
    const char *form = "Content-Type: application/x-www-form-urlencoded\r\n";
    fx_response r;
    CHECK(fx_request(fd, "POST", "/w/contact", form, body, k, &r));
    CHECK_INT_EQ(r.status, 403);
    CHECK(fx_log_has("event=waf_block", "module=waf", "rules=942"));
    CHECK(fx_request(fd, "POST", "/w/contact", form, body, benign_len, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK_INT_EQ(fx_log_count("event=module_failed"), 0);
    free(body);
    close(fd);
    fx_stop();
}
