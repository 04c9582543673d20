/*
 * Modules named by CIDs in the real aegis-node, end to end over loopback sockets: the node
 * fetches real compiled modules by CIDv0 and CIDv1 (a single block, and a DAG of several 256 KiB
 * chunks) from a gateway, verifies and caches them, and serves the functions; a dead or lying
 * gateway listed first changes nothing; a lying gateway alone makes the node refuse to start
 * with a precise error (and no crash); a warm restart with every gateway down serves from the
 * disk cache; a route's CID changed by SIGHUP switches versions under load with zero failed
 * requests (wrk and a counting client); and the node's own gateway serves CARs and raw blocks
 * that verify, strictly refuses everything else, and feeds a second node.
 */
#include "edge_util.h"
#include "test.h"
#include "test_node_cid_util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { PAD_BYTES = 600000, SWITCH_WAIT_MS = 15000 };

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The top-level keys for a state dir and gateways (a YAML flow list, e.g. "[http://a, ...]"). */
static void ipfs_extra(char *out, size_t cap, const char *state, const char *gateways,
                       const char *more)
{
    snprintf(out, cap,
             "state_dir: %s\nipfs:\n  gateways: %s\n  connect_timeout_ms: 1000\n"
             "  total_timeout_ms: 5000\n  stall_timeout_ms: 1000\n%s",
             state, gateways, more ? more : "");
}

/* A route for any host, path /headers, running the function cid. */
static void any_route(char *out, size_t cap, const char *cid)
{
    snprintf(out, cap,
             "  - name: headers\n    path: /headers\n    upstream: a\n    functions: [{cid: %s}]\n",
             cid);
}

static bool wait_version(uint16_t port, const char *path, const char *want)
{
    long long end = now_ms() + SWITCH_WAIT_MS;
    char v[16];
    do {
        if (eu_get_version(port, path, v, sizeof v) == 200 && strcmp(v, want) == 0)
            return true;
        usleep(20 * 1000);
    } while (now_ms() < end);
    return false;
}

/* A node with a fresh state dir (into state) whose one route (any host, /headers) runs v1 from
 * gw; routes and extra keep its config for a rewrite. Returns once it serves version 1. */
static void start_any_route(node_env *e, gw_server *gw, const cu_module *v1, char state[64],
                            char routes[1024], char extra[1024])
{
    char gws[128];
    cu_state_dir(state, 64);
    snprintf(gws, sizeof gws, "[%s]", gw_url(gw));
    ipfs_extra(extra, 1024, state, gws, NULL);
    any_route(routes, 1024, v1->text);
    env_start(e, routes, extra);
    CHECK(wait_version(e->port, "/headers", "1"));
}

static bool file_exists(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/modules/%s", dir, name);
    struct stat sb;
    return stat(p, &sb) == 0;
}

