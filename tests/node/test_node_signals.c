/*
 * Signals, end to end: SIGTERM drains (a slow request in flight still gets its full answer, then
 * the node exits 0), SIGHUP reloads the config file (a changed route applies to the next request,
 * even on a keep-alive connection opened before the reload), a broken file is reported and the
 * running config kept; and the node starts and stops the demo origin when configured to.
 */
#include "env.h"
#include "test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *keepalive_get(int fd, const char *path, e2e_response *r)
{
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: www.test\r\n\r\n", path);
    e2e_send(fd, req, (size_t)n);
    CHECK_MSG(e2e_read_response(fd, r, 10000), "no response on the kept-alive connection");
    return e2e_header(r, "X-Origin");
}

TEST(test_sigterm_drains_inflight_slow_request_then_exits_0)
{
    node_env e;
    env_start(&e, "  - {name: all, path: /*, upstream: a}\n",
              "timeouts: {shutdown_drain_ms: 10000}\n");
    int fd = e2e_connect(e.port);
    const char req[] = "GET /slow?ms=1000 HTTP/1.1\r\nHost: www.test\r\n\r\n";
    e2e_send(fd, req, sizeof req - 1);
    usleep(300 * 1000); /* the request is at the origin now */
    long long t0 = now_ms();
    kill(e.node.pid, SIGTERM);
    CHECK(e2e_wait_output(&e.node, "SIGTERM: draining connections", 5000));
    e2e_response r;
    CHECK(e2e_read_response(fd, &r, 10000));
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "slept 1000 ms\n");
    e2e_response_free(&r);
    close(fd);
    CHECK_INT_EQ(e2e_wait(&e.node, 10000), 0);
    CHECK_MSG(now_ms() - t0 < 9000, "the drain waited for the full timeout");
    char *out = e2e_output(&e.node);
    CHECK_STR_HAS(out, "aegis-node: stopped\n");
    free(out);
    /* Nothing listens any more. */
    CHECK(!e2e_wait_port(e.port, 100));
    env_stop(&e);
}

TEST(test_sigterm_drain_is_bounded_by_shutdown_drain_ms)
{
    node_env e;
    env_start(&e, "  - {name: all, path: /*, upstream: a}\n",
              "timeouts: {shutdown_drain_ms: 300}\n");
    int fd = e2e_connect(e.port);
    const char req[] = "GET /slow?ms=20000 HTTP/1.1\r\nHost: www.test\r\n\r\n";
    e2e_send(fd, req, sizeof req - 1);
    usleep(300 * 1000);
    long long t0 = now_ms();
    kill(e.node.pid, SIGTERM);
    CHECK_INT_EQ(e2e_wait(&e.node, 10000), 0);
    long long took = now_ms() - t0;
    CHECK_MSG(took < 5000, "exit took %lld ms with a 300 ms drain limit", took);
    close(fd);
    env_stop(&e);
}

TEST(test_sighup_reload_changes_route_on_kept_alive_connection)
{
    node_env e;
    env_start(&e, "  - {name: all, path: /*, upstream: a}\n", NULL);
    int fd = e2e_connect(e.port);
    e2e_response r;
    CHECK_STR_EQ(keepalive_get(fd, "/headers", &r), "a");
    e2e_response_free(&r);

    env_rewrite(&e, "  - {name: all, path: /*, upstream: b}\n", NULL);
    kill(e.node.pid, SIGHUP);
    CHECK(e2e_wait_output(&e.node, "aegis-node: reloaded", 5000));
    usleep(100 * 1000); /* workers pick the new config up from their loops */

    /* Same connection, new route. */
    CHECK_STR_EQ(keepalive_get(fd, "/headers", &r), "b");
    e2e_response_free(&r);
    close(fd);
    char origin[8];
    CHECK_INT_EQ(env_get(&e, "www.test", "/", origin, sizeof origin), 200);
    CHECK_STR_EQ(origin, "b");
    CHECK_INT_EQ(env_metric_is(&e, "aegis_config_reloads_total{result=\"ok\"}", 1), 1);
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_sighup_with_broken_config_keeps_running_config)
{
    node_env e;
    env_start(&e, "  - {name: all, path: /*, upstream: a}\n", NULL);
    int fd = e2e_connect(e.port);
    e2e_response r;
    CHECK_STR_EQ(keepalive_get(fd, "/", &r), "a");
    e2e_response_free(&r);

    env_rewrite(&e, "  - {name: all, path: /*, upstream: c}\n", NULL);
    kill(e.node.pid, SIGHUP);
    char want[256];
    snprintf(want, sizeof want,
             "aegis-node: reload failed, keeping the running config: %s:8:37: "
             "routes[0].upstream: unknown upstream 'c'\n",
             e.config);
    CHECK(e2e_wait_output(&e.node, "reload failed", 5000));
    char *out = e2e_output(&e.node);
    CHECK_STR_HAS(out, want);
    free(out);

    CHECK_STR_EQ(keepalive_get(fd, "/", &r), "a");
    e2e_response_free(&r);
    close(fd);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_config_reloads_total{result=\"error\"}", 1), 1);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_config_reloads_total{result=\"ok\"}", 0), 0);
    CHECK_INT_EQ(env_stop(&e), 0);
}

