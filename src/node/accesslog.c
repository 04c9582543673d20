/*
 * The access log: one line per finished request, as JSON or as key=value pairs, with the request
 * id that was also sent upstream as X-Request-Id. Each line is built in a stack buffer and written
 * with a single write(2): lines from different workers never interleave, and no lock is taken.
 * Fields that come from the client (target, host) are escaped and truncated, so a hostile request
 * can neither forge extra log lines nor make one unbounded.
 */
#include "node/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
    LOG_LINE_BYTES = 4096, /* one write(2) of at most PIPE_BUF bytes stays atomic on pipes */
    /* Escaped string fields are cut to these many bytes, so that a line always fits in
     * LOG_LINE_BYTES: 1 target + 7 other strings + numbers and keys stay below 4096. */
    LOG_TARGET_BYTES = 1024,
    LOG_FIELD_BYTES = 256,
};

struct node_access_logger {
    int fd;
    bool owned;
    node_log_format format;
};

node_access_logger *node_access_logger_new(const node_access_log *cfg, char *err)
{
    node_access_logger *log = calloc(1, sizeof *log);
    if (log == NULL) {
        snprintf(err, NODE_ERR_BYTES, "access log: out of memory");
        return NULL;
    }
    log->format = cfg->format;
    if (strcmp(cfg->path, "stderr") == 0) {
        log->fd = STDERR_FILENO;
    } else if (strcmp(cfg->path, "stdout") == 0) {
        log->fd = STDOUT_FILENO;
    } else {
        log->fd = open(cfg->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log->fd < 0) {
            snprintf(err, NODE_ERR_BYTES, "access log: %.400s: %s", cfg->path, strerror(errno));
            free(log);
            return NULL;
        }
        log->owned = true;
    }
    return log;
}

void node_access_logger_free(node_access_logger *log)
{
    if (log == NULL)
        return;
    if (log->owned)
        close(log->fd);
    free(log);
}

typedef struct {
    char *buf;
    size_t len, cap; /* cap excludes room kept for the final newline */
} line;

static void add_raw(line *l, const char *s, size_t n)
{
    if (n > l->cap - l->len)
        n = l->cap - l->len;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void add_str(line *l, const char *s)
{
    add_raw(l, s, strlen(s));
}

static void add_u64(line *l, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    add_raw(l, tmp, (size_t)n);
}

/* Escapes for a JSON string (json) or a double-quoted kv value (kv): quotes, backslashes and
 * every byte outside printable ASCII become \u00XX / \xXX, so the line stays one line. */
static void add_escaped(line *l, const char *s, bool json, size_t max_out)
{
    size_t out = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        char tmp[8];
        size_t k;
        if (*p == '"' || *p == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)*p;
            k = 2;
        } else if (*p < 0x20 || *p >= 0x7f) {
            k = (size_t)snprintf(tmp, sizeof tmp, json ? "\\u%04x" : "\\x%02x", *p);
        } else {
            tmp[0] = (char)*p;
            k = 1;
        }
        if (out + k > max_out)
            break;
        add_raw(l, tmp, k);
        out += k;
    }
}

static void add_time(line *l, uint64_t unix_us)
{
    time_t secs = (time_t)(unix_us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char tmp[40];
    size_t n = strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(tmp + n, sizeof tmp - n, ".%03uZ", (unsigned)(unix_us / 1000 % 1000));
    add_raw(l, tmp, n);
}

size_t node_access_log_format(node_log_format format, const http_request_log *rec,
                              const char *route, char *buf, size_t cap)
{
    if (cap == 0)
        return 0;
    line l = {.buf = buf, .cap = cap - 1};
    bool json = format == NODE_LOG_JSON;
    struct {
        const char *key;
        const char *str; /* NULL: a number */
        uint64_t num;
    } fields[] = {
        {"time", NULL, 0},
        {"request_id", rec->request_id, 0},
        {"client", rec->client_ip, 0},
        {"method", rec->method, 0},
        {"host", rec->host, 0},
        {"target", rec->target, 0},
        {"status", NULL, (uint64_t)(rec->status < 0 ? 0 : rec->status)},
        {"route", route, 0},
        {"upstream", rec->upstream, 0},
        {"bytes_in", NULL, rec->bytes_in},
        {"bytes_out", NULL, rec->bytes_out},
        {"duration_us", NULL, rec->duration_us},
        {"upstream_us", NULL, rec->upstream_us},
        {"attempts", NULL, rec->attempts},
        {"error", rec->error, 0},
    };
    add_str(&l, json ? "{" : "");
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (i > 0)
            add_str(&l, json ? "," : " ");
        if (json) {
            add_str(&l, "\"");
            add_str(&l, fields[i].key);
            add_str(&l, "\":");
        } else {
            add_str(&l, fields[i].key);
            add_str(&l, "=");
        }
        if (i == 0) {
            add_str(&l, "\"");
            add_time(&l, rec->start_unix_us);
            add_str(&l, "\"");
        } else if (fields[i].str == NULL && strcmp(fields[i].key, "error") == 0) {
            add_str(&l, json ? "null" : "-");
        } else if (fields[i].str != NULL) {
            add_str(&l, "\"");
            bool is_target = strcmp(fields[i].key, "target") == 0;
            add_escaped(&l, fields[i].str, json, is_target ? LOG_TARGET_BYTES : LOG_FIELD_BYTES);
            add_str(&l, "\"");
        } else {
            add_u64(&l, fields[i].num);
        }
    }
    add_str(&l, json ? "}" : "");
    buf[l.len++] = '\n';
    return l.len;
}

void node_access_logger_write(node_access_logger *log, const http_request_log *rec,
                              const char *route)
{
    char buf[LOG_LINE_BYTES];
    size_t n = node_access_log_format(log->format, rec, route, buf, sizeof buf);
    /* A log that cannot be written must not stop the proxy; the line is lost. */
    ssize_t w;
    do {
        w = write(log->fd, buf, n);
    } while (w < 0 && errno == EINTR);
}
