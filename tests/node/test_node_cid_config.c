/*
 * Modules by CID, in-process: the config keys (`cid`, `state_dir`, `ipfs`) with their defaults
 * and exact line:col errors, the stable module id of a CID, and the internal API the node's
 * other code uses (node_cid_ensure): one fetch for concurrent needs of one CID in any spelling,
 * outcomes on the loop and never inside the call, a kind conflict refused at once, a failure
 * reported with the gateway's reason, and a second ensure of a held module that fetches nothing.
 */
#include "config_util.h"
#include "node/module_cid.h"
#include "test.h"
#include "test_node_cid_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD "upstreams: {app: {servers: ['127.0.0.1:1']}}\n"
#define CIDV1 "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"

TEST(test_cid_config_keys_defaults_ids_and_effective_config)
{
    node_config *cfg = cfg_parse_ok(
        HEAD "routes:\n"
             "  - {name: a, path: /a, upstream: app,\n"
             "     waf: {cid: " CIDV1 "},\n"
             "     functions: [{cid: QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG},\n"
             "                 {module: f.wasm}]}\n"
             "  - {name: b, path: /b, upstream: app,\n"
             "     functions: [{cid: QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG}]}\n"
             "state_dir: st\n"
             "ipfs:\n"
             "  gateways: ['http://127.0.0.1:1/', 'https://gw.example/x/']\n"
             "  gateway_listen: 127.0.0.1:4001\n",
        "/etc/aegis/node.yaml");
    CHECK_INT_EQ(cfg->module_count, 3); /* the CIDv0 is shared by both routes */
    CHECK_STR_EQ(cfg->modules[0].id, CIDV1);
    CHECK_STR_EQ(cfg->modules[0].cid, CIDV1);
    CHECK_STR_EQ(cfg->modules[0].path, "");
    CHECK(cfg->modules[0].waf);
    CHECK_STR_EQ(cfg->modules[1].id, "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG");
    CHECK(!cfg->modules[1].waf);
    CHECK_STR_EQ(cfg->modules[2].cid, "");
    CHECK_INT_EQ(cfg->routes[1].functions[0].module, 1);
    CHECK_STR_EQ(cfg->state_dir, "/etc/aegis/st");
    CHECK_INT_EQ(cfg->ipfs.gateway_count, 2);
    CHECK_STR_EQ(cfg->ipfs.gateways[0], "http://127.0.0.1:1");
    CHECK_STR_EQ(cfg->ipfs.gateways[1], "https://gw.example/x");
    CHECK_UINT_EQ(cfg->ipfs.connect_timeout_ms, 2000);
    CHECK_UINT_EQ(cfg->ipfs.total_timeout_ms, 30000);
    CHECK_UINT_EQ(cfg->ipfs.stall_timeout_ms, 5000);
    CHECK_UINT_EQ(cfg->ipfs.max_waf_module_bytes, 10000000);
    CHECK_UINT_EQ(cfg->ipfs.max_function_module_bytes, 50000000);
    CHECK_UINT_EQ(cfg->ipfs.cache_max_bytes, 1024000000);
    CHECK(cfg->ipfs.gateway_listen_enabled && cfg->ipfs.gateway_listen.port == 4001);
    char *text = node_config_format(cfg);
    CHECK(text != NULL);
    CHECK_STR_HAS(text, "    waf:\n      cid: \"" CIDV1 "\"\n");
    CHECK_STR_HAS(text, "      - cid: \"QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG\"\n");
    CHECK_STR_HAS(text, "state_dir: \"/etc/aegis/st\"\n");
    CHECK_STR_HAS(text, "  gateway_listen: 127.0.0.1:4001\n");
    /* The effective config parses back to the same text. */
    cfg_check_round_trip(text, "/etc/aegis/node.yaml");
    free(text);
    node_config_free(cfg);

    /* Spellings of one CID give one id: base58 "z..." of a CIDv1 is printed in base32. */
    char id[NODE_MAX_NAME_BYTES], err[NODE_ERR_BYTES];
    dep_cid c;
    CHECK(dep_cid_parse(CIDV1, strlen(CIDV1), &c, NULL) == DEP_OK);
    char z[DEP_CID_TEXT_MAX];
    dep_cid_string_base58(&c, z);
    CHECK(node_cid_module_id(z, id, err));
    CHECK_STR_EQ(id, CIDV1);
}

