/*
 * Edge functions end to end: real example modules in the proxy, requests over real sockets.
 * Header rewriting, a blocker answering 403, the body read through host calls and the request
 * JSON, send_response, the cache with TTL expiry and tenant isolation.
 */
#include "fixture.h"

#include "test.h"

#include <stdlib.h>
#include <unistd.h>

static const char *fn_rewriter[] = {"rewriter"};
static const char *fn_blocker[] = {"blocker"};
static const char *fn_body[] = {"body"};
static const char *fn_cache[] = {"cache"};
static const char *fn_chain[] = {"rewriter", "blocker"};

TEST(test_function_rewrites_response_headers_and_origin_answers)
{
    fx_load("rewriter", EDGE_MODULE_FUNCTION, fx_example("header_rewriter"));
    fx_options o = {.route_count = 1};
    o.routes[0] = (fx_route){"a", {.owner = "t1", .functions = fn_rewriter, .function_count = 1}};
    int fd = fx_connect(fx_start(&o));
    fx_response r;
    char v[128];
    for (int i = 0; i < 3; i++) { /* the restored instance serves again and again */
        CHECK(fx_request(fd, i == 1 ? "DELETE" : "GET", "/a/page", NULL, NULL, 0, &r));
        CHECK_INT_EQ(r.status, 200);
        CHECK_STR_EQ(r.body, i == 1 ? "origin DELETE /a/page 0" : "origin GET /a/page 0");
        CHECK(fx_header(&r, "X-Edge-Function", v, sizeof v));
        CHECK_STR_EQ(v, "header-rewriter");
        CHECK(fx_header(&r, "X-Request-Method", v, sizeof v));
        CHECK_STR_EQ(v, i == 1 ? "DELETE" : "GET");
        CHECK(fx_header(&r, "X-Powered-By", v, sizeof v)); /* through set_response_header */
        CHECK_STR_EQ(v, "aegis-edge");
        CHECK(fx_header(&r, "X-Origin", v, sizeof v));
    }
    /* A path outside the route is not touched. */
    CHECK(fx_request(fd, "GET", "/other", NULL, NULL, 0, &r));
    CHECK(!fx_header(&r, "X-Edge-Function", v, sizeof v));
    close(fd);
    fx_stop();
}

