/*
 * `aegis-wasm-cli serve`: a local development server for a module project. It builds the project
 * (the `build` command itself), runs the real aegis-node on loopback with a generated config that
 * puts the module on `/` in front of an origin (the node's bundled demo origin, or --origin),
 * watches the project's sources with inotify and rebuilds on change. A module that builds and
 * passes the ABI check is copied next to the config with a rename, which the node's own module
 * watch turns into a hot reload; serve then asks the node's admin API which version it serves
 * and says so. A failed build leaves the served copy untouched, so the last good version keeps
 * answering. SIGINT / SIGTERM stop the node (it drains its connections) and serve exits 0.
 */
#include "cli/author.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    SERVE_PORT_DEFAULT = 8080,
    SERVE_READY_TIMEOUT_MS = 20000,  /* the node's start, with its module compiles */
    SERVE_RELOAD_TIMEOUT_MS = 10000, /* from the rename to the node serving the new version */
    SERVE_STOP_TIMEOUT_MS = 15000,   /* the node drains for at most shutdown_drain_ms */
    SERVE_DEBOUNCE_MS = 150,         /* editors write a file in several steps */
    SERVE_POLL_MS = 50,
    SERVE_ADMIN_TIMEOUT_MS = 2000,
    SERVE_ADMIN_MAX_BYTES = 1 << 20,
    SERVE_ID_MAX_BYTES = 64,
};

static const char help[] =
    "usage: " CLI_PROGRAM " serve [DIR] [--port N] [--origin URL] [--type function|waf]\n"
    "                       [--admin-port N] [--demo-port N] [--node PATH]\n"
    "\n"
    "A local development server for the module project in DIR (default: the current\n"
    "directory): builds it (as `build` does), starts aegis-node on 127.0.0.1:PORT with the\n"
    "module on every path (`/*`), then watches the sources (.c, .h, .rs, .ts and the project\n"
    "manifests, in DIR, DIR/src and DIR/assembly) and rebuilds on change;\n"
    "the node reloads the new module by itself. A failed build or a module the node refuses\n"
    "leaves the previous version serving. Ctrl-C (SIGINT) or SIGTERM stops the node and exits.\n"
    "The config and the served copy of the module are in DIR/build/serve/.\n"
    "\n"
    "  --port N        where the node listens (default 8080)\n"
    "  --origin URL    the origin behind the module, http://IPV4:PORT or\n"
    "                  http://localhost:PORT (default: the node's demo origin, which shows\n"
    "                  the request it received)\n"
    "  --type KIND     function or waf (default: what the built module exports)\n"
    "  --admin-port N  the node's admin API (default PORT+1)\n"
    "  --demo-port N   the demo origin (default PORT+2; unused with --origin)\n"
    "  --node PATH     the aegis-node program (default: next to " CLI_PROGRAM ")\n"
    "\n"
    "exit status: 0 stopped by a signal, 1 the first build failed or the node could not run\n"
    "or stopped by itself, 2 usage error, 3 toolchain missing\n";

typedef struct serve_options {
    const char *port, *origin, *type, *admin_port, *demo_port, *node;
    const char *dir;
} serve_options;

typedef struct serve_state {
    const cli_command *cmd;
    char dir[AUTHOR_PATH_MAX_BYTES];   /* the project */
    char built[AUTHOR_PATH_MAX_BYTES]; /* DIR/build/NAME.wasm, what `build` writes */
    char serve_dir[AUTHOR_PATH_MAX_BYTES];
    char served[AUTHOR_PATH_MAX_BYTES]; /* DIR/build/serve/ID.wasm, what the node loads */
    char config[AUTHOR_PATH_MAX_BYTES];
    char node[AUTHOR_PATH_MAX_BYTES];
    char id[SERVE_ID_MAX_BYTES + 1];
    const char *type; /* NULL until known: "function" or "waf" */
    uint16_t port, admin_port, demo_port;
    char origin[64]; /* "IPV4:PORT" */
    bool demo;
    pid_t node_pid;
} serve_state;

/* The write end of the self-pipe that turns signals into poll events. */
static volatile sig_atomic_t signal_fd = -1;

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (signal_fd >= 0 && write(signal_fd, &b, 1) < 0) {
        /* a full pipe already holds a wake-up */
    }
    errno = saved;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int parse_port(const cli_command *cmd, const char *opt, const char *s, uint16_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 65535)
        return cli_fail(cmd, CLI_EXIT_USAGE, "--%s \"%s\": expected a port, 1 to 65535", opt, s);
    *out = (uint16_t)v;
    return CLI_EXIT_OK;
}

