/*
 * Varints, multibase and CIDs: exact encodings, round trips, vectors from other implementations
 * (the base36 and base58 CIDv1 spellings below were printed by the JavaScript multiformats library
 * for the same CIDs), and a precise error for every kind of malformed or unsupported input.
 */
#include "deploy/deploy.h"
#include "test.h"

#include <stdio.h>

static dep_status parse(const char *text, dep_cid *cid, dep_error *err)
{
    return dep_cid_parse(text, strlen(text), cid, err);
}

static void check_parse_error(const char *text, dep_status want, const char *msg)
{
    dep_cid cid;
    dep_error err = {0};
    dep_status st = parse(text, &cid, &err);
    CHECK_MSG(st == want, "%s: status %s, want %s (%s)", text, dep_status_name(st),
              dep_status_name(want), err.message);
    CHECK_STR_HAS(err.message, msg);
}

TEST(test_varint_encodes_leb128_minimally)
{
    uint8_t out[DEP_VARINT_MAX_BYTES];
    CHECK_UINT_EQ(dep_varint_encode(0, out), 1);
    CHECK_UINT_EQ(out[0], 0);
    CHECK_UINT_EQ(dep_varint_encode(127, out), 1);
    CHECK_UINT_EQ(out[0], 0x7f);
    CHECK_UINT_EQ(dep_varint_encode(128, out), 2);
    CHECK_UINT_EQ(out[0], 0x80);
    CHECK_UINT_EQ(out[1], 0x01);
    CHECK_UINT_EQ(dep_varint_encode(300, out), 2);
    CHECK_UINT_EQ(out[0], 0xac);
    CHECK_UINT_EQ(out[1], 0x02);
    CHECK_UINT_EQ(dep_varint_encode((1ull << 63) - 1, out), 9);
    CHECK_UINT_EQ(out[8], 0x7f);
    CHECK_UINT_EQ(dep_varint_encode(1ull << 63, out), 0);
}

TEST(test_varint_round_trips_every_length)
{
    for (int bits = 0; bits < 63; bits++) {
        uint64_t v = (1ull << bits) | (bits ? (1ull << bits) - 1 : 0);
        uint8_t out[DEP_VARINT_MAX_BYTES];
        size_t n = dep_varint_encode(v, out), used = 0;
        uint64_t back = 0;
        CHECK_INT_EQ(dep_varint_decode(out, n, &back, &used, NULL), DEP_OK);
        CHECK_UINT_EQ(back, v);
        CHECK_UINT_EQ(used, n);
    }
}

