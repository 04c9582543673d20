/*
 * Verified fetch from gateways on 127.0.0.1 (tests/deploy/gateway.c): the CAR path, the raw-block
 * fallback, plain answers for single raw blocks, each kind of lying or broken gateway (each one is
 * refused with its reason, and a good gateway listed after it still serves), the size cap, the
 * worker-thread job, and the disk cache (reuse, verification on load, atomic files, LRU).
 */
#include "deploy/deploy.h"
#include "gateway.h"
#include "oracle.h"
#include "test.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MODULE_BYTES = 3 * DEP_CHUNK_BYTES_DEFAULT + 5, SMALL_BYTES = 1000 };

/* A module: its bytes, CID, CAR and blocks. */
typedef struct module {
    uint8_t *data;
    size_t len;
    dep_cid cid;
    char cid_text[DEP_CID_TEXT_MAX];
    uint8_t *car;
    size_t car_len;
    gw_blocks blocks; /* of our import */
} module;

static module make_module(size_t len, uint8_t cid_version, uint64_t seed)
{
    module m = {.len = len};
    m.data = malloc(len);
    CHECK(m.data != NULL);
    fill_pattern(m.data, len, seed);
    dep_import_options o = dep_import_profile(cid_version);
    CHECK_INT_EQ(dep_car_write_buffer(m.data, len, &o, &m.car, &m.car_len, &m.cid, NULL), DEP_OK);
    dep_cid again;
    CHECK_INT_EQ(dep_import_buffer(m.data, len, &o, gw_keep_block, &m.blocks, &again, NULL),
                 DEP_OK);
    dep_cid_string(&m.cid, m.cid_text);
    return m;
}

static void free_module(module *m)
{
    free(m->data);
    free(m->car);
    gw_blocks_free(&m->blocks);
}

static void target(char *out, size_t cap, const char *cid, const char *format)
{
    snprintf(out, cap, "/ipfs/%s?format=%s", cid, format);
}

static void serve_car(gw_server *gw, const module *m, gw_mode mode, const char *ctype,
                      const uint8_t *car, size_t car_len)
{
    char t[300];
    target(t, sizeof t, m->cid_text, "car");
    gw_route(gw, t, mode, 200, ctype, car ? car : m->car, car ? car_len : m->car_len);
}

static void serve_blocks(gw_server *gw, const module *m)
{
    for (size_t i = 0; i < m->blocks.count; i++) {
        char cs[DEP_CID_TEXT_MAX], t[300];
        target(t, sizeof t, dep_cid_string(&m->blocks.at[i].cid, cs), "raw");
        gw_route(gw, t, GW_PLAIN, 200, "application/vnd.ipld.raw", m->blocks.at[i].data,
                 m->blocks.at[i].len);
    }
}

static dep_status fetch(const char **gateways, size_t n, const module *m, const char *cache,
                        uint64_t cap, const char **source, dep_error *err)
{
    dep_fetch_options o = {.cache_dir = cache, .max_bytes = cap, .total_timeout_ms = 10000};
    return gw_fetch_check(o, gateways, n, &m->cid, m->data, m->len, source, err);
}

TEST(test_fetch_gets_a_car_by_cidv0_and_cidv1)
{
    gw_server *gw = gw_start();
    const char *gws[] = {gw_url(gw)};
    for (uint8_t v = 0; v < 2; v++) {
        module m = make_module(MODULE_BYTES, v, v);
        serve_car(gw, &m, GW_PLAIN, "application/vnd.ipld.car; version=1", NULL, 0);
        const char *source = NULL;
        dep_error err;
        CHECK_MSG(fetch(gws, 1, &m, NULL, 0, &source, &err) == DEP_OK, "%s", err.message);
        CHECK_STR_EQ(source, gw_url(gw));
        CHECK_STR_EQ(gw_last_accept(gw), "application/vnd.ipld.car");
        free_module(&m);
    }
    gw_stop(gw);
}

