/*
 * The dag-pb and UnixFS protobuf codec. Encoding follows the dag-pb spec byte for byte (PBNode:
 * Links before Data; PBLink: Hash, Name, Tsize; UnixFS Data: Type, Data, filesize, blocksizes in
 * field order), because the CID is the hash of these bytes and must equal Kubo's. Decoding is
 * strict in the same way the dag-pb spec asks: fields in canonical order, no duplicates, no
 * unknown fields, so one DAG has one encoding; the UnixFS message inside is checked the same way.
 */
#include "deploy/internal.h"

#include <stdlib.h>
#include <string.h>

/* Protobuf wire types and field keys. */
enum { WIRE_VARINT = 0, WIRE_BYTES = 2 };
#define KEY(field, wire) ((uint8_t)(((field) << 3) | (wire)))

static dep_status put_bytes_field(dep_buf *b, uint8_t key, const void *data, size_t len,
                                  dep_error *err)
{
    dep_status st;
    if ((st = dep_buf_append(b, &key, 1, err)) != DEP_OK ||
        (st = dep_buf_varint(b, len, err)) != DEP_OK)
        return st;
    return dep_buf_append(b, data, len, err);
}

static dep_status put_varint_field(dep_buf *b, uint8_t key, uint64_t v, dep_error *err)
{
    dep_status st = dep_buf_append(b, &key, 1, err);
    return st != DEP_OK ? st : dep_buf_varint(b, v, err);
}

dep_status dep_pb_encode_leaf(const uint8_t *data, size_t len, dep_buf *out, dep_error *err)
{
    dep_buf fs = {0};
    dep_status st = put_varint_field(&fs, KEY(1, WIRE_VARINT), DEP_UNIXFS_FILE, err);
    /* An empty file has no Data field at all, as Kubo writes it (QmbFMke1...). */
    if (st == DEP_OK && len > 0)
        st = put_bytes_field(&fs, KEY(2, WIRE_BYTES), data, len, err);
    if (st == DEP_OK)
        st = put_varint_field(&fs, KEY(3, WIRE_VARINT), len, err);
    if (st == DEP_OK)
        st = put_bytes_field(out, KEY(1, WIRE_BYTES), fs.data, fs.len, err);
    dep_buf_destroy(&fs);
    return st;
}

dep_status dep_pb_encode_parent(const dep_pb_child *children, size_t count, dep_buf *out,
                                dep_error *err)
{
    dep_buf tmp = {0};
    dep_status st = DEP_OK;
    uint64_t total = 0;
    for (size_t i = 0; i < count && st == DEP_OK; i++) {
        uint8_t cid[DEP_CID_MAX_BYTES];
        size_t n = dep_cid_bytes(&children[i].cid, cid);
        tmp.len = 0;
        st = put_bytes_field(&tmp, KEY(1, WIRE_BYTES), cid, n, err);
        if (st == DEP_OK) /* Name is always written, empty, as Kubo and the JS importer do. */
            st = put_bytes_field(&tmp, KEY(2, WIRE_BYTES), "", 0, err);
        if (st == DEP_OK)
            st = put_varint_field(&tmp, KEY(3, WIRE_VARINT), children[i].tsize, err);
        if (st == DEP_OK)
            st = put_bytes_field(out, KEY(2, WIRE_BYTES), tmp.data, tmp.len, err);
        total += children[i].file_bytes;
    }
    tmp.len = 0;
    if (st == DEP_OK)
        st = put_varint_field(&tmp, KEY(1, WIRE_VARINT), DEP_UNIXFS_FILE, err);
    if (st == DEP_OK)
        st = put_varint_field(&tmp, KEY(3, WIRE_VARINT), total, err);
    for (size_t i = 0; i < count && st == DEP_OK; i++)
        st = put_varint_field(&tmp, KEY(4, WIRE_VARINT), children[i].file_bytes, err);
    if (st == DEP_OK)
        st = put_bytes_field(out, KEY(1, WIRE_BYTES), tmp.data, tmp.len, err);
    dep_buf_destroy(&tmp);
    return st;
}

/* ---- decoding ---- */

typedef struct pb_reader {
    const uint8_t *p;
    size_t len, off;
} pb_reader;

