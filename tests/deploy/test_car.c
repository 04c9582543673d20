/*
 * CARv1 writing and the verified walk. Round trips through our writer and through the reference
 * JavaScript CAR writer (@ipld/car), then every way a CAR can lie: header shapes, changed bytes,
 * missing, extra and duplicate blocks, truncation and trailing bytes, sizes that disagree with
 * the leaves, absurd depth, DAGs whose repeated subtrees describe far more than they hold, non-
 * file UnixFS nodes, unsupported codecs and the size cap. DAGs with deliberate defects are built
 * here with a small protobuf writer of the test's own, independent of src/deploy's encoder.
 */
#include "deploy/deploy.h"
#include "oracle.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- a growable byte string and a protobuf writer for hand-made blocks ---- */

typedef struct bytes {
    uint8_t *p;
    size_t len;
} bytes;

static void put(bytes *b, const void *data, size_t len)
{
    b->p = realloc(b->p, b->len + len + 1);
    CHECK(b->p != NULL);
    if (len)
        memcpy(b->p + b->len, data, len);
    b->len += len;
}

static void put_varint(bytes *b, uint64_t v)
{
    uint8_t tmp[DEP_VARINT_MAX_BYTES];
    put(b, tmp, dep_varint_encode(v, tmp));
}

static void pb_varint(bytes *b, unsigned field, uint64_t v)
{
    put_varint(b, field << 3);
    put_varint(b, v);
}

static void pb_bytes(bytes *b, unsigned field, const void *data, size_t len)
{
    put_varint(b, (field << 3) | 2);
    put_varint(b, len);
    put(b, data, len);
}

typedef struct pb_link {
    dep_cid cid;
    uint64_t size; /* for blocksizes */
} pb_link;

/* A dag-pb UnixFS node: links, then Data{Type, Data?, filesize?, blocksizes}. */
static bytes pb_node(int type, const pb_link *links, size_t n, const char *data, int64_t filesize,
                     const uint64_t *blocksizes, size_t nsizes)
{
    bytes node = {0}, fs = {0};
    for (size_t i = 0; i < n; i++) {
        bytes l = {0};
        uint8_t cid[DEP_CID_MAX_BYTES];
        pb_bytes(&l, 1, cid, dep_cid_bytes(&links[i].cid, cid));
        pb_bytes(&l, 2, "", 0);
        pb_varint(&l, 3, links[i].size);
        pb_bytes(&node, 2, l.p, l.len);
        free(l.p);
    }
    pb_varint(&fs, 1, (uint64_t)type);
    if (data != NULL)
        pb_bytes(&fs, 2, data, strlen(data));
    if (filesize >= 0)
        pb_varint(&fs, 3, (uint64_t)filesize);
    for (size_t i = 0; i < nsizes; i++)
        pb_varint(&fs, 4, blocksizes[i]);
    pb_bytes(&node, 1, fs.p, fs.len);
    free(fs.p);
    return node;
}

static dep_cid cid_of(uint16_t codec, const bytes *b)
{
    dep_cid cid;
    CHECK_INT_EQ(dep_cid_of_block(1, codec, b->p, b->len, &cid, NULL), DEP_OK);
    return cid;
}

static bytes raw(const char *s)
{
    bytes b = {0};
    put(&b, s, strlen(s));
    return b;
}

/* Appends a CAR section for (cid, block). */
static void car_add(bytes *car, const dep_cid *cid, const bytes *block)
{
    uint8_t *sec;
    size_t n;
    CHECK_INT_EQ(dep_car_section(cid, block->p, block->len, &sec, &n, NULL), DEP_OK);
    put(car, sec, n);
    free(sec);
}

static bytes car_start(const dep_cid *root)
{
    bytes car = {0};
    uint8_t h[DEP_CAR_HEADER_MAX_BYTES];
    put(&car, h, dep_car_header(root, h, sizeof h));
    return car;
}

static dep_status verify(const bytes *car, const dep_cid *root, uint64_t cap, dep_error *err,
                         size_t *out_len)
{
    uint8_t *file = NULL;
    size_t len = 0;
    dep_status st = dep_car_verify(car->p, car->len, root, cap, &file, &len, err);
    if (st == DEP_OK)
        CHECK(file != NULL);
    if (out_len)
        *out_len = len;
    free(file);
    return st;
}

