/*
 * Publishing with Kubo's RPC `add` (src/deploy/kubo.c): against the loopback Helia peer the node's
 * Hash equals the CID computed here, for both profiles, for one-block and multi-level files, and
 * the module is then pinned and served back; the parser reads Kubo's answer shapes and refuses
 * malformed ones; a node that answers another CID, an error object, garbage, an oversized answer
 * or nothing at all (tests/deploy/gateway.c standing in for it) fails with its reason.
 */
#include "deploy/deploy.h"
#include "gateway.h"
#include "ipfs_peer.h"
#include "oracle.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What dep_kubo_add sends for each profile (the test gateway matches request targets exactly). */
#define ADD_V0                                                                                     \
    "/api/v0/add?cid-version=0&raw-leaves=false&chunker=size-262144&pin=true&progress=false"
#define ADD_V1                                                                                     \
    "/api/v0/add?cid-version=1&raw-leaves=true&chunker=size-262144&pin=true&progress=false"
#define HELLO_V0 "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
#define HELLO_V1 "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"

enum { TWO_LEVEL_BYTES = 174 * DEP_CHUNK_BYTES_DEFAULT + 1 };

static dep_status parse(const char *text, char *cid, uint64_t *size, char *name, dep_error *err)
{
    dep_cid c;
    dep_status st = dep_kubo_parse_add(text, strlen(text), &c, size, name, err);
    if (st == DEP_OK)
        dep_cid_string(&c, cid);
    return st;
}

TEST(test_kubo_parse_add_reads_kubos_answer_shapes)
{
    char cid[DEP_CID_TEXT_MAX], name[256];
    uint64_t size = 0;
    dep_error err;
    CHECK_INT_EQ(parse("{\"Name\":\"m.wasm\",\"Hash\":\"" HELLO_V0 "\",\"Size\":\"20\"}\n", cid,
                       &size, name, &err),
                 DEP_OK);
    CHECK_STR_EQ(cid, HELLO_V0);
    CHECK_UINT_EQ(size, 20);
    CHECK_STR_EQ(name, "m.wasm");
    /* Progress objects come first; the last object with a Hash is the root; older nodes sent the
     * size as a number; blank lines and CRLF are tolerated. */
    CHECK_INT_EQ(parse("{\"Name\":\"\",\"Bytes\":262144}\r\n\n{\"Name\":\"a\",\"Hash\":\"" HELLO_V0
                       "\",\"Size\":1}\n{\"Name\":\"b\",\"Hash\":\"" HELLO_V1 "\",\"Size\":12}",
                       cid, &size, name, &err),
                 DEP_OK);
    CHECK_STR_EQ(cid, HELLO_V1);
    CHECK_UINT_EQ(size, 12);
    CHECK_STR_EQ(name, "b");
    /* A name with control bytes cannot reach a terminal. */
    CHECK_INT_EQ(
        parse("{\"Name\":\"x\\u001b[2Jy\",\"Hash\":\"" HELLO_V0 "\"}", cid, &size, name, &err),
        DEP_OK);
    CHECK_STR_EQ(name, "x?[2Jy");
}

