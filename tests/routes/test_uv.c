/*
 * The handoff the node uses: the solana source wakes a libuv loop through uv_async_send, and the
 * loop takes the snapshot on its own thread. A repeating timer on the same loop shows that the
 * loop keeps turning while the source waits on the network.
 */
#include "chain.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

enum { TICK_MS = 10, LOOP_LIMIT_MS = 15000, MAX_TICK_GAP_MS = 300 };

typedef struct consumer {
    uv_loop_t loop;
    uv_async_t wake;
    uv_timer_t tick, limit;
    route_solana *src;
    route_snapshot *cur;
    const char *want_cid;
    int changes_seen;
    long long last_tick, max_gap;
    bool found;
} consumer;

static void on_wake(uv_async_t *h)
{
    consumer *c = h->data;
    route_snapshot *s;
    while ((s = route_solana_take(c->src)) != NULL) {
        route_change *ch;
        size_t n;
        CHECK(route_diff(c->cur, s, &ch, &n, NULL) == DEP_OK);
        c->changes_seen += (int)n;
        free(ch);
        route_snapshot_free(c->cur);
        c->cur = s;
    }
    const route_entry *r = route_match(c->cur, "example.com", 11, "/", 1);
    if (r != NULL && strcmp(r->cid, c->want_cid) == 0) {
        c->found = true;
        uv_stop(&c->loop);
    }
}

static void on_tick(uv_timer_t *t)
{
    consumer *c = t->data;
    long long now = now_ms();
    if (c->last_tick && now - c->last_tick > c->max_gap)
        c->max_gap = now - c->last_tick;
    c->last_tick = now;
}

static void on_limit(uv_timer_t *t)
{
    uv_stop(t->loop);
}

static void wake_async(void *ctx)
{
    uv_async_send(ctx); /* the one libuv call that is safe from another thread */
}

static void close_cb(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

TEST(solana_source_wakes_a_libuv_loop_that_never_blocks)
{
    chain ch;
    chain_start(&ch, 0);
    solana_keypair owner;
    chain_funded_key(&ch, &owner);
    char cid[DEP_CID_TEXT_MAX], key[SOLANA_PUBKEY_TEXT_MAX];
    cid_of("served through uv", cid);

    consumer c = {.want_cid = cid};
    CHECK(uv_loop_init(&c.loop) == 0);
    CHECK(uv_async_init(&c.loop, &c.wake, on_wake) == 0);
    c.wake.data = &c;
    route_trust *trust = route_trust_new(false);
    dep_error err;
    CHECK(route_trust_allow(trust, "example.com", solana_pubkey_string(&owner.pubkey, key), &err) ==
          DEP_OK);
    log_sink logs;
    log_sink_init(&logs);
    route_solana_config cfg = {.rpc_url = ch.url,
                               .poll_interval_ms = 100,
                               .rpc_timeout_ms = 2000,
                               .trust = trust,
                               .on_update = wake_async,
                               .on_update_ctx = &c.wake,
                               .log = log_sink_fn,
                               .log_ctx = &logs};
    c.src = route_solana_new(&cfg, &err);
    route_trust_free(trust);
    CHECK_MSG(c.src != NULL, "%s", err.message);
    CHECK(route_solana_start(c.src, &err) == DEP_OK);
    chain_register(&ch, &owner, "example.com", "/", cid, SOLANA_MODULE_TYPE_FUNCTION);

    CHECK(uv_timer_init(&c.loop, &c.tick) == 0 && uv_timer_init(&c.loop, &c.limit) == 0);
    c.tick.data = &c;
    CHECK(uv_timer_start(&c.tick, on_tick, TICK_MS, TICK_MS) == 0);
    CHECK(uv_timer_start(&c.limit, on_limit, LOOP_LIMIT_MS, 0) == 0);
    uv_run(&c.loop, UV_RUN_DEFAULT);

    /* Stop the source before closing the async handle it signals. */
    route_solana_free(c.src);
    uv_walk(&c.loop, close_cb, NULL);
    uv_run(&c.loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&c.loop) == 0);
    chain_stop(&ch);

    CHECK_MSG(c.found, "the route never reached the loop");
    CHECK_INT_EQ(c.changes_seen, 1); /* one route added, nothing else */
    CHECK_MSG(c.max_gap < MAX_TICK_GAP_MS, "the loop stalled for %lld ms", c.max_gap);
    route_snapshot_free(c.cur);
}

TEST(loop_keeps_turning_while_the_rpc_hangs)
{
    enum { RPC_TIMEOUT_MS = 700, RUN_MS = 1600 };
    fake_rpc fake;
    fake_start(&fake, FAKE_SILENT);
    consumer c = {.want_cid = "none"};
    CHECK(uv_loop_init(&c.loop) == 0);
    CHECK(uv_async_init(&c.loop, &c.wake, on_wake) == 0);
    c.wake.data = &c;
    log_sink logs;
    log_sink_init(&logs);
    route_solana_config cfg = {.rpc_url = fake.url,
                               .poll_interval_ms = 50,
                               .rpc_timeout_ms = RPC_TIMEOUT_MS,
                               .on_update = wake_async,
                               .on_update_ctx = &c.wake,
                               .log = log_sink_fn,
                               .log_ctx = &logs};
    dep_error err;
    c.src = route_solana_new(&cfg, &err);
    CHECK_MSG(c.src != NULL, "%s", err.message);
    CHECK(route_solana_start(c.src, &err) == DEP_OK);
    CHECK(uv_timer_init(&c.loop, &c.tick) == 0 && uv_timer_init(&c.loop, &c.limit) == 0);
    c.tick.data = &c;
    CHECK(uv_timer_start(&c.tick, on_tick, TICK_MS, TICK_MS) == 0);
    CHECK(uv_timer_start(&c.limit, on_limit, RUN_MS, 0) == 0);
    uv_run(&c.loop, UV_RUN_DEFAULT);
    route_stats st;
    route_solana_stats(c.src, &st);
    route_solana_free(c.src);
    uv_walk(&c.loop, close_cb, NULL);
    uv_run(&c.loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&c.loop) == 0);
    fake_stop(&fake);

    CHECK(st.rpc_errors >= 1); /* at least one call hung until its timeout */
    CHECK_STR_HAS(st.last_error, "timed out");
    CHECK(c.cur == NULL); /* nothing was handed over */
    CHECK_MSG(c.max_gap < MAX_TICK_GAP_MS, "the loop stalled for %lld ms", c.max_gap);
    CHECK(c.last_tick != 0);
}
