/*
 * Solana keys: base58 public keys, keypair files in the Solana CLI's JSON format, and
 * program-derived addresses. A keypair file is the 64 bytes of an ed25519 secret key as libsodium
 * lays it out (32-byte seed, then the 32-byte public key) written as a JSON array of numbers; we
 * check that the public half really belongs to the seed, so a damaged file is refused instead of
 * signing with a key nobody expects.
 */
#include "deploy/deploy.h"
#include "deploy/internal.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char pda_marker[] = "ProgramDerivedAddress";

dep_status solana_pubkey_parse(const char *text, solana_pubkey *out, dep_error *err)
{
    uint8_t bytes[SOLANA_PUBKEY_BYTES + 1];
    size_t n = 0;
    size_t len = text ? strlen(text) : 0;
    dep_error inner;
    if (len == 0)
        return dep_fail(err, DEP_ERR_MALFORMED, "public key: empty");
    if (len > SOLANA_PUBKEY_TEXT_MAX - 1)
        return dep_fail(err, DEP_ERR_MALFORMED,
                        "public key: %zu characters; a base58 public key has 32 to 44", len);
    if (dep_base58_decode(text, len, bytes, sizeof bytes, &n, &inner) != DEP_OK)
        return dep_fail(err, DEP_ERR_MALFORMED, "public key \"%s\": %s", text, inner.message);
    if (n != SOLANA_PUBKEY_BYTES)
        return dep_fail(err, DEP_ERR_MALFORMED, "public key \"%s\": decodes to %zu bytes, not 32",
                        text, n);
    memcpy(out->bytes, bytes, SOLANA_PUBKEY_BYTES);
    return DEP_OK;
}

char *solana_pubkey_string(const solana_pubkey *key, char out[SOLANA_PUBKEY_TEXT_MAX])
{
    if (dep_base58_encode(key->bytes, SOLANA_PUBKEY_BYTES, out, SOLANA_PUBKEY_TEXT_MAX) == 0)
        out[0] = '\0'; /* cannot happen: 32 bytes always fit in 44 characters */
    return out;
}

bool solana_pubkey_equal(const solana_pubkey *a, const solana_pubkey *b)
{
    return memcmp(a->bytes, b->bytes, SOLANA_PUBKEY_BYTES) == 0;
}

/* Whether 32 bytes decompress to a point of edwards25519, the runtime's test for a PDA. A yes
 * from crypto_core_ed25519_is_valid_point() is final, but it also demands the prime-order
 * subgroup and no small order, so it says no for 7 of 8 curve points; crypto_core_ed25519_add()
 * decodes its operands and checks only that they lie on the curve, which is the runtime's rule. */
bool solana_pubkey_on_curve(const solana_pubkey *key)
{
    static const uint8_t base_point[32] = {0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                           0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                           0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                           0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};
    uint8_t sum[32];
    if (crypto_core_ed25519_is_valid_point(key->bytes) == 1)
        return true;
    return crypto_core_ed25519_add(sum, key->bytes, base_point) == 0;
}

dep_status solana_keypair_parse(const char *json, size_t len, solana_keypair *out, dep_error *err)
{
    json_error_t jerr;
    uint8_t secret[SOLANA_SECRET_KEY_BYTES];
    uint8_t pk[SOLANA_PUBKEY_BYTES], sk[SOLANA_SECRET_KEY_BYTES];
    if (sodium_init() < 0)
        return dep_fail(err, DEP_ERR_NOMEM, "libsodium failed to initialise");
    if (len > SOLANA_KEYPAIR_FILE_MAX_BYTES)
        return dep_fail(err, DEP_ERR_LIMIT, "%zu bytes is more than a keypair file holds (%d)", len,
                        SOLANA_KEYPAIR_FILE_MAX_BYTES);
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return dep_fail(err, DEP_ERR_MALFORMED, "not JSON (line %d column %d: %s)", jerr.line,
                        jerr.column, jerr.text);
    if (!json_is_array(root) || json_array_size(root) != SOLANA_SECRET_KEY_BYTES) {
        size_t n = json_is_array(root) ? json_array_size(root) : 0;
        bool array = json_is_array(root);
        json_decref(root);
        if (!array)
            return dep_fail(
                err, DEP_ERR_MALFORMED,
                "expected a JSON array of 64 numbers (the Solana CLI's keypair format)");
        return dep_fail(err, DEP_ERR_MALFORMED, "expected 64 numbers, found %zu", n);
    }
    for (size_t i = 0; i < SOLANA_SECRET_KEY_BYTES; i++) {
        json_t *v = json_array_get(root, i);
        json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;
        if (!json_is_integer(v) || n < 0 || n > 255) {
            json_decref(root);
            sodium_memzero(secret, sizeof secret);
            return dep_fail(err, DEP_ERR_MALFORMED, "element %zu is not an integer 0-255", i);
        }
        secret[i] = (uint8_t)n;
    }
    json_decref(root);
    /* The public half must be the seed's: a file edited by hand or cut short elsewhere would
     * otherwise sign with one key and claim another. */
    crypto_sign_seed_keypair(pk, sk, secret);
    if (memcmp(pk, secret + 32, SOLANA_PUBKEY_BYTES) != 0) {
        sodium_memzero(secret, sizeof secret);
        sodium_memzero(sk, sizeof sk);
        return dep_fail(
            err, DEP_ERR_MALFORMED,
            "the public key (bytes 32-63) does not belong to the secret seed (bytes 0-31)");
    }
    memcpy(out->pubkey.bytes, pk, SOLANA_PUBKEY_BYTES);
    memcpy(out->secret, sk, SOLANA_SECRET_KEY_BYTES);
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(sk, sizeof sk);
    return DEP_OK;
}