TEST(test_demo_origin_started_and_stopped_by_node)
{
    uint16_t port = e2e_free_port(), admin = e2e_free_port(), demo = e2e_free_port();
    char path[128], yaml[1024];
    snprintf(yaml, sizeof yaml,
             "listen: [127.0.0.1:%u]\nworkers: 1\nadmin: {listen: 127.0.0.1:%u}\n"
             "demo_origin: true\ndemo_origin_listen: 127.0.0.1:%u\n"
             "upstreams:\n  demo: {servers: [127.0.0.1:%u]}\n"
             "routes:\n  - {path: /*, upstream: demo}\n"
             "access_log: {enabled: false}\n",
             port, admin, demo, demo);
    e2e_node_config(path, sizeof path, yaml);
    e2e_proc node;
    e2e_start_node(&node, path, port);
    CHECK(e2e_wait_port(demo, 10000));
    e2e_response r;
    e2e_request(port, "GET", "/", "localhost", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_HAS(r.body, "proxied through AEGIS Edge");
    CHECK_STR_HAS(r.body, "<td>X-Request-Id</td>");
    e2e_response_free(&r);
    /* SIGINT (Ctrl-C under make run) stops the node like SIGTERM, and the origin with it. */
    CHECK_INT_EQ(e2e_stop(&node, SIGINT, 15000), 0);
    char *out = e2e_output(&node);
    CHECK_STR_HAS(out, "aegis-node: SIGINT: draining connections");
    free(out);
    CHECK_MSG(!e2e_wait_port(demo, 100), "the demo origin outlived the node");
    unlink(path);
    unlink(node.out_path);
}

TEST(test_reloads_under_load_drop_no_request)
{
    node_env e;
    env_start(&e, "  - {name: all, path: /*, upstream: a}\n", NULL);
    enum { CLIENTS = 3, REQUESTS = 60 };
    pid_t kids[CLIENTS];
    for (int k = 0; k < CLIENTS; k++) {
        kids[k] = fork();
        CHECK(kids[k] >= 0);
        if (kids[k] == 0) {
            /* Odd clients keep one connection alive; even ones open one per request. */
            int fd = -1, bad = 0;
            for (int i = 0; i < REQUESTS; i++) {
                if (fd < 0 || k % 2 == 0) {
                    if (fd >= 0)
                        close(fd);
                    fd = e2e_connect(e.port);
                }
                e2e_response r;
                const char *origin = keepalive_get(fd, "/slow?ms=5", &r);
                if (r.status != 200 || origin == NULL)
                    bad++;
                e2e_response_free(&r);
            }
            close(fd);
            _exit(bad == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < 6; i++) {
        usleep(50 * 1000);
        env_rewrite(&e,
                    i % 2 ? "  - {name: all, path: /*, upstream: a}\n"
                          : "  - {name: all, path: /*, upstream: b}\n",
                    NULL);
        kill(e.node.pid, SIGHUP);
    }
    for (int k = 0; k < CLIENTS; k++) {
        e2e_proc kid = {.pid = kids[k]};
        CHECK_INT_EQ(e2e_wait(&kid, 60000), 0);
    }
    CHECK(e2e_wait_output(&e.node, "aegis-node: reloaded", 5000));
    CHECK_INT_EQ(
        env_metric_is(&e, "aegis_requests_total{route=\"all\",class=\"2xx\"}", CLIENTS * REQUESTS),
        CLIENTS * REQUESTS);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_config_reloads_total{result=\"error\"}", 0), 0);
    CHECK_INT_EQ(env_stop(&e), 0);
}