TEST(test_cid_node_fetches_v0_v1_single_and_multi_block_then_warm_restarts_from_cache)
{
    cu_module m[4];
    cu_module_make(&m[0], "guest/examples/versioned.wasm", 0, 0);    /* one dag-pb block */
    cu_module_make(&m[1], "guest/examples/versioned_v2.wasm", 0, 1); /* one raw block */
    cu_module_make(&m[2], "guest/examples/versioned.wasm", PAD_BYTES, 1);
    cu_module_make(&m[3], "guest/examples/versioned_v2.wasm", PAD_BYTES, 0);
    CHECK_INT_EQ(m[0].block_count, 1);
    CHECK_INT_EQ(m[1].block_count, 1);
    CHECK(strncmp(m[0].text, "Qm", 2) == 0 && strncmp(m[1].text, "bafkrei", 7) == 0);
    CHECK(m[2].len > 2 * 262144 && m[2].block_count == 4); /* 3 leaves under a dag-pb root */
    CHECK(strncmp(m[2].text, "bafybei", 7) == 0 && strncmp(m[3].text, "Qm", 2) == 0);
    gw_server *gw = gw_start();
    for (int i = 0; i < 4; i++)
        cu_serve(gw, &m[i]);
    char state[64], routes[4096] = "", extra[1024], gws[128];
    cu_state_dir(state, sizeof state);
    const char *names[4] = {"v0", "v1raw", "v1big", "v0big"};
    for (int i = 0; i < 4; i++)
        cu_fn_route(routes + strlen(routes), sizeof routes - strlen(routes), names[i], m[i].text);
    snprintf(gws, sizeof gws, "[%s]", gw_url(gw));
    ipfs_extra(extra, sizeof extra, state, gws, NULL);
    node_env e;
    env_start(&e, routes, extra);
    const char *want[4] = {"1", "2", "1", "2"};
    for (int i = 0; i < 4; i++) {
        char v[16];
        CHECK_INT_EQ(cu_get_version(e.port, names[i], v, sizeof v), 200);
        CHECK_STR_EQ(v, want[i]);
        char t[300];
        snprintf(t, sizeof t, "/ipfs/%s?format=car", m[i].text);
        CHECK_INT_EQ(gw_hits(gw, t), 1);
        CHECK(file_exists(state, m[i].text));
    }
    CHECK_STR_EQ(gw_last_accept(gw), "application/vnd.ipld.car");
    CHECK_INT_EQ(env_metric(&e, "aegis_node_cid_fetches_total"), 4);
    CHECK_INT_EQ(env_metric(&e, "aegis_node_cid_cache_hits_total"), 0);
    CHECK_INT_EQ(env_metric(&e, "aegis_node_cid_failures_total"), 0);
    e2e_response r;
    CHECK_INT_EQ(eu_admin(&e, "GET", "/modules", &r), 200);
    for (int i = 0; i < 4; i++) {
        char want_cid[128];
        snprintf(want_cid, sizeof want_cid, "\"cid\":\"%s\"", m[i].text);
        CHECK_STR_HAS(r.body, want_cid);
    }
    CHECK_STR_HAS(r.body, gw_url(gw));
    e2e_response_free(&r);
    CHECK_INT_EQ(env_stop(&e), 0);

    /* Warm restart, every gateway gone: the disk cache (verified again) serves. */
    gw_stop(gw);
    env_start(&e, routes, extra);
    for (int i = 0; i < 4; i++) {
        char v[16];
        CHECK_INT_EQ(cu_get_version(e.port, names[i], v, sizeof v), 200);
        CHECK_STR_EQ(v, want[i]);
    }
    CHECK_INT_EQ(env_metric(&e, "aegis_node_cid_fetches_total"), 0);
    CHECK_INT_EQ(env_metric(&e, "aegis_node_cid_cache_hits_total"), 4);
    CHECK_INT_EQ(env_stop(&e), 0);
    cu_rm_rf(state);
    for (int i = 0; i < 4; i++)
        cu_module_free(&m[i]);
}

TEST(test_cid_dead_or_lying_gateway_first_and_good_second_still_serves)
{
    cu_module good, other;
    cu_module_make(&good, "guest/examples/versioned.wasm", PAD_BYTES, 1);
    cu_module_make(&other, "guest/examples/versioned_v2.wasm", PAD_BYTES, 1);
    gw_server *gw = gw_start(), *liar = gw_start(), *gone = gw_start();
    char dead[64];
    snprintf(dead, sizeof dead, "%s", gw_url(gone));
    gw_stop(gone);
    cu_serve(gw, &good);
    /* The liar answers the CID with another module's CAR. */
    char t[300];
    snprintf(t, sizeof t, "/ipfs/%s?format=car", good.text);
    gw_route(liar, t, GW_PLAIN, 200, "application/vnd.ipld.car", other.car, other.car_len);
    char state[64], routes[1024], extra[1024], gws[256];
    cu_state_dir(state, sizeof state);
    cu_fn_route(routes, sizeof routes, "f", good.text);
    snprintf(gws, sizeof gws, "[%s, %s, %s]", dead, gw_url(liar), gw_url(gw));
    ipfs_extra(extra, sizeof extra, state, gws, NULL);
    node_env e;
    env_start(&e, routes, extra);
    char v[16];
    CHECK_INT_EQ(cu_get_version(e.port, "f", v, sizeof v), 200);
    CHECK_STR_EQ(v, "1");
    CHECK_INT_EQ(gw_hits(liar, t), 1);
    CHECK_INT_EQ(gw_hits(gw, t), 1);
    CHECK_INT_EQ(env_metric(&e, "aegis_node_cid_fetches_total"), 1);
    CHECK_INT_EQ(env_stop(&e), 0);
    gw_stop(gw);
    gw_stop(liar);
    cu_rm_rf(state);
    cu_module_free(&good);
    cu_module_free(&other);
}

