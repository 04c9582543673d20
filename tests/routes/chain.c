/*
 * The plumbing of the route-source tests (see chain.h). The peer is a child with a pipe on its
 * stdin: closing the pipe, or this process dying, ends it, so no test leaves it running.
 */
#include "chain.h"

#include "child.h"
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    CHAIN_START_TIMEOUT_MS = 30000,
    CHAIN_STOP_TIMEOUT_MS = 5000,
    CHAIN_CONFIRM_TIMEOUT_MS = 30000,
    FAKE_POLL_MS = 20,
    FAKE_SLOW_MS = 8000, /* longer than the node's 5 s limit on one RPC call */
};
#define CHAIN_FUND_LAMPORTS 10000000000ULL /* 10 SOL: far more than a route's rent */

long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void chain_start(chain *c, unsigned port)
{
    char script[1024], so[1024], modules[1024], port_text[16], when[32];
    snprintf(script, sizeof script, "%s", test_src_path("tests/peers/solana/rpc-server.mjs"));
    snprintf(so, sizeof so, "%s", test_build_path("contracts/wasm_registry.so"));
    snprintf(modules, sizeof modules, "%s",
             test_src_path("tests/peers/solana/node_modules/litesvm"));
    CHECK_MSG(access(so, R_OK) == 0, "the registry program %s is missing: make contracts", so);
    CHECK_MSG(access(modules, R_OK) == 0,
              "LiteSVM is not installed (%s): run scripts/peers-install.sh solana", modules);
    memset(c, 0, sizeof *c);
    snprintf(port_text, sizeof port_text, "%u", port);
    snprintf(when, sizeof when, "%d", CHAIN_UNIX_TIME);
    const char *argv[] = {"node",    script,        "--program", so,  "--port",
                          port_text, "--unix-time", when,        NULL};
    child_spawn(&c->proc, argv);
    char line[256];
    const char *l =
        child_wait_line(&c->proc, "listening ", CHAIN_START_TIMEOUT_MS, line, sizeof line);
    unsigned got_port = 0;
    if (l == NULL || sscanf(l, "listening http://127.0.0.1:%u", &got_port) != 1 || got_port == 0) {
        chain_stop(c);
        test_fail(__FILE__, __LINE__, "the Solana peer did not start on port %u; it said \"%s\"",
                  port, line);
    }
    c->port = got_port;
    snprintf(c->url, sizeof c->url, "http://127.0.0.1:%u", got_port);
}

void chain_stop(chain *c)
{
    child_stop(&c->proc, CHAIN_STOP_TIMEOUT_MS);
}

static solana_rpc *rpc_of(const chain *c)
{
    dep_error err;
    solana_rpc *rpc = solana_rpc_new(c->url, 0, &err);
    CHECK_MSG(rpc != NULL, "%s", err.message);
    return rpc;
}

void chain_funded_key(const chain *c, solana_keypair *kp)
{
    dep_error err;
    CHECK(solana_keypair_generate(kp, &err) == DEP_OK);
    chain_fund(c, &kp->pubkey);
}

void chain_fund(const chain *c, const solana_pubkey *key)
{
    dep_error err;
    solana_rpc *rpc = rpc_of(c);
    char sig[SOLANA_SIGNATURE_TEXT_MAX];
    dep_status st = solana_rpc_request_airdrop(rpc, key, CHAIN_FUND_LAMPORTS, sig, &err);
    solana_rpc_free(rpc);
    CHECK_MSG(st == DEP_OK, "airdrop: %s", err.message);
}

static void submit(const chain *c, const solana_keypair *kp, const solana_instruction *ix,
                   const char *what)
{
    dep_error err;
    solana_tx_failure failure = {.custom_code = -1};
    char sig[SOLANA_SIGNATURE_TEXT_MAX];
    solana_rpc *rpc = rpc_of(c);
    dep_status st = solana_submit(rpc, kp, ix, 1, CHAIN_CONFIRM_TIMEOUT_MS, sig, &failure, &err);
    solana_rpc_free(rpc);
    char why[512];
    snprintf(why, sizeof why, "%s", failure.message);
    solana_tx_failure_clear(&failure);
    CHECK_MSG(st == DEP_OK, "%s: %s (%s)", what, err.message, why);
}

static solana_pubkey program_id(void)
{
    solana_pubkey p;
    CHECK(solana_pubkey_parse(SOLANA_REGISTRY_PROGRAM_ID, &p, NULL) == DEP_OK);
    return p;
}

static solana_pubkey route_pda(const char *domain, const char *path)
{
    solana_pubkey program = program_id(), addr;
    uint8_t bump;
    dep_error err;
    CHECK_MSG(solana_route_address(&program, domain, path, &addr, &bump, &err) == DEP_OK, "%s",
              err.message);
    return addr;
}

