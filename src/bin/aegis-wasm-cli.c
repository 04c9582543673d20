/*
 * aegis-wasm-cli: the module author's and route owner's tool. Today it manages routes in the
 * Solana route registry (register, update, enable, disable, transfer, close, routes); the module
 * tools (init, build, test, serve, inspect, deploy) are listed and not available yet. The
 * commands live in src/cli/; `aegis-wasm-cli --help` lists them.
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
