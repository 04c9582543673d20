/*
 * Helpers of the route-source tests: the loopback Solana peer (tests/peers/solana/rpc-server.mjs,
 * LiteSVM running the built registry program) on a chosen or free port, the registry's
 * instructions submitted through the committed client, a fake JSON-RPC server that answers
 * garbage or never answers, temporary directories, and bounded waiting.
 */
#ifndef AEGIS_TESTS_ROUTES_CHAIN_H
#define AEGIS_TESTS_ROUTES_CHAIN_H

#include "child.h"
#include "deploy/deploy.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

#define CHAIN_UNIX_TIME 1750000000

typedef struct chain {
    child proc; /* closing its stdin ends the peer */
    unsigned port;
    char url[64];
} chain;

/* Starts the peer on port (0: any free port); fails the test when it does not come up. */
void chain_start(chain *c, unsigned port);
/* Stops the peer and waits for it. */
void chain_stop(chain *c);

/* A new keypair funded by airdrop. */
void chain_funded_key(const chain *c, solana_keypair *kp);
/* Funds an existing key (on a fresh peer, for instance). */
void chain_fund(const chain *c, const solana_pubkey *key);

/* The registry's instructions, submitted and confirmed; each fails the test on error. */
void chain_register(const chain *c, const solana_keypair *kp, const char *domain, const char *path,
                    const char *cid, uint8_t module_type);
void chain_update(const chain *c, const solana_keypair *kp, const char *domain, const char *path,
                  const char *cid);
void chain_set_enabled(const chain *c, const solana_keypair *kp, const char *domain,
                       const char *path, bool enabled);
void chain_close(const chain *c, const solana_keypair *kp, const char *domain, const char *path);

/* Runs the real aegis-wasm-cli with argv (NULL-terminated, without the program name), its
 * stdout and stderr captured into out; returns the exit status (-1 when it had to be killed). */
int cli_run(const char *const argv[], char *out, size_t cap);

/* Writes kp in the Solana CLI's keypair format to path. */
void keypair_write(const solana_keypair *kp, const char *path);

/* A fake JSON-RPC endpoint on 127.0.0.1 (a thread of the test process). */
typedef enum fake_mode {
    FAKE_GARBAGE,       /* 200 with a body that is not JSON */
    FAKE_TRUNCATED,     /* 200 with JSON that stops in the middle of the result */
    FAKE_HOSTILE_ROUTE, /* a well-formed answer whose one account has an oversized Borsh length */
    FAKE_SILENT,        /* accepts, reads, never answers */
    FAKE_SLOW,          /* an empty registry, but 8 s late: after the node's 5 s limit */
} fake_mode;

typedef struct fake_rpc {
    int listen_fd;
    unsigned port;
    char url[64];
    fake_mode mode;
    pthread_t thread;
    atomic_int stop;
    atomic_int requests; /* connections answered (or, when silent, read) */
} fake_rpc;

/* Starts the endpoint on any free port; fake_start_on takes the port (0: any). */
void fake_start(fake_rpc *f, fake_mode mode);
void fake_start_on(fake_rpc *f, unsigned port, fake_mode mode);
void fake_stop(fake_rpc *f);

/* A fresh directory under /tmp (path into dir, at least 64 bytes) and its removal. */
void temp_dir(char *dir);
void temp_dir_remove(const char *dir);

/* The CIDv1 (raw) of text, in its canonical spelling. */
void cid_of(const char *text, char out[DEP_CID_TEXT_MAX]);

/* Monotonic milliseconds. */
long long now_ms(void);

/* Collects the source's log lines (thread-safe) for checks. */
typedef struct log_sink {
    pthread_mutex_t mu;
    char text[16384];
    size_t len;
} log_sink;

void log_sink_init(log_sink *s);
void log_sink_fn(void *ctx, const char *line);
/* How many lines contain needle. */
int log_sink_count(log_sink *s, const char *needle);

/* Counts on_update calls. */
void wake_count_fn(void *ctx);

#endif
