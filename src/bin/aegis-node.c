/*
 * aegis-node: the AEGIS Edge reverse proxy. This file is only the command line: it chooses the
 * config (a file, or the embedded default), answers --help, --version, --check-config and
 * --print-default-config, and hands the config to node_run (src/node/).
 */
#include "node/node.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: aegis-node [--config FILE] [--check-config] [--print-default-config]\n"
               "                  [--help] [--version]\n"
               "\n"
               "The AEGIS Edge reverse proxy.\n"
               "\n"
               "  -c, --config FILE         read the configuration from FILE (YAML, see\n"
               "                            docs/CONFIG.md); without it the embedded default is\n"
               "                            used: listen on 127.0.0.1:8080, admin API on\n"
               "                            127.0.0.1:9090, and the demo origin on 127.0.0.1:8081\n"
               "  -t, --check-config        check the configuration and load its WebAssembly\n"
               "                            modules, then exit (0 when valid; else the reason as\n"
               "                            FILE:LINE:COLUMN: KEY: what is wrong)\n"
               "      --print-default-config  print the embedded default configuration and exit\n"
               "  -h, --help                print this help and exit\n"
               "  -V, --version             print the version and exit\n"
               "\n"
               "Signals: SIGTERM or SIGINT drain connections and exit; SIGHUP reloads FILE and\n"
               "the module files.\n");
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    bool check = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) {
            if (i + 1 == argc) {
                fprintf(stderr, "aegis-node: %s needs a file name\n", a);
                return 2;
            }
            config_path = argv[++i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            config_path = a + 9;
        } else if (strcmp(a, "--check-config") == 0 || strcmp(a, "-t") == 0) {
            check = true;
        } else if (strcmp(a, "--print-default-config") == 0) {
            fputs(node_default_config_yaml, stdout);
            return 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("aegis-node %s\n", NODE_VERSION);
            return 0;
        } else {
            fprintf(stderr, "aegis-node: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    char err[NODE_ERR_BYTES];
    node_config *cfg = config_path != NULL ? node_config_load(config_path, err)
                                           : node_config_parse(node_default_config_yaml,
                                                               strlen(node_default_config_yaml),
                                                               "<default config>", err);
    if (cfg == NULL) {
        fprintf(stderr, "aegis-node: %s\n", err);
        return 1;
    }
    if (check) {
        /* A config is only good if its modules load: compile and validate each one. */
        if (!node_config_check_modules(cfg, err)) {
            fprintf(stderr, "aegis-node: %s\n", err);
            node_config_free(cfg);
            return 1;
        }
        printf("%s: ok (%zu listeners, %zu upstreams, %zu routes, %zu modules)\n",
               config_path ? config_path : "<default config>", cfg->listener_count,
               cfg->upstream_count, cfg->route_count, cfg->module_count);
        node_config_free(cfg);
        return 0;
    }
    return node_run(cfg, config_path);
}
