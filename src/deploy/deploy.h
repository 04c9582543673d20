/*
 * Content-addressed modules: the one public header of src/deploy/.
 *
 * A module is named by an IPFS CID, and every byte that arrives from outside (a gateway, a CAR
 * file, the disk cache) is checked against that CID before anyone uses it. The pieces:
 *   - varints, multibase (base58btc, base32, base36) and multihash (sha2-256, identity);
 *   - CIDs: parse and print CIDv0 ("Qm...") and CIDv1 ("b...", "z...", "k..." read), codecs raw
 *     and dag-pb;
 *   - the UnixFS importer: file bytes -> blocks and a root CID equal to `ipfs add`'s (fixed
 *     262,144-byte chunks, balanced DAG of at most 174 links per node; CIDv0 with dag-pb leaves as
 *     Kubo's default, or CIDv1 with raw leaves as `--cid-version 1`);
 *   - CARv1 read and write, and the verified walk that turns a CAR back into file bytes;
 *   - gateway fetch (trustless-gateway protocol over libcurl) and the on-disk module cache.
 *
 * Every fallible function returns a dep_status (DEP_OK is 0) and, when given one, fills a
 * dep_error with a message the caller can print as is, for example
 *   "car section at offset 262210: block for bafkrei... hashes to bafkrei..."
 * Nothing in an input (string, CAR, block, HTTP response) can crash the process or make it use
 * memory beyond the caps named below.
 */
#ifndef AEGIS_DEPLOY_H
#define AEGIS_DEPLOY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum dep_status {
    DEP_OK = 0,
    DEP_ERR_MALFORMED,   /* the bytes or text are not well-formed (varint, base, CID, CAR, pb) */
    DEP_ERR_UNSUPPORTED, /* well-formed, but a version, codec, hash or base we do not accept */
    DEP_ERR_HASH,        /* a block's content does not hash to its CID */
    DEP_ERR_DAG,         /* a verified DAG is inconsistent: missing or extra block, sizes, depth */
    DEP_ERR_LIMIT,       /* a size, depth or count cap was exceeded */
    DEP_ERR_IO,          /* reading or writing a file failed */
    DEP_ERR_NETWORK,     /* every gateway failed to deliver a verifiable answer */
    DEP_ERR_NOMEM,       /* the host ran out of memory */
    DEP_ERR_ARG,         /* the caller passed a bad argument */
    DEP_ERR_NOT_FOUND,   /* not in the cache */
} dep_status;

typedef struct dep_error {
    dep_status status;
    char message[1024]; /* room for one reason per gateway */
} dep_error;

/* Short stable name of a status ("malformed", "hash mismatch", ...). */
const char *dep_status_name(dep_status status);

/* ---- varints (multiformats unsigned-varint: LEB128, minimal, at most 9 bytes / 63 bits) ---- */

enum { DEP_VARINT_MAX_BYTES = 9 };

/* Decodes one varint from buf[0..len). On success stores the value and the bytes it used.
 * Rejects a truncated varint, a non-minimal (overlong) encoding and one longer than 9 bytes. */
dep_status dep_varint_decode(const uint8_t *buf, size_t len, uint64_t *value, size_t *used,
                             dep_error *err);

/* Encodes value (< 2^63) into out and returns the number of bytes written (1..9); returns 0 for a
 * value of 2^63 or more, which the format cannot carry. */
size_t dep_varint_encode(uint64_t value, uint8_t out[DEP_VARINT_MAX_BYTES]);

/* ---- multibase ---- */

/* Base58btc (Bitcoin alphabet). dep_base58_encode writes a NUL-terminated string and returns its
 * length, or 0 when out is too small. dep_base58_decode returns the byte count written to out. */
size_t dep_base58_encode(const uint8_t *data, size_t len, char *out, size_t cap);
dep_status dep_base58_decode(const char *text, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len, dep_error *err);

