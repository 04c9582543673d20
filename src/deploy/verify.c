/*
 * The verified walk: turns an untrusted CARv1 into the file bytes of one UnixFS file, or refuses.
 * Every block is hashed and compared with its CID while the CAR is indexed, before its bytes are
 * looked at. The walk then follows the DAG from the root in file order and checks what the hashes
 * cannot: that every linked block is present, that the sizes each node claims (filesize,
 * blocksizes) agree with the bytes its leaves actually hold, that the depth and the number of
 * visits stay bounded (identical subtrees may repeat, so a tiny CAR could describe a huge file),
 * that the output stays under the size cap, and that the CAR carries nothing the root does not
 * reach. A CID that names an identity multihash carries its block inline and needs no section.
 */
#include "deploy/internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct car_block {
    dep_cid cid;
    const uint8_t *data;
    size_t len;
    size_t offset; /* of the section, for messages */
    bool reached;
} car_block;

typedef struct walk {
    car_block *blocks;
    size_t count;
    dep_cidmap index;
    dep_buf out;
    uint64_t visits;
} walk;

/* Indexes and verifies every section; a repeated block is kept once. */
static dep_status index_car(walk *w, const uint8_t *car, size_t len, size_t offset, dep_error *err)
{
    size_t cap = 0;
    while (offset < len) {
        dep_cid cid;
        const uint8_t *data;
        size_t data_len, at = offset;
        char cs[DEP_CID_TEXT_MAX];
        dep_status st = dep_car_read_section(car, len, &offset, &cid, &data, &data_len, err);
        if (st != DEP_OK)
            return st;
        if ((st = dep_cid_verify_block(&cid, data, data_len, err)) != DEP_OK) {
            dep_error_prefix(err, "car section at offset %zu", at);
            return st;
        }
        if (data_len > DEP_BLOCK_MAX_BYTES)
            return dep_fail(err, DEP_ERR_LIMIT, "car block %s: %zu bytes is over the %d-byte cap",
                            dep_cid_string(&cid, cs), data_len, DEP_BLOCK_MAX_BYTES);
        bool added;
        if ((st = dep_cidmap_put(&w->index, &cid, w->count, &added, err)) != DEP_OK)
            return st;
        if (!added)
            continue;
        if (w->count == DEP_CAR_MAX_BLOCKS)
            return dep_fail(err, DEP_ERR_LIMIT, "car holds more than %d blocks",
                            DEP_CAR_MAX_BLOCKS);
        if (w->count == cap) {
            cap = cap ? cap * 2 : 64;
            car_block *b = realloc(w->blocks, cap * sizeof *b);
            if (b == NULL)
                return dep_fail(err, DEP_ERR_NOMEM, "out of memory indexing %zu blocks", cap);
            w->blocks = b;
        }
        w->blocks[w->count++] =
            (car_block){.cid = cid, .data = data, .len = data_len, .offset = at};
    }
    return DEP_OK;
}

static dep_status append_out(walk *w, const uint8_t *data, size_t len, const dep_cid *cid,
                             dep_error *err)
{
    char cs[DEP_CID_TEXT_MAX];
    if (len > w->out.max - w->out.len)
        return dep_fail(err, DEP_ERR_LIMIT, "file is over the cap of %zu bytes (at block %s)",
                        w->out.max, dep_cid_string(cid, cs));
    return dep_buf_append(&w->out, data, len, err);
}

