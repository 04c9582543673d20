/*
 * `aegis-wasm-cli close`: deletes a route. The account's rent goes back to the authority and the
 * (domain, path) is free to be registered again, by anyone.
 */
#include "cli/cli.h"

#include <stdio.h>

static const char help[] =
    "usage: " CLI_PROGRAM " close (--route ADDRESS | --domain DOMAIN --path PATTERN)\n"
    "                   [--keypair PATH] [--rpc URL] [--program-id ID] [--timeout-ms N]\n"
    "\n"
    "Closes the route: its account is deleted and its rent returned to the signer, who must be\n"
    "the route's authority. Anyone may register the domain and path again afterwards.\n";

static int build(const cli_command *cmd, const cli_chain *ch, const solana_pubkey *target,
                 const void *ud, solana_instruction *ix)
{
    (void)cmd;
    (void)ud;
    solana_ix_close_route(&ch->program, &ch->signer.pubkey, target, ix);
    return CLI_EXIT_OK;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
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
    rc = cli_route_submit(cmd, &chain_opts, route, domain, path, build, NULL, addr, sig);
    if (rc == CLI_EXIT_OK)
        printf("closed route %s\nsignature: %s\n", addr, sig);
    return rc;
}

const cli_command cli_cmd_close = {"close", "delete a route and get its rent back", help, run};
