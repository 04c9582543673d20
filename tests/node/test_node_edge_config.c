/*
 * The WebAssembly keys of the config: a route's `waf` and `functions` with their defaults
 * (ARCHITECTURE 5: WAF fuel 25,000,000, 10 ms, 10 MB; functions no fuel limit, 50 ms, 50 MB),
 * module paths relative to the config file, modules shared between routes, the node-wide
 * `cache`, exact line:col errors for bad values, and `aegis-node --check-config` loading the
 * modules (a missing file, a module of the wrong kind, a file that is not Wasm).
 */
#include "config_util.h"
#include "edge_util.h"
#include "node/node.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEAD "upstreams: {app: {servers: ['127.0.0.1:1']}}\n"

TEST(test_edge_keys_take_the_documented_defaults)
{
    node_config *cfg = cfg_parse_ok(HEAD "routes:\n"
                                         "  - name: r\n    path: /*\n    upstream: app\n"
                                         "    waf: {module: mods/waf.wasm}\n"
                                         "    functions: [{module: fn.wasm}]\n",
                                    "/etc/aegis/node.yaml");
    const node_route *r = &cfg->routes[0];
    CHECK(r->has_waf);
    CHECK_UINT_EQ(r->waf.fuel, 25000000);
    CHECK_UINT_EQ(r->waf.deadline_ms, 10);
    CHECK_UINT_EQ(r->waf.memory_bytes, 10000000);
    CHECK(!r->waf.block_on_error);
    CHECK_UINT_EQ(r->function_count, 1);
    CHECK_UINT_EQ(r->functions[0].fuel, 0);
    CHECK_UINT_EQ(r->functions[0].deadline_ms, 50);
    CHECK_UINT_EQ(r->functions[0].memory_bytes, 50000000);
    CHECK_STR_EQ(r->functions[0].owner, "r");
    CHECK_UINT_EQ(cfg->module_count, 2);
    CHECK_STR_EQ(cfg->modules[r->waf.module].path, "/etc/aegis/mods/waf.wasm");
    CHECK_STR_EQ(cfg->modules[r->waf.module].id, "waf");
    CHECK(cfg->modules[r->waf.module].waf);
    CHECK_STR_EQ(cfg->modules[r->functions[0].module].path, "/etc/aegis/fn.wasm");
    CHECK_STR_EQ(cfg->modules[r->functions[0].module].id, "fn");
    CHECK(!cfg->modules[r->functions[0].module].waf);
    CHECK_UINT_EQ(cfg->cache_max_bytes, 64u << 20);
    /* Without a directory in the source, paths stay relative to the working directory. */
    node_config *rel = cfg_parse_ok(
        HEAD "routes: [{path: /, upstream: app, waf: {module: w.wasm}}]\n", "node.yaml");
    CHECK_STR_EQ(rel->modules[0].path, "w.wasm");
    node_config_free(rel);
    node_config_free(cfg);
}

