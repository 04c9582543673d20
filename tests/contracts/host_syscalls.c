/*
 * A host implementation of the Solana syscalls the wasm-registry program calls, so that the
 * program's C sources run natively (under ASan and UBSan) in this test suite. SHA-256 and the
 * ed25519 curve check come from libsodium; the system program is reduced to the four
 * instructions the registry invokes (create_account, assign, transfer, allocate), applied to the
 * caller's account infos and the serialised input the way the runtime updates them after a CPI.
 * Test-global state (log, clock, rent, caller program id) lives in `host` below: each test runs
 * in its own process.
 */
#include "host.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

HostState host;

void host_reset(const SolPubkey *program_id)
{
    memset(&host, 0, sizeof host);
    host.program_id = *program_id;
    host.clock.unix_timestamp = 1700000000;
    host.clock.slot = 1;
    host.rent.lamports_per_byte_year = 3480;
    host.rent.exemption_threshold_bits = 0x4000000000000000ULL; /* 2.0 */
    host.rent.burn_percent = 50;
    if (sodium_init() < 0) {
        fprintf(stderr, "libsodium failed to initialise\n");
        exit(1);
    }
}

void sol_log_(const char *message, uint64_t len)
{
    size_t room = sizeof host.log - host.log_len - 1;
    size_t n = len + 1 < room ? len : (room > 0 ? room - 1 : 0);
    memcpy(host.log + host.log_len, message, n);
    host.log_len += n;
    if (host.log_len < sizeof host.log - 1)
        host.log[host.log_len++] = '\n';
    host.log[host.log_len] = 0;
}

void sol_log_64_(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
    char line[128];
    int n = snprintf(line, sizeof line, "%#llx, %#llx, %#llx, %#llx, %#llx", (unsigned long long)a,
                     (unsigned long long)b, (unsigned long long)c, (unsigned long long)d,
                     (unsigned long long)e);
    sol_log_(line, (uint64_t)n);
}

void sol_log_compute_units_(void)
{
}

uint64_t sol_sha256(const SolBytes *bytes, int bytes_len, uint8_t *result)
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    for (int i = 0; i < bytes_len; i++)
        crypto_hash_sha256_update(&st, bytes[i].addr, bytes[i].len);
    crypto_hash_sha256_final(&st, result);
    return 0;
}

/* Whether 32 bytes decompress to a point of edwards25519 (what the runtime refuses for a PDA).
 * crypto_core_ed25519_add() decodes both operands and checks only that they lie on the curve,
 * unlike crypto_core_ed25519_is_valid_point(), which also demands the prime-order subgroup. */
static bool on_curve(const uint8_t p[32])
{
    static const uint8_t base[32] = {0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};
    uint8_t sum[32];
    return crypto_core_ed25519_add(sum, p, base) == 0;
}

uint64_t sol_create_program_address(const SolSignerSeed *seeds, int seeds_len,
                                    const SolPubkey *program_id, SolPubkey *address)
{
    static const char marker[] = "ProgramDerivedAddress";
    if (seeds_len > 16)
        return 1;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    for (int i = 0; i < seeds_len; i++) {
        if (seeds[i].len > 32)
            return 1;
        crypto_hash_sha256_update(&st, seeds[i].addr, seeds[i].len);
    }
    crypto_hash_sha256_update(&st, program_id->x, 32);
    crypto_hash_sha256_update(&st, (const uint8_t *)marker, sizeof marker - 1);
    uint8_t out[32];
    crypto_hash_sha256_final(&st, out);
    if (on_curve(out))
        return 1;
    memcpy(address->x, out, 32);
    return 0;
}

uint64_t sol_try_find_program_address(const SolSignerSeed *seeds, int seeds_len,
                                      const SolPubkey *program_id, SolPubkey *address,
                                      uint8_t *bump_seed)
{
    SolSignerSeed all[17];
    if (seeds_len > 15)
        return 1;
    memcpy(all, seeds, (size_t)seeds_len * sizeof *seeds);
    for (int bump = 255; bump >= 0; bump--) {
        uint8_t b = (uint8_t)bump;
        all[seeds_len] = (SolSignerSeed){&b, 1};
        if (sol_create_program_address(all, seeds_len + 1, program_id, address) == 0) {
            *bump_seed = b;
            return 0;
        }
    }
    return 1;
}

