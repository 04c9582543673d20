/*
 * The UnixFS file importer: turns file bytes into the blocks and root CID that `ipfs add` makes
 * for them. Kubo's defaults are reproduced exactly: fixed-size chunks of 262,144 bytes, and the
 * balanced layout, where leaves are grouped 174 to a parent, parents 174 to a grandparent, and so
 * on until one node remains (a file of one chunk is that chunk's leaf itself). Leaves are either
 * dag-pb UnixFS File nodes (CIDv0, the default) or raw blocks (CIDv1, `--cid-version 1`).
 *
 * The importer streams: it holds one chunk and, per tree level, the links of the parent being
 * filled. A level is folded into its parent only when a further sibling arrives, which is what
 * makes "exactly 174 chunks" a one-level tree and "175 chunks" a two-level one, as in Kubo.
 */
#include "deploy/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dep_importer {
    dep_import_options opts;
    dep_block_fn emit;
    void *ctx;
    uint8_t *chunk;
    size_t chunk_len;
    uint64_t file_bytes;
    uint64_t leaves;
    bool finished;
    dep_buf block; /* scratch for encoding one block */
    dep_pb_child *levels[DEP_TREE_MAX_LEVELS];
    size_t level_count[DEP_TREE_MAX_LEVELS];
};

dep_import_options dep_import_profile(uint8_t cid_version)
{
    return (dep_import_options){.cid_version = cid_version ? 1 : 0,
                                .raw_leaves = cid_version != 0,
                                .chunk_bytes = DEP_CHUNK_BYTES_DEFAULT,
                                .max_links = DEP_MAX_LINKS_DEFAULT};
}

dep_importer *dep_importer_new(const dep_import_options *opts, dep_block_fn emit, void *ctx,
                               dep_error *err)
{
    dep_import_options o = *opts;
    if (o.chunk_bytes == 0)
        o.chunk_bytes = DEP_CHUNK_BYTES_DEFAULT;
    if (o.max_links == 0)
        o.max_links = DEP_MAX_LINKS_DEFAULT;
    if (o.cid_version > 1) {
        dep_fail(err, DEP_ERR_ARG, "importer: cid version %u (must be 0 or 1)", o.cid_version);
        return NULL;
    }
    if (o.raw_leaves && o.cid_version == 0) {
        dep_fail(err, DEP_ERR_ARG, "importer: raw leaves need CIDv1");
        return NULL;
    }
    if (o.chunk_bytes > DEP_CHUNK_BYTES_MAX) {
        dep_fail(err, DEP_ERR_ARG, "importer: chunk of %u bytes is over the %d-byte maximum",
                 o.chunk_bytes, DEP_CHUNK_BYTES_MAX);
        return NULL;
    }
    if (o.max_links < 2 || o.max_links > DEP_MAX_LINKS_MAX) {
        dep_fail(err, DEP_ERR_ARG, "importer: %u links per node (must be 2..%d)", o.max_links,
                 DEP_MAX_LINKS_MAX);
        return NULL;
    }
    dep_importer *imp = calloc(1, sizeof *imp);
    if (imp == NULL || (imp->chunk = malloc(o.chunk_bytes)) == NULL) {
        free(imp);
        dep_fail(err, DEP_ERR_NOMEM, "importer: out of memory");
        return NULL;
    }
    imp->opts = o;
    imp->emit = emit;
    imp->ctx = ctx;
    return imp;
}

void dep_importer_free(dep_importer *imp)
{
    if (imp == NULL)
        return;
    for (size_t i = 0; i < DEP_TREE_MAX_LEVELS; i++)
        free(imp->levels[i]);
    free(imp->chunk);
    dep_buf_destroy(&imp->block);
    free(imp);
}

static dep_status emit_block(dep_importer *imp, const dep_cid *cid, const uint8_t *data, size_t len,
                             dep_error *err)
{
    return imp->emit ? imp->emit(imp->ctx, cid, data, len, err) : DEP_OK;
}

static dep_status add_child(dep_importer *imp, size_t level, const dep_pb_child *child,
                            dep_error *err);

/* Folds the links waiting at a level into one parent node, which joins the level above. */
static dep_status fold_level(dep_importer *imp, size_t level, dep_pb_child *parent, dep_error *err)
{
    dep_pb_child *kids = imp->levels[level];
    size_t n = imp->level_count[level];
    imp->block.len = 0;
    dep_status st = dep_pb_encode_parent(kids, n, &imp->block, err);
    if (st != DEP_OK)
        return st;
    *parent = (dep_pb_child){.tsize = imp->block.len};
    for (size_t i = 0; i < n; i++) {
        parent->tsize += kids[i].tsize;
        parent->file_bytes += kids[i].file_bytes;
    }
    st = dep_cid_of_block(imp->opts.cid_version, DEP_CODEC_DAG_PB, imp->block.data, imp->block.len,
                          &parent->cid, err);
    if (st == DEP_OK)
        st = emit_block(imp, &parent->cid, imp->block.data, imp->block.len, err);
    imp->level_count[level] = 0;
    return st;
}

static dep_status add_child(dep_importer *imp, size_t level, const dep_pb_child *child,
                            dep_error *err)
{
    if (level >= DEP_TREE_MAX_LEVELS)
        return dep_fail(err, DEP_ERR_LIMIT, "importer: file needs more than %d tree levels",
                        DEP_TREE_MAX_LEVELS);
    if (imp->levels[level] == NULL) {
        imp->levels[level] = calloc(imp->opts.max_links, sizeof(dep_pb_child));
        if (imp->levels[level] == NULL)
            return dep_fail(err, DEP_ERR_NOMEM, "importer: out of memory");
    }
    if (imp->level_count[level] == imp->opts.max_links) {
        dep_pb_child parent;
        dep_status st = fold_level(imp, level, &parent, err);
        if (st == DEP_OK)
            st = add_child(imp, level + 1, &parent, err);
        if (st != DEP_OK)
            return st;
    }
    imp->levels[level][imp->level_count[level]++] = *child;
    return DEP_OK;
}

