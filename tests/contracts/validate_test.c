/*
 * Field rules of the wasm-registry program, run natively: domains, path patterns, CIDs, the
 * Borsh reader, the account discriminators (checked against SHA-256 computed here), and the
 * loader input deserialisation including duplicate accounts.
 */
#include "host.h"
#include "test.h"

#include <sodium.h>

static RegStr s(const char *text)
{
    return (RegStr){(const uint8_t *)text, strlen(text)};
}

static const SolPubkey program = {{7, 7, 7}};

static uint64_t domain_rc(const char *d)
{
    RegStr v = s(d);
    return route_validate_domain(&v);
}

static uint64_t path_rc(const char *p)
{
    RegStr v = s(p);
    return route_validate_path(&v);
}

static uint64_t cid_rc(const char *c)
{
    RegStr v = s(c);
    return route_validate_cid(&v);
}

TEST(test_domain_accepts_lowercase_names_and_wildcards)
{
    host_reset(&program);
    CHECK_UINT_EQ(domain_rc("example.com"), REG_OK);
    CHECK_UINT_EQ(domain_rc("a-b.c0.example"), REG_OK);
    CHECK_UINT_EQ(domain_rc("*.example.com"), REG_OK);
    CHECK_UINT_EQ(domain_rc("localhost"), REG_OK);
    char label63[80];
    memset(label63, 'a', 63);
    strcpy(label63 + 63, ".io");
    CHECK_UINT_EQ(domain_rc(label63), REG_OK);
}

TEST(test_domain_rejects_each_malformed_shape_with_its_code)
{
    host_reset(&program);
    CHECK_UINT_EQ(domain_rc(""), REG_ERR_DOMAIN_EMPTY);
    CHECK_UINT_EQ(domain_rc("Example.com"), REG_ERR_DOMAIN_INVALID);
    CHECK_UINT_EQ(domain_rc("-a.com"), REG_ERR_DOMAIN_INVALID);
    CHECK_UINT_EQ(domain_rc("a-.com"), REG_ERR_DOMAIN_INVALID);
    CHECK_UINT_EQ(domain_rc("a..com"), REG_ERR_DOMAIN_INVALID);
    CHECK_UINT_EQ(domain_rc("example.com."), REG_ERR_DOMAIN_INVALID);
    CHECK_UINT_EQ(domain_rc("a.*.com"), REG_ERR_DOMAIN_INVALID);
    CHECK_UINT_EQ(domain_rc("*."), REG_ERR_DOMAIN_INVALID);
    CHECK_UINT_EQ(domain_rc("ex ample.com"), REG_ERR_DOMAIN_INVALID);
    char label64[80];
    memset(label64, 'a', 64);
    strcpy(label64 + 64, ".io");
    CHECK_UINT_EQ(domain_rc(label64), REG_ERR_DOMAIN_INVALID);
    char long_name[300];
    for (int i = 0; i < 254; i++)
        long_name[i] = (i % 2) ? '.' : 'a';
    long_name[253] = 'a';
    long_name[254] = 0;
    CHECK_UINT_EQ(domain_rc(long_name), REG_ERR_DOMAIN_TOO_LONG);
    long_name[253] = 0; /* 253 bytes: at the limit */
    CHECK_UINT_EQ(domain_rc(long_name), REG_OK);
    CHECK_STR_HAS(host.log, "registry error: DomainInvalid");
}

TEST(test_path_accepts_absolute_patterns)
{
    host_reset(&program);
    CHECK_UINT_EQ(path_rc("/"), REG_OK);
    CHECK_UINT_EQ(path_rc("/api/*"), REG_OK);
    CHECK_UINT_EQ(path_rc("/v1/users/:id"), REG_OK);
    CHECK_UINT_EQ(path_rc("/a/b/"), REG_OK);
    CHECK_UINT_EQ(path_rc("/.well-known/x"), REG_OK);
}