/* Runs aegis-node on a config whose only gateway is gw; it must refuse to start. */
static char *refused_start(const char *routes, const char *gateways, const char *state)
{
    node_env e = {.log_format = "json"};
    e.port = e2e_free_port();
    e.admin = e2e_free_port();
    e.port_a = e2e_free_port();
    e.port_b = e2e_free_port();
    snprintf(e.log, sizeof e.log, "stderr");
    char extra[1024], text[4096], path[128];
    ipfs_extra(extra, sizeof extra, state, gateways, NULL);
    env_config_text(&e, routes, extra, text, sizeof text);
    e2e_node_config(path, sizeof path, text);
    char bin[512];
    snprintf(bin, sizeof bin, "%s", test_build_path("bin/aegis-node"));
    char *argv[] = {bin, "--config", path, NULL};
    char *out = NULL;
    int st = e2e_run(argv, 60000, &out);
    CHECK_MSG(st == 1, "exit status %d; output:\n%s", st, out);
    CHECK_MSG(strstr(out, "Sanitizer") == NULL && strstr(out, "runtime error") == NULL, "%s", out);
    unlink(path);
    return out;
}

TEST(test_cid_hostile_gateway_alone_is_refused_with_a_precise_error)
{
    cu_module good, other;
    cu_module_make(&good, "guest/examples/versioned.wasm", PAD_BYTES, 1);
    cu_module_make(&other, "guest/examples/versioned_v2.wasm", PAD_BYTES, 1);
    char state[64], routes[1024];
    cu_state_dir(state, sizeof state);
    cu_fn_route(routes, sizeof routes, "f", good.text);
    char t[300];
    snprintf(t, sizeof t, "/ipfs/%s?format=car", good.text);
    static const struct {
        gw_mode mode;
        int what; /* 0: other module's CAR, 1: truncated CAR, 2: garbage type, 3: plain bytes,
                   * 4: one flipped byte in a leaf */
        const char *expect;
    } cases[] = {
        {GW_PLAIN, 0, "does not name"},     {GW_PLAIN, 1, "truncated"},
        {GW_PLAIN, 2, "content type"},      {GW_PLAIN, 3, "content type"},
        {GW_PLAIN, 4, "hashes to"},         {GW_HUGE_LENGTH, 0, "over the cap"},
        {GW_REDIRECT_SELF, 0, "redirects"}, {GW_HANG_UP, 0, "returned nothing"},
    };
    uint8_t *flipped = malloc(good.car_len);
    CHECK(flipped != NULL);
    memcpy(flipped, good.car, good.car_len);
    flipped[good.car_len - 10] ^= 0x01;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_server *gw = gw_start();
        const uint8_t *body = cases[c].what == 0 ? other.car : good.car;
        size_t len = cases[c].what == 0 ? other.car_len : good.car_len;
        const char *ctype = "application/vnd.ipld.car";
        if (cases[c].what == 1)
            len = good.car_len - 1000;
        if (cases[c].what == 2)
            ctype = "text/html";
        if (cases[c].what == 4)
            body = flipped;
        if (cases[c].what == 3) {
            body = good.bytes; /* the file itself: not verifiable for a multi-block DAG */
            len = good.len;
            ctype = "application/octet-stream";
        }
        gw_route(gw, t, cases[c].mode, 200, ctype, body, len);
        char gws[128];
        snprintf(gws, sizeof gws, "[%s]", gw_url(gw));
        char *out = refused_start(routes, gws, state);
        if (getenv("AEGIS_TEST_VERBOSE") != NULL)
            fprintf(stderr, "case %zu:\n%s\n", c, out);
        /* Where (file:line:col of the cid key), what (the CID) and why (the gateway's failure). */
        CHECK_STR_HAS(out, "routes[0].functions[0].cid");
        CHECK_STR_HAS(out, good.text);
        CHECK_STR_HAS(out, "every gateway failed");
        CHECK_STR_HAS(out, gw_url(gw));
        CHECK_MSG(strcasestr(out, cases[c].expect) != NULL, "case %zu lacks '%s':\n%s", c,
                  cases[c].expect, out);
        CHECK(!file_exists(state, good.text)); /* nothing unverified is cached */
        free(out);
        gw_stop(gw);
    }
    free(flipped);
    cu_rm_rf(state);
    cu_module_free(&good);
    cu_module_free(&other);
}