static dep_status flush_leaf(dep_importer *imp, dep_error *err)
{
    dep_pb_child leaf = {.file_bytes = imp->chunk_len};
    dep_status st;
    if (imp->opts.raw_leaves) {
        st = dep_cid_of_block(1, DEP_CODEC_RAW, imp->chunk, imp->chunk_len, &leaf.cid, err);
        if (st == DEP_OK)
            st = emit_block(imp, &leaf.cid, imp->chunk, imp->chunk_len, err);
        leaf.tsize = imp->chunk_len;
    } else {
        imp->block.len = 0;
        st = dep_pb_encode_leaf(imp->chunk, imp->chunk_len, &imp->block, err);
        if (st == DEP_OK)
            st = dep_cid_of_block(imp->opts.cid_version, DEP_CODEC_DAG_PB, imp->block.data,
                                  imp->block.len, &leaf.cid, err);
        if (st == DEP_OK)
            st = emit_block(imp, &leaf.cid, imp->block.data, imp->block.len, err);
        leaf.tsize = imp->block.len;
    }
    if (st == DEP_OK)
        st = add_child(imp, 0, &leaf, err);
    imp->chunk_len = 0;
    imp->leaves++;
    return st;
}

dep_status dep_importer_write(dep_importer *imp, const uint8_t *data, size_t len, dep_error *err)
{
    if (imp->finished)
        return dep_fail(err, DEP_ERR_ARG, "importer: write after finish");
    while (len > 0) {
        if (imp->chunk_len == imp->opts.chunk_bytes) {
            dep_status st = flush_leaf(imp, err);
            if (st != DEP_OK)
                return st;
        }
        size_t n = imp->opts.chunk_bytes - imp->chunk_len;
        if (n > len)
            n = len;
        memcpy(imp->chunk + imp->chunk_len, data, n);
        imp->chunk_len += n;
        imp->file_bytes += n;
        data += n;
        len -= n;
    }
    return DEP_OK;
}

dep_status dep_importer_finish(dep_importer *imp, dep_cid *root, uint64_t *file_bytes,
                               dep_error *err)
{
    dep_status st;
    if (imp->finished)
        return dep_fail(err, DEP_ERR_ARG, "importer: finished twice");
    imp->finished = true;
    /* The last, partial chunk; an empty file is one empty leaf. */
    if (imp->chunk_len > 0 || imp->leaves == 0)
        if ((st = flush_leaf(imp, err)) != DEP_OK)
            return st;
    for (size_t level = 0; level < DEP_TREE_MAX_LEVELS; level++) {
        size_t top = level;
        for (size_t k = level + 1; k < DEP_TREE_MAX_LEVELS; k++)
            if (imp->level_count[k] > 0)
                top = k;
        if (level == top && imp->level_count[level] == 1) {
            *root = imp->levels[level][0].cid;
            if (file_bytes != NULL)
                *file_bytes = imp->file_bytes;
            return DEP_OK;
        }
        if (imp->level_count[level] == 0)
            continue;
        dep_pb_child parent;
        if ((st = fold_level(imp, level, &parent, err)) != DEP_OK ||
            (st = add_child(imp, level + 1, &parent, err)) != DEP_OK)
            return st;
    }
    return dep_fail(err, DEP_ERR_LIMIT, "importer: file needs more than %d tree levels",
                    DEP_TREE_MAX_LEVELS);
}

dep_status dep_import_buffer(const uint8_t *data, size_t len, const dep_import_options *opts,
                             dep_block_fn emit, void *ctx, dep_cid *root, dep_error *err)
{
    dep_importer *imp = dep_importer_new(opts, emit, ctx, err);
    if (imp == NULL)
        return err ? err->status : DEP_ERR_NOMEM;
    dep_status st = dep_importer_write(imp, data, len, err);
    if (st == DEP_OK)
        st = dep_importer_finish(imp, root, NULL, err);
    dep_importer_free(imp);
    return st;
}

enum { IMPORT_READ_BYTES = 65536 };

dep_status dep_import_file(const char *path, const dep_import_options *opts, dep_block_fn emit,
                           void *ctx, dep_cid *root, dep_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return dep_fail(err, DEP_ERR_IO, "%s: %s", path, strerror(errno));
    dep_importer *imp = dep_importer_new(opts, emit, ctx, err);
    uint8_t *buf = malloc(IMPORT_READ_BYTES);
    dep_status st = DEP_OK;
    if (imp == NULL)
        st = err ? err->status : DEP_ERR_NOMEM;
    else if (buf == NULL)
        st = dep_fail(err, DEP_ERR_NOMEM, "%s: out of memory", path);
    while (st == DEP_OK) {
        size_t n = fread(buf, 1, IMPORT_READ_BYTES, f);
        if (n > 0)
            st = dep_importer_write(imp, buf, n, err);
        if (n < IMPORT_READ_BYTES) {
            if (ferror(f))
                st = dep_fail(err, DEP_ERR_IO, "%s: read error", path);
            break;
        }
    }
    if (st == DEP_OK)
        st = dep_importer_finish(imp, root, NULL, err);
    free(buf);
    dep_importer_free(imp);
    fclose(f);
    return st;
}