TEST(test_fetch_falls_back_to_raw_blocks_when_no_car_is_served)
{
    gw_server *gw = gw_start();
    const char *gws[] = {gw_url(gw)};
    module m = make_module(MODULE_BYTES, 0, 9);
    CHECK_UINT_EQ(m.blocks.count, 5);
    serve_blocks(gw, &m);
    dep_error err;
    CHECK_MSG(fetch(gws, 1, &m, NULL, 0, NULL, &err) == DEP_OK, "%s", err.message);
    CHECK_STR_EQ(gw_last_accept(gw), "application/vnd.ipld.raw");
    char t[300];
    target(t, sizeof t, m.cid_text, "raw");
    CHECK_INT_EQ(gw_hits(gw, t), 1);
    free_module(&m);
    gw_stop(gw);
}

TEST(test_fetch_accepts_a_plain_answer_only_for_a_single_raw_block)
{
    gw_server *gw = gw_start();
    const char *gws[] = {gw_url(gw)};
    module raw = make_module(SMALL_BYTES, 1, 1);
    CHECK_UINT_EQ(raw.cid.codec, DEP_CODEC_RAW);
    serve_car(gw, &raw, GW_PLAIN, "application/octet-stream", raw.data, raw.len);
    dep_error err;
    CHECK_MSG(fetch(gws, 1, &raw, NULL, 0, NULL, &err) == DEP_OK, "%s", err.message);
    module pb = make_module(SMALL_BYTES, 0, 1);
    serve_car(gw, &pb, GW_PLAIN, "application/octet-stream", pb.data, pb.len);
    CHECK_INT_EQ(fetch(gws, 1, &pb, NULL, 0, NULL, &err), DEP_ERR_NETWORK);
    CHECK_STR_HAS(err.message,
                  "car: content type \"application/octet-stream\" is not application/vnd.ipld.car");
    /* A plain answer with other bytes than the raw block's. */
    module other = make_module(SMALL_BYTES, 1, 2);
    serve_car(gw, &other, GW_PLAIN, "application/octet-stream", raw.data, raw.len);
    CHECK_INT_EQ(fetch(gws, 1, &other, NULL, 0, NULL, &err), DEP_ERR_NETWORK);
    CHECK_STR_HAS(err.message, "car: plain response: block for");
    free_module(&raw);
    free_module(&pb);
    free_module(&other);
    gw_stop(gw);
}

typedef struct hostile_case {
    const char *name;
    gw_mode mode;
    const char *ctype;
    int damage; /* 0 none, 1 flip last byte, 2 cut 10 bytes, 3 extra block, 4 drop a block */
    const char *reason;
} hostile_case;

static void build_damaged(const module *m, int damage, uint8_t **car, size_t *len)
{
    if (damage == 4) {
        /* Our writer puts the leaves first; re-write the CAR without the first leaf. */
        *car = gw_car_of_blocks(&m->cid, &m->blocks, 1, len);
        return;
    }
    *car = malloc(m->car_len + GW_CAR_SLACK_BYTES);
    CHECK(*car != NULL);
    memcpy(*car, m->car, m->car_len);
    *len = m->car_len;
    gw_car_damage(*car, len, damage);
}