/* Runs wrk against the node for `seconds`; returns its output (caller frees). */
static void wrk_start(e2e_proc *p, uint16_t port, const char *path, int seconds)
{
    char url[128], dur[16];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    snprintf(dur, sizeof dur, "%ds", seconds);
    /* a slow answer on a loaded machine is not a failure: 10 s before wrk counts a timeout */
    char *argv[] = {"/usr/bin/wrk", "-t1", "-c8", "-d", dur, "--timeout", "10s", url, NULL};
    e2e_start(p, argv);
}

TEST(test_cid_route_cid_change_on_sighup_switches_versions_with_zero_failures_under_wrk)
{
    cu_module v1, v2;
    cu_module_make(&v1, "guest/examples/versioned.wasm", 0, 1);
    cu_module_make(&v2, "guest/examples/versioned_v2.wasm", PAD_BYTES, 0);
    gw_server *gw = gw_start();
    cu_serve(gw, &v1);
    cu_serve(gw, &v2);
    char state[64], routes[1024], extra[1024];
    node_env e;
    start_any_route(&e, gw, &v1, state, routes, extra);
    eu_load load;
    eu_load_start(&load, e.port, "/headers");
    e2e_proc wrk;
    wrk_start(&wrk, e.port, "/headers", 6);
    usleep(300 * 1000);
    for (int round = 0; round < 4; round++) {
        const cu_module *next = round % 2 == 0 ? &v2 : &v1;
        any_route(routes, sizeof routes, next->text);
        env_rewrite(&e, routes, extra);
        CHECK_INT_EQ(kill(e.node.pid, SIGHUP), 0);
        CHECK(wait_version(e.port, "/headers", round % 2 == 0 ? "2" : "1"));
        usleep(200 * 1000);
    }
    CHECK_INT_EQ(e2e_wait(&wrk, 30000), 0);
    eu_load_stop(&load);
    char *out = e2e_output(&wrk);
    if (getenv("AEGIS_TEST_VERBOSE") != NULL)
        fprintf(stderr, "%s\nload client: ok=%ld failed=%ld v1=%ld v2=%ld\n", out,
                atomic_load(&load.ok), atomic_load(&load.failed), atomic_load(&load.v1),
                atomic_load(&load.v2));
    CHECK_MSG(strstr(out, "Non-2xx") == NULL && strstr(out, "Socket errors") == NULL, "%s", out);
    CHECK_STR_HAS(out, "requests in");
    free(out);
    CHECK_INT_EQ(atomic_load(&load.failed), 0);
    CHECK(atomic_load(&load.ok) > 100);
    CHECK(atomic_load(&load.v1) > 0 && atomic_load(&load.v2) > 0);
    /* One fetch per CID: switching back to a CID the node holds fetches nothing. */
    char t[300];
    snprintf(t, sizeof t, "/ipfs/%s?format=car", v2.text);
    CHECK_INT_EQ(gw_hits(gw, t), 1);
    CHECK_INT_EQ(env_metric(&e, "aegis_config_reloads_total{result=\"ok\"}"), 4);
    CHECK_INT_EQ(env_metric(&e, "aegis_node_cid_fetches_total"), 2);

    /* A CID no gateway has: the reload is refused, the running version keeps serving. */
    any_route(routes, sizeof routes, "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");
    env_rewrite(&e, routes, extra);
    CHECK_INT_EQ(kill(e.node.pid, SIGHUP), 0);
    CHECK(e2e_wait_output(&e.node, "reload failed, keeping the running config", 20000));
    CHECK(e2e_wait_output(&e.node, "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
                          1000));
    CHECK(wait_version(e.port, "/headers", "1"));
    CHECK_INT_EQ(env_metric(&e, "aegis_node_cid_failures_total"), 1);
    e2e_response r;
    CHECK_INT_EQ(eu_admin(&e, "GET", "/modules", &r), 200);
    CHECK_STR_HAS(r.body,
                  "{\"id\":\"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy\","
                  "\"cid\":\"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy\","
                  "\"type\":\"function\",\"loaded\":false,\"last_error\":\"fetch "
                  "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy: every gateway "
                  "failed: ");
    e2e_response_free(&r);
    CHECK_INT_EQ(env_stop(&e), 0);
    gw_stop(gw);
    cu_rm_rf(state);
    cu_module_free(&v1);
    cu_module_free(&v2);
}

