/*
 * The UnixFS importer against two independent oracles: Debian's ipfs_cid (Kubo-default CIDv0, and
 * that DAG's CIDv1) and the reference JavaScript importer (both profiles). Sizes cover the chunk
 * boundaries (0, 1, 262143, 262144, 262145 bytes), the one-level/two-level boundary of the
 * balanced layout (174 and 174*262144+1 bytes), and 50 MB. The oracles run inside the test; the
 * only pasted CIDs are the well-known ones of the empty file and "hello world\n" that IPFS's own
 * documentation and tests print.
 */
#include "deploy/deploy.h"
#include "oracle.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum { CHUNK = DEP_CHUNK_BYTES_DEFAULT };

static void our_cids(const char *path, char *v0, char *v0_as_v1, char *v1)
{
    dep_error err;
    dep_cid root;
    dep_import_options o0 = dep_import_profile(0), o1 = dep_import_profile(1);
    CHECK_MSG(dep_import_file(path, &o0, NULL, NULL, &root, &err) == DEP_OK, "%s", err.message);
    dep_cid_string(&root, v0);
    dep_cid as_v1 = dep_cid_to_v1(&root);
    dep_cid_string(&as_v1, v0_as_v1);
    CHECK_MSG(dep_import_file(path, &o1, NULL, NULL, &root, &err) == DEP_OK, "%s", err.message);
    dep_cid_string(&root, v1);
}

/* Imports files of the given sizes and checks our three CIDs against both oracles. */
static void check_sizes_against_oracles(const size_t *sizes, size_t n)
{
    const char *dir = make_temp_dir();
    char(*paths)[256] = calloc(n, sizeof *paths);
    const char **argv = calloc(n, sizeof *argv);
    char(*js0)[DEP_CID_TEXT_MAX] = calloc(n, sizeof *js0);
    char(*js1)[DEP_CID_TEXT_MAX] = calloc(n, sizeof *js1);
    CHECK(paths && argv && js0 && js1);
    for (size_t i = 0; i < n; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/f%zu", dir, sizes[i]);
        write_pattern_file(paths[i], sizes[i], sizes[i] + 1);
        argv[i] = paths[i];
    }
    oracle_js("v0", argv, n, js0, NULL);
    oracle_js("v1", argv, n, js1, NULL);
    for (size_t i = 0; i < n; i++) {
        char v0[DEP_CID_TEXT_MAX], v0v1[DEP_CID_TEXT_MAX], v1[DEP_CID_TEXT_MAX];
        char ref0[DEP_CID_TEXT_MAX], ref1[DEP_CID_TEXT_MAX];
        our_cids(paths[i], v0, v0v1, v1);
        oracle_ipfs_cid(paths[i], ref0, ref1);
        CHECK_MSG(strcmp(v0, ref0) == 0, "%zu bytes: CIDv0 %s, ipfs_cid says %s", sizes[i], v0,
                  ref0);
        CHECK_MSG(strcmp(v0v1, ref1) == 0, "%zu bytes: v0 DAG as CIDv1 %s, ipfs_cid says %s",
                  sizes[i], v0v1, ref1);
        CHECK_MSG(strcmp(v0, js0[i]) == 0, "%zu bytes: CIDv0 %s, JS importer says %s", sizes[i], v0,
                  js0[i]);
        CHECK_MSG(strcmp(v1, js1[i]) == 0, "%zu bytes: CIDv1 %s, JS importer says %s", sizes[i], v1,
                  js1[i]);
        unlink(paths[i]);
    }
    rmdir(dir);
    free(paths);
    free(argv);
    free(js0);
    free(js1);
}

