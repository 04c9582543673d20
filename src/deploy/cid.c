/*
 * CIDs: parsing, printing and building the content identifiers that name modules, and checking a
 * block against one. Accepted: CIDv0 (a bare sha2-256 multihash, printed in base58btc) and CIDv1
 * with the codecs raw and dag-pb and the multihashes sha2-256 and identity. Everything else
 * (other codecs, hashes, bases, versions, digest lengths) is refused with a message naming it,
 * because a module loader that guessed would trust bytes it cannot check.
 */
#include "deploy/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char *codec_name(uint64_t codec)
{
    switch (codec) {
    case DEP_CODEC_RAW:
        return "raw";
    case DEP_CODEC_DAG_PB:
        return "dag-pb";
    case 0x71:
        return "dag-cbor";
    case 0x0129:
        return "dag-json";
    case 0x51:
        return "cbor";
    case 0x0200:
        return "json";
    case 0x72:
        return "libp2p-key";
    default:
        return "unknown";
    }
}

static const char *hash_name(uint64_t code)
{
    switch (code) {
    case DEP_HASH_SHA2_256:
        return "sha2-256";
    case DEP_HASH_IDENTITY:
        return "identity";
    case 0x11:
        return "sha1";
    case 0x13:
        return "sha2-512";
    case 0x16:
        return "sha3-256";
    case 0x1b:
        return "keccak-256";
    case 0xb220:
        return "blake2b-256";
    case 0x1e:
        return "blake3";
    default:
        return "unknown";
    }
}

static dep_status read_multihash(const uint8_t *buf, size_t len, dep_cid *out, size_t *used,
                                 dep_error *err)
{
    uint64_t code, dlen;
    size_t n1, n2;
    dep_status st = dep_varint_decode(buf, len, &code, &n1, err);
    if (st != DEP_OK) {
        dep_error_prefix(err, "multihash code");
        return st;
    }
    if ((st = dep_varint_decode(buf + n1, len - n1, &dlen, &n2, err)) != DEP_OK) {
        dep_error_prefix(err, "multihash length");
        return st;
    }
    if (code == DEP_HASH_SHA2_256) {
        if (dlen != DEP_SHA256_BYTES)
            return dep_fail(err, DEP_ERR_MALFORMED,
                            "multihash sha2-256 with a digest of %llu bytes (must be 32)",
                            (unsigned long long)dlen);
    } else if (code == DEP_HASH_IDENTITY) {
        if (dlen > DEP_IDENTITY_MAX_BYTES)
            return dep_fail(err, DEP_ERR_LIMIT,
                            "identity multihash of %llu bytes (at most %d are accepted)",
                            (unsigned long long)dlen, DEP_IDENTITY_MAX_BYTES);
    } else {
        return dep_fail(err, DEP_ERR_UNSUPPORTED,
                        "multihash 0x%llx (%s) is not supported (only sha2-256 and identity)",
                        (unsigned long long)code, hash_name(code));
    }
    if (dlen > len - n1 - n2)
        return dep_fail(err, DEP_ERR_MALFORMED, "multihash digest truncated: %zu of %llu bytes",
                        len - n1 - n2, (unsigned long long)dlen);
    out->hash = (uint8_t)code;
    out->digest_len = (uint8_t)dlen;
    memcpy(out->digest, buf + n1 + n2, (size_t)dlen);
    *used = n1 + n2 + (size_t)dlen;
    return DEP_OK;
}

