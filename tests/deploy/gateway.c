/*
 * The test gateway of gateway.h: one accept loop on its own thread, polling a stop flag so that
 * gw_stop always ends it, and answering each connection in turn.
 */
#include "gateway.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAX_ROUTES = 64, REQUEST_MAX_BYTES = 8192, DRIP_MAX_BYTES = 100, DRIP_INTERVAL_MS = 1500 };
#define POST_MAX_BYTES (256ULL * 1024 * 1024) /* a POST body drained before the answer */

typedef struct gw_route_entry {
    char target[256];
    gw_mode mode;
    int status;
    char ctype[128];
    uint8_t *body;
    size_t len;
    int hits;
} gw_route_entry;

struct gw_server {
    int fd;
    char url[64];
    pthread_t thread;
    atomic_bool stop;
    pthread_mutex_t lock;
    gw_route_entry routes[MAX_ROUTES];
    size_t count;
    char accept[256];
};

static void send_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return; /* the client went away: fine, it is allowed to */
        p += n;
        len -= (size_t)n;
    }
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Reads and drops a POST body (Content-Length bytes, of which the first read may hold some), so
 * that the client has sent all of it before it gets the answer. */
static void drain_body(int fd, const char *req, size_t got)
{
    const char *cl = strcasestr(req, "\r\nContent-Length: ");
    const char *end = strstr(req, "\r\n\r\n");
    if (cl == NULL || end == NULL)
        return;
    unsigned long long want = strtoull(cl + 18, NULL, 10);
    size_t have = got - (size_t)(end + 4 - req);
    if (want > POST_MAX_BYTES)
        return;
    char buf[65536];
    while (have < want) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 2000) <= 0)
            return;
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r <= 0)
            return;
        have += (size_t)r;
    }
}

static void answer(gw_server *gw, int fd)
{
    char req[REQUEST_MAX_BYTES + 1];
    size_t n = 0;
    while (n < REQUEST_MAX_BYTES) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 2000) <= 0)
            return;
        ssize_t got = recv(fd, req + n, REQUEST_MAX_BYTES - n, 0);
        if (got <= 0)
            return;
        n += (size_t)got;
        req[n] = '\0';
        if (strstr(req, "\r\n\r\n") != NULL)
            break;
    }
    char method[8] = "", target[256] = "";
    if (sscanf(req, "%7s %255s HTTP/1.1", method, target) != 2)
        return;
    if (strcmp(method, "POST") == 0)
        drain_body(fd, req, n);
    else if (strcmp(method, "GET") != 0)
        return;
    const char *acc = strcasestr(req, "\r\nAccept: ");
    pthread_mutex_lock(&gw->lock);
    if (acc != NULL) {
        acc += 10;
        size_t m = strcspn(acc, "\r");
        snprintf(gw->accept, sizeof gw->accept, "%.*s", (int)(m < 255 ? m : 255), acc);
    }
    gw_route_entry *r = NULL;
    for (size_t i = 0; i < gw->count; i++)
        if (strcmp(gw->routes[i].target, target) == 0)
            r = &gw->routes[i];
    if (r != NULL)
        r->hits++;
    pthread_mutex_unlock(&gw->lock);
    char head[512];
    if (r == NULL) {
        const char nf[] =
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        send_all(fd, nf, sizeof nf - 1);
        return;
    }
    switch (r->mode) {
    case GW_PLAIN:
    case GW_HUGE_LENGTH: {
        char length[32];
        snprintf(length, sizeof length, "%zu", r->len);
        int h = snprintf(head, sizeof head,
                         "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %s\r\n"
                         "Connection: close\r\n\r\n",
                         r->status, r->ctype, r->mode == GW_HUGE_LENGTH ? "5000000000" : length);
        send_all(fd, head, (size_t)h);
        send_all(fd, r->body, r->len);
        break;
    }
    case GW_DRIP: {
        int h = snprintf(head, sizeof head,
                         "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                         "Connection: close\r\n\r\n",
                         r->ctype, r->len);
        send_all(fd, head, (size_t)h);
        for (size_t i = 0; i < r->len && i < DRIP_MAX_BYTES && !atomic_load(&gw->stop); i++) {
            if (send(fd, r->body + i, 1, MSG_NOSIGNAL) != 1)
                break;
            sleep_ms(DRIP_INTERVAL_MS);
        }
        break;
    }
    case GW_REDIRECT_SELF: {
        int h = snprintf(head, sizeof head,
                         "HTTP/1.1 302 Found\r\nLocation: %s%s\r\nContent-Length: 0\r\n"
                         "Connection: close\r\n\r\n",
                         gw->url, target);
        send_all(fd, head, (size_t)h);
        break;
    }
    case GW_HANG_UP:
        break;
    }
}

