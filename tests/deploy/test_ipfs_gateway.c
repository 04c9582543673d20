/*
 * Our verified fetch against a real IPFS implementation: the loopback Helia peer imports files as
 * `ipfs add` does (its CIDs must equal ours), and its trustless-gateway answers (CARv1, raw blocks,
 * plain bytes of a raw block) pass our verification for CIDv0 and CIDv1, for a single raw block,
 * a single dag-pb leaf, a one-level and a two-level dag-pb DAG. Then each lying gateway of
 * tests/deploy/gateway.c, listed first, is refused with its reason while the Helia peer listed
 * second serves the module.
 */
#include "deploy/deploy.h"
#include "gateway.h"
#include "ipfs_peer.h"
#include "oracle.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

enum {
    SMALL_BYTES = 1000,
    ONE_LEVEL_BYTES = 3 * DEP_CHUNK_BYTES_DEFAULT + 5,
    TWO_LEVEL_BYTES = 174 * DEP_CHUNK_BYTES_DEFAULT + 1,
};

/* A test file: its bytes, path, CID in one profile, and the blocks of our import. */
typedef struct file {
    char path[256];
    uint8_t *data;
    size_t len;
    uint8_t version;
    dep_cid cid;
    char cid_text[DEP_CID_TEXT_MAX];
    gw_blocks blocks; /* of our import */
} file;

static file *make_file(const char *dir, const char *name, size_t len, uint8_t version,
                       uint64_t seed, bool keep_blocks)
{
    file *f = calloc(1, sizeof *f);
    CHECK(f != NULL);
    snprintf(f->path, sizeof f->path, "%s/%s", dir, name);
    write_pattern_file(f->path, len, seed);
    f->data = slurp(f->path, &f->len);
    CHECK_UINT_EQ(f->len, len);
    f->version = version;
    dep_import_options o = dep_import_profile(version);
    CHECK_INT_EQ(dep_import_buffer(f->data, len, &o, keep_blocks ? gw_keep_block : NULL, &f->blocks,
                                   &f->cid, NULL),
                 DEP_OK);
    dep_cid_string(&f->cid, f->cid_text);
    return f;
}

static void free_file(file *f)
{
    gw_blocks_free(&f->blocks);
    free(f->data);
    free(f);
}

static dep_status fetch_from(const char *const *gateways, size_t n, const file *f,
                             const char **source, dep_error *err)
{
    dep_fetch_options o = {.total_timeout_ms = 20000};
    return gw_fetch_check(o, gateways, n, &f->cid, f->data, f->len, source, err);
}

/* Checks the peer's three kinds of answer for one file: CAR, raw root block, plain bytes. */
static void check_answers(const ipfs_peer *peer, const file *f)
{
    char target[512];
    long status = 0;
    size_t len = 0;

    snprintf(target, sizeof target, "/ipfs/%s?format=car", f->cid_text);
    uint8_t *car = ipfs_peer_get(peer, target, &len, &status);
    CHECK_MSG(status == 200, "%s: HTTP %ld", target, status);
    uint8_t *bytes = NULL;
    size_t bytes_len = 0;
    dep_error err = {0};
    CHECK_MSG(dep_car_verify(car, len, &f->cid, 0, &bytes, &bytes_len, &err) == DEP_OK, "%s: %s",
              target, err.message);
    CHECK_UINT_EQ(bytes_len, f->len);
    CHECK(memcmp(bytes, f->data, f->len) == 0);
    free(bytes);
    free(car);

    snprintf(target, sizeof target, "/ipfs/%s?format=raw", f->cid_text);
    uint8_t *block = ipfs_peer_get(peer, target, &len, &status);
    CHECK_INT_EQ(status, 200);
    CHECK_MSG(dep_cid_verify_block(&f->cid, block, len, &err) == DEP_OK, "%s: %s", target,
              err.message);
    free(block);

    snprintf(target, sizeof target, "/ipfs/%s", f->cid_text);
    uint8_t *plain = ipfs_peer_get(peer, target, &len, &status);
    CHECK_INT_EQ(status, 200);
    CHECK_UINT_EQ(len, f->len);
    CHECK(memcmp(plain, f->data, f->len) == 0);
    free(plain);

    const char *gws[] = {peer->url};
    const char *source = NULL;
    CHECK_MSG(fetch_from(gws, 1, f, &source, &err) == DEP_OK, "fetch %s: %s", f->cid_text,
              err.message);
    CHECK_STR_EQ(source, peer->url);
}

