/*
 * The loopback peer and the process plumbing of the aegis-wasm-cli tests (see peer.h). The peer
 * is a child with a pipe on its stdin: closing the pipe, or this process dying, ends it, so no
 * test leaves it running.
 */
#include "peer.h"

#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

    int in[2], out[2];
    /* Close-on-exec, so the CLI processes a test runs do not hold the peer's stdin open. */
    CHECK(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        char when[32];
        snprintf(when, sizeof when, "%d", PEER_UNIX_TIME);
        execlp("node", "node", script_path, "--program", so_path, "--port", "0", "--unix-time",
               when, (char *)NULL);
        fprintf(stderr, "cannot run node (%s): install Node 20 (scripts/deps/cli.txt)\n",
                strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    p->pid = pid;
    p->stdin_fd = in[1];

    char line[256];
    size_t n = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (n < sizeof line - 1 && memchr(line, '\n', n) == NULL) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long waited = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        struct pollfd pfd = {out[0], POLLIN, 0};
        if (waited >= PEER_START_TIMEOUT_MS ||
            poll(&pfd, 1, (int)(PEER_START_TIMEOUT_MS - waited)) <= 0)
            break;
        ssize_t got = read(out[0], line + n, sizeof line - 1 - n);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(out[0]);
    line[n] = '\0';
    unsigned port = 0;
    if (sscanf(line, "listening http://127.0.0.1:%u", &port) != 1 || port == 0) {
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
    if (p->stdin_fd > 0)
        close(p->stdin_fd);
    p->stdin_fd = -1;
    if (p->pid > 0) {
        int status;
        for (int waited = 0; waited < PEER_STOP_TIMEOUT_MS; waited += 20) {
            if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
                p->pid = 0;
                break;
            }
            struct timespec pause = {0, 20 * 1000000L};
            nanosleep(&pause, NULL);
        }
        if (p->pid > 0) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &status, 0);
            p->pid = 0;
        }
    }
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
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(fileno(out), 1);
        dup2(fileno(err), 2);
        execv(bin, (char *const *)args);
        fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    int status = 0;
    int waited = 0;
    while (waitpid(pid, &status, WNOHANG) != pid) {
        if (waited >= CLI_RUN_TIMEOUT_MS) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        struct timespec pause = {0, 10 * 1000000L};
        nanosleep(&pause, NULL);
        waited += 10;
    }
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    slurp(fileno(out), r->out, sizeof r->out);
    slurp(fileno(err), r->err, sizeof r->err);
    fclose(out);
    fclose(err);
}