/* RFC 4648 base32, lower case, no padding (multibase 'b'). Decoding accepts only lower case and
 * rejects non-zero trailing bits, so each byte string has exactly one spelling. */
size_t dep_base32_encode(const uint8_t *data, size_t len, char *out, size_t cap);
dep_status dep_base32_decode(const char *text, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len, dep_error *err);

/* Base36, lower case (multibase 'k'), read only. */
dep_status dep_base36_decode(const char *text, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len, dep_error *err);

/* ---- CIDs ---- */

enum {
    DEP_CODEC_RAW = 0x55,
    DEP_CODEC_DAG_PB = 0x70,
    DEP_HASH_IDENTITY = 0x00,
    DEP_HASH_SHA2_256 = 0x12,
    DEP_SHA256_BYTES = 32,
    DEP_IDENTITY_MAX_BYTES = 128, /* identity CIDs inline tiny blocks; larger ones are refused */
    DEP_CID_MAX_BYTES = 1 + 1 + 2 + 2 + DEP_IDENTITY_MAX_BYTES, /* version codec hash len digest */
    DEP_CID_TEXT_MAX = 256, /* longest CID string we print or parse, NUL included */
};

typedef struct dep_cid {
    uint8_t version;    /* 0 or 1 */
    uint16_t codec;     /* DEP_CODEC_RAW or DEP_CODEC_DAG_PB */
    uint8_t hash;       /* DEP_HASH_SHA2_256 or DEP_HASH_IDENTITY */
    uint8_t digest_len; /* 32 for sha2-256; 0..DEP_IDENTITY_MAX_BYTES for identity */
    uint8_t digest[DEP_IDENTITY_MAX_BYTES];
} dep_cid;

/* Parses a CID string: CIDv0 ("Qm...", 46 characters of base58btc), or CIDv1 in multibase
 * base32 ("b..."), base58btc ("z...") or base36 ("k..."). Only the codecs raw and dag-pb and the
 * hashes sha2-256 and identity are accepted; anything else is a precise error. */
dep_status dep_cid_parse(const char *text, size_t len, dep_cid *out, dep_error *err);

/* Reads a binary CID (as found in CAR files and dag-pb links) from buf. A binary CIDv0 is the
 * bare 34-byte sha2-256 multihash. Stores the bytes used; trailing bytes are the caller's. */
dep_status dep_cid_read(const uint8_t *buf, size_t len, dep_cid *out, size_t *used, dep_error *err);

/* Writes the binary form of cid into out (at least DEP_CID_MAX_BYTES) and returns its length. */
size_t dep_cid_bytes(const dep_cid *cid, uint8_t *out);

/* Prints cid in its canonical form: CIDv0 as base58btc, CIDv1 as multibase base32 ("b...").
 * out must hold DEP_CID_TEXT_MAX bytes. Returns out, for use inside printf arguments. */
char *dep_cid_string(const dep_cid *cid, char out[DEP_CID_TEXT_MAX]);

/* Prints a CIDv1 in multibase base58btc ("z..."). Returns out. */
char *dep_cid_string_base58(const dep_cid *cid, char out[DEP_CID_TEXT_MAX]);

/* Returns the CIDv1 of the same codec and multihash (a CIDv1 is returned unchanged). */
dep_cid dep_cid_to_v1(const dep_cid *cid);

/* True when both name the same version, codec and multihash. */
bool dep_cid_equal(const dep_cid *a, const dep_cid *b);

/* Builds the sha2-256 CID of a block. version 0 requires codec dag-pb. */
dep_status dep_cid_of_block(uint8_t version, uint16_t codec, const uint8_t *data, size_t len,
                            dep_cid *out, dep_error *err);

/* Checks that data is the block cid names (hashes it, or compares inline identity bytes). */
dep_status dep_cid_verify_block(const dep_cid *cid, const uint8_t *data, size_t len,
                                dep_error *err);

/* ---- UnixFS importer ---- */

