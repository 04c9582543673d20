/*
 * The edge cache: an in-memory key/value store shared by the workers of a node. Keys are
 * namespaced by route owner (the namespace is part of the stored key, so a tenant can only ever
 * reach its own entries). The table is split into shards, each with its own lock, hash chains
 * and LRU list, so workers rarely contend; each shard holds an equal share of the byte budget and
 * evicts its least recently used entries to stay within it. Expired entries are dropped when met.
 */
#include "edge/edge.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_SHARDS 16
#define CACHE_INITIAL_BUCKETS 64
/* Bookkeeping charged per entry on top of its key and value bytes. */
#define CACHE_ENTRY_OVERHEAD_BYTES 64

typedef struct centry {
    struct centry *chain;               /* next in the hash bucket */
    struct centry *lru_prev, *lru_next; /* most recent at the head */
    uint64_t hash;
    uint64_t expires_ms; /* 0: never */
    size_t key_len;      /* namespace + NUL + key */
    size_t val_len;
    unsigned char data[]; /* key then value */
} centry;

typedef struct shard {
    pthread_mutex_t mu;
    centry **buckets;
    size_t nbuckets, count, bytes, budget;
    centry *head, *tail;
    uint64_t hits, misses, sets, evictions, expirations;
} shard;

struct edge_cache {
    shard shards[CACHE_SHARDS];
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* FNV-1a over namespace, a NUL separator and the key. */
static uint64_t hash_key(const char *ns, const void *key, size_t key_len)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)ns; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    h = (h ^ 0) * 1099511628211ull;
    for (size_t i = 0; i < key_len; i++)
        h = (h ^ ((const unsigned char *)key)[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

static size_t entry_bytes(const centry *e)
{
    return e->key_len + e->val_len + CACHE_ENTRY_OVERHEAD_BYTES;
}

edge_cache *edge_cache_new(size_t max_bytes)
{
    edge_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    for (int i = 0; i < CACHE_SHARDS; i++) {
        shard *s = &c->shards[i];
        pthread_mutex_init(&s->mu, NULL);
        s->budget = max_bytes / CACHE_SHARDS;
        s->nbuckets = CACHE_INITIAL_BUCKETS;
        s->buckets = calloc(s->nbuckets, sizeof *s->buckets);
        if (s->buckets == NULL) {
            for (int k = 0; k <= i; k++)
                free(c->shards[k].buckets);
            free(c);
            return NULL;
        }
    }
    return c;
}

void edge_cache_free(edge_cache *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < CACHE_SHARDS; i++) {
        shard *s = &c->shards[i];
        for (centry *e = s->head, *n; e; e = n) {
            n = e->lru_next;
            free(e);
        }
        free(s->buckets);
        pthread_mutex_destroy(&s->mu);
    }
    free(c);
}

static bool key_eq(const centry *e, uint64_t h, const char *ns, size_t ns_len, const void *key,
                   size_t key_len)
{
    return e->hash == h && e->key_len == ns_len + 1 + key_len &&
           memcmp(e->data, ns, ns_len + 1) == 0 && memcmp(e->data + ns_len + 1, key, key_len) == 0;
}

static void lru_unlink(shard *s, centry *e)
{
    if (e->lru_prev)
        e->lru_prev->lru_next = e->lru_next;
    else
        s->head = e->lru_next;
    if (e->lru_next)
        e->lru_next->lru_prev = e->lru_prev;
    else
        s->tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}

static void lru_push_head(shard *s, centry *e)
{
    e->lru_prev = NULL;
    e->lru_next = s->head;
    if (s->head)
        s->head->lru_prev = e;
    s->head = e;
    if (s->tail == NULL)
        s->tail = e;
}

/* Unlinks e from its bucket and the LRU list and frees it. */
static void remove_entry(shard *s, centry *e)
{
    centry **pp = &s->buckets[e->hash & (s->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->chain;
    *pp = e->chain;
    lru_unlink(s, e);
    s->count--;
    s->bytes -= entry_bytes(e);
    free(e);
}

static centry *lookup(shard *s, uint64_t h, const char *ns, size_t ns_len, const void *key,
                      size_t key_len)
{
    for (centry *e = s->buckets[h & (s->nbuckets - 1)]; e; e = e->chain)
        if (key_eq(e, h, ns, ns_len, key, key_len))
            return e;
    return NULL;
}

static void grow(shard *s)
{
    size_t n = s->nbuckets * 2;
    centry **b = calloc(n, sizeof *b);
    if (b == NULL)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < s->nbuckets; i++) {
        for (centry *e = s->buckets[i], *next; e; e = next) {
            next = e->chain;
            e->chain = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
}

long edge_cache_get(edge_cache *c, const char *ns, const void *key, size_t key_len, void *out,
                    size_t cap)
{
    uint64_t h = hash_key(ns, key, key_len);
    shard *s = &c->shards[h % CACHE_SHARDS];
    long result = -1;
    pthread_mutex_lock(&s->mu);
    centry *e = lookup(s, h, ns, strlen(ns), key, key_len);
    if (e != NULL && e->expires_ms != 0 && now_ms() >= e->expires_ms) {
        remove_entry(s, e);
        s->expirations++;
        e = NULL;
    }
    if (e == NULL) {
        s->misses++;
    } else {
        s->hits++;
        lru_unlink(s, e);
        lru_push_head(s, e);
        memcpy(out, e->data + e->key_len, e->val_len < cap ? e->val_len : cap);
        result = (long)e->val_len;
    }
    pthread_mutex_unlock(&s->mu);
    return result;
}

int edge_cache_set(edge_cache *c, const char *ns, const void *key, size_t key_len, const void *val,
                   size_t val_len, uint64_t ttl_secs)
{
    size_t ns_len = strlen(ns);
    uint64_t h = hash_key(ns, key, key_len);
    shard *s = &c->shards[h % CACHE_SHARDS];
    size_t need = ns_len + 1 + key_len + val_len + CACHE_ENTRY_OVERHEAD_BYTES;
    if (need > s->budget)
        return -1;
    centry *n = malloc(sizeof *n + ns_len + 1 + key_len + val_len);
    if (n == NULL)
        return -1;
    n->hash = h;
    n->key_len = ns_len + 1 + key_len;
    n->val_len = val_len;
    n->lru_prev = n->lru_next = NULL;
    memcpy(n->data, ns, ns_len + 1);
    memcpy(n->data + ns_len + 1, key, key_len);
    memcpy(n->data + n->key_len, val, val_len);
    uint64_t ttl_ms = ttl_secs > UINT64_MAX / 2000 ? UINT64_MAX / 2 : ttl_secs * 1000;
    n->expires_ms = ttl_secs ? now_ms() + ttl_ms : 0;

    pthread_mutex_lock(&s->mu);
    centry *old = lookup(s, h, ns, ns_len, key, key_len);
    if (old != NULL)
        remove_entry(s, old);
    while (s->bytes + need > s->budget && s->tail != NULL) {
        remove_entry(s, s->tail);
        s->evictions++;
    }
    if (s->count + 1 > s->nbuckets)
        grow(s);
    n->chain = s->buckets[h & (s->nbuckets - 1)];
    s->buckets[h & (s->nbuckets - 1)] = n;
    lru_push_head(s, n);
    s->count++;
    s->bytes += need;
    s->sets++;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

void edge_cache_get_stats(edge_cache *c, edge_cache_stats *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < CACHE_SHARDS; i++) {
        shard *s = &c->shards[i];
        pthread_mutex_lock(&s->mu);
        out->hits += s->hits;
        out->misses += s->misses;
        out->sets += s->sets;
        out->evictions += s->evictions;
        out->expirations += s->expirations;
        out->bytes += s->bytes;
        out->entries += s->count;
        pthread_mutex_unlock(&s->mu);
    }
}

char *edge_cache_render_prometheus(edge_cache *c)
{
    edge_cache_stats st;
    edge_cache_get_stats(c, &st);
    const char *fmt = "# TYPE aegis_edge_cache_hits_total counter\n"
                      "aegis_edge_cache_hits_total %llu\n"
                      "# TYPE aegis_edge_cache_misses_total counter\n"
                      "aegis_edge_cache_misses_total %llu\n"
                      "# TYPE aegis_edge_cache_sets_total counter\n"
                      "aegis_edge_cache_sets_total %llu\n"
                      "# TYPE aegis_edge_cache_evictions_total counter\n"
                      "aegis_edge_cache_evictions_total %llu\n"
                      "# TYPE aegis_edge_cache_expirations_total counter\n"
                      "aegis_edge_cache_expirations_total %llu\n"
                      "# TYPE aegis_edge_cache_bytes gauge\n"
                      "aegis_edge_cache_bytes %llu\n"
                      "# TYPE aegis_edge_cache_entries gauge\n"
                      "aegis_edge_cache_entries %llu\n";
    char *out = NULL;
    if (asprintf(&out, fmt, (unsigned long long)st.hits, (unsigned long long)st.misses,
                 (unsigned long long)st.sets, (unsigned long long)st.evictions,
                 (unsigned long long)st.expirations, (unsigned long long)st.bytes,
                 (unsigned long long)st.entries) < 0)
        return NULL;
    return out;
}