static void check_rejected(const bytes *car, const dep_cid *root, dep_status want, const char *msg)
{
    dep_error err = {0};
    dep_status st = verify(car, root, 0, &err, NULL);
    CHECK_MSG(st == want, "status %s, want %s: %s", dep_status_name(st), dep_status_name(want),
              err.message);
    CHECK_STR_HAS(err.message, msg);
}

/* A two-leaf file "hello " + "world" with raw leaves: the fixture most defects start from. */
typedef struct two_leaf {
    bytes a, b, root;
    dep_cid ca, cb, croot;
} two_leaf;

static two_leaf make_two_leaf(int64_t filesize, uint64_t size_a, uint64_t size_b)
{
    two_leaf t = {.a = raw("hello "), .b = raw("world")};
    t.ca = cid_of(DEP_CODEC_RAW, &t.a);
    t.cb = cid_of(DEP_CODEC_RAW, &t.b);
    pb_link links[] = {{t.ca, 6}, {t.cb, 5}};
    uint64_t sizes[] = {size_a, size_b};
    t.root = pb_node(2, links, 2, NULL, filesize, sizes, 2);
    t.croot = cid_of(DEP_CODEC_DAG_PB, &t.root);
    return t;
}

static void free_two_leaf(two_leaf *t)
{
    free(t->a.p);
    free(t->b.p);
    free(t->root.p);
}

/* ---- round trips ---- */

static void round_trip(size_t len, dep_import_options opts)
{
    uint8_t *data = malloc(len + 1);
    CHECK(data != NULL);
    fill_pattern(data, len, len);
    uint8_t *car, *file;
    size_t car_len, file_len;
    dep_cid root;
    dep_error err;
    CHECK_INT_EQ(dep_car_write_buffer(data, len, &opts, &car, &car_len, &root, &err), DEP_OK);
    CHECK_MSG(dep_car_verify(car, car_len, &root, 0, &file, &file_len, &err) == DEP_OK, "%s",
              err.message);
    CHECK_UINT_EQ(file_len, len);
    CHECK(memcmp(file, data, len) == 0);
    free(file);
    free(car);
    free(data);
}

TEST(test_car_round_trips_both_profiles_and_deep_small_chunk_trees)
{
    round_trip(0, dep_import_profile(0));
    round_trip(0, dep_import_profile(1));
    round_trip(1, dep_import_profile(0));
    round_trip(600000, dep_import_profile(0));
    round_trip(600000, dep_import_profile(1));
    /* 1 KiB chunks, 3 links per node: 100 leaves make a five-level tree. */
    round_trip(100 * 1024,
               (dep_import_options){
                   .cid_version = 1, .raw_leaves = true, .chunk_bytes = 1024, .max_links = 3});
    round_trip(100 * 1024 + 1,
               (dep_import_options){.cid_version = 0, .chunk_bytes = 1024, .max_links = 2});
}

TEST(test_car_from_reference_writer_verifies_and_ours_reads_there)
{
    const char *dir = make_temp_dir();
    char path[256], car_path[300];
    snprintf(path, sizeof path, "%s/module", dir);
    size_t len = 3 * DEP_CHUNK_BYTES_DEFAULT + 99;
    write_pattern_file(path, len, 42);
    const char *argv[] = {path};
    for (int v = 0; v < 2; v++) {
        char js[1][DEP_CID_TEXT_MAX];
        oracle_js(v ? "v1" : "v0", argv, 1, js, dir);
        snprintf(car_path, sizeof car_path, "%s/module.car", dir);
        size_t car_len, file_len;
        uint8_t *car = slurp(car_path, &car_len);
        dep_cid root;
        dep_error err;
        CHECK_INT_EQ(dep_cid_parse(js[0], strlen(js[0]), &root, NULL), DEP_OK);
        uint8_t *file;
        CHECK_MSG(dep_car_verify(car, car_len, &root, 0, &file, &file_len, &err) == DEP_OK, "%s",
                  err.message);
        CHECK_UINT_EQ(file_len, len);
        free(file);
        /* Our CAR of the same file is byte-identical to the reference writer's. */
        dep_import_options o = dep_import_profile((uint8_t)v);
        char ours_path[300];
        snprintf(ours_path, sizeof ours_path, "%s/ours.car", dir);
        dep_cid ours;
        CHECK_INT_EQ(dep_car_write_file(path, ours_path, &o, &ours, &err), DEP_OK);
        CHECK(dep_cid_equal(&ours, &root));
        size_t ours_len;
        uint8_t *ours_car = slurp(ours_path, &ours_len);
        CHECK_UINT_EQ(ours_len, car_len);
        CHECK(memcmp(ours_car, car, car_len) == 0);
        /* And the reference reader reads ours: same root, 5 blocks (4 leaves + root). */
        char cmd[700], want[DEP_CID_TEXT_MAX + 16];
        snprintf(cmd, sizeof cmd, "node '%s' --read-car '%s'",
                 test_src_path("tests/peers/unixfs/cid.mjs"), ours_path);
        char *out = run_capture(cmd);
        snprintf(want, sizeof want, "%s 5\n", js[0]);
        CHECK_STR_EQ(out, want);
        free(out);
        free(ours_car);
        free(car);
        unlink(ours_path);
        unlink(car_path);
    }
    unlink(path);
    rmdir(dir);
}