/* GET on the node's gateway with an optional Accept header. */
static int gw_get(uint16_t port, const char *method, const char *path, const char *accept,
                  e2e_response *r)
{
    char extra[256] = "";
    if (accept != NULL)
        snprintf(extra, sizeof extra, "Accept: %s\r\n", accept);
    e2e_request(port, method, path, "gw.test", extra, NULL, r);
    return r->status;
}

TEST(test_cid_node_gateway_serves_verifiable_car_and_raw_strictly_and_feeds_another_node)
{
    cu_module big, small;
    cu_module_make(&big, "guest/examples/versioned.wasm", PAD_BYTES, 1);
    cu_module_make(&small, "guest/examples/versioned_v2.wasm", 0, 0);
    gw_server *gw = gw_start();
    cu_serve(gw, &big);
    cu_serve(gw, &small);
    char state[64], routes[2048], extra[1024], gws[128], listen[96];
    cu_state_dir(state, sizeof state);
    uint16_t gport = e2e_free_port();
    snprintf(listen, sizeof listen, "  gateway_listen: 127.0.0.1:%u\n", gport);
    snprintf(gws, sizeof gws, "[%s]", gw_url(gw));
    ipfs_extra(extra, sizeof extra, state, gws, listen);
    cu_fn_route(routes, sizeof routes, "big", big.text);
    cu_fn_route(routes + strlen(routes), sizeof routes - strlen(routes), "small", small.text);
    node_env e;
    env_start(&e, routes, extra);
    CHECK(e2e_wait_port(gport, 5000));
    char path[300];
    e2e_response r;

    /* A CAR of the whole DAG, verified here by the deploy component's reader. */
    snprintf(path, sizeof path, "/ipfs/%s?format=car", big.text);
    CHECK_INT_EQ(gw_get(gport, "GET", path, NULL, &r), 200);
    CHECK_STR_EQ(e2e_header(&r, "Content-Type"), "application/vnd.ipld.car; version=1");
    uint8_t *file = NULL;
    size_t file_len = 0;
    dep_error de;
    CHECK_MSG(dep_car_verify((const uint8_t *)r.body, r.body_len, &big.cid, 0, &file, &file_len,
                             &de) == DEP_OK,
              "%s", de.message);
    CHECK(file_len == big.len && memcmp(file, big.bytes, big.len) == 0);
    free(file);
    e2e_response_free(&r);
    /* The same by Accept, and for the CIDv1 spelling of a CIDv0 module (header rewritten). */
    snprintf(path, sizeof path, "/ipfs/%s", small.text);
    CHECK_INT_EQ(gw_get(gport, "GET", path, "application/vnd.ipld.car; version=1", &r), 200);
    e2e_response_free(&r);
    dep_cid small_v1 = dep_cid_to_v1(&small.cid);
    char v1text[DEP_CID_TEXT_MAX];
    snprintf(path, sizeof path, "/ipfs/%s?format=car", dep_cid_string(&small_v1, v1text));
    CHECK_INT_EQ(gw_get(gport, "GET", path, NULL, &r), 200);
    CHECK(dep_car_verify((const uint8_t *)r.body, r.body_len, &small_v1, 0, &file, &file_len,
                         &de) == DEP_OK);
    CHECK(file_len == small.len && memcmp(file, small.bytes, small.len) == 0);
    free(file);
    e2e_response_free(&r);

    /* Every block of the DAG as a raw block that hashes to its CID. */
    for (size_t i = 0; i < big.block_count; i++) {
        snprintf(path, sizeof path, "/ipfs/%s", big.blocks[i].text);
        CHECK_INT_EQ(gw_get(gport, "GET", path, "application/vnd.ipld.raw", &r), 200);
        CHECK_STR_EQ(e2e_header(&r, "Content-Type"), "application/vnd.ipld.raw");
        CHECK(dep_cid_verify_block(&big.blocks[i].cid, (const uint8_t *)r.body, r.body_len, &de) ==
              DEP_OK);
        e2e_response_free(&r);
    }

    /* Accept lists as clients write them: weights, wildcards, empty elements. */
    snprintf(path, sizeof path, "/ipfs/%s", big.blocks[0].text);
    CHECK_INT_EQ(gw_get(gport, "GET", path, ", application/vnd.ipld.raw;q=0.9, */*;q=0.1", &r),
                 200);
    CHECK(dep_cid_verify_block(&big.blocks[0].cid, (const uint8_t *)r.body, r.body_len, &de) ==
          DEP_OK);
    e2e_response_free(&r);
    char head[1024], req[512];
    snprintf(req, sizeof req,
             "HEAD %s HTTP/1.1\r\nHost: gw.test\r\nAccept: application/vnd.ipld.raw\r\n"
             "Connection: close\r\n\r\n",
             path);
    int fd = e2e_connect(gport);
    e2e_send(fd, req, strlen(req));
    size_t got = 0;
    for (int i = 0; i < 500 && got + 1 < sizeof head; i++) { /* until the peer closes */
        ssize_t n = recv(fd, head + got, sizeof head - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    head[got] = '\0';
    CHECK_STR_HAS(head, "HTTP/1.1 200 OK\r\n");
    CHECK_STR_HAS(head, "Content-Type: application/vnd.ipld.raw\r\n");
    CHECK(strstr(head, "\r\n\r\n") != NULL && strstr(head, "\r\n\r\n")[4] == '\0');

    /* Strict refusals. */
    static const struct {
        const char *method, *suffix, *accept;
        int status;
    } bad[] = {
        {"GET", "", NULL, 406},
        {"GET", "", "text/html", 406},
        {"GET", "/wasm", NULL, 400},
        {"GET", "?format=dag-json", NULL, 400},
        {"GET", "?format=raw&format=car", NULL, 400},
        {"GET", "?format=car", "application/vnd.ipld.raw", 400},
        {"GET", "", "application/vnd.ipld.car; version=2", 400},
        {"GET", "", "application/vnd.ipld.raw, application/vnd.ipld.car", 400},
        {"POST", "?format=raw", NULL, 405},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(path, sizeof path, "/ipfs/%s%s", big.text, bad[i].suffix);
        CHECK_MSG(gw_get(gport, bad[i].method, path, bad[i].accept, &r) == bad[i].status,
                  "case %zu: %d %s", i, r.status, r.body);
        e2e_response_free(&r);
    }
    CHECK_INT_EQ(gw_get(gport, "GET", "/ipfs/notacid?format=raw", NULL, &r), 400);
    e2e_response_free(&r);
    CHECK_INT_EQ(gw_get(gport, "GET", "/ipfs/%51m?format=raw", NULL, &r), 400);
    e2e_response_free(&r);
    CHECK_INT_EQ(gw_get(gport, "GET", "/ipns/x", NULL, &r), 404);
    e2e_response_free(&r);
    CHECK_INT_EQ(gw_get(gport, "GET",
                        "/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
                        "?format=raw",
                        NULL, &r),
                 404);
    e2e_response_free(&r);

    /* A second node whose only gateway is the first node fetches the module from it. */
    char state2[64], extra2[1024], gws2[128], routes2[512];
    cu_state_dir(state2, sizeof state2);
    snprintf(gws2, sizeof gws2, "[http://127.0.0.1:%u]", gport);
    ipfs_extra(extra2, sizeof extra2, state2, gws2, NULL);
    cu_fn_route(routes2, sizeof routes2, "big", big.text);
    node_env e2;
    env_start(&e2, routes2, extra2);
    char v[16];
    CHECK_INT_EQ(cu_get_version(e2.port, "big", v, sizeof v), 200);
    CHECK_STR_EQ(v, "1");
    CHECK_INT_EQ(env_metric(&e2, "aegis_node_cid_fetches_total"), 1);
    CHECK(file_exists(state2, big.text));
    CHECK_INT_EQ(env_stop(&e2), 0);
    CHECK_INT_EQ(env_stop(&e), 0);
    gw_stop(gw);
    cu_rm_rf(state);
    cu_rm_rf(state2);
    cu_module_free(&big);
    cu_module_free(&small);
}

TEST(test_cid_check_config_fetches_and_verifies_cid_modules)
{
    cu_module m;
    cu_module_make(&m, "guest/examples/versioned.wasm", PAD_BYTES, 0);
    gw_server *gw = gw_start();
    char state[64], routes[1024], extra[1024], gws[128], text[4096], path[128];
    cu_state_dir(state, sizeof state);
    cu_fn_route(routes, sizeof routes, "f", m.text);
    snprintf(gws, sizeof gws, "[%s]", gw_url(gw));
    ipfs_extra(extra, sizeof extra, state, gws, NULL);
    node_env e = {.log_format = "json", .port = 1, .admin = 2, .port_a = 3, .port_b = 4};
    snprintf(e.log, sizeof e.log, "stderr");
    env_config_text(&e, routes, extra, text, sizeof text);
    e2e_node_config(path, sizeof path, text);
    char bin[512];
    snprintf(bin, sizeof bin, "%s", test_build_path("bin/aegis-node"));
    char *argv[] = {bin, "--check-config", "--config", path, NULL};
    char *out = NULL;
    /* Not served yet: the check fails with the gateway's reason. */
    CHECK_INT_EQ(e2e_run(argv, 60000, &out), 1);
    CHECK_STR_HAS(out, "routes[0].functions[0].cid: fetch ");
    CHECK_STR_HAS(out, "HTTP status 404");
    free(out);
    cu_serve(gw, &m);
    CHECK_INT_EQ(e2e_run(argv, 60000, &out), 0);
    free(out);
    CHECK(file_exists(state, m.text)); /* verified and cached for the start that follows */
    unlink(path);
    gw_stop(gw);
    cu_rm_rf(state);
    cu_module_free(&m);
}

TEST(test_cid_sighups_during_a_slow_fetch_queue_and_sigterm_ends_cleanly)
{
    cu_module v1, v2;
    cu_module_make(&v1, "guest/examples/versioned.wasm", 0, 1);
    cu_module_make(&v2, "guest/examples/versioned_v2.wasm", 0, 1);
    gw_server *gw = gw_start();
    cu_serve(gw, &v1);
    /* v2 drips: a byte every 1.5 s, so the stall timeout (1 s) ends each attempt. */
    char t[300];
    snprintf(t, sizeof t, "/ipfs/%s?format=car", v2.text);
    gw_route(gw, t, GW_DRIP, 200, "application/vnd.ipld.car", v2.car, v2.car_len);
    char state[64], routes[1024], extra[1024];
    node_env e;
    start_any_route(&e, gw, &v1, state, routes, extra);
    any_route(routes, sizeof routes, v2.text);
    env_rewrite(&e, routes, extra);
    CHECK_INT_EQ(kill(e.node.pid, SIGHUP), 0);
    usleep(100 * 1000);
    CHECK_INT_EQ(kill(e.node.pid, SIGHUP), 0); /* queued behind the first */
    /* While the fetch drips, the node serves the running version and answers its admin API. */
    char v[16];
    CHECK_INT_EQ(eu_get_version(e.port, "/headers", v, sizeof v), 200);
    CHECK_STR_EQ(v, "1");
    CHECK_INT_EQ(env_metric(&e, "aegis_node_cid_modules"), 1);
    CHECK(e2e_wait_output(&e.node, "stalled", 20000) ||
          e2e_wait_output(&e.node, "reload failed, keeping the running config", 20000));
    CHECK_INT_EQ(env_metric_is(&e, "aegis_config_reloads_total{result=\"error\"}", 2), 2);
    CHECK_INT_EQ(env_metric(&e, "aegis_node_cid_failures_total"), 2);
    CHECK_INT_EQ(eu_get_version(e.port, "/headers", v, sizeof v), 200);
    CHECK_STR_EQ(v, "1");
    /* A SIGHUP whose fetch is still running when SIGTERM comes: the node still ends cleanly. */
    CHECK_INT_EQ(kill(e.node.pid, SIGHUP), 0);
    usleep(200 * 1000);
    CHECK_INT_EQ(env_stop(&e), 0);
    gw_stop(gw);
    cu_rm_rf(state);
    cu_module_free(&v1);
    cu_module_free(&v2);
}