TEST(test_cid_config_errors_name_file_line_and_column)
{
    CHECK_STR_HAS(
        cfg_parse_err(HEAD "routes:\n  - {path: /, upstream: app, functions: [{cid: Qmnope}]}\n"),
        "t.yaml:3:48: routes[0].functions[0].cid: not a CID the node accepts: ");
    CHECK_STR_HAS(
        cfg_parse_err(HEAD "routes:\n  - {path: /, upstream: app, waf: {cid: bafkqaaa}}\n"),
        "t.yaml:3:41: routes[0].waf.cid: an identity CID");
    CHECK_STR_EQ(cfg_parse_err(HEAD "routes:\n  - {path: /, upstream: app,\n"
                                    "     functions: [{module: f.wasm, cid: " CIDV1 "}]}\n"),
                 "t.yaml:4:40: routes[0].functions[0].cid: give either 'module' (a file) or "
                 "'cid', not both");
    CHECK_STR_HAS(cfg_parse_err(HEAD
                                "routes:\n  - {path: /a, upstream: app, waf: {cid: " CIDV1 "}}\n"
                                "  - {path: /b, upstream: app, functions: [{cid: " CIDV1 "}]}\n"),
                  "t.yaml:4:49: routes[1].functions[0].cid: CID " CIDV1 " is used as a WAF at 3:");
    CHECK_STR_EQ(cfg_parse_err(HEAD "ipfs: {gateways: ['ftp://x']}\n"),
                 "t.yaml:2:19: ipfs.gateways[0]: a gateway URL starts with http:// or https://");
    CHECK_STR_HAS(cfg_parse_err(HEAD "ipfs: {gateways: ['http://x/?a=1']}\n"),
                  "t.yaml:2:19: ipfs.gateways[0]: a gateway URL is printable ASCII");
    CHECK_STR_EQ(cfg_parse_err(HEAD "ipfs: {gateways: ['http:///ipfs']}\n"),
                 "t.yaml:2:19: ipfs.gateways[0]: a gateway URL needs a host (and no user info)");
    CHECK_STR_EQ(cfg_parse_err(HEAD "ipfs: {gateways: [http://a, http://a, http://a, http://a, "
                                    "http://a, http://a, http://a, http://a, http://a]}\n"),
                 "t.yaml:2:99: ipfs.gateways[8]: more than 8 gateways");
    CHECK_STR_EQ(cfg_parse_err(HEAD "ipfs: {total_timeout_ms: 0}\n"),
                 "t.yaml:2:26: ipfs.total_timeout_ms: 0 is out of range 1..600000");
    CHECK_STR_EQ(cfg_parse_err(HEAD "ipfs: {max_waf_module_mb: 5000}\n"),
                 "t.yaml:2:27: ipfs.max_waf_module_mb: 5000 is out of range 1..4096");
    CHECK_STR_HAS(cfg_parse_err(HEAD "ipfs: {gateway_listen: 'nope'}\n"),
                  "t.yaml:2:24: ipfs.gateway_listen: ");
    CHECK_STR_EQ(cfg_parse_err(HEAD "ipfs: {gateway: []}\n"),
                 "t.yaml:2:8: ipfs.gateway: unknown key (did you mean 'gateways'?)");
    CHECK_STR_EQ(cfg_parse_err(HEAD "state_dir: ''\n"),
                 "t.yaml:2:12: state_dir: empty directory name");
}

/* ---- the internal API -------------------------------------------------------------------- */

typedef struct {
    int calls;
    bool ok;
    char id[NODE_MAX_NAME_BYTES];
    char error[NODE_ERR_BYTES];
    bool *returned; /* set once node_cid_ensure returned: done must come after */
} outcome;

static void on_done(void *ctx, const char *id, bool ok, const char *error)
{
    outcome *o = ctx;
    CHECK(*o->returned);
    o->calls++;
    o->ok = ok;
    snprintf(o->id, sizeof o->id, "%s", id);
    snprintf(o->error, sizeof o->error, "%s", error);
}