TEST(test_fetch_refuses_each_lying_gateway_and_uses_the_next)
{
    const hostile_case cases[] = {
        {"wrong bytes", GW_PLAIN, "application/vnd.ipld.car", 1, "hashes to"},
        {"truncated car", GW_PLAIN, "application/vnd.ipld.car", 2, "truncated"},
        {"extra block", GW_PLAIN, "application/vnd.ipld.car", 3, "is not reachable from the root"},
        {"missing block", GW_PLAIN, "application/vnd.ipld.car", 4, "is missing"},
        {"garbage type", GW_PLAIN, "text/html", 0, "content type \"text/html\""},
        {"slow drip", GW_DRIP, "application/vnd.ipld.car", 0, "timed out or stalled"},
        {"huge length", GW_HUGE_LENGTH, "application/vnd.ipld.car", 0, "response over the cap"},
        {"redirect loop", GW_REDIRECT_SELF, "", 0, "redirects"},
        {"hang up", GW_HANG_UP, "", 0, "nothing"},
    };
    module m = make_module(MODULE_BYTES, 0, 5);
    gw_server *good = gw_start();
    serve_car(good, &m, GW_PLAIN, "application/vnd.ipld.car", NULL, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gw_server *bad = gw_start();
        uint8_t *car;
        size_t len;
        build_damaged(&m, cases[i].damage, &car, &len);
        serve_car(bad, &m, cases[i].mode, cases[i].ctype, car, len);
        free(car);
        const char *alone[] = {gw_url(bad)};
        dep_error err;
        dep_status st = fetch(alone, 1, &m, NULL, 0, NULL, &err);
        CHECK_MSG(st == DEP_ERR_NETWORK, "%s: accepted (%s)", cases[i].name, err.message);
        CHECK_MSG(strstr(err.message, cases[i].reason) != NULL, "%s: \"%s\" lacks \"%s\"",
                  cases[i].name, err.message, cases[i].reason);
        /* The raw fallback was tried too, and found nothing. */
        CHECK_MSG(strstr(err.message, "; then block ") != NULL, "%s: %s", cases[i].name,
                  err.message);
        CHECK_STR_HAS(err.message, gw_url(bad));
        const char *both[] = {gw_url(bad), gw_url(good)};
        const char *source = NULL;
        CHECK_MSG(fetch(both, 2, &m, NULL, 0, &source, &err) == DEP_OK, "%s then good: %s",
                  cases[i].name, err.message);
        CHECK_STR_EQ(source, gw_url(good));
        gw_stop(bad);
    }
    /* A gateway that is not there at all. */
    gw_server *gone = gw_start();
    char dead[64];
    snprintf(dead, sizeof dead, "%s", gw_url(gone));
    gw_stop(gone);
    const char *both[] = {dead, gw_url(good)};
    dep_error err;
    CHECK_MSG(fetch(both, 2, &m, NULL, 0, NULL, &err) == DEP_OK, "%s", err.message);
    CHECK_INT_EQ(fetch(both, 1, &m, NULL, 0, NULL, &err), DEP_ERR_NETWORK);
    CHECK_STR_HAS(err.message, "Couldn't connect to server");
    gw_stop(good);
    free_module(&m);
}

TEST(test_fetch_raw_fallback_refuses_a_wrong_block)
{
    gw_server *gw = gw_start();
    const char *gws[] = {gw_url(gw)};
    module m = make_module(MODULE_BYTES, 1, 11);
    m.blocks.at[1].data[0] ^= 0xff;
    serve_blocks(gw, &m);
    dep_error err;
    CHECK_INT_EQ(fetch(gws, 1, &m, NULL, 0, NULL, &err), DEP_ERR_NETWORK);
    char cs[DEP_CID_TEXT_MAX], want[DEP_CID_TEXT_MAX + 32];
    snprintf(want, sizeof want, "raw: block for %s hashes to",
             dep_cid_string(&m.blocks.at[1].cid, cs));
    CHECK_STR_HAS(err.message, want);
    free_module(&m);
    gw_stop(gw);
}

TEST(test_fetch_enforces_the_module_size_cap)
{
    gw_server *gw = gw_start();
    const char *gws[] = {gw_url(gw)};
    module m = make_module(MODULE_BYTES, 0, 12);
    serve_car(gw, &m, GW_PLAIN, "application/vnd.ipld.car", NULL, 0);
    serve_blocks(gw, &m);
    dep_error err;
    CHECK_INT_EQ(fetch(gws, 1, &m, NULL, MODULE_BYTES - 1, NULL, &err), DEP_ERR_NETWORK);
    CHECK_STR_HAS(err.message, "car: file of 786437 bytes is over the cap of 786436 bytes");
    CHECK_STR_HAS(err.message, "then raw: file of 786437 bytes is over the cap of 786436 bytes");
    CHECK_MSG(fetch(gws, 1, &m, NULL, MODULE_BYTES, NULL, &err) == DEP_OK, "%s", err.message);
    free_module(&m);
    gw_stop(gw);
}