TEST(test_helia_gateway_answers_verify_for_cidv0_and_cidv1)
{
    const char *dir = make_temp_dir();
    file *files[] = {
        make_file(dir, "small", SMALL_BYTES, 1, 1, false),   /* bafk: one raw block */
        make_file(dir, "small", SMALL_BYTES, 0, 1, false),   /* Qm: one dag-pb leaf */
        make_file(dir, "one", ONE_LEVEL_BYTES, 0, 2, false), /* Qm: dag-pb root, 4 leaves */
        make_file(dir, "one", ONE_LEVEL_BYTES, 1, 2, false), /* bafy: dag-pb root, raw leaves */
        make_file(dir, "two", TWO_LEVEL_BYTES, 0, 3, false), /* Qm: two levels of dag-pb */
    };
    size_t n = sizeof files / sizeof files[0];
    CHECK_UINT_EQ(files[0]->cid.codec, DEP_CODEC_RAW);
    CHECK_UINT_EQ(files[1]->cid.codec, DEP_CODEC_DAG_PB);
    CHECK_UINT_EQ(files[1]->cid.version, 0);
    CHECK_UINT_EQ(files[3]->cid.version, 1);
    CHECK_UINT_EQ(files[3]->cid.codec, DEP_CODEC_DAG_PB);
    const char *args[2 * 5 + 1];
    for (size_t i = 0; i < n; i++) {
        args[2 * i] = files[i]->version ? "--add-v1" : "--add-v0";
        args[2 * i + 1] = files[i]->path;
    }
    args[2 * n] = NULL;
    ipfs_peer peer;
    ipfs_peer_start(&peer, args);
    /* Helia's import is an independent implementation: the same CIDs. */
    CHECK_UINT_EQ(peer.added_count, n);
    for (size_t i = 0; i < n; i++)
        CHECK_STR_EQ(peer.added[i], files[i]->cid_text);
    for (size_t i = 0; i < n; i++)
        check_answers(&peer, files[i]);
    ipfs_peer_stop(&peer);
    for (size_t i = 0; i < n; i++)
        free_file(files[i]);
}

TEST(test_helia_peer_stops_by_itself)
{
    /* Closing its stdin ends it at once. */
    ipfs_peer peer;
    ipfs_peer_start(&peer, NULL);
    CHECK_MSG(ipfs_peer_stop(&peer), "the peer did not exit when its stdin closed");
    /* Its time limit ends it with nobody closing anything (a later flag overrides the helper's). */
    const char *args[] = {"--time-limit-s", "3", NULL};
    ipfs_peer_start(&peer, args);
    int status = 0;
    pid_t done = 0;
    for (int waited = 0; waited < 30000 && done == 0; waited += 50) {
        done = waitpid(peer.proc.pid, &status, WNOHANG);
        struct timespec pause = {0, 50 * 1000000L};
        nanosleep(&pause, NULL);
    }
    CHECK_MSG(done == peer.proc.pid, "the peer outlived its time limit");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    peer.proc.pid = 0;
    ipfs_peer_stop(&peer);
}

TEST(test_helia_gateway_answers_404_for_what_it_does_not_hold)
{
    const char *dir = make_temp_dir();
    file *held = make_file(dir, "held", SMALL_BYTES, 1, 7, false);
    file *other = make_file(dir, "other", SMALL_BYTES, 1, 8, false);
    const char *args[] = {"--add-v1", held->path, NULL};
    ipfs_peer peer;
    ipfs_peer_start(&peer, args);
    char target[512];
    long status = 0;
    size_t len;
    snprintf(target, sizeof target, "/ipfs/%s?format=car", other->cid_text);
    free(ipfs_peer_get(&peer, target, &len, &status));
    CHECK_INT_EQ(status, 404);
    free(ipfs_peer_get(&peer, "/ipfs/bafkreinotacid?format=raw", &len, &status));
    CHECK_INT_EQ(status, 400);
    const char *gws[] = {peer.url};
    dep_error err = {0};
    CHECK_INT_EQ(fetch_from(gws, 1, other, NULL, &err), DEP_ERR_NETWORK);
    CHECK_STR_HAS(err.message, "car: HTTP status 404");
    CHECK_STR_HAS(err.message, "raw: HTTP status 404");
    CHECK_INT_EQ(fetch_from(gws, 1, held, NULL, &err), DEP_OK);
    ipfs_peer_stop(&peer);
    free_file(held);
    free_file(other);
}

/* A CAR of f as the hostile gateway serves it: 0 intact, 1 last byte flipped, 2 ten bytes cut,
 * 3 an extra block appended, 4 the first leaf left out. */