TEST(test_function_blocks_with_403_without_contacting_origin)
{
    fx_load("blocker", EDGE_MODULE_FUNCTION, fx_example("blocker"));
    fx_options o = {.route_count = 1};
    o.routes[0] = (fx_route){"b", {.owner = "t1", .functions = fn_blocker, .function_count = 1}};
    int fd = fx_connect(fx_start(&o));
    fx_response r;
    char v[64];
    CHECK(fx_request(fd, "GET", "/b/admin/users", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 403);
    CHECK_STR_EQ(r.body, "blocked by rule");
    CHECK(fx_header(&r, "Content-Type", v, sizeof v));
    CHECK_STR_EQ(v, "text/plain");
    CHECK(!fx_header(&r, "X-Origin", v, sizeof v));
    CHECK(fx_log_has("event=module_log", "module=blocker", "blocked: admin path"));
    CHECK(fx_request(fd, "GET", "/b/public", "X-Block: yes\r\n", NULL, 0, &r));
    CHECK_INT_EQ(r.status, 403);
    CHECK(fx_request(fd, "GET", "/b/public", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "origin GET /b/public 0");
    close(fd);
    fx_stop();
}

TEST(test_functions_run_in_order_and_first_answer_wins)
{
    fx_load("rewriter", EDGE_MODULE_FUNCTION, fx_example("header_rewriter"));
    fx_load("blocker", EDGE_MODULE_FUNCTION, fx_example("blocker"));
    fx_options o = {.route_count = 1};
    o.routes[0] = (fx_route){"c", {.owner = "t1", .functions = fn_chain, .function_count = 2}};
    int fd = fx_connect(fx_start(&o));
    fx_response r;
    char v[64];
    CHECK(fx_request(fd, "GET", "/c/admin", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 403);
    /* The first function's header edits are kept on the second one's direct answer. */
    CHECK(fx_header(&r, "X-Edge-Function", v, sizeof v));
    CHECK_STR_EQ(v, "header-rewriter");
    close(fd);
    fx_stop();
}

TEST(test_function_reads_body_through_host_calls_and_json)
{
    fx_load("body", EDGE_MODULE_FUNCTION, fx_example("body_inspector"));
    fx_options o = {.route_count = 1};
    o.routes[0] = (fx_route){"d", {.owner = "t1", .functions = fn_body, .function_count = 1}};
    int fd = fx_connect(fx_start(&o));
    fx_response r;
    char v[64];
    const char *body = "hello \"edge\" body\nwith\ttabs and \xc3\xa9";
    CHECK(fx_request(fd, "POST", "/d/upload", NULL, body, strlen(body), &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(fx_header(&r, "X-Body-Size", v, sizeof v));
    CHECK_INT_EQ(atoi(v), (int)strlen(body));
    CHECK(fx_header(&r, "X-Body-Read", v, sizeof v));
    CHECK_INT_EQ(atoi(v), (int)strlen(body));
    CHECK(fx_header(&r, "X-Body-Json", v, sizeof v)); /* escapes decoded back exactly */
    CHECK_INT_EQ(atoi(v), (int)strlen(body));
    char expect[64];
    snprintf(expect, sizeof expect, "origin POST /d/upload %zu", strlen(body));
    CHECK_STR_EQ(r.body, expect); /* the buffered body still reaches the origin */

    /* Not UTF-8: "body" is "" and the bytes travel as body_base64; the host calls see them. */
    const char bin[] = {'a', (char)0xff, (char)0xfe, 0, 'b'};
    CHECK(fx_request(fd, "POST", "/d/bin", NULL, bin, sizeof bin, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(fx_header(&r, "X-Body-Read", v, sizeof v));
    CHECK_INT_EQ(atoi(v), 5);
    CHECK(fx_header(&r, "X-Body-Json", v, sizeof v));
    CHECK_INT_EQ(atoi(v), 0);

    const char *bad = "this is forbidden content";
    CHECK(fx_request(fd, "POST", "/d/upload", NULL, bad, strlen(bad), &r));
    CHECK_INT_EQ(r.status, 403);
    CHECK_STR_EQ(r.body, "forbidden word in body");
    CHECK(fx_request(fd, "GET", "/d/empty", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(fx_header(&r, "X-Body-Size", v, sizeof v));
    CHECK_STR_EQ(v, "0");
    close(fd);
    fx_stop();
}

TEST(test_send_response_and_cache_ttl_expiry)
{
    fx_load("cache", EDGE_MODULE_FUNCTION, fx_example("cache_responder"));
    fx_options o = {.route_count = 1};
    o.routes[0] = (fx_route){"k", {.owner = "t1", .functions = fn_cache, .function_count = 1}};
    int fd = fx_connect(fx_start(&o));
    fx_response r;
    char v[64];
    CHECK(fx_request(fd, "GET", "/k/cache/get/color", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 404);
    CHECK_STR_EQ(r.body, "miss");
    CHECK(!fx_header(&r, "X-Origin", v, sizeof v));
    CHECK(fx_request(fd, "GET", "/k/cache/set/color/blue/1", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "stored");
    CHECK(fx_request(fd, "GET", "/k/cache/set/shape/round/0", NULL, NULL, 0, &r));
    CHECK(fx_request(fd, "GET", "/k/cache/get/color", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "blue");
    usleep(1100 * 1000); /* past the 1 s TTL */
    CHECK(fx_request(fd, "GET", "/k/cache/get/color", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 404);
    CHECK(fx_request(fd, "GET", "/k/cache/get/shape", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200); /* TTL 0: kept */
    CHECK_STR_EQ(r.body, "round");
    CHECK(fx_request(fd, "GET", "/k/elsewhere", NULL, NULL, 0, &r));
    CHECK_STR_EQ(r.body, "origin GET /k/elsewhere 0");
    close(fd);
    fx_stop();
}

TEST(test_tenant_cannot_read_another_tenants_cache_keys)
{
    fx_load("cache", EDGE_MODULE_FUNCTION, fx_example("cache_responder"));
    fx_options o = {.route_count = 3};
    o.routes[0] =
        (fx_route){"alice", {.owner = "alice", .functions = fn_cache, .function_count = 1}};
    o.routes[1] = (fx_route){"bob", {.owner = "bob", .functions = fn_cache, .function_count = 1}};
    o.routes[2] =
        (fx_route){"alice2", {.owner = "alice", .functions = fn_cache, .function_count = 1}};
    int fd = fx_connect(fx_start(&o));
    fx_response r;
    CHECK(fx_request(fd, "GET", "/alice/cache/set/secret/a-value/60", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(fx_request(fd, "GET", "/bob/cache/get/secret", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 404);
    CHECK(fx_request(fd, "GET", "/bob/cache/set/secret/b-value/60", NULL, NULL, 0, &r));
    CHECK(fx_request(fd, "GET", "/alice/cache/get/secret", NULL, NULL, 0, &r));
    CHECK_STR_EQ(r.body, "a-value");
    CHECK(fx_request(fd, "GET", "/bob/cache/get/secret", NULL, NULL, 0, &r));
    CHECK_STR_EQ(r.body, "b-value");
    /* Another route of the same owner shares the owner's namespace. */
    CHECK(fx_request(fd, "GET", "/alice2/cache/get/secret", NULL, NULL, 0, &r));
    CHECK_STR_EQ(r.body, "a-value");
    close(fd);
    fx_stop();
}

TEST(test_request_json_is_exactly_the_abi_shape)
{
    fx_load("echo", EDGE_MODULE_FUNCTION, fx_example("request_echo"));
    static const char *fn_echo[] = {"echo"};
    fx_options o = {.route_count = 1, .as_stage = true};
    o.routes[0] = (fx_route){"e", {.owner = "t1", .functions = fn_echo, .function_count = 1}};
    int fd = fx_connect(fx_start(&o));
    fx_response r;
    char v[64];
    CHECK(fx_request(fd, "GET", "/e/p?q=1&x=%22", "X-Probe: a \"b\" \\c\r\n", NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body,
                 "{\"method\":\"GET\",\"uri\":\"/e/p?q=1&x=%22\",\"headers\":[[\"Host\",\"test\"],"
                 "[\"X-Probe\",\"a \\\"b\\\" \\\\c\"]],\"body\":\"\",\"client_ip\":\"127.0.0.1\"}");
    CHECK(fx_header(&r, "Content-Type", v, sizeof v));
    CHECK_STR_EQ(v, "application/json");
    CHECK(fx_header(&r, "X-Probe-Via-Host", v, sizeof v));
    CHECK_STR_EQ(v, "a \"b\" \\c");
    CHECK(fx_header(&r, "X-Timestamp-Ok", v, sizeof v));
    CHECK_STR_EQ(v, "yes");

    const char bin[] = {(char)0xff, 0, 'a'};
    CHECK(fx_request(fd, "POST", "/e/bin", NULL, bin, sizeof bin, &r));
    CHECK_STR_EQ(r.body, "{\"method\":\"POST\",\"uri\":\"/e/bin\",\"headers\":[[\"Host\",\"test\"],"
                         "[\"Content-Length\",\"3\"]],\"body\":\"\",\"body_base64\":\"/wBh\","
                         "\"client_ip\":\"127.0.0.1\"}");
    CHECK(fx_header(&r, "X-Probe-Via-Host", v, sizeof v));
    CHECK_STR_EQ(v, "absent");
    const char txt[] = "line1\nline2\x01\x7f";
    CHECK(fx_request(fd, "PUT", "/e/t", NULL, txt, sizeof txt - 1, &r));
    CHECK_STR_HAS(r.body, "\"body\":\"line1\\nline2\\u0001\\u007f\",\"client_ip\"");
    close(fd);
    fx_stop();
}