typedef struct job_result {
    atomic_int done;
    dep_status status;
    uint8_t *file;
    size_t len;
    pthread_t thread;
} job_result;

static void on_done(void *ctx, dep_status status, uint8_t *file, size_t len, const dep_error *err)
{
    (void)err;
    job_result *r = ctx;
    r->status = status;
    r->file = file;
    r->len = len;
    r->thread = pthread_self();
    atomic_store(&r->done, 1);
}

TEST(test_fetch_job_runs_on_its_own_thread_and_hands_over_the_bytes)
{
    gw_server *gw = gw_start();
    module m = make_module(MODULE_BYTES, 1, 13);
    serve_car(gw, &m, GW_PLAIN, "application/vnd.ipld.car", NULL, 0);
    dep_fetch_options o = {.gateways = {gw_url(gw)}, .gateway_count = 1};
    job_result r = {0};
    dep_fetch_job *job = dep_fetch_job_new(&o, &m.cid, on_done, &r, NULL);
    CHECK(job != NULL);
    dep_fetch_job_free(job);
    CHECK_INT_EQ(atomic_load(&r.done), 1);
    CHECK_INT_EQ(r.status, DEP_OK);
    CHECK(!pthread_equal(r.thread, pthread_self()));
    CHECK_UINT_EQ(r.len, m.len);
    CHECK(memcmp(r.file, m.data, m.len) == 0);
    free(r.file);
    free_module(&m);
    gw_stop(gw);
}

static char *cache_path(const char *dir, const module *m)
{
    static char path[4096 + DEP_CID_TEXT_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, m->cid_text);
    return path;
}

TEST(test_fetch_fills_the_cache_and_a_warm_fetch_needs_no_gateway)
{
    const char *tmp = make_temp_dir();
    char dir[300];
    snprintf(dir, sizeof dir, "%s/state/modules", tmp);
    gw_server *gw = gw_start();
    char url[64];
    snprintf(url, sizeof url, "%s", gw_url(gw));
    const char *gws[] = {url};
    module m = make_module(MODULE_BYTES, 0, 14);
    serve_car(gw, &m, GW_PLAIN, "application/vnd.ipld.car", NULL, 0);
    const char *source;
    dep_error err;
    CHECK_MSG(fetch(gws, 1, &m, dir, 0, &source, &err) == DEP_OK, "%s", err.message);
    CHECK_STR_EQ(source, url);
    struct stat sb;
    CHECK_INT_EQ(stat(cache_path(dir, &m), &sb), 0);
    CHECK_UINT_EQ(sb.st_size, m.car_len);
    gw_stop(gw); /* from now on every gateway is dead */
    CHECK_MSG(fetch(gws, 1, &m, dir, 0, &source, &err) == DEP_OK, "%s", err.message);
    CHECK_STR_EQ(source, "cache");
    /* A damaged cache file is refused, removed, and the dead gateway cannot replace it. */
    int fd = open(cache_path(dir, &m), O_WRONLY);
    CHECK(fd >= 0);
    CHECK(pwrite(fd, "X", 1, (off_t)m.car_len - 1) == 1);
    close(fd);
    uint8_t *file;
    size_t len;
    CHECK_INT_EQ(dep_cache_load(dir, &m.cid, 0, &file, &len, &err), DEP_ERR_HASH);
    CHECK_STR_HAS(err.message, "(removed): car section at offset");
    CHECK_INT_EQ(stat(cache_path(dir, &m), &sb), -1);
    CHECK_INT_EQ(dep_cache_load(dir, &m.cid, 0, &file, &len, &err), DEP_ERR_NOT_FOUND);
    char want[DEP_CID_TEXT_MAX + 32];
    snprintf(want, sizeof want, "cache: %s is not cached", m.cid_text);
    CHECK_STR_EQ(err.message, want);
    CHECK_INT_EQ(fetch(gws, 1, &m, dir, 0, NULL, &err), DEP_ERR_NETWORK);
    free_module(&m);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    CHECK(system(cmd) == 0);
}

