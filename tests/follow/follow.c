/*
 * The plumbing of the route-following tests (see follow.h). Every child process is bounded: the
 * IPFS peer ends when its stdin pipe closes, the node and the origin are stopped by the test (and
 * the runner's time limit kills what a failing test leaves), and every wait has a deadline.
 */
#include "follow.h"

#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
    IPFS_START_TIMEOUT_MS = 30000,
    STOP_TIMEOUT_MS = 5000,
    BAD_POLL_MS = 20,
    BAD_SLOW_MS = 8000, /* longer than the node's 5 s limit on one RPC call */
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
    int in[2], out[2];
    CHECK(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        execl(script, script, "--port", port_text, "--time-limit-s", "300", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    p->pid = pid;
    p->stdin_fd = in[1];
    char text[1024];
    size_t n = 0;
    long long start = now_ms();
    while (n < sizeof text - 1) {
        text[n] = '\0';
        if (strstr(text, "listening http://") != NULL && strchr(strstr(text, "listening"), '\n'))
            break;
        long long waited = now_ms() - start;
        struct pollfd pfd = {out[0], POLLIN, 0};
        if (waited >= IPFS_START_TIMEOUT_MS ||
            poll(&pfd, 1, (int)(IPFS_START_TIMEOUT_MS - waited)) <= 0)
            break;
        ssize_t got = read(out[0], text + n, sizeof text - 1 - n);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(out[0]);
    text[n] = '\0';
    const char *l = strstr(text, "listening http://127.0.0.1:");
    if (l == NULL || sscanf(l, "listening http://127.0.0.1:%u", &p->port) != 1) {
        ipfs_stop(p);
        test_fail(__FILE__, __LINE__, "the IPFS peer did not start; it said \"%s\"", text);
    }
    snprintf(p->url, sizeof p->url, "http://127.0.0.1:%u", p->port);
}

void ipfs_stop(ipfs_peer *p)
{
    if (p->stdin_fd > 0)
        close(p->stdin_fd);
    p->stdin_fd = -1;
    if (p->pid <= 0)
        return;
    int status;
    for (long long start = now_ms(); now_ms() - start < STOP_TIMEOUT_MS; usleep(20000))
        if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
            p->pid = 0;
            return;
        }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &status, 0);
    p->pid = 0;
}

/* ---- the misbehaving JSON-RPC endpoint ---- */

static void bad_answer(bad_rpc *b, int fd)
{
    char req[8192];
    size_t n = 0;
    long long start = now_ms();
    while (n < sizeof req - 1 && now_ms() - start < 2000 && !atomic_load(&b->stop)) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, BAD_POLL_MS) <= 0)
            continue;
        ssize_t got = read(fd, req + n, sizeof req - 1 - n);
        if (got <= 0)
            break;
        n += (size_t)got;
        req[n] = '\0';
        if (strstr(req, "\r\n\r\n") != NULL && strstr(req, "getProgramAccounts") != NULL)
            break;
    }
    atomic_fetch_add(&b->requests, 1);
    static const char garbage[] =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 36\r\n"
        "Connection: close\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[{\"";
    static const char valid_empty[] =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 36\r\n"
        "Connection: close\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[]}";
    if (b->mode == BAD_SLOW) {
        /* Answers, but after the node gave up: an empty registry it must never see. */
        for (long long t0 = now_ms(); now_ms() - t0 < BAD_SLOW_MS && !atomic_load(&b->stop);)
            usleep(BAD_POLL_MS * 1000);
        if (write(fd, valid_empty, sizeof valid_empty - 1) < 0)
            return;
        return;
    }
    if (write(fd, garbage, sizeof garbage - 1) < 0)
        return;
}

static void *bad_main(void *arg)
{
    bad_rpc *b = arg;
    while (!atomic_load(&b->stop)) {
        struct pollfd pfd = {b->listen_fd, POLLIN, 0};
        if (poll(&pfd, 1, BAD_POLL_MS) <= 0)
            continue;
        int fd = accept(b->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        bad_answer(b, fd);
        close(fd);
    }
    return NULL;
}

void bad_start(bad_rpc *b, unsigned port, bad_mode mode)
{
    memset(b, 0, sizeof *b);
    b->mode = mode;
    b->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(b->listen_fd >= 0);
    int one = 1;
    setsockopt(b->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_MSG(bind(b->listen_fd, (struct sockaddr *)&a, sizeof a) == 0, "bind %u: %s", port,
              strerror(errno));
    CHECK(listen(b->listen_fd, 16) == 0);
    CHECK(pthread_create(&b->thread, NULL, bad_main, b) == 0);
}

void bad_stop(bad_rpc *b)
{
    atomic_store(&b->stop, 1);
    pthread_join(b->thread, NULL);
    close(b->listen_fd);
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
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_WRONLY | O_TRUNC);
        if (fd < 0 || chdir(cwd) != 0)
            _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        execv(bin, (char *const *)args);
        _exit(127);
    }
    int status = -1, st;
    for (long long start = now_ms(); now_ms() - start < CLI_TIMEOUT_MS; usleep(10000))
        if (waitpid(pid, &st, WNOHANG) == pid) {
            status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
            break;
        }
    if (status == -1 && waitpid(pid, &st, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
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
