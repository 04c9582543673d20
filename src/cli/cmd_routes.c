/*
 * `aegis-wasm-cli routes`: lists the registry's routes as the cluster holds them (what every node
 * following the registry sees), sorted by domain and path. Plain output is one tab-separated line
 * per route under a header, for people and `cut`; --json gives every field, for scripts.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static const char help[] =
    "usage: " CLI_PROGRAM " routes [--domain DOMAIN] [--authority PUBKEY] [--json]\n"
    "                    [--rpc URL] [--program-id ID]\n"
    "\n"
    "Lists the registry's routes, sorted by domain then path. --domain and --authority keep only\n"
    "the routes of that domain or authority (filtered by the cluster).\n"
    "Plain output: a header, then one tab-separated line per route:\n"
    "  DOMAIN PATH TYPE STATE CID ROUTE AUTHORITY\n"
    "--json: an array of {route, authority, domain, path_pattern, wasm_cid, module_type, enabled,\n"
    "created_at, updated_at} (timestamps in Unix seconds).\n";

static int print_json(const solana_route *routes, const solana_pubkey *addrs, size_t n)
{
    json_t *arr = json_array();
    char addr[SOLANA_PUBKEY_TEXT_MAX], auth[SOLANA_PUBKEY_TEXT_MAX];
    for (size_t i = 0; arr != NULL && i < n; i++) {
        const solana_route *r = &routes[i];
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:I}", "route",
                      solana_pubkey_string(&addrs[i], addr), "authority",
                      solana_pubkey_string(&r->authority, auth), "domain", r->domain,
                      "path_pattern", r->path, "wasm_cid", r->cid, "module_type",
                      solana_module_type_name(r->module_type), "enabled", r->enabled, "created_at",
                      (json_int_t)r->created_at, "updated_at", (json_int_t)r->updated_at);
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    char *text = arr ? json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(arr);
    if (text == NULL)
        return -1;
    printf("%s\n", text);
    free(text);
    return 0;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    const char *domain = NULL, *authority = NULL;
    bool json = false;
    cli_chain_options chain_opts = {0};
    const cli_option opts[] = {
        {"domain", &domain, NULL}, {"authority", &authority, NULL}, {"json", NULL, &json}};
    bool help_shown;
    int rc =
        cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], &chain_opts, &help_shown);
    if (rc != CLI_EXIT_OK || help_shown)
        return rc;
    solana_pubkey auth_key;
    dep_error err;
    if (authority != NULL && solana_pubkey_parse(authority, &auth_key, &err) != DEP_OK)
        return cli_fail(cmd, CLI_EXIT_USAGE, "--authority: %s", err.message);
    cli_chain ch;
    if ((rc = cli_chain_open(cmd, &chain_opts, false, &ch)) != CLI_EXIT_OK) {
        cli_chain_close(&ch);
        return rc;
    }
    solana_route *routes;
    solana_pubkey *addrs;
    size_t n, skipped;
    if (solana_list_routes(ch.rpc, &ch.program, domain, authority ? &auth_key : NULL, &routes,
                           &addrs, &n, &skipped, &err) != DEP_OK) {
        cli_chain_close(&ch);
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s", err.message);
    }
    cli_chain_close(&ch);
    if (json) {
        if (print_json(routes, addrs, n) != 0)
            rc = cli_fail(cmd, CLI_EXIT_FAILED, "out of memory");
    } else {
        char addr[SOLANA_PUBKEY_TEXT_MAX], auth[SOLANA_PUBKEY_TEXT_MAX];
        printf("DOMAIN\tPATH\tTYPE\tSTATE\tCID\tROUTE\tAUTHORITY\n");
        for (size_t i = 0; i < n; i++) {
            const char *fields[] = {routes[i].domain,
                                    routes[i].path,
                                    solana_module_type_name(routes[i].module_type),
                                    routes[i].enabled ? "enabled" : "disabled",
                                    routes[i].cid,
                                    solana_pubkey_string(&addrs[i], addr),
                                    solana_pubkey_string(&routes[i].authority, auth)};
            for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
                cli_print_safe(stdout, fields[f]);
                putchar(f + 1 < sizeof fields / sizeof fields[0] ? '\t' : '\n');
            }
        }
    }
    if (skipped > 0)
        fprintf(stderr,
                CLI_PROGRAM " %s: skipped %zu account%s of the program that are not "
                            "well-formed routes\n",
                cmd->name, skipped, skipped == 1 ? "" : "s");
    free(routes);
    free(addrs);
    return rc;
}

const cli_command cli_cmd_routes = {"routes", "list the registry's routes", help, run};
