/*
 * The config key `route_source`: its defaults, every key read back (also through the effective
 * config of /config), and the exact file:line:col messages for mistakes. Also the one matching
 * rule the node shares with its route sources (route_path_rank through node_route_match).
 */
#include "config_util.h"
#include "deploy/deploy.h"
#include "node/node.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#define KEY "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"
#define KEY2 "Fw6L5AfxYM6oKWJYxVEctgeD4L4RovwmP6bWfXuZoWHa"
#define HEAD "upstreams: {app: {servers: [127.0.0.1:9001]}}\nstate_dir: /var/tmp/aegis-test\n"

TEST(test_route_source_absent_is_none_and_solana_takes_documented_defaults)
{
    node_config *cfg = cfg_parse_ok(HEAD, "t.yaml");
    CHECK_INT_EQ(cfg->route_source.type, NODE_SOURCE_NONE);
    node_config_free(cfg);
    cfg = cfg_parse_ok(HEAD "route_source: {type: solana, rpc_url: 'http://127.0.0.1:8899'}\n",
                       "/etc/aegis/node.yaml");
    const node_route_source *rs = &cfg->route_source;
    CHECK_INT_EQ(rs->type, NODE_SOURCE_SOLANA);
    CHECK_STR_EQ(rs->rpc_url, "http://127.0.0.1:8899");
    CHECK_STR_EQ(rs->program_id, "");
    CHECK_UINT_EQ(rs->poll_interval_ms, 2000);
    CHECK_STR_EQ(rs->state_file, "/var/tmp/aegis-test/routes.json");
    CHECK_UINT_EQ(rs->trust_count, 0);
    CHECK(!rs->serve_unlisted_domains);
    CHECK_STR_EQ(rs->upstream, "");
    node_config_free(cfg);
}

TEST(test_route_source_keys_are_read_resolved_and_formatted_back)
{
    node_config *cfg = cfg_parse_ok(HEAD "route_source:\n"
                                         "  type: solana\n"
                                         "  rpc_url: https://rpc.example.com/x\n"
                                         "  program_id: " KEY2 "\n"
                                         "  poll_interval_ms: 500\n"
                                         "  state_file: state/routes.json\n"
                                         "  trust:\n"
                                         "    example.com: [" KEY ", " KEY2 "]\n"
                                         "    \"*.example.com\": [" KEY "]\n"
                                         "  serve_unlisted_domains: true\n"
                                         "  upstream: app\n",
                                    "/etc/aegis/node.yaml");
    const node_route_source *rs = &cfg->route_source;
    CHECK_STR_EQ(rs->program_id, KEY2);
    CHECK_UINT_EQ(rs->poll_interval_ms, 500);
    CHECK_STR_EQ(rs->state_file, "/etc/aegis/state/routes.json");
    CHECK_UINT_EQ(rs->trust_count, 2);
    CHECK_STR_EQ(rs->trust[0].domain, "example.com");
    CHECK_UINT_EQ(rs->trust[0].authority_count, 2);
    CHECK_STR_EQ(rs->trust[0].authorities[1], KEY2);
    CHECK_STR_EQ(rs->trust[1].domain, "*.example.com");
    CHECK(rs->serve_unlisted_domains);
    CHECK_STR_EQ(rs->upstream, "app");
    CHECK_UINT_EQ(rs->upstream_index, 0);
    /* The effective config parses back into the same section. */
    char *text = node_config_format(cfg);
    CHECK(text != NULL);
    node_config *again = cfg_parse_ok(text, "/etc/aegis/node.yaml");
    CHECK(memcmp(&again->route_source, rs, sizeof *rs) == 0);
    free(text);
    node_config_free(again);
    node_config_free(cfg);

    cfg = cfg_parse_ok(HEAD "route_source: {type: file, path: routes.yaml}\n",
                       "/etc/aegis/node.yaml");
    CHECK_INT_EQ(cfg->route_source.type, NODE_SOURCE_FILE);
    CHECK_STR_EQ(cfg->route_source.path, "/etc/aegis/routes.yaml");
    node_config_free(cfg);
}

