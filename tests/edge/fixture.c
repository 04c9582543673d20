/*
 * The edge suite's fixture (see fixture.h). The origin answers every request with 200, an
 * X-Origin header and the body "origin <method> <path> <body bytes>", so a test sees whether a
 * request reached it. The proxy runs one worker by default, so all requests of a test share its
 * instances ("the next request on the same worker succeeds"); tests of sharing between workers
 * start several, each with its own loop, upstream, server (SO_REUSEPORT) and edge routes.
 */
#include "fixture.h"

#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

edge_modules *fx_mods;
edge_cache *fx_cache;

static struct {
    int origin_fd;
    uint16_t origin_port;
    pthread_t origin_thr;
    fx_options opt;
    pthread_mutex_t log_mu;
    char *log;
    size_t log_len, log_cap;
} g = {.log_mu = PTHREAD_MUTEX_INITIALIZER};

const char *fx_example(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/guest/examples/%s.wasm", TEST_BUILD_DIR, name);
    return path;
}

static void capture_log(void *data, const char *line)
{
    (void)data;
    pthread_mutex_lock(&g.log_mu);
    size_t n = strlen(line);
    if (g.log_len + n + 2 > g.log_cap) {
        g.log_cap = (g.log_len + n + 2) * 2;
        g.log = realloc(g.log, g.log_cap);
    }
    memcpy(g.log + g.log_len, line, n);
    g.log_len += n;
    g.log[g.log_len++] = '\n';
    g.log[g.log_len] = '\0';
    pthread_mutex_unlock(&g.log_mu);
}

bool fx_log_has(const char *a, const char *b, const char *c)
{
    bool found = false;
    pthread_mutex_lock(&g.log_mu);
    for (char *line = g.log; line && *line && !found;) {
        char *end = strchr(line, '\n');
        *end = '\0';
        found = strstr(line, a) && (!b || strstr(line, b)) && (!c || strstr(line, c));
        *end = '\n';
        line = end + 1;
    }
    pthread_mutex_unlock(&g.log_mu);
    return found;
}

int fx_log_count(const char *needle)
{
    int n = 0;
    pthread_mutex_lock(&g.log_mu);
    for (char *line = g.log; line && *line;) {
        char *end = strchr(line, '\n');
        *end = '\0';
        n += strstr(line, needle) != NULL;
        *end = '\n';
        line = end + 1;
    }
    pthread_mutex_unlock(&g.log_mu);
    return n;
}

void fx_load(const char *id, edge_module_type type, const char *path)
{
    if (fx_mods == NULL) {
        fx_mods = edge_modules_new(capture_log, NULL);
        fx_cache = edge_cache_new(1 << 20);
        CHECK(fx_mods != NULL && fx_cache != NULL);
        edge_modules_set_failure_log_interval(fx_mods, 0); /* tests look for every failure */
    }
    char err[320];
    CHECK_MSG(edge_modules_load_file(fx_mods, id, type, path, err, sizeof err) == 0, "%s", err);
}

/* ---- origin ---------------------------------------------------------------------------------- */

static void *origin_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[131072];
    size_t len = 0;
    for (;;) {
        char *end;
        while ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL) {
            ssize_t n = len < sizeof buf ? read(fd, buf + len, sizeof buf - len) : 0;
            if (n <= 0)
                goto done;
            len += (size_t)n;
        }
        size_t head_len = (size_t)(end - buf) + 4, body_len = 0;
        char saved = end[2];
        end[2] = '\0'; /* the head as a string, for the searches below */
        char *cl = strcasestr(buf, "\r\ncontent-length:");
        if (cl != NULL)
            body_len = strtoul(cl + 17, NULL, 10);
        char method[16] = "", path[1024] = "";
        sscanf(buf, "%15s %1023s", method, path);
        end[2] = saved;
        /* The body is counted, not kept: it may be larger than the buffer. */
        size_t in_buf = len - head_len < body_len ? len - head_len : body_len;
        size_t rest = body_len - in_buf;
        memmove(buf, buf + head_len + in_buf, len - head_len - in_buf);
        len -= head_len + in_buf;
        while (rest > 0) {
            ssize_t n = read(fd, buf, rest < sizeof buf ? rest : sizeof buf);
            if (n <= 0)
                goto done;
            rest -= (size_t)n;
        }
        char body[1200], resp[1500];
        int bn = snprintf(body, sizeof body, "origin %s %s %zu", method, path, body_len);
        int rn = snprintf(resp, sizeof resp,
                          "HTTP/1.1 200 OK\r\nX-Origin: 1\r\nContent-Type: text/plain\r\n"
                          "Content-Length: %d\r\n\r\n%s",
                          bn, body);
        if (write(fd, resp, (size_t)rn) != rn)
            goto done;
    }