TEST(test_edge_keys_are_read_and_modules_shared)
{
    node_config *cfg = cfg_parse_ok(
        HEAD "routes:\n"
             "  - name: a\n    path: /a\n    upstream: app\n"
             "    waf: {module: /m/waf.wasm, on_error: block, fuel: 5000, deadline_ms: 3,\n"
             "          memory_mb: 20}\n"
             "    functions:\n"
             "      - {module: /m/f.wasm, fuel: 777, deadline_ms: 9, memory_mb: 2, owner: t1}\n"
             "      - {module: /other/f.wasm, tenant: t2}\n"
             "  - name: b\n    path: /b\n    upstream: app\n"
             "    waf: {module: /m/waf.wasm}\n"
             "    functions: [{module: /m/f.wasm}]\n"
             "cache: {max_bytes: 1048576}\n",
        "t.yaml");
    const node_route *a = &cfg->routes[0], *b = &cfg->routes[1];
    CHECK(a->waf.block_on_error);
    CHECK_UINT_EQ(a->waf.fuel, 5000);
    CHECK_UINT_EQ(a->waf.deadline_ms, 3);
    CHECK_UINT_EQ(a->waf.memory_bytes, 20000000);
    CHECK_UINT_EQ(a->functions[0].fuel, 777);
    CHECK_UINT_EQ(a->functions[0].deadline_ms, 9);
    CHECK_UINT_EQ(a->functions[0].memory_bytes, 2000000);
    CHECK_STR_EQ(a->functions[0].owner, "t1");
    CHECK_STR_EQ(a->functions[1].owner, "t2");
    CHECK_STR_EQ(b->functions[0].owner, "b");
    /* Three files: the WAF and /m/f.wasm are shared by both routes; the second f.wasm gets a
     * distinct id. Route b keeps its own (default) limits for the shared module. */
    CHECK_UINT_EQ(cfg->module_count, 3);
    CHECK_UINT_EQ(b->waf.module, a->waf.module);
    CHECK_UINT_EQ(b->functions[0].module, a->functions[0].module);
    CHECK_UINT_EQ(b->waf.fuel, 25000000);
    CHECK_STR_EQ(cfg->modules[a->functions[0].module].id, "f");
    CHECK_STR_EQ(cfg->modules[a->functions[1].module].id, "f-2");
    CHECK_UINT_EQ(cfg->cache_max_bytes, 1048576);
    /* The effective config shows all of it and parses back to the same text. */
    char *text = node_config_format(cfg);
    CHECK(text != NULL);
    CHECK_STR_HAS(text, "    waf:\n      module: \"/m/waf.wasm\"\n      on_error: block\n"
                        "      fuel: 5000\n      deadline_ms: 3\n      memory_mb: 20\n");
    CHECK_STR_HAS(text,
                  "      - module: \"/other/f.wasm\"\n        owner: \"t2\"\n        fuel: 0\n"
                  "        deadline_ms: 50\n        memory_mb: 50\n");
    CHECK_STR_HAS(text, "cache:\n  max_bytes: 1048576\n");
    cfg_check_round_trip(text, "t.yaml");
    free(text);
    node_config_free(cfg);
}

