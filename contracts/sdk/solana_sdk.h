/*
 * The project's minimal header for the Solana program ABI (SBPF v0, BPF loader 2 / upgradeable
 * loader input format), written from the runtime's documented behaviour. It gives a C program
 * the account and instruction types the runtime exchanges with it, the syscalls the registry
 * uses, and sol_deserialize(), which turns the loader's serialised input into account infos.
 *
 * The same header builds natively: then the syscalls are ordinary functions that a host test
 * harness defines (tests/contracts/host_syscalls.c), so the program logic runs under the
 * sanitizers on the build machine exactly as it runs on-chain.
 *
 * Layout facts the runtime relies on (do not reorder fields): SolAccountInfo, SolInstruction,
 * SolAccountMeta, SolSignerSeed(s) and SolBytes are read by sol_invoke_signed_c and the hashing
 * syscalls with this exact C layout on a 64-bit little-endian target.
 */
#ifndef AEGIS_SOLANA_SDK_H
#define AEGIS_SOLANA_SDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOL_PUBKEY_BYTES 32
/* Bytes the runtime leaves after each account's data so that a program may grow it in place. */
#define SOL_MAX_PERMITTED_DATA_INCREASE_BYTES (10 * 1024)
/* The dup_info byte of a serialised account that is not a duplicate of an earlier one. */
#define SOL_NON_DUP_MARKER 0xff
/* Fixed per-account overhead the rent formula charges on top of the data length. */
#define SOL_ACCOUNT_STORAGE_OVERHEAD_BYTES 128

/* Syscall return value for success; sol_try_find_program_address and friends return 1 on
 * failure. A program's own return value: 0 success, otherwise a custom error code. */
#define SOL_SUCCESS 0

typedef struct {
    uint8_t x[SOL_PUBKEY_BYTES];
} SolPubkey;

/* One account as the program sees it. key, lamports, data and owner point into the loader's
 * input region, so writes through them are what the runtime reads back after the call. */
typedef struct {
    SolPubkey *key;
    uint64_t *lamports;
    uint64_t data_len;
    uint8_t *data;
    SolPubkey *owner;
    uint64_t rent_epoch;
    bool is_signer;
    bool is_writable;
    bool executable;
} SolAccountInfo;

typedef struct {
    SolAccountInfo *ka;  /* caller-provided array, filled by sol_deserialize */
    uint64_t ka_num;     /* accounts in the instruction (may exceed the array's capacity) */
    const uint8_t *data; /* instruction data */
    uint64_t data_len;
    const SolPubkey *program_id;
} SolParameters;

typedef struct {
    const uint8_t *addr;
    uint64_t len;
} SolBytes;

typedef struct {
    SolPubkey *pubkey;
    bool is_writable;
    bool is_signer;
} SolAccountMeta;

typedef struct {
    SolPubkey *program_id;
    SolAccountMeta *accounts;
    uint64_t account_len;
    uint8_t *data;
    uint64_t data_len;
} SolInstruction;

typedef struct {
    const uint8_t *addr;
    uint64_t len;
} SolSignerSeed;

typedef struct {
    const SolSignerSeed *addr;
    uint64_t len;
} SolSignerSeeds;

/* The Clock sysvar as sol_get_clock_sysvar writes it. */
typedef struct {
    uint64_t slot;
    int64_t epoch_start_timestamp;
    uint64_t epoch;
    uint64_t leader_schedule_epoch;
    int64_t unix_timestamp;
} SolClock;

/* The Rent sysvar as sol_get_rent_sysvar writes it. exemption_threshold is an IEEE-754 double
 * kept as raw bits: the BPF target has no floating point. */
typedef struct {
    uint64_t lamports_per_byte_year;
    uint64_t exemption_threshold_bits;
    uint8_t burn_percent;
} SolRent;