TEST(test_cid_ensure_shares_one_fetch_reports_on_the_loop_and_refuses_kind_conflicts)
{
    cu_module m;
    cu_module_make(&m, "guest/examples/versioned.wasm", 600000, 1);
    gw_server *gw = gw_start();
    cu_serve(gw, &m);
    char state[64], text[1024], err[NODE_ERR_BYTES];
    cu_state_dir(state, sizeof state);
    snprintf(text, sizeof text,
             HEAD "state_dir: %s\nipfs: {gateways: [%s], stall_timeout_ms: 1000}\n", state,
             gw_url(gw));
    node_config *cfg = cfg_parse_ok(text, "t.yaml");
    uv_loop_t loop;
    CHECK_INT_EQ(uv_loop_init(&loop), 0);
    node_edge *e = node_edge_new(cfg, &loop, err);
    CHECK_MSG(e != NULL, "%s", err);

    bool returned = false;
    outcome a = {.returned = &returned}, b = {.returned = &returned}, c = {.returned = &returned};
    char z[DEP_CID_TEXT_MAX];
    dep_cid_string_base58(&m.cid, z);
    CHECK_INT_EQ(node_cid_ensure(e, m.text, EDGE_MODULE_FUNCTION, on_done, &a, err), 0);
    CHECK_INT_EQ(node_cid_ensure(e, z, EDGE_MODULE_FUNCTION, on_done, &b, err), 0);
    CHECK_INT_EQ(node_cid_ensure(e, m.text, EDGE_MODULE_WAF, on_done, &c, err), -1);
    CHECK_STR_HAS(err, "is being loaded as a function; it cannot also be a WAF");
    CHECK_INT_EQ(node_cid_ensure(e, "Qmnope", EDGE_MODULE_WAF, on_done, &c, err), -1);
    CHECK_STR_HAS(err, "not a CID the node accepts");
    CHECK_INT_EQ(node_cid_pending(e), 1);
    returned = true;
    while (a.calls == 0 || b.calls == 0)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(a.ok && b.ok);
    CHECK_STR_EQ(a.id, m.text);
    CHECK_STR_EQ(b.id, m.text);
    char t[300];
    snprintf(t, sizeof t, "/ipfs/%s?format=car", m.text);
    CHECK_INT_EQ(gw_hits(gw, t), 1);
    char hash[65];
    CHECK(edge_modules_hash(node_edge_modules(e), m.text, hash));
    CHECK_INT_EQ(node_cid_pending(e), 0);

    /* Held: reported on the loop again, nothing fetched. */
    outcome d = {.returned = &returned};
    returned = false;
    CHECK_INT_EQ(node_cid_ensure(e, m.text, EDGE_MODULE_FUNCTION, on_done, &d, err), 0);
    CHECK_INT_EQ(d.calls, 0);
    returned = true;
    while (d.calls == 0)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(d.ok);
    CHECK_INT_EQ(gw_hits(gw, t), 1);
    CHECK_INT_EQ(node_cid_ensure(e, m.text, EDGE_MODULE_WAF, on_done, &c, err), -1);
    CHECK_STR_HAS(err, "is loaded as a function; it cannot also be a WAF");

    /* A CID no gateway has: a failure with the gateway's reason; nothing is remembered. */
    outcome f = {.returned = &returned};
    returned = false;
    CHECK_INT_EQ(node_cid_ensure(e, CIDV1, EDGE_MODULE_WAF, on_done, &f, err), 0);
    returned = true;
    while (f.calls == 0)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(!f.ok);
    CHECK_STR_HAS(f.error, "fetch " CIDV1 ": every gateway failed: ");
    CHECK_STR_HAS(f.error, gw_url(gw));
    CHECK_INT_EQ(c.calls, 0);

    char *metrics = node_cid_render_prometheus(node_edge_cid_loader(e));
    CHECK_STR_HAS(metrics, "aegis_node_cid_fetches_total 1\n");
    CHECK_STR_HAS(metrics, "aegis_node_cid_failures_total 1\n");
    CHECK_STR_HAS(metrics, "aegis_node_cid_modules 1\n");
    free(metrics);

    node_edge_unwatch(e);
    uv_run(&loop, UV_RUN_DEFAULT);
    node_edge_free(e);
    CHECK_INT_EQ(uv_loop_close(&loop), 0);
    node_config_free(cfg);
    gw_stop(gw);
    cu_rm_rf(state);
    cu_module_free(&m);
}