done:
    close(fd);
    return NULL;
}

static void *origin_main(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(g.origin_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_t t;
        pthread_create(&t, NULL, origin_conn, (void *)(intptr_t)fd);
        pthread_detach(t);
    }
}

/* ---- proxy ----------------------------------------------------------------------------------- */

/* One worker: its own loop, upstream, server and per-route edge state, like a node's worker. */
typedef struct worker {
    int index;
    pthread_t thr;
    uv_loop_t loop;
    uv_async_t stop_async;
    http_server *srv;
    http_upstream *up;
    edge_watch *watch;
    edge_route *routes[FX_MAX_ROUTES];
    http_stage stages[2];
} worker;

static worker workers[FX_MAX_WORKERS];
static size_t worker_count;
atomic_int fx_worker_requests[FX_MAX_WORKERS];

static edge_route *route_for(worker *w, const char *target)
{
    for (size_t i = 0; i < g.opt.route_count; i++) {
        size_t n = strlen(g.opt.routes[i].prefix);
        if (target[0] == '/' && strncmp(target + 1, g.opt.routes[i].prefix, n) == 0 &&
            (target[n + 1] == '/' || target[n + 1] == '\0' || target[n + 1] == '?'))
            return w->routes[i];
    }
    return NULL;
}

/* The node's part: choose the upstream and the route, then let the route's edge stages run. */
static http_verdict router_headers(http_request *req, void *ud)
{
    worker *w = ud;
    atomic_fetch_add(&fx_worker_requests[w->index], 1);
    http_request_set_upstream(req, w->up);
    edge_route *r = g.opt.as_stage ? NULL : route_for(w, http_request_target(req));
    http_request_set_user(req, r);
    return r ? edge_route_on_request_headers(r, req) : HTTP_CONTINUE;
}

static http_verdict router_body(http_request *req, const uint8_t *body, size_t len, void *ud)
{
    (void)ud;
    edge_route *r = http_request_user(req);
    return r ? edge_route_on_request_body(r, req, body, len) : HTTP_CONTINUE;
}

static void on_closed(void *arg)
{
    worker *w = arg;
    http_upstream_free(w->up);
    edge_watch_free(w->watch);
    uv_close((uv_handle_t *)&w->stop_async, NULL);
}

