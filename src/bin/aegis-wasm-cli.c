/*
 * aegis-wasm-cli: the module author's and route owner's tool. It creates, builds and inspects
 * modules (init, build, inspect: guest ABI v1 checked with the node's engine) and manages routes
 * in the Solana route registry (register, update, enable, disable, transfer, close, routes); test,
 * serve and deploy are listed and not available yet. The commands live in src/cli/;
 * `aegis-wasm-cli --help` lists them.
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
