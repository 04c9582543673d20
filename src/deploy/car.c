/*
 * CARv1, the archive format of the trustless-gateway protocol and of pinning services: a varint-
 * prefixed dag-cbor header {"roots": [CID...], "version": 1}, then sections of varint length,
 * binary CID and block bytes. The header is read with a minimal strict dag-cbor decoder that knows
 * exactly this shape (canonical key order, minimal integer encodings, CIDs as tag 42 over bytes
 * with a 0x00 prefix) and rejects everything else; nothing here trusts a block (see verify.c).
 */
#include "deploy/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- strict dag-cbor, just enough for the header ---- */

enum { CBOR_UINT = 0, CBOR_BYTES = 2, CBOR_TEXT = 3, CBOR_ARRAY = 4, CBOR_MAP = 5, CBOR_TAG = 6 };
enum { CBOR_TAG_CID = 42 };

typedef struct cbor_reader {
    const uint8_t *p;
    size_t len, off;
} cbor_reader;

static const char *major_name(unsigned major)
{
    static const char *names[] = {
        "unsigned integer", "negative integer", "byte string", "text string", "array", "map", "tag",
        "simple/float"};
    return names[major & 7];
}

/* Reads a data item's head: major type and argument, with dag-cbor's minimal-length rule. */
static dep_status cbor_head(cbor_reader *r, unsigned *major, uint64_t *arg, dep_error *err)
{
    size_t at = r->off;
    if (r->off >= r->len)
        return dep_fail(err, DEP_ERR_MALFORMED, "car header: truncated at offset %zu", at);
    uint8_t ib = r->p[r->off++];
    *major = ib >> 5;
    unsigned info = ib & 31;
    if (info < 24) {
        *arg = info;
        return DEP_OK;
    }
    if (info > 27)
        return dep_fail(err, DEP_ERR_MALFORMED,
                        "car header: indefinite or reserved length at offset %zu (not dag-cbor)",
                        at);
    size_t n = (size_t)1 << (info - 24);
    if (n > r->len - r->off)
        return dep_fail(err, DEP_ERR_MALFORMED, "car header: truncated at offset %zu", at);
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | r->p[r->off++];
    static const uint64_t min_for[] = {24, 256, 65536, 4294967296ull};
    if (v < min_for[info - 24])
        return dep_fail(err, DEP_ERR_MALFORMED,
                        "car header: integer at offset %zu not minimally encoded (not dag-cbor)",
                        at);
    *arg = v;
    return DEP_OK;
}

static dep_status cbor_expect(cbor_reader *r, unsigned want, uint64_t *arg, const char *what,
                              dep_error *err)
{
    unsigned major = 0;
    size_t at = r->off;
    dep_status st = cbor_head(r, &major, arg, err);
    if (st != DEP_OK)
        return st;
    if (major != want)
        return dep_fail(err, DEP_ERR_MALFORMED, "car header: %s at offset %zu is a %s, not a %s",
                        what, at, major_name(major), major_name(want));
    return DEP_OK;
}

static dep_status cbor_cid(cbor_reader *r, dep_cid *cid, dep_error *err)
{
    uint64_t tag, n;
    size_t used, at = r->off;
    dep_status st = cbor_expect(r, CBOR_TAG, &tag, "root", err);
    if (st != DEP_OK)
        return st;
    if (tag != CBOR_TAG_CID)
        return dep_fail(err, DEP_ERR_MALFORMED,
                        "car header: root at offset %zu has tag %llu, not 42", at,
                        (unsigned long long)tag);
    if ((st = cbor_expect(r, CBOR_BYTES, &n, "root cid", err)) != DEP_OK)
        return st;
    if (n > r->len - r->off)
        return dep_fail(err, DEP_ERR_MALFORMED, "car header: root cid at offset %zu truncated", at);
    if (n < 2 || r->p[r->off] != 0x00)
        return dep_fail(err, DEP_ERR_MALFORMED,
                        "car header: root cid at offset %zu lacks the 0x00 multibase prefix", at);
    if ((st = dep_cid_read(r->p + r->off + 1, (size_t)n - 1, cid, &used, err)) != DEP_OK) {
        dep_error_prefix(err, "car header: root");
        return st;
    }
    if (used != n - 1)
        return dep_fail(err, DEP_ERR_MALFORMED, "car header: root cid followed by %zu bytes",
                        (size_t)(n - 1 - used));
    r->off += (size_t)n;
    return DEP_OK;
}

