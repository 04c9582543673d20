/*
 * Legacy transactions and keys of the Solana client (src/deploy/solana_tx.c, solana_keys.c):
 * compact-u16 both ways, message bytes against hand-built vectors (header counts, the four
 * account classes in order, index compilation), signatures that verify, and keypair files and
 * public keys, good and malformed.
 */
#include "deploy/deploy.h"
#include "test.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static solana_pubkey key_of(uint8_t fill)
{
    solana_pubkey k;
    memset(k.bytes, fill, sizeof k.bytes);
    return k;
}

TEST(test_compact_u16_encodes_exact_bytes)
{
    static const struct {
        uint16_t value;
        uint8_t bytes[3];
        size_t len;
    } cases[] = {
        {0, {0x00}, 1},
        {127, {0x7f}, 1},
        {128, {0x80, 0x01}, 2},
        {255, {0xff, 0x01}, 2},
        {16383, {0xff, 0x7f}, 2},
        {16384, {0x80, 0x80, 0x01}, 3},
        {65535, {0xff, 0xff, 0x03}, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t out[3];
        uint16_t back = 0;
        size_t used = 0;
        CHECK_UINT_EQ(solana_compact_u16_encode(cases[i].value, out), cases[i].len);
        CHECK(memcmp(out, cases[i].bytes, cases[i].len) == 0);
        CHECK(solana_compact_u16_decode(out, cases[i].len, &back, &used, NULL) == DEP_OK);
        CHECK_UINT_EQ(back, cases[i].value);
        CHECK_UINT_EQ(used, cases[i].len);
    }
}

TEST(test_compact_u16_decode_refuses_malformed)
{
    uint16_t v;
    size_t used;
    dep_error err;
    static const uint8_t truncated[] = {0x80};
    static const uint8_t overlong[] = {0x80, 0x00};
    static const uint8_t overlong3[] = {0xff, 0x80, 0x00};
    static const uint8_t too_big[] = {0xff, 0xff, 0x04};
    static const uint8_t four[] = {0x80, 0x80, 0x80, 0x01};
    CHECK(solana_compact_u16_decode(truncated, 1, &v, &used, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "compact-u16: truncated after 1 bytes");
    CHECK(solana_compact_u16_decode(overlong, 2, &v, &used, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "compact-u16: overlong encoding");
    CHECK(solana_compact_u16_decode(overlong3, 3, &v, &used, &err) == DEP_ERR_MALFORMED);
    CHECK(solana_compact_u16_decode(too_big, 3, &v, &used, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "compact-u16: 81919 exceeds 65535");
    CHECK(solana_compact_u16_decode(four, 4, &v, &used, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "compact-u16: more than 3 bytes");
    CHECK(solana_compact_u16_decode(four, 0, &v, &used, &err) == DEP_ERR_MALFORMED);
}

TEST(test_message_of_register_orders_accounts_and_counts_header)
{
    solana_pubkey payer = key_of(1), route = key_of(2), program = key_of(3);
    uint8_t blockhash[32];
    memset(blockhash, 4, sizeof blockhash);
    solana_instruction ix = {.program = program, .account_count = 3, .data_len = 2};
    ix.accounts[0] = (solana_account_meta){payer, true, true};
    ix.accounts[1] = (solana_account_meta){route, false, true};
    ix.accounts[2] = (solana_account_meta){key_of(0), false, false};
    ix.data[0] = 0xab;
    ix.data[1] = 0xcd;
    solana_message msg;
    dep_error err;
    CHECK(solana_message_compile(&payer, blockhash, &ix, 1, &msg, &err) == DEP_OK);
    uint8_t want[3 + 1 + 4 * 32 + 32 + 1 + 1 + 1 + 3 + 1 + 2];
    size_t n = 0;
    want[n++] = 1; /* one signature */
    want[n++] = 0; /* no read-only signer */
    want[n++] = 2; /* system program and registry program are read-only */
    want[n++] = 4;
    static const uint8_t order[4] = {1, 2, 0, 3}; /* payer, route, system, program */
    for (size_t k = 0; k < 4; k++, n += 32)
        memset(want + n, order[k], 32);
    memset(want + n, 4, 32);
    n += 32;
    want[n++] = 1; /* one instruction */
    want[n++] = 3; /* program index */
    want[n++] = 3; /* three accounts */
    want[n++] = 0, want[n++] = 1, want[n++] = 2;
    want[n++] = 2, want[n++] = 0xab, want[n++] = 0xcd;
    CHECK_UINT_EQ(n, sizeof want);
    CHECK_UINT_EQ(msg.len, sizeof want);
    CHECK(memcmp(msg.bytes, want, sizeof want) == 0);
    CHECK_UINT_EQ(msg.signer_count, 1);
    CHECK(solana_pubkey_equal(&msg.signers[0], &payer));
}

TEST(test_message_groups_the_four_account_classes)
{
    /* Accounts appear as nonsigner-writable R, readonly signer Q, payer P (again), readonly
     * nonsigner S; the payer comes first, then Q, then R, then S and the program X. */
    solana_pubkey P = key_of(0x50), Q = key_of(0x51), R = key_of(0x52), S = key_of(0x53),
                  X = key_of(0x58);
    uint8_t blockhash[32] = {0};
    solana_instruction ix = {.program = X, .account_count = 4, .data_len = 200};
    ix.accounts[0] = (solana_account_meta){R, false, true};
    ix.accounts[1] = (solana_account_meta){Q, true, false};
    ix.accounts[2] = (solana_account_meta){P, false, false}; /* merged with the payer's flags */
    ix.accounts[3] = (solana_account_meta){S, false, false};
    memset(ix.data, 0x77, ix.data_len);
    solana_message msg;
    dep_error err;
    CHECK(solana_message_compile(&P, blockhash, &ix, 1, &msg, &err) == DEP_OK);
    CHECK_UINT_EQ(msg.bytes[0], 2); /* P and Q sign */
    CHECK_UINT_EQ(msg.bytes[1], 1); /* Q only reads */
    CHECK_UINT_EQ(msg.bytes[2], 2); /* S and X only read */
    CHECK_UINT_EQ(msg.bytes[3], 5);
    static const uint8_t order[5] = {0x50, 0x51, 0x52, 0x53, 0x58};
    for (size_t k = 0; k < 5; k++)
        CHECK_UINT_EQ(msg.bytes[4 + 32 * k], order[k]);
    const uint8_t *p = msg.bytes + 4 + 5 * 32 + 32;
    static const uint8_t compiled[] = {1, 4, 4, 2, 1, 0, 3, 0xc8, 0x01};
    CHECK(memcmp(p, compiled, sizeof compiled) == 0);
    CHECK_UINT_EQ(msg.len, (size_t)(p - msg.bytes) + sizeof compiled + 200);
    CHECK_UINT_EQ(msg.signer_count, 2);
    CHECK(solana_pubkey_equal(&msg.signers[1], &Q));
}

TEST(test_message_refuses_bad_instruction_counts_and_oversize)
{
    solana_pubkey P = key_of(1);
    uint8_t blockhash[32] = {0};
    solana_instruction ix = {.program = key_of(3), .account_count = 0, .data_len = 1024};
    solana_message msg;
    dep_error err;
    CHECK(solana_message_compile(&P, blockhash, &ix, 0, &msg, &err) == DEP_ERR_ARG);
    CHECK_STR_EQ(err.message, "message: 0 instructions (1 to 4)");
    solana_instruction two[2] = {ix, ix};
    CHECK(solana_message_compile(&P, blockhash, two, 2, &msg, &err) == DEP_ERR_LIMIT);
    CHECK_STR_EQ(err.message, "message: longer than 1232 bytes, the packet limit");
    ix.account_count = SOLANA_IX_MAX_ACCOUNTS + 1;
    CHECK(solana_message_compile(&P, blockhash, &ix, 1, &msg, &err) == DEP_ERR_ARG);
}

static solana_keypair keypair_from_seed(uint8_t fill)
{
    solana_keypair kp;
    uint8_t seed[32];
    memset(seed, fill, sizeof seed);
    crypto_sign_seed_keypair(kp.pubkey.bytes, kp.secret, seed);
    return kp;
}

TEST(test_transaction_signature_verifies_and_wire_layout)
{
    solana_keypair kp = keypair_from_seed(7);
    uint8_t blockhash[32] = {9};
    solana_instruction ix;
    solana_pubkey program = key_of(3), route = key_of(2);
    solana_ix_close_route(&program, &kp.pubkey, &route, &ix);
    solana_message msg;
    dep_error err;
    CHECK(solana_message_compile(&kp.pubkey, blockhash, &ix, 1, &msg, &err) == DEP_OK);
    uint8_t wire[SOLANA_TX_MAX_BYTES];
    size_t len = 0;
    const solana_keypair *keys[] = {&kp};
    CHECK(solana_transaction_sign(&msg, keys, 1, wire, sizeof wire, &len, &err) == DEP_OK);
    CHECK_UINT_EQ(len, 1 + 64 + msg.len);
    CHECK_UINT_EQ(wire[0], 1);
    CHECK(memcmp(wire + 65, msg.bytes, msg.len) == 0);
    CHECK(crypto_sign_verify_detached(wire + 1, msg.bytes, msg.len, kp.pubkey.bytes) == 0);
    wire[70] ^= 1;
    CHECK(crypto_sign_verify_detached(wire + 1, wire + 65, msg.len, kp.pubkey.bytes) != 0);

    solana_keypair other = keypair_from_seed(8);
    const solana_keypair *wrong[] = {&other};
    CHECK(solana_transaction_sign(&msg, wrong, 1, wire, sizeof wire, &len, &err) == DEP_ERR_ARG);
    CHECK_STR_EQ(err.message,
                 "transaction: no keypair for signer GmaDrppBC7P5ARKV8g3djiwP89vz1jLK23V2GBjuAEGB");
}

TEST(test_pubkey_parse_and_print)
{
    solana_pubkey k;
    char text[SOLANA_PUBKEY_TEXT_MAX];
    dep_error err;
    CHECK(solana_pubkey_parse("4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS", &k, &err) == DEP_OK);
    CHECK_UINT_EQ(k.bytes[0], 0x3b);
    CHECK_UINT_EQ(k.bytes[31], 0x29);
    CHECK_STR_EQ(solana_pubkey_string(&k, text), "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS");
    CHECK(solana_pubkey_parse(SOLANA_SYSTEM_PROGRAM_ID, &k, &err) == DEP_OK);
    solana_pubkey zero = key_of(0);
    CHECK(solana_pubkey_equal(&k, &zero));
    CHECK_STR_EQ(solana_pubkey_string(&k, text), SOLANA_SYSTEM_PROGRAM_ID);

    CHECK(solana_pubkey_parse("", &k, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "public key: empty");
    CHECK(solana_pubkey_parse("111", &k, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "public key \"111\": decodes to 3 bytes, not 32");
    CHECK(solana_pubkey_parse("4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtaj0", &k, &err) ==
          DEP_ERR_MALFORMED);
    CHECK_STR_HAS(err.message, "invalid character");
    CHECK(solana_pubkey_parse("4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS4zvwRjX", &k, &err) ==
          DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "public key: 51 characters; a base58 public key has 32 to 44");
}

TEST(test_keypair_parse_checks_the_public_half)
{
    /* seed 0x00 * 32: public key 3b6a27bc... (RFC 8032 test 1). */
    char json[1024];
    size_t n = 0;
    static const uint8_t pub[32] = {0x3b, 0x6a, 0x27, 0xbc, 0xce, 0xb6, 0xa4, 0x2d,
                                    0x62, 0xa3, 0xa8, 0xd0, 0x2a, 0x6f, 0x0d, 0x73,
                                    0x65, 0x32, 0x15, 0x77, 0x1d, 0xe2, 0x43, 0xa6,
                                    0x3a, 0xc0, 0x48, 0xa1, 0x8b, 0x59, 0xda, 0x29};
    n += (size_t)sprintf(json + n, "[");
    for (int i = 0; i < 64; i++)
        n += (size_t)sprintf(json + n, "%s%u", i ? ", " : "", i < 32 ? 0u : pub[i - 32]);
    sprintf(json + n, "]\n");
    solana_keypair kp;
    dep_error err;
    char text[SOLANA_PUBKEY_TEXT_MAX];
    CHECK(solana_keypair_parse(json, strlen(json), &kp, &err) == DEP_OK);
    CHECK_STR_EQ(solana_pubkey_string(&kp.pubkey, text),
                 "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS");

    char *round = solana_keypair_json(&kp);
    CHECK(round != NULL);
    solana_keypair again;
    CHECK(solana_keypair_parse(round, strlen(round), &again, &err) == DEP_OK);
    CHECK(memcmp(again.secret, kp.secret, sizeof kp.secret) == 0);
    free(round);

    json[strlen(json) - 3] = '8'; /* last byte of the public key changed */
    CHECK(solana_keypair_parse(json, strlen(json), &kp, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message,
                 "the public key (bytes 32-63) does not belong to the secret seed (bytes 0-31)");
    CHECK(solana_keypair_parse("[1, 2.5]", 8, &kp, &err) == DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "expected 64 numbers, found 2");
    CHECK(solana_keypair_parse("[", 1, &kp, &err) == DEP_ERR_MALFORMED);
}

TEST(test_curve_check_matches_the_runtime_rule)
{
    solana_pubkey k;
    dep_error err;
    /* The base point, and the identity (small order: libsodium's subgroup test says no, the
     * runtime's decompression says on the curve). */
    CHECK(solana_pubkey_parse("4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS", &k, &err) == DEP_OK);
    CHECK(solana_pubkey_on_curve(&k));
    solana_pubkey identity = key_of(0);
    identity.bytes[0] = 1;
    CHECK(solana_pubkey_on_curve(&identity));
    /* y = 2 gives u/v = 3/(4d+1), not a square: no point. */
    solana_pubkey two = key_of(0);
    two.bytes[0] = 2;
    CHECK(!solana_pubkey_on_curve(&two));
    two.bytes[0] = 3; /* y = 3 decompresses (checked with @solana/kit's isOffCurveAddress) */
    CHECK(solana_pubkey_on_curve(&two));
}

TEST(test_program_address_limits)
{
    solana_pubkey program = key_of(3), out;
    uint8_t long_seed[33] = {0}, bump;
    const uint8_t *seeds[17];
    size_t lens[17];
    dep_error err;
    seeds[0] = long_seed;
    lens[0] = 33;
    CHECK(solana_create_program_address(seeds, lens, 1, &program, &out, &err) == DEP_ERR_LIMIT);
    CHECK_STR_EQ(err.message, "pda: seed 0 is 33 bytes, at most 32");
    for (size_t i = 0; i < 16; i++)
        seeds[i] = long_seed, lens[i] = 1;
    CHECK(solana_find_program_address(seeds, lens, 16, &program, &out, &bump, &err) ==
          DEP_ERR_LIMIT);
    CHECK(solana_find_program_address(seeds, lens, 15, &program, &out, &bump, &err) == DEP_OK);
    CHECK(!solana_pubkey_on_curve(&out));
}
