/*
 * aegis-node as a proxy, end to end over loopback sockets against real demo origins: GET and
 * POST forwarded with X-Request-Id and Via, routing by host and path (most specific wins), 404
 * without a route, 502 when the origin is down, the access log line, and the admin API.
 */
#include "env.h"
#include "test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROUTES_AB                                                                                  \
    "  - {name: all, path: /*, upstream: a}\n"                                                     \
    "  - {name: api, path: /api/*, upstream: b}\n"                                                 \
    "  - {name: api-page, path: /api/page, upstream: a}\n"                                         \
    "  - {name: b-host, host: b.test, path: /*, upstream: b}\n"

TEST(test_proxied_get_carries_request_id_and_via)
{
    node_env e;
    env_start(&e, ROUTES_AB, NULL);
    e2e_response r;
    e2e_request(e.port, "GET", "/headers?x=1", "www.test", "X-Custom: yes\r\n", NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(e2e_header(&r, "X-Origin"), "a");
    CHECK_STR_HAS(r.body, "X-Custom: yes\n");
    CHECK_STR_HAS(r.body, "X-Request-Id: ");
    CHECK_MSG(strcasestr(r.body, "\nvia: 1.1 ") != NULL, "no Via header in:\n%s", r.body);
    CHECK_MSG(strcasestr(r.body, "\nx-forwarded-for: 127.0.0.1\n") != NULL,
              "no X-Forwarded-For in:\n%s", r.body);
    /* The id the origin saw is the one in the access log. */
    char id[128] = "";
    const char *at = strstr(r.body, "X-Request-Id: ");
    sscanf(at + strlen("X-Request-Id: "), "%127[^\n]", id);
    CHECK(strlen(id) >= 8);
    e2e_response_free(&r);
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_access_log_json_line_per_request_with_request_id)
{
    node_env e;
    env_start(&e, ROUTES_AB, NULL);
    e2e_response r;
    e2e_request(e.port, "GET", "/headers?q=\"x\"", "www.test", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    char id[128] = "";
    sscanf(strstr(r.body, "X-Request-Id: ") + 14, "%127[^\n]", id);
    e2e_response_free(&r);
    e2e_request(e.port, "GET", "/nothing-here", "b.test", NULL, NULL, &r);
    e2e_response_free(&r);
    CHECK_INT_EQ(e2e_stop(&e.node, SIGTERM, 15000), 0);
    size_t len;
    char *log = (char *)test_read_file(e.log, &len);
    log = realloc(log, len + 1);
    log[len] = '\0';
    char want[512];
    snprintf(want, sizeof want,
             "\"request_id\":\"%s\",\"client\":\"127.0.0.1\",\"method\":\"GET\","
             "\"host\":\"www.test\",\"target\":\"/headers?q=\\\"x\\\"\","
             "\"status\":200,\"route\":\"all\",\"upstream\":\"127.0.0.1:%u\"",
             id, e.port_a);
    CHECK_STR_HAS(log, want);
    CHECK_STR_HAS(log, "\"host\":\"b.test\",\"target\":\"/nothing-here\",\"status\":404,"
                       "\"route\":\"b-host\"");
    /* One line per request: exactly two lines, each a JSON object. */
    size_t lines = 0;
    for (char *p = log; *p; p++)
        lines += *p == '\n';
    CHECK_UINT_EQ(lines, 2);
    CHECK(log[0] == '{' && strstr(log, "}\n{") != NULL);
    free(log);
    env_stop(&e);
}

TEST(test_access_log_kv_format)
{
    node_env e;
    env_start_log(&e, ROUTES_AB, NULL, "kv");
    e2e_response r;
    e2e_request(e.port, "GET", "/status/503", "www.test", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 503);
    e2e_response_free(&r);
    CHECK_INT_EQ(e2e_stop(&e.node, SIGTERM, 15000), 0);
    size_t len;
    char *log = (char *)test_read_file(e.log, &len);
    log = realloc(log, len + 1);
    log[len] = '\0';
    CHECK_STR_HAS(log, " client=\"127.0.0.1\" method=\"GET\" host=\"www.test\" "
                       "target=\"/status/503\" status=503 route=\"all\" ");
    CHECK_STR_HAS(log, " error=-\n");
    CHECK(strncmp(log, "time=\"", 6) == 0);
    free(log);
    env_stop(&e);
}

TEST(test_proxied_post_body_reaches_origin)
{
    node_env e;
    env_start(&e, ROUTES_AB, NULL);
    char body[2100];
    for (size_t i = 0; i < sizeof body - 1; i++)
        body[i] = (char)('a' + i % 26);
    body[sizeof body - 1] = '\0';
    e2e_response r;
    e2e_request(e.port, "POST", "/echo", "www.test",
                "Content-Type: application/x-www-form-urlencoded\r\n", body, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_UINT_EQ(r.body_len, sizeof body - 1);
    CHECK_STR_EQ(r.body, body);
    CHECK_STR_EQ(e2e_header(&r, "Content-Type"), "application/x-www-form-urlencoded");
    e2e_response_free(&r);
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_routing_most_specific_route_wins)
{
    node_env e;
    env_start(&e, ROUTES_AB, NULL);
    char origin[32];
    CHECK_INT_EQ(env_get(&e, "www.test", "/", origin, sizeof origin), 200);
    CHECK_STR_EQ(origin, "a");
    CHECK_INT_EQ(env_get(&e, "www.test", "/api/headers", origin, sizeof origin), 404);
    CHECK_STR_EQ(origin, "b"); /* the origin's own 404: routed to b */
    CHECK_INT_EQ(env_get(&e, "www.test", "/api/page", origin, sizeof origin), 404);
    CHECK_STR_EQ(origin, "a");
    CHECK_INT_EQ(env_get(&e, "b.test", "/headers", origin, sizeof origin), 200);
    CHECK_STR_EQ(origin, "b");
    CHECK_INT_EQ(env_get(&e, "B.Test:8080", "/", origin, sizeof origin), 200);
    CHECK_STR_EQ(origin, "b");
    /* Matching sees the path as the origin will: dot segments and escapes cannot dodge. */
    CHECK_INT_EQ(env_get(&e, "www.test", "/x/../api/y", origin, sizeof origin), 404);
    CHECK_STR_EQ(origin, "b");
    CHECK_INT_EQ(env_get(&e, "www.test", "/%61pi/page", origin, sizeof origin), 404);
    CHECK_STR_EQ(origin, "a");
    CHECK_INT_EQ(env_get(&e, "www.test", "/api/%zz", origin, sizeof origin), 400);
    CHECK_STR_EQ(origin, "");
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_no_matching_route_answers_404)
{
    node_env e;
    env_start(&e, "  - {name: only, host: a.test, path: /x, upstream: a}\n", NULL);
    e2e_response r;
    e2e_request(e.port, "GET", "/y", "a.test", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 404);
    CHECK_STR_EQ(r.body, "no route for this host and path\n");
    CHECK(e2e_header(&r, "X-Origin") == NULL);
    e2e_response_free(&r);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_requests_total{route=\"none\",class=\"4xx\"}", 1), 1);
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_origin_down_answers_502)
{
    node_env e;
    env_start(&e, ROUTES_AB, NULL);
    CHECK_INT_EQ(e2e_stop(&e.origin_a, SIGTERM, 5000), 0);
    char origin[32];
    CHECK_INT_EQ(env_get(&e, "www.test", "/", origin, sizeof origin), 502);
    CHECK_STR_EQ(origin, "");
    CHECK_INT_EQ(env_metric_is(&e, "aegis_upstream_errors_total{route=\"all\"}", 1), 1);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_requests_total{route=\"all\",class=\"5xx\"}", 1), 1);
    /* The other origin still serves. */
    CHECK_INT_EQ(env_get(&e, "b.test", "/", origin, sizeof origin), 200);
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_admin_healthz_and_unknown_paths)
{
    node_env e;
    env_start(&e, ROUTES_AB, NULL);
    e2e_response r;
    e2e_request(e.admin, "GET", "/healthz", "localhost", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "ok\n");
    e2e_response_free(&r);
    e2e_request(e.admin, "GET", "/nope", "localhost", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 404);
    e2e_response_free(&r);
    e2e_request(e.admin, "POST", "/healthz", "localhost", NULL, "", &r);
    CHECK_INT_EQ(r.status, 405);
    CHECK_STR_EQ(e2e_header(&r, "Allow"), "GET, HEAD");
    e2e_response_free(&r);
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_admin_metrics_count_requests_by_route_and_class)
{
    node_env e;
    env_start(&e, ROUTES_AB, NULL);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_requests_total{route=\"all\",class=\"2xx\"}", 0), 0);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_workers", 2), 2);
    char origin[32];
    for (int i = 0; i < 3; i++)
        CHECK_INT_EQ(env_get(&e, "www.test", "/", origin, sizeof origin), 200);
    CHECK_INT_EQ(env_get(&e, "www.test", "/status/500", origin, sizeof origin), 500);
    CHECK_INT_EQ(env_get(&e, "b.test", "/status/201", origin, sizeof origin), 201);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_requests_total{route=\"all\",class=\"2xx\"}", 3), 3);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_requests_total{route=\"all\",class=\"5xx\"}", 1), 1);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_requests_total{route=\"b-host\",class=\"2xx\"}", 1), 1);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_request_duration_seconds_count{route=\"all\"}", 4), 4);
    CHECK_INT_EQ(
        env_metric_is(&e, "aegis_request_duration_seconds_bucket{route=\"all\",le=\"+Inf\"}", 4),
        4);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_upstream_errors_total{route=\"all\"}", 0), 0);
    /* One connection per request above, plus the one that waited for the node to listen. */
    CHECK_INT_EQ(env_metric_is(&e, "aegis_connections_accepted_total", 6), 6);
    /* A held-open connection shows in the gauge (published every 250 ms). */
    int fd = e2e_connect(e.port);
    const char get[] = "GET / HTTP/1.1\r\nHost: www.test\r\n\r\n";
    e2e_send(fd, get, sizeof get - 1);
    e2e_response r;
    CHECK(e2e_read_response(fd, &r, 10000));
    e2e_response_free(&r);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_active_connections", 1), 1);
    close(fd);
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_admin_config_shows_effective_config)
{
    node_env e;
    env_start(&e, ROUTES_AB, NULL);
    e2e_response r;
    e2e_request(e.admin, "GET", "/config", "localhost", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(e2e_header(&r, "Content-Type"), "application/yaml");
    char want[128];
    snprintf(want, sizeof want, "listen:\n  - 127.0.0.1:%u\nworkers: 2\n", e.port);
    CHECK_STR_HAS(r.body, want);
    CHECK_STR_HAS(r.body, "  - name: \"api\"\n    host: \"*\"\n    path: \"/api/*\"\n"
                          "    upstream: b\n");
    CHECK_STR_HAS(r.body, "  max_header_bytes: 32768\n"); /* a default, filled in */
    e2e_response_free(&r);
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_config_limits_and_timeouts_reach_the_server)
{
    node_env e;
    env_start(&e, ROUTES_AB,
              "limits: {max_uri_bytes: 100, max_body_bytes: 1000, max_headers: 5}\n"
              "timeouts: {header_read_ms: 300}\n");
    char path[300];
    memset(path, 'a', sizeof path - 1);
    path[0] = '/';
    path[sizeof path - 1] = '\0';
    e2e_response r;
    e2e_request(e.port, "GET", path, "www.test", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 414);
    e2e_response_free(&r);
    char body[1500];
    memset(body, 'b', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    e2e_request(e.port, "POST", "/echo", "www.test", NULL, body, &r);
    CHECK_INT_EQ(r.status, 413);
    e2e_response_free(&r);
    e2e_request(e.port, "GET", "/", "www.test", "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n", NULL,
                &r);
    CHECK_INT_EQ(r.status, 431);
    e2e_response_free(&r);
    /* A head that never ends is cut off after header_read_ms. */
    int fd = e2e_connect(e.port);
    const char partial[] = "GET / HTTP/1.1\r\nHost: www.test\r\n";
    e2e_send(fd, partial, sizeof partial - 1);
    CHECK(e2e_read_response(fd, &r, 5000));
    CHECK_INT_EQ(r.status, 408);
    e2e_response_free(&r);
    close(fd);
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_failed_server_is_passed_over)
{
    uint16_t port = e2e_free_port(), admin = e2e_free_port(), live = e2e_free_port();
    uint16_t dead = e2e_free_port(); /* nothing listens there */
    e2e_proc origin, node;
    e2e_start_origin(&origin, live, "live");
    char path[128], yaml[1024];
    snprintf(yaml, sizeof yaml,
             "listen: [127.0.0.1:%u]\nworkers: 1\nadmin: {listen: 127.0.0.1:%u}\n"
             "upstreams:\n  pair: {servers: [127.0.0.1:%u, 127.0.0.1:%u]}\n"
             "routes:\n  - {path: /*, upstream: pair}\naccess_log: {enabled: false}\n",
             port, admin, dead, live);
    e2e_node_config(path, sizeof path, yaml);
    e2e_start_node(&node, path, port);
    /* The first turn goes to the dead server (502); from then on this worker skips it. */
    int statuses[6];
    for (int i = 0; i < 6; i++) {
        e2e_response r;
        e2e_request(port, "GET", "/status/200", "www.test", NULL, NULL, &r);
        statuses[i] = r.status;
        e2e_response_free(&r);
    }
    CHECK_INT_EQ(statuses[0], 502);
    for (int i = 1; i < 6; i++)
        CHECK_INT_EQ(statuses[i], 200);
    CHECK_INT_EQ(e2e_stop(&node, SIGTERM, 15000), 0);
    CHECK_INT_EQ(e2e_stop(&origin, SIGTERM, 5000), 0);
    unlink(path);
    unlink(node.out_path);
    unlink(origin.out_path);
}

TEST(test_pipelined_chunked_and_large_bodies_through_the_node)
{
    node_env e;
    env_start(&e, ROUTES_AB, NULL);
    int fd = e2e_connect(e.port);
    /* Three pipelined requests, one with a chunked body: answered in order. */
    const char reqs[] = "GET /status/201 HTTP/1.1\r\nHost: www.test\r\n\r\n"
                        "POST /echo HTTP/1.1\r\nHost: www.test\r\nTransfer-Encoding: chunked\r\n"
                        "\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                        "GET /headers HTTP/1.1\r\nHost: b.test\r\n\r\n";
    e2e_send(fd, reqs, sizeof reqs - 1);
    e2e_response r;
    CHECK(e2e_read_response(fd, &r, 10000));
    CHECK_INT_EQ(r.status, 201);
    e2e_response_free(&r);
    CHECK(e2e_read_response(fd, &r, 10000));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "hello world");
    e2e_response_free(&r);
    CHECK(e2e_read_response(fd, &r, 10000));
    CHECK_STR_EQ(e2e_header(&r, "X-Origin"), "b");
    e2e_response_free(&r);
    /* A 5 MiB body goes through intact, on the same connection. */
    size_t big = 5u << 20;
    char *body = malloc(big + 1);
    CHECK(body != NULL);
    for (size_t i = 0; i < big; i++)
        body[i] = (char)('A' + (i * 7) % 26);
    body[big] = '\0';
    char head[128];
    int n = snprintf(head, sizeof head,
                     "POST /echo HTTP/1.1\r\nHost: www.test\r\nContent-Length: %zu\r\n\r\n", big);
    e2e_send(fd, head, (size_t)n);
    e2e_send(fd, body, big);
    CHECK(e2e_read_response(fd, &r, 30000));
    CHECK_INT_EQ(r.status, 200);
    CHECK_UINT_EQ(r.body_len, big);
    CHECK(memcmp(r.body, body, big) == 0);
    e2e_response_free(&r);
    free(body);
    close(fd);
    CHECK_INT_EQ(env_stop(&e), 0);
}
