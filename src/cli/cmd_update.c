/*
 * `aegis-wasm-cli update`: points an existing route at a new module CID, the one-transaction
 * roll-out the registry exists for. Only the route's authority may do it.
 */
#include "cli/cli.h"

#include <stdio.h>

static const char help[] =
    "usage: " CLI_PROGRAM " update (--route ADDRESS | --domain DOMAIN --path PATTERN) --cid CID\n"
    "                    [--keypair PATH] [--rpc URL] [--program-id ID] [--timeout-ms N]\n"
    "\n"
    "Points the route at a new module CID. The route is named by its address, or by its domain\n"
    "and path pattern (its address is derived from them). The signer must be the route's\n"
    "authority.\n";

static int build(const cli_command *cmd, const cli_chain *ch, const solana_pubkey *target,
                 const void *ud, solana_instruction *ix)
{
    dep_error err;
    if (solana_ix_update_route(&ch->program, &ch->signer.pubkey, target, ud, ix, &err) != DEP_OK)
        return cli_fail(cmd, CLI_EXIT_USAGE, "%s", err.message);
    return CLI_EXIT_OK;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    const char *route = NULL, *domain = NULL, *path = NULL, *cid = NULL;
    cli_chain_options chain_opts = {0};
    const cli_option opts[] = {{"route", &route, NULL},
                               {"domain", &domain, NULL},
                               {"path", &path, NULL},
                               {"cid", &cid, NULL}};
    bool help_shown;
    int rc =
        cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], &chain_opts, &help_shown);
    if (rc != CLI_EXIT_OK || help_shown)
        return rc;
    if (cid == NULL)
        return cli_fail(cmd, CLI_EXIT_USAGE, "--cid is required");
    char sig[SOLANA_SIGNATURE_TEXT_MAX], addr[SOLANA_PUBKEY_TEXT_MAX];
    rc = cli_route_submit(cmd, &chain_opts, route, domain, path, build, cid, addr, sig);
    if (rc == CLI_EXIT_OK)
        printf("updated route %s -> %s\nsignature: %s\n", addr, cid, sig);
    return rc;
}

const cli_command cli_cmd_update = {"update", "point a route at a new module CID", help, run};