TEST(test_kubo_parse_add_refuses_malformed_answers_with_the_reason)
{
    static const struct {
        const char *answer;
        dep_status status;
        const char *reason;
    } cases[] = {
        {"", DEP_ERR_MALFORMED, "the answer names no \"Hash\" (0 bytes)"},
        {"{\"Name\":\"\",\"Bytes\":5}\n", DEP_ERR_MALFORMED, "names no \"Hash\""},
        {"<html>busy</html>", DEP_ERR_MALFORMED, "answer line 1 is not JSON"},
        {"[1,2]", DEP_ERR_MALFORMED, "answer line 1 is not a JSON object"},
        {"{\"Hash\":17}", DEP_ERR_MALFORMED, "answer line 1: \"Hash\" is not a string"},
        {"{\"Hash\":\"QmNotACid\"}", DEP_ERR_MALFORMED, "answer line 1: \"Hash\" \"QmNotACid\""},
        {"{\"Hash\":\"" HELLO_V0 "\",\"Size\":\"12a\"}", DEP_ERR_MALFORMED,
         "\"Size\" is not a byte count"},
        {"{\"Hash\":\"" HELLO_V0 "\",\"Size\":-1}", DEP_ERR_MALFORMED,
         "\"Size\" is not a byte count"},
        {"{\"Hash\":\"" HELLO_V0 "\",\"Name\":[]}", DEP_ERR_MALFORMED, "\"Name\" is not a string"},
        {"{\"Hash\":\"" HELLO_V0 "\",\"Hash\":\"" HELLO_V1 "\"}", DEP_ERR_MALFORMED, "not JSON"},
        {"{\"Message\":\"merkledag: not found\",\"Code\":0,\"Type\":\"error\"}\n", DEP_ERR_NETWORK,
         "the node refused the add: merkledag: not found"},
        {"{\"Hash\":\"" HELLO_V0 "\"}\n{\"Message\":\"disk full\",\"Type\":\"error\"}",
         DEP_ERR_NETWORK, "the node refused the add: disk full"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cid[DEP_CID_TEXT_MAX];
        dep_error err = {0};
        CHECK_INT_EQ(parse(cases[i].answer, cid, NULL, NULL, &err), cases[i].status);
        CHECK_INT_EQ(err.status, cases[i].status);
        CHECK_STR_HAS(err.message, cases[i].reason);
    }
}

/* Adds a file of len pattern bytes to the peer in one profile; checks the Hash, the pin, and that
 * the peer's gateway then serves bytes that verify against the CID. */
static void add_and_check(const ipfs_peer *peer, size_t len, uint8_t cid_version, uint64_t seed)
{
    uint8_t *data = malloc(len ? len : 1);
    CHECK(data != NULL);
    fill_pattern(data, len, seed);
    dep_kubo_options o = {
        .api_url = peer->url, .cid_version = cid_version, .pin = true, .file_name = "module.wasm"};
    dep_kubo_result r;
    dep_error err = {0};
    CHECK_MSG(dep_kubo_add(&o, data, len, &r, &err) == DEP_OK, "%zu bytes, v%u: %s", len,
              cid_version, err.message);
    char local[DEP_CID_TEXT_MAX], remote[DEP_CID_TEXT_MAX];
    CHECK_STR_EQ(dep_cid_string(&r.remote, remote), dep_cid_string(&r.local, local));
    CHECK_INT_EQ(r.local.version, cid_version);
    CHECK_STR_EQ(r.name, "module.wasm");
    CHECK(r.dag_bytes >= len);

    /* The same CID as an independent computation of this profile. */
    dep_import_options profile = dep_import_profile(cid_version);
    dep_cid again;
    CHECK_INT_EQ(dep_import_buffer(data, len, &profile, NULL, NULL, &again, NULL), DEP_OK);
    CHECK(dep_cid_equal(&again, &r.remote));

    char target[512];
    long status = 0;
    snprintf(target, sizeof target, "/api/v0/pin/ls?arg=%s", local);
    char *pins = ipfs_peer_post_file(peer, target, NULL, &status);
    CHECK_MSG(status == 200, "pin/ls %s: %ld %s", local, status, pins);
    CHECK_STR_HAS(pins, "\"Type\":\"recursive\"");
    free(pins);

    dep_fetch_options f = {.gateway_count = 1, .gateways = {peer->url}};
    uint8_t *file = NULL;
    size_t file_len = 0;
    const char *source = NULL;
    CHECK_MSG(dep_fetch(&f, &r.remote, &file, &file_len, &source, &err) == DEP_OK, "%s",
              err.message);
    CHECK_UINT_EQ(file_len, len);
    CHECK(memcmp(file, data, len) == 0);
    CHECK_STR_EQ(source, peer->url);
    free(file);
    free(data);
}

TEST(test_kubo_add_to_the_helia_peer_returns_the_local_cid_small_files)
{
    ipfs_peer peer;
    ipfs_peer_start(&peer, NULL);
    for (uint8_t v = 0; v <= 1; v++) {
        add_and_check(&peer, 0, v, 1);
        add_and_check(&peer, 1000, v, 2);                            /* one block */
        add_and_check(&peer, 3 * DEP_CHUNK_BYTES_DEFAULT + 5, v, 3); /* a root over 4 leaves */
    }
    ipfs_peer_stop(&peer);
}

TEST(test_kubo_add_to_the_helia_peer_returns_the_local_cid_two_level_files)
{
    ipfs_peer peer;
    ipfs_peer_start(&peer, NULL);
    add_and_check(&peer, TWO_LEVEL_BYTES, 0, 4);
    add_and_check(&peer, TWO_LEVEL_BYTES, 1, 5);
    ipfs_peer_stop(&peer);
}

/* dep_kubo_add of "hello world\n" against a canned answer; returns the status, err filled. */
static dep_status add_hello(gw_server *gw, uint8_t version, dep_kubo_result *r, dep_error *err)
{
    dep_kubo_options o = {.api_url = gw_url(gw),
                          .cid_version = version,
                          .pin = true,
                          .total_timeout_ms = 5000,
                          .connect_timeout_ms = 1000};
    return dep_kubo_add(&o, (const uint8_t *)"hello world\n", 12, r, err);
}

static void route(gw_server *gw, const char *target, gw_mode mode, int status, const char *body)
{
    gw_route(gw, target, mode, status, "application/json", (const uint8_t *)body, strlen(body));
}

TEST(test_kubo_add_fails_loudly_when_the_node_answers_another_cid)
{
    gw_server *gw = gw_start();
    /* The v1 CID of the same bytes is not what a CIDv0 add must answer, and a CIDv0 Hash for a
     * v1 add is wrong too: both profiles are checked. */
    route(gw, ADD_V0, GW_PLAIN, 200,
          "{\"Name\":\"module.wasm\",\"Hash\":\"" HELLO_V1 "\",\"Size\":\"12\"}\n");
    route(gw, ADD_V1, GW_PLAIN, 200,
          "{\"Name\":\"module.wasm\",\"Hash\":\"" HELLO_V0 "\",\"Size\":\"20\"}\n");
    dep_kubo_result r;
    dep_error err = {0};
    char a[DEP_CID_TEXT_MAX], b[DEP_CID_TEXT_MAX];
    CHECK_INT_EQ(add_hello(gw, 0, &r, &err), DEP_ERR_HASH);
    CHECK_STR_HAS(err.message,
                  "the node answered Hash " HELLO_V1 ", but the file's CID is " HELLO_V0
                  " (cid-version 0, raw-leaves false, chunker size-262144)");
    CHECK_STR_EQ(dep_cid_string(&r.local, a), HELLO_V0);
    CHECK_STR_EQ(dep_cid_string(&r.remote, b), HELLO_V1);
    CHECK_INT_EQ(add_hello(gw, 1, &r, &err), DEP_ERR_HASH);
    CHECK_STR_HAS(err.message,
                  "the node answered Hash " HELLO_V0 ", but the file's CID is " HELLO_V1);
    CHECK_INT_EQ(gw_hits(gw, ADD_V0), 1);
    CHECK_INT_EQ(gw_hits(gw, ADD_V1), 1);
    gw_stop(gw);
}

TEST(test_kubo_add_reports_each_failing_node_with_its_reason)
{
    gw_server *gw = gw_start();
    dep_kubo_result r;
    dep_error err = {0};
    char prefix[128];
    snprintf(prefix, sizeof prefix, "kubo add at %s: ", gw_url(gw));

    route(gw, ADD_V0, GW_PLAIN, 500,
          "{\"Message\":\"failed to get block: \\u001b[31mboom\",\"Code\":0,\"Type\":\"error\"}\n");
    CHECK_INT_EQ(add_hello(gw, 0, &r, &err), DEP_ERR_NETWORK);
    CHECK_STR_HAS(err.message, prefix);
    CHECK_STR_HAS(err.message,
                  "HTTP status 500: the node refused the add: failed to get block: ?[31mboom");

    route(gw, ADD_V1, GW_PLAIN, 200, "<html>502 Bad Gateway</html>");
    CHECK_INT_EQ(add_hello(gw, 1, &r, &err), DEP_ERR_MALFORMED);
    CHECK_STR_HAS(err.message, "answer line 1 is not JSON");
    gw_stop(gw);

    gw = gw_start();
    route(gw, ADD_V0, GW_PLAIN, 404, "404 page not found");
    CHECK_INT_EQ(add_hello(gw, 0, &r, &err), DEP_ERR_NETWORK);
    CHECK_STR_HAS(err.message, "HTTP status 404");
    /* An answer that claims 5 GB is cut at the cap, not buffered. */
    char big[DEP_KUBO_ANSWER_MAX_BYTES + 100];
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    route(gw, ADD_V1, GW_HUGE_LENGTH, 200, big);
    CHECK_INT_EQ(add_hello(gw, 1, &r, &err), DEP_ERR_LIMIT);
    CHECK_STR_HAS(err.message, "the answer is over 65536 bytes");
    gw_stop(gw);

    gw = gw_start();
    route(gw, ADD_V0, GW_HANG_UP, 0, "");
    CHECK_INT_EQ(add_hello(gw, 0, &r, &err), DEP_ERR_NETWORK);
    CHECK_STR_HAS(err.message, "Server returned nothing");
    /* A redirect is not followed: a POST is not replayed to wherever a node points. */
    route(gw, ADD_V1, GW_REDIRECT_SELF, 0, "");
    CHECK_INT_EQ(add_hello(gw, 1, &r, &err), DEP_ERR_NETWORK);
    CHECK_STR_HAS(err.message, "HTTP status 302");
    CHECK_INT_EQ(gw_hits(gw, ADD_V1), 1);
    char url[64];
    snprintf(url, sizeof url, "%s", gw_url(gw));
    gw_stop(gw);

    /* Nobody listens there any more. */
    dep_kubo_options o = {.api_url = url, .cid_version = 0, .connect_timeout_ms = 1000};
    CHECK_INT_EQ(dep_kubo_add(&o, (const uint8_t *)"x", 1, &r, &err), DEP_ERR_NETWORK);
    CHECK_STR_HAS(err.message, "Couldn't connect to server");
}

TEST(test_kubo_add_accepts_an_api_url_with_or_without_api_v0)
{
    gw_server *gw = gw_start();
    route(gw, ADD_V0, GW_PLAIN, 200, "{\"Name\":\"module.wasm\",\"Hash\":\"" HELLO_V0 "\"}");
    char with[128];
    snprintf(with, sizeof with, "%s/api/v0/", gw_url(gw));
    dep_kubo_options o = {.api_url = with, .cid_version = 0, .pin = true};
    dep_kubo_result r;
    dep_error err = {0};
    CHECK_MSG(dep_kubo_add(&o, (const uint8_t *)"hello world\n", 12, &r, &err) == DEP_OK, "%s",
              err.message);
    CHECK_UINT_EQ(r.dag_bytes, 0);
    o.api_url = gw_url(gw);
    CHECK_INT_EQ(dep_kubo_add(&o, (const uint8_t *)"hello world\n", 12, &r, &err), DEP_OK);
    CHECK_INT_EQ(gw_hits(gw, ADD_V0), 2);
    o.cid_version = 2;
    CHECK_INT_EQ(dep_kubo_add(&o, (const uint8_t *)"x", 1, &r, &err), DEP_ERR_ARG);
    gw_stop(gw);
}
