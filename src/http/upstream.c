/*
 * Origins and their keep-alive connection pools. An http_upstream belongs to one loop; its idle
 * connections keep reading so that an origin closing one is noticed at once (and the connection
 * leaves the pool) instead of at the next request. Connections carrying a request report to
 * their owner (a client connection, see proxy.c) through the proxy_upstream_* functions.
 */
#include "http/http_internal.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>

enum { DEFAULT_MAX_IDLE = 32, DEFAULT_IDLE_TIMEOUT_MS = 30000 };

struct http_upstream {
    uv_loop_t *loop;
    struct sockaddr_storage addr;
    char name[300];
    char host_header[300];
    bool preserve_host, no_pool, freed;
    size_t max_idle;
    uint64_t idle_timeout_ms;
    uconn *idle; /* most recently used first */
    size_t nidle, nactive, open;
    http_upstream_stats stats;
};

http_upstream *http_upstream_new(uv_loop_t *loop, const http_upstream_config *cfg, char *err,
                                 size_t errlen)
{
    if (cfg->host == NULL || cfg->host[0] == '\0' || cfg->port == 0) {
        snprintf(err, err ? errlen : 0, "http: upstream: host and port are required");
        return NULL;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", cfg->port);
    int rc = getaddrinfo(cfg->host, port, &hints, &res);
    if (rc != 0 || res == NULL) {
        snprintf(err, err ? errlen : 0, "http: upstream %s:%u: %s", cfg->host, cfg->port,
                 rc != 0 ? gai_strerror(rc) : "no address");
        return NULL;
    }
    http_upstream *up = calloc(1, sizeof *up);
    if (up == NULL) {
        freeaddrinfo(res);
        snprintf(err, err ? errlen : 0, "http: upstream: out of memory");
        return NULL;
    }
    memcpy(&up->addr, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    up->loop = loop;
    snprintf(up->name, sizeof up->name, "%s:%u", cfg->host, cfg->port);
    snprintf(up->host_header, sizeof up->host_header, "%s",
             cfg->host_header != NULL ? cfg->host_header : up->name);
    up->preserve_host = cfg->preserve_host;
    up->no_pool = cfg->no_pool;
    up->max_idle = cfg->max_idle ? cfg->max_idle : DEFAULT_MAX_IDLE;
    up->idle_timeout_ms = cfg->idle_timeout_ms ? cfg->idle_timeout_ms : DEFAULT_IDLE_TIMEOUT_MS;
    return up;
}

const char *http_upstream_name(const http_upstream *up)
{
    return up->name;
}

const char *upstream_host_header(const http_upstream *up)
{
    return up->host_header;
}

bool upstream_preserve_host(const http_upstream *up)
{
    return up->preserve_host;
}

void upstream_count_retry(http_upstream *up)
{
    up->stats.retries++;
}

void http_upstream_get_stats(const http_upstream *up, http_upstream_stats *out)
{
    *out = up->stats;
    out->idle = up->nidle;
    out->active = up->nactive;
}

static void idle_unlink(uconn *uc)
{
    http_upstream *up = uc->up;
    if (uc->prev != NULL)
        uc->prev->next = uc->next;
    else
        up->idle = uc->next;
    if (uc->next != NULL)
        uc->next->prev = uc->prev;
    uc->prev = uc->next = NULL;
    up->nidle--;
}

static void on_uc_closed(uv_handle_t *h)
{
    uconn *uc = h->data;
    if (--uc->open_handles > 0)
        return;
    http_upstream *up = uc->up;
    free(uc->rbuf);
    free(uc);
    up->open--;
    if (up->freed && up->open == 0)
        free(up);
}

static void uconn_close(uconn *uc)
{
    if (uc->state == UC_CLOSING)
        return;
    if (uc->state == UC_IDLE)
        idle_unlink(uc);
    else
        uc->up->nactive--;
    uc->state = UC_CLOSING;
    uc->owner = NULL;
    uv_close((uv_handle_t *)&uc->tcp, on_uc_closed);
    uv_close((uv_handle_t *)&uc->timer, on_uc_closed);
}

static void on_uc_timer(uv_timer_t *t)
{
    uconn *uc = t->data;
    http_conn *owner = uc->owner;
    if (uc->state == UC_IDLE || owner == NULL) {
        uconn_close(uc);
        return;
    }
    if (uc->state == UC_CONNECTING)
        uc->up->stats.connect_errors++;
    proxy_upstream_failed(
        owner, uc->state == UC_CONNECTING ? UP_ERR_CONNECT_TIMEOUT : UP_ERR_READ_TIMEOUT, NULL);
}

static void on_uc_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)hint;
    uconn *uc = h->data;
    buf->base = uc->rbuf + uc->rend;
    buf->len = HTTP_UPSTREAM_RBUF_BYTES - uc->rend;
}

static void on_uc_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    uconn *uc = s->data;
    if (n == 0)
        return;
    if (uc->state != UC_ACTIVE || uc->owner == NULL) {
        uconn_close(uc); /* an idle connection spoke or closed: it cannot be reused */
        return;
    }
    if (n == UV_ENOBUFS) {
        uconn_read_stop(uc); /* full: reading resumes once the buffer is consumed */
        return;
    }
    if (n < 0) {
        proxy_upstream_eof(uc->owner, (int)n);
        return;
    }
    uc->rend += (size_t)n;
    uv_timer_again(&uc->timer);
    proxy_upstream_data(uc->owner);
}

