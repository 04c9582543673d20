/*
 * The aegis-node command line, run as a real process: --help, --version, --check-config on good
 * and bad files (exact file:line:col messages), --print-default-config, unknown options, and a
 * start-up failure that must name its cause.
 */
#include "e2e.h"
#include "node/node.h"
#include "test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int run_node(char **out, const char *a1, const char *a2, const char *a3)
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s", test_build_path("bin/aegis-node"));
    char *argv[] = {bin, (char *)a1, (char *)a2, (char *)a3, NULL};
    return e2e_run(argv, 20000, out);
}

TEST(test_cli_help_lists_every_option)
{
    char *out;
    CHECK_INT_EQ(run_node(&out, "--help", NULL, NULL), 0);
    CHECK_STR_HAS(out, "usage: aegis-node [--config FILE] [--check-config]");
    CHECK_STR_HAS(out, "--print-default-config");
    CHECK_STR_HAS(out, "--version");
    CHECK_STR_HAS(out, "SIGHUP reloads FILE");
    free(out);
}

TEST(test_cli_version)
{
    char *out;
    CHECK_INT_EQ(run_node(&out, "--version", NULL, NULL), 0);
    CHECK_STR_EQ(out, "aegis-node " NODE_VERSION "\n");
    free(out);
}

TEST(test_cli_unknown_option_exits_2)
{
    char *out;
    CHECK_INT_EQ(run_node(&out, "--confg", "x.yaml", NULL), 2);
    CHECK_STR_HAS(out, "aegis-node: unknown option '--confg'\nusage: aegis-node");
    free(out);
}

TEST(test_cli_print_default_config_is_the_embedded_text)
{
    char *out;
    CHECK_INT_EQ(run_node(&out, "--print-default-config", NULL, NULL), 0);
    CHECK_STR_EQ(out, node_default_config_yaml);
    free(out);
}

TEST(test_cli_check_config_accepts_good_file)
{
    char path[128], want[256];
    e2e_node_config(path, sizeof path,
                    "listen: [127.0.0.1:1234]\n"
                    "upstreams:\n  app: {servers: [127.0.0.1:1235]}\n"
                    "routes:\n  - {path: /*, upstream: app}\n");
    char *out;
    CHECK_INT_EQ(run_node(&out, "--check-config", "--config", path), 0);
    snprintf(want, sizeof want, "%s: ok (1 listeners, 1 upstreams, 1 routes, 0 modules)\n", path);
    CHECK_STR_EQ(out, want);
    free(out);
    unlink(path);
}

TEST(test_cli_check_config_names_line_and_column_of_error)
{
    char path[128], want[512];
    e2e_node_config(path, sizeof path,
                    "upstreams:\n"
                    "  app:\n"
                    "    servers: [127.0.0.1:1235]\n"
                    "routes:\n"
                    "  - path: /\n"
                    "    upstream: app\n"
                    "  - path: /api/*\n"
                    "    upstream: api\n");
    char *out;
    CHECK_INT_EQ(run_node(&out, "--config", path, "--check-config"), 1);
    snprintf(want, sizeof want, "aegis-node: %s:8:15: routes[1].upstream: unknown upstream 'api'\n",
             path);
    CHECK_STR_EQ(out, want);
    free(out);
    unlink(path);
}

TEST(test_cli_check_config_default_is_valid)
{
    char *out;
    CHECK_INT_EQ(run_node(&out, "--check-config", NULL, NULL), 0);
    CHECK_STR_EQ(out, "<default config>: ok (1 listeners, 1 upstreams, 2 routes, 2 modules)\n");
    free(out);
}

TEST(test_cli_missing_config_file_is_reported)
{
    char *out;
    CHECK_INT_EQ(run_node(&out, "--config", "/nonexistent/a.yaml", NULL), 1);
    CHECK_STR_EQ(out, "aegis-node: /nonexistent/a.yaml: cannot read: No such file or directory\n");
    free(out);
}

TEST(test_start_fails_when_port_is_taken)
{
    uint16_t port = e2e_free_port(), admin = e2e_free_port();
    e2e_proc origin;
    e2e_start_origin(&origin, port, "squatter"); /* holds the port without SO_REUSEPORT */
    char path[128], yaml[1024];
    snprintf(yaml, sizeof yaml,
             "listen: [127.0.0.1:%u]\nworkers: 1\nadmin: {listen: 127.0.0.1:%u}\n"
             "access_log: {enabled: false}\n",
             port, admin);
    e2e_node_config(path, sizeof path, yaml);
    char *out;
    CHECK_INT_EQ(run_node(&out, "--config", path, NULL), 1);
    char want[512];
    snprintf(want, sizeof want,
             "aegis-node: %s: listen[0]: http: listen 127.0.0.1:%u: Address already in use\n", path,
             port);
    CHECK_STR_EQ(out, want);
    free(out);
    unlink(path);
    CHECK_INT_EQ(e2e_stop(&origin, SIGTERM, 5000), 0);
    unlink(origin.out_path);
}
