/*
 * The http suite's fixture (see fixture.h): an origin written with blocking sockets, the proxy
 * under test on its own loop thread with a routing stage, and a small raw HTTP client.
 *
 * Origin paths: /echo (body back), /headers (request head back as the body), /chunked (chunked
 * response), /close (close-delimited response), /big/N (N bytes), /slow/MS (answers after MS
 * milliseconds), /hop (hop-by-hop response headers), /drop-second (closes unanswered on the
 * second request of a connection), anything else (the path back).
 * Stage paths: /stage/deny (403 from the stage), /stage/buffer (body buffered; "evil" -> 406),
 * /stage/resp (response header edits).
 */
#include "fixture.h"

#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

atomic_int fx_origin_conns;
atomic_int fx_origin_requests;
atomic_int fx_pipeline_releases;
atomic_int fx_reloads;

static struct {
    int origin_fd;
    uint16_t origin_port;
    pthread_t origin_thr;
    pthread_mutex_t mu;
    char last_head[16384];
    fx_log log;
    uv_loop_t loop;
    uv_async_t async;
    uv_async_t reload_async;
    http_server *srv;
    http_upstream *up;
    http_upstream_stats up_stats;
    pthread_t proxy_thr;
    bool running, shutdown_started;
    uint64_t shutdown_ms;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* ---- origin ---------------------------------------------------------------------------------- */

static bool o_read_more(int fd, char **buf, size_t *len, size_t *cap)
{
    if (*len == *cap) {
        *cap *= 2;
        *buf = realloc(*buf, *cap);
    }
    ssize_t n = read(fd, *buf + *len, *cap - *len);
    if (n <= 0)
        return false;
    *len += (size_t)n;
    return true;
}

static const char *o_header(const char *head, const char *name, char *out, size_t cap)
{
    return fx_header(head, name, out, cap) ? out : NULL;
}

static void o_write(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

static _Thread_local bool o_head_request; /* a HEAD response carries no body */

static void o_respond(int fd, int status, const char *extra, const char *body, size_t len)
{
    char head[512];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\n%sContent-Length: %zu\r\n\r\n", status,
                     extra, len);
    o_write(fd, head, (size_t)n);
    if (!o_head_request)
        o_write(fd, body, len);
}

static void *origin_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    int nreq = 0;
    for (;;) {
        char *end;
        while ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL)
            if (!o_read_more(fd, &buf, &len, &cap))
                goto done;
        size_t head_len = (size_t)(end - buf) + 4;
        char *head = strndup(buf, head_len);
        nreq++;
        atomic_fetch_add(&fx_origin_requests, 1);
        pthread_mutex_lock(&g.mu);
        snprintf(g.last_head, sizeof g.last_head, "%s", head);
        pthread_mutex_unlock(&g.mu);
        memmove(buf, buf + head_len, len - head_len);
        len -= head_len;
        if (strncmp(head, "POST /drop-second-head ", 23) == 0 && nreq >= 2) {
            free(head); /* drops the request before its body */
            goto done;
        }
        /* Body: Content-Length or chunked. */
        char v[64];
        size_t blen = 0;
        char *body = NULL;
        if (o_header(head, "content-length", v, sizeof v)) {
            blen = strtoul(v, NULL, 10);
            while (len < blen)
                if (!o_read_more(fd, &buf, &len, &cap))
                    goto done_head;
            body = malloc(blen + 1);
            memcpy(body, buf, blen);
            memmove(buf, buf + blen, len - blen);
            len -= blen;
        } else if (o_header(head, "transfer-encoding", v, sizeof v)) {
            size_t bcap = 1024;
            body = malloc(bcap);
            for (;;) {
                char *eol;
                while ((eol = memmem(buf, len, "\r\n", 2)) == NULL)
                    if (!o_read_more(fd, &buf, &len, &cap))
                        goto done_body;
                size_t sz = strtoul(buf, NULL, 16);
                size_t hl = (size_t)(eol - buf) + 2;
                while (len < hl + sz + 2)
                    if (!o_read_more(fd, &buf, &len, &cap))
                        goto done_body;
                if (blen + sz + 1 > bcap) {
                    while (blen + sz + 1 > bcap)
                        bcap *= 2;
                    body = realloc(body, bcap);
                }
                memcpy(body + blen, buf + hl, sz);
                blen += sz;
                memmove(buf, buf + hl + sz + 2, len - hl - sz - 2);
                len -= hl + sz + 2;
                if (sz == 0)
                    break;
            }
        }
        char path[256] = "";
        sscanf(head, "%*s %255s", path);
        o_head_request = strncmp(head, "HEAD ", 5) == 0;
        if (strcmp(path, "/echo") == 0) {
            o_respond(fd, 200, "X-Origin: echo\r\n", body ? body : "", blen);
        } else if (strcmp(path, "/headers") == 0 || strcmp(path, "/stage/inject") == 0) {
            o_respond(fd, 200, "", head, strlen(head));
        } else if (strcmp(path, "/chunked") == 0) {
            const char *r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n";
            o_write(fd, r, strlen(r));
        } else if (strcmp(path, "/close") == 0) {
            const char *r = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nclosed body";
            o_write(fd, r, strlen(r));
            free(body);
            free(head);
            goto done;
        } else if (strncmp(path, "/big/", 5) == 0) {
            size_t n = strtoul(path + 5, NULL, 10);
            char *b = malloc(n + 1);
            for (size_t i = 0; i < n; i++)
                b[i] = (char)('a' + i % 26);
            o_respond(fd, 200, "", b, n);
            free(b);
        } else if (strncmp(path, "/slow/", 6) == 0) {
            usleep((useconds_t)strtoul(path + 6, NULL, 10) * 1000);
            o_respond(fd, 200, "", "slow", 4);
        } else if (strcmp(path, "/hop") == 0 || strcmp(path, "/stage/resp") == 0) {
            o_respond(fd, 200,
                      "Connection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n"
                      "Proxy-Foo: x\r\nX-Keep: yes\r\nVia: 1.0 upstream\r\n",
                      "hop", 3);
        } else if (strcmp(path, "/trickle") == 0) {
            const char *r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-T: 1\r\n\r\n"
                            "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n";
            for (size_t off = 0, len = strlen(r); off < len; off += 3) {
                o_write(fd, r + off, len - off < 3 ? len - off : 3);
                usleep(300);
            }
        } else if (strcmp(path, "/garbage") == 0) {
            const char *r = "NOT HTTP AT ALL\r\n\r\n";
            o_write(fd, r, strlen(r));
        } else if (strcmp(path, "/bighead") == 0) {
            static char big[24000];
            memset(big, 'h', sizeof big - 1);
            big[sizeof big - 1] = '\0';
            char *r = malloc(sizeof big + 128);
            int n = snprintf(r, sizeof big + 128,
                             "HTTP/1.1 200 OK\r\nX-Big: %s\r\nContent-Length: 2\r\n\r\nok", big);
            o_write(fd, r, (size_t)n);
            free(r);
        } else if (strcmp(path, "/early") == 0) {
            const char *r = "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
            o_write(fd, r, strlen(r));
        } else if (strcmp(path, "/nocontent") == 0) {
            const char *r = "HTTP/1.1 204 No Content\r\nX-Empty: 1\r\n\r\n";
            o_write(fd, r, strlen(r));
        } else if (strcmp(path, "/drop-second") == 0 && nreq >= 2) {
            free(body);
            free(head);
            goto done;
        } else {
            o_respond(fd, 200, "", path, strlen(path));
        }
    done_body:
        free(body);
    done_head:
        free(head);
    }