static dep_status visit(walk *w, const dep_cid *cid, const dep_cid *parent, size_t depth,
                        uint64_t *produced, dep_error *err)
{
    char cs[DEP_CID_TEXT_MAX], ps[DEP_CID_TEXT_MAX];
    if (depth > DEP_DAG_MAX_DEPTH)
        return dep_fail(err, DEP_ERR_DAG, "dag deeper than %d levels at %s", DEP_DAG_MAX_DEPTH,
                        dep_cid_string(cid, cs));
    if (++w->visits > DEP_WALK_MAX_NODES)
        return dep_fail(err, DEP_ERR_LIMIT, "dag walk visits more than %d nodes",
                        DEP_WALK_MAX_NODES);
    const uint8_t *data;
    size_t len, idx;
    if (cid->hash == DEP_HASH_IDENTITY) {
        data = cid->digest;
        len = cid->digest_len;
    } else if (dep_cidmap_get(&w->index, cid, &idx)) {
        w->blocks[idx].reached = true;
        data = w->blocks[idx].data;
        len = w->blocks[idx].len;
    } else if (parent != NULL) {
        return dep_fail(err, DEP_ERR_DAG, "block %s (linked from %s) is missing",
                        dep_cid_string(cid, cs), dep_cid_string(parent, ps));
    } else {
        return dep_fail(err, DEP_ERR_DAG, "root block %s is missing", dep_cid_string(cid, cs));
    }
    if (cid->codec == DEP_CODEC_RAW) {
        *produced = len;
        return append_out(w, data, len, cid, err);
    }
    dep_pb_node node;
    dep_status st = dep_pb_decode(data, len, &node, err);
    if (st != DEP_OK) {
        dep_error_prefix(err, "block %s", dep_cid_string(cid, cs));
        return st;
    }
    static const char *type_names[] = {"raw",      "directory", "file",
                                       "metadata", "symlink",   "HAMT shard"};
    uint64_t total = 0;
    if (!node.has_data) {
        st = dep_fail(err, DEP_ERR_UNSUPPORTED, "block %s: dag-pb node without UnixFS data",
                      dep_cid_string(cid, cs));
    } else if (node.unixfs_type != DEP_UNIXFS_FILE && node.unixfs_type != DEP_UNIXFS_RAW) {
        st = dep_fail(err, DEP_ERR_UNSUPPORTED, "block %s is a UnixFS %s, not a file",
                      dep_cid_string(cid, cs), type_names[node.unixfs_type]);
    } else if (node.blocksize_count != node.link_count) {
        st = dep_fail(err, DEP_ERR_DAG, "block %s: %zu links but %zu blocksizes",
                      dep_cid_string(cid, cs), node.link_count, node.blocksize_count);
    } else if (node.has_filesize && node.filesize > (w->out.max - w->out.len)) {
        st = dep_fail(err, DEP_ERR_LIMIT, "file of %llu bytes is over the cap of %zu bytes",
                      (unsigned long long)node.filesize, w->out.max);
    } else {
        /* A node's own data comes before its children's, as UnixFS defines it. */
        st = append_out(w, node.data, node.data_len, cid, err);
        total = node.data_len;
        for (size_t i = 0; i < node.link_count && st == DEP_OK; i++) {
            uint64_t child = 0;
            st = visit(w, &node.links[i].cid, cid, depth + 1, &child, err);
            if (st == DEP_OK && child != node.blocksizes[i])
                st = dep_fail(err, DEP_ERR_DAG,
                              "block %s: child %zu holds %llu bytes but blocksizes says %llu",
                              dep_cid_string(cid, cs), i, (unsigned long long)child,
                              (unsigned long long)node.blocksizes[i]);
            total += child;
        }
        if (st == DEP_OK && node.has_filesize && node.filesize != total)
            st =
                dep_fail(err, DEP_ERR_DAG, "block %s: filesize %llu but its leaves hold %llu bytes",
                         dep_cid_string(cid, cs), (unsigned long long)node.filesize,
                         (unsigned long long)total);
    }
    dep_pb_node_destroy(&node);
    *produced = total;
    return st;
}

static bool same_block(const dep_cid *a, const dep_cid *b)
{
    return a->codec == b->codec && a->hash == b->hash && a->digest_len == b->digest_len &&
           memcmp(a->digest, b->digest, a->digest_len) == 0;
}

dep_status dep_car_verify(const uint8_t *car, size_t car_len, const dep_cid *root,
                          uint64_t max_bytes, uint8_t **file, size_t *file_len, dep_error *err)
{
    char cs[DEP_CID_TEXT_MAX];
    dep_car_header_info info;
    dep_status st = dep_car_read_header(car, car_len, &info, err);
    if (st != DEP_OK)
        return st;
    bool named = false;
    for (size_t i = 0; i < info.root_count; i++)
        named = named || same_block(&info.roots[i], root);
    if (!named)
        return dep_fail(err, DEP_ERR_DAG, "car header does not name %s as a root",
                        dep_cid_string(root, cs));
    walk w = {0};
    w.out.max = (size_t)(max_bytes ? max_bytes : DEP_MODULE_MAX_BYTES_DEFAULT);
    st = index_car(&w, car, car_len, info.body_offset, err);
    uint64_t produced = 0;
    if (st == DEP_OK)
        st = visit(&w, root, NULL, 0, &produced, err);
    for (size_t i = 0; i < w.count && st == DEP_OK; i++)
        if (!w.blocks[i].reached)
            st = dep_fail(err, DEP_ERR_DAG,
                          "car block %s at offset %zu is not reachable from the root",
                          dep_cid_string(&w.blocks[i].cid, cs), w.blocks[i].offset);
    free(w.blocks);
    dep_cidmap_destroy(&w.index);
    if (st != DEP_OK) {
        dep_buf_destroy(&w.out);
        return st;
    }
    /* An empty file still gets a buffer, so that success always means a non-NULL pointer. */
    if (w.out.data == NULL && (w.out.data = malloc(1)) == NULL)
        return dep_fail(err, DEP_ERR_NOMEM, "out of memory");
    *file = w.out.data;
    *file_len = w.out.len;
    return DEP_OK;
}