dep_status dep_cid_read(const uint8_t *buf, size_t len, dep_cid *out, size_t *used, dep_error *err)
{
    dep_cid c = {0};
    size_t n = 0;
    dep_status st;
    if (len >= 2 && buf[0] == DEP_HASH_SHA2_256 && buf[1] == DEP_SHA256_BYTES) {
        /* CIDv0: a bare sha2-256 multihash, always dag-pb. */
        if ((st = read_multihash(buf, len, &c, &n, err)) != DEP_OK)
            return st;
        c.version = 0;
        c.codec = DEP_CODEC_DAG_PB;
        *out = c;
        *used = n;
        return DEP_OK;
    }
    uint64_t version, codec;
    size_t n1, n2;
    if ((st = dep_varint_decode(buf, len, &version, &n1, err)) != DEP_OK) {
        dep_error_prefix(err, "cid version");
        return st;
    }
    if (version != 1)
        return dep_fail(err, DEP_ERR_UNSUPPORTED, "cid version %llu is not supported",
                        (unsigned long long)version);
    if ((st = dep_varint_decode(buf + n1, len - n1, &codec, &n2, err)) != DEP_OK) {
        dep_error_prefix(err, "cid codec");
        return st;
    }
    if (codec != DEP_CODEC_RAW && codec != DEP_CODEC_DAG_PB)
        return dep_fail(err, DEP_ERR_UNSUPPORTED,
                        "cid codec 0x%llx (%s) is not supported (only raw and dag-pb)",
                        (unsigned long long)codec, codec_name(codec));
    if ((st = read_multihash(buf + n1 + n2, len - n1 - n2, &c, &n, err)) != DEP_OK)
        return st;
    c.version = 1;
    c.codec = (uint16_t)codec;
    *out = c;
    *used = n1 + n2 + n;
    return DEP_OK;
}

size_t dep_cid_bytes(const dep_cid *cid, uint8_t *out)
{
    size_t n = 0;
    if (cid->version == 1) {
        n += dep_varint_encode(1, out);
        n += dep_varint_encode(cid->codec, out + n);
    }
    n += dep_varint_encode(cid->hash, out + n);
    n += dep_varint_encode(cid->digest_len, out + n);
    memcpy(out + n, cid->digest, cid->digest_len);
    return n + cid->digest_len;
}

static dep_status cid_from_binary(const uint8_t *bin, size_t len, bool want_v1, dep_cid *out,
                                  dep_error *err)
{
    size_t used;
    dep_status st = dep_cid_read(bin, len, out, &used, err);
    if (st != DEP_OK)
        return st;
    if (want_v1 && out->version == 0)
        return dep_fail(err, DEP_ERR_MALFORMED,
                        "a multibase CID must be CIDv1, this one holds a bare multihash");
    if (used != len)
        return dep_fail(err, DEP_ERR_MALFORMED, "%zu trailing bytes after the CID", len - used);
    return DEP_OK;
}

dep_status dep_cid_parse(const char *text, size_t len, dep_cid *out, dep_error *err)
{
    uint8_t bin[DEP_CID_TEXT_MAX];
    size_t blen = 0;
    dep_status st;
    if (len == 0)
        return dep_fail(err, DEP_ERR_MALFORMED, "cid: empty string");
    if (len >= DEP_CID_TEXT_MAX)
        return dep_fail(err, DEP_ERR_LIMIT, "cid: %zu characters is longer than %d", len,
                        DEP_CID_TEXT_MAX - 1);
    if (len == 46 && text[0] == 'Q' && text[1] == 'm') {
        if ((st = dep_base58_decode(text, len, bin, sizeof bin, &blen, err)) == DEP_OK &&
            (st = cid_from_binary(bin, blen, false, out, err)) == DEP_OK && out->version != 0)
            st = dep_fail(err, DEP_ERR_MALFORMED, "not a CIDv0");
    } else {
        switch (text[0]) {
        case 'b':
            st = dep_base32_decode(text + 1, len - 1, bin, sizeof bin, &blen, err);
            break;
        case 'z':
            st = dep_base58_decode(text + 1, len - 1, bin, sizeof bin, &blen, err);
            break;
        case 'k':
            st = dep_base36_decode(text + 1, len - 1, bin, sizeof bin, &blen, err);
            break;
        case 'B':
        case 'f':
        case 'F':
        case 'm':
        case 'M':
        case 'u':
        case 'U':
        case 'c':
        case 'C':
        case 'v':
        case 'V':
        case 't':
        case 'T':
        case 'h':
        case 'K':
        case 'Z':
        case '9':
            st = dep_fail(err, DEP_ERR_UNSUPPORTED,
                          "multibase prefix '%c' is not supported (use 'b', 'z' or 'k')", text[0]);
            break;
        case 'Q':
            st = dep_fail(err, DEP_ERR_MALFORMED,
                          "looks like a CIDv0 but is %zu characters long (must be 46)", len);
            break;
        default:
            st = dep_fail(err, DEP_ERR_MALFORMED, "unknown multibase prefix 0x%02x",
                          (unsigned char)text[0]);
        }
        if (st == DEP_OK)
            st = cid_from_binary(bin, blen, true, out, err);
    }
    if (st != DEP_OK)
        dep_error_prefix(err, "cid");
    return st;
}

