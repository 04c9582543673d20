/*
 * aegis-demo-origin: the small origin server the project ships so that a newcomer sees a proxied
 * page at once (aegis-node starts it when the config says demo_origin: true), and that the
 * end-to-end tests and examples use as a real peer. One libuv loop, llhttp for parsing,
 * keep-alive and pipelining (requests are answered in order: parsing pauses while one is being
 * answered). Endpoints:
 *   GET  /           an HTML page saying whether the request came through AEGIS Edge (a Via
 *                    header) and listing the request headers it received (X-Request-Id, ...)
 *   GET  /headers    the request headers as "name: value" lines (for scripts and tests)
 *   ANY  /echo       the request body, with the request's Content-Type
 *   ANY  /status/N   an answer with status N (200..599)
 *   ANY  /slow?ms=N  the answer after N milliseconds (at most SLOW_MAX_MS)
 * Every response carries "X-Origin: NAME" (--name, default "demo").
 */
#include <errno.h>
#include <llhttp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <uv.h>

enum {
    MAX_HEADERS = 100,
    MAX_HEAD_BYTES = 64 * 1024,        /* URL + header names and values */
    MAX_BODY_BYTES = 16 * 1024 * 1024, /* /echo bodies */
    SLOW_MAX_MS = 60000,
    READ_BUF_BYTES = 64 * 1024,
};

static const char *origin_name = "demo";

typedef struct {
    uv_tcp_t tcp;
    uv_timer_t timer;
    llhttp_t parser;
    /* The request being parsed: head bytes in one buffer, offsets into it. */
    char head[MAX_HEAD_BYTES];
    size_t head_len;
    size_t url_off, url_len;
    size_t name_off[MAX_HEADERS], name_len[MAX_HEADERS];
    size_t value_off[MAX_HEADERS], value_len[MAX_HEADERS];
    size_t header_count;
    bool in_value;
    char *body;
    size_t body_len, body_cap;
    bool too_large;
    /* Bytes received but not parsed yet because parsing is paused on a request. */
    char *pending;
    size_t pending_len;
    bool busy; /* a response is being produced or written */
    bool keep_alive;
    bool closing;
    uint64_t slow_ms;
} conn;

/* ---- parsing ------------------------------------------------------------------------------- */

static int append_head(conn *c, const char *at, size_t len)
{
    if (len > sizeof c->head - c->head_len)
        return -1;
    memcpy(c->head + c->head_len, at, len);
    c->head_len += len;
    return 0;
}

static int on_message_begin(llhttp_t *p)
{
    conn *c = p->data;
    c->head_len = c->url_len = c->header_count = c->body_len = 0;
    c->url_off = 0;
    c->in_value = false;
    c->too_large = false;
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    conn *c = p->data;
    if (c->url_len == 0)
        c->url_off = c->head_len;
    c->url_len += len;
    return append_head(c, at, len);
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    conn *c = p->data;
    if (c->in_value || c->header_count == 0) { /* a new field (else: more of the same name) */
        if (c->header_count == MAX_HEADERS)
            return -1;
        c->name_off[c->header_count] = c->head_len;
        c->name_len[c->header_count] = 0;
        c->value_off[c->header_count] = c->head_len;
        c->value_len[c->header_count] = 0;
        c->header_count++;
    }
    c->in_value = false;
    c->name_len[c->header_count - 1] += len;
    return append_head(c, at, len);
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    conn *c = p->data;
    if (c->header_count == 0)
        return -1;
    if (c->value_len[c->header_count - 1] == 0)
        c->value_off[c->header_count - 1] = c->head_len;
    c->in_value = true;
    c->value_len[c->header_count - 1] += len;
    return append_head(c, at, len);
}

static int on_header_value_complete(llhttp_t *p)
{
    conn *c = p->data;
    c->in_value = true; /* the next field starts a new header, even after an empty value */
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
    conn *c = p->data;
    if (c->too_large || len > MAX_BODY_BYTES - c->body_len) {
        c->too_large = true;
        return 0;
    }
    if (c->body_len + len > c->body_cap) {
        size_t cap = c->body_cap ? c->body_cap : 4096;
        while (cap < c->body_len + len)
            cap *= 2;
        char *nb = realloc(c->body, cap);
        if (nb == NULL)
            return -1;
        c->body = nb;
        c->body_cap = cap;
    }
    memcpy(c->body + c->body_len, at, len);
    c->body_len += len;
    return 0;
}

