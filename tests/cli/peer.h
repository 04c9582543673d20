/*
 * Helpers of the aegis-wasm-cli tests: the loopback Solana peer (tests/peers/solana/rpc-server.mjs,
 * LiteSVM with the built registry program) started on a free port, the real aegis-wasm-cli binary
 * run with its output captured, and funded keypair files in a temporary directory.
 */
#ifndef AEGIS_TESTS_CLI_PEER_H
#define AEGIS_TESTS_CLI_PEER_H

#include "child.h"
#include "deploy/deploy.h"

#include <sys/types.h>

/* The clock the peer starts with, so listings with timestamps are exact. */
#define PEER_UNIX_TIME 1750000000
#define PEER_FUND_LAMPORTS 10000000000ULL /* 10 SOL: far more than a route's rent */

typedef struct peer {
    child proc; /* closing its stdin ends the peer */
    char url[64];
    char dir[64]; /* temporary directory of the test's files */
} peer;

/* Starts the peer and makes the temporary directory; fails the test with a clear message when
 * node, the peers or the built program are missing. */
void peer_start(peer *p);

/* Stops the peer (closes its stdin, waits, kills it if it lingers) and removes the directory. */
void peer_stop(peer *p);

/* Writes a new keypair file <dir>/<name>.json (its path into path), and funds the key with
 * PEER_FUND_LAMPORTS by requestAirdrop when fund is true. */
void peer_keypair(peer *p, const char *name, bool fund, solana_keypair *kp, char *path,
                  size_t path_cap);

/* Writes text into <dir>/<name> and stores the path. */
void peer_write_file(peer *p, const char *name, const char *text, char *path, size_t path_cap);

typedef struct cli_run {
    int status; /* exit status, or -1 if killed */
    char out[16384];
    char err[16384];
} cli_run;

/* Runs aegis-wasm-cli with argv (NULL-terminated, without the program name). */
void cli_exec(cli_run *r, const char *const argv[]);

#endif