enum {
    DEP_CHUNK_BYTES_DEFAULT = 262144, /* Kubo's default fixed-size chunker */
    DEP_CHUNK_BYTES_MAX = 1048576,    /* largest chunk the importer makes (Kubo's own cap) */
    DEP_BLOCK_MAX_BYTES = 2097152,    /* largest block accepted from outside (the bitswap cap) */
    DEP_MAX_LINKS_DEFAULT = 174,      /* Kubo's balanced layout: links per node */
    DEP_MAX_LINKS_MAX = 4096,
    DEP_TREE_MAX_LEVELS = 16, /* 174^15 chunks is far past any file; bounds the importer */
};

typedef struct dep_import_options {
    uint8_t cid_version;  /* 0: Kubo default (dag-pb leaves); 1: --cid-version 1 */
    bool raw_leaves;      /* leaves as raw blocks; requires cid_version 1 */
    uint32_t chunk_bytes; /* 0 means DEP_CHUNK_BYTES_DEFAULT */
    uint32_t max_links;   /* 0 means DEP_MAX_LINKS_DEFAULT */
} dep_import_options;

/* The two profiles that matter: Kubo's default and `ipfs add --cid-version 1`. */
dep_import_options dep_import_profile(uint8_t cid_version);

/* Receives each block the importer produces, children before parents; the data is only valid
 * during the call. A non-DEP_OK return stops the import with that status (and err, if filled). */
typedef dep_status (*dep_block_fn)(void *ctx, const dep_cid *cid, const uint8_t *data, size_t len,
                                   dep_error *err);

typedef struct dep_importer dep_importer;

/* Creates an importer; emit may be NULL when only the root CID is wanted. Memory use is bounded
 * by one chunk plus DEP_TREE_MAX_LEVELS levels of pending links, whatever the file size. */
dep_importer *dep_importer_new(const dep_import_options *opts, dep_block_fn emit, void *ctx,
                               dep_error *err);

/* Feeds file bytes, in pieces of any size. */
dep_status dep_importer_write(dep_importer *imp, const uint8_t *data, size_t len, dep_error *err);

/* Ends the file: emits the remaining blocks and stores the root CID and the file size. The
 * importer accepts no more writes afterwards. */
dep_status dep_importer_finish(dep_importer *imp, dep_cid *root, uint64_t *file_bytes,
                               dep_error *err);

void dep_importer_free(dep_importer *imp);

/* Imports a whole buffer / file in one call. */
dep_status dep_import_buffer(const uint8_t *data, size_t len, const dep_import_options *opts,
                             dep_block_fn emit, void *ctx, dep_cid *root, dep_error *err);
dep_status dep_import_file(const char *path, const dep_import_options *opts, dep_block_fn emit,
                           void *ctx, dep_cid *root, dep_error *err);

/* ---- CARv1 ---- */

enum {
    DEP_CAR_HEADER_MAX_BYTES = 4096, /* a header names roots; more is not a module's CAR */
    DEP_CAR_MAX_ROOTS = 8,
    DEP_CAR_MAX_BLOCKS = 1000000,
    DEP_DAG_MAX_DEPTH = 32,                  /* a balanced DAG of 174 links is 4 deep at 1 TB */
    DEP_WALK_MAX_NODES = 1000000,            /* node visits of one walk, repeats included */
    DEP_MODULE_MAX_BYTES_DEFAULT = 52428800, /* 50 MB: the edge-function module cap */
};

/* Writes a CARv1 holding the import of a file or buffer, with the root CID as its only root.
 * Blocks repeated in the DAG (identical chunks) are written once. Stores the root. */
dep_status dep_car_write_file(const char *in_path, const char *car_path,
                              const dep_import_options *opts, dep_cid *root, dep_error *err);
dep_status dep_car_write_buffer(const uint8_t *data, size_t len, const dep_import_options *opts,
                                uint8_t **car, size_t *car_len, dep_cid *root, dep_error *err);

