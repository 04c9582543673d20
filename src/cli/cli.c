/*
 * The subcommand table of aegis-wasm-cli and the program's --help. Each subcommand lives in its
 * own file; adding one is a new file and one line here. Subcommands of later work are listed
 * already, marked "not available yet", and refuse to run instead of pretending.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const cli_command *const available[] = {
    &cli_cmd_register, &cli_cmd_update, &cli_cmd_enable, &cli_cmd_disable,
    &cli_cmd_transfer, &cli_cmd_close,  &cli_cmd_routes,
};

static const cli_command *const author[] = {&cli_cmd_init,  &cli_cmd_build, &cli_cmd_inspect,
                                            &cli_cmd_test,  &cli_cmd_serve, &cli_cmd_cid,
                                            &cli_cmd_deploy};

static void print_help(FILE *out)
{
    fprintf(out, "usage: " CLI_PROGRAM " COMMAND [OPTIONS]   (" CLI_PROGRAM " COMMAND --help)\n\n"
                 "route registry on Solana:\n");
    for (size_t i = 0; i < sizeof available / sizeof available[0]; i++)
        fprintf(out, "  %-10s %s\n", available[i]->name, available[i]->summary);
    fprintf(out, "\nmodule tools:\n");
    for (size_t i = 0; i < sizeof author / sizeof author[0]; i++)
        fprintf(out, "  %-10s %s\n", author[i]->name, author[i]->summary);
    fprintf(out,
            "\nregistry options (every registry command):\n"
            "  --keypair PATH     signer, Solana CLI JSON format (default " CLI_KEYPAIR_DEFAULT
            ")\n"
            "  --rpc URL          JSON-RPC endpoint (default " CLI_RPC_DEFAULT ")\n"
            "  --program-id ID    registry program (default " SOLANA_REGISTRY_PROGRAM_ID ")\n"
            "  --timeout-ms N     confirmation timeout (default %d)\n"
            "\nexit status: 0 success, 1 failure (reason on stderr), 2 usage error,\n"
            "3 toolchain missing (build), 4 the module failed on the request (test),\n"
            "5 malformed request file (test), 6 module refused by the engine or ABI check (test)\n",
            SOLANA_CONFIRM_TIMEOUT_MS_DEFAULT);
}

int cli_run_unavailable(const cli_command *cmd, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, CLI_PROGRAM " %s: not available yet\n", cmd->name);
    return CLI_EXIT_USAGE;
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof available / sizeof available[0]; i++)
        if (strcmp(name, available[i]->name) == 0)
            return available[i]->run(available[i], argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof author / sizeof author[0]; i++)
        if (strcmp(name, author[i]->name) == 0)
            return author[i]->run(author[i], argc - 1, argv + 1);
    fprintf(stderr, CLI_PROGRAM ": unknown command \"%s\" (see " CLI_PROGRAM " --help)\n", name);
    return CLI_EXIT_USAGE;
}