TEST(test_car_accepts_duplicate_blocks_and_identity_links)
{
    two_leaf t = make_two_leaf(11, 6, 5);
    bytes car = car_start(&t.croot);
    car_add(&car, &t.croot, &t.root);
    car_add(&car, &t.ca, &t.a);
    car_add(&car, &t.cb, &t.b);
    car_add(&car, &t.ca, &t.a);
    dep_error err;
    size_t len;
    CHECK_MSG(verify(&car, &t.croot, 0, &err, &len) == DEP_OK, "%s", err.message);
    CHECK_UINT_EQ(len, 11);
    free(car.p);
    /* A leaf named by an identity CID travels inside its parent's pb_link. */
    const uint8_t id_bin[] = {0x01, 0x55, 0x00, 0x03, 'a', 'b', 'c'};
    dep_cid id;
    size_t used;
    CHECK_INT_EQ(dep_cid_read(id_bin, sizeof id_bin, &id, &used, NULL), DEP_OK);
    pb_link links[] = {{id, 3}, {t.cb, 5}};
    uint64_t sizes[] = {3, 5};
    bytes node = pb_node(2, links, 2, NULL, 8, sizes, 2);
    dep_cid cnode = cid_of(DEP_CODEC_DAG_PB, &node);
    car = car_start(&cnode);
    car_add(&car, &cnode, &node);
    car_add(&car, &t.cb, &t.b);
    CHECK_MSG(verify(&car, &cnode, 0, &err, &len) == DEP_OK, "%s", err.message);
    CHECK_UINT_EQ(len, 8);
    free(car.p);
    free(node.p);
    free_two_leaf(&t);
}

/* ---- lies in blocks ---- */

TEST(test_car_rejects_changed_block_bytes)
{
    two_leaf t = make_two_leaf(11, 6, 5);
    bytes car = car_start(&t.croot);
    car_add(&car, &t.croot, &t.root);
    car_add(&car, &t.ca, &t.a);
    car_add(&car, &t.cb, &t.b);
    car.p[car.len - 1] ^= 0x20; /* "world" -> "worlD" */
    char want[DEP_CID_TEXT_MAX + 32], cs[DEP_CID_TEXT_MAX];
    snprintf(want, sizeof want, "block for %s hashes to bafkrei", dep_cid_string(&t.cb, cs));
    check_rejected(&car, &t.croot, DEP_ERR_HASH, want);
    check_rejected(&car, &t.croot, DEP_ERR_HASH, "car section at offset");
    free(car.p);
    free_two_leaf(&t);
}