static void on_stop(uv_async_t *a)
{
    worker *w = a->data;
    http_server_shutdown(w->srv, 1000, on_closed, w);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    uv_run(&w->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void worker_start(worker *w, int index, uint16_t port)
{
    const fx_options *opt = &g.opt;
    char err[320];
    w->index = index;
    for (size_t i = 0; i < opt->route_count; i++) {
        w->routes[i] = edge_route_new(fx_mods, fx_cache, &opt->routes[i].cfg, err, sizeof err);
        CHECK_MSG(w->routes[i] != NULL, "%s", err);
    }
    CHECK(uv_loop_init(&w->loop) == 0);
    uv_async_init(&w->loop, &w->stop_async, on_stop);
    w->stop_async.data = w;
    http_upstream_config uc = {.host = "127.0.0.1", .port = g.origin_port};
    w->up = http_upstream_new(&w->loop, &uc, err, sizeof err);
    CHECK_MSG(w->up != NULL, "%s", err);
    http_server_config sc = {.host = "127.0.0.1", .port = port, .reuse_port = true};
    w->stages[0] = (http_stage){"router", router_headers, router_body, NULL, w};
    http_pipeline p = {.stages = w->stages, .stage_count = 1};
    if (opt->as_stage) {
        CHECK(opt->route_count == 1);
        w->stages[1] = edge_route_stage(w->routes[0]);
        p.stage_count = 2;
    }
    w->srv = http_server_new(&w->loop, &sc, &p, err, sizeof err);
    CHECK_MSG(w->srv != NULL, "%s", err);
    if (opt->watch && index == 0) { /* one watch per node is enough: modules are shared */
        w->watch = edge_watch_new(fx_mods, &w->loop, err, sizeof err);
        CHECK_MSG(w->watch != NULL, "%s", err);
    }
    pthread_create(&w->thr, NULL, worker_main, w);
}

uint16_t fx_start(const fx_options *opt)
{
    signal(SIGPIPE, SIG_IGN);
    g.opt = *opt;
    g.origin_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(bind(g.origin_fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(g.origin_fd, 128) == 0);
    socklen_t sl = sizeof a;
    getsockname(g.origin_fd, (struct sockaddr *)&a, &sl);
    g.origin_port = ntohs(a.sin_port);
    pthread_create(&g.origin_thr, NULL, origin_main, NULL);

    CHECK(fx_mods != NULL);
    worker_count = opt->workers ? opt->workers : 1;
    CHECK(worker_count <= FX_MAX_WORKERS);
    worker_start(&workers[0], 0, 0);
    uint16_t port = http_server_port(workers[0].srv);
    for (size_t i = 1; i < worker_count; i++)
        worker_start(&workers[i], (int)i, port);
    return port;
}

void fx_stop(void)
{
    for (size_t i = 0; i < worker_count; i++)
        uv_async_send(&workers[i].stop_async);
    for (size_t i = 0; i < worker_count; i++) {
        worker *w = &workers[i];
        pthread_join(w->thr, NULL);
        http_server_free(w->srv);
        uv_run(&w->loop, UV_RUN_DEFAULT); /* lets the freed server's handles close */
        CHECK_INT_EQ(uv_loop_close(&w->loop), 0);
        for (size_t k = 0; k < g.opt.route_count; k++)
            edge_route_free(w->routes[k]);
    }
    edge_modules_free(fx_mods);
    edge_cache_free(fx_cache);
    fx_mods = NULL;
    fx_cache = NULL;
    shutdown(g.origin_fd, SHUT_RDWR);
    close(g.origin_fd);
    pthread_join(g.origin_thr, NULL);
    free(g.log);
    g.log = NULL;
    g.log_len = g.log_cap = 0;
}

/* ---- client ---------------------------------------------------------------------------------- */

int fx_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

bool fx_header(const fx_response *r, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (const char *p = strstr(r->head, "\r\n"); p && p[2] != '\r'; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
            const char *v = p + 3 + n;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            snprintf(out, cap, "%.*s", (int)(e - v), v);
            return true;
        }
    }
    return false;
}

bool fx_request(int fd, const char *method, const char *path, const char *headers, const void *body,
                size_t body_len, fx_response *resp)
{
    char req[8192];
    int n =
        snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: test\r\n%sContent-Length: %zu\r\n\r\n",
                 method, path, headers ? headers : "", body_len);
    if (body_len == 0) /* no Content-Length at all, as real clients send GETs */
        n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: test\r\n%s\r\n", method, path,
                     headers ? headers : "");
    if (write(fd, req, (size_t)n) != n ||
        (body_len && write(fd, body, body_len) != (ssize_t)body_len))
        return false;
    static _Thread_local char buf[sizeof resp->head + sizeof resp->body];
    size_t len = 0;
    char *end;
    while ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL) {
        ssize_t r = len < sizeof buf ? read(fd, buf + len, sizeof buf - len) : 0;
        if (r <= 0)
            return false;
        len += (size_t)r;
    }
    size_t head_len = (size_t)(end - buf) + 4;
    if (head_len >= sizeof resp->head)
        return false;
    memcpy(resp->head, buf, head_len);
    resp->head[head_len] = '\0';
    resp->status = atoi(buf + 9);
    char cl[32];
    if (!fx_header(resp, "content-length", cl, sizeof cl))
        return false;
    size_t blen = strtoul(cl, NULL, 10);
    if (blen >= sizeof resp->body)
        return false;
    while (len < head_len + blen) {
        ssize_t r = read(fd, buf + len, sizeof buf - len);
        if (r <= 0)
            return false;
        len += (size_t)r;
    }
    memcpy(resp->body, buf + head_len, blen);
    resp->body[blen] = '\0';
    resp->body_len = blen;
    return len == head_len + blen;
}