/* The encoded CARv1 header for one root (varint length prefix included); returns its length or 0
 * if out (cap bytes) is too small. */
size_t dep_car_header(const dep_cid *root, uint8_t *out, size_t cap);

/* Encodes one CAR block section (varint length, CID, data) into a malloc'd buffer. */
dep_status dep_car_section(const dep_cid *cid, const uint8_t *data, size_t len, uint8_t **out,
                           size_t *out_len, dep_error *err);

/* Verifies a CARv1 against root and returns the file it holds (malloc'd, caller frees):
 *   - the header is strict dag-cbor {"roots": [...], "version": 1} and names root;
 *   - every block hashes to its CID (checked before the block is looked at);
 *   - the UnixFS file DAG from root is complete, every size in it agrees with the leaves, its
 *     depth stays under DEP_DAG_MAX_DEPTH, and the file stays under max_bytes;
 *   - no block is unreachable from root and nothing follows the last block.
 * A CAR whose root is a raw block yields that block. max_bytes 0 means the default cap. */
dep_status dep_car_verify(const uint8_t *car, size_t car_len, const dep_cid *root,
                          uint64_t max_bytes, uint8_t **file, size_t *file_len, dep_error *err);

/* Reads the roots of a CAR header (for tools that do not know the root yet). */
dep_status dep_car_roots(const uint8_t *car, size_t car_len, dep_cid *roots, size_t cap,
                         size_t *count, dep_error *err);

/* ---- verified gateway fetch ---- */

enum {
    DEP_MAX_GATEWAYS = 8,
    DEP_CONNECT_TIMEOUT_MS_DEFAULT = 2000,
    DEP_TOTAL_TIMEOUT_MS_DEFAULT = 30000,
    DEP_STALL_TIMEOUT_MS_DEFAULT = 5000, /* no byte for this long ends a transfer */
    DEP_MAX_REDIRECTS = 3,
};

typedef struct dep_fetch_options {
    const char *gateways[DEP_MAX_GATEWAYS]; /* base URLs, tried in order ("http://host:port") */
    size_t gateway_count;
    uint32_t connect_timeout_ms; /* 0 means the default */
    uint32_t total_timeout_ms;
    uint32_t stall_timeout_ms;
    uint64_t max_bytes;    /* file size cap; 0 means DEP_MODULE_MAX_BYTES_DEFAULT */
    const char *cache_dir; /* "<state_dir>/modules"; NULL for no cache */
} dep_fetch_options;

/* Fetches the file named by cid and verifies it (blocking; see dep_fetch_job for a worker thread):
 *   1. the disk cache, when cache_dir is set (verified again on load);
 *   2. each gateway in order: GET {gw}/ipfs/{cid}?format=car, then, if that fails, the DAG block
 *      by block with ?format=raw; a gateway's failure of any kind moves on to the next one.
 * On success *file is malloc'd (caller frees), the verified bytes are in the cache, and *source
 * says where they came from ("cache" or the gateway URL; static or owned by opts). When every
 * gateway fails, the error names each one's failure. */
dep_status dep_fetch(const dep_fetch_options *opts, const dep_cid *cid, uint8_t **file,
                     size_t *file_len, const char **source, dep_error *err);

/* A fetch on its own thread, so an event loop never waits on the network: done runs on that
 * thread when the fetch ends (the edge component forwards it to its loop, e.g. with uv_async).
 * done takes ownership of file. opts (and its strings) must outlive the job. */
typedef void (*dep_fetch_done_fn)(void *ctx, dep_status status, uint8_t *file, size_t file_len,
                                  const dep_error *err);
typedef struct dep_fetch_job dep_fetch_job;
dep_fetch_job *dep_fetch_job_new(const dep_fetch_options *opts, const dep_cid *cid,
                                 dep_fetch_done_fn done, void *ctx, dep_error *err);
