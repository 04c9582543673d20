/*
 * Implementation of the end-to-end helpers (see e2e.h): processes, ports, files and a blocking
 * HTTP/1.1 client that reads exactly one response at a time (MSG_PEEK for the head), so that a
 * keep-alive connection can carry the next request.
 */
#include "e2e.h"
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_BODY_BYTES = 32 << 20 };

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

uint16_t e2e_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    socklen_t len = sizeof a;
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

void e2e_temp_path(char *buf, size_t cap, const char *suffix)
{
    snprintf(buf, cap, "/tmp/aegis-e2e-XXXXXX%s", suffix);
    int fd = mkstemps(buf, (int)strlen(suffix));
    CHECK_MSG(fd >= 0, "mkstemps: %s", strerror(errno));
    close(fd);
}

void e2e_write_file(const char *path, const char *text)
{
    /* Write a new file and rename it over the old one, as an operator's editor would. */
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    FILE *f = fopen(tmp, "w");
    CHECK_MSG(f != NULL, "%s: %s", tmp, strerror(errno));
    CHECK(fputs(text, f) >= 0);
    CHECK(fclose(f) == 0);
    CHECK(rename(tmp, path) == 0);
}

void e2e_start(e2e_proc *p, char *const argv[])
{
    e2e_temp_path(p->out_path, sizeof p->out_path, ".out");
    p->pid = fork();
    CHECK(p->pid >= 0);
    if (p->pid == 0) {
        int fd = open(p->out_path, O_WRONLY | O_TRUNC);
        if (fd < 0)
            _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        execv(argv[0], argv);
        _exit(127);
    }
}

static int decode_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

int e2e_wait(e2e_proc *p, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    for (;;) {
        int status;
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid) {
            p->pid = 0;
            return decode_status(status);
        }
        if (now_ms() > end)
            return -1;
        sleep_ms(10);
    }
}

int e2e_stop(e2e_proc *p, int sig, int timeout_ms)
{
    if (p->pid <= 0)
        return -1;
    kill(p->pid, sig);
    int st = e2e_wait(p, timeout_ms);
    if (st == -1) {
        kill(p->pid, SIGKILL);
        e2e_wait(p, 2000);
    }
    return st;
}

int e2e_run(char *const argv[], int timeout_ms, char **out)
{
    e2e_proc p;
    e2e_start(&p, argv);
    int st = e2e_wait(&p, timeout_ms);
    if (st == -1) {
        kill(p.pid, SIGKILL);
        e2e_wait(&p, 2000);
    }
    *out = e2e_output(&p);
    unlink(p.out_path);
    return st;
}

char *e2e_output(const e2e_proc *p)
{
    size_t len;
    char *data = (char *)test_read_file(p->out_path, &len);
    char *s = realloc(data, len + 1);
    CHECK(s != NULL);
    s[len] = '\0';
    return s;
}

bool e2e_wait_output(const e2e_proc *p, const char *text, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    for (;;) {
        char *out = e2e_output(p);
        bool found = strstr(out, text) != NULL;
        free(out);
        if (found)
            return true;
        if (now_ms() > end)
            return false;
        sleep_ms(20);
    }
}

static int try_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool e2e_wait_port(uint16_t port, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    for (;;) {
        int fd = try_connect(port);
        if (fd >= 0) {
            close(fd);
            return true;
        }
        if (now_ms() > end)
            return false;
        sleep_ms(20);
    }
}

void e2e_start_origin(e2e_proc *p, uint16_t port, const char *name)
{
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
    char bin[512];
    snprintf(bin, sizeof bin, "%s", test_build_path("bin/aegis-demo-origin"));
    char *argv[] = {bin, "--listen", listen, "--name", (char *)name, NULL};
    e2e_start(p, argv);
    CHECK_MSG(e2e_wait_port(port, 10000), "origin %s did not listen on %u", name, port);
}

void e2e_start_node(e2e_proc *p, const char *config_path, uint16_t port)
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s", test_build_path("bin/aegis-node"));
    char *argv[] = {bin, "--config", (char *)config_path, NULL};
    e2e_start(p, argv);
    if (!e2e_wait_output(p, "aegis-node: listening on", 15000) || !e2e_wait_port(port, 5000)) {
        char *out = e2e_output(p);
        test_fail(__FILE__, __LINE__, "aegis-node did not start; output:\n%s", out);
    }
}

void e2e_node_config(char *path, size_t cap, const char *yaml)
{
    e2e_temp_path(path, cap, ".yaml");
    e2e_write_file(path, yaml);
}

/* ---- client ------------------------------------------------------------------------------- */

int e2e_connect(uint16_t port)
{
    int fd = try_connect(port);
    CHECK_MSG(fd >= 0, "connect 127.0.0.1:%u: %s", port, strerror(errno));
    return fd;
}

