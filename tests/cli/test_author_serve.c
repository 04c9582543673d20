/*
 * The module author's whole path with the real binaries, as docs/GETTING-STARTED.md tells it:
 * `init` a project in a temporary directory, `build` it, `test` it on its request file, `serve`
 * it (the real aegis-node and its demo origin on loopback), fetch pages through it, edit the
 * source and see the new answer after the reload, break the source and see the old version keep
 * serving, then stop it with SIGTERM. Also: serve in front of an origin of our own, serve with a
 * compiler that lacks the wasm32 target (exit 3, no node started) and its usage errors. Every
 * wait is bounded.
 */
#include "test.h"
#include "test_author_run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    SERVE_START_MS = 60000,  /* build + node start under the sanitizers */
    SERVE_RELOAD_MS = 60000, /* rebuild + reload */
    SERVE_STOP_MS = 20000,
    POLL_MS = 50,
};

typedef struct bg_proc {
    pid_t pid;
    char out[256], err[300]; /* files holding its output */
} bg_proc;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Starts program argv (argv[0] a path) in cwd with its output in files under tmp. */
static void bg_start(bg_proc *p, const char *tmp, const char *cwd, const char *const argv[],
                     const char *const env[])
{
    snprintf(p->out, sizeof p->out, "%s/bg-%d.out", tmp, (int)now_ms() % 100000);
    snprintf(p->err, sizeof p->err, "%s.err", p->out);
    p->pid = fork();
    CHECK(p->pid >= 0);
    if (p->pid == 0) {
        int o = open(p->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(p->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || chdir(cwd) != 0)
            _exit(126);
        dup2(o, 1);
        dup2(e, 2);
        for (size_t i = 0; env != NULL && env[i] != NULL; i++)
            putenv((char *)env[i]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
}

static char *slurp_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return strdup("");
    char *buf = calloc(1, 1 << 20);
    CHECK(buf != NULL);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Waits until the process's stdout contains text; fails the test (after killing it) if not. */
static void bg_wait_out(bg_proc *p, const char *text, int timeout_ms)
{
    for (uint64_t start = now_ms(); now_ms() - start < (uint64_t)timeout_ms; sleep_ms(POLL_MS)) {
        char *out = slurp_file(p->out);
        bool found = strstr(out, text) != NULL;
        free(out);
        if (found)
            return;
        int status;
        if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
            char *err = slurp_file(p->err);
            test_fail(__FILE__, __LINE__, "serve exited (%d) before \"%s\": %s", status, text, err);
        }
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
    char *out = slurp_file(p->out), *err = slurp_file(p->err);
    test_fail(__FILE__, __LINE__, "no \"%s\" in %d ms; out: %s\nerr: %s", text, timeout_ms, out,
              err);
}

/* Sends sig and waits for the exit status (killed and failed after SERVE_STOP_MS). */
static int bg_stop(bg_proc *p, int sig)
{
    kill(p->pid, sig);
    int status = 0;
    for (uint64_t start = now_ms(); now_ms() - start < SERVE_STOP_MS; sleep_ms(POLL_MS))
        if (waitpid(p->pid, &status, WNOHANG) == p->pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &status, 0);
    test_fail(__FILE__, __LINE__, "process did not stop on signal %d", sig);
}

static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    socklen_t len = sizeof a;
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* Three consecutive free ports (the node, its admin API, the demo origin). */
static uint16_t free_port_triple(void)
{
    for (int tries = 0; tries < 50; tries++) {
        uint16_t p = free_port();
        if (p > 65000)
            continue;
        bool ok = true;
        for (int k = 1; k <= 2 && ok; k++) {
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET,
                                    .sin_port = htons((uint16_t)(p + k)),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
            if (fd >= 0)
                close(fd);
        }
        if (ok)
            return p;
    }
    test_fail(__FILE__, __LINE__, "no three free consecutive ports");
}

/* GET path from 127.0.0.1:port; the whole response (malloc'd) or NULL when no connection. */
static char *http_get(uint16_t port, const char *path)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    char req[512];
    int n =
        snprintf(req, sizeof req,
                 "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n\r\n", path, port);
    CHECK(send(fd, req, (size_t)n, MSG_NOSIGNAL) == n);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    CHECK(buf != NULL);
    ssize_t got;
    while (len < cap && (got = recv(fd, buf + len, cap - len, 0)) > 0)
        len += (size_t)got;
    buf[len] = '\0';
    close(fd);
    return buf;
}

/* Polls GET path until the response contains text (bounded). */
static void wait_response(uint16_t port, const char *path, const char *text, int timeout_ms)
{
    char *last = NULL;
    for (uint64_t start = now_ms(); now_ms() - start < (uint64_t)timeout_ms; sleep_ms(POLL_MS)) {
        free(last);
        last = http_get(port, path);
        if (last != NULL && strstr(last, text) != NULL) {
            free(last);
            return;
        }
    }
    test_fail(__FILE__, __LINE__, "GET %s never contained \"%s\"; last: %s", path, text,
              last ? last : "(no connection)");
}

static void replace_in_file(const char *path, const char *from, const char *to)
{
    char *text = author_read_text(path);
    char *at = strstr(text, from);
    CHECK_MSG(at != NULL, "%s has no \"%s\"", path, from);
    size_t n = strlen(text) + strlen(to) + 1;
    char *out = malloc(n);
    CHECK(out != NULL);
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    /* Written in place (not renamed), as many editors do: IN_CLOSE_WRITE. */
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs(out, f);
    CHECK(fclose(f) == 0);
    free(out);
    free(text);
}

static bool port_open(uint16_t port)
{
    char *r = http_get(port, "/");
    free(r);
    return r != NULL;
}

TEST(test_serve_end_to_end_init_build_test_serve_edit_reload)
{
    char tmp[64], dir[128];
    author_tmpdir(tmp);
    snprintf(dir, sizeof dir, "%s/hello", tmp);
    author_result r;

    /* The getting-started path, command by command. */
    const char *init[] = {"init", "hello", NULL};
    author_exec(&r, NULL, tmp, NULL, init);
    CHECK_MSG(r.status == 0, "init: %s", r.err);
    const char *build[] = {"build", NULL};
    author_exec(&r, NULL, dir, NULL, build);
    CHECK_MSG(r.status == 0, "build: %s", r.err);
    CHECK_STR_HAS(r.out, "built build/hello.wasm\n");
    const char *test[] = {"test", "--request", "request.json", NULL};
    author_exec(&r, NULL, dir, NULL, test);
    CHECK_MSG(r.status == 0, "test: %s", r.err);
    CHECK_STR_HAS(r.out, "Hello from hello: GET /hello?name=world\n");

    uint16_t port = free_port_triple();
    char port_arg[8];
    snprintf(port_arg, sizeof port_arg, "%u", port);
    const char *serve[] = {author_cli_path(), "serve", "--port", port_arg, NULL};
    bg_proc p;
    bg_start(&p, tmp, dir, serve, NULL);
    char want[256];
    snprintf(want, sizeof want,
             "serving hello (function) on http://127.0.0.1:%u/ in front of the demo origin on "
             "127.0.0.1:%u\n",
             port, port + 2);
    bg_wait_out(&p, want, SERVE_START_MS);
    bg_wait_out(&p, "watching ", SERVE_START_MS);

    /* The function answers /hello itself and passes the rest to the demo origin. */
    char *page = http_get(port, "/hello/you");
    CHECK(page != NULL);
    CHECK(strncmp(page, "HTTP/1.1 200 OK\r\n", 17) == 0);
    CHECK_STR_HAS(page, "\r\n\r\nHello from hello: GET /hello/you\n");
    free(page);
    page = http_get(port, "/");
    CHECK(page != NULL);
    CHECK(strncmp(page, "HTTP/1.1 200 OK\r\n", 17) == 0);
    CHECK_STR_HAS(page, "\r\nX-Handled-By: hello\r\n");
    CHECK_STR_HAS(page, "\r\nX-Origin: demo\r\n");
    CHECK_STR_HAS(page, "<code>GET /</code>");
    free(page);

    /* Edit the source: serve rebuilds, the node reloads, the new answer is served. */
    replace_in_file(author_path(dir, "hello.c"), "Hello from hello", "Goodbye from hello");
    bg_wait_out(&p, "reloaded: http://127.0.0.1:", SERVE_RELOAD_MS);
    wait_response(port, "/hello", "\r\n\r\nGoodbye from hello: GET /hello\n", SERVE_RELOAD_MS);

    /* Break it: the build fails, serve says so, and the last good version keeps serving. */
    replace_in_file(author_path(dir, "hello.c"), "return aegis_continue();", "return oops;");
    for (uint64_t start = now_ms();; sleep_ms(POLL_MS)) {
        char *err = slurp_file(p.err);
        bool failed =
            strstr(err, "aegis-wasm-cli serve: build failed (exit 1): http://127.0.0.1:") != NULL &&
            strstr(err, "keeps serving the previous version\n") != NULL;
        bool diag = strstr(err, "use of undeclared identifier 'oops'") != NULL;
        free(err);
        if (failed && diag)
            break;
        CHECK_MSG(now_ms() - start < SERVE_RELOAD_MS, "no build failure reported");
    }
    page = http_get(port, "/hello");
    CHECK(page != NULL);
    CHECK_STR_HAS(page, "Goodbye from hello: GET /hello\n");
    free(page);

    /* SIGTERM: the node stops (its port closes) and serve exits 0. */
    CHECK_INT_EQ(bg_stop(&p, SIGTERM), 0);
    CHECK(!port_open(port));
    CHECK(!port_open((uint16_t)(port + 2)));
    char *out = slurp_file(p.out);
    CHECK_STR_HAS(out, "stopping\n");
    free(out);
    author_rmtree(tmp);
}

TEST(test_serve_in_front_of_a_given_origin_and_stops_on_sigint)
{
    char tmp[64], dir[128];
    author_tmpdir(tmp);
    snprintf(dir, sizeof dir, "%s/front", tmp);
    author_result r;
    const char *init[] = {"init", "front", NULL};
    author_exec(&r, NULL, tmp, NULL, init);
    CHECK_INT_EQ(r.status, 0);

    /* Our own origin: the demo origin program under another name. */
    uint16_t origin = free_port();
    char listen[32], url[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%u", origin);
    snprintf(url, sizeof url, "http://localhost:%u/", origin);
    char demo[1024];
    snprintf(demo, sizeof demo, "%s", test_build_path("bin/aegis-demo-origin"));
    const char *origin_argv[] = {demo, "--listen", listen, "--name", "mine", NULL};
    bg_proc o;
    bg_start(&o, tmp, tmp, origin_argv, NULL);

    uint16_t port = free_port(), admin = free_port();
    char port_arg[8], admin_arg[8];
    snprintf(port_arg, sizeof port_arg, "%u", port);
    snprintf(admin_arg, sizeof admin_arg, "%u", admin);
    const char *serve[] = {author_cli_path(), "serve",   dir,        "--port", port_arg,
                           "--admin-port",    admin_arg, "--origin", url,      NULL};
    bg_proc p;
    bg_start(&p, tmp, tmp, serve, NULL);
    char want[256];
    snprintf(want, sizeof want, "serving front (function) on http://127.0.0.1:%u/ in front of %s\n",
             port, listen);
    bg_wait_out(&p, want, SERVE_START_MS);
    wait_response(port, "/x", "\r\nX-Origin: mine\r\n", 10000);
    char *page = http_get(port, "/x");
    CHECK(page != NULL);
    CHECK_STR_HAS(page, "\r\nX-Handled-By: front\r\n");
    free(page);
    /* The admin API of the node serve started names the served module. */
    page = http_get(admin, "/modules");
    CHECK(page != NULL);
    CHECK_STR_HAS(page, "\"id\":\"front\"");
    free(page);
    CHECK_INT_EQ(bg_stop(&p, SIGINT), 0);
    CHECK(!port_open(port));
    CHECK(port_open(origin)); /* not ours to stop */
    bg_stop(&o, SIGTERM);
    author_rmtree(tmp);
}

TEST(test_serve_with_a_clang_lacking_the_wasm32_target_exits_3_without_a_node)
{
    char tmp[64], dir[128];
    author_tmpdir(tmp);
    snprintf(dir, sizeof dir, "%s/nocc", tmp);
    author_result r;
    const char *init[] = {"init", "nocc", NULL};
    author_exec(&r, NULL, tmp, NULL, init);
    CHECK_INT_EQ(r.status, 0);
    /* A compiler that knows no wasm32 target, through the documented AEGIS_CLANG override. */
    author_write(tmp, "clang-native", "#!/bin/sh\nexit 1\n");
    char clang[128], var[160];
    snprintf(clang, sizeof clang, "%s/clang-native", tmp);
    CHECK(chmod(clang, 0755) == 0);
    snprintf(var, sizeof var, "AEGIS_CLANG=%s", clang);
    const char *env[] = {var, NULL};
    uint16_t port = free_port_triple();
    char port_arg[8];
    snprintf(port_arg, sizeof port_arg, "%u", port);
    const char *serve[] = {"serve", "--port", port_arg, NULL};
    author_exec(&r, NULL, dir, env, serve);
    CHECK_INT_EQ(r.status, 3);
    char want[512];
    snprintf(want, sizeof want,
             "aegis-wasm-cli build: %s does not know the wasm32-wasi target (exit 1): install "
             "the Debian packages clang lld wasi-libc libclang-rt-dev-wasm32\n",
             clang);
    CHECK_STR_EQ(r.err, want);
    CHECK_STR_EQ(r.out, "");
    CHECK(!port_open(port));
    author_rmtree(tmp);
}

TEST(test_serve_usage_errors)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_result r;
    const char *bad_origin[] = {"serve", "--origin", "https://example.com", NULL};
    author_exec(&r, NULL, tmp, NULL, bad_origin);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli serve: --origin \"https://example.com\": expected "
                        "http://IPV4:PORT or http://localhost:PORT\n");
    const char *name_origin[] = {"serve", "--origin", "http://example.com:80", NULL};
    author_exec(&r, NULL, tmp, NULL, name_origin);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli serve: --origin \"http://example.com:80\": the host must "
                        "be an IPv4 address or localhost\n");
    const char *port[] = {"serve", "--port", "0", NULL};
    author_exec(&r, NULL, tmp, NULL, port);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli serve: --port \"0\": expected a port, 1 to 65535\n");
    const char *node[] = {"serve", "--node", "/nonexistent/aegis-node", NULL};
    author_exec(&r, NULL, tmp, NULL, node);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli serve: /nonexistent/aegis-node: No such file or "
                        "directory: build it (make programs) or pass --node PATH\n");
    author_rmtree(tmp);
}