dep_status dep_car_read_header(const uint8_t *car, size_t len, dep_car_header_info *info,
                               dep_error *err)
{
    uint64_t hlen, count, n;
    size_t used;
    dep_status st = dep_varint_decode(car, len, &hlen, &used, err);
    if (st != DEP_OK) {
        dep_error_prefix(err, "car header length");
        return st;
    }
    if (hlen == 0)
        return dep_fail(err, DEP_ERR_MALFORMED, "car header: zero length");
    if (hlen > DEP_CAR_HEADER_MAX_BYTES)
        return dep_fail(err, DEP_ERR_LIMIT, "car header: %llu bytes is over the %d-byte cap",
                        (unsigned long long)hlen, DEP_CAR_HEADER_MAX_BYTES);
    if (hlen > len - used)
        return dep_fail(err, DEP_ERR_MALFORMED, "car header: %llu bytes declared, %zu present",
                        (unsigned long long)hlen, len - used);
    cbor_reader r = {car + used, (size_t)hlen, 0};
    *info = (dep_car_header_info){.body_offset = used + (size_t)hlen};
    if ((st = cbor_expect(&r, CBOR_MAP, &count, "header", err)) != DEP_OK)
        return st;
    bool have_roots = false, have_version = false;
    uint64_t version = 0;
    for (uint64_t i = 0; i < count; i++) {
        size_t at = r.off;
        if ((st = cbor_expect(&r, CBOR_TEXT, &n, "map key", err)) != DEP_OK)
            return st;
        if (n > r.len - r.off)
            return dep_fail(err, DEP_ERR_MALFORMED, "car header: key at offset %zu truncated", at);
        const char *key = (const char *)r.p + r.off;
        r.off += (size_t)n;
        /* dag-cbor orders keys by length, then bytes: "roots" must precede "version". */
        if (n == 5 && memcmp(key, "roots", 5) == 0 && !have_roots && !have_version) {
            if ((st = cbor_expect(&r, CBOR_ARRAY, &n, "roots", err)) != DEP_OK)
                return st;
            if (n > DEP_CAR_MAX_ROOTS)
                return dep_fail(err, DEP_ERR_LIMIT, "car header: %llu roots (at most %d)",
                                (unsigned long long)n, DEP_CAR_MAX_ROOTS);
            for (uint64_t j = 0; j < n; j++)
                if ((st = cbor_cid(&r, &info->roots[j], err)) != DEP_OK)
                    return st;
            info->root_count = (size_t)n;
            have_roots = true;
        } else if (n == 7 && memcmp(key, "version", 7) == 0 && !have_version) {
            if ((st = cbor_expect(&r, CBOR_UINT, &version, "version", err)) != DEP_OK)
                return st;
            have_version = true;
        } else {
            return dep_fail(err, DEP_ERR_MALFORMED,
                            "car header: unexpected, repeated or misordered key \"%.*s\"",
                            (int)(n > 32 ? 32 : n), key);
        }
    }
    if (!have_version)
        return dep_fail(err, DEP_ERR_MALFORMED, "car header: no version");
    if (version == 2)
        return dep_fail(err, DEP_ERR_UNSUPPORTED,
                        "car header: CARv2 is not supported (send CARv1)");
    if (version != 1)
        return dep_fail(err, DEP_ERR_UNSUPPORTED, "car header: version %llu is not supported",
                        (unsigned long long)version);
    if (!have_roots)
        return dep_fail(err, DEP_ERR_MALFORMED, "car header: no roots");
    if (r.off != r.len)
        return dep_fail(err, DEP_ERR_MALFORMED, "car header: %zu bytes after the map",
                        r.len - r.off);
    return DEP_OK;
}