TEST(test_path_rejects_non_canonical_or_foreign_characters)
{
    host_reset(&program);
    CHECK_UINT_EQ(path_rc(""), REG_ERR_PATH_EMPTY);
    CHECK_UINT_EQ(path_rc("api"), REG_ERR_PATH_INVALID);
    CHECK_UINT_EQ(path_rc("//a"), REG_ERR_PATH_INVALID);
    CHECK_UINT_EQ(path_rc("/a//b"), REG_ERR_PATH_INVALID);
    CHECK_UINT_EQ(path_rc("/a/./b"), REG_ERR_PATH_INVALID);
    CHECK_UINT_EQ(path_rc("/a/.."), REG_ERR_PATH_INVALID);
    CHECK_UINT_EQ(path_rc("/a%20b"), REG_ERR_PATH_INVALID);
    CHECK_UINT_EQ(path_rc("/a b"), REG_ERR_PATH_INVALID);
    CHECK_UINT_EQ(path_rc("/a?q=1"), REG_ERR_PATH_INVALID);
    CHECK_UINT_EQ(path_rc("/\xc3\xa9"), REG_ERR_PATH_INVALID);
    char long_path[300];
    long_path[0] = '/';
    memset(long_path + 1, 'p', 256);
    long_path[257] = 0;
    CHECK_UINT_EQ(path_rc(long_path), REG_ERR_PATH_TOO_LONG);
    long_path[256] = 0;
    CHECK_UINT_EQ(path_rc(long_path), REG_OK);
}

TEST(test_cid_accepts_v0_and_v1_sha256_cids)
{
    host_reset(&program);
    CHECK_UINT_EQ(cid_rc("bafkreib447kycckrqtljlpyzmv3va5wwnlslhxockyfo6tmnbgztriab5u"), REG_OK);
    CHECK_UINT_EQ(cid_rc("bafybeiazggese7pz55k5fxy353ycgdhdjer3rqhgqmbvatja4xusrohzuu"), REG_OK);
    CHECK_UINT_EQ(cid_rc("QmTRQs6Sy6XJ3uGNQxyhDr3pKeuYoK6mqUuu51gAXGW5R6"), REG_OK);
}

TEST(test_cid_rejects_strings_that_do_not_parse)
{
    host_reset(&program);
    CHECK_UINT_EQ(cid_rc(""), REG_ERR_CID_EMPTY);
    /* sha2-512 code (0x13) in a CIDv1 */
    CHECK_UINT_EQ(cid_rc("bafkrgibnoelefnzgwbcacyt4vh52ymxvzbjq7mmqhtcnwarfq4lzegsiqe"),
                  REG_ERR_CID_INVALID);
    /* uppercase base32, missing last character, extra character, non-zero padding bits */
    CHECK_UINT_EQ(cid_rc("BAFKREIB447KYCCKRQTLJLPYZMV3VA5WWNLSLHXOCKYFO6TMNBGZTRIAB5U"),
                  REG_ERR_CID_INVALID);
    CHECK_UINT_EQ(cid_rc("bafkreib447kycckrqtljlpyzmv3va5wwnlslhxockyfo6tmnbgztriab5"),
                  REG_ERR_CID_INVALID);
    CHECK_UINT_EQ(cid_rc("bafkreib447kycckrqtljlpyzmv3va5wwnlslhxockyfo6tmnbgztriab5ua"),
                  REG_ERR_CID_INVALID);
    CHECK_UINT_EQ(cid_rc("bafkreib447kycckrqtljlpyzmv3va5wwnlslhxockyfo6tmnbgztriab5v"),
                  REG_ERR_CID_INVALID);
    /* base58 with a forbidden character ('0'), wrong length, a value past the 0x1220 prefix */
    CHECK_UINT_EQ(cid_rc("QmTRQs6Sy6XJ3uGNQxyhDr3pKeuYoK6mqUuu51gAXGW5R0"), REG_ERR_CID_INVALID);
    CHECK_UINT_EQ(cid_rc("QmTRQs6Sy6XJ3uGNQxyhDr3pKeuYoK6mqUuu51gAXGW5R"), REG_ERR_CID_INVALID);
    CHECK_UINT_EQ(cid_rc("Qmzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"), REG_ERR_CID_INVALID);
    CHECK_UINT_EQ(cid_rc("hello"), REG_ERR_CID_INVALID);
    char long_cid[120];
    memset(long_cid, 'b', 101);
    long_cid[101] = 0;
    CHECK_UINT_EQ(cid_rc(long_cid), REG_ERR_CID_TOO_LONG);
    CHECK_STR_HAS(host.log, "registry error: CidInvalid");
}

