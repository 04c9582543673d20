/*
 * aegis-wasm-cli, the module author's and route owner's tool: the one public header of
 * src/cli/. The program is a table of subcommands (cli.c), each in its own file with its own
 * --help; they share the option parser and the chain context of cli_common.c.
 *
 * Exit status of every subcommand: CLI_EXIT_OK, CLI_EXIT_FAILED (the reason is on stderr, in the
 * words of whoever refused: the registry program, the cluster or the network), CLI_EXIT_USAGE.
 */
#ifndef AEGIS_CLI_H
#define AEGIS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "deploy/deploy.h"
#include "engine/engine.h"

/* CLI_EXIT_TOOLCHAIN: `build` found no usable clang, wasm32 target or wasi-libc (the message
 * names the Debian packages to install). */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILED = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_TOOLCHAIN = 3 };
/* `test`: the module failed on the request (trap, fuel, deadline, bad result); the request file
 * is malformed; the module is not one a node would load (engine or ABI check). */
enum { CLI_EXIT_TRAP = 4, CLI_EXIT_BAD_INPUT = 5, CLI_EXIT_ABI = 6 };

#define CLI_PROGRAM "aegis-wasm-cli"
#define CLI_RPC_DEFAULT "http://127.0.0.1:8899"
#define CLI_KEYPAIR_DEFAULT "~/.config/solana/id.json"

/* Runs the program: argv[1] names the subcommand. Returns the exit status. */
int cli_main(int argc, char **argv);

/* ---- shared by the subcommands ---- */

typedef struct cli_command {
    const char *name;
    const char *summary; /* one line for the program's --help */
    const char *help;    /* the subcommand's --help text; NULL when not available yet */
    int (*run)(const struct cli_command *cmd, int argc, char **argv);
} cli_command;

/* One option: "--name VALUE" / "--name=VALUE" when value is set, a flag "--name" otherwise. */
typedef struct cli_option {
    const char *name; /* without the dashes */
    const char **value;
    bool *flag;
} cli_option;

/* The options every registry subcommand takes. */
typedef struct cli_chain_options {
    const char *keypair;
    const char *rpc;
    const char *program_id;
    const char *timeout_ms;
} cli_chain_options;

/* Parses argv[1..] (argv[0] is the subcommand) against opts plus the chain options (when
 * chain is not NULL) and --help. Positional arguments are refused. Returns CLI_EXIT_OK, or
 * CLI_EXIT_USAGE after printing why; *help is set when --help was given (its text printed). */
int cli_parse(const cli_command *cmd, int argc, char **argv, const cli_option *opts,
              size_t opt_count, cli_chain_options *chain, bool *help);

