/*
 * The node test environment (see env.h).
 */
#include "env.h"
#include "test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void env_config_text(const node_env *e, const char *routes, const char *extra, char *out,
                     size_t cap)
{
    int n = snprintf(out, cap,
                     "listen: [127.0.0.1:%u]\n"
                     "workers: 2\n"
                     "admin: {listen: 127.0.0.1:%u}\n"
                     "upstreams:\n"
                     "  a: {servers: [127.0.0.1:%u]}\n"
                     "  b: {servers: [127.0.0.1:%u]}\n"
                     "routes:\n%s"
                     "access_log: {format: %s, path: %s}\n"
                     "%s",
                     e->port, e->admin, e->port_a, e->port_b, routes, e->log_format, e->log,
                     extra ? extra : "");
    CHECK(n > 0 && (size_t)n < cap);
}

void env_start(node_env *e, const char *routes, const char *extra)
{
    env_start_log(e, routes, extra, "json");
}

void env_start_log(node_env *e, const char *routes, const char *extra, const char *log_format)
{
    memset(e, 0, sizeof *e);
    e->log_format = log_format;
    e->port = e2e_free_port();
    e->admin = e2e_free_port();
    e->port_a = e2e_free_port();
    e->port_b = e2e_free_port();
    e2e_temp_path(e->log, sizeof e->log, ".log");
    e2e_start_origin(&e->origin_a, e->port_a, "a");
    e2e_start_origin(&e->origin_b, e->port_b, "b");
    char text[4096];
    env_config_text(e, routes, extra, text, sizeof text);
    e2e_node_config(e->config, sizeof e->config, text);
    e2e_start_node(&e->node, e->config, e->port);
    CHECK(e2e_wait_port(e->admin, 5000));
}

void env_rewrite(const node_env *e, const char *routes, const char *extra)
{
    char text[4096];
    env_config_text(e, routes, extra, text, sizeof text);
    e2e_write_file(e->config, text);
}

int env_stop(node_env *e)
{
    int st = e->node.pid > 0 ? e2e_stop(&e->node, SIGTERM, 15000) : 0;
    /* The origins run under the sanitizers too: a clean exit means no leak, no UB. */
    if (e->origin_a.pid > 0)
        CHECK_INT_EQ(e2e_stop(&e->origin_a, SIGTERM, 5000), 0);
    if (e->origin_b.pid > 0)
        CHECK_INT_EQ(e2e_stop(&e->origin_b, SIGTERM, 5000), 0);
    unlink(e->config);
    unlink(e->log);
    unlink(e->node.out_path);
    unlink(e->origin_a.out_path);
    unlink(e->origin_b.out_path);
    return st;
}

int env_get(const node_env *e, const char *host, const char *path, char *origin, size_t cap)
{
    e2e_response r;
    e2e_request(e->port, "GET", path, host, NULL, NULL, &r);
    const char *o = e2e_header(&r, "X-Origin");
    snprintf(origin, cap, "%s", o ? o : "");
    int status = r.status;
    e2e_response_free(&r);
    return status;
}

long long env_metric(const node_env *e, const char *series)
{
    e2e_response r;
    e2e_request(e->admin, "GET", "/metrics", "localhost", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    char want[512];
    snprintf(want, sizeof want, "\n%s ", series);
    const char *at = strstr(r.body, want);
    long long v = at ? strtoll(at + strlen(want), NULL, 10) : -1;
    e2e_response_free(&r);
    return v;
}

long long env_metric_is(const node_env *e, const char *series, long long want)
{
    long long v = -1;
    for (int i = 0; i < 250; i++) {
        v = env_metric(e, series);
        if (v == want)
            break;
        usleep(20 * 1000);
    }
    return v;
}