/* Waits for the job's thread to end (after done has run) and frees the job. */
void dep_fetch_job_free(dep_fetch_job *job);

/* ---- on-disk module cache: <dir>/<cid> holds a CARv1 of the module's DAG ---- */

/* Loads and verifies a cached module (malloc'd into *file) and marks it recently used. A module
 * that is not there is DEP_ERR_NOT_FOUND; a cache file that fails verification is removed, and
 * the error says why. */
dep_status dep_cache_load(const char *dir, const dep_cid *cid, uint64_t max_bytes, uint8_t **file,
                          size_t *file_len, dep_error *err);

/* Stores a verified CAR for cid atomically (temporary file, fsync, rename); creates dir. */
dep_status dep_cache_store(const char *dir, const dep_cid *cid, const uint8_t *car, size_t car_len,
                           dep_error *err);

/* Removes the least recently used modules until the cache holds at most max_bytes; stores how
 * many files were removed (optional). Leftover temporary files of interrupted writes go too. */
dep_status dep_cache_evict(const char *dir, uint64_t max_bytes, size_t *removed, dep_error *err);

/* ---- publishing: the `add` command of Kubo's RPC API (kubo.c) ---- */

enum {
    DEP_KUBO_CONNECT_TIMEOUT_MS_DEFAULT = 5000,
    DEP_KUBO_TOTAL_TIMEOUT_MS_DEFAULT = 300000, /* an upload of 50 MB to a slow node */
    DEP_KUBO_ANSWER_MAX_BYTES = 65536,          /* the JSON lines of one file's add */
};

typedef struct dep_kubo_options {
    const char *api_url;   /* the RPC base, "http://127.0.0.1:5001" ("/api/v0" may be included) */
    uint8_t cid_version;   /* 0: Kubo's default profile; 1: --cid-version 1 (raw leaves) */
    bool pin;              /* pin=true: the node keeps the module */
    const char *file_name; /* the multipart part's filename; NULL: "module.wasm" */
    uint32_t connect_timeout_ms; /* 0 means the default */
    uint32_t total_timeout_ms;
} dep_kubo_options;

typedef struct dep_kubo_result {
    dep_cid local;      /* the CID computed here, in the same profile */
    dep_cid remote;     /* the "Hash" the node answered */
    uint64_t dag_bytes; /* the node's "Size" (cumulative DAG bytes); 0 when it sent none */
    char name[256];     /* the node's "Name", control bytes replaced by '?' */
} dep_kubo_result;

/* Parses the answer of /api/v0/add (newline-delimited JSON objects; progress objects are skipped,
 * the last object with a "Hash" names the root). A Kubo error object ({"Message", "Type":
 * "error"}) is DEP_ERR_NETWORK with its message; no Hash, a bad CID or a bad Size is
 * DEP_ERR_MALFORMED. name (256 bytes) and dag_bytes are optional. */
dep_status dep_kubo_parse_add(const char *body, size_t len, dep_cid *hash, uint64_t *dag_bytes,
                              char *name, dep_error *err);

/* Publishes a file to a Kubo RPC endpoint: computes its CID locally (dep_import_profile of
 * cid_version), then POSTs it as multipart/form-data to {api}/api/v0/add with cid-version,
 * raw-leaves, chunker=size-262144 and pin, and compares the node's Hash with the local CID. A
 * different Hash is DEP_ERR_HASH with both CIDs in the message (result holds both); an HTTP or
 * transport failure is DEP_ERR_NETWORK with the node's own message when it sent one. */
dep_status dep_kubo_add(const dep_kubo_options *opts, const uint8_t *data, size_t len,
                        dep_kubo_result *result, dep_error *err);

/* The Solana side of deployment: keys, Borsh, transactions, JSON-RPC, the route registry. */
#include "deploy/deploy_solana.h"
/* Route sources (file, solana), trust policy, persisted snapshots, the route differ. */
#include "deploy/deploy_routes.h"

#endif
