/*
 * The plumbing of the route-following tests (see follow.h). Every child process is bounded: the
 * IPFS peer ends when its stdin pipe closes, the node and the origin are stopped by the test (and
 * the runner's time limit kills what a failing test leaves), and every wait has a deadline.
 */
#include "follow.h"

#include "child.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    IPFS_START_TIMEOUT_MS = 30000,
    STOP_TIMEOUT_MS = 5000,
    CLI_TIMEOUT_MS = 60000,
    BODY_POLL_MS = 50,
};

/* ---- the IPFS peer ---- */

void ipfs_start(ipfs_peer *p, unsigned port)
{
    char script[1024], port_text[16];
    snprintf(script, sizeof script, "%s", test_src_path("tests/peers/ipfs/ipfs-peer"));
    CHECK_MSG(access(test_src_path("tests/peers/ipfs/node_modules/helia"), R_OK) == 0,
              "the IPFS peer is not installed: run scripts/peers-install.sh ipfs");
    memset(p, 0, sizeof *p);
    snprintf(port_text, sizeof port_text, "%u", port);
    const char *argv[] = {script, "--port", port_text, "--time-limit-s", "300", NULL};
    child_spawn(&p->proc, argv);
    char text[1024];
    const char *l =
        child_wait_line(&p->proc, "listening http://", IPFS_START_TIMEOUT_MS, text, sizeof text);
    if (l == NULL || sscanf(l, "listening http://127.0.0.1:%u", &p->port) != 1) {
        ipfs_stop(p);
        test_fail(__FILE__, __LINE__, "the IPFS peer did not start; it said \"%s\"", text);
    }
    snprintf(p->url, sizeof p->url, "http://127.0.0.1:%u", p->port);
}

void ipfs_stop(ipfs_peer *p)
{
    child_stop(&p->proc, STOP_TIMEOUT_MS);
}

/* ---- the module author's commands ---- */

int cli_in(const char *cwd, const char *const argv[], char *out, size_t cap)
{
    char bin[1024];
    snprintf(bin, sizeof bin, "%s", test_build_path("bin/aegis-wasm-cli"));
    const char *args[24] = {bin};
    size_t n = 1;
    for (; argv[n - 1] != NULL && n < 23; n++)
        args[n] = argv[n - 1];
    args[n] = NULL;
    char path[128];
    e2e_temp_path(path, sizeof path, ".cli");
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    CHECK_MSG(fd >= 0, "%s: %s", path, strerror(errno));
    int status = child_run(args, cwd, -1, fd, fd, CLI_TIMEOUT_MS);
    close(fd);
    size_t len;
    char *text = (char *)test_read_file(path, &len);
    unlink(path);
    snprintf(out, cap, "%.*s", (int)len, text);
    free(text);
    return status;
}

void deploy_module(const ipfs_peer *ipfs, const char *dir, const char *wasm, char cid[128])
{
    char out[8192];
    const char *argv[] = {"deploy",        wasm, "--ipfs", ipfs->url,
                          "--cid-version", "1",  "--json", NULL};
    int st = cli_in(dir, argv, out, sizeof out);
    CHECK_MSG(st == 0, "aegis-wasm-cli deploy %s: exit %d: %s", wasm, st, out);
    const char *c = strstr(out, "\"cid\"");
    CHECK_MSG(c != NULL, "deploy printed no cid: %s", out);
    c = strchr(c + 5, '"');
    CHECK(c != NULL);
    size_t n = strcspn(c + 1, "\"");
    CHECK(n > 0 && n < 128);
    memcpy(cid, c + 1, n);
    cid[n] = '\0';
}

/* ---- the node ---- */

