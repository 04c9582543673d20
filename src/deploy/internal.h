/*
 * Internal helpers shared by the files of src/deploy/ (not part of the component's API): error
 * reporting, the dag-pb / UnixFS protobuf codec that the importer and the verified walk share,
 * and a growable byte buffer.
 */
#ifndef AEGIS_DEPLOY_INTERNAL_H
#define AEGIS_DEPLOY_INTERNAL_H

#include "deploy/deploy.h"

/* Fills err (when non-NULL) with status and a printf-style message; returns status. */
dep_status dep_fail(dep_error *err, dep_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes err's message with "prefix: " (for context added by an outer layer). */
void dep_error_prefix(dep_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growable byte buffer with a hard cap on its size. */
typedef struct dep_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max; /* appends beyond this many bytes fail with DEP_ERR_LIMIT; 0: SIZE_MAX/2 */
} dep_buf;

dep_status dep_buf_append(dep_buf *b, const void *data, size_t len, dep_error *err);
dep_status dep_buf_varint(dep_buf *b, uint64_t value, dep_error *err);
void dep_buf_destroy(dep_buf *b);

/* UnixFS Data.Type values. */
enum {
    DEP_UNIXFS_RAW = 0,
    DEP_UNIXFS_DIRECTORY = 1,
    DEP_UNIXFS_FILE = 2,
    DEP_UNIXFS_METADATA = 3,
    DEP_UNIXFS_SYMLINK = 4,
    DEP_UNIXFS_HAMT_SHARD = 5,
};

/* One link of a decoded dag-pb node. */
typedef struct dep_pb_link {
    dep_cid cid;
    uint64_t tsize;
    bool has_tsize;
} dep_pb_link;

/* A decoded dag-pb node whose Data is a UnixFS message. Links and blocksizes point into arrays
 * owned by the node (freed by dep_pb_node_destroy); data points into the block. */
typedef struct dep_pb_node {
    dep_pb_link *links;
    size_t link_count;
    bool has_data;       /* PBNode.Data present */
    int unixfs_type;     /* -1 when has_data is false */
    const uint8_t *data; /* UnixFS Data.Data */
    size_t data_len;
    bool has_filesize;
    uint64_t filesize;
    uint64_t *blocksizes;
    size_t blocksize_count;
} dep_pb_node;

/* Decodes a dag-pb block strictly (links before data, fields in order, no unknown PBNode or
 * PBLink fields) and its UnixFS Data message. */
dep_status dep_pb_decode(const uint8_t *block, size_t len, dep_pb_node *node, dep_error *err);
void dep_pb_node_destroy(dep_pb_node *node);

/* Encoders used by the importer; each appends a complete block to out. */
typedef struct dep_pb_child {
    dep_cid cid;
    uint64_t tsize;      /* bytes of the child block plus its descendants' */
    uint64_t file_bytes; /* file bytes under the child */
} dep_pb_child;

/* A UnixFS file leaf: PBNode{Data: UnixFS{Type: File, Data: data, filesize: len}}. */
dep_status dep_pb_encode_leaf(const uint8_t *data, size_t len, dep_buf *out, dep_error *err);
/* A UnixFS file node with children: PBNode{Links, Data: UnixFS{File, filesize, blocksizes}}. */
dep_status dep_pb_encode_parent(const dep_pb_child *children, size_t count, dep_buf *out,
                                dep_error *err);

/* A map from a block's identity (codec and multihash; the CID version is ignored because a CIDv0
 * and a CIDv1 dag-pb CID of one multihash name the same bytes) to an index. Open addressing. */
typedef struct dep_cidmap {
    struct dep_cidmap_slot *slots;
    size_t cap, count;
} dep_cidmap;

/* Looks cid up; returns true and stores its value when present. */
bool dep_cidmap_get(const dep_cidmap *m, const dep_cid *cid, size_t *value);
/* Inserts cid with value unless present; *added says which. */
dep_status dep_cidmap_put(dep_cidmap *m, const dep_cid *cid, size_t value, bool *added,
                          dep_error *err);
void dep_cidmap_destroy(dep_cidmap *m);

/* A parsed CARv1 header: its roots, and the offset where the first block section starts. */
typedef struct dep_car_header_info {
    dep_cid roots[DEP_CAR_MAX_ROOTS];
    size_t root_count;
    size_t body_offset;
} dep_car_header_info;

dep_status dep_car_read_header(const uint8_t *car, size_t len, dep_car_header_info *info,
                               dep_error *err);

/* Reads the block section at *offset (varint length, CID, data), advancing *offset. Does not
 * verify the hash. */
dep_status dep_car_read_section(const uint8_t *car, size_t len, size_t *offset, dep_cid *cid,
                                const uint8_t **data, size_t *data_len, dep_error *err);

#endif