static uint8_t *damaged_car(const file *f, int damage, size_t *len)
{
    uint8_t *car = gw_car_of_blocks(&f->cid, &f->blocks, damage == 4 ? 1 : 0, len);
    gw_car_damage(car, len, damage == 4 ? 0 : damage);
    return car;
}

TEST(test_each_hostile_gateway_is_refused_and_the_helia_peer_listed_second_serves)
{
    static const struct {
        const char *name;
        gw_mode mode;
        const char *ctype;
        int damage;
        const char *reason;
    } cases[] = {
        {"wrong bytes", GW_PLAIN, "application/vnd.ipld.car", 1, "hashes to"},
        {"truncated car", GW_PLAIN, "application/vnd.ipld.car", 2, "truncated"},
        {"extra block", GW_PLAIN, "application/vnd.ipld.car", 3, "is not reachable from the root"},
        {"missing block", GW_PLAIN, "application/vnd.ipld.car", 4, "is missing"},
        {"garbage content type", GW_PLAIN, "text/html; charset=utf-8", 0,
         "content type \"text/html; charset=utf-8\""},
        {"slow drip", GW_DRIP, "application/vnd.ipld.car", 0, "timed out or stalled"},
        {"multi-GB Content-Length", GW_HUGE_LENGTH, "application/vnd.ipld.car", 0,
         "response over the cap"},
        {"redirect loop", GW_REDIRECT_SELF, "", 0, "redirects"},
        {"hang-up", GW_HANG_UP, "", 0, "nothing"},
    };
    const char *dir = make_temp_dir();
    file *v0 = make_file(dir, "module", ONE_LEVEL_BYTES, 0, 21, true);
    file *v1 = make_file(dir, "module", ONE_LEVEL_BYTES, 1, 21, true);
    file *raw = make_file(dir, "tiny", SMALL_BYTES, 1, 22, false);
    const char *args[] = {"--add-v0", v0->path, "--add-v1", v1->path, "--add-v1", raw->path, NULL};
    ipfs_peer peer;
    ipfs_peer_start(&peer, args);
    CHECK_UINT_EQ(peer.added_count, 3);

    file *both_profiles[] = {v0, v1};
    for (size_t p = 0; p < 2; p++) {
        file *f = both_profiles[p];
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            gw_server *bad = gw_start();
            size_t len;
            uint8_t *car = damaged_car(f, cases[i].damage, &len);
            char target[512];
            snprintf(target, sizeof target, "/ipfs/%s?format=car", f->cid_text);
            gw_route(bad, target, cases[i].mode, 200, cases[i].ctype, car, len);
            free(car);
            const char *alone[] = {gw_url(bad)};
            dep_error err = {0};
            CHECK_MSG(fetch_from(alone, 1, f, NULL, &err) == DEP_ERR_NETWORK, "%s (v%u): accepted",
                      cases[i].name, f->version);
            CHECK_MSG(strstr(err.message, cases[i].reason) != NULL, "%s (v%u): \"%s\" lacks \"%s\"",
                      cases[i].name, f->version, err.message, cases[i].reason);
            CHECK_STR_HAS(err.message, gw_url(bad));
            const char *both[] = {gw_url(bad), peer.url};
            const char *source = NULL;
            CHECK_MSG(fetch_from(both, 2, f, &source, &err) == DEP_OK, "%s (v%u) then Helia: %s",
                      cases[i].name, f->version, err.message);
            CHECK_STR_EQ(source, peer.url);
            CHECK_MSG(gw_hits(bad, target) >= 2, "%s: the bad gateway was not asked first",
                      cases[i].name);
            gw_stop(bad);
        }
    }

    /* A single raw block answered with other plain bytes. */
    gw_server *bad = gw_start();
    char target[512];
    snprintf(target, sizeof target, "/ipfs/%s?format=car", raw->cid_text);
    gw_route(bad, target, GW_PLAIN, 200, "application/octet-stream", v0->data, SMALL_BYTES);
    const char *alone[] = {gw_url(bad)};
    dep_error err = {0};
    CHECK_INT_EQ(fetch_from(alone, 1, raw, NULL, &err), DEP_ERR_NETWORK);
    CHECK_STR_HAS(err.message, "car: plain response: block for");
    const char *both[] = {gw_url(bad), peer.url};
    const char *source = NULL;
    CHECK_MSG(fetch_from(both, 2, raw, &source, &err) == DEP_OK, "%s", err.message);
    CHECK_STR_EQ(source, peer.url);
    gw_stop(bad);

    ipfs_peer_stop(&peer);
    free_file(v0);
    free_file(v1);
    free_file(raw);
}