/* http://IPV4:PORT[/] or http://localhost:PORT[/] -> "IPV4:PORT". */
static int parse_origin(const cli_command *cmd, const char *url, char out[64])
{
    const char *p = url;
    if (strncmp(p, "http://", 7) != 0)
        return cli_fail(cmd, CLI_EXIT_USAGE,
                        "--origin \"%s\": expected http://IPV4:PORT or http://localhost:PORT", url);
    p += 7;
    const char *colon = strchr(p, ':');
    char host[32];
    if (colon == NULL || (size_t)(colon - p) >= sizeof host)
        return cli_fail(cmd, CLI_EXIT_USAGE, "--origin \"%s\": the URL needs a port", url);
    snprintf(host, sizeof host, "%.*s", (int)(colon - p), p);
    struct in_addr a;
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    else if (inet_pton(AF_INET, host, &a) != 1)
        return cli_fail(cmd, CLI_EXIT_USAGE,
                        "--origin \"%s\": the host must be an IPv4 address or localhost", url);
    char port[8];
    size_t n = strcspn(colon + 1, "/");
    if (n == 0 || n >= sizeof port || (colon[1 + n] == '/' && colon[2 + n] != '\0'))
        return cli_fail(cmd, CLI_EXIT_USAGE,
                        "--origin \"%s\": expected http://HOST:PORT with no path", url);
    snprintf(port, sizeof port, "%.*s", (int)n, colon + 1);
    uint16_t v;
    if (parse_port(cmd, "origin", port, &v) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    snprintf(out, 64, "%s:%u", host, v);
    return CLI_EXIT_OK;
}

/* ---- building and installing ----------------------------------------------------------------- */

/* Runs `build` in this process, the same code as `aegis-wasm-cli build`. */
static int build(serve_state *s)
{
    char *argv[] = {"build", "--type", (char *)(s->type ? s->type : "function"), s->dir, NULL};
    char *any[] = {"build", s->dir, NULL};
    fflush(stdout);
    int rc = s->type ? cli_cmd_build.run(&cli_cmd_build, 4, argv)
                     : cli_cmd_build.run(&cli_cmd_build, 2, any);
    fflush(stdout);
    return rc;
}

/* The kind of the built module, as the ABI check sees it. */
static int detect_type(serve_state *s)
{
    uint8_t *bytes;
    size_t len;
    if (author_read_module(s->cmd, s->built, &bytes, &len) != CLI_EXIT_OK)
        return CLI_EXIT_FAILED;
    eng_error ee = {0};
    eng_module *m = eng_module_new(bytes, len, &ee);
    free(bytes);
    cli_abi_report *abi = m ? malloc(sizeof *abi) : NULL;
    bool ok = abi != NULL && cli_abi_check(m, CLI_ABI_NONE, abi);
    if (ok)
        s->type = abi->kind == CLI_ABI_WAF ? "waf" : "function";
    free(abi);
    eng_module_free(m);
    return ok ? CLI_EXIT_OK
              : cli_fail(s->cmd, CLI_EXIT_FAILED, "%s: not an AEGIS module", s->built);
}

/* Copies the built module to the served path through a temporary file and a rename, so the node
 * never sees a half-written module. */
static int install(serve_state *s)
{
    uint8_t *bytes;
    size_t len;
    if (author_read_module(s->cmd, s->built, &bytes, &len) != CLI_EXIT_OK)
        return CLI_EXIT_FAILED;
    char tmp[AUTHOR_PATH_MAX_BYTES + 8];
    snprintf(tmp, sizeof tmp, "%s.next", s->served);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t done = 0;
    while (fd >= 0 && done < len) {
        ssize_t n = write(fd, bytes + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    free(bytes);
    int e = errno;
    if (fd < 0 || done != len || close(fd) != 0 || rename(tmp, s->served) != 0) {
        unlink(tmp);
        return cli_fail(s->cmd, CLI_EXIT_FAILED, "%s: %s", s->served, strerror(fd < 0 ? e : errno));
    }
    return CLI_EXIT_OK;
}

static int write_config(serve_state *s)
{
    FILE *f = fopen(s->config, "w");
    if (f == NULL)
        return cli_fail(s->cmd, CLI_EXIT_FAILED, "%s: %s", s->config, strerror(errno));
    fprintf(f,
            "# Written by " CLI_PROGRAM " serve for the project in %s; rewritten on every start.\n"
            "listen: [127.0.0.1:%u]\n"
            "workers: 1\n"
            "admin: {listen: 127.0.0.1:%u}\n",
            s->id, s->port, s->admin_port);
    if (s->demo)
        fprintf(f, "demo_origin: true\ndemo_origin_listen: %s\n", s->origin);
    fprintf(f,
            "upstreams:\n"
            "  origin: {servers: [%s]}\n"
            "routes:\n"
            "  - name: %s\n"
            "    path: /*\n"
            "    upstream: origin\n",
            s->origin, s->id);
    if (strcmp(s->type, "waf") == 0)
        fprintf(f, "    waf: {module: %s.wasm}\n", s->id);
    else
        fprintf(f, "    functions: [{module: %s.wasm}]\n", s->id);
    fprintf(f, "timeouts: {shutdown_drain_ms: 1000}\n"
               "access_log: {format: kv, path: stderr}\n");
    if (fclose(f) != 0)
        return cli_fail(s->cmd, CLI_EXIT_FAILED, "%s: %s", s->config, strerror(errno));
    return CLI_EXIT_OK;
}

/* ---- the node -------------------------------------------------------------------------------- */

static int start_node(serve_state *s)
{
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return cli_fail(s->cmd, CLI_EXIT_FAILED, "fork: %s", strerror(errno));
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        /* If serve dies without stopping it (SIGKILL), the node is told to stop too. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) /* it died before prctl */
            _exit(1);
        char *argv[] = {s->node, "--config", s->config, NULL};
        execv(s->node, argv);
        fprintf(stderr, CLI_PROGRAM " serve: cannot run %s: %s\n", s->node, strerror(errno));
        _exit(127);
    }
    s->node_pid = pid;
    return CLI_EXIT_OK;
}

/* Whether the node has exited (reaped then, with its status in *status). */
static bool node_exited(serve_state *s, int *status)
{
    if (s->node_pid <= 0)
        return true;
    pid_t r = waitpid(s->node_pid, status, WNOHANG);
    if (r == s->node_pid || (r < 0 && errno == ECHILD)) {
        s->node_pid = -1;
        return true;
    }
    return false;
}

static void stop_node(serve_state *s)
{
    int status;
    if (node_exited(s, &status))
        return;
    kill(s->node_pid, SIGTERM);
    for (uint64_t start = now_ms(); now_ms() - start < SERVE_STOP_TIMEOUT_MS;) {
        if (node_exited(s, &status))
            return;
        sleep_ms(SERVE_POLL_MS);
    }
    fprintf(stderr, CLI_PROGRAM " serve: aegis-node did not stop in %d ms: killed\n",
            SERVE_STOP_TIMEOUT_MS);
    kill(s->node_pid, SIGKILL);
    waitpid(s->node_pid, &status, 0);
    s->node_pid = -1;
}

static int connect_local(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

/* GET path from the admin API; the body (NUL-terminated, malloc'd) or NULL. */
static char *admin_get(const serve_state *s, const char *path)
{
    int fd = connect_local(s->admin_port);
    if (fd < 0)
        return NULL;
    struct timeval tv = {SERVE_ADMIN_TIMEOUT_MS / 1000, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char req[256];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    char *buf = malloc(SERVE_ADMIN_MAX_BYTES + 1);
    size_t len = 0;
    if (buf == NULL || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        free(buf);
        close(fd);
        return NULL;
    }
    for (;;) {
        ssize_t got = recv(fd, buf + len, SERVE_ADMIN_MAX_BYTES - len, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
        if (len == SERVE_ADMIN_MAX_BYTES)
            break;
    }
    close(fd);
    buf[len] = '\0';
    char *body = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0 || body == NULL) {
        free(buf);
        return NULL;
    }
    memmove(buf, body + 4, strlen(body + 4) + 1);
    return buf;
}

/* The node's view of our module: sha256 and last_error from GET /modules. */
static bool node_module(const serve_state *s, char sha[65], char *last_error, size_t cap)
{
    char *text = admin_get(s, "/modules");
    json_t *list = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    bool found = false;
    size_t i;
    json_t *m;
    json_array_foreach(list, i, m)
    {
        const char *id = json_string_value(json_object_get(m, "id"));
        const char *h = json_string_value(json_object_get(m, "sha256"));
        const char *le = json_string_value(json_object_get(m, "last_error"));
        if (id == NULL || strcmp(id, s->id) != 0 || h == NULL)
            continue;
        snprintf(sha, 65, "%s", h);
        snprintf(last_error, cap, "%s", le ? le : "");
        found = true;
    }
    json_decref(list);
    return found;
}

static int wait_ready(serve_state *s)
{
    int status;
    for (uint64_t start = now_ms(); now_ms() - start < SERVE_READY_TIMEOUT_MS;) {
        if (node_exited(s, &status))
            return cli_fail(s->cmd, CLI_EXIT_FAILED,
                            "aegis-node exited at start (status %d): see its message above",
                            WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        int fd = connect_local(s->port);
        char sha[65], le[8];
        if (fd >= 0) {
            close(fd);
            if (node_module(s, sha, le, sizeof le))
                return CLI_EXIT_OK;
        }
        sleep_ms(SERVE_POLL_MS);
    }
    return cli_fail(s->cmd, CLI_EXIT_FAILED, "aegis-node did not answer on 127.0.0.1:%u in %d ms",
                    s->port, SERVE_READY_TIMEOUT_MS);
}

/* After an install: waits until the node serves the new bytes, or reports why not. */
static void confirm_reload(serve_state *s)
{
    uint8_t *bytes;
    size_t len;
    char want[AUTHOR_SHA256_HEX_BYTES], sha[65] = "", le[320] = "";
    if (author_read_module(s->cmd, s->served, &bytes, &len) != CLI_EXIT_OK)
        return;
    author_sha256_hex(bytes, len, want);
    free(bytes);
    for (uint64_t start = now_ms(); now_ms() - start < SERVE_RELOAD_TIMEOUT_MS;) {
        if (node_module(s, sha, le, sizeof le) && strcmp(sha, want) == 0) {
            printf("reloaded: http://127.0.0.1:%u/ serves sha256 %.16s...\n", s->port, sha);
            fflush(stdout);
            return;
        }
        sleep_ms(SERVE_POLL_MS);
    }
    fprintf(stderr,
            CLI_PROGRAM " serve: the node still serves sha256 %.16s... after %d ms%s%s; the "
                        "previous version keeps serving\n",
            sha, SERVE_RELOAD_TIMEOUT_MS, le[0] ? ": " : "", le);
}

/* ---- watching -------------------------------------------------------------------------------- */

/* The files a project's build reads: C sources and headers, and the sources and manifests of
 * the Rust and AssemblyScript projects `init --lang` makes (in DIR, DIR/src, DIR/assembly). */
static bool is_source(const char *name, size_t len)
{
    static const char *const suffixes[] = {".c", ".h", ".rs", ".ts"};
    static const char *const manifests[] = {"Cargo.toml", "asconfig.json", "package.json"};
    if (len < 3 || name[0] == '.')
        return false;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t n = strlen(suffixes[i]);
        if (len > n && memcmp(name + len - n, suffixes[i], n) == 0)
            return true;
    }
    for (size_t i = 0; i < sizeof manifests / sizeof manifests[0]; i++)
        if (strlen(manifests[i]) == len && memcmp(name, manifests[i], len) == 0)
            return true;
    return false;
}

/* Drains inotify events; true when one names a source file. */
static bool read_events(int fd)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool source = false;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            return source;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->len > 0 && is_source(ev->name, strnlen(ev->name, ev->len)))
                source = true;
            p += sizeof *ev + ev->len;
        }
    }
}