TEST(test_car_rejects_missing_and_unreachable_blocks)
{
    two_leaf t = make_two_leaf(11, 6, 5);
    char cs[DEP_CID_TEXT_MAX], ps[DEP_CID_TEXT_MAX], want[2 * DEP_CID_TEXT_MAX + 64];
    bytes car = car_start(&t.croot);
    car_add(&car, &t.croot, &t.root);
    car_add(&car, &t.ca, &t.a);
    snprintf(want, sizeof want, "block %s (linked from %s) is missing", dep_cid_string(&t.cb, cs),
             dep_cid_string(&t.croot, ps));
    check_rejected(&car, &t.croot, DEP_ERR_DAG, want);
    free(car.p);

    car = car_start(&t.croot);
    car_add(&car, &t.ca, &t.a);
    snprintf(want, sizeof want, "root block %s is missing", dep_cid_string(&t.croot, cs));
    dep_error err;
    /* The header names the root, but no section holds it. */
    CHECK_INT_EQ(verify(&car, &t.croot, 0, &err, NULL), DEP_ERR_DAG);
    CHECK_STR_EQ(err.message, want);
    free(car.p);

    bytes extra = raw("not part of the file");
    dep_cid cextra = cid_of(DEP_CODEC_RAW, &extra);
    car = car_start(&t.croot);
    car_add(&car, &t.croot, &t.root);
    car_add(&car, &t.ca, &t.a);
    size_t extra_at = car.len;
    car_add(&car, &cextra, &extra);
    car_add(&car, &t.cb, &t.b);
    snprintf(want, sizeof want, "car block %s at offset %zu is not reachable from the root",
             dep_cid_string(&cextra, cs), extra_at);
    CHECK_INT_EQ(verify(&car, &t.croot, 0, &err, NULL), DEP_ERR_DAG);
    CHECK_STR_EQ(err.message, want);
    free(car.p);
    free(extra.p);
    free_two_leaf(&t);
}

TEST(test_car_rejects_truncation_and_trailing_bytes)
{
    two_leaf t = make_two_leaf(11, 6, 5);
    bytes car = car_start(&t.croot);
    car_add(&car, &t.croot, &t.root);
    car_add(&car, &t.ca, &t.a);
    car_add(&car, &t.cb, &t.b);
    size_t full = car.len;
    car.len = full - 1;
    check_rejected(&car, &t.croot, DEP_ERR_MALFORMED, "truncated, 41 bytes declared, 40 present");
    car.len = full;
    put(&car, "\x00", 1);
    check_rejected(&car, &t.croot, DEP_ERR_MALFORMED, "zero length");
    car.len = full;
    put(&car, "\x05\x01", 2);
    check_rejected(&car, &t.croot, DEP_ERR_MALFORMED, "truncated, 5 bytes declared, 1 present");
    car.len = full;
    put(&car, "\x80", 1);
    check_rejected(&car, &t.croot, DEP_ERR_MALFORMED, "length: varint truncated after 1 byte");
    car.len = full;
    put(&car, "\x80\x80\x80\x80\x80\x01", 6); /* 2^35 bytes */
    check_rejected(&car, &t.croot, DEP_ERR_LIMIT, "over the 2097152-byte block cap");
    car.len = full;
    put(&car, "\x03\x01\x71\x12", 4); /* a dag-cbor CID */
    check_rejected(&car, &t.croot, DEP_ERR_UNSUPPORTED,
                   "cid codec 0x71 (dag-cbor) is not supported");
    free(car.p);
    free_two_leaf(&t);
}

/* ---- lies in sizes and shapes ---- */

TEST(test_car_rejects_sizes_that_disagree_with_the_leaves)
{
    struct {
        int64_t filesize;
        uint64_t a, b;
        const char *msg;
    } cases[] = {
        {12, 6, 5, "filesize 12 but its leaves hold 11 bytes"},
        {11, 5, 6, "child 0 holds 6 bytes but blocksizes says 5"},
        {11, 6, 4, "child 1 holds 5 bytes but blocksizes says 4"},
    };
    for (size_t i = 0; i < 3; i++) {
        two_leaf t = make_two_leaf(cases[i].filesize, cases[i].a, cases[i].b);
        bytes car = car_start(&t.croot);
        car_add(&car, &t.croot, &t.root);
        car_add(&car, &t.ca, &t.a);
        car_add(&car, &t.cb, &t.b);
        check_rejected(&car, &t.croot, DEP_ERR_DAG, cases[i].msg);
        free(car.p);
        free_two_leaf(&t);
    }
    /* Two links, one blocksize. */
    two_leaf t = make_two_leaf(11, 6, 5);
    pb_link links[] = {{t.ca, 6}, {t.cb, 5}};
    uint64_t one[] = {11};
    bytes node = pb_node(2, links, 2, NULL, 11, one, 1);
    dep_cid c = cid_of(DEP_CODEC_DAG_PB, &node);
    bytes car = car_start(&c);
    car_add(&car, &c, &node);
    car_add(&car, &t.ca, &t.a);
    car_add(&car, &t.cb, &t.b);
    check_rejected(&car, &c, DEP_ERR_DAG, "2 links but 1 blocksizes");
    free(car.p);
    free(node.p);
    /* A leaf node whose filesize disagrees with its own data. */
    node = pb_node(2, NULL, 0, "abc", 4, NULL, 0);
    c = cid_of(DEP_CODEC_DAG_PB, &node);
    car = car_start(&c);
    car_add(&car, &c, &node);
    check_rejected(&car, &c, DEP_ERR_DAG, "filesize 4 but its leaves hold 3 bytes");
    free(car.p);
    free(node.p);
    free_two_leaf(&t);
}

