/*
 * `aegis-wasm-cli transfer`: hands a route to a new authority (another key, a multisig, ...).
 * After it, only the new authority may change or close the route.
 */
#include "cli/cli.h"

#include <stdio.h>

static const char help[] =
    "usage: " CLI_PROGRAM " transfer (--route ADDRESS | --domain DOMAIN --path PATTERN)\n"
    "                      --new-authority PUBKEY\n"
    "                      [--keypair PATH] [--rpc URL] [--program-id ID] [--timeout-ms N]\n"
    "\n"
    "Makes PUBKEY (base58) the route's authority. The signer must be the current authority; it\n"
    "loses every right over the route. The program refuses the zero key and the route itself.\n";

static int build(const cli_command *cmd, const cli_chain *ch, const solana_pubkey *target,
                 const void *ud, solana_instruction *ix)
{
    (void)cmd;
    solana_ix_transfer_authority(&ch->program, &ch->signer.pubkey, target, ud, ix);
    return CLI_EXIT_OK;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    const char *route = NULL, *domain = NULL, *path = NULL, *new_authority = NULL;
    cli_chain_options chain_opts = {0};
    const cli_option opts[] = {{"route", &route, NULL},
                               {"domain", &domain, NULL},
                               {"path", &path, NULL},
                               {"new-authority", &new_authority, NULL}};
    bool help_shown;
    int rc =
        cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], &chain_opts, &help_shown);
    if (rc != CLI_EXIT_OK || help_shown)
        return rc;
    if (new_authority == NULL)
        return cli_fail(cmd, CLI_EXIT_USAGE, "--new-authority is required");
    solana_pubkey next;
    dep_error err;
    if (solana_pubkey_parse(new_authority, &next, &err) != DEP_OK)
        return cli_fail(cmd, CLI_EXIT_USAGE, "--new-authority: %s", err.message);
    char sig[SOLANA_SIGNATURE_TEXT_MAX], addr[SOLANA_PUBKEY_TEXT_MAX];
    rc = cli_route_submit(cmd, &chain_opts, route, domain, path, build, &next, addr, sig);
    if (rc == CLI_EXIT_OK)
        printf("transferred route %s to %s\nsignature: %s\n", addr, new_authority, sig);
    return rc;
}

const cli_command cli_cmd_transfer = {"transfer", "give a route to a new authority", help, run};
