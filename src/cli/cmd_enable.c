/*
 * `aegis-wasm-cli enable` and `disable`: the registry's set_enabled instruction. A disabled route
 * stays registered (nobody can take its domain and path) but nodes do not serve it. The two
 * subcommands are one instruction with a flag, so they share this file.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#define TARGET_USAGE                                                                               \
    " (--route ADDRESS | --domain DOMAIN --path PATTERN)\n"                                        \
    "                     [--keypair PATH] [--rpc URL] [--program-id ID] [--timeout-ms N]\n"

static const char enable_help[] =
    "usage: " CLI_PROGRAM " enable" TARGET_USAGE "\n"
    "Enables the route: nodes that trust its authority serve it again. The signer must be the\n"
    "route's authority.\n";

static const char disable_help[] =
    "usage: " CLI_PROGRAM " disable" TARGET_USAGE "\n"
    "Disables the route without giving it up: nodes stop serving it, and the domain and path stay\n"
    "registered to their authority. The signer must be the route's authority.\n";

static int build(const cli_command *cmd, const cli_chain *ch, const solana_pubkey *target,
                 const void *ud, solana_instruction *ix)
{
    (void)cmd;
    solana_ix_set_enabled(&ch->program, &ch->signer.pubkey, target, *(const bool *)ud, ix);
    return CLI_EXIT_OK;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    bool enable = strcmp(cmd->name, "enable") == 0;
    const char *route = NULL, *domain = NULL, *path = NULL;
    cli_chain_options chain_opts = {0};
    const cli_option opts[] = {
        {"route", &route, NULL}, {"domain", &domain, NULL}, {"path", &path, NULL}};
    bool help_shown;
    int rc =
        cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], &chain_opts, &help_shown);
    if (rc != CLI_EXIT_OK || help_shown)
        return rc;
    char sig[SOLANA_SIGNATURE_TEXT_MAX], addr[SOLANA_PUBKEY_TEXT_MAX];
    rc = cli_route_submit(cmd, &chain_opts, route, domain, path, build, &enable, addr, sig);
    if (rc == CLI_EXIT_OK)
        printf("%s route %s\nsignature: %s\n", enable ? "enabled" : "disabled", addr, sig);
    return rc;
}

const cli_command cli_cmd_enable = {"enable", "enable a route", enable_help, run};
const cli_command cli_cmd_disable = {"disable", "disable a route (it stays registered)",
                                     disable_help, run};