TEST(test_cache_eviction_removes_least_recently_used_first)
{
    const char *tmp = make_temp_dir();
    char dir[300];
    snprintf(dir, sizeof dir, "%s", tmp);
    module m[3];
    for (int i = 0; i < 3; i++) {
        m[i] = make_module(SMALL_BYTES * 10, 1, 20 + (uint64_t)i);
        CHECK_INT_EQ(dep_cache_store(dir, &m[i].cid, m[i].car, m[i].car_len, NULL), DEP_OK);
        /* Recency: m[0] oldest, then m[1], then m[2]. */
        struct timespec t[2] = {{1000000 + i * 10, 0}, {1000000 + i * 10, 0}};
        CHECK_INT_EQ(utimensat(AT_FDCWD, cache_path(dir, &m[i]), t, 0), 0);
    }
    /* Loading m[0] makes it the most recently used. */
    uint8_t *file;
    size_t len;
    CHECK_INT_EQ(dep_cache_load(dir, &m[0].cid, 0, &file, &len, NULL), DEP_OK);
    CHECK_UINT_EQ(len, m[0].len);
    free(file);
    size_t removed = 0;
    uint64_t keep = m[0].car_len + m[2].car_len;
    CHECK_INT_EQ(dep_cache_evict(dir, keep, &removed, NULL), DEP_OK);
    CHECK_UINT_EQ(removed, 1);
    struct stat sb;
    CHECK_INT_EQ(stat(cache_path(dir, &m[0]), &sb), 0);
    CHECK_INT_EQ(stat(cache_path(dir, &m[1]), &sb), -1);
    CHECK_INT_EQ(stat(cache_path(dir, &m[2]), &sb), 0);
    CHECK_INT_EQ(dep_cache_evict(dir, 0, &removed, NULL), DEP_OK);
    CHECK_UINT_EQ(removed, 2);
    /* No temporary file is left behind by the atomic writes. */
    char cmd[400];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", dir);
    CHECK(system(cmd) == 0);
    for (int i = 0; i < 3; i++)
        free_module(&m[i]);
    rmdir(dir);
}

TEST(test_concurrent_fetch_jobs_each_get_their_own_module)
{
    gw_server *gw = gw_start();
    enum { JOBS = 4 };
    module m[JOBS];
    job_result r[JOBS];
    dep_fetch_job *jobs[JOBS];
    dep_fetch_options o = {.gateways = {gw_url(gw)}, .gateway_count = 1};
    for (int i = 0; i < JOBS; i++) {
        m[i] = make_module(MODULE_BYTES, (uint8_t)(i % 2), 40 + (uint64_t)i);
        serve_car(gw, &m[i], GW_PLAIN, "application/vnd.ipld.car", NULL, 0);
    }
    for (int i = 0; i < JOBS; i++) {
        r[i] = (job_result){0};
        jobs[i] = dep_fetch_job_new(&o, &m[i].cid, on_done, &r[i], NULL);
        CHECK(jobs[i] != NULL);
    }
    for (int i = 0; i < JOBS; i++) {
        dep_fetch_job_free(jobs[i]);
        CHECK_INT_EQ(r[i].status, DEP_OK);
        CHECK_UINT_EQ(r[i].len, m[i].len);
        CHECK(memcmp(r[i].file, m[i].data, m[i].len) == 0);
        free(r[i].file);
        free_module(&m[i]);
    }
    gw_stop(gw);
}

TEST(test_cache_store_reports_an_unusable_directory)
{
    const char *tmp = make_temp_dir();
    char file[300], dir[400];
    snprintf(file, sizeof file, "%s/plain-file", tmp);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/modules", file);
    module m = make_module(SMALL_BYTES, 1, 50);
    dep_error err;
    CHECK_INT_EQ(dep_cache_store(dir, &m.cid, m.car, m.car_len, &err), DEP_ERR_IO);
    char want[500];
    snprintf(want, sizeof want, "cache: mkdir %s/modules: Not a directory", file);
    CHECK_STR_EQ(err.message, want);
    free_module(&m);
    unlink(file);
    rmdir(tmp);
}
