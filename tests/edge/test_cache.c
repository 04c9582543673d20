/*
 * The edge cache on its own: namespaces, TTL, LRU eviction within the byte budget, oversized
 * values, counters, and many threads at once.
 */
#include "edge/edge.h"

#include "test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

TEST(test_cache_namespaces_keep_equal_keys_apart)
{
    edge_cache *c = edge_cache_new(1 << 16);
    char out[16];
    CHECK_INT_EQ(edge_cache_set(c, "a", "k", 1, "1", 1, 0), 0);
    CHECK_INT_EQ(edge_cache_set(c, "b", "k", 1, "22", 2, 0), 0);
    CHECK_INT_EQ(edge_cache_get(c, "a", "k", 1, out, sizeof out), 1);
    CHECK(memcmp(out, "1", 1) == 0);
    CHECK_INT_EQ(edge_cache_get(c, "b", "k", 1, out, sizeof out), 2);
    CHECK(memcmp(out, "22", 2) == 0);
    CHECK_INT_EQ(edge_cache_get(c, "c", "k", 1, out, sizeof out), -1);
    /* The separator cannot be forged: namespace "a" + key "\0k" is not namespace "a\0k"... */
    CHECK_INT_EQ(edge_cache_get(c, "", "a\0k", 3, out, sizeof out), -1);
    /* Overwrite, and a short output buffer gets the prefix and the full length. */
    CHECK_INT_EQ(edge_cache_set(c, "a", "k", 1, "abcdef", 6, 0), 0);
    CHECK_INT_EQ(edge_cache_get(c, "a", "k", 1, out, 3), 6);
    CHECK(memcmp(out, "abc", 3) == 0);
    edge_cache_stats st;
    edge_cache_get_stats(c, &st);
    CHECK_UINT_EQ(st.entries, 2);
    CHECK_UINT_EQ(st.sets, 3);
    CHECK_UINT_EQ(st.hits, 3);
    CHECK_UINT_EQ(st.misses, 2);
    char *prom = edge_cache_render_prometheus(c);
    CHECK_STR_HAS(prom, "\naegis_edge_cache_hits_total 3\n");
    CHECK_STR_HAS(prom, "\naegis_edge_cache_misses_total 2\n");
    CHECK_STR_HAS(prom, "\naegis_edge_cache_entries 2\n");
    free(prom);
    edge_cache_free(c);
}

TEST(test_cache_ttl_expires)
{
    edge_cache *c = edge_cache_new(1 << 16);
    char out[8];
    CHECK_INT_EQ(edge_cache_set(c, "a", "t", 1, "x", 1, 1), 0);
    CHECK_INT_EQ(edge_cache_get(c, "a", "t", 1, out, sizeof out), 1);
    usleep(1050 * 1000);
    CHECK_INT_EQ(edge_cache_get(c, "a", "t", 1, out, sizeof out), -1);
    edge_cache_stats st;
    edge_cache_get_stats(c, &st);
    CHECK_UINT_EQ(st.expirations, 1);
    CHECK_UINT_EQ(st.entries, 0);
    CHECK_UINT_EQ(st.bytes, 0);
    edge_cache_free(c);
}

TEST(test_cache_evicts_least_recently_used_within_budget)
{
    /* 16 shards of 1 KiB: 200-byte values, so a shard holds 3 entries with their overhead. */
    edge_cache *c = edge_cache_new(16 * 1024);
    char val[200], out[200], key[16];
    memset(val, 'v', sizeof val);
    for (int i = 0; i < 400; i++) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK_INT_EQ(edge_cache_set(c, "ns", key, strlen(key), val, sizeof val, 0), 0);
        CHECK_INT_EQ(edge_cache_get(c, "ns", "k0", 2, out, sizeof out) >= -1, 1);
    }
    edge_cache_stats st;
    edge_cache_get_stats(c, &st);
    CHECK(st.bytes <= 16 * 1024);
    CHECK(st.evictions > 300);
    CHECK_UINT_EQ(st.entries + st.evictions, 400);
    /* k0 was read after every insertion: the most recently used entry of its shard survived. */
    CHECK_INT_EQ(edge_cache_get(c, "ns", "k0", 2, out, sizeof out), 200);
    CHECK_INT_EQ(edge_cache_get(c, "ns", "k1", 2, out, sizeof out), -1);
    /* An entry larger than a shard's share is refused. */
    static char big[2048];
    CHECK_INT_EQ(edge_cache_set(c, "ns", "big", 3, big, sizeof big, 0), -1);
    edge_cache_free(c);
}

static edge_cache *shared;

static void *hammer(void *arg)
{
    int id = (int)(intptr_t)arg;
    char key[32], out[32];
    for (int i = 0; i < 20000; i++) {
        int n = snprintf(key, sizeof key, "k%d", i % 500);
        if (i % 3 == 0)
            edge_cache_set(shared, id % 2 ? "odd" : "even", key, (size_t)n, key, (size_t)n, 60);
        else {
            long got =
                edge_cache_get(shared, id % 2 ? "odd" : "even", key, (size_t)n, out, sizeof out);
            if (got >= 0 && (got != n || memcmp(out, key, (size_t)n) != 0))
                return (void *)1; /* a value of another key: corruption */
        }
    }
    return NULL;
}

TEST(test_cache_is_consistent_under_concurrent_workers)
{
    shared = edge_cache_new(64 * 1024);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer, (void *)(intptr_t)i);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        CHECK(r == NULL);
    }
    edge_cache_stats st;
    edge_cache_get_stats(shared, &st);
    CHECK(st.bytes <= 64 * 1024);
    CHECK(st.hits > 0);
    edge_cache_free(shared);
}