static void respond_now(conn *c);

static int on_message_complete(llhttp_t *p)
{
    conn *c = p->data;
    c->keep_alive = llhttp_should_keep_alive(p) != 0;
    c->busy = true;
    return HPE_PAUSED; /* answered in order: the next request waits for this response */
}

static const llhttp_settings_t *parser_settings(void)
{
    static llhttp_settings_t s;
    static bool ready;
    if (!ready) {
        llhttp_settings_init(&s);
        s.on_message_begin = on_message_begin;
        s.on_url = on_url;
        s.on_header_field = on_header_field;
        s.on_header_value = on_header_value;
        s.on_header_value_complete = on_header_value_complete;
        s.on_body = on_body;
        s.on_message_complete = on_message_complete;
        ready = true;
    }
    return &s;
}

/* ---- responses ----------------------------------------------------------------------------- */

typedef struct {
    uv_write_t req;
    conn *c;
    char *data;
} write_req;

static void on_closed(uv_handle_t *h)
{
    conn *c = h->data;
    if (h == (uv_handle_t *)&c->tcp) {
        uv_close((uv_handle_t *)&c->timer, on_closed);
        return;
    }
    free(c->body);
    free(c->pending);
    free(c);
}

static void close_conn(conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void feed(conn *c, const char *data, size_t len);

static void on_written(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    conn *c = w->c;
    free(w->data);
    free(w);
    if (c->closing)
        return;
    if (status < 0 || !c->keep_alive) {
        close_conn(c);
        return;
    }
    c->busy = false;
    llhttp_resume(&c->parser);
    char *rest = c->pending;
    size_t rest_len = c->pending_len;
    c->pending = NULL;
    c->pending_len = 0;
    if (rest != NULL) {
        feed(c, rest, rest_len);
        free(rest);
    }
}

typedef struct {
    char *buf;
    size_t len, cap;
} text;

__attribute__((format(printf, 2, 3))) static void tprintf(text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap * 2 + (size_t)n + 1;
        char *nb = realloc(t->buf, cap);
        if (nb == NULL)
            return;
        t->buf = nb;
        t->cap = cap;
    }
}

static void tput(text *t, const char *s, size_t n)
{
    while (t->cap - t->len <= n) {
        size_t cap = t->cap * 2 + n + 1;
        char *nb = realloc(t->buf, cap);
        if (nb == NULL)
            return;
        t->buf = nb;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void thtml(text *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '<':
            tput(t, "&lt;", 4);
            break;
        case '>':
            tput(t, "&gt;", 4);
            break;
        case '&':
            tput(t, "&amp;", 5);
            break;
        case '"':
            tput(t, "&quot;", 6);
            break;
        default:
            tput(t, s + i, 1);
        }
    }
}

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 413:
        return "Content Too Large";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return status < 400 ? "OK" : "Error";
    }
}

static void send_response(conn *c, int status, const char *type, const char *body, size_t len)
{
    text t = {.buf = malloc(512 + len), .cap = 512 + len};
    if (t.buf == NULL) {
        close_conn(c);
        return;
    }
    tprintf(&t,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nX-Origin: %s\r\n%s"
            "\r\n",
            status, reason(status), type, len, origin_name,
            c->keep_alive ? "" : "Connection: close\r\n");
    if (llhttp_get_method(&c->parser) != HTTP_HEAD)
        tput(&t, body, len);
    write_req *w = malloc(sizeof *w);
    if (w == NULL) {
        free(t.buf);
        close_conn(c);
        return;
    }
    w->c = c;
    w->data = t.buf;
    uv_buf_t buf = uv_buf_init(t.buf, (unsigned)t.len);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) != 0) {
        free(t.buf);
        free(w);
        close_conn(c);
    }
}

static const char *header(conn *c, const char *name)
{
    static char value[4096];
    for (size_t i = 0; i < c->header_count; i++) {
        if (c->name_len[i] == strlen(name) &&
            strncasecmp(c->head + c->name_off[i], name, c->name_len[i]) == 0) {
            size_t n = c->value_len[i] < sizeof value - 1 ? c->value_len[i] : sizeof value - 1;
            memcpy(value, c->head + c->value_off[i], n);
            value[n] = '\0';
            return value;
        }
    }
    return NULL;
}