TEST(test_car_rejects_absurd_depth)
{
    bytes leaf = raw("x");
    dep_cid child = cid_of(DEP_CODEC_RAW, &leaf);
    bytes blocks[40];
    dep_cid cids[40];
    for (int i = 0; i < 40; i++) {
        pb_link l = {child, 1};
        uint64_t one = 1;
        blocks[i] = pb_node(2, &l, 1, NULL, 1, &one, 1);
        cids[i] = child = cid_of(DEP_CODEC_DAG_PB, &blocks[i]);
    }
    bytes car = car_start(&child);
    for (int i = 39; i >= 0; i--)
        car_add(&car, &cids[i], &blocks[i]);
    car_add(&car, &cids[0], &blocks[0]);
    dep_cid leaf_cid = cid_of(DEP_CODEC_RAW, &leaf);
    car_add(&car, &leaf_cid, &leaf);
    check_rejected(&car, &child, DEP_ERR_DAG, "dag deeper than 32 levels at");
    free(car.p);
    for (int i = 0; i < 40; i++)
        free(blocks[i].p);
    free(leaf.p);
}

TEST(test_car_rejects_repeated_subtrees_that_explode_the_walk)
{
    /* Three levels of 174 links to one child: a CAR of four blocks that names 5 million. */
    bytes leaf = {0};
    put(&leaf, "", 0);
    dep_cid child = cid_of(DEP_CODEC_RAW, &leaf);
    bytes levels[3];
    dep_cid cids[3];
    pb_link links[174];
    uint64_t sizes[174] = {0};
    for (int l = 0; l < 3; l++) {
        for (int i = 0; i < 174; i++)
            links[i] = (pb_link){child, 0};
        levels[l] = pb_node(2, links, 174, NULL, 0, sizes, 174);
        cids[l] = child = cid_of(DEP_CODEC_DAG_PB, &levels[l]);
    }
    bytes car = car_start(&child);
    for (int l = 2; l >= 0; l--)
        car_add(&car, &cids[l], &levels[l]);
    dep_cid leaf_cid = cid_of(DEP_CODEC_RAW, &leaf);
    car_add(&car, &leaf_cid, &leaf);
    check_rejected(&car, &child, DEP_ERR_LIMIT, "dag walk visits more than 1000000 nodes");
    free(car.p);
    for (int l = 0; l < 3; l++)
        free(levels[l].p);
    free(leaf.p);
}