/* Syscalls. On-chain each is a `call -1` that the loader binds by the hash of its name. */
void sol_log_(const char *message, uint64_t len);
void sol_log_64_(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
void sol_log_compute_units_(void);
uint64_t sol_sha256(const SolBytes *bytes, int bytes_len, uint8_t *result);
uint64_t sol_create_program_address(const SolSignerSeed *seeds, int seeds_len,
                                    const SolPubkey *program_id, SolPubkey *address);
uint64_t sol_try_find_program_address(const SolSignerSeed *seeds, int seeds_len,
                                      const SolPubkey *program_id, SolPubkey *address,
                                      uint8_t *bump_seed);
uint64_t sol_invoke_signed_c(const SolInstruction *instruction, const SolAccountInfo *account_infos,
                             int account_infos_len, const SolSignerSeeds *signers_seeds,
                             int signers_seeds_len);
uint64_t sol_get_clock_sysvar(SolClock *clock);
uint64_t sol_get_rent_sysvar(SolRent *rent);
void sol_memcpy_(void *dst, const void *src, uint64_t n);
void sol_memset_(void *dst, int c, uint64_t n);
void sol_memcmp_(const void *a, const void *b, uint64_t n, int *result);

/* Logs a string literal. */
#define sol_log(literal) sol_log_((literal), sizeof(literal) - 1)

static inline uint64_t sol_read_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline bool sol_pubkey_eq(const SolPubkey *a, const SolPubkey *b)
{
    int diff = 0;
    sol_memcmp_(a->x, b->x, SOL_PUBKEY_BYTES, &diff);
    return diff == 0;
}

/* Resizes an account in place: the runtime reads the new length back from the serialised
 * length that precedes the data (growth is limited to SOL_MAX_PERMITTED_DATA_INCREASE_BYTES,
 * and only the account's owner may resize it). */
static inline void sol_set_data_len(SolAccountInfo *account, uint64_t len)
{
    uint8_t *serialised_len = account->data - sizeof(uint64_t);
    for (int i = 0; i < 8; i++)
        serialised_len[i] = (uint8_t)(len >> (8 * i));
    account->data_len = len;
}

/*
 * Turns the loader's input region into account infos and the instruction. Layout (all integers
 * little-endian, u64 fields 8-aligned in the region):
 *   u64 account count, then per account either
 *     u8 index of an earlier account + 7 padding bytes             (a duplicate), or
 *     u8 0xff, u8 is_signer, u8 is_writable, u8 executable, 4 padding bytes, key[32], owner[32],
 *     u64 lamports, u64 data_len, data, 10 KiB growth room, padding to 8, u64 rent_epoch
 *   u64 instruction data length, the data, the program id[32].
 * The first `ka_capacity` accounts are stored in params->ka; all accounts are walked so that the
 * instruction data is found. A duplicate entry copies the account info it refers to. The runtime
 * builds the region, so it is well-formed; only the caller-chosen capacity needs care.
 */
static inline void sol_deserialize(uint8_t *input, SolParameters *params, uint64_t ka_capacity)
{
    params->ka_num = sol_read_u64(input);
    input += sizeof(uint64_t);
    for (uint64_t i = 0; i < params->ka_num; i++) {
        uint8_t dup_info = input[0];
        if (dup_info != SOL_NON_DUP_MARKER) {
            if (i < ka_capacity && dup_info < i)
                params->ka[i] = params->ka[dup_info];
            input += sizeof(uint64_t);
            continue;
        }
        SolAccountInfo info;
        info.is_signer = input[1] != 0;
        info.is_writable = input[2] != 0;
        info.executable = input[3] != 0;
        input += sizeof(uint64_t);
        info.key = (SolPubkey *)input;
        input += SOL_PUBKEY_BYTES;
        info.owner = (SolPubkey *)input;
        input += SOL_PUBKEY_BYTES;
        info.lamports = (uint64_t *)input;
        input += sizeof(uint64_t);
        info.data_len = sol_read_u64(input);
        input += sizeof(uint64_t);
        info.data = input;
        input += info.data_len + SOL_MAX_PERMITTED_DATA_INCREASE_BYTES;
        input = (uint8_t *)(((uintptr_t)input + 7) & ~(uintptr_t)7);
        info.rent_epoch = sol_read_u64(input);
        input += sizeof(uint64_t);
        if (i < ka_capacity)
            params->ka[i] = info;
    }
    params->data_len = sol_read_u64(input);
    input += sizeof(uint64_t);
    params->data = input;
    input += params->data_len;
    params->program_id = (const SolPubkey *)input;
}

#endif