TEST(test_borsh_reader_stops_at_the_end_of_data)
{
    const uint8_t data[] = {3, 0, 0, 0, 'a', 'b', 'c', 9, 5, 0, 0, 0, 'x'};
    BorshReader r = {data, data + sizeof data};
    RegStr str;
    uint8_t u8;
    CHECK(borsh_read_string(&r, &str));
    CHECK_UINT_EQ(str.len, 3);
    CHECK(memcmp(str.bytes, "abc", 3) == 0);
    CHECK(borsh_read_u8(&r, &u8));
    CHECK_UINT_EQ(u8, 9);
    CHECK(!borsh_read_string(&r, &str)); /* claims 5 bytes, 1 left */
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff};
    BorshReader h = {huge, huge + sizeof huge};
    CHECK(!borsh_read_string(&h, &str));
    const SolPubkey *pk;
    BorshReader short_key = {data, data + 31};
    CHECK(!borsh_read_pubkey(&short_key, &pk));
}

static void check_discriminator(const char *preimage, uint64_t expected_le)
{
    uint8_t hash[32];
    crypto_hash_sha256(hash, (const uint8_t *)preimage, strlen(preimage));
    CHECK_UINT_EQ(sol_read_u64(hash), expected_le);
}

TEST(test_discriminators_are_sha256_of_anchor_preimages)
{
    host_reset(&program);
    check_discriminator("global:register_route", IX_REGISTER_ROUTE);
    check_discriminator("global:update_route", IX_UPDATE_ROUTE);
    check_discriminator("global:set_enabled", IX_SET_ENABLED);
    check_discriminator("global:transfer_authority", IX_TRANSFER_AUTHORITY);
    check_discriminator("global:close_route", IX_CLOSE_ROUTE);
    static const uint8_t account[8] = ROUTE_ACCOUNT_DISCRIMINATOR;
    check_discriminator("account:WasmRoute", sol_read_u64(account));
    CHECK_UINT_EQ(ROUTE_ACCOUNT_BYTES, 679);
}

TEST(test_deserialize_resolves_duplicates_and_walks_past_the_capacity)
{
    /* Three accounts (the third a duplicate of the first), then 2 bytes of data. */
    static uint8_t input[8 + 2 * (8 + 80 + 16 + SOL_MAX_PERMITTED_DATA_INCREASE_BYTES + 8) + 8 + 8 +
                         2 + 32] __attribute__((aligned(16)));
    memset(input, 0, sizeof input);
    size_t off = 0;
    input[0] = 3;
    off = 8;
    for (int i = 0; i < 2; i++) {
        input[off] = SOL_NON_DUP_MARKER;
        input[off + 1] = (uint8_t)(i == 0);
        input[off + 2] = 1;
        off += 8;
        input[off] = (uint8_t)(0xa0 + i); /* key */
        off += 64;
        input[off] = 100; /* lamports */
        off += 8;
        input[off] = 3; /* data_len */
        off += 8;
        input[off] = 0x42;
        off += 3 + SOL_MAX_PERMITTED_DATA_INCREASE_BYTES;
        off = (off + 7) & ~(size_t)7;
        off += 8;
    }
    input[off] = 0; /* duplicate of account 0 */
    off += 8;
    input[off] = 2;
    input[off + 8] = 0xde;
    input[off + 9] = 0xad;
    input[off + 10] = 0x99; /* first byte of the program id */

    SolAccountInfo ka[2];
    SolParameters p = {ka, 0, NULL, 0, NULL};
    sol_deserialize(input, &p, 2);
    CHECK_UINT_EQ(p.ka_num, 3);
    CHECK_UINT_EQ(ka[0].key->x[0], 0xa0);
    CHECK_UINT_EQ(ka[1].key->x[0], 0xa1);
    CHECK(ka[0].is_signer && !ka[1].is_signer && ka[1].is_writable);
    CHECK_UINT_EQ(*ka[1].lamports, 100);
    CHECK_UINT_EQ(ka[1].data_len, 3);
    CHECK_UINT_EQ(ka[1].data[0], 0x42);
    CHECK_UINT_EQ(p.data_len, 2);
    CHECK_UINT_EQ(p.data[0], 0xde);
    CHECK_UINT_EQ(p.data[1], 0xad);
    CHECK_UINT_EQ(p.program_id->x[0], 0x99);

    SolAccountInfo ka3[3];
    SolParameters p3 = {ka3, 0, NULL, 0, NULL};
    sol_deserialize(input, &p3, 3);
    CHECK(ka3[2].key == ka3[0].key);
    CHECK(ka3[2].lamports == ka3[0].lamports);
}