TEST(test_car_rejects_non_file_unixfs_and_malformed_dag_pb)
{
    char cs[DEP_CID_TEXT_MAX], want[DEP_CID_TEXT_MAX + 64];
    bytes dir = pb_node(1, NULL, 0, NULL, -1, NULL, 0);
    dep_cid c = cid_of(DEP_CODEC_DAG_PB, &dir);
    bytes car = car_start(&c);
    car_add(&car, &c, &dir);
    snprintf(want, sizeof want, "block %s is a UnixFS directory, not a file",
             dep_cid_string(&c, cs));
    check_rejected(&car, &c, DEP_ERR_UNSUPPORTED, want);
    free(car.p);
    free(dir.p);

    struct {
        const char *bytes;
        size_t len;
        const char *msg;
    } bad[] = {
        {"\x0a\x02\x08\x02\x12\x00", 6,
         "dag-pb at offset 4: link after Data (links must come first)"},
        {"\x0a\x02\x08\x02\x0a\x02\x08\x02", 8, "dag-pb at offset 4: Data repeated"},
        {"\x18\x01", 2, "dag-pb at offset 0: unexpected field 3 (wire type 0)"},
        {"\x0a\x05\x08\x02", 4, "field 1 of 5 bytes overruns the 2 left"},
        {"\x0a\x02\x18\x00", 4, "unixfs: no Type field"},
        {"\x0a\x04\x08\x02\x08\x02", 6, "unixfs: field 1 out of order or repeated"},
        {"\x0a\x02\x08\x09", 4, "unixfs: unknown type 9"},
        {"\x0a\x03\x08\x02\x4d", 5, "unixfs at offset 2: field 9 has wire type 5"},
        {"", 0, "dag-pb node without UnixFS data"},
        {"\x12\x02\x18\x01\x0a\x02\x08\x02", 8, "dag-pb link 0: link without a Hash"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bytes b = {0};
        put(&b, bad[i].bytes, bad[i].len);
        c = cid_of(DEP_CODEC_DAG_PB, &b);
        car = car_start(&c);
        car_add(&car, &c, &b);
        dep_error err = {0};
        CHECK_MSG(verify(&car, &c, 0, &err, NULL) != DEP_OK, "case %zu accepted", i);
        CHECK_MSG(strstr(err.message, bad[i].msg) != NULL, "case %zu: \"%s\" lacks \"%s\"", i,
                  err.message, bad[i].msg);
        free(car.p);
        free(b.p);
    }
}

TEST(test_car_enforces_the_size_cap)
{
    size_t len = 5000;
    uint8_t data[5000];
    fill_pattern(data, len, 3);
    uint8_t *car, *file;
    size_t car_len, file_len;
    dep_cid root;
    dep_error err;
    dep_import_options o = {.cid_version = 1, .raw_leaves = true, .chunk_bytes = 1000};
    CHECK_INT_EQ(dep_car_write_buffer(data, len, &o, &car, &car_len, &root, NULL), DEP_OK);
    CHECK_INT_EQ(dep_car_verify(car, car_len, &root, 4999, &file, &file_len, &err), DEP_ERR_LIMIT);
    CHECK_STR_EQ(err.message, "file of 5000 bytes is over the cap of 4999 bytes");
    CHECK_INT_EQ(dep_car_verify(car, car_len, &root, 5000, &file, &file_len, &err), DEP_OK);
    free(file);
    free(car);
    /* A single raw block over the cap has no filesize to check first. */
    o.chunk_bytes = 0;
    CHECK_INT_EQ(dep_car_write_buffer(data, len, &o, &car, &car_len, &root, NULL), DEP_OK);
    CHECK_INT_EQ(dep_car_verify(car, car_len, &root, 100, &file, &file_len, &err), DEP_ERR_LIMIT);
    CHECK_STR_HAS(err.message, "file is over the cap of 100 bytes (at block bafkrei");
    free(car);
}

/* ---- lies in the header ---- */

static void check_header(const uint8_t *hdr, size_t len, dep_status want, const char *msg)
{
    two_leaf t = make_two_leaf(11, 6, 5);
    bytes car = {0};
    put_varint(&car, len);
    put(&car, hdr, len);
    car_add(&car, &t.croot, &t.root);
    check_rejected(&car, &t.croot, want, msg);
    free(car.p);
    free_two_leaf(&t);
}

TEST(test_car_rejects_every_malformed_header)
{
    /* {"version": 2}: the CARv2 pragma. */
    const uint8_t v2[] = {0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x02};
    check_header(v2, sizeof v2, DEP_ERR_UNSUPPORTED, "car header: CARv2 is not supported");
    const uint8_t v3[] = {0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x03};
    check_header(v3, sizeof v3, DEP_ERR_UNSUPPORTED, "car header: version 3 is not supported");
    const uint8_t no_roots[] = {0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01};
    check_header(no_roots, sizeof no_roots, DEP_ERR_MALFORMED, "car header: no roots");
    const uint8_t misordered[] = {0xa2, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n',
                                  0x01, 0x65, 'r', 'o', 'o', 't', 's', 0x80};
    check_header(misordered, sizeof misordered, DEP_ERR_MALFORMED,
                 "unexpected, repeated or misordered key \"roots\"");
    const uint8_t unknown[] = {0xa1, 0x63, 'f', 'o', 'o', 0x01};
    check_header(unknown, sizeof unknown, DEP_ERR_MALFORMED,
                 "unexpected, repeated or misordered key \"foo\"");
    const uint8_t long_int[] = {0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x18, 0x01};
    check_header(long_int, sizeof long_int, DEP_ERR_MALFORMED,
                 "integer at offset 9 not minimally encoded (not dag-cbor)");
    const uint8_t indefinite[] = {0xbf, 0xff};
    check_header(indefinite, sizeof indefinite, DEP_ERR_MALFORMED,
                 "indefinite or reserved length at offset 0");
    const uint8_t array[] = {0x80};
    check_header(array, sizeof array, DEP_ERR_MALFORMED,
                 "car header: header at offset 0 is a array, not a map");
    const uint8_t untagged[] = {0xa2, 0x65, 'r', 'o', 'o', 't', 's', 0x81, 0x42, 0x00,
                                0x01, 0x67, 'v', 'e', 'r', 's', 'i', 'o',  'n',  0x01};
    check_header(untagged, sizeof untagged, DEP_ERR_MALFORMED,
                 "root at offset 8 is a byte string, not a tag");
    const uint8_t wrong_tag[] = {0xa2, 0x65, 'r',  'o', 'o', 't', 's', 0x81, 0xd8, 0x2b, 0x42,
                                 0x00, 0x01, 0x67, 'v', 'e', 'r', 's', 'i',  'o',  'n',  0x01};
    check_header(wrong_tag, sizeof wrong_tag, DEP_ERR_MALFORMED, "has tag 43, not 42");
    const uint8_t no_prefix[] = {0xa2, 0x65, 'r',  'o', 'o', 't', 's', 0x81, 0xd8, 0x2a, 0x42,
                                 0x01, 0x01, 0x67, 'v', 'e', 'r', 's', 'i',  'o',  'n',  0x01};
    check_header(no_prefix, sizeof no_prefix, DEP_ERR_MALFORMED, "lacks the 0x00 multibase prefix");
    const uint8_t trailing[] = {0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01, 0x00};
    check_header(trailing, sizeof trailing, DEP_ERR_MALFORMED, "no roots");
    const uint8_t empty_roots_trailing[] = {0xa2, 0x65, 'r', 'o', 'o', 't', 's', 0x80, 0x67,
                                            'v',  'e',  'r', 's', 'i', 'o', 'n', 0x01, 0x00};
    check_header(empty_roots_trailing, sizeof empty_roots_trailing, DEP_ERR_MALFORMED,
                 "car header: 1 bytes after the map");
    const uint8_t empty_roots[] = {0xa2, 0x65, 'r', 'o', 'o', 't', 's', 0x80, 0x67,
                                   'v',  'e',  'r', 's', 'i', 'o', 'n', 0x01};
    check_header(empty_roots, sizeof empty_roots, DEP_ERR_DAG, "car header does not name");
    check_header(NULL, 0, DEP_ERR_MALFORMED, "car header: zero length");

    bytes car = {0};
    put(&car, "\x85\x80\x01", 3); /* 16389 bytes */
    two_leaf t = make_two_leaf(11, 6, 5);
    check_rejected(&car, &t.croot, DEP_ERR_LIMIT,
                   "car header: 16389 bytes is over the 4096-byte cap");
    car.len = 0;
    put(&car, "\x20\xa2", 2);
    check_rejected(&car, &t.croot, DEP_ERR_MALFORMED, "car header: 32 bytes declared, 1 present");
    car.len = 0;
    check_rejected(&car, &t.croot, DEP_ERR_MALFORMED, "car header length: varint truncated");
    /* A well-formed header for another root. */
    free(car.p);
    car = car_start(&t.ca);
    car_add(&car, &t.croot, &t.root);
    char cs[DEP_CID_TEXT_MAX], want[DEP_CID_TEXT_MAX + 64];
    snprintf(want, sizeof want, "car header does not name %s as a root",
             dep_cid_string(&t.croot, cs));
    check_rejected(&car, &t.croot, DEP_ERR_DAG, want);
    dep_cid roots[2];
    size_t count;
    CHECK_INT_EQ(dep_car_roots(car.p, car.len, roots, 2, &count, NULL), DEP_OK);
    CHECK_UINT_EQ(count, 1);
    CHECK(dep_cid_equal(&roots[0], &t.ca));
    free(car.p);
    free_two_leaf(&t);
}