TEST(test_edge_bad_values_are_explained_with_line_and_column)
{
    CHECK_STR_EQ(cfg_parse_err(HEAD "routes: [{path: /, upstream: app, waf: {on_error: block}}]\n"),
                 "t.yaml:2:40: routes[0].waf: missing key 'module' (a file) or 'cid'");
    CHECK_STR_EQ(cfg_parse_err(HEAD "routes: [{path: /, upstream: app, waf: {module: w, on_error: "
                                    "maybe}}]\n"),
                 "t.yaml:2:62: routes[0].waf.on_error: expected allow or block, found 'maybe'");
    CHECK_STR_EQ(
        cfg_parse_err(HEAD "routes: [{path: /, upstream: app, waf: {module: w, fuel: 0}}]\n"),
        "t.yaml:2:58: routes[0].waf.fuel: 0 is out of range 1..1000000000000");
    CHECK_STR_EQ(
        cfg_parse_err(HEAD
                      "routes: [{path: /, upstream: app, functions: [{module: f, fule: 5}]}]\n"),
        "t.yaml:2:59: routes[0].functions[0].fule: unknown key (did you mean 'fuel'?)");
    CHECK_STR_EQ(cfg_parse_err(HEAD "routes: [{path: /, upstream: app, functions: [{module: f, "
                                    "memory_mb: 5000}]}]\n"),
                 "t.yaml:2:70: routes[0].functions[0].memory_mb: 5000 is out of range 1..4096");
    CHECK_STR_EQ(cfg_parse_err(HEAD "routes: [{path: /, upstream: app, functions: [{module: f, "
                                    "deadline_ms: 0}]}]\n"),
                 "t.yaml:2:72: routes[0].functions[0].deadline_ms: 0 is out of range 1..60000");
    CHECK_STR_EQ(cfg_parse_err(HEAD
                               "routes: [{path: /, upstream: app, functions: [{module: f, owner: "
                               "x, tenant: y}]}]\n"),
                 "t.yaml:2:77: routes[0].functions[0].tenant: give either 'owner' or 'tenant', "
                 "not both");
    CHECK_STR_EQ(cfg_parse_err(HEAD "routes: [{path: /, upstream: app, functions: {module: f}}]\n"),
                 "t.yaml:2:46: routes[0].functions: expected a list, found a mapping");
    CHECK_STR_EQ(cfg_parse_err(HEAD "routes: [{path: /, upstream: app, waf: {module: ''}}]\n"),
                 "t.yaml:2:49: routes[0].waf.module: empty module path");
    CHECK_STR_EQ(cfg_parse_err(HEAD
                               "routes:\n  - {path: /a, upstream: app, waf: {module: /m/x.wasm}}\n"
                               "  - {path: /b, upstream: app, functions: [{module: /m/x.wasm}]}\n"),
                 "t.yaml:4:52: routes[1].functions[0].module: '/m/x.wasm' is used as a WAF at "
                 "3:45: routes[0].waf.module");
    CHECK_STR_EQ(cfg_parse_err(HEAD "cache: {max_bytes: 100}\n"),
                 "t.yaml:2:20: cache.max_bytes: 100 is out of range 16384..1099511627776");
    char text[2048];
    int n = snprintf(text, sizeof text, HEAD "routes: [{path: /, upstream: app, functions: [");
    for (int i = 0; i < NODE_MAX_ROUTE_FUNCTIONS + 1; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%s{module: f%d}", i ? ", " : "", i);
    snprintf(text + n, sizeof text - (size_t)n, "]}]\n");
    CHECK_STR_EQ(cfg_parse_err(text),
                 "t.yaml:2:159: routes[0].functions[8]: more than 8 functions on "
                 "a route");
}

static int check_config(const char *yaml, char **out)
{
    char path[128];
    e2e_node_config(path, sizeof path, yaml);
    char bin[1024];
    snprintf(bin, sizeof bin, "%s", test_build_path("bin/aegis-node"));
    char *argv[] = {bin, "--check-config", "--config", path, NULL};
    int st = e2e_run(argv, 30000, out);
    unlink(path);
    return st;
}

TEST(test_edge_check_config_loads_the_modules)
{
    char yaml[2048], *out;
    snprintf(yaml, sizeof yaml,
             HEAD "routes:\n  - path: /\n    upstream: app\n    waf: {module: %s}\n"
                  "    functions: [{module: %s}]\n",
             eu_build(0, "guest/waf.wasm"), eu_build(1, "guest/examples/header_rewriter.wasm"));
    CHECK_INT_EQ(check_config(yaml, &out), 0);
    CHECK_STR_HAS(out, ": ok (1 listeners, 1 upstreams, 1 routes, 2 modules)\n");
    CHECK(strstr(out, "event=") == NULL); /* checking logs nothing of the modules */
    free(out);

    snprintf(yaml, sizeof yaml,
             HEAD
             "routes:\n  - path: /\n    upstream: app\n    waf: {module: /nonexistent/w.wasm}\n");
    CHECK_INT_EQ(check_config(yaml, &out), 1);
    CHECK_STR_HAS(out, ":5:19: routes[0].waf.module: edge: module w: /nonexistent/w.wasm: No such "
                       "file or directory\n");
    free(out);

    /* A function where the WAF belongs: it lacks analyze_request. */
    snprintf(yaml, sizeof yaml,
             HEAD "routes:\n  - path: /\n    upstream: app\n    waf: {module: %s}\n",
             eu_build(0, "guest/examples/header_rewriter.wasm"));
    CHECK_INT_EQ(check_config(yaml, &out), 1);
    CHECK_STR_HAS(out, ":5:19: routes[0].waf.module: edge: module header_rewriter: ");
    CHECK_STR_HAS(out, "analyze_request");
    free(out);

    /* A file that is not WebAssembly. */
    char dir[64];
    eu_tmpdir(dir, sizeof dir);
    eu_install_bytes(dir, "junk.wasm", "hello", 5);
    snprintf(yaml, sizeof yaml,
             HEAD
             "routes:\n  - path: /\n    upstream: app\n    functions: [{module: %s/junk.wasm}]\n",
             dir);
    CHECK_INT_EQ(check_config(yaml, &out), 1);
    CHECK_STR_HAS(out, ":5:26: routes[0].functions[0].module: edge: module junk: malformed: ");
    free(out);
    eu_rmdir(dir);
}