done:
    free(buf);
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
        atomic_fetch_add(&fx_origin_conns, 1);
        int one = 1; /* small writes must not wait for delayed ACKs */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_t t;
        pthread_create(&t, NULL, origin_conn, (void *)(intptr_t)fd);
        pthread_detach(t);
    }
}

static uint16_t listen_any(int *fd_out)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(fd, 128) == 0);
    socklen_t sl = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &sl);
    *fd_out = fd;
    return ntohs(a.sin_port);
}

/* ---- proxy ----------------------------------------------------------------------------------- */

static http_verdict stage_head(http_request *r, void *ud)
{
    (void)ud;
    const char *t = http_request_target(r);
    if (strcmp(t, "/stage/deny") == 0) {
        http_request_set_response_header(r, "X-Stage", "deny");
        http_request_respond(r, 403, "text/plain", "denied", 6);
        return HTTP_RESPONDED;
    }
    if (strcmp(t, "/stage/buffer") == 0)
        http_request_buffer_body(r);
    if (strcmp(t, "/stage/inject") == 0) {
        /* Values that could split or reframe a message are refused; a clean one is taken. */
        char res[64];
        snprintf(res, sizeof res, "%d,%d,%d,%d,%d,%d,%d",
                 http_request_set_header(r, "X-Evil", "a\r\nInjected: 1"),
                 http_request_set_header(r, "Host", "elsewhere"),
                 http_request_set_header(r, "Bad Name", "v"),
                 http_request_set_header(r, "Transfer-Encoding", "chunked"),
                 http_request_set_response_header(r, "X-A", "b\nc"),
                 http_request_respond(r, 200, "text/html\r\nX-Y: z", "", 0),
                 http_request_set_header(r, "X-Good", "ok"));
        http_request_set_response_header(r, "X-Inject-Results", res);
    }
    if (strcmp(t, "/stage/none") == 0)
        return HTTP_CONTINUE; /* no upstream chosen */
    http_request_set_header(r, "X-Stage-Seen", "1");
    http_request_set_upstream(r, g.up);
    return HTTP_CONTINUE;
}

