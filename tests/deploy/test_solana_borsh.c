/*
 * Borsh of the route registry (src/deploy/solana_borsh.c): the WasmRoute account read and
 * written byte for byte, every malformed account refused with its reason (never read past the
 * data), and the registry's instructions with their accounts in idl.json's order.
 */
#include "deploy/deploy.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CID_A "bafkreib447kycckrqtljlpyzmv3va5wwnlslhxockyfo6tmnbgztriab5u"

static solana_pubkey key_of(uint8_t fill)
{
    solana_pubkey k;
    memset(k.bytes, fill, sizeof k.bytes);
    return k;
}

static solana_route sample_route(void)
{
    solana_route r;
    memset(&r, 0, sizeof r);
    r.authority = key_of(0xaa);
    strcpy(r.domain, "a.io");
    strcpy(r.path, "/x");
    strcpy(r.cid, "Qm");
    r.module_type = SOLANA_MODULE_TYPE_WAF;
    r.enabled = true;
    r.created_at = 1750000000;
    r.updated_at = -2;
    return r;
}

/* The sample route as the program lays it out (docs/REGISTRY.md), before the zero padding. */
static const uint8_t sample_bytes[] = {
    0x7d, 0x97, 0x10, 0xa4, 0x58, 0xd3, 0xeb, 0x38,                         /* discriminator */
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, /* authority */
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x04, 0x00, 0x00, 0x00, 'a',  '.',  'i',  'o', /* domain */
    0x02, 0x00, 0x00, 0x00, '/',  'x',              /* path_pattern */
    0x02, 0x00, 0x00, 0x00, 'Q',  'm',              /* wasm_cid */
    0x00,                                           /* module_type: waf */
    0x01,                                           /* enabled */
    0x80, 0xe1, 0x4e, 0x68, 0x00, 0x00, 0x00, 0x00, /* created_at 1750000000 */
    0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* updated_at -2 */
};

TEST(test_route_encode_matches_the_documented_layout)
{
    uint8_t data[SOLANA_ROUTE_ACCOUNT_BYTES];
    solana_route r = sample_route();
    dep_error err;
    CHECK(solana_route_encode(&r, data, &err) == DEP_OK);
    CHECK(memcmp(data, sample_bytes, sizeof sample_bytes) == 0);
    for (size_t i = sizeof sample_bytes; i < sizeof data; i++)
        CHECK_UINT_EQ(data[i], 0);
}

TEST(test_route_decode_reads_every_field)
{
    uint8_t data[SOLANA_ROUTE_ACCOUNT_BYTES] = {0};
    solana_route r;
    dep_error err;
    memcpy(data, sample_bytes, sizeof sample_bytes);
    CHECK(solana_route_decode(data, sizeof data, &r, &err) == DEP_OK);
    solana_pubkey aa = key_of(0xaa);
    CHECK(solana_pubkey_equal(&r.authority, &aa));
    CHECK_STR_EQ(r.domain, "a.io");
    CHECK_STR_EQ(r.path, "/x");
    CHECK_STR_EQ(r.cid, "Qm");
    CHECK_UINT_EQ(r.module_type, SOLANA_MODULE_TYPE_WAF);
    CHECK(r.enabled);
    CHECK_INT_EQ(r.created_at, 1750000000);
    CHECK_INT_EQ(r.updated_at, -2);
    /* Unpadded data is a route too (the padding is the program's sizing, not the format). */
    CHECK(solana_route_decode(sample_bytes, sizeof sample_bytes, &r, &err) == DEP_OK);
}

