/*
 * `aegis-wasm-cli register`: creates the route account of a (domain, path pattern) pointing at a
 * module CID. The signer pays the account's rent and becomes the route's authority; the program
 * refuses a (domain, path) that is already registered.
 */
#include "cli/cli.h"

#include <stdio.h>

static const char help[] =
    "usage: " CLI_PROGRAM
    " register --domain DOMAIN --path PATTERN --cid CID [--type waf|function]\n"
    "                      [--keypair PATH] [--rpc URL] [--program-id ID] [--timeout-ms N]\n"
    "\n"
    "Registers the route DOMAIN + PATTERN -> CID in the route registry. The signer (--keypair)\n"
    "pays the account's rent (returned by `close`) and becomes the route's authority: only it\n"
    "may update, enable, disable, transfer or close the route.\n"
    "  --domain DOMAIN   lowercase DNS name, optional leading \"*.\" (at most 253 bytes)\n"
    "  --path PATTERN    starts with \"/\" (at most 256 bytes)\n"
    "  --cid CID         the module: CIDv0 (Qm...) or CIDv1 base32 (b...)\n"
    "  --type TYPE       function (default) or waf\n"
    "Prints the route's address and the transaction's signature.\n";

static int run(const cli_command *cmd, int argc, char **argv)
{
    const char *domain = NULL, *path = NULL, *cid = NULL, *type = NULL;
    cli_chain_options chain_opts = {0};
    const cli_option opts[] = {{"domain", &domain, NULL},
                               {"path", &path, NULL},
                               {"cid", &cid, NULL},
                               {"type", &type, NULL}};
    bool help_shown;
    int rc =
        cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], &chain_opts, &help_shown);
    if (rc != CLI_EXIT_OK || help_shown)
        return rc;
    if (domain == NULL || path == NULL || cid == NULL)
        return cli_fail(cmd, CLI_EXIT_USAGE, "--domain, --path and --cid are required");
    uint8_t module_type = SOLANA_MODULE_TYPE_FUNCTION;
    if (type != NULL && !solana_module_type_parse(type, &module_type))
        return cli_fail(cmd, CLI_EXIT_USAGE, "--type \"%s\": expected waf or function", type);

    cli_chain ch;
    if ((rc = cli_chain_open(cmd, &chain_opts, true, &ch)) != CLI_EXIT_OK) {
        cli_chain_close(&ch);
        return rc;
    }
    solana_instruction ix;
    dep_error err;
    char sig[SOLANA_SIGNATURE_TEXT_MAX], addr[SOLANA_PUBKEY_TEXT_MAX];
    if (solana_ix_register_route(&ch.program, &ch.signer.pubkey, domain, path, cid, module_type,
                                 &ix, &err) != DEP_OK) {
        cli_chain_close(&ch);
        return cli_fail(cmd, CLI_EXIT_USAGE, "%s", err.message);
    }
    rc = cli_chain_submit(cmd, &ch, &ix, sig);
    if (rc == CLI_EXIT_OK)
        printf("registered %s%s -> %s (%s)\nroute: %s\nsignature: %s\n", domain, path, cid,
               solana_module_type_name(module_type),
               solana_pubkey_string(&ix.accounts[1].pubkey, addr), sig);
    cli_chain_close(&ch);
    return rc;
}

const cli_command cli_cmd_register = {"register", "register a route: domain + path -> module CID",
                                      help, run};