static http_verdict stage_body(http_request *r, const uint8_t *body, size_t len, void *ud)
{
    (void)ud;
    if (memmem(body, len, "evil", 4) != NULL) {
        http_request_respond(r, 406, "text/plain", "evil body", 9);
        return HTTP_RESPONDED;
    }
    char n[32];
    snprintf(n, sizeof n, "%zu", len);
    http_request_set_response_header(r, "X-Body-Seen", n);
    return HTTP_CONTINUE;
}

static void stage_resp(http_request *r, void *ud)
{
    (void)ud;
    if (strcmp(http_request_target(r), "/stage/resp") != 0)
        return;
    const char *keep = http_request_response_header(r, "x-keep");
    http_request_set_response_header(r, "X-Resp-Edited", keep ? keep : "none");
    http_request_remove_response_header(r, "X-Keep");
}

static void on_complete(http_request *r, const http_request_log *l, void *ud)
{
    (void)r;
    (void)ud;
    pthread_mutex_lock(&g.mu);
    g.log.count++;
    g.log.status = l->status;
    snprintf(g.log.error, sizeof g.log.error, "%s", l->error ? l->error : "");
    snprintf(g.log.request_id, sizeof g.log.request_id, "%s", l->request_id);
    snprintf(g.log.method, sizeof g.log.method, "%s", l->method);
    snprintf(g.log.target, sizeof g.log.target, "%s", l->target);
    g.log.bytes_in = l->bytes_in;
    g.log.bytes_out = l->bytes_out;
    g.log.attempts = l->attempts;
    g.log.reused = l->upstream_reused;
    g.log.duration_us = l->duration_us;
    snprintf(g.log.client_ip, sizeof g.log.client_ip, "%s", l->client_ip);
    snprintf(g.log.host, sizeof g.log.host, "%s", l->host);
    snprintf(g.log.upstream, sizeof g.log.upstream, "%s", l->upstream);
    pthread_mutex_unlock(&g.mu);
}

static const http_stage stages[] = {
    {"test-route", stage_head, stage_body, stage_resp, NULL},
};

/* The pipeline installed by fx_reload: marks requests so the origin shows which one ran. */
static http_verdict stage_head_gen2(http_request *r, void *ud)
{
    (void)ud;
    http_request_set_header(r, "X-Gen", "2");
    http_request_set_upstream(r, g.up);
    return HTTP_CONTINUE;
}

static const http_stage stages_gen2[] = {
    {"test-route-2", stage_head_gen2, NULL, NULL, NULL},
};

static void on_release(void *ud)
{
    (void)ud;
    atomic_fetch_add(&fx_pipeline_releases, 1);
}

static void on_reload(uv_async_t *a)
{
    (void)a;
    http_pipeline p = {
        .stages = stages_gen2, .stage_count = 1, .on_complete = on_complete, .release = on_release};
    CHECK_INT_EQ(http_server_set_pipeline(g.srv, &p), 0);
    atomic_fetch_add(&fx_reloads, 1);
}

void fx_reload(void)
{
    int before = atomic_load(&fx_reloads);
    uv_async_send(&g.reload_async);
    for (int i = 0; i < 300 && atomic_load(&fx_reloads) == before; i++)
        usleep(10000);
    CHECK_INT_EQ(atomic_load(&fx_reloads), before + 1);
}