void follow_start_with(follow_env *e, const char *gateway_url, const char *routes_yaml,
                       const char *route_source_yaml)
{
    memset(e, 0, sizeof *e);
    temp_dir(e->dir);
    e->port = e2e_free_port();
    e->admin = e2e_free_port();
    e->origin_port = e2e_free_port();
    CHECK(e->port != e->admin && e->admin != e->origin_port && e->port != e->origin_port);
    e2e_start_origin(&e->origin, e->origin_port, "origin");
    char text[8192];
    snprintf(text, sizeof text,
             "listen: 127.0.0.1:%u\n"
             "workers: 2\n"
             "admin:\n  listen: 127.0.0.1:%u\n"
             "state_dir: %s/state\n"
             "ipfs:\n  gateways: [%s]\n"
             "upstreams:\n  origin:\n    servers: [127.0.0.1:%u]\n"
             "routes: %s\n"
             "route_source:\n%s"
             "access_log:\n  enabled: false\n",
             e->port, e->admin, e->dir, gateway_url, e->origin_port, routes_yaml,
             route_source_yaml);
    snprintf(e->config, sizeof e->config, "%s/aegis.yaml", e->dir);
    e2e_write_file(e->config, text);
    follow_restart_node(e);
}

void follow_start(follow_env *e, unsigned rpc_port, const char *gateway_url, const char *trust_yaml,
                  uint32_t poll_ms)
{
    char source[2048];
    snprintf(source, sizeof source,
             "  type: solana\n"
             "  rpc_url: http://127.0.0.1:%u\n"
             "  poll_interval_ms: %u\n"
             "  trust: %s\n",
             rpc_port, poll_ms, trust_yaml);
    follow_start_with(e, gateway_url, "[{name: static, host: \"*\", path: /*, upstream: origin}]",
                      source);
    e->rpc_port = rpc_port;
}

void follow_restart_node(follow_env *e)
{
    e2e_start_node(&e->node, e->config, e->port);
    e->node_running = true;
}

void follow_stop_node(follow_env *e)
{
    if (!e->node_running)
        return;
    e->node_running = false;
    int st = e2e_stop(&e->node, SIGTERM, 20000);
    if (st != 0) {
        char *out = e2e_output(&e->node);
        test_fail(__FILE__, __LINE__, "aegis-node exited with %d; output:\n%s", st, out);
    }
}

void follow_stop(follow_env *e)
{
    follow_stop_node(e);
    e2e_stop(&e->origin, SIGTERM, 5000);
    unlink(e->node.out_path);
    unlink(e->origin.out_path);
    temp_dir_remove(e->dir);
}

int follow_get(const follow_env *e, const char *host, const char *path, char *body, size_t cap)
{
    e2e_response r;
    e2e_request(e->port, "GET", path, host, NULL, NULL, &r);
    snprintf(body, cap, "%s", r.body ? r.body : "");
    int status = r.status;
    e2e_response_free(&r);
    return status;
}

static long long wait_body(const follow_env *e, const char *host, const char *path,
                           const char *text, bool present, int timeout_ms)
{
    long long start = now_ms();
    char body[4096];
    while (now_ms() - start < timeout_ms) {
        follow_get(e, host, path, body, sizeof body);
        if ((strstr(body, text) != NULL) == present)
            return now_ms() - start;
        usleep(BODY_POLL_MS * 1000);
    }
    return -1;
}

long long follow_wait_body(const follow_env *e, const char *host, const char *path,
                           const char *want, int timeout_ms)
{
    return wait_body(e, host, path, want, true, timeout_ms);
}

long long follow_wait_body_not(const follow_env *e, const char *host, const char *path,
                               const char *unwanted, int timeout_ms)
{
    return wait_body(e, host, path, unwanted, false, timeout_ms);
}

char *follow_admin(const follow_env *e, const char *path)
{
    e2e_response r;
    e2e_request(e->admin, "GET", path, "127.0.0.1", NULL, NULL, &r);
    CHECK_MSG(r.status == 200, "GET %s on the admin API: %d", path, r.status);
    char *body = strdup(r.body ? r.body : "");
    e2e_response_free(&r);
    CHECK(body != NULL);
    return body;
}

double follow_metric(const follow_env *e, const char *series)
{
    char *text = follow_admin(e, "/metrics");
    double v = -1;
    size_t n = strlen(series);
    for (char *line = text; line != NULL && *line != '\0';) {
        char *next = strchr(line, '\n');
        if (strncmp(line, series, n) == 0 && line[n] == ' ') {
            v = strtod(line + n + 1, NULL);
            break;
        }
        line = next ? next + 1 : NULL;
    }
    free(text);
    return v;
}

char *follow_node_output(const follow_env *e)
{
    return e2e_output(&e->node);
}