dep_status solana_keypair_load(const char *path, solana_keypair *out, dep_error *err)
{
    char buf[SOLANA_KEYPAIR_FILE_MAX_BYTES + 1];
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return dep_fail(err, DEP_ERR_IO, "keypair %s: %s", path, strerror(errno));
    size_t n = fread(buf, 1, sizeof buf, f);
    bool read_error = ferror(f) != 0;
    fclose(f);
    if (read_error)
        return dep_fail(err, DEP_ERR_IO, "keypair %s: read error", path);
    if (n > SOLANA_KEYPAIR_FILE_MAX_BYTES)
        return dep_fail(err, DEP_ERR_LIMIT, "keypair %s: larger than %d bytes, not a keypair file",
                        path, SOLANA_KEYPAIR_FILE_MAX_BYTES);
    dep_status st = solana_keypair_parse(buf, n, out, err);
    sodium_memzero(buf, sizeof buf);
    if (st != DEP_OK)
        dep_error_prefix(err, "keypair %s", path);
    return st;
}

dep_status solana_keypair_generate(solana_keypair *out, dep_error *err)
{
    if (sodium_init() < 0)
        return dep_fail(err, DEP_ERR_NOMEM, "libsodium failed to initialise");
    crypto_sign_keypair(out->pubkey.bytes, out->secret);
    return DEP_OK;
}

char *solana_keypair_json(const solana_keypair *kp)
{
    /* "[" + 64 numbers of at most 3 digits + 63 commas + "]" + NUL */
    char *out = malloc(2 + SOLANA_SECRET_KEY_BYTES * 4 + 1);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    out[n++] = '[';
    for (size_t i = 0; i < SOLANA_SECRET_KEY_BYTES; i++)
        n += (size_t)sprintf(out + n, i ? ",%u" : "%u", kp->secret[i]);
    out[n++] = ']';
    out[n] = '\0';
    return out;
}

dep_status solana_create_program_address(const uint8_t *const seeds[], const size_t seed_lens[],
                                         size_t seed_count, const solana_pubkey *program,
                                         solana_pubkey *out, dep_error *err)
{
    crypto_hash_sha256_state st;
    solana_pubkey candidate;
    if (seed_count > SOLANA_MAX_SEEDS)
        return dep_fail(err, DEP_ERR_LIMIT, "pda: %zu seeds, at most %d", seed_count,
                        SOLANA_MAX_SEEDS);
    crypto_hash_sha256_init(&st);
    for (size_t i = 0; i < seed_count; i++) {
        if (seed_lens[i] > SOLANA_MAX_SEED_BYTES)
            return dep_fail(err, DEP_ERR_LIMIT, "pda: seed %zu is %zu bytes, at most %d", i,
                            seed_lens[i], SOLANA_MAX_SEED_BYTES);
        crypto_hash_sha256_update(&st, seeds[i], seed_lens[i]);
    }
    crypto_hash_sha256_update(&st, program->bytes, SOLANA_PUBKEY_BYTES);
    crypto_hash_sha256_update(&st, (const uint8_t *)pda_marker, sizeof pda_marker - 1);
    crypto_hash_sha256_final(&st, candidate.bytes);
    if (solana_pubkey_on_curve(&candidate))
        return dep_fail(err, DEP_ERR_UNSUPPORTED, "pda: the seeds give a point on the curve");
    *out = candidate;
    return DEP_OK;
}

dep_status solana_find_program_address(const uint8_t *const seeds[], const size_t seed_lens[],
                                       size_t seed_count, const solana_pubkey *program,
                                       solana_pubkey *out, uint8_t *bump, dep_error *err)
{
    const uint8_t *all[SOLANA_MAX_SEEDS];
    size_t lens[SOLANA_MAX_SEEDS];
    uint8_t b;
    if (seed_count >= SOLANA_MAX_SEEDS)
        return dep_fail(err, DEP_ERR_LIMIT, "pda: %zu seeds leave no room for the bump",
                        seed_count);
    memcpy(all, seeds, seed_count * sizeof *all);
    memcpy(lens, seed_lens, seed_count * sizeof *lens);
    all[seed_count] = &b;
    lens[seed_count] = 1;
    for (int i = 255; i >= 0; i--) {
        b = (uint8_t)i;
        dep_status st = solana_create_program_address(all, lens, seed_count + 1, program, out, err);
        if (st == DEP_OK) {
            *bump = b;
            return DEP_OK;
        }
        if (st != DEP_ERR_UNSUPPORTED)
            return st;
    }
    return dep_fail(err, DEP_ERR_UNSUPPORTED, "pda: no bump gives an address off the curve");
}