static void on_shutdown_done(void *arg)
{
    (void)arg;
    http_upstream_get_stats(g.up, &g.up_stats);
    http_upstream_free(g.up);
    uv_close((uv_handle_t *)&g.async, NULL);
    uv_close((uv_handle_t *)&g.reload_async, NULL);
}

static void on_async(uv_async_t *a)
{
    (void)a;
    http_server_shutdown(g.srv, g.shutdown_ms, on_shutdown_done, NULL);
}

static void *proxy_main(void *arg)
{
    (void)arg;
    uv_run(&g.loop, UV_RUN_DEFAULT);
    return NULL;
}

uint16_t fx_start(const fx_options *opt)
{
    signal(SIGPIPE, SIG_IGN);
    g.origin_port = listen_any(&g.origin_fd);
    if (opt->origin_blackhole) {
        /* A listener that never accepts, its queue filled: further SYNs go unanswered. */
        listen(g.origin_fd, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons(g.origin_port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        for (int i = 0; i < 3; i++) {
            int f = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            connect(f, (struct sockaddr *)&a, sizeof a);
        }
        usleep(50000);
    } else if (opt->no_origin) {
        close(g.origin_fd); /* nothing listens there any more */
    } else {
        pthread_create(&g.origin_thr, NULL, origin_main, NULL);
        pthread_detach(g.origin_thr);
    }
    uv_loop_init(&g.loop);
    char err[256] = "";
    http_upstream_config uc = {.host = "127.0.0.1",
                               .port = g.origin_port,
                               .preserve_host = opt->preserve_host,
                               .max_idle = opt->max_idle,
                               .idle_timeout_ms = opt->upstream_idle_timeout_ms};
    g.up = http_upstream_new(&g.loop, &uc, err, sizeof err);
    CHECK_MSG(g.up != NULL, "upstream: %s", err);
    http_server_config sc = {.host = "127.0.0.1", .port = 0, .limits = opt->limits};
    http_pipeline p = {
        .stages = stages, .stage_count = 1, .on_complete = on_complete, .release = on_release};
    g.srv = http_server_new(&g.loop, &sc, &p, err, sizeof err);
    CHECK_MSG(g.srv != NULL, "server: %s", err);
    g.shutdown_ms = opt->shutdown_timeout_ms ? opt->shutdown_timeout_ms : 2000;
    uv_async_init(&g.loop, &g.async, on_async);
    uv_async_init(&g.loop, &g.reload_async, on_reload);
    g.running = true;
    pthread_create(&g.proxy_thr, NULL, proxy_main, NULL);
    return http_server_port(g.srv);
}

void fx_begin_shutdown(void)
{
    if (!g.shutdown_started) {
        g.shutdown_started = true;
        uv_async_send(&g.async);
    }
}

void fx_stop(void)
{
    if (!g.running)
        return;
    fx_begin_shutdown();
    pthread_join(g.proxy_thr, NULL);
    http_server_free(g.srv);
    CHECK_INT_EQ(uv_loop_close(&g.loop), 0);
    g.running = false;
}

void fx_origin_last_head(char *out, size_t cap)
{
    pthread_mutex_lock(&g.mu);
    snprintf(out, cap, "%s", g.last_head);
    pthread_mutex_unlock(&g.mu);
}

void fx_last_log(fx_log *out)
{
    pthread_mutex_lock(&g.mu);
    *out = g.log;
    pthread_mutex_unlock(&g.mu);
}

void fx_upstream_stats(http_upstream_stats *out)
{
    *out = g.up_stats;
}

int fx_wait_logs(int n)
{
    for (int i = 0; i < 300; i++) {
        fx_log l;
        fx_last_log(&l);
        if (l.count >= n)
            return l.count;
        usleep(10000);
    }
    fx_log l;
    fx_last_log(&l);
    return l.count;
}

/* ---- client ---------------------------------------------------------------------------------- */

enum { CLIENT_FDS = 1024, CLIENT_TIMEOUT_S = 10 };
static struct {
    char *buf;
    size_t len, cap;
} pending[CLIENT_FDS];

int fx_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_MSG(connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "connect: %s", strerror(errno));
    struct timeval tv = {CLIENT_TIMEOUT_S, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    CHECK(fd < CLIENT_FDS);
    pending[fd].len = 0;
    return fd;
}

void fx_send(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return; /* the proxy may close early (413, 400): the response says why */
        p += n;
        len -= (size_t)n;
    }
}

void fx_sends(int fd, const char *s)
{
    fx_send(fd, s, strlen(s));
}

/* Makes sure `need` bytes are pending; false on close/timeout. */
static bool fill(int fd, size_t need)
{
    while (pending[fd].len < need) {
        if (pending[fd].cap < need || pending[fd].cap - pending[fd].len < 4096) {
            size_t cap = pending[fd].cap ? pending[fd].cap * 2 : 65536;
            while (cap < need)
                cap *= 2;
            pending[fd].buf = realloc(pending[fd].buf, cap);
            pending[fd].cap = cap;
        }
        ssize_t n = read(fd, pending[fd].buf + pending[fd].len, pending[fd].cap - pending[fd].len);
        if (n <= 0)
            return false;
        pending[fd].len += (size_t)n;
    }
    return true;
}

static void consume(int fd, size_t n)
{
    memmove(pending[fd].buf, pending[fd].buf + n, pending[fd].len - n);
    pending[fd].len -= n;
}

static char *find_in_pending(int fd, const char *s)
{
    return pending[fd].len ? memmem(pending[fd].buf, pending[fd].len, s, strlen(s)) : NULL;
}

int fx_read_response(int fd, fx_resp *r, bool head_request)
{
    memset(r, 0, sizeof *r);
    r->status = -1;
    char *end;
    while ((end = find_in_pending(fd, "\r\n\r\n")) == NULL)
        if (!fill(fd, pending[fd].len + 1))
            return -1;
    size_t hl = (size_t)(end - pending[fd].buf) + 4;
    CHECK(hl < sizeof r->head);
    memcpy(r->head, pending[fd].buf, hl);
    r->head[hl] = '\0';
    consume(fd, hl);
    sscanf(r->head, "HTTP/1.%*d %d", &r->status);
    char v[64];
    size_t cap = 1024;
    r->body = malloc(cap);
    r->body[0] = '\0';
    if (r->status == 100)
        return r->status;
    if (head_request || r->status == 204 || r->status == 304) {
        return r->status;
    } else if (fx_header(r->head, "transfer-encoding", v, sizeof v)) {
        r->chunked = true;
        for (;;) {
            char *eol;
            while ((eol = find_in_pending(fd, "\r\n")) == NULL)
                if (!fill(fd, pending[fd].len + 1))
                    return -1;
            size_t sz = strtoul(pending[fd].buf, NULL, 16);
            size_t l = (size_t)(eol - pending[fd].buf) + 2;
            if (!fill(fd, l + sz + 2))
                return -1;
            if (r->body_len + sz + 1 > cap) {
                while (r->body_len + sz + 1 > cap)
                    cap *= 2;
                r->body = realloc(r->body, cap);
            }
            memcpy(r->body + r->body_len, pending[fd].buf + l, sz);
            r->body_len += sz;
            consume(fd, l + sz + 2);
            if (sz == 0)
                break;
        }
    } else if (fx_header(r->head, "content-length", v, sizeof v)) {
        size_t n = strtoul(v, NULL, 10);
        if (!fill(fd, n))
            return -1;
        if (n + 1 > cap)
            r->body = realloc(r->body, n + 1);
        memcpy(r->body, pending[fd].buf, n);
        r->body_len = n;
        consume(fd, n);
    } else {
        while (fill(fd, pending[fd].len + 1))
            ;
        r->body = realloc(r->body, pending[fd].len + 1);
        memcpy(r->body, pending[fd].buf, pending[fd].len);
        r->body_len = pending[fd].len;
        consume(fd, pending[fd].len);
    }
    r->body[r->body_len] = '\0';
    return r->status;
}

void fx_resp_free(fx_resp *r)
{
    free(r->body);
    r->body = NULL;
}

bool fx_header(const char *head, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = strstr(head, "\r\n");
    while (p != NULL && p[2] != '\r' && p[2] != '\0') {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            size_t n = e ? (size_t)(e - v) : strlen(v);
            if (n >= cap)
                n = cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
        p = strstr(p, "\r\n");
    }
    return false;
}

bool fx_closed(int fd, int timeout_ms)
{
    if (pending[fd].len > 0)
        return false;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return false;
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

int fx_roundtrip(uint16_t port, const char *req, fx_resp *r)
{
    int fd = fx_connect(port);
    fx_sends(fd, req);
    int st = fx_read_response(fd, r, strncmp(req, "HEAD ", 5) == 0);
    close(fd);
    return st;
}
