/*
 * Builds the loader's serialised input for the natively compiled program and reads the results
 * back, byte for byte the layout sol_deserialize() documents (accounts with 10 KiB growth room,
 * 8-byte alignment, duplicate markers), so the program is tested against the same format it
 * meets on-chain.
 */
#include "host.h"

#include <stdio.h>
#include <stdlib.h>

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static int first_index(HostAccount **accounts, int i)
{
    for (int j = 0; j < i; j++)
        if (memcmp(accounts[j]->key.x, accounts[i]->key.x, 32) == 0)
            return j;
    return -1;
}

uint64_t host_run(HostAccount **accounts, int n, const uint8_t *data, size_t data_len)
{
    size_t size = 8;
    for (int i = 0; i < n; i++) {
        if (first_index(accounts, i) >= 0)
            size += 8;
        else
            size = align8(size + 8 + 64 + 16 + accounts[i]->data_len +
                          SOL_MAX_PERMITTED_DATA_INCREASE_BYTES) +
                   8;
    }
    size += 8 + data_len + 32;
    size_t alloc = (size + 15) / 16 * 16 + 16;
    uint8_t *buf = aligned_alloc(16, alloc);
    if (!buf) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    memset(buf, 0, alloc);
    size_t off = 0;
    size_t data_off[16] = {0};
    put64(buf, (uint64_t)n);
    off = 8;
    for (int i = 0; i < n && i < 16; i++) {
        int dup = first_index(accounts, i);
        if (dup >= 0) {
            buf[off] = (uint8_t)dup;
            off += 8;
            continue;
        }
        HostAccount *a = accounts[i];
        buf[off] = SOL_NON_DUP_MARKER;
        buf[off + 1] = a->is_signer;
        buf[off + 2] = a->is_writable;
        buf[off + 3] = a->executable;
        off += 8;
        memcpy(buf + off, a->key.x, 32);
        memcpy(buf + off + 32, a->owner.x, 32);
        put64(buf + off + 64, a->lamports);
        put64(buf + off + 72, a->data_len);
        off += 80;
        data_off[i] = off;
        memcpy(buf + off, a->data, a->data_len);
        off = align8(off + a->data_len + SOL_MAX_PERMITTED_DATA_INCREASE_BYTES);
        off += 8; /* rent epoch */
    }
    put64(buf + off, data_len);
    off += 8;
    if (data_len > 0)
        memcpy(buf + off, data, data_len);
    off += data_len;
    memcpy(buf + off, host.program_id.x, 32);

    uint64_t rc = entrypoint(buf);

    for (int i = 0; i < n && i < 16; i++) {
        if (first_index(accounts, i) >= 0)
            continue;
        HostAccount *a = accounts[i];
        size_t d = data_off[i];
        memcpy(a->owner.x, buf + d - 80 + 32, 32);
        a->lamports = get64(buf + d - 16);
        uint64_t len = get64(buf + d - 8);
        if (len > HOST_ACCOUNT_DATA_MAX_BYTES) {
            fprintf(stderr, "account %d grew to %llu bytes\n", i, (unsigned long long)len);
            exit(1);
        }
        a->data_len = len;
        memcpy(a->data, buf + d, len);
    }
    free(buf);
    return rc;
}