static void *serve(void *arg)
{
    gw_server *gw = arg;
    while (!atomic_load(&gw->stop)) {
        struct pollfd p = {gw->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(gw->fd, NULL, NULL);
        if (c < 0)
            continue;
        answer(gw, c);
        shutdown(c, SHUT_RDWR);
        close(c);
    }
    return NULL;
}

gw_server *gw_start(void)
{
    gw_server *gw = calloc(1, sizeof *gw);
    CHECK(gw != NULL);
    gw->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(gw->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    CHECK(bind(gw->fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(gw->fd, 16) == 0);
    CHECK(getsockname(gw->fd, (struct sockaddr *)&a, &alen) == 0);
    snprintf(gw->url, sizeof gw->url, "http://127.0.0.1:%u", ntohs(a.sin_port));
    pthread_mutex_init(&gw->lock, NULL);
    CHECK(pthread_create(&gw->thread, NULL, serve, gw) == 0);
    return gw;
}

void gw_stop(gw_server *gw)
{
    atomic_store(&gw->stop, true);
    pthread_join(gw->thread, NULL);
    close(gw->fd);
    for (size_t i = 0; i < gw->count; i++)
        free(gw->routes[i].body);
    pthread_mutex_destroy(&gw->lock);
    free(gw);
}

const char *gw_url(const gw_server *gw)
{
    return gw->url;
}

void gw_route(gw_server *gw, const char *target, gw_mode mode, int status, const char *ctype,
              const uint8_t *body, size_t len)
{
    pthread_mutex_lock(&gw->lock);
    CHECK(gw->count < MAX_ROUTES);
    gw_route_entry *r = &gw->routes[gw->count++];
    snprintf(r->target, sizeof r->target, "%s", target);
    snprintf(r->ctype, sizeof r->ctype, "%s", ctype);
    r->mode = mode;
    r->status = status;
    r->body = malloc(len ? len : 1);
    CHECK(r->body != NULL);
    if (len)
        memcpy(r->body, body, len);
    r->len = len;
    pthread_mutex_unlock(&gw->lock);
}

int gw_hits(gw_server *gw, const char *target)
{
    int hits = 0;
    pthread_mutex_lock(&gw->lock);
    for (size_t i = 0; i < gw->count; i++)
        if (strcmp(gw->routes[i].target, target) == 0)
            hits += gw->routes[i].hits;
    pthread_mutex_unlock(&gw->lock);
    return hits;
}

const char *gw_last_accept(gw_server *gw)
{
    static char copy[256];
    pthread_mutex_lock(&gw->lock);
    snprintf(copy, sizeof copy, "%s", gw->accept);
    pthread_mutex_unlock(&gw->lock);
    return copy;
}

dep_status gw_fetch_check(dep_fetch_options o, const char *const *gateways, size_t n,
                          const dep_cid *cid, const uint8_t *want, size_t want_len,
                          const char **source, dep_error *err)
{
    CHECK(n <= sizeof o.gateways / sizeof o.gateways[0]);
    o.gateway_count = n;
    for (size_t i = 0; i < n; i++)
        o.gateways[i] = gateways[i];
    if (o.stall_timeout_ms == 0)
        o.stall_timeout_ms = 1000;
    if (o.connect_timeout_ms == 0)
        o.connect_timeout_ms = 1000;
    uint8_t *bytes = NULL;
    size_t len = 0;
    dep_status st = dep_fetch(&o, cid, &bytes, &len, source, err);
    if (st == DEP_OK) {
        CHECK_UINT_EQ(len, want_len);
        CHECK(memcmp(bytes, want, len) == 0);
        free(bytes);
    }
    return st;
}

dep_status gw_keep_block(void *ctx, const dep_cid *cid, const uint8_t *data, size_t len,
                         dep_error *err)
{
    (void)err;
    gw_blocks *b = ctx;
    for (size_t i = 0; i < b->count; i++)
        if (dep_cid_equal(&b->at[i].cid, cid))
            return DEP_OK;
    CHECK(b->count < GW_BLOCKS_MAX);
    b->at[b->count].cid = *cid;
    b->at[b->count].data = malloc(len ? len : 1);
    CHECK(b->at[b->count].data != NULL);
    memcpy(b->at[b->count].data, data, len);
    b->at[b->count++].len = len;
    return DEP_OK;
}

void gw_blocks_free(gw_blocks *b)
{
    for (size_t i = 0; i < b->count; i++)
        free(b->at[i].data);
    b->count = 0;
}

uint8_t *gw_car_of_blocks(const dep_cid *root, const gw_blocks *b, size_t first, size_t *len)
{
    uint8_t header[DEP_CAR_HEADER_MAX_BYTES];
    size_t at = dep_car_header(root, header, sizeof header), cap = at + GW_CAR_SLACK_BYTES;
    CHECK(at > 0);
    for (size_t i = first; i < b->count; i++)
        cap += b->at[i].len + 64; /* a section: a length varint, the CID, the bytes */
    uint8_t *car = malloc(cap);
    CHECK(car != NULL);
    memcpy(car, header, at);
    for (size_t i = first; i < b->count; i++) {
        uint8_t *sec;
        size_t n;
        CHECK_INT_EQ(dep_car_section(&b->at[i].cid, b->at[i].data, b->at[i].len, &sec, &n, NULL),
                     DEP_OK);
        CHECK(at + n + GW_CAR_SLACK_BYTES <= cap);
        memcpy(car + at, sec, n);
        at += n;
        free(sec);
    }
    *len = at;
    return car;
}

void gw_car_damage(uint8_t *car, size_t *len, int damage)
{
    if (damage == 1) {
        car[*len - 1] ^= 1;
    } else if (damage == 2) {
        *len -= 10;
    } else if (damage == 3) {
        uint8_t *sec;
        size_t n;
        dep_cid c;
        CHECK_INT_EQ(dep_cid_of_block(1, DEP_CODEC_RAW, (const uint8_t *)"extra", 5, &c, NULL),
                     DEP_OK);
        CHECK_INT_EQ(dep_car_section(&c, (const uint8_t *)"extra", 5, &sec, &n, NULL), DEP_OK);
        CHECK(n <= GW_CAR_SLACK_BYTES);
        memcpy(car + *len, sec, n);
        *len += n;
        free(sec);
    }
}