dep_status dep_car_roots(const uint8_t *car, size_t car_len, dep_cid *roots, size_t cap,
                         size_t *count, dep_error *err)
{
    dep_car_header_info info;
    dep_status st = dep_car_read_header(car, car_len, &info, err);
    if (st != DEP_OK)
        return st;
    *count = info.root_count < cap ? info.root_count : cap;
    memcpy(roots, info.roots, *count * sizeof *roots);
    return DEP_OK;
}

dep_status dep_car_read_section(const uint8_t *car, size_t len, size_t *offset, dep_cid *cid,
                                const uint8_t **data, size_t *data_len, dep_error *err)
{
    size_t at = *offset, used, cid_len;
    uint64_t slen;
    dep_status st = dep_varint_decode(car + at, len - at, &slen, &used, err);
    if (st != DEP_OK) {
        dep_error_prefix(err, "car section at offset %zu: length", at);
        return st;
    }
    if (slen == 0)
        return dep_fail(err, DEP_ERR_MALFORMED, "car section at offset %zu: zero length", at);
    if (slen > (uint64_t)DEP_CID_MAX_BYTES + DEP_BLOCK_MAX_BYTES)
        return dep_fail(err, DEP_ERR_LIMIT,
                        "car section at offset %zu: %llu bytes is over the %d-byte block cap", at,
                        (unsigned long long)slen, DEP_BLOCK_MAX_BYTES);
    if (slen > len - at - used)
        return dep_fail(err, DEP_ERR_MALFORMED,
                        "car section at offset %zu: truncated, %llu bytes declared, %zu present",
                        at, (unsigned long long)slen, len - at - used);
    const uint8_t *p = car + at + used;
    if ((st = dep_cid_read(p, (size_t)slen, cid, &cid_len, err)) != DEP_OK) {
        dep_error_prefix(err, "car section at offset %zu", at);
        return st;
    }
    *data = p + cid_len;
    *data_len = (size_t)slen - cid_len;
    *offset = at + used + (size_t)slen;
    return DEP_OK;
}

/* ---- writing ---- */

size_t dep_car_header(const dep_cid *root, uint8_t *out, size_t cap)
{
    uint8_t body[64 + DEP_CID_MAX_BYTES];
    uint8_t cid[DEP_CID_MAX_BYTES];
    size_t clen = dep_cid_bytes(root, cid), n = 0;
    body[n++] = 0xa2; /* map(2) */
    body[n++] = 0x65; /* text(5) */
    memcpy(body + n, "roots", 5);
    n += 5;
    body[n++] = 0x81; /* array(1) */
    body[n++] = 0xd8; /* tag(42) */
    body[n++] = CBOR_TAG_CID;
    if (clen + 1 < 24) {
        body[n++] = 0x40 | (uint8_t)(clen + 1);
    } else {
        body[n++] = 0x58; /* bytes, 1-byte length */
        body[n++] = (uint8_t)(clen + 1);
    }
    body[n++] = 0x00; /* multibase identity prefix */
    memcpy(body + n, cid, clen);
    n += clen;
    body[n++] = 0x67; /* text(7) */
    memcpy(body + n, "version", 7);
    n += 7;
    body[n++] = 0x01;
    uint8_t vi[DEP_VARINT_MAX_BYTES];
    size_t vn = dep_varint_encode(n, vi);
    if (vn + n > cap)
        return 0;
    memcpy(out, vi, vn);
    memcpy(out + vn, body, n);
    return vn + n;
}