typedef struct pb_field {
    uint64_t number;
    unsigned wire;
    uint64_t value;       /* WIRE_VARINT */
    const uint8_t *bytes; /* WIRE_BYTES */
    size_t len;
    size_t offset; /* of the key, for messages */
} pb_field;

static dep_status next_field(pb_reader *r, pb_field *f, const char *what, dep_error *err)
{
    uint64_t key, v;
    size_t n;
    f->offset = r->off;
    dep_status st = dep_varint_decode(r->p + r->off, r->len - r->off, &key, &n, err);
    if (st != DEP_OK) {
        dep_error_prefix(err, "%s at offset %zu: field key", what, r->off);
        return st;
    }
    r->off += n;
    f->number = key >> 3;
    f->wire = key & 7;
    if (f->wire != WIRE_VARINT && f->wire != WIRE_BYTES)
        return dep_fail(err, DEP_ERR_MALFORMED, "%s at offset %zu: field %llu has wire type %u",
                        what, f->offset, (unsigned long long)f->number, f->wire);
    if ((st = dep_varint_decode(r->p + r->off, r->len - r->off, &v, &n, err)) != DEP_OK) {
        dep_error_prefix(err, "%s at offset %zu: field %llu", what, f->offset,
                         (unsigned long long)f->number);
        return st;
    }
    r->off += n;
    if (f->wire == WIRE_VARINT) {
        f->value = v;
        return DEP_OK;
    }
    if (v > r->len - r->off)
        return dep_fail(err, DEP_ERR_MALFORMED,
                        "%s at offset %zu: field %llu of %llu bytes overruns the %zu left", what,
                        f->offset, (unsigned long long)f->number, (unsigned long long)v,
                        r->len - r->off);
    f->bytes = r->p + r->off;
    f->len = (size_t)v;
    r->off += (size_t)v;
    return DEP_OK;
}

static dep_status decode_link(const uint8_t *p, size_t len, dep_pb_link *link, dep_error *err)
{
    pb_reader r = {p, len, 0};
    pb_field f;
    uint64_t last = 0;
    bool has_hash = false;
    dep_status st;
    *link = (dep_pb_link){0};
    while (r.off < r.len) {
        if ((st = next_field(&r, &f, "link", err)) != DEP_OK)
            return st;
        if (f.number <= last)
            return dep_fail(err, DEP_ERR_MALFORMED,
                            "link: field %llu out of order or repeated (after field %llu)",
                            (unsigned long long)f.number, (unsigned long long)last);
        last = f.number;
        if (f.number == 1 && f.wire == WIRE_BYTES) {
            size_t used;
            if ((st = dep_cid_read(f.bytes, f.len, &link->cid, &used, err)) != DEP_OK) {
                dep_error_prefix(err, "link hash");
                return st;
            }
            if (used != f.len)
                return dep_fail(err, DEP_ERR_MALFORMED, "link hash: %zu bytes after the cid",
                                f.len - used);
            has_hash = true;
        } else if (f.number == 2 && f.wire == WIRE_BYTES) {
            /* A file's links have names only in directories; the name is not used here. */
        } else if (f.number == 3 && f.wire == WIRE_VARINT) {
            link->tsize = f.value;
            link->has_tsize = true;
        } else {
            return dep_fail(err, DEP_ERR_MALFORMED, "link: unexpected field %llu (wire type %u)",
                            (unsigned long long)f.number, f.wire);
        }
    }
    if (!has_hash)
        return dep_fail(err, DEP_ERR_MALFORMED, "link without a Hash");
    return DEP_OK;
}