static void rebuild(serve_state *s)
{
    printf("change detected: rebuilding %s\n", s->dir);
    fflush(stdout);
    int rc = build(s);
    if (rc != CLI_EXIT_OK) {
        fprintf(stderr,
                CLI_PROGRAM " serve: build failed (exit %d): http://127.0.0.1:%u/ keeps serving "
                            "the previous version\n",
                rc, s->port);
        return;
    }
    if (install(s) == CLI_EXIT_OK)
        confirm_reload(s);
}

/* The watch loop: returns the exit status. */
static int watch(serve_state *s, int sig_read)
{
    const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM;
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (in < 0 || inotify_add_watch(in, s->dir, mask) < 0) {
        if (in >= 0)
            close(in);
        return cli_fail(s->cmd, CLI_EXIT_FAILED, "inotify on %s: %s", s->dir, strerror(errno));
    }
    static const char *const subdirs[] = {"src", "assembly"};
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        char sub[AUTHOR_PATH_MAX_BYTES + 16];
        struct stat st;
        snprintf(sub, sizeof sub, "%s/%s", s->dir, subdirs[i]);
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && inotify_add_watch(in, sub, mask) < 0)
            fprintf(stderr, CLI_PROGRAM " serve: inotify on %s: %s (not watched)\n", sub,
                    strerror(errno));
    }
    printf("watching %s for changes to its sources (Ctrl-C stops)\n", s->dir);
    fflush(stdout);
    uint64_t due = 0; /* when to rebuild; 0: nothing pending */
    int rc = CLI_EXIT_OK;
    for (;;) {
        struct pollfd fds[2] = {{sig_read, POLLIN, 0}, {in, POLLIN, 0}};
        int timeout = -1;
        if (due != 0)
            timeout = due > now_ms() ? (int)(due - now_ms()) : 0;
        int n = poll(fds, 2, timeout);
        if (n < 0 && errno != EINTR) {
            rc = cli_fail(s->cmd, CLI_EXIT_FAILED, "poll: %s", strerror(errno));
            break;
        }
        if (n > 0 && (fds[0].revents & POLLIN)) {
            unsigned char sigs[64];
            ssize_t got = read(sig_read, sigs, sizeof sigs);
            bool stop = false;
            for (ssize_t i = 0; i < got; i++)
                stop = stop || sigs[i] == SIGINT || sigs[i] == SIGTERM;
            int status;
            if (stop) {
                printf("stopping\n");
                break;
            }
            if (node_exited(s, &status)) {
                rc = cli_fail(s->cmd, CLI_EXIT_FAILED, "aegis-node stopped by itself (%s %d)",
                              WIFEXITED(status) ? "exit status" : "signal",
                              WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                break;
            }
        }
        if (n > 0 && (fds[1].revents & POLLIN) && read_events(in))
            due = now_ms() + SERVE_DEBOUNCE_MS;
        if (due != 0 && now_ms() >= due) {
            due = 0;
            rebuild(s);
        }
    }
    close(in);
    return rc;
}