dep_status dep_car_section(const dep_cid *cid, const uint8_t *data, size_t len, uint8_t **out,
                           size_t *out_len, dep_error *err)
{
    uint8_t cb[DEP_CID_MAX_BYTES];
    size_t clen = dep_cid_bytes(cid, cb);
    dep_buf b = {0};
    dep_status st = dep_buf_varint(&b, clen + len, err);
    if (st == DEP_OK)
        st = dep_buf_append(&b, cb, clen, err);
    if (st == DEP_OK)
        st = dep_buf_append(&b, data, len, err);
    if (st != DEP_OK) {
        dep_buf_destroy(&b);
        return st;
    }
    *out = b.data;
    *out_len = b.len;
    return DEP_OK;
}

/* Collects each distinct block once, as a CAR section, into a buffer or a file. */
typedef struct car_sink {
    dep_cidmap seen;
    dep_buf *buf;
    FILE *file;
    const char *path;
} car_sink;

static dep_status sink_block(void *ctx, const dep_cid *cid, const uint8_t *data, size_t len,
                             dep_error *err)
{
    car_sink *s = ctx;
    bool added;
    dep_status st = dep_cidmap_put(&s->seen, cid, 0, &added, err);
    if (st != DEP_OK || !added)
        return st;
    uint8_t *sec;
    size_t sec_len;
    if ((st = dep_car_section(cid, data, len, &sec, &sec_len, err)) != DEP_OK)
        return st;
    if (s->buf != NULL)
        st = dep_buf_append(s->buf, sec, sec_len, err);
    else if (fwrite(sec, 1, sec_len, s->file) != sec_len)
        st = dep_fail(err, DEP_ERR_IO, "%s: write failed: %s", s->path, strerror(errno));
    free(sec);
    return st;
}

dep_status dep_car_write_buffer(const uint8_t *data, size_t len, const dep_import_options *opts,
                                uint8_t **car, size_t *car_len, dep_cid *root, dep_error *err)
{
    dep_buf body = {0}, out = {0};
    car_sink sink = {.buf = &body};
    dep_status st = dep_import_buffer(data, len, opts, sink_block, &sink, root, err);
    uint8_t header[DEP_CAR_HEADER_MAX_BYTES];
    if (st == DEP_OK) {
        size_t hlen = dep_car_header(root, header, sizeof header);
        st = dep_buf_append(&out, header, hlen, err);
    }
    if (st == DEP_OK)
        st = dep_buf_append(&out, body.data, body.len, err);
    dep_buf_destroy(&body);
    dep_cidmap_destroy(&sink.seen);
    if (st != DEP_OK) {
        dep_buf_destroy(&out);
        return st;
    }
    *car = out.data;
    *car_len = out.len;
    return DEP_OK;
}

dep_status dep_car_write_file(const char *in_path, const char *car_path,
                              const dep_import_options *opts, dep_cid *root, dep_error *err)
{
    /* Two passes: the header names the root, which is known only once the file has been read. */
    dep_status st = dep_import_file(in_path, opts, NULL, NULL, root, err);
    if (st != DEP_OK)
        return st;
    FILE *f = fopen(car_path, "wb");
    if (f == NULL)
        return dep_fail(err, DEP_ERR_IO, "%s: %s", car_path, strerror(errno));
    uint8_t header[DEP_CAR_HEADER_MAX_BYTES];
    size_t hlen = dep_car_header(root, header, sizeof header);
    car_sink sink = {.file = f, .path = car_path};
    dep_cid again;
    if (fwrite(header, 1, hlen, f) != hlen)
        st = dep_fail(err, DEP_ERR_IO, "%s: write failed: %s", car_path, strerror(errno));
    if (st == DEP_OK)
        st = dep_import_file(in_path, opts, sink_block, &sink, &again, err);
    if (st == DEP_OK && !dep_cid_equal(root, &again))
        st = dep_fail(err, DEP_ERR_IO, "%s: changed while it was read", in_path);
    if (fclose(f) != 0 && st == DEP_OK)
        st = dep_fail(err, DEP_ERR_IO, "%s: %s", car_path, strerror(errno));
    dep_cidmap_destroy(&sink.seen);
    if (st != DEP_OK)
        unlink(car_path);
    return st;
}