TEST(test_import_known_vectors_empty_and_hello_world)
{
    dep_cid root;
    char s[DEP_CID_TEXT_MAX];
    dep_import_options o0 = dep_import_profile(0), o1 = dep_import_profile(1);
    CHECK_INT_EQ(dep_import_buffer(NULL, 0, &o0, NULL, NULL, &root, NULL), DEP_OK);
    CHECK_STR_EQ(dep_cid_string(&root, s), "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
    CHECK_INT_EQ(dep_import_buffer(NULL, 0, &o1, NULL, NULL, &root, NULL), DEP_OK);
    CHECK_STR_EQ(dep_cid_string(&root, s),
                 "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
    const uint8_t *hw = (const uint8_t *)"hello world\n";
    CHECK_INT_EQ(dep_import_buffer(hw, 12, &o0, NULL, NULL, &root, NULL), DEP_OK);
    CHECK_STR_EQ(dep_cid_string(&root, s), "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
    CHECK_INT_EQ(dep_import_buffer(hw, 12, &o1, NULL, NULL, &root, NULL), DEP_OK);
    CHECK_STR_EQ(dep_cid_string(&root, s),
                 "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
}

TEST(test_import_matches_oracles_at_chunk_boundaries)
{
    const size_t sizes[] = {0,      1, 12, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 7,
                            1000000};
    check_sizes_against_oracles(sizes, sizeof sizes / sizeof sizes[0]);
}

TEST(test_import_matches_oracles_at_tree_level_boundary)
{
    /* 174 chunks fill one parent; one byte more needs a second level. */
    const size_t sizes[] = {173 * (size_t)CHUNK + 5, 174 * (size_t)CHUNK, 174 * (size_t)CHUNK + 1,
                            175 * (size_t)CHUNK + CHUNK / 2};
    check_sizes_against_oracles(sizes, sizeof sizes / sizeof sizes[0]);
}

TEST(test_import_matches_oracles_for_50_megabytes)
{
    const size_t sizes[] = {50 * 1024 * 1024};
    check_sizes_against_oracles(sizes, 1);
}

TEST(test_import_of_repeated_chunks_matches_oracles)
{
    /* Identical chunks give identical leaves: the DAG links one block many times. */
    const char *dir = make_temp_dir();
    char path[256];
    snprintf(path, sizeof path, "%s/zeros", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    static uint8_t zeros[CHUNK];
    for (int i = 0; i < 180; i++)
        CHECK(fwrite(zeros, 1, CHUNK, f) == CHUNK);
    CHECK(fclose(f) == 0);
    char v0[DEP_CID_TEXT_MAX], v0v1[DEP_CID_TEXT_MAX], v1[DEP_CID_TEXT_MAX];
    char ref0[DEP_CID_TEXT_MAX], ref1[DEP_CID_TEXT_MAX], js[1][DEP_CID_TEXT_MAX];
    our_cids(path, v0, v0v1, v1);
    oracle_ipfs_cid(path, ref0, ref1);
    CHECK_STR_EQ(v0, ref0);
    CHECK_STR_EQ(v0v1, ref1);
    const char *argv[] = {path};
    oracle_js("v1", argv, 1, js, NULL);
    CHECK_STR_EQ(v1, js[0]);
    unlink(path);
    rmdir(dir);
}

typedef struct block_log {
    size_t count;
    size_t max_len;
    dep_cid last;
} block_log;

static dep_status log_block(void *ctx, const dep_cid *cid, const uint8_t *data, size_t len,
                            dep_error *err)
{
    block_log *log = ctx;
    CHECK_INT_EQ(dep_cid_verify_block(cid, data, len, err), DEP_OK);
    log->count++;
    if (len > log->max_len)
        log->max_len = len;
    log->last = *cid;
    return DEP_OK;
}

TEST(test_import_emits_children_before_root_and_streams_in_any_piece_size)
{
    size_t len = 5 * CHUNK + 123;
    uint8_t *data = malloc(len);
    CHECK(data != NULL);
    fill_pattern(data, len, 7);
    dep_import_options o = dep_import_profile(1);
    block_log log = {0};
    dep_cid whole, pieces;
    CHECK_INT_EQ(dep_import_buffer(data, len, &o, log_block, &log, &whole, NULL), DEP_OK);
    CHECK_UINT_EQ(log.count, 7); /* six raw leaves, one parent */
    CHECK_UINT_EQ(log.max_len, CHUNK);
    CHECK(dep_cid_equal(&log.last, &whole));
    dep_importer *imp = dep_importer_new(&o, NULL, NULL, NULL);
    CHECK(imp != NULL);
    for (size_t off = 0, step = 1; off < len; off += step, step = step * 3 + 1) {
        size_t n = off + step > len ? len - off : step;
        CHECK_INT_EQ(dep_importer_write(imp, data + off, n, NULL), DEP_OK);
    }
    uint64_t bytes = 0;
    CHECK_INT_EQ(dep_importer_finish(imp, &pieces, &bytes, NULL), DEP_OK);
    CHECK_UINT_EQ(bytes, len);
    CHECK(dep_cid_equal(&whole, &pieces));
    dep_error err;
    CHECK_INT_EQ(dep_importer_write(imp, data, 1, &err), DEP_ERR_ARG);
    CHECK_STR_EQ(err.message, "importer: write after finish");
    dep_importer_free(imp);
    free(data);
}

static dep_status refuse_block(void *ctx, const dep_cid *cid, const uint8_t *data, size_t len,
                               dep_error *err)
{
    (void)ctx, (void)cid, (void)data, (void)len;
    snprintf(err->message, sizeof err->message, "disk full");
    err->status = DEP_ERR_IO;
    return DEP_ERR_IO;
}

TEST(test_import_stops_when_the_block_sink_fails)
{
    dep_import_options o = dep_import_profile(0);
    dep_cid root;
    dep_error err;
    CHECK_INT_EQ(dep_import_buffer((const uint8_t *)"x", 1, &o, refuse_block, NULL, &root, &err),
                 DEP_ERR_IO);
    CHECK_STR_EQ(err.message, "disk full");
}

TEST(test_import_rejects_bad_options)
{
    dep_error err;
    dep_import_options o = {.cid_version = 0, .raw_leaves = true};
    CHECK(dep_importer_new(&o, NULL, NULL, &err) == NULL);
    CHECK_STR_EQ(err.message, "importer: raw leaves need CIDv1");
    o = (dep_import_options){.cid_version = 2};
    CHECK(dep_importer_new(&o, NULL, NULL, &err) == NULL);
    CHECK_STR_EQ(err.message, "importer: cid version 2 (must be 0 or 1)");
    o = (dep_import_options){.chunk_bytes = DEP_CHUNK_BYTES_MAX + 1};
    CHECK(dep_importer_new(&o, NULL, NULL, &err) == NULL);
    CHECK_STR_HAS(err.message, "is over the 1048576-byte maximum");
    o = (dep_import_options){.max_links = 1};
    CHECK(dep_importer_new(&o, NULL, NULL, &err) == NULL);
    CHECK_STR_EQ(err.message, "importer: 1 links per node (must be 2..4096)");
    CHECK_INT_EQ(dep_import_file("/nonexistent/x", &o, NULL, NULL, NULL, &err), DEP_ERR_IO);
    CHECK_STR_EQ(err.message, "/nonexistent/x: No such file or directory");
}