static void page(conn *c)
{
    text t = {0};
    bool proxied = header(c, "Via") != NULL;
    tprintf(&t, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>AEGIS Edge demo "
                "origin</title>\n<style>body{font-family:sans-serif;max-width:50em;margin:2em "
                "auto}td{padding:0 1em 0 0;font-family:monospace}</style></head><body>\n");
    if (proxied)
        tprintf(&t, "<h1>Hello from the demo origin, proxied through AEGIS Edge</h1>\n");
    else
        tprintf(&t, "<h1>Hello from the demo origin</h1>\n<p>This request came directly, not "
                    "through AEGIS Edge (no Via header).</p>\n");
    tprintf(&t, "<p>Origin <b>%s</b> received <code>", origin_name);
    thtml(&t, llhttp_method_name(llhttp_get_method(&c->parser)),
          strlen(llhttp_method_name(llhttp_get_method(&c->parser))));
    tput(&t, " ", 1);
    thtml(&t, c->head + c->url_off, c->url_len);
    tprintf(&t, "</code> with these headers:</p>\n<table>\n");
    for (size_t i = 0; i < c->header_count; i++) {
        tprintf(&t, "<tr><td>");
        thtml(&t, c->head + c->name_off[i], c->name_len[i]);
        tprintf(&t, "</td><td>");
        thtml(&t, c->head + c->value_off[i], c->value_len[i]);
        tprintf(&t, "</td></tr>\n");
    }
    tprintf(&t, "</table>\n</body></html>\n");
    send_response(c, 200, "text/html; charset=utf-8", t.buf ? t.buf : "", t.len);
    free(t.buf);
}

static void on_slow_done(uv_timer_t *timer)
{
    conn *c = timer->data;
    char body[64];
    int n = snprintf(body, sizeof body, "slept %llu ms\n", (unsigned long long)c->slow_ms);
    send_response(c, 200, "text/plain", body, (size_t)n);
}

static void respond_now(conn *c)
{
    char path[1024];
    size_t n = c->url_len < sizeof path - 1 ? c->url_len : sizeof path - 1;
    memcpy(path, c->head + c->url_off, n);
    path[n] = '\0';
    char *query = strchr(path, '?');
    if (query != NULL)
        *query++ = '\0';
    if (c->too_large) {
        send_response(c, 413, "text/plain", "body too large\n", 15);
    } else if (strcmp(path, "/") == 0) {
        page(c);
    } else if (strcmp(path, "/headers") == 0) {
        text t = {0};
        for (size_t i = 0; i < c->header_count; i++) {
            tput(&t, c->head + c->name_off[i], c->name_len[i]);
            tput(&t, ": ", 2);
            tput(&t, c->head + c->value_off[i], c->value_len[i]);
            tput(&t, "\n", 1);
        }
        send_response(c, 200, "text/plain", t.buf ? t.buf : "", t.len);
        free(t.buf);
    } else if (strcmp(path, "/echo") == 0) {
        const char *type = header(c, "Content-Type");
        char type_copy[256];
        snprintf(type_copy, sizeof type_copy, "%s", type ? type : "application/octet-stream");
        send_response(c, 200, type_copy, c->body ? c->body : "", c->body_len);
    } else if (strncmp(path, "/status/", 8) == 0) {
        char *end;
        long status = strtol(path + 8, &end, 10);
        if (*end != '\0' || status < 200 || status > 599)
            send_response(c, 400, "text/plain", "status must be 200..599\n", 24);
        else {
            char body[32];
            int k = snprintf(body, sizeof body, "status %ld\n", status);
            send_response(c, (int)status, "text/plain", body, (size_t)k);
        }
    } else if (strcmp(path, "/slow") == 0) {
        long ms = 0;
        if (query != NULL && strncmp(query, "ms=", 3) == 0)
            ms = strtol(query + 3, NULL, 10);
        if (ms < 0 || ms > SLOW_MAX_MS)
            ms = SLOW_MAX_MS;
        c->slow_ms = (uint64_t)ms;
        uv_timer_start(&c->timer, on_slow_done, (uint64_t)ms, 0);
    } else {
        send_response(c, 404, "text/plain", "not found\n", 10);
    }
}

/* ---- connections ----------------------------------------------------------------------------- */