TEST(test_route_source_mistakes_are_explained_with_line_and_column)
{
    static const struct {
        const char *yaml, *err;
    } cases[] = {
        {"{rpc_url: 'http://a'}", "3:15: route_source: missing key 'type' (file or solana)"},
        {"{type: ipfs}", "3:22: route_source.type: expected file or solana, found 'ipfs'"},
        {"{type: solana}", "3:15: route_source: missing key 'rpc_url'"},
        {"{type: file}", "3:15: route_source: missing key 'path' (the routes file)"},
        {"{type: file, path: r.yaml, rpc_url: 'http://a'}",
         "3:51: route_source.rpc_url: only for type solana (this source is type file)"},
        {"{type: solana, rpc_url: 'ftp://a'}",
         "3:39: route_source.rpc_url: 'ftp://a' is not an http:// or https:// URL"},
        {"{type: solana, rpc_url: 'http://a', poll_interval: 5}",
         "3:51: route_source.poll_interval: unknown key"},
        {"{type: solana, rpc_url: 'http://a', poll_interval_ms: 5}",
         "3:69: route_source.poll_interval_ms: 5 is out of range 100..3600000"},
        {"{type: solana, rpc_url: 'http://a', program_id: x0}",
         "3:63: route_source.program_id: public key \"x0\": base58btc: invalid character '0' at "
         "offset 1"},
        {"{type: solana, rpc_url: 'http://a', trust: {Example.com: [" KEY "]}}",
         "3:73: route_source.trust.Example.com[0]: trust: domain \"Example.com\" is not a valid "
         "route domain"},
        {"{type: solana, rpc_url: 'http://a', trust: {a.com: [nope]}}",
         "3:67: route_source.trust.a.com[0]: trust: a.com: authority \"nope\": public key "
         "\"nope\": decodes to 3 bytes, not 32"},
        {"{type: solana, rpc_url: 'http://a', trust: {a.com: []}}",
         "3:66: route_source.trust.a.com: no authority listed (remove the domain to stop trusting "
         "anyone)"},
        {"{type: solana, rpc_url: 'http://a', trust: {a.com: [" KEY "], a.com: [" KEY "]}}",
         "3:114: route_source.trust.a.com: duplicate domain"},
        {"{type: solana, rpc_url: 'http://a', upstream: api}",
         "3:61: route_source.upstream: unknown upstream 'api'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512], want[512];
        snprintf(text, sizeof text, HEAD "route_source: %s\n", cases[i].yaml);
        snprintf(want, sizeof want, "t.yaml:%s", cases[i].err);
        CHECK_STR_EQ(cfg_parse_err(text), want);
    }
}

TEST(test_static_routes_rank_paths_like_the_route_sources)
{
    node_config *cfg = cfg_parse_ok(HEAD "routes:\n"
                                         "  - {path: /*, upstream: app}\n"
                                         "  - {path: /api/*, upstream: app}\n"
                                         "  - {path: /api/v1/*, upstream: app}\n"
                                         "  - {path: /api/login, upstream: app}\n",
                                    "t.yaml");
    static const struct {
        const char *path;
        int route;
    } cases[] = {{"/", 0},           {"/apix", 0},      {"/api", 1},
                 {"/api/", 1},       {"/api/x", 1},     {"/api/v1", 2},
                 {"/api/v1/x/y", 2}, {"/api/login", 3}, {"/api/login/x", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *p = cases[i].path;
        int got = node_route_match(cfg, "h", 1, p, strlen(p));
        CHECK_MSG(got == cases[i].route, "%s: route %d, expected %d", p, got, cases[i].route);
        /* The same rank decides among source routes. */
        size_t want_rank = route_path_rank(cfg->routes[got].path, p, strlen(p));
        for (size_t r = 0; r < cfg->route_count; r++)
            CHECK(route_path_rank(cfg->routes[r].path, p, strlen(p)) <= want_rank);
    }
    node_config_free(cfg);
}
