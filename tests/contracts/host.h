/*
 * Test-side view of the wasm-registry program running natively: the state of the host syscalls
 * (tests/contracts/host_syscalls.c) and a small account model that is serialised into the
 * loader's input format, handed to the program's `entrypoint`, and read back afterwards
 * (tests/contracts/host_accounts.c).
 */
#ifndef AEGIS_TESTS_CONTRACTS_HOST_H
#define AEGIS_TESTS_CONTRACTS_HOST_H

#include "../../contracts/wasm-registry/registry.h"

#include <string.h>

#define HOST_LOG_BYTES 8192
#define HOST_ACCOUNT_DATA_MAX_BYTES 1024

typedef struct {
    SolPubkey program_id; /* the caller of CPIs: signs for its PDAs */
    SolClock clock;
    SolRent rent;
    char log[HOST_LOG_BYTES];
    size_t log_len;
    int cpi_calls;
} HostState;

extern HostState host;

/* Clears the log and sets the default clock (unix 1700000000) and rent (3480 lamports per
 * byte-year, threshold 2.0). */
void host_reset(const SolPubkey *program_id);

typedef struct {
    SolPubkey key;
    SolPubkey owner;
    uint64_t lamports;
    uint8_t data[HOST_ACCOUNT_DATA_MAX_BYTES];
    uint64_t data_len;
    bool is_signer;
    bool is_writable;
    bool executable;
} HostAccount;

/* Runs the program once: serialises `accounts` (a repeated key becomes a duplicate entry, as
 * the runtime sends it), calls entrypoint, copies lamports, owner and data back into the first
 * occurrence of each account. Returns the program's return value. */
uint64_t host_run(HostAccount **accounts, int n, const uint8_t *data, size_t data_len);

/* The program's entry point (contracts/wasm-registry/entrypoint.c). */
uint64_t entrypoint(uint8_t *input);

#endif