static void feed(conn *c, const char *data, size_t len)
{
    while (len > 0 && !c->closing) {
        llhttp_errno_t e = llhttp_execute(&c->parser, data, len);
        if (e == HPE_OK)
            return;
        if (e != HPE_PAUSED) {
            c->keep_alive = false;
            send_response(c, 400, "text/plain", "bad request\n", 12);
            return;
        }
        const char *pos = llhttp_get_error_pos(&c->parser);
        size_t used = pos != NULL && pos >= data && pos <= data + len ? (size_t)(pos - data) : len;
        size_t rest = len - used;
        if (rest > 0) {
            c->pending = malloc(rest);
            if (c->pending == NULL) {
                close_conn(c);
                return;
            }
            memcpy(c->pending, data + used, rest);
            c->pending_len = rest;
        }
        respond_now(c);
        return; /* the rest is fed when the response is written */
    }
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)h;
    (void)hint;
    buf->base = malloc(READ_BUF_BYTES);
    buf->len = buf->base ? READ_BUF_BYTES : 0;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    conn *c = s->data;
    if (n <= 0) {
        free(buf->base);
        if (n < 0)
            close_conn(c);
        return;
    }
    if (c->busy) {
        /* Pipelined bytes while a response is pending: queue them behind what is waiting. */
        char *np = NULL;
        if (c->pending_len + (size_t)n <= MAX_BODY_BYTES + MAX_HEAD_BYTES)
            np = realloc(c->pending, c->pending_len + (size_t)n);
        if (np == NULL) { /* too much queued, or no memory: c->pending is freed on close */
            free(buf->base);
            close_conn(c);
            return;
        }
        memcpy(np + c->pending_len, buf->base, (size_t)n);
        c->pending = np;
        c->pending_len += (size_t)n;
    } else {
        feed(c, buf->base, (size_t)n);
    }
    free(buf->base);
}

static void on_connection(uv_stream_t *server, int status)
{
    if (status < 0)
        return;
    conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return;
    uv_tcp_init(server->loop, &c->tcp);
    uv_timer_init(server->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        close_conn(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    llhttp_init(&c->parser, HTTP_REQUEST, parser_settings());
    c->parser.data = c;
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (uv_is_closing(h))
        return;
    if (h->type == UV_TCP && h->data != NULL)
        close_conn(h->data); /* also closes the connection's timer */
    else if (h->type != UV_TIMER || h->data == NULL)
        uv_close(h, NULL);
}

/* SIGTERM/SIGINT: close everything so the loop ends and the process exits cleanly. */
static void on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    uv_walk(s->loop, close_any, NULL);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: aegis-demo-origin [--listen ADDRESS:PORT] [--name NAME]\n"
               "A small origin for trying AEGIS Edge: / (HTML page with the request headers),\n"
               "/headers, /echo, /status/N, /slow?ms=N. Default listen 127.0.0.1:8081.\n");
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:8081";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
            listen = argv[++i];
        } else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
            origin_name = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    /* Started by aegis-node: do not outlive it. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    signal(SIGPIPE, SIG_IGN);
    char host[64];
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || (size_t)(colon - listen) >= sizeof host) {
        fprintf(stderr, "aegis-demo-origin: --listen %s: expected address:port\n", listen);
        return 2;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *h = host;
    if (h[0] == '[' && h[strlen(h) - 1] == ']') {
        h[strlen(h) - 1] = '\0';
        h++;
    }
    int port = atoi(colon + 1);
    struct sockaddr_storage addr;
    if (uv_ip4_addr(h, port, (struct sockaddr_in *)&addr) != 0 &&
        uv_ip6_addr(h, port, (struct sockaddr_in6 *)&addr) != 0) {
        fprintf(stderr, "aegis-demo-origin: --listen %s: not a numeric address\n", listen);
        return 2;
    }
    uv_loop_t *loop = uv_default_loop();
    uv_tcp_t server;
    uv_tcp_init(loop, &server);
    server.data = NULL;
    int rc = uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&server, 511, on_connection);
    if (rc != 0) {
        fprintf(stderr, "aegis-demo-origin: listen %s: %s\n", listen, uv_strerror(rc));
        return 1;
    }
    uv_signal_t sig_term, sig_int;
    uv_signal_init(loop, &sig_term);
    uv_signal_start(&sig_term, on_signal, SIGTERM);
    uv_signal_init(loop, &sig_int);
    uv_signal_start(&sig_int, on_signal, SIGINT);
    fprintf(stderr, "aegis-demo-origin: %s listening on http://%s/\n", origin_name, listen);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    return 0;
}