/* Reading stays on across requests and in the pool (an origin closing an idle connection is
 * seen at once); it stops only for backpressure. The read timeout runs while a response is
 * awaited. */
void uconn_read_start(uconn *uc)
{
    if (!uc->reading && uc->state != UC_CLOSING && !uc->dead) {
        uc->reading = true;
        uv_read_start((uv_stream_t *)&uc->tcp, on_uc_alloc, on_uc_read);
    }
    if (uc->state == UC_ACTIVE)
        uv_timer_start(&uc->timer, on_uc_timer, uc->read_timeout_ms, uc->read_timeout_ms);
}

void uconn_timer_stop(uconn *uc)
{
    uv_timer_stop(&uc->timer);
}

void uconn_read_stop(uconn *uc)
{
    if (!uc->reading)
        return;
    uc->reading = false;
    uv_read_stop((uv_stream_t *)&uc->tcp);
    if (uc->state == UC_ACTIVE)
        uv_timer_stop(&uc->timer);
}

int uconn_write(uconn *uc, write_batch *b, uv_write_cb cb)
{
    int rc = batch_write((uv_stream_t *)&uc->tcp, b, cb, true);
    if (rc < 0) {
        proxy_upstream_failed(uc->owner, UP_ERR_IO, uv_strerror(rc));
        return WRITE_FAILED;
    }
    return rc;
}

static void on_uc_connect(uv_connect_t *req, int status)
{
    uconn *uc = req->data;
    if (uc->state != UC_CONNECTING)
        return; /* given up on (timeout or client gone) */
    uv_timer_stop(&uc->timer);
    if (status < 0) {
        uc->up->stats.connect_errors++;
        proxy_upstream_failed(uc->owner, UP_ERR_CONNECT, uv_strerror(status));
        return;
    }
    uc->state = UC_ACTIVE;
    uv_tcp_nodelay(&uc->tcp, 1);
    proxy_upstream_ready(uc->owner);
}

uconn *upstream_acquire(http_upstream *up, http_conn *owner, bool fresh, uint64_t connect_ms,
                        uint64_t read_ms, bool *reused)
{
    uconn *uc = fresh || up->no_pool ? NULL : up->idle;
    if (uc != NULL) {
        idle_unlink(uc);
        up->nactive++;
        up->stats.reuses++;
        uv_timer_stop(&uc->timer);
        uc->state = UC_ACTIVE;
        uc->owner = owner;
        uc->read_timeout_ms = read_ms;
        uc->rstart = uc->rend = 0;
        llhttp_init(&uc->parser, HTTP_RESPONSE, &http_response_settings);
        uc->parser.data = uc;
        *reused = true;
        return uc;
    }
    *reused = false;
    uc = calloc(1, sizeof *uc);
    char *rbuf = malloc(HTTP_UPSTREAM_RBUF_BYTES);
    if (uc == NULL || rbuf == NULL) {
        free(uc);
        free(rbuf);
        return NULL;
    }
    uc->up = up;
    uc->rbuf = rbuf;
    uc->owner = owner;
    uc->read_timeout_ms = read_ms;
    uc->state = UC_CONNECTING;
    llhttp_init(&uc->parser, HTTP_RESPONSE, &http_response_settings);
    uc->parser.data = uc;
    uv_tcp_init(up->loop, &uc->tcp);
    uv_timer_init(up->loop, &uc->timer);
    uc->tcp.data = uc->timer.data = uc->creq.data = uc;
    uc->open_handles = 2;
    up->open++;
    up->nactive++;
    up->stats.connects++;
    int rc = uv_tcp_connect(&uc->creq, &uc->tcp, (const struct sockaddr *)&up->addr, on_uc_connect);
    if (rc != 0) {
        up->stats.connect_errors++;
        uconn_close(uc);
        return NULL;
    }
    uv_timer_start(&uc->timer, on_uc_timer, connect_ms, 0);
    return uc;
}

void upstream_release(uconn *uc, bool reusable)
{
    http_upstream *up = uc->up;
    if (uc->state == UC_CLOSING)
        return;
    if (!reusable || up->no_pool || up->freed || up->nidle >= up->max_idle ||
        uc->state != UC_ACTIVE || uc->rstart != uc->rend || uc->dead || uc->pending_eof) {
        uconn_close(uc);
        return;
    }
    up->nactive--;
    uc->state = UC_IDLE;
    uc->owner = NULL;
    uc->requests++;
    uc->rstart = uc->rend = 0;
    uc->prev = NULL;
    uc->next = up->idle;
    if (up->idle != NULL)
        up->idle->prev = uc;
    up->idle = uc;
    up->nidle++;
    uconn_read_start(uc); /* IDLE: starts reading if backpressure had stopped it, no timer */
    uv_timer_start(&uc->timer, on_uc_timer, up->idle_timeout_ms, 0);
}

void http_upstream_free(http_upstream *up)
{
    if (up == NULL)
        return;
    up->freed = true;
    while (up->idle != NULL)
        uconn_close(up->idle);
    if (up->open == 0)
        free(up);
}
