/*
 * The listener side of an http_server: binding (with SO_REUSEPORT so every worker thread can
 * own a listener on the same port), accepting within max_connections, the list of client
 * connections, pipeline replacement for reloads, request ids, and graceful shutdown.
 */
#include "http/http_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

enum { DEFAULT_BACKLOG = 511 };

static void set_err(char *err, size_t errlen, const char *fmt, const char *a, unsigned port,
                    const char *why)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, fmt, a, port, why);
}

static void on_connection(uv_stream_t *listener, int status)
{
    http_server *srv = listener->data;
    if (status < 0 || srv->shutting_down)
        return;
    conn_accept(srv);
}

/* Binds a socket ourselves: libuv of Debian 12 cannot set SO_REUSEPORT on its own. */
static int bind_socket(const http_server_config *cfg, int *fd_out, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    const char *host = cfg->host != NULL ? cfg->host : "0.0.0.0";
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(cfg->port);
        sl = sizeof *s4;
    } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(cfg->port);
        sl = sizeof *s6;
    } else {
        set_err(err, errlen, "http: listen %s:%u: %s", host, cfg->port,
                "not an IPv4 or IPv6 address");
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        set_err(err, errlen, "http: listen %s:%u: %s", host, cfg->port, strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (cfg->reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        set_err(err, errlen, "http: listen %s:%u: SO_REUSEPORT: %s", host, cfg->port,
                strerror(errno));
        close(fd);
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
        set_err(err, errlen, "http: listen %s:%u: %s", host, cfg->port, strerror(errno));
        close(fd);
        return -1;
    }
    *fd_out = fd;
    return 0;
}

http_server *http_server_new(uv_loop_t *loop, const http_server_config *cfg,
                             const http_pipeline *pipeline, char *err, size_t errlen)
{
    http_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL) {
        set_err(err, errlen, "http: %s%u%s", "", 0, "out of memory");
        return NULL;
    }
    srv->loop = loop;
    srv->limits = cfg->limits;
    limits_fill_defaults(&srv->limits);
    snprintf(srv->proto, sizeof srv->proto, "%s",
             cfg->forwarded_proto != NULL ? cfg->forwarded_proto : "http");
    http_pipeline empty = {0};
    srv->pipe = pipeline_ref_new(pipeline != NULL ? pipeline : &empty);
    if (getrandom(&srv->id_seed, sizeof srv->id_seed, 0) != sizeof srv->id_seed)
        srv->id_seed = (uint64_t)uv_hrtime() ^ ((uint64_t)getpid() << 32);
    int fd = -1;
    if (srv->pipe == NULL || bind_socket(cfg, &fd, err, errlen) != 0) {
        if (srv->pipe == NULL)
            set_err(err, errlen, "http: %s%u%s", "", 0, "out of memory");
        if (srv->pipe != NULL)
            srv->pipe->p.release = NULL; /* a failed creation takes no ownership */
        pipeline_ref_put(srv->pipe);
        free(srv);
        return NULL;
    }
    const char *host = cfg->host != NULL ? cfg->host : "0.0.0.0";
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    int rc = uv_tcp_open(&srv->listener, fd);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener,
                       cfg->backlog > 0 ? cfg->backlog : DEFAULT_BACKLOG, on_connection);
    if (rc != 0) {
        set_err(err, errlen, "http: listen %s:%u: %s", host, cfg->port, uv_strerror(rc));
        /* The handle is open and only the loop can close it: its close callback frees us. */
        srv->freed = true;
        srv->listening = true;
        srv->pipe->p.release = NULL;
        http_server_shutdown(srv, 0, NULL, NULL);
        return NULL;
    }
    srv->listening = true;
    struct sockaddr_storage ss;
    int sl = sizeof ss;
    if (uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&ss, &sl) == 0)
        srv->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                  : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return srv;
}

uint16_t http_server_port(const http_server *srv)
{
    return srv->port;
}

int http_server_set_pipeline(http_server *srv, const http_pipeline *pipeline)
{
    pipeline_ref *r = pipeline_ref_new(pipeline);
    if (r == NULL)
        return -1;
    pipeline_ref_put(srv->pipe);
    srv->pipe = r;
    return 0;
}

void http_server_set_limits(http_server *srv, const http_limits *limits)
{
    srv->limits = *limits;
    limits_fill_defaults(&srv->limits);
}

void http_server_get_stats(const http_server *srv, http_server_stats *out)
{
    *out = srv->stats;
    out->connections = srv->nconns;
}

void server_make_request_id(http_server *srv, char out[33])
{
    /* A 128-bit id: the server's random seed mixed with a counter (splitmix64), unique per
     * server and unpredictable enough for correlation, not for security. */
    uint64_t v[2];
    for (int i = 0; i < 2; i++) {
        uint64_t z = srv->id_seed + (++srv->id_counter) * 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        v[i] = z ^ (z >> 31);
    }
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++)
        out[i] = hex[(v[i / 16] >> (60 - 4 * (i % 16))) & 0xf];
    out[32] = '\0';
}

static void on_shutdown_timer_closed(uv_handle_t *h);

static void maybe_done(http_server *srv)
{
    if (srv->shutting_down && srv->nconns == 0 && srv->timer_open && !srv->timer_closing) {
        srv->timer_closing = true;
        uv_close((uv_handle_t *)&srv->shutdown_timer, on_shutdown_timer_closed);
    }
    if (!srv->shutting_down || srv->listening || srv->nconns > 0 || srv->timer_open ||
        srv->done_called)
        return;
    srv->done_called = true;
    if (srv->done != NULL)
        srv->done(srv->done_arg);
    if (srv->freed) {
        pipeline_ref_put(srv->pipe);
        free(srv);
    }
}

void server_conn_gone(http_server *srv, http_conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    srv->nconns--;
    maybe_done(srv);
}

static void on_listener_closed(uv_handle_t *h)
{
    http_server *srv = h->data;
    srv->listening = false;
    maybe_done(srv);
}

static void on_shutdown_timer_closed(uv_handle_t *h)
{
    http_server *srv = h->data;
    srv->timer_open = false;
    maybe_done(srv);
}

static void on_shutdown_timeout(uv_timer_t *t)
{
    http_server *srv = t->data;
    for (http_conn *c = srv->conns; c != NULL;) {
        http_conn *next = c->next;
        conn_close(c);
        c = next;
    }
}

void http_server_shutdown(http_server *srv, uint64_t timeout_ms, void (*done)(void *arg), void *arg)
{
    if (srv->shutting_down)
        return;
    srv->shutting_down = true;
    srv->done = done;
    srv->done_arg = arg;
    if (srv->listening)
        uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
    for (http_conn *c = srv->conns; c != NULL;) {
        http_conn *next = c->next;
        conn_shutdown(c); /* closes idle connections, marks busy ones to close when done */
        c = next;
    }
    if (srv->nconns > 0) {
        uv_timer_init(srv->loop, &srv->shutdown_timer);
        srv->shutdown_timer.data = srv;
        srv->timer_open = true;
        uv_timer_start(&srv->shutdown_timer, on_shutdown_timeout, timeout_ms, 0);
    }
    maybe_done(srv);
}

void http_server_free(http_server *srv)
{
    if (srv == NULL)
        return;
    if (srv->done_called) {
        pipeline_ref_put(srv->pipe);
        free(srv);
        return;
    }
    srv->freed = true;
    http_server_shutdown(srv, 0, NULL, NULL);
}