/* ---- the command ----------------------------------------------------------------------------- */

static int setup(const cli_command *cmd, const serve_options *o, serve_state *s)
{
    int rc;
    s->cmd = cmd;
    s->port = SERVE_PORT_DEFAULT;
    if (o->port && (rc = parse_port(cmd, "port", o->port, &s->port)) != CLI_EXIT_OK)
        return rc;
    s->admin_port = (uint16_t)(s->port + 1);
    s->demo_port = (uint16_t)(s->port + 2);
    if ((o->admin_port && (rc = parse_port(cmd, "admin-port", o->admin_port, &s->admin_port))) ||
        (o->demo_port && (rc = parse_port(cmd, "demo-port", o->demo_port, &s->demo_port))))
        return rc;
    if (s->port > 65533 && (!o->admin_port || (!o->demo_port && !o->origin)))
        return cli_fail(cmd, CLI_EXIT_USAGE,
                        "--port %u leaves no room for the admin and demo "
                        "ports: give --admin-port and --demo-port",
                        s->port);
    s->demo = o->origin == NULL;
    if (o->origin != NULL && (rc = parse_origin(cmd, o->origin, s->origin)) != CLI_EXIT_OK)
        return rc;
    if (s->demo)
        snprintf(s->origin, sizeof s->origin, "127.0.0.1:%u", s->demo_port);
    cli_abi_kind kind;
    if (!author_kind_parse(o->type, &kind))
        return cli_fail(cmd, CLI_EXIT_USAGE, "--type is function or waf, not \"%s\"", o->type);
    s->type = o->type;

    if (o->node != NULL) {
        snprintf(s->node, sizeof s->node, "%s", o->node);
    } else {
        ssize_t n = readlink("/proc/self/exe", s->node, sizeof s->node - 16);
        char *slash = n > 0 ? (s->node[n] = '\0', strrchr(s->node, '/')) : NULL;
        if (slash == NULL)
            return cli_fail(cmd, CLI_EXIT_FAILED,
                            "cannot find this program's directory: "
                            "pass --node PATH");
        strcpy(slash + 1, "aegis-node");
    }
    if (access(s->node, X_OK) != 0)
        return cli_fail(cmd, CLI_EXIT_FAILED,
                        "%s: %s: build it (make programs) or pass --node PATH", s->node,
                        strerror(errno));

    char *real = realpath(o->dir, NULL);
    if (real == NULL)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", o->dir, strerror(errno));
    snprintf(s->dir, sizeof s->dir, "%s", real);
    free(real);
    const char *name = strrchr(s->dir, '/');
    name = name && name[1] ? name + 1 : "module";
    /* The id the node gives the module: the served file's name, kept to what a log line and a
     * YAML plain scalar take without quoting. */
    snprintf(s->id, sizeof s->id, "%.*s", SERVE_ID_MAX_BYTES, name);
    for (char *p = s->id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            *p = '_';
    if (snprintf(s->built, sizeof s->built, "%s/build/%s.wasm", s->dir, name) >=
            (int)sizeof s->built ||
        snprintf(s->serve_dir, sizeof s->serve_dir, "%s/build/serve", s->dir) >=
            (int)sizeof s->serve_dir ||
        snprintf(s->served, sizeof s->served, "%s/%s.wasm", s->serve_dir, s->id) >=
            (int)sizeof s->served ||
        snprintf(s->config, sizeof s->config, "%s/aegis.yaml", s->serve_dir) >=
            (int)sizeof s->config)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: path too long", s->dir);
    return CLI_EXIT_OK;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    serve_options o = {0};
    const cli_option opts[] = {
        {"port", &o.port, NULL},           {"origin", &o.origin, NULL},
        {"type", &o.type, NULL},           {"admin-port", &o.admin_port, NULL},
        {"demo-port", &o.demo_port, NULL}, {"node", &o.node, NULL}};
    author_args a;
    int rc = author_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], 1, &a);
    if (rc != CLI_EXIT_OK || a.help)
        return rc;
    o.dir = a.npos ? a.pos[0] : ".";
    serve_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return cli_fail(cmd, CLI_EXIT_FAILED, "out of memory");
    if ((rc = setup(cmd, &o, s)) != CLI_EXIT_OK) {
        free(s);
        return rc;
    }
    /* Signals become bytes on a pipe, read by the loop; set up before the first child. */
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
        free(s);
        return cli_fail(cmd, CLI_EXIT_FAILED, "pipe: %s", strerror(errno));
    }
    signal_fd = pipefd[1];
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGCHLD, &sa, NULL);

    char build_dir[AUTHOR_PATH_MAX_BYTES + 8];
    snprintf(build_dir, sizeof build_dir, "%s/build", s->dir);
    if ((mkdir(build_dir, 0755) != 0 && errno != EEXIST) ||
        (mkdir(s->serve_dir, 0755) != 0 && errno != EEXIST))
        rc = cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", s->serve_dir, strerror(errno));
    if (rc == CLI_EXIT_OK)
        rc = build(s);
    if (rc == CLI_EXIT_OK && s->type == NULL)
        rc = detect_type(s);
    if (rc == CLI_EXIT_OK && (rc = install(s)) == CLI_EXIT_OK &&
        (rc = write_config(s)) == CLI_EXIT_OK && (rc = start_node(s)) == CLI_EXIT_OK &&
        (rc = wait_ready(s)) == CLI_EXIT_OK) {
        printf("serving %s (%s) on http://127.0.0.1:%u/ in front of %s%s\n"
               "  admin API http://127.0.0.1:%u/modules, config %s\n",
               s->id, s->type, s->port, s->demo ? "the demo origin on " : "", s->origin,
               s->admin_port, s->config);
        fflush(stdout);
        rc = watch(s, pipefd[0]);
    }
    stop_node(s);
    signal(SIGCHLD, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal_fd = -1;
    close(pipefd[0]);
    close(pipefd[1]);
    free(s);
    return rc;
}

const cli_command cli_cmd_serve = {"serve",
                                   "a local development server: the node with this module, "
                                   "rebuilt and reloaded on change",
                                   help, run};
