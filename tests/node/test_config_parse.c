/*
 * Config parsing: the embedded default, every section's keys and defaults, and the exact
 * file:line:col messages for mistakes (unknown keys, bad values, dangling references, YAML syntax).
 */
#include "config_util.h"
#include "node/node.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static node_config *parse_ok(const char *text)
{
    return cfg_parse_ok(text, "t.yaml");
}

#define MINIMAL                                                                                    \
    "upstreams:\n"                                                                                 \
    "  app:\n"                                                                                     \
    "    servers: [127.0.0.1:9001]\n"

TEST(test_default_config_has_documented_values)
{
    char err[NODE_ERR_BYTES];
    node_config *cfg = node_config_parse(node_default_config_yaml, strlen(node_default_config_yaml),
                                         "<default config>", err);
    CHECK_MSG(cfg != NULL, "%s", err);
    CHECK_UINT_EQ(cfg->listener_count, 1);
    CHECK_STR_EQ(cfg->listeners[0].host, "127.0.0.1");
    CHECK_UINT_EQ(cfg->listeners[0].port, 8080);
    CHECK_UINT_EQ(cfg->admin.listen.port, 9090);
    CHECK(cfg->admin.enabled);
    CHECK(cfg->demo_origin);
    CHECK_UINT_EQ(cfg->demo_origin_listen.port, 8081);
    CHECK_UINT_EQ(cfg->upstream_count, 1);
    CHECK_STR_EQ(cfg->upstreams[0].name, "demo");
    CHECK_UINT_EQ(cfg->upstreams[0].server_count, 1);
    CHECK_UINT_EQ(cfg->upstreams[0].servers[0].port, 8081);
    CHECK_UINT_EQ(cfg->route_count, 2);
    CHECK_STR_EQ(cfg->routes[0].host, "*");
    CHECK_STR_EQ(cfg->routes[0].path, "/*");
    CHECK_INT_EQ(cfg->routes[0].path_kind, NODE_PATH_PREFIX);
    /* The WAF on both routes, the header rewriter on /headers; paths from the executable's
     * directory (this test binary's, whose ../guest/ is the build's guest directory too). */
    CHECK(cfg->routes[0].has_waf);
    CHECK_UINT_EQ(cfg->routes[0].function_count, 0);
    CHECK_STR_EQ(cfg->routes[1].path, "/headers");
    CHECK(cfg->routes[1].has_waf);
    CHECK_UINT_EQ(cfg->routes[1].function_count, 1);
    CHECK_UINT_EQ(cfg->module_count, 2);
    CHECK_STR_EQ(cfg->modules[0].id, "waf");
    CHECK(cfg->modules[0].waf);
    CHECK_STR_EQ(cfg->modules[1].id, "header_rewriter");
    CHECK(!cfg->modules[1].waf);
    char want[1100];
    snprintf(want, sizeof want, "%s/tests/../guest/waf.wasm", TEST_BUILD_DIR);
    CHECK_STR_EQ(cfg->modules[0].path, want);
    CHECK_MSG(node_config_check_modules(cfg, err), "%s", err);
    CHECK_UINT_EQ(cfg->cache_max_bytes, 64u << 20);
    CHECK_UINT_EQ(cfg->workers, (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
    CHECK_INT_EQ(cfg->access_log.format, NODE_LOG_JSON);
    CHECK_STR_EQ(cfg->access_log.path, "stderr");
    node_config_free(cfg);
}

TEST(test_example_file_equals_embedded_default)
{
    size_t len;
    uint8_t *file = test_read_file(test_src_path("docs/aegis.example.yaml"), &len);
    CHECK_MSG(len == strlen(node_default_config_yaml) &&
                  memcmp(file, node_default_config_yaml, len) == 0,
              "docs/aegis.example.yaml differs from the embedded default: regenerate it with "
              "aegis-node --print-default-config");
    free(file);
}

TEST(test_empty_keys_take_defaults)
{
    node_config *cfg = parse_ok(MINIMAL);
    CHECK_UINT_EQ(cfg->limits.max_header_bytes, 32768);
    CHECK_UINT_EQ(cfg->limits.max_body_bytes, 10485760);
    CHECK_UINT_EQ(cfg->limits.max_uri_bytes, 8192);
    CHECK_UINT_EQ(cfg->limits.max_headers, 100);
    CHECK_UINT_EQ(cfg->timeouts.header_read_ms, 10000);
    CHECK_UINT_EQ(cfg->timeouts.body_read_ms, 30000);
    CHECK_UINT_EQ(cfg->timeouts.idle_ms, 60000);
    CHECK_UINT_EQ(cfg->timeouts.upstream_connect_ms, 5000);
    CHECK_UINT_EQ(cfg->timeouts.upstream_read_ms, 30000);
    CHECK_UINT_EQ(cfg->timeouts.shutdown_drain_ms, 10000);
    CHECK_UINT_EQ(cfg->upstreams[0].pool_size, 64);
    CHECK(!cfg->demo_origin);
    CHECK(cfg->access_log.enabled);
    CHECK_UINT_EQ(cfg->route_count, 0);
    node_config_free(cfg);
}

TEST(test_every_key_is_read)
{
    node_config *cfg = parse_ok("listen: ['127.0.0.2:81', '[::1]:82']\n"
                                "workers: 3\n"
                                "admin: {listen: 127.0.0.1:7000, enabled: false}\n"
                                "upstreams:\n"
                                "  api:\n"
                                "    servers: [10.0.0.1:80, 10.0.0.2:8080]\n"
                                "    pool_size: 7\n"
                                "routes:\n"
                                "  - {name: r1, host: Example.COM, path: /x, upstream: api}\n"
                                "limits: {max_header_bytes: 2048, max_body_bytes: 5,\n"
                                "         max_uri_bytes: 100, max_headers: 9}\n"
                                "timeouts: {header_read_ms: 1, body_read_ms: 2, idle_ms: 3,\n"
                                "  upstream_connect_ms: 4, upstream_read_ms: 5,\n"
                                "  shutdown_drain_ms: 6}\n"
                                "access_log: {format: kv, path: /tmp/x.log, enabled: true}\n");
    CHECK_UINT_EQ(cfg->listener_count, 2);
    CHECK_STR_EQ(cfg->listeners[0].host, "127.0.0.2");
    CHECK_UINT_EQ(cfg->listeners[0].port, 81);
    CHECK_STR_EQ(cfg->listeners[1].host, "::1");
    CHECK_UINT_EQ(cfg->listeners[1].port, 82);
    CHECK_UINT_EQ(cfg->workers, 3);
    CHECK(!cfg->admin.enabled);
    CHECK_UINT_EQ(cfg->admin.listen.port, 7000);
    CHECK_UINT_EQ(cfg->upstreams[0].server_count, 2);
    CHECK_STR_EQ(cfg->upstreams[0].servers[1].host, "10.0.0.2");
    CHECK_UINT_EQ(cfg->upstreams[0].servers[1].port, 8080);
    CHECK_UINT_EQ(cfg->upstreams[0].pool_size, 7);
    CHECK_STR_EQ(cfg->routes[0].name, "r1");
    CHECK_STR_EQ(cfg->routes[0].host, "example.com");
    CHECK_INT_EQ(cfg->routes[0].path_kind, NODE_PATH_EXACT);
    CHECK_UINT_EQ(cfg->routes[0].upstream_index, 0);
    CHECK_UINT_EQ(cfg->limits.max_header_bytes, 2048);
    CHECK_UINT_EQ(cfg->limits.max_body_bytes, 5);
    CHECK_UINT_EQ(cfg->limits.max_uri_bytes, 100);
    CHECK_UINT_EQ(cfg->limits.max_headers, 9);
    CHECK_UINT_EQ(cfg->timeouts.header_read_ms, 1);
    CHECK_UINT_EQ(cfg->timeouts.body_read_ms, 2);
    CHECK_UINT_EQ(cfg->timeouts.idle_ms, 3);
    CHECK_UINT_EQ(cfg->timeouts.upstream_connect_ms, 4);
    CHECK_UINT_EQ(cfg->timeouts.upstream_read_ms, 5);
    CHECK_UINT_EQ(cfg->timeouts.shutdown_drain_ms, 6);
    CHECK_INT_EQ(cfg->access_log.format, NODE_LOG_KV);
    CHECK_STR_EQ(cfg->access_log.path, "/tmp/x.log");
    node_config_free(cfg);
}

TEST(test_unknown_upstream_names_line_and_column)
{
    CHECK_STR_EQ(cfg_parse_err(MINIMAL "routes:\n"
                                       "  - path: /a\n"
                                       "    upstream: app\n"
                                       "  - path: /b\n"
                                       "    upstream: app\n"
                                       "  - path: /c\n"
                                       "    upstream: api\n"),
                 "t.yaml:10:15: routes[2].upstream: unknown upstream 'api'");
}

TEST(test_unknown_key_is_an_error)
{
    CHECK_STR_EQ(cfg_parse_err(MINIMAL "timeout:\n  idle_ms: 5\n"),
                 "t.yaml:4:1: timeout: unknown key (did you mean 'timeouts'?)");
    CHECK_STR_EQ(cfg_parse_err(MINIMAL "colour: red\n"), "t.yaml:4:1: colour: unknown key");
    CHECK_STR_EQ(cfg_parse_err(MINIMAL "limits:\n  max_header_byte: 5\n"),
                 "t.yaml:5:3: limits.max_header_byte: unknown key (did you mean "
                 "'max_header_bytes'?)");
    CHECK_STR_EQ(cfg_parse_err("upstreams:\n  app:\n    server: [127.0.0.1:1]\n"),
                 "t.yaml:3:5: upstreams.app.server: unknown key (did you mean 'servers'?)");
}

TEST(test_duplicate_key_is_an_error)
{
    CHECK_STR_EQ(cfg_parse_err(MINIMAL "workers: 1\nworkers: 2\n"),
                 "t.yaml:5:1: workers: duplicate key");
    CHECK_STR_EQ(cfg_parse_err("upstreams:\n  a: {servers: [127.0.0.1:1]}\n  a: {servers: "
                               "[127.0.0.1:2]}\n"),
                 "t.yaml:3:3: upstreams.a: duplicate upstream");
}

TEST(test_bad_values_are_explained)
{
    CHECK_STR_EQ(cfg_parse_err("workers: many\n"),
                 "t.yaml:1:10: workers: expected a whole number, found 'many'");
    CHECK_STR_EQ(cfg_parse_err("workers: 0\n"), "t.yaml:1:10: workers: 0 is out of range 1..256");
    CHECK_STR_EQ(
        cfg_parse_err("limits: {max_body_bytes: 99999999999999999999999}\n"),
        "t.yaml:1:26: limits.max_body_bytes: number '99999999999999999999999' is too large");
    CHECK_STR_EQ(cfg_parse_err("limits: {max_headers: -1}\n"),
                 "t.yaml:1:23: limits.max_headers: expected a whole number, found '-1'");
    CHECK_STR_EQ(cfg_parse_err("admin: {enabled: yes}\n"),
                 "t.yaml:1:18: admin.enabled: expected true or false, found 'yes'");
    CHECK_STR_EQ(cfg_parse_err("access_log: {format: xml}\n"),
                 "t.yaml:1:22: access_log.format: expected json or kv, found 'xml'");
    CHECK_STR_EQ(cfg_parse_err("limits: 5\n"),
                 "t.yaml:1:9: limits: expected a mapping, found a scalar");
    CHECK_STR_EQ(cfg_parse_err("listen: []\n"),
                 "t.yaml:1:9: listen: at least one listener is needed");
    CHECK_STR_EQ(cfg_parse_err("- a\n"),
                 "t.yaml:1:1: (top level): expected a mapping, found a list");
}

TEST(test_bad_addresses_are_explained)
{
    CHECK_STR_EQ(cfg_parse_err("listen: localhost:80\n"),
                 "t.yaml:1:9: listen: 'localhost:80': not a numeric IPv4 address (IPv6 is written "
                 "[::1]:port)");
    CHECK_STR_EQ(cfg_parse_err("listen: [127.0.0.1]\n"),
                 "t.yaml:1:10: listen[0]: '127.0.0.1' is not address:port");
    CHECK_STR_EQ(cfg_parse_err("listen: 127.0.0.1:70000\n"),
                 "t.yaml:1:9: listen: '127.0.0.1:70000': the port is not a number 1..65535");
    CHECK_STR_EQ(cfg_parse_err("listen: 127.0.0.1:0\n"),
                 "t.yaml:1:9: listen: '127.0.0.1:0': the port is not a number 1..65535");
    CHECK_STR_EQ(cfg_parse_err("listen: '[::1:80'\n"),
                 "t.yaml:1:9: listen: '[::1:80' is not [ipv6-address]:port");
}

TEST(test_route_errors)
{
    CHECK_STR_EQ(cfg_parse_err(MINIMAL "routes:\n  - {path: /a/*/b, upstream: app}\n"),
                 "t.yaml:5:12: routes[0].path: path '/a/*/b': '*' is allowed only as the last "
                 "segment (\"/api/*\")");
    CHECK_STR_EQ(cfg_parse_err(MINIMAL "routes:\n  - {path: api, upstream: app}\n"),
                 "t.yaml:5:12: routes[0].path: path 'api' must start with '/'");
    CHECK_STR_EQ(cfg_parse_err(MINIMAL "routes:\n  - {path: /a}\n"),
                 "t.yaml:5:5: routes[0]: missing key 'upstream'");
    CHECK_STR_EQ(cfg_parse_err(MINIMAL "routes:\n  - {upstream: app}\n"),
                 "t.yaml:5:5: routes[0]: missing key 'path'");
    CHECK_STR_EQ(cfg_parse_err(MINIMAL "routes:\n  - {host: 'a.com:80', path: /, upstream: app}\n"),
                 "t.yaml:5:12: routes[0].host: host 'a.com:80' may hold only letters, digits, '-' "
                 "and '.' (no port), or start with \"*.\"");
    CHECK_STR_EQ(cfg_parse_err(MINIMAL "routes:\n  - {host: 'a.*.com', path: /, upstream: app}\n"),
                 "t.yaml:5:12: routes[0].host: host 'a.*.com' may hold only letters, digits, '-' "
                 "and '.' (no port), or start with \"*.\"");
    CHECK_STR_EQ(cfg_parse_err(MINIMAL "routes:\n  - {path: /, upstream: app}\n"
                                       "  - {host: '*', path: /, upstream: app}\n"),
                 "t.yaml:6:5: routes[1]: same host and path as routes[0]");
    CHECK_STR_EQ(cfg_parse_err(MINIMAL "routes:\n  - {name: x, path: /, upstream: app}\n"
                                       "  - {name: x, path: /b, upstream: app}\n"),
                 "t.yaml:6:5: routes[1]: same name 'x' as routes[0]");
}

TEST(test_admin_must_be_loopback_unless_allowed)
{
    CHECK_STR_EQ(cfg_parse_err("admin:\n  listen: 0.0.0.0:9090\n"),
                 "t.yaml:2:11: admin.listen: 0.0.0.0 is not a loopback address (the admin API has "
                 "no authentication; set allow_non_loopback: true to expose it)");
    node_config *cfg = parse_ok("admin:\n  listen: 0.0.0.0:9090\n  allow_non_loopback: true\n");
    CHECK_STR_EQ(cfg->admin.listen.host, "0.0.0.0");
    node_config_free(cfg);
    CHECK_STR_EQ(cfg_parse_err("listen: 127.0.0.1:9090\n"),
                 "t.yaml:1:9: listen[0]: the admin API's default address; move one of them "
                 "(admin.listen)");
    CHECK_STR_EQ(cfg_parse_err("listen: [127.0.0.1:1]\nadmin: {listen: 127.0.0.1:1}\n"),
                 "t.yaml:2:17: admin.listen: same address as listen[0]");
}

TEST(test_yaml_syntax_error_has_position)
{
    CHECK_STR_EQ(cfg_parse_err("workers: 1\n  bad: [\n"),
                 "t.yaml:2:6: yaml: mapping values are not allowed in this context");
    CHECK_STR_EQ(cfg_parse_err("workers: 1\n---\nworkers: 2\n"),
                 "t.yaml:3:1: a second YAML document; the config is one");
}

TEST(test_load_missing_file_names_it)
{
    char err[NODE_ERR_BYTES];
    CHECK(node_config_load("/nonexistent/aegis.yaml", err) == NULL);
    CHECK_STR_EQ(err, "/nonexistent/aegis.yaml: cannot read: No such file or directory");
}

TEST(test_load_reads_file_and_names_it_in_errors)
{
    char path[] = "/tmp/aegis-cfg-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *text = "workers: 2\nroutes: 5\n";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    char err[NODE_ERR_BYTES], want[NODE_ERR_BYTES];
    CHECK(node_config_load(path, err) == NULL);
    snprintf(want, sizeof want, "%s:2:9: routes: expected a list, found a scalar", path);
    unlink(path);
    CHECK_STR_EQ(err, want);
}

TEST(test_formatted_config_parses_back_to_the_same)
{
    node_config *a = parse_ok("listen: ['[::1]:81']\nworkers: 2\n" MINIMAL
                              "routes:\n  - {host: a.com, path: /x/*, upstream: app}\n"
                              "access_log: {path: '/tmp/we\"ird'}\n");
    char *text = node_config_format(a);
    CHECK(text != NULL);
    node_config *b = parse_ok(text);
    char *again = node_config_format(b);
    CHECK_STR_EQ(again, text);
    CHECK_STR_HAS(text, "  - name: \"a.com/x/*\"\n    host: \"a.com\"\n    path: \"/x/*\"\n");
    CHECK_STR_HAS(text, "    pool_size: 64\n");
    CHECK_STR_EQ(b->access_log.path, "/tmp/we\"ird");
    free(text);
    free(again);
    node_config_free(a);
    node_config_free(b);
}

TEST(test_mutated_configs_never_crash_and_always_explain)
{
    /* Deterministic mutations of the default config (byte flips, cuts, inserted YAML syntax):
     * each must parse or fail with a "t.yaml:line:col: " message, never crash or leak. */
    static const char inserts[] = ":-[]{}*&!|>'\"#%@`,?\n\t ";
    size_t base_len = strlen(node_default_config_yaml);
    char *buf = malloc(base_len + 16);
    CHECK(buf != NULL);
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 3000; i++) {
        memcpy(buf, node_default_config_yaml, base_len + 1);
        size_t len = base_len;
        for (int m = 0; m < 1 + i % 4; m++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            size_t at = (size_t)(seed % len);
            switch ((seed >> 32) % 3) {
            case 0:
                buf[at] = inserts[(seed >> 40) % (sizeof inserts - 1)];
                break;
            case 1:
                len = at; /* cut */
                break;
            default:
                buf[at] = (char)(seed >> 48); /* any byte, NUL included */
            }
            if (len == 0)
                len = 1;
        }
        char err[NODE_ERR_BYTES];
        node_config *cfg = node_config_parse(buf, len, "t.yaml", err);
        unsigned line = 0, col = 0;
        int used = 0;
        if (cfg == NULL)
            CHECK_MSG(sscanf(err, "t.yaml:%u:%u: %n", &line, &col, &used) == 2 && line >= 1 &&
                          col >= 1 && used > 0 && err[used] != '\0',
                      "iteration %d: '%s'", i, err);
        node_config_free(cfg);
    }
    free(buf);
}