TEST(test_route_decode_refuses_every_truncation)
{
    solana_route r;
    dep_error err;
    for (size_t len = 0; len < sizeof sample_bytes; len++) {
        uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan catches any overread */
        memcpy(copy, sample_bytes, len);
        dep_status st = solana_route_decode(copy, len, &r, &err);
        free(copy);
        CHECK_MSG(st == DEP_ERR_MALFORMED, "length %zu accepted", len);
    }
    CHECK(solana_route_decode(sample_bytes, 45, &r, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "route account: domain at offset 44 needs 4 bytes, 1 left");
}

static dep_status decode_modified(size_t offset, uint8_t value, dep_error *err)
{
    uint8_t data[SOLANA_ROUTE_ACCOUNT_BYTES] = {0};
    solana_route r;
    memcpy(data, sample_bytes, sizeof sample_bytes);
    data[offset] = value;
    return solana_route_decode(data, sizeof data, &r, err);
}

TEST(test_route_decode_refuses_malformed_fields_with_reasons)
{
    dep_error err;
    CHECK(decode_modified(0, 0x7c, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "route account: the discriminator is not WasmRoute's");
    CHECK(decode_modified(40, 254, &err) == DEP_ERR_MALFORMED); /* domain length 254 */
    CHECK_STR_EQ(err.message, "route account: domain at offset 40 is 254 bytes, the limit is 253");
    CHECK(decode_modified(43, 0x80, &err) == DEP_ERR_MALFORMED); /* length 2^31 + 4 */
    CHECK_STR_EQ(err.message,
                 "route account: domain at offset 40 is 2147483652 bytes, the limit is 253");
    CHECK(decode_modified(48, 200, &err) == DEP_ERR_MALFORMED); /* path longer than the data */
    CHECK_STR_EQ(err.message, "route account: path_pattern at offset 48 contains a NUL");
    CHECK(decode_modified(60, 2, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "route account: module_type 2 is not 0 or 1");
    CHECK(decode_modified(61, 2, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "route account: enabled byte 2 is not 0 or 1");
    CHECK(decode_modified(45, 0, &err) == DEP_ERR_MALFORMED); /* NUL inside the domain */
    CHECK_STR_EQ(err.message, "route account: domain at offset 40 contains a NUL");
    CHECK(decode_modified(600, 1, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "route account: byte 600 after the fields is not zero padding");
}

TEST(test_route_decode_refuses_a_length_past_the_end)
{
    uint8_t data[sizeof sample_bytes];
    solana_route r;
    dep_error err;
    memcpy(data, sample_bytes, sizeof data);
    data[48] = 100; /* path_pattern: 100 bytes, but 24 remain */
    CHECK(solana_route_decode(data, sizeof data, &r, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "route account: path_pattern at offset 52 needs 100 bytes, 26 left");
}

TEST(test_route_encode_refuses_over_long_fields)
{
    uint8_t data[SOLANA_ROUTE_ACCOUNT_BYTES];
    solana_route r = sample_route();
    dep_error err;
    memset(r.cid, 'b', SOLANA_ROUTE_CID_MAX_BYTES);
    r.cid[SOLANA_ROUTE_CID_MAX_BYTES] = '\0';
    CHECK(solana_route_encode(&r, data, &err) == DEP_OK);
    solana_route back;
    CHECK(solana_route_decode(data, sizeof data, &back, &err) == DEP_OK);
    CHECK_STR_EQ(back.cid, r.cid);
}

TEST(test_register_instruction_bytes_and_accounts)
{
    solana_pubkey program, authority = key_of(0x11), route;
    solana_instruction ix;
    dep_error err;
    uint8_t bump;
    CHECK(solana_pubkey_parse(SOLANA_REGISTRY_PROGRAM_ID, &program, &err) == DEP_OK);
    CHECK(solana_ix_register_route(&program, &authority, "a.io", "/", "Qm", 1, &ix, &err) ==
          DEP_OK);
    static const uint8_t want[] = {0x3d, 0x42, 0xf5, 0xb2, 0x50, 0xff, 0x17, 0xfa, 4, 0,
                                   0,    0,    'a',  '.',  'i',  'o',  1,    0,    0, 0,
                                   '/',  2,    0,    0,    0,    'Q',  'm',  1};
    CHECK_UINT_EQ(ix.data_len, sizeof want);
    CHECK(memcmp(ix.data, want, sizeof want) == 0);
    CHECK(solana_route_address(&program, "a.io", "/", &route, &bump, &err) == DEP_OK);
    CHECK_UINT_EQ(ix.account_count, 3);
    CHECK(solana_pubkey_equal(&ix.accounts[0].pubkey, &authority));
    CHECK(ix.accounts[0].is_signer && ix.accounts[0].is_writable);
    CHECK(solana_pubkey_equal(&ix.accounts[1].pubkey, &route));
    CHECK(!ix.accounts[1].is_signer && ix.accounts[1].is_writable);
    solana_pubkey system = key_of(0);
    CHECK(solana_pubkey_equal(&ix.accounts[2].pubkey, &system));
    CHECK(!ix.accounts[2].is_signer && !ix.accounts[2].is_writable);
    CHECK(solana_pubkey_equal(&ix.program, &program));
}

TEST(test_management_instructions_bytes_and_accounts)
{
    solana_pubkey program = key_of(3), authority = key_of(1), route = key_of(2), next = key_of(9);
    solana_instruction ix;
    dep_error err;
    CHECK(solana_ix_update_route(&program, &authority, &route, "Qm", &ix, &err) == DEP_OK);
    static const uint8_t update[] = {0xb1, 0x02, 0x56, 0xd1, 0x82, 0x7f, 0x8a,
                                     0x6b, 2,    0,    0,    0,    'Q',  'm'};
    CHECK_UINT_EQ(ix.data_len, sizeof update);
    CHECK(memcmp(ix.data, update, sizeof update) == 0);
    CHECK(ix.accounts[0].is_signer && !ix.accounts[0].is_writable); /* update: signer only */

    solana_ix_set_enabled(&program, &authority, &route, true, &ix);
    static const uint8_t enable[] = {0x6c, 0x97, 0xef, 0x97, 0xb5, 0xe9, 0x6e, 0x7b, 1};
    CHECK_UINT_EQ(ix.data_len, sizeof enable);
    CHECK(memcmp(ix.data, enable, sizeof enable) == 0);

    solana_ix_transfer_authority(&program, &authority, &route, &next, &ix);
    CHECK_UINT_EQ(ix.data_len, 8 + 32);
    CHECK_UINT_EQ(ix.data[7], 0xa1);
    CHECK_UINT_EQ(ix.data[8], 9);
    CHECK_UINT_EQ(ix.data[39], 9);

    solana_ix_close_route(&program, &authority, &route, &ix);
    static const uint8_t close_data[] = {0xb5, 0x49, 0xd1, 0xec, 0x58, 0xfb, 0x2a, 0x94};
    CHECK_UINT_EQ(ix.data_len, sizeof close_data);
    CHECK(memcmp(ix.data, close_data, sizeof close_data) == 0);
    CHECK(ix.accounts[0].is_signer && ix.accounts[0].is_writable); /* close: receives the rent */
    CHECK(!ix.accounts[1].is_signer && ix.accounts[1].is_writable);
    CHECK_UINT_EQ(ix.account_count, 2);
}

TEST(test_instruction_builders_refuse_over_long_strings)
{
    solana_pubkey program = key_of(3), authority = key_of(1), route = key_of(2);
    solana_instruction ix;
    dep_error err;
    char cid[SOLANA_ROUTE_CID_MAX_BYTES + 2];
    memset(cid, 'b', sizeof cid - 1);
    cid[sizeof cid - 1] = '\0';
    CHECK(solana_ix_update_route(&program, &authority, &route, cid, &ix, &err) == DEP_ERR_LIMIT);
    CHECK_STR_EQ(err.message, "wasm_cid: 101 bytes, the limit is 100");
    CHECK(solana_ix_register_route(&program, &authority, "a.io", "/", cid, 0, &ix, &err) ==
          DEP_ERR_LIMIT);
    char domain[300];
    memset(domain, 'a', sizeof domain - 1);
    domain[sizeof domain - 1] = '\0';
    CHECK(solana_ix_register_route(&program, &authority, domain, "/", CID_A, 0, &ix, &err) ==
          DEP_ERR_LIMIT);
}

TEST(test_module_type_names)
{
    uint8_t t = 7;
    CHECK_STR_EQ(solana_module_type_name(0), "waf");
    CHECK_STR_EQ(solana_module_type_name(1), "function");
    CHECK_STR_EQ(solana_module_type_name(2), "unknown");
    CHECK(solana_module_type_parse("waf", &t) && t == 0);
    CHECK(solana_module_type_parse("function", &t) && t == 1);
    CHECK(!solana_module_type_parse("Function", &t));
}

TEST(test_route_decode_survives_random_damage)
{
    /* Fixed-seed xorshift: the same 5000 damaged accounts every run. Each is decoded from a
     * buffer of its exact size, so ASan reports any read past it; what decodes must re-encode
     * to a valid account. */
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    size_t accepted = 0;
    for (int round = 0; round < 5000; round++) {
        uint8_t base[SOLANA_ROUTE_ACCOUNT_BYTES] = {0};
        memcpy(base, sample_bytes, sizeof sample_bytes);
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        size_t len = (size_t)(s % (SOLANA_ROUTE_ACCOUNT_BYTES + 1));
        for (int k = 0; k < 1 + (int)(s >> 60); k++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            base[s % 80] = (uint8_t)(s >> 32); /* the header and fields, where lengths live */
        }
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, base, len);
        solana_route r;
        dep_error err;
        dep_status st = solana_route_decode(copy, len, &r, &err);
        free(copy);
        CHECK(st == DEP_OK || st == DEP_ERR_MALFORMED);
        if (st == DEP_OK) {
            uint8_t again[SOLANA_ROUTE_ACCOUNT_BYTES];
            CHECK(strlen(r.domain) <= SOLANA_ROUTE_DOMAIN_MAX_BYTES);
            CHECK(strlen(r.path) <= SOLANA_ROUTE_PATH_MAX_BYTES);
            CHECK(strlen(r.cid) <= SOLANA_ROUTE_CID_MAX_BYTES);
            CHECK(solana_route_encode(&r, again, &err) == DEP_OK);
            accepted++;
        }
    }
    /* Damage to a timestamp or the authority keeps the account valid: some rounds pass. */
    CHECK(accepted > 0 && accepted < 5000);
}