void chain_register(const chain *c, const solana_keypair *kp, const char *domain, const char *path,
                    const char *cid, uint8_t module_type)
{
    solana_pubkey program = program_id();
    solana_instruction ix;
    dep_error err;
    CHECK_MSG(solana_ix_register_route(&program, &kp->pubkey, domain, path, cid, module_type, &ix,
                                       &err) == DEP_OK,
              "%s", err.message);
    submit(c, kp, &ix, "register");
}

void chain_update(const chain *c, const solana_keypair *kp, const char *domain, const char *path,
                  const char *cid)
{
    solana_pubkey program = program_id(), route = route_pda(domain, path);
    solana_instruction ix;
    dep_error err;
    CHECK_MSG(solana_ix_update_route(&program, &kp->pubkey, &route, cid, &ix, &err) == DEP_OK, "%s",
              err.message);
    submit(c, kp, &ix, "update");
}

void chain_set_enabled(const chain *c, const solana_keypair *kp, const char *domain,
                       const char *path, bool enabled)
{
    solana_pubkey program = program_id(), route = route_pda(domain, path);
    solana_instruction ix;
    solana_ix_set_enabled(&program, &kp->pubkey, &route, enabled, &ix);
    submit(c, kp, &ix, enabled ? "enable" : "disable");
}

void chain_close(const chain *c, const solana_keypair *kp, const char *domain, const char *path)
{
    solana_pubkey program = program_id(), route = route_pda(domain, path);
    solana_instruction ix;
    solana_ix_close_route(&program, &kp->pubkey, &route, &ix);
    submit(c, kp, &ix, "close");
}

/* ---- the real command-line tool ---- */

enum { CLI_TIMEOUT_MS = 60000 };

int cli_run(const char *const argv[], char *out, size_t cap)
{
    char bin[1024];
    const char *args[32];
    size_t argc = 0;
    snprintf(bin, sizeof bin, "%s", test_build_path("bin/aegis-wasm-cli"));
    CHECK_MSG(access(bin, X_OK) == 0, "%s is missing: build it in this build tree", bin);
    args[argc++] = bin;
    for (size_t i = 0; argv[i] != NULL && argc < 31; i++)
        args[argc++] = argv[i];
    args[argc] = NULL;
    FILE *capture = tmpfile();
    CHECK(capture != NULL);
    int status = child_run(args, NULL, -1, fileno(capture), fileno(capture), CLI_TIMEOUT_MS);
    rewind(capture);
    size_t n = fread(out, 1, cap - 1, capture);
    out[n] = '\0';
    fclose(capture);
    return status;
}

void keypair_write(const solana_keypair *kp, const char *path)
{
    char *json = solana_keypair_json(kp);
    CHECK(json != NULL);
    FILE *f = fopen(path, "w");
    CHECK_MSG(f != NULL, "%s: %s", path, strerror(errno));
    fputs(json, f);
    fclose(f);
    free(json);
}

/* ---- fake JSON-RPC endpoint ---- */

