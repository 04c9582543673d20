/*
 * Helpers of the edge end-to-end tests (see edge_util.h).
 */
#include "edge_util.h"
#include "test.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    LOAD_IO_TIMEOUT_MS = 10000, /* one request of the load client; a stall is a failure */
    LOAD_BUF_BYTES = 16384,
};

const char *eu_build(int slot, const char *rel)
{
    static char paths[8][1024];
    CHECK(slot >= 0 && slot < 8);
    snprintf(paths[slot], sizeof paths[slot], "%s", test_build_path(rel));
    return paths[slot];
}

void eu_tmpdir(char *dir, size_t cap)
{
    CHECK(cap > 32);
    snprintf(dir, cap, "/tmp/aegis-e2e-mod-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
}

void eu_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, ent->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

void eu_install_bytes(const char *dir, const char *name, const void *bytes, size_t len)
{
    char tmp[1024], dst[1024];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    FILE *f = fopen(tmp, "wb");
    CHECK_MSG(f != NULL, "%s: %s", tmp, strerror(errno));
    CHECK(fwrite(bytes, 1, len, f) == len);
    CHECK(fclose(f) == 0);
    CHECK(rename(tmp, dst) == 0);
}

void eu_install(const char *build_rel, const char *dir, const char *name)
{
    size_t len;
    uint8_t *bytes = test_read_file(test_build_path(build_rel), &len);
    eu_install_bytes(dir, name, bytes, len);
    free(bytes);
}

int eu_admin(const node_env *e, const char *method, const char *path, e2e_response *r)
{
    e2e_request(e->admin, method, path, "127.0.0.1", NULL, NULL, r);
    return r->status;
}

int eu_get_version(uint16_t port, const char *path, char *version, size_t cap)
{
    e2e_response r;
    e2e_request(port, "GET", path, "www.test", NULL, NULL, &r);
    const char *v = e2e_header(&r, "X-Version");
    snprintf(version, cap, "%s", v != NULL ? v : "");
    int status = r.status;
    e2e_response_free(&r);
    return status;
}

/* ---- the load client: raw sockets, no CHECK (it runs on its own thread) ------------------ */

static int load_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads one response with a Content-Length body; its status and X-Version digit, or -1. */
static int load_read(int fd, char *buf, size_t cap, char *version)
{
    size_t len = 0;
    *version = '\0';
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, LOAD_IO_TIMEOUT_MS) <= 0 || len + 1 >= cap)
            return -1;
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end == NULL)
            continue;
        const char *cl = strcasestr(buf, "\r\nContent-Length: ");
        size_t body = cl != NULL && cl < end ? strtoul(cl + 18, NULL, 10) : 0;
        if (len < (size_t)(end + 4 - buf) + body)
            continue;
        const char *v = strcasestr(buf, "\r\nX-Version: ");
        if (v != NULL && v < end)
            *version = v[13];
        int status = 0;
        if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
            return -1;
        return status;
    }
}

static void *load_main(void *arg)
{
    eu_load *l = arg;
    char req[256], buf[LOAD_BUF_BYTES];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: www.test\r\n\r\n", l->path);
    int fd = -1, on_conn = 0;
    while (!atomic_load(&l->stop)) {
        if (fd < 0) {
            fd = load_connect(l->port);
            on_conn = 0;
            if (fd < 0) {
                atomic_fetch_add(&l->failed, 1);
                continue;
            }
        }
        char version;
        int status = -1;
        if (send(fd, req, (size_t)n, MSG_NOSIGNAL) == n)
            status = load_read(fd, buf, sizeof buf, &version);
        if (status != 200) {
            atomic_fetch_add(&l->failed, 1);
            close(fd);
            fd = -1;
            continue;
        }
        atomic_fetch_add(&l->ok, 1);
        if (version == '1')
            atomic_fetch_add(&l->v1, 1);
        else if (version == '2')
            atomic_fetch_add(&l->v2, 1);
        /* Some requests on fresh connections too: a reload must not drop either kind. */
        if (++on_conn == 50) {
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

void eu_load_start(eu_load *l, uint16_t port, const char *path)
{
    memset(l, 0, sizeof *l);
    l->port = port;
    l->path = path;
    atomic_init(&l->stop, false);
    CHECK(pthread_create(&l->thread, NULL, load_main, l) == 0);
}

void eu_load_stop(eu_load *l)
{
    atomic_store(&l->stop, true);
    pthread_join(l->thread, NULL);
}