/* Prints "aegis-wasm-cli CMD: <message>" to stderr and returns status (for one-line returns). */
int cli_fail(const cli_command *cmd, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints text from outside (the chain, an RPC server) with control bytes, DEL and backslash
 * written as \xNN, so it can neither drive the terminal nor break a tab-separated line. */
void cli_print_safe(FILE *out, const char *text);

/* A cluster connection, the registry's program id and (when needed) the signer's keypair. */
typedef struct cli_chain {
    solana_rpc *rpc;
    solana_pubkey program;
    solana_keypair signer;
    uint32_t timeout_ms;
} cli_chain;

/* Opens the chain context from the options: reads the keypair when need_signer. Returns an
 * exit status (usage for bad option values, failure for an unreadable keypair). */
int cli_chain_open(const cli_command *cmd, const cli_chain_options *o, bool need_signer,
                   cli_chain *out);
void cli_chain_close(cli_chain *ch);

/* Reads the signer's keypair (--keypair, default CLI_KEYPAIR_DEFAULT) into ch. */
int cli_chain_signer(const cli_command *cmd, const cli_chain_options *o, cli_chain *ch);

/* Signs, sends and confirms one instruction with the chain's signer and stores the
 * transaction's signature. A refused transaction is reported in the program's words: error name,
 * code and message from the registry's table, then the program's log lines. */
int cli_chain_submit(const cli_command *cmd, cli_chain *ch, const solana_instruction *ix,
                     char sig[SOLANA_SIGNATURE_TEXT_MAX]);

/* The route a management subcommand acts on: --route ADDRESS, or --domain and --path (the
 * address is derived). Exactly one of the two forms must be given. */
int cli_route_target(const cli_command *cmd, const cli_chain *ch, const char *route,
                     const char *domain, const char *path, solana_pubkey *out);

/* Builds a management instruction on route `target`, signed by ch->signer: returns CLI_EXIT_OK,
 * or an exit status after printing why (through cli_fail). */
typedef int (*cli_route_ix_fn)(const cli_command *cmd, const cli_chain *ch,
                               const solana_pubkey *target, const void *ud, solana_instruction *ix);

/* What update, enable, disable, transfer and close share: opens the chain, finds the route
 * (cli_route_target), reads the signer, builds the instruction and submits it. On success the
 * route's address and the transaction's signature are in target_text and sig. */
int cli_route_submit(const cli_command *cmd, const cli_chain_options *o, const char *route,
                     const char *domain, const char *path, cli_route_ix_fn build, const void *ud,
                     char target_text[SOLANA_PUBKEY_TEXT_MAX], char sig[SOLANA_SIGNATURE_TEXT_MAX]);

/* The subcommands (one file each). */
extern const cli_command cli_cmd_register;
extern const cli_command cli_cmd_update;
extern const cli_command cli_cmd_enable;
extern const cli_command cli_cmd_disable;
extern const cli_command cli_cmd_transfer;
extern const cli_command cli_cmd_close;
extern const cli_command cli_cmd_routes;
extern const cli_command cli_cmd_init;
extern const cli_command cli_cmd_build;
extern const cli_command cli_cmd_inspect;
extern const cli_command cli_cmd_test;
extern const cli_command cli_cmd_serve;
extern const cli_command cli_cmd_cid;
extern const cli_command cli_cmd_deploy;
/* Placeholders for the subcommands of later work: they exit CLI_EXIT_USAGE, "not available yet". */
int cli_run_unavailable(const cli_command *cmd, int argc, char **argv);

/* ---- guest ABI v1 conformance (abi_check.c; usable by any embedder, not only the CLI) ---- */

typedef enum cli_abi_kind {
    CLI_ABI_NONE = 0,     /* not an AEGIS module (or, as an expectation: either kind) */
    CLI_ABI_FUNCTION = 1, /* an edge function: exports handle_request */
    CLI_ABI_WAF = 2,      /* a WAF: exports analyze_request */
} cli_abi_kind;

enum {
    CLI_ABI_PROBLEMS_MAX = 16, /* further problems are counted, not described */
    CLI_ABI_PROBLEM_MAX_BYTES = 320,
};

/* The verdict on one module: its kind when it conforms, else CLI_ABI_NONE and the problems, each
 * one sentence telling the author what to change. */
typedef struct cli_abi_report {
    cli_abi_kind kind;
    size_t problem_count; /* may exceed CLI_ABI_PROBLEMS_MAX; only that many are described */
    char problems[CLI_ABI_PROBLEMS_MAX][CLI_ABI_PROBLEM_MAX_BYTES];
} cli_abi_report;

/* Checks a decoded module against guest ABI v1: the exports memory, alloc(i32)->i32,
 * dealloc(i32,i32) and exactly one entry point (handle_request / analyze_request, (i32,i32)->i32)
 * matching `expected` (CLI_ABI_NONE accepts either); every "env" import is a host function of the
 * ABI with the host's signature; other imports come only from wasi_snapshot_preview1; and the
 * module links and instantiates against the host's imports within the node's limits. Returns
 * true when the module conforms (report->kind set). */
bool cli_abi_check(const eng_module *module, cli_abi_kind expected, cli_abi_report *report);

/* "function", "waf" or "not an AEGIS module". */
const char *cli_abi_kind_name(cli_abi_kind kind);

/* Writes a signature as the ABI documents print it, "(i32, i32) -> i32" / "(i32) -> ()". */
void cli_abi_signature(const eng_extern_info *info, char *out, size_t cap);

#endif