TEST(test_varint_rejects_truncated_overlong_and_oversized)
{
    uint64_t v;
    size_t used;
    dep_error err;
    const uint8_t trunc[] = {0x80, 0x80};
    CHECK_INT_EQ(dep_varint_decode(trunc, 2, &v, &used, &err), DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "varint truncated after 2 bytes");
    CHECK_INT_EQ(dep_varint_decode(trunc, 0, &v, &used, &err), DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "varint truncated after 0 bytes");
    const uint8_t overlong[] = {0x81, 0x00};
    CHECK_INT_EQ(dep_varint_decode(overlong, 2, &v, &used, &err), DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "varint not minimally encoded (2 bytes, last is 0x00)");
    const uint8_t ten[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    CHECK_INT_EQ(dep_varint_decode(ten, sizeof ten, &v, &used, &err), DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "varint longer than 9 bytes (over 63 bits)");
    const uint8_t zero[] = {0x00, 0x99};
    CHECK_INT_EQ(dep_varint_decode(zero, 2, &v, &used, &err), DEP_OK);
    CHECK_UINT_EQ(v, 0);
    CHECK_UINT_EQ(used, 1);
}

TEST(test_base32_matches_rfc4648_vectors_lowercase_unpadded)
{
    /* RFC 4648 section 10, lower-cased, padding removed. */
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *out[] = {"", "my", "mzxq", "mzxw6", "mzxw6yq", "mzxw6ytb", "mzxw6ytboi"};
    for (size_t i = 0; i < 7; i++) {
        char text[32];
        uint8_t back[16];
        size_t n;
        CHECK_UINT_EQ(dep_base32_encode((const uint8_t *)in[i], strlen(in[i]), text, sizeof text),
                      strlen(out[i]));
        CHECK_STR_EQ(text, out[i]);
        CHECK_INT_EQ(dep_base32_decode(out[i], strlen(out[i]), back, sizeof back, &n, NULL),
                     DEP_OK);
        CHECK_UINT_EQ(n, strlen(in[i]));
        CHECK(memcmp(back, in[i], n) == 0);
    }
}

TEST(test_base32_rejects_uppercase_padding_bad_length_and_trailing_bits)
{
    uint8_t out[16];
    size_t n;
    dep_error err;
    CHECK_INT_EQ(dep_base32_decode("MZXW6", 5, out, sizeof out, &n, &err), DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "base32: invalid character 'M' at offset 0");
    CHECK_INT_EQ(dep_base32_decode("my======", 8, out, sizeof out, &n, &err), DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "base32: invalid character '=' at offset 2");
    CHECK_INT_EQ(dep_base32_decode("mzx", 3, out, sizeof out, &n, &err), DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "base32: impossible length 3");
    CHECK_INT_EQ(dep_base32_decode("mz", 2, out, sizeof out, &n, &err), DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "base32: non-zero trailing bits");
    CHECK_INT_EQ(dep_base32_decode("mzxw6ytboi", 10, out, 3, &n, &err), DEP_ERR_LIMIT);
}

TEST(test_base58_matches_bitcoin_vectors_and_keeps_leading_zeros)
{
    struct {
        const char *hex, *b58;
    } v[] = {{"", ""},
             {"61", "2g"},
             {"626262", "a3gV"},
             {"636363", "aPEr"},
             {"00000000000000000000", "1111111111"},
             {"0000287fb4cd", "11233QC4"},
             {"516b6fcd0f", "ABnLTmg"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t bin[16], back[16];
        size_t n = strlen(v[i].hex) / 2, m;
        for (size_t j = 0; j < n; j++)
            sscanf(v[i].hex + 2 * j, "%2hhx", &bin[j]);
        char text[32];
        CHECK_UINT_EQ(dep_base58_encode(bin, n, text, sizeof text), strlen(v[i].b58));
        CHECK_STR_EQ(text, v[i].b58);
        if (n == 0)
            continue;
        CHECK_INT_EQ(dep_base58_decode(v[i].b58, strlen(v[i].b58), back, sizeof back, &m, NULL),
                     DEP_OK);
        CHECK_UINT_EQ(m, n);
        CHECK(memcmp(back, bin, n) == 0);
    }
    dep_error err;
    uint8_t out[8];
    size_t n;
    CHECK_INT_EQ(dep_base58_decode("2g0", 3, out, sizeof out, &n, &err), DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "base58btc: invalid character '0' at offset 2");
    CHECK_INT_EQ(dep_base58_decode("Il", 2, out, sizeof out, &n, &err), DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "base58btc: invalid character 'I' at offset 0");
    CHECK_INT_EQ(dep_base58_decode("", 0, out, sizeof out, &n, &err), DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "base58btc: empty string");
}

TEST(test_cidv0_parses_and_prints_back)
{
    const char *text = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
    dep_cid cid;
    dep_error err;
    CHECK_INT_EQ(parse(text, &cid, &err), DEP_OK);
    CHECK_UINT_EQ(cid.version, 0);
    CHECK_UINT_EQ(cid.codec, DEP_CODEC_DAG_PB);
    CHECK_UINT_EQ(cid.hash, DEP_HASH_SHA2_256);
    CHECK_UINT_EQ(cid.digest_len, 32);
    char s[DEP_CID_TEXT_MAX];
    CHECK_STR_EQ(dep_cid_string(&cid, s), text);
    uint8_t bin[DEP_CID_MAX_BYTES];
    CHECK_UINT_EQ(dep_cid_bytes(&cid, bin), 34);
    CHECK_UINT_EQ(bin[0], 0x12);
    CHECK_UINT_EQ(bin[1], 0x20);
    /* The same multihash as CIDv1 is the "bafybei..." that `ipfs cid base32` prints. */
    dep_cid v1 = dep_cid_to_v1(&cid);
    CHECK_STR_EQ(dep_cid_string(&v1, s),
                 "bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby");
    CHECK(!dep_cid_equal(&cid, &v1));
}

TEST(test_cidv1_reads_base32_base58_and_base36_spellings)
{
    const char *b32 = "bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby";
    const char *b58 = "zdj7WaCPMsy3FP2whSwpFXHjDEaTVmjnddYSn5W2Gdn4aEZFj";
    const char *b36 = "k2jmtxt4nv2kx0qz1ncwpjwzdixb27xsgqxk7kgho4nnmjceustvi80e";
    dep_cid a, b, c;
    dep_error err;
    CHECK_INT_EQ(parse(b32, &a, &err), DEP_OK);
    CHECK_INT_EQ(parse(b58, &b, &err), DEP_OK);
    CHECK_INT_EQ(parse(b36, &c, &err), DEP_OK);
    CHECK(dep_cid_equal(&a, &b));
    CHECK(dep_cid_equal(&a, &c));
    CHECK_UINT_EQ(a.version, 1);
    CHECK_UINT_EQ(a.codec, DEP_CODEC_DAG_PB);
    char s[DEP_CID_TEXT_MAX];
    CHECK_STR_EQ(dep_cid_string(&c, s), b32);
    CHECK_STR_EQ(dep_cid_string_base58(&a, s), b58);

    const char *raw = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4";
    CHECK_INT_EQ(parse("k2cwuecvan95uqzq14dj3a18wx6av6tgr73nxvopxn3j5kvyr0apys7b", &a, &err),
                 DEP_OK);
    CHECK_INT_EQ(parse("zb2rhi36Gc9GJWijLEL6zW45MBux5FcFv5gJmjXA7VAMozEXY", &b, &err), DEP_OK);
    CHECK_UINT_EQ(a.codec, DEP_CODEC_RAW);
    CHECK(dep_cid_equal(&a, &b));
    CHECK_STR_EQ(dep_cid_string(&a, s), raw);
}

TEST(test_cid_of_block_hashes_with_sha256)
{
    dep_cid cid;
    char s[DEP_CID_TEXT_MAX];
    CHECK_INT_EQ(
        dep_cid_of_block(1, DEP_CODEC_RAW, (const uint8_t *)"hello world\n", 12, &cid, NULL),
        DEP_OK);
    CHECK_STR_EQ(dep_cid_string(&cid, s),
                 "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
    CHECK_INT_EQ(dep_cid_of_block(1, DEP_CODEC_RAW, NULL, 0, &cid, NULL), DEP_OK);
    CHECK_STR_EQ(dep_cid_string(&cid, s),
                 "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
    dep_error err;
    CHECK_INT_EQ(dep_cid_of_block(0, DEP_CODEC_RAW, NULL, 0, &cid, &err), DEP_ERR_ARG);
    CHECK_STR_EQ(err.message, "a CIDv0 can only name a dag-pb block");
}

TEST(test_cid_verify_block_detects_one_changed_byte)
{
    dep_cid cid;
    dep_error err;
    uint8_t data[] = "hello world\n";
    CHECK_INT_EQ(dep_cid_of_block(1, DEP_CODEC_RAW, data, 12, &cid, NULL), DEP_OK);
    CHECK_INT_EQ(dep_cid_verify_block(&cid, data, 12, &err), DEP_OK);
    data[0] = 'H';
    CHECK_INT_EQ(dep_cid_verify_block(&cid, data, 12, &err), DEP_ERR_HASH);
    CHECK_STR_HAS(err.message,
                  "block for bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4 hashes "
                  "to bafkrei");
    CHECK_INT_EQ(dep_cid_verify_block(&cid, data, 11, &err), DEP_ERR_HASH);
}

TEST(test_identity_cid_carries_its_block_inline)
{
    /* CIDv1 raw identity of "hi": 01 55 00 02 68 69 */
    const uint8_t bin[] = {0x01, 0x55, 0x00, 0x02, 'h', 'i'};
    dep_cid cid;
    size_t used;
    CHECK_INT_EQ(dep_cid_read(bin, sizeof bin, &cid, &used, NULL), DEP_OK);
    CHECK_UINT_EQ(used, 6);
    CHECK_UINT_EQ(cid.hash, DEP_HASH_IDENTITY);
    char s[DEP_CID_TEXT_MAX];
    dep_cid back;
    dep_cid_string(&cid, s);
    CHECK_STR_EQ(s, "bafkqaatine");
    CHECK_INT_EQ(parse(s, &back, NULL), DEP_OK);
    CHECK(dep_cid_equal(&cid, &back));
    dep_error err;
    CHECK_INT_EQ(dep_cid_verify_block(&cid, (const uint8_t *)"hi", 2, &err), DEP_OK);
    CHECK_INT_EQ(dep_cid_verify_block(&cid, (const uint8_t *)"ho", 2, &err), DEP_ERR_HASH);
    CHECK_STR_HAS(err.message, "identity cid bafkqaatine");
}

TEST(test_cid_parse_names_each_unsupported_feature)
{
    /* dag-cbor (0x71), an IPNS key (libp2p-key 0x72, base36), blake2b-256, base64 and hex. */
    check_parse_error("bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
                      DEP_ERR_UNSUPPORTED, "cid codec 0x71 (dag-cbor) is not supported");
    check_parse_error("k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8",
                      DEP_ERR_UNSUPPORTED, "cid codec 0x72 (libp2p-key) is not supported");
    check_parse_error("bafk2bzacecr7tmgr4eaaosz7f5jhvhjhzkktsfdvk4fa44vemejzdzdj4vdfm",
                      DEP_ERR_UNSUPPORTED, "multihash 0xb220 (blake2b-256) is not supported");
    check_parse_error("mAXASIOnrbGCADfkPyOI37VMkbzluh1RkkPxzLl/qAz0rJD+r", DEP_ERR_UNSUPPORTED,
                      "multibase prefix 'm' is not supported");
    check_parse_error("f01701220c3c4733ec8affd06cf9e9ff50ffc6bcd2ec85a6170004bb709669c31de94391a",
                      DEP_ERR_UNSUPPORTED, "multibase prefix 'f' is not supported");
    check_parse_error("BAFYBEICG2REBJOOFV4KBYOVKW7AF3RPIITVNL6I7CKCYWAQ6XJCXNC2MBY",
                      DEP_ERR_UNSUPPORTED, "multibase prefix 'B' is not supported");
}

TEST(test_cid_parse_rejects_malformed_strings_precisely)
{
    check_parse_error("", DEP_ERR_MALFORMED, "cid: empty string");
    check_parse_error("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5", DEP_ERR_MALFORMED,
                      "looks like a CIDv0 but is 45 characters long (must be 46)");
    check_parse_error("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5O", DEP_ERR_MALFORMED,
                      "base58btc: invalid character 'O' at offset 45");
    check_parse_error("bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2m",
                      DEP_ERR_MALFORMED, "multihash digest truncated: 31 of 32 bytes");
    check_parse_error("bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mbyaa",
                      DEP_ERR_MALFORMED, "1 trailing bytes after the CID");
    check_parse_error("b afy", DEP_ERR_MALFORMED, "base32: invalid character 0x20 at offset 0");
    check_parse_error("\x01xyz", DEP_ERR_MALFORMED, "unknown multibase prefix 0x01");
    char longer[400];
    memset(longer, 'a', sizeof longer - 1);
    longer[0] = 'b';
    longer[sizeof longer - 1] = '\0';
    check_parse_error(longer, DEP_ERR_LIMIT, "cid: 399 characters is longer than 255");
}

/* Builds "b" + base32(bytes) and checks the parse error it gives. */
static void check_binary_error(const uint8_t *bin, size_t len, dep_status want, const char *msg)
{
    char text[DEP_CID_TEXT_MAX];
    text[0] = 'b';
    dep_base32_encode(bin, len, text + 1, sizeof text - 1);
    check_parse_error(text, want, msg);
}

TEST(test_cid_parse_rejects_bad_binary_fields)
{
    uint8_t bin[40] = {0x01, 0x70, 0x12, 0x20};
    check_binary_error(bin, 36, DEP_OK, ""); /* the well-formed base case */
    bin[0] = 0x02;
    check_binary_error(bin, 36, DEP_ERR_UNSUPPORTED, "cid version 2 is not supported");
    bin[0] = 0x00;
    check_binary_error(bin, 36, DEP_ERR_UNSUPPORTED, "cid version 0 is not supported");
    const uint8_t v0_inside[] = {0x12, 0x20, 1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                 11,   12,   13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                 23,   24,   25, 26, 27, 28, 29, 30, 31, 32};
    check_binary_error(v0_inside, sizeof v0_inside, DEP_ERR_MALFORMED,
                       "a multibase CID must be CIDv1");
    const uint8_t short_digest[] = {0x01, 0x55, 0x12, 0x1f, 0};
    check_binary_error(short_digest, sizeof short_digest, DEP_ERR_MALFORMED,
                       "multihash sha2-256 with a digest of 31 bytes (must be 32)");
    const uint8_t overlong_codec[] = {0x01, 0xf0, 0x00, 0x12, 0x20};
    check_binary_error(overlong_codec, sizeof overlong_codec, DEP_ERR_MALFORMED,
                       "cid codec: varint not minimally encoded");
    const uint8_t big_identity[] = {0x01, 0x55, 0x00, 0x81, 0x01};
    check_binary_error(big_identity, sizeof big_identity, DEP_ERR_LIMIT,
                       "identity multihash of 129 bytes (at most 128 are accepted)");
    const uint8_t sha1[] = {0x01, 0x55, 0x11, 0x14};
    check_binary_error(sha1, sizeof sha1, DEP_ERR_UNSUPPORTED, "multihash 0x11 (sha1)");
}