static void fake_answer(fake_rpc *f, int fd)
{
    char req[8192];
    size_t n = 0;
    long long start = now_ms();
    /* Read until the end of the headers and the whole body (small requests only). */
    while (n < sizeof req - 1 && now_ms() - start < 2000 && !atomic_load(&f->stop)) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, FAKE_POLL_MS) <= 0)
            continue;
        ssize_t got = read(fd, req + n, sizeof req - 1 - n);
        if (got <= 0)
            break;
        n += (size_t)got;
        req[n] = '\0';
        char *end = strstr(req, "\r\n\r\n");
        const char *cl = strcasestr(req, "content-length:");
        if (end && cl && (size_t)(end + 4 - req) + strtoul(cl + 15, NULL, 10) <= n)
            break;
    }
    atomic_fetch_add(&f->requests, 1);
    if (f->mode == FAKE_SILENT) {
        while (!atomic_load(&f->stop))
            usleep(FAKE_POLL_MS * 1000);
        return;
    }
    char body[4096];
    if (f->mode == FAKE_SLOW) {
        for (long long t0 = now_ms(); now_ms() - t0 < FAKE_SLOW_MS && !atomic_load(&f->stop);)
            usleep(FAKE_POLL_MS * 1000);
        snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[]}");
    } else if (f->mode == FAKE_TRUNCATED) {
        snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[{\"");
    } else if (f->mode == FAKE_GARBAGE) {
        snprintf(body, sizeof body, "<html>502 this is not JSON-RPC {\"result\": ");
    } else {
        /* A WasmRoute whose domain length claims 4 GiB: the decoder must refuse it. */
        uint8_t data[SOLANA_ROUTE_ACCOUNT_BYTES] = {0};
        memcpy(data, solana_route_discriminator, 8);
        memset(data + SOLANA_ROUTE_DOMAIN_OFFSET, 0xff, 4);
        char b64[1024];
        static const char tbl[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t o = 0;
        for (size_t i = 0; i < sizeof data; i += 3) {
            uint32_t v = (uint32_t)data[i] << 16;
            size_t left = sizeof data - i;
            if (left > 1)
                v |= (uint32_t)data[i + 1] << 8;
            if (left > 2)
                v |= data[i + 2];
            b64[o++] = tbl[(v >> 18) & 63];
            b64[o++] = tbl[(v >> 12) & 63];
            b64[o++] = left > 1 ? tbl[(v >> 6) & 63] : '=';
            b64[o++] = left > 2 ? tbl[v & 63] : '=';
        }
        b64[o] = '\0';
        snprintf(body, sizeof body,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[{\"pubkey\":\"%s\",\"account\":{"
                 "\"data\":[\"%s\",\"base64\"],\"executable\":false,\"lamports\":5000000,"
                 "\"owner\":\"%s\",\"rentEpoch\":0,\"space\":%d}}]}",
                 SOLANA_SYSTEM_PROGRAM_ID, b64, SOLANA_REGISTRY_PROGRAM_ID,
                 SOLANA_ROUTE_ACCOUNT_BYTES);
    }
    char head[256];
    int hn = snprintf(head, sizeof head,
                      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                      "%zu\r\nConnection: close\r\n\r\n",
                      strlen(body));
    if (write(fd, head, (size_t)hn) < 0 || write(fd, body, strlen(body)) < 0)
        return;
}

static void *fake_main(void *arg)
{
    fake_rpc *f = arg;
    while (!atomic_load(&f->stop)) {
        struct pollfd pfd = {f->listen_fd, POLLIN, 0};
        if (poll(&pfd, 1, FAKE_POLL_MS) <= 0)
            continue;
        int fd = accept(f->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        fake_answer(f, fd);
        close(fd);
    }
    return NULL;
}

void fake_start(fake_rpc *f, fake_mode mode)
{
    fake_start_on(f, 0, mode);
}

void fake_start_on(fake_rpc *f, unsigned port, fake_mode mode)
{
    memset(f, 0, sizeof *f);
    f->mode = mode;
    f->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(f->listen_fd >= 0);
    int one = 1;
    setsockopt(f->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    CHECK_MSG(bind(f->listen_fd, (struct sockaddr *)&a, sizeof a) == 0, "bind %u: %s", port,
              strerror(errno));
    CHECK(listen(f->listen_fd, 16) == 0);
    CHECK(getsockname(f->listen_fd, (struct sockaddr *)&a, &len) == 0);
    f->port = ntohs(a.sin_port);
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u", f->port);
    CHECK(pthread_create(&f->thread, NULL, fake_main, f) == 0);
}

void fake_stop(fake_rpc *f)
{
    atomic_store(&f->stop, 1);
    pthread_join(f->thread, NULL);
    close(f->listen_fd);
}

/* ---- files, CIDs, logs ---- */

void temp_dir(char *dir)
{
    snprintf(dir, 64, "/tmp/aegis-routes-XXXXXX");
    CHECK_MSG(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
}

void temp_dir_remove(const char *dir)
{
    char cmd[128];
    if (strncmp(dir, "/tmp/aegis-routes-", 18) != 0)
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

void cid_of(const char *text, char out[DEP_CID_TEXT_MAX])
{
    dep_cid cid;
    dep_error err;
    CHECK_MSG(dep_cid_of_block(1, DEP_CODEC_RAW, (const uint8_t *)text, strlen(text), &cid, &err) ==
                  DEP_OK,
              "%s", err.message);
    dep_cid_string(&cid, out);
}

void log_sink_init(log_sink *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
}

void log_sink_fn(void *ctx, const char *line)
{
    log_sink *s = ctx;
    pthread_mutex_lock(&s->mu);
    int n = snprintf(s->text + s->len, sizeof s->text - s->len, "%s\n", line);
    if (n > 0 && s->len + (size_t)n < sizeof s->text)
        s->len += (size_t)n;
    pthread_mutex_unlock(&s->mu);
}

int log_sink_count(log_sink *s, const char *needle)
{
    int count = 0;
    pthread_mutex_lock(&s->mu);
    for (const char *p = s->text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        count++;
    pthread_mutex_unlock(&s->mu);
    return count;
}

void wake_count_fn(void *ctx)
{
    atomic_fetch_add((atomic_int *)ctx, 1);
}