void e2e_send(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        CHECK_MSG(n > 0, "send: %s", strerror(errno));
        data += n;
        len -= (size_t)n;
    }
}

static bool wait_readable(int fd, long long end)
{
    long long left = end - now_ms();
    if (left < 0)
        return false;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, (int)left) == 1;
}

/* Reads exactly len bytes; false on close or timeout. */
static bool read_exact(int fd, char *buf, size_t len, long long end)
{
    while (len > 0) {
        if (!wait_readable(fd, end))
            return false;
        ssize_t n = recv(fd, buf, len, 0);
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Reads a line ending in CRLF (without consuming more) into buf. */
static bool read_line(int fd, char *buf, size_t cap, long long end)
{
    size_t n = 0;
    while (n + 1 < cap) {
        if (!read_exact(fd, buf + n, 1, end))
            return false;
        n++;
        if (n >= 2 && buf[n - 2] == '\r' && buf[n - 1] == '\n') {
            buf[n] = '\0';
            return true;
        }
    }
    return false;
}

static void body_append(e2e_response *r, const char *data, size_t len)
{
    CHECK(r->body_len + len < MAX_BODY_BYTES);
    char *nb = realloc(r->body, r->body_len + len + 1);
    CHECK(nb != NULL);
    memcpy(nb + r->body_len, data, len);
    r->body = nb;
    r->body_len += len;
    r->body[r->body_len] = '\0';
}

bool e2e_read_response(int fd, e2e_response *r, int timeout_ms)
{
    memset(r, 0, sizeof *r);
    r->body = calloc(1, 1);
    long long end = now_ms() + timeout_ms;
    size_t head_len = 0;
    for (;;) {
        char line[4096];
        if (!read_line(fd, line, sizeof line, end))
            return false;
        size_t n = strlen(line);
        CHECK(head_len + n < sizeof r->head);
        memcpy(r->head + head_len, line, n + 1);
        head_len += n;
        if (n == 2)
            break;
    }
    CHECK_MSG(sscanf(r->head, "HTTP/1.%*d %d", &r->status) == 1, "bad status line: %s", r->head);
    if (r->status == 100) /* an interim answer: the real one follows */
        return e2e_read_response(fd, r, timeout_ms);
    const char *cl = e2e_header(r, "Content-Length");
    const char *te = e2e_header(r, "Transfer-Encoding");
    if (te != NULL && strcasecmp(te, "chunked") == 0) {
        for (;;) {
            char line[128];
            if (!read_line(fd, line, sizeof line, end))
                return false;
            unsigned long size = strtoul(line, NULL, 16);
            if (size == 0) {
                read_line(fd, line, sizeof line, end);
                return true;
            }
            CHECK(size < MAX_BODY_BYTES);
            char *chunk = malloc(size + 2);
            CHECK(chunk != NULL);
            bool ok = read_exact(fd, chunk, size + 2, end);
            if (ok)
                body_append(r, chunk, size);
            free(chunk);
            if (!ok)
                return false;
        }
    }
    if (cl != NULL) {
        size_t len = strtoul(cl, NULL, 10);
        CHECK(len < MAX_BODY_BYTES);
        char *buf = malloc(len + 1);
        CHECK(buf != NULL);
        bool ok = read_exact(fd, buf, len, end);
        if (ok)
            body_append(r, buf, len);
        free(buf);
        return ok;
    }
    if (r->status == 204 || r->status == 304)
        return true;
    char buf[4096];
    for (;;) {
        if (!wait_readable(fd, end))
            return false;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return true;
        body_append(r, buf, (size_t)n);
    }
}

void e2e_request(uint16_t port, const char *method, const char *path, const char *host,
                 const char *extra_headers, const char *body, e2e_response *r)
{
    int fd = e2e_connect(port);
    char head[4096];
    size_t blen = body ? strlen(body) : 0;
    int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n",
                     method, path, host, extra_headers ? extra_headers : "");
    CHECK(n > 0 && (size_t)n < sizeof head - 64);
    if (body != NULL)
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", blen);
    n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
    e2e_send(fd, head, (size_t)n);
    if (body != NULL)
        e2e_send(fd, body, blen);
    bool ok = e2e_read_response(fd, r, 20000);
    close(fd);
    CHECK_MSG(ok, "no response to %s %s", method, path);
}

const char *e2e_header(const e2e_response *r, const char *name)
{
    static char value[1024];
    size_t nlen = strlen(name);
    const char *line = strstr(r->head, "\r\n");
    while (line != NULL && line[2] != '\r') {
        line += 2;
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r");
            if (len >= sizeof value)
                len = sizeof value - 1;
            memcpy(value, v, len);
            value[len] = '\0';
            return value;
        }
        line = strstr(line, "\r\n");
    }
    return NULL;
}

void e2e_response_free(e2e_response *r)
{
    free(r->body);
    r->body = NULL;
}
