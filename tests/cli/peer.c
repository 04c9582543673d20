/*
 * The loopback peer and the process plumbing of the aegis-wasm-cli tests (see peer.h). The peer
 * is a child with a pipe on its stdin: closing the pipe, or this process dying, ends it, so no
 * test leaves it running.
 */
#include "peer.h"

#include "child.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    PEER_START_TIMEOUT_MS = 30000,
    PEER_STOP_TIMEOUT_MS = 5000,
    CLI_RUN_TIMEOUT_MS = 60000,
};

static void remove_tree(const char *dir)
{
    char cmd[256];
    if (dir[0] == '\0' || strncmp(dir, "/tmp/aegis-cli-", 15) != 0)
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

void peer_start(peer *p)
{
    const char *script = test_src_path("tests/peers/solana/rpc-server.mjs");
    char script_path[1024], so_path[1024], modules[1024];
    snprintf(script_path, sizeof script_path, "%s", script);
    snprintf(so_path, sizeof so_path, "%s", test_build_path("contracts/wasm_registry.so"));
    snprintf(modules, sizeof modules, "%s",
             test_src_path("tests/peers/solana/node_modules/litesvm"));
    CHECK_MSG(access(so_path, R_OK) == 0,
              "the registry program %s is missing: build it with make contracts", so_path);
    CHECK_MSG(access(modules, R_OK) == 0,
              "LiteSVM is not installed (%s): run scripts/peers-install.sh solana", modules);
    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "/tmp/aegis-cli-XXXXXX");
    CHECK_MSG(mkdtemp(p->dir) != NULL, "mkdtemp: %s", strerror(errno));

    char when[32];
    snprintf(when, sizeof when, "%d", PEER_UNIX_TIME);
    const char *argv[] = {"node", script_path,   "--program", so_path, "--port",
                          "0",    "--unix-time", when,        NULL};
    child_spawn(&p->proc, argv);
    char line[256];
    const char *l =
        child_wait_line(&p->proc, "listening ", PEER_START_TIMEOUT_MS, line, sizeof line);
    unsigned port = 0;
    if (l == NULL || sscanf(l, "listening http://127.0.0.1:%u", &port) != 1 || port == 0) {
        peer_stop(p);
        test_fail(__FILE__, __LINE__,
                  "the Solana peer did not start (node missing, or peers not installed by "
                  "scripts/peers-install.sh solana); it said: \"%s\"",
                  line);
    }
    snprintf(p->url, sizeof p->url, "http://127.0.0.1:%u", port);
}

void peer_stop(peer *p)
{
    child_stop(&p->proc, PEER_STOP_TIMEOUT_MS);
    remove_tree(p->dir);
    p->dir[0] = '\0';
}

void peer_write_file(peer *p, const char *name, const char *text, char *path, size_t path_cap)
{
    snprintf(path, path_cap, "%s/%s", p->dir, name);
    FILE *f = fopen(path, "w");
    CHECK_MSG(f != NULL, "%s: %s", path, strerror(errno));
    fputs(text, f);
    fclose(f);
}

void peer_keypair(peer *p, const char *name, bool fund, solana_keypair *kp, char *path,
                  size_t path_cap)
{
    dep_error err;
    char file[64];
    CHECK(solana_keypair_generate(kp, &err) == DEP_OK);
    char *json = solana_keypair_json(kp);
    CHECK(json != NULL);
    snprintf(file, sizeof file, "%s.json", name);
    peer_write_file(p, file, json, path, path_cap);
    free(json);
    if (!fund)
        return;
    solana_rpc *rpc = solana_rpc_new(p->url, 0, &err);
    CHECK_MSG(rpc != NULL, "%s", err.message);
    char sig[SOLANA_SIGNATURE_TEXT_MAX];
    dep_status st = solana_rpc_request_airdrop(rpc, &kp->pubkey, PEER_FUND_LAMPORTS, sig, &err);
    solana_rpc_free(rpc);
    CHECK_MSG(st == DEP_OK, "airdrop: %s", err.message);
}

static void slurp(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    lseek(fd, 0, SEEK_SET);
    for (;;) {
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got <= 0 || (n += (size_t)got) == cap - 1)
            break;
    }
    buf[n] = '\0';
}

void cli_exec(cli_run *r, const char *const argv[])
{
    char bin[1024];
    const char *args[64];
    size_t argc = 0;
    snprintf(bin, sizeof bin, "%s", test_build_path("bin/aegis-wasm-cli"));
    args[argc++] = bin;
    for (size_t i = 0; argv[i] != NULL && argc < 63; i++)
        args[argc++] = argv[i];
    args[argc] = NULL;
    FILE *out = tmpfile(), *err = tmpfile();
    CHECK(out != NULL && err != NULL);
    r->status = child_run(args, NULL, -1, fileno(out), fileno(err), CLI_RUN_TIMEOUT_MS);
    slurp(fileno(out), r->out, sizeof r->out);
    slurp(fileno(err), r->err, sizeof r->err);
    fclose(out);
    fclose(err);
}