static dep_status decode_unixfs(const uint8_t *p, size_t len, dep_pb_node *node, dep_error *err)
{
    pb_reader r = {p, len, 0};
    pb_field f;
    uint64_t last = 0;
    bool has_type = false;
    dep_status st;
    while (r.off < r.len) {
        if ((st = next_field(&r, &f, "unixfs", err)) != DEP_OK)
            return st;
        /* blocksizes (4) repeats; every other field appears at most once, in order. */
        if (f.number < last || (f.number == last && f.number != 4))
            return dep_fail(err, DEP_ERR_MALFORMED,
                            "unixfs: field %llu out of order or repeated (after field %llu)",
                            (unsigned long long)f.number, (unsigned long long)last);
        last = f.number;
        if (f.number == 1 && f.wire == WIRE_VARINT) {
            if (f.value > DEP_UNIXFS_HAMT_SHARD)
                return dep_fail(err, DEP_ERR_MALFORMED, "unixfs: unknown type %llu",
                                (unsigned long long)f.value);
            node->unixfs_type = (int)f.value;
            has_type = true;
        } else if (f.number == 2 && f.wire == WIRE_BYTES) {
            node->data = f.bytes;
            node->data_len = f.len;
        } else if (f.number == 3 && f.wire == WIRE_VARINT) {
            node->filesize = f.value;
            node->has_filesize = true;
        } else if (f.number == 4 && f.wire == WIRE_VARINT) {
            /* Each blocksize costs at least two bytes, so the count is bounded by the block. */
            if (node->blocksize_count % 64 == 0) {
                uint64_t *bs = realloc(node->blocksizes, (node->blocksize_count + 64) * sizeof *bs);
                if (bs == NULL)
                    return dep_fail(err, DEP_ERR_NOMEM, "unixfs: out of memory for blocksizes");
                node->blocksizes = bs;
            }
            node->blocksizes[node->blocksize_count++] = f.value;
        } else if ((f.number == 5 || f.number == 6 || f.number == 7) && f.wire == WIRE_VARINT) {
            /* hashType, fanout (HAMT directories) and mode: no bearing on a file's bytes. */
        } else if (f.number == 8 && f.wire == WIRE_BYTES) {
            /* mtime: metadata only. */
        } else {
            return dep_fail(err, DEP_ERR_MALFORMED, "unixfs: unexpected field %llu (wire type %u)",
                            (unsigned long long)f.number, f.wire);
        }
    }
    if (!has_type)
        return dep_fail(err, DEP_ERR_MALFORMED, "unixfs: no Type field");
    return DEP_OK;
}

void dep_pb_node_destroy(dep_pb_node *node)
{
    free(node->links);
    free(node->blocksizes);
    *node = (dep_pb_node){.unixfs_type = -1};
}

dep_status dep_pb_decode(const uint8_t *block, size_t len, dep_pb_node *node, dep_error *err)
{
    pb_reader r = {block, len, 0};
    pb_field f;
    dep_status st = DEP_OK;
    *node = (dep_pb_node){.unixfs_type = -1};
    /* First pass counts the links so the array is allocated once, at its exact size. */
    size_t count = 0;
    while (r.off < r.len && st == DEP_OK) {
        if ((st = next_field(&r, &f, "dag-pb", err)) != DEP_OK)
            return st;
        if (f.number == 2 && f.wire == WIRE_BYTES) {
            if (node->has_data)
                return dep_fail(err, DEP_ERR_MALFORMED,
                                "dag-pb at offset %zu: link after Data (links must come first)",
                                f.offset);
            count++;
        } else if (f.number == 1 && f.wire == WIRE_BYTES) {
            if (node->has_data)
                return dep_fail(err, DEP_ERR_MALFORMED, "dag-pb at offset %zu: Data repeated",
                                f.offset);
            node->has_data = true;
        } else {
            return dep_fail(err, DEP_ERR_MALFORMED,
                            "dag-pb at offset %zu: unexpected field %llu (wire type %u)", f.offset,
                            (unsigned long long)f.number, f.wire);
        }
    }
    node->has_data = false;
    if (count > 0 && (node->links = calloc(count, sizeof *node->links)) == NULL)
        return dep_fail(err, DEP_ERR_NOMEM, "dag-pb: out of memory for %zu links", count);
    r.off = 0;
    while (r.off < r.len) {
        next_field(&r, &f, "dag-pb", err); /* cannot fail: the first pass read the same bytes */
        if (f.number == 2) {
            st = decode_link(f.bytes, f.len, &node->links[node->link_count], err);
            if (st != DEP_OK) {
                dep_error_prefix(err, "dag-pb link %zu", node->link_count);
                break;
            }
            node->link_count++;
        } else {
            node->has_data = true;
            st = decode_unixfs(f.bytes, f.len, node, err);
            if (st != DEP_OK)
                break;
        }
    }
    if (st != DEP_OK)
        dep_pb_node_destroy(node);
    return st;
}