char *dep_cid_string(const dep_cid *cid, char out[DEP_CID_TEXT_MAX])
{
    uint8_t bin[DEP_CID_MAX_BYTES];
    size_t n = dep_cid_bytes(cid, bin);
    if (cid->version == 0) {
        dep_base58_encode(bin, n, out, DEP_CID_TEXT_MAX);
    } else {
        out[0] = 'b';
        dep_base32_encode(bin, n, out + 1, DEP_CID_TEXT_MAX - 1);
    }
    return out;
}

char *dep_cid_string_base58(const dep_cid *cid, char out[DEP_CID_TEXT_MAX])
{
    uint8_t bin[DEP_CID_MAX_BYTES];
    dep_cid v1 = dep_cid_to_v1(cid);
    size_t n = dep_cid_bytes(&v1, bin);
    out[0] = 'z';
    dep_base58_encode(bin, n, out + 1, DEP_CID_TEXT_MAX - 1);
    return out;
}

dep_cid dep_cid_to_v1(const dep_cid *cid)
{
    dep_cid v1 = *cid;
    v1.version = 1;
    return v1;
}

bool dep_cid_equal(const dep_cid *a, const dep_cid *b)
{
    return a->version == b->version && a->codec == b->codec && a->hash == b->hash &&
           a->digest_len == b->digest_len && memcmp(a->digest, b->digest, a->digest_len) == 0;
}

dep_status dep_cid_of_block(uint8_t version, uint16_t codec, const uint8_t *data, size_t len,
                            dep_cid *out, dep_error *err)
{
    if (version > 1)
        return dep_fail(err, DEP_ERR_ARG, "cid version %u is not supported", version);
    if (codec != DEP_CODEC_RAW && codec != DEP_CODEC_DAG_PB)
        return dep_fail(err, DEP_ERR_ARG, "codec 0x%x is not supported", codec);
    if (version == 0 && codec != DEP_CODEC_DAG_PB)
        return dep_fail(err, DEP_ERR_ARG, "a CIDv0 can only name a dag-pb block");
    if (sodium_init() < 0)
        return dep_fail(err, DEP_ERR_NOMEM, "libsodium failed to initialise");
    *out = (dep_cid){.version = version,
                     .codec = codec,
                     .hash = DEP_HASH_SHA2_256,
                     .digest_len = DEP_SHA256_BYTES};
    crypto_hash_sha256(out->digest, data, len);
    return DEP_OK;
}

dep_status dep_cid_verify_block(const dep_cid *cid, const uint8_t *data, size_t len, dep_error *err)
{
    char want[DEP_CID_TEXT_MAX], got[DEP_CID_TEXT_MAX];
    if (cid->hash == DEP_HASH_IDENTITY) {
        if (len == cid->digest_len && memcmp(data, cid->digest, len) == 0)
            return DEP_OK;
        return dep_fail(err, DEP_ERR_HASH,
                        "block for identity cid %s holds %zu bytes that differ from the cid's %u",
                        dep_cid_string(cid, want), len, cid->digest_len);
    }
    dep_cid actual;
    dep_status st = dep_cid_of_block(cid->version, cid->codec, data, len, &actual, err);
    if (st != DEP_OK)
        return st;
    if (memcmp(actual.digest, cid->digest, DEP_SHA256_BYTES) == 0)
        return DEP_OK;
    return dep_fail(err, DEP_ERR_HASH, "block for %s hashes to %s", dep_cid_string(cid, want),
                    dep_cid_string(&actual, got));
}
