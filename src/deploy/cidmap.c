/*
 * A small hash map keyed by block identity (codec + multihash), used to index the blocks of a CAR
 * and to write each block of an import once. Keys come from verified or locally computed CIDs, but
 * a CAR's sender picks which CIDs appear, so the hash mixes the digest with a per-process seed
 * instead of trusting its first bytes to be uniform (an identity CID's "digest" is chosen freely).
 */
#include "deploy/internal.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct dep_cidmap_slot {
    bool used;
    dep_cid cid;
    size_t value;
};

static bool same_block(const dep_cid *a, const dep_cid *b)
{
    return a->codec == b->codec && a->hash == b->hash && a->digest_len == b->digest_len &&
           memcmp(a->digest, b->digest, a->digest_len) == 0;
}

/* The seed is process-wide and written once, before any map uses it. */
static uint8_t seed[crypto_shorthash_KEYBYTES];
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void)
{
    if (sodium_init() >= 0)
        randombytes_buf(seed, sizeof seed);
}

static size_t hash_of(const dep_cid *cid)
{
    pthread_once(&seed_once, seed_init);
    uint8_t in[4 + DEP_IDENTITY_MAX_BYTES];
    in[0] = (uint8_t)cid->codec;
    in[1] = (uint8_t)(cid->codec >> 8);
    in[2] = cid->hash;
    in[3] = cid->digest_len;
    memcpy(in + 4, cid->digest, cid->digest_len);
    uint8_t out[crypto_shorthash_BYTES];
    crypto_shorthash(out, in, 4 + (size_t)cid->digest_len, seed);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return (size_t)h;
}

bool dep_cidmap_get(const dep_cidmap *m, const dep_cid *cid, size_t *value)
{
    if (m->cap == 0)
        return false;
    for (size_t i = hash_of(cid) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->slots[i].used)
            return false;
        if (same_block(&m->slots[i].cid, cid)) {
            *value = m->slots[i].value;
            return true;
        }
    }
}

static dep_status grow(dep_cidmap *m, dep_error *err)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    struct dep_cidmap_slot *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return dep_fail(err, DEP_ERR_NOMEM, "out of memory for a block index of %zu slots", cap);
    for (size_t j = 0; j < m->cap; j++) {
        if (!m->slots[j].used)
            continue;
        size_t i = hash_of(&m->slots[j].cid) & (cap - 1);
        while (slots[i].used)
            i = (i + 1) & (cap - 1);
        slots[i] = m->slots[j];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return DEP_OK;
}

dep_status dep_cidmap_put(dep_cidmap *m, const dep_cid *cid, size_t value, bool *added,
                          dep_error *err)
{
    size_t existing;
    if (dep_cidmap_get(m, cid, &existing)) {
        *added = false;
        return DEP_OK;
    }
    if ((m->count + 1) * 2 > m->cap) { /* keep the load at most one half */
        dep_status st = grow(m, err);
        if (st != DEP_OK)
            return st;
    }
    size_t i = hash_of(cid) & (m->cap - 1);
    while (m->slots[i].used)
        i = (i + 1) & (m->cap - 1);
    m->slots[i] = (struct dep_cidmap_slot){.used = true, .cid = *cid, .value = value};
    m->count++;
    *added = true;
    return DEP_OK;
}

void dep_cidmap_destroy(dep_cidmap *m)
{
    free(m->slots);
    *m = (dep_cidmap){0};
}