static const SolAccountInfo *find_info(const SolAccountInfo *infos, int n, const SolPubkey *key)
{
    for (int i = 0; i < n; i++)
        if (memcmp(infos[i].key->x, key->x, 32) == 0)
            return &infos[i];
    return NULL;
}

/* A signer of the CPI is a signer of the caller or a PDA of the caller's seeds. */
static bool may_sign(const SolAccountInfo *info, const SolSignerSeeds *signers, int n)
{
    if (info->is_signer)
        return true;
    for (int i = 0; i < n; i++) {
        SolPubkey pda;
        if (sol_create_program_address(signers[i].addr, (int)signers[i].len, &host.program_id,
                                       &pda) == 0 &&
            memcmp(pda.x, info->key->x, 32) == 0)
            return true;
    }
    return false;
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static bool is_system_owned(const SolAccountInfo *a)
{
    static const uint8_t zero[32];
    return memcmp(a->owner->x, zero, 32) == 0;
}

/* Changes an account's length the way the runtime does after a CPI: in the caller's account
 * info and in the serialised length just before the data. */
static void set_len(SolAccountInfo *a, uint64_t len)
{
    a->data_len = len;
    uint64_t v = len;
    for (int i = 0; i < 8; i++) {
        a->data[-8 + i] = (uint8_t)v;
        v >>= 8;
    }
}

uint64_t sol_invoke_signed_c(const SolInstruction *ix, const SolAccountInfo *infos, int n_infos,
                             const SolSignerSeeds *signers, int n_signers)
{
    static const uint8_t zero[32];
    host.cpi_calls++;
    if (memcmp(ix->program_id->x, zero, 32) != 0 || ix->data_len < 4 || ix->account_len < 1)
        return 1;
    SolAccountInfo *acc[2] = {NULL, NULL};
    for (uint64_t i = 0; i < ix->account_len && i < 2; i++) {
        const SolAccountInfo *info = find_info(infos, n_infos, ix->accounts[i].pubkey);
        if (!info)
            return 1;
        if (ix->accounts[i].is_signer && !may_sign(info, signers, n_signers))
            return 1;
        acc[i] = (SolAccountInfo *)info;
    }
    uint32_t tag = (uint32_t)get_le(ix->data, 4);
    const uint8_t *d = ix->data + 4;
    switch (tag) {
    case 0: /* create_account: lamports u64, space u64, owner */
        if (ix->data_len != 52 || !acc[1] || *acc[1]->lamports != 0 || acc[1]->data_len != 0 ||
            *acc[0]->lamports < get_le(d, 8) ||
            get_le(d + 8, 8) > SOL_MAX_PERMITTED_DATA_INCREASE_BYTES)
            return 1;
        *acc[0]->lamports -= get_le(d, 8);
        *acc[1]->lamports = get_le(d, 8);
        set_len(acc[1], get_le(d + 8, 8));
        memcpy(acc[1]->owner->x, d + 16, 32);
        return 0;
    case 1: /* assign: owner */
        if (ix->data_len != 36 || !is_system_owned(acc[0]))
            return 1;
        memcpy(acc[0]->owner->x, d, 32);
        return 0;
    case 2: /* transfer: lamports u64 */
        if (ix->data_len != 12 || !acc[1] || *acc[0]->lamports < get_le(d, 8))
            return 1;
        *acc[0]->lamports -= get_le(d, 8);
        *acc[1]->lamports += get_le(d, 8);
        return 0;
    case 8: /* allocate: space u64 */
        if (ix->data_len != 12 || acc[0]->data_len != 0 || !is_system_owned(acc[0]) ||
            get_le(d, 8) > SOL_MAX_PERMITTED_DATA_INCREASE_BYTES)
            return 1;
        set_len(acc[0], get_le(d, 8));
        return 0;
    default:
        return 1;
    }
}

uint64_t sol_get_clock_sysvar(SolClock *clock)
{
    *clock = host.clock;
    return 0;
}

uint64_t sol_get_rent_sysvar(SolRent *rent)
{
    *rent = host.rent;
    return 0;
}

void sol_memcpy_(void *dst, const void *src, uint64_t n)
{
    memcpy(dst, src, n);
}

void sol_memset_(void *dst, int c, uint64_t n)
{
    memset(dst, c, n);
}

void sol_memcmp_(const void *a, const void *b, uint64_t n, int *result)
{
    *result = memcmp(a, b, n);
}
