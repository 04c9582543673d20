/*
 * The solana route source against the real JSON-RPC peer (LiteSVM running the built registry
 * program) and against a fake endpoint: routes registered, updated, disabled, enabled and closed
 * on chain reach the consumer as snapshots whose diffs say exactly that; untrusted authorities are
 * ignored, counted and logged once; a dead, lying or silent RPC leaves the last snapshot in place
 * while polls back off; a restart with the RPC down serves the persisted routes.
 */
#include "chain.h"
#include "test.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    POLL_MS = 100,
    WAIT_MS = 15000, /* a bound on any wait for a poll result */
};

typedef struct follower {
    route_solana *src;
    route_snapshot *cur;
    int taken;
} follower;

typedef bool (*snap_pred)(const route_snapshot *s, const void *arg);

/* Takes snapshots until pred holds for the newest; returns the changes from the snapshot held
 * before the wait to that one (net of any in between). Fails the test after WAIT_MS. */
static route_change *follow_until(follower *f, snap_pred pred, const void *arg, size_t *count)
{
    long long start = now_ms();
    route_snapshot *last = NULL;
    while (now_ms() - start < WAIT_MS) {
        route_snapshot *s = route_solana_take(f->src);
        if (s != NULL) {
            f->taken++;
            route_snapshot_free(last);
            last = s;
            if (pred(s, arg)) {
                route_change *ch;
                dep_error err;
                CHECK(route_diff(f->cur, s, &ch, count, &err) == DEP_OK);
                route_snapshot_free(f->cur);
                f->cur = s;
                return ch;
            }
        }
        usleep(10000);
    }
    route_stats st;
    route_solana_stats(f->src, &st);
    test_fail(__FILE__, __LINE__,
              "no matching snapshot within %d ms (last had %zu routes; polls %llu, errors %llu, "
              "last error \"%s\")",
              WAIT_MS, last ? last->count : 0, (unsigned long long)st.polls,
              (unsigned long long)st.rpc_errors, st.last_error);
}

static bool any_snapshot(const route_snapshot *s, const void *arg)
{
    (void)s;
    (void)arg;
    return true;
}

typedef struct want_route {
    const char *domain, *path, *cid;
    bool enabled;
} want_route;

static bool has_route(const route_snapshot *s, const void *arg)
{
    const want_route *w = arg;
    const route_entry *r = route_snapshot_find(s, w->domain, w->path);
    return r != NULL && strcmp(r->cid, w->cid) == 0 && r->enabled == w->enabled;
}

static bool lacks_route(const route_snapshot *s, const void *arg)
{
    const want_route *w = arg;
    return route_snapshot_find(s, w->domain, w->path) == NULL;
}

static void wait_stats(route_solana *src, bool (*pred)(const route_stats *, long), long arg,
                       route_stats *out)
{
    long long start = now_ms();
    while (now_ms() - start < WAIT_MS) {
        route_solana_stats(src, out);
        if (pred(out, arg))
            return;
        usleep(10000);
    }
    test_fail(__FILE__, __LINE__,
              "stats never matched within %d ms (polls %llu, errors %llu, failures in a row %llu, "
              "last error \"%s\")",
              WAIT_MS, (unsigned long long)out->polls, (unsigned long long)out->rpc_errors,
              (unsigned long long)out->consecutive_failures, out->last_error);
}

static bool failures_at_least(const route_stats *s, long n)
{
    return s->consecutive_failures >= (uint64_t)n;
}

static bool polls_at_least(const route_stats *s, long n)
{
    return s->polls >= (uint64_t)n && s->consecutive_failures == 0 && s->last_success_ms > 0;
}

static route_trust *trust_for(const char *domain, const solana_keypair *kp, bool serve_unlisted)
{
    route_trust *t = route_trust_new(serve_unlisted);
    CHECK(t != NULL);
    if (domain != NULL) {
        char text[SOLANA_PUBKEY_TEXT_MAX];
        dep_error err;
        CHECK_MSG(route_trust_allow(t, domain, solana_pubkey_string(&kp->pubkey, text), &err) ==
                      DEP_OK,
                  "%s", err.message);
    }
    return t;
}

static route_solana *source_new(const char *url, const route_trust *trust, const char *state,
                                uint32_t timeout_ms, uint32_t backoff_max_ms, log_sink *logs,
                                atomic_int *wakes)
{
    route_solana_config cfg = {.rpc_url = url,
                               .poll_interval_ms = POLL_MS,
                               .rpc_timeout_ms = timeout_ms,
                               .backoff_max_ms = backoff_max_ms,
                               .trust = trust,
                               .state_file = state,
                               .on_update = wake_count_fn,
                               .on_update_ctx = wakes,
                               .log = log_sink_fn,
                               .log_ctx = logs};
    dep_error err;
    route_solana *src = route_solana_new(&cfg, &err);
    CHECK_MSG(src != NULL, "%s", err.message);
    return src;
}

TEST(solana_source_follows_register_update_disable_enable_close)
{
    chain c;
    chain_start(&c, 0);
    solana_keypair owner;
    chain_funded_key(&c, &owner);
    char cid1[DEP_CID_TEXT_MAX], cid2[DEP_CID_TEXT_MAX], dir[64], state[128];
    cid_of("module v1", cid1);
    cid_of("module v2", cid2);
    temp_dir(dir);
    snprintf(state, sizeof state, "%s/routes.json", dir);
    route_trust *trust = trust_for("example.com", &owner, false);
    log_sink logs;
    log_sink_init(&logs);
    atomic_int wakes = 0;
    follower f = {.src = source_new(c.url, trust, state, 2000, 1000, &logs, &wakes)};
    route_trust_free(trust);
    CHECK(route_solana_take(f.src) == NULL); /* no state file yet: nothing to serve */
    dep_error err;
    CHECK(route_solana_start(f.src, &err) == DEP_OK);

    size_t n;
    route_change *ch = follow_until(&f, any_snapshot, NULL, &n);
    CHECK_UINT_EQ(f.cur->count, 0); /* the first good poll is handed over even when empty */
    CHECK_UINT_EQ(n, 0);
    free(ch);

    chain_register(&c, &owner, "example.com", "/api/*", cid1, SOLANA_MODULE_TYPE_FUNCTION);
    want_route w = {"example.com", "/api/*", cid1, true};
    ch = follow_until(&f, has_route, &w, &n);
    CHECK_UINT_EQ(n, 1);
    CHECK_INT_EQ(ch[0].kind, ROUTE_ADDED);
    CHECK_STR_EQ(ch[0].after.cid, cid1);
    CHECK_INT_EQ(ch[0].after.module_type, ROUTE_MODULE_FUNCTION);
    CHECK_INT_EQ(ch[0].after.origin, ROUTE_ORIGIN_SOLANA);
    CHECK(ch[0].after.has_authority);
    CHECK(solana_pubkey_equal(&ch[0].after.authority, &owner.pubkey));
    CHECK_INT_EQ(ch[0].after.updated_at, CHAIN_UNIX_TIME);
    free(ch);
    const route_entry *m = route_match(f.cur, "example.com", 11, "/api/users", 10);
    CHECK(m != NULL);
    CHECK_STR_EQ(m->cid, cid1);

    chain_update(&c, &owner, "example.com", "/api/*", cid2);
    w.cid = cid2;
    ch = follow_until(&f, has_route, &w, &n);
    CHECK_UINT_EQ(n, 1);
    CHECK_INT_EQ(ch[0].kind, ROUTE_CID_CHANGED);
    CHECK_STR_EQ(ch[0].before.cid, cid1);
    CHECK_STR_EQ(ch[0].after.cid, cid2);
    free(ch);

    chain_set_enabled(&c, &owner, "example.com", "/api/*", false);
    w.enabled = false;
    ch = follow_until(&f, has_route, &w, &n);
    CHECK_UINT_EQ(n, 1);
    CHECK_INT_EQ(ch[0].kind, ROUTE_DISABLED);
    free(ch);
    CHECK(route_match(f.cur, "example.com", 11, "/api/users", 10) == NULL);
    route_stats st;
    route_solana_stats(f.src, &st);
    CHECK_UINT_EQ(st.routes_enabled, 0);
    CHECK_UINT_EQ(st.routes_disabled, 1);

    chain_set_enabled(&c, &owner, "example.com", "/api/*", true);
    w.enabled = true;
    ch = follow_until(&f, has_route, &w, &n);
    CHECK_UINT_EQ(n, 1);
    CHECK_INT_EQ(ch[0].kind, ROUTE_ENABLED);
    free(ch);

    chain_close(&c, &owner, "example.com", "/api/*");
    ch = follow_until(&f, lacks_route, &w, &n);
    CHECK_UINT_EQ(n, 1);
    CHECK_INT_EQ(ch[0].kind, ROUTE_REMOVED);
    CHECK_STR_EQ(ch[0].before.cid, cid2);
    free(ch);

    route_solana_stats(f.src, &st);
    CHECK_UINT_EQ(st.routes_enabled, 0);
    CHECK_UINT_EQ(st.routes_disabled, 0);
    CHECK_UINT_EQ(st.rpc_errors, 0);
    CHECK(st.last_success_ms > 0);
    /* One wake-up per snapshot handed over; the consumer took them all (or their newest). */
    CHECK_UINT_EQ(st.snapshots, (uint64_t)atomic_load(&wakes));
    CHECK(st.snapshots >= (uint64_t)f.taken && f.taken >= 6);
    CHECK(!st.from_state);
    route_solana_free(f.src);
    route_snapshot_free(f.cur);

    /* The last snapshot (empty after the close) was persisted. */
    route_snapshot *saved;
    CHECK_MSG(route_state_load(state, &saved, &err) == DEP_OK, "%s", err.message);
    CHECK_UINT_EQ(saved->count, 0);
    route_snapshot_free(saved);
    chain_stop(&c);
    temp_dir_remove(dir);
}

TEST(solana_source_follows_routes_written_by_aegis_wasm_cli)
{
    chain c;
    chain_start(&c, 0);
    solana_keypair owner;
    chain_funded_key(&c, &owner);
    char cid1[DEP_CID_TEXT_MAX], cid2[DEP_CID_TEXT_MAX], dir[64], key_path[128], out[8192];
    cid_of("cli v1", cid1);
    cid_of("cli v2", cid2);
    temp_dir(dir);
    snprintf(key_path, sizeof key_path, "%s/owner.json", dir);
    keypair_write(&owner, key_path);
    route_trust *trust = trust_for("shop.example.com", &owner, false);
    log_sink logs;
    log_sink_init(&logs);
    atomic_int wakes = 0;
    follower f = {.src = source_new(c.url, trust, NULL, 2000, 1000, &logs, &wakes)};
    route_trust_free(trust);
    dep_error err;
    CHECK(route_solana_start(f.src, &err) == DEP_OK);

    const char *reg[] = {
        "register", "--domain", "shop.example.com", "--path", "/cart/*", "--cid", cid1,
        "--type",   "waf",      "--keypair",        key_path, "--rpc",   c.url,   NULL};
    CHECK_MSG(cli_run(reg, out, sizeof out) == 0, "register: %s", out);
    want_route w = {"shop.example.com", "/cart/*", cid1, true};
    size_t n;
    route_change *ch = follow_until(&f, has_route, &w, &n);
    CHECK_UINT_EQ(n, 1);
    CHECK_INT_EQ(ch[0].kind, ROUTE_ADDED);
    CHECK_INT_EQ(ch[0].after.module_type, ROUTE_MODULE_WAF);
    free(ch);

    const char *upd[] = {"update", "--domain",  "shop.example.com", "--path", "/cart/*", "--cid",
                         cid2,     "--keypair", key_path,           "--rpc",  c.url,     NULL};
    CHECK_MSG(cli_run(upd, out, sizeof out) == 0, "update: %s", out);
    w.cid = cid2;
    ch = follow_until(&f, has_route, &w, &n);
    CHECK_UINT_EQ(n, 1);
    CHECK_INT_EQ(ch[0].kind, ROUTE_CID_CHANGED);
    free(ch);

    const char *cls[] = {"close",   "--domain",  "shop.example.com", "--path",
                         "/cart/*", "--keypair", key_path,           "--rpc",
                         c.url,     NULL};
    CHECK_MSG(cli_run(cls, out, sizeof out) == 0, "close: %s", out);
    ch = follow_until(&f, lacks_route, &w, &n);
    CHECK_UINT_EQ(n, 1);
    CHECK_INT_EQ(ch[0].kind, ROUTE_REMOVED);
    free(ch);
    route_solana_free(f.src);
    route_snapshot_free(f.cur);
    chain_stop(&c);
    temp_dir_remove(dir);
}

TEST(solana_untrusted_authority_is_ignored_counted_and_logged_once)
{
    chain c;
    chain_start(&c, 0);
    solana_keypair owner, stranger;
    chain_funded_key(&c, &owner);
    chain_funded_key(&c, &stranger);
    char cid1[DEP_CID_TEXT_MAX], cid2[DEP_CID_TEXT_MAX];
    cid_of("site", cid1);
    cid_of("evil", cid2);
    chain_register(&c, &owner, "example.com", "/*", cid1, SOLANA_MODULE_TYPE_WAF);
    chain_register(&c, &stranger, "example.com", "/admin", cid2, SOLANA_MODULE_TYPE_FUNCTION);
    /* The program accepts '*' anywhere in a path; the node only as a last segment. */
    chain_register(&c, &owner, "example.com", "/a*b", cid1, SOLANA_MODULE_TYPE_FUNCTION);
    /* Another domain, by the trusted key: not listed, so not even fetched (domain filter). */
    chain_register(&c, &owner, "other.org", "/", cid1, SOLANA_MODULE_TYPE_FUNCTION);

    route_trust *trust = trust_for("example.com", &owner, false);
    log_sink logs;
    log_sink_init(&logs);
    atomic_int wakes = 0;
    follower f = {.src = source_new(c.url, trust, NULL, 2000, 1000, &logs, &wakes)};
    route_trust_free(trust);
    dep_error err;
    CHECK(route_solana_start(f.src, &err) == DEP_OK);
    want_route w = {"example.com", "/*", cid1, true};
    size_t n;
    free(follow_until(&f, has_route, &w, &n));
    CHECK_UINT_EQ(f.cur->count, 1);
    CHECK(route_snapshot_find(f.cur, "example.com", "/admin") == NULL);
    const route_entry *m = route_match(f.cur, "example.com", 11, "/admin", 6);
    CHECK(m != NULL);
    CHECK_STR_EQ(m->cid, cid1); /* the trusted catch-all, not the stranger's /admin */

    route_stats st;
    route_solana_stats(f.src, &st);
    wait_stats(f.src, polls_at_least, (long)st.polls + 5, &st);
    CHECK_UINT_EQ(st.ignored_routes, 1);
    CHECK_UINT_EQ(st.ignored_total, 1);
    CHECK_UINT_EQ(st.invalid_routes, 1);
    CHECK_UINT_EQ(st.skipped_accounts, 0);
    char invalid[512], owner_text[SOLANA_PUBKEY_TEXT_MAX];
    snprintf(invalid, sizeof invalid,
             "event=route_invalid domain=example.com path=/a*b authority=%s reason=\"path pattern "
             "'/a*b': '*' is allowed only as the last segment ('/api/*')\"",
             solana_pubkey_string(&owner.pubkey, owner_text));
    CHECK_INT_EQ(log_sink_count(&logs, invalid), 1);
    char who[SOLANA_PUBKEY_TEXT_MAX], line[512];
    snprintf(line, sizeof line,
             "event=route_ignored domain=example.com path=/admin cid=%s authority=%s "
             "reason=\"authority not trusted for the domain\"",
             cid2, solana_pubkey_string(&stranger.pubkey, who));
    CHECK_INT_EQ(log_sink_count(&logs, line), 1);
    CHECK_INT_EQ(log_sink_count(&logs, "other.org"), 0);
    CHECK(route_solana_take(f.src) == NULL); /* nothing changed: no new snapshot */
    route_solana_free(f.src);
    route_snapshot_free(f.cur);

    /* Serving unlisted domains: other.org (any authority) is served, example.com stays guarded. */
    trust = trust_for("example.com", &owner, true);
    f = (follower){.src = source_new(c.url, trust, NULL, 2000, 1000, &logs, &wakes)};
    route_trust_free(trust);
    CHECK(route_solana_start(f.src, &err) == DEP_OK);
    want_route other = {"other.org", "/", cid1, true};
    free(follow_until(&f, has_route, &other, &n));
    CHECK_UINT_EQ(f.cur->count, 2);
    CHECK(route_snapshot_find(f.cur, "example.com", "/*") != NULL);
    CHECK(route_snapshot_find(f.cur, "example.com", "/admin") == NULL);
    CHECK(route_snapshot_find(f.cur, "example.com", "/a*b") == NULL);
    route_solana_stats(f.src, &st);
    CHECK_UINT_EQ(st.ignored_routes, 1);
    route_solana_free(f.src);
    route_snapshot_free(f.cur);
    chain_stop(&c);
}

TEST(solana_rpc_killed_keeps_routes_backs_off_and_recovers_on_the_same_port)
{
    chain c;
    chain_start(&c, 0);
    unsigned port = c.port;
    solana_keypair owner;
    chain_funded_key(&c, &owner);
    char cid1[DEP_CID_TEXT_MAX], cid2[DEP_CID_TEXT_MAX];
    cid_of("before", cid1);
    cid_of("after", cid2);
    chain_register(&c, &owner, "example.com", "/", cid1, SOLANA_MODULE_TYPE_FUNCTION);
    route_trust *trust = trust_for("example.com", &owner, false);
    log_sink logs;
    log_sink_init(&logs);
    atomic_int wakes = 0;
    enum { BACKOFF_MAX_MS = 800 };
    follower f = {.src = source_new(c.url, trust, NULL, 1000, BACKOFF_MAX_MS, &logs, &wakes)};
    route_trust_free(trust);
    dep_error err;
    CHECK(route_solana_start(f.src, &err) == DEP_OK);
    want_route w = {"example.com", "/", cid1, true};
    size_t n;
    free(follow_until(&f, has_route, &w, &n));

    chain_stop(&c);
    route_stats st;
    wait_stats(f.src, failures_at_least, 3, &st);
    CHECK(st.rpc_errors >= 3);
    /* After 3 failures: 100 ms doubled 3 times, capped at 800, jittered into [400, 800]. */
    CHECK_MSG(st.next_delay_ms >= BACKOFF_MAX_MS / 2 && st.next_delay_ms <= BACKOFF_MAX_MS,
              "next delay %u ms", st.next_delay_ms);
    CHECK_STR_HAS(st.last_error, "getProgramAccounts");
    CHECK_UINT_EQ(st.routes_enabled, 1);     /* the last snapshot still stands */
    CHECK(route_solana_take(f.src) == NULL); /* and no empty one was handed over */
    CHECK_INT_EQ(log_sink_count(&logs, "event=poll_failed"), 1); /* once */
    /* Backed off: far fewer polls than one per 100 ms over the next 1.5 s. */
    uint64_t polls_before = st.polls;
    usleep(1500 * 1000);
    route_solana_stats(f.src, &st);
    CHECK_MSG(st.polls - polls_before <= 5, "%llu polls in 1.5 s while backing off",
              (unsigned long long)(st.polls - polls_before));

    /* A new peer on the same port (fresh ledger): the source catches up by itself. */
    chain_start(&c, port);
    CHECK_UINT_EQ(c.port, port);
    chain_fund(&c, &owner.pubkey);
    chain_register(&c, &owner, "example.com", "/", cid2, SOLANA_MODULE_TYPE_FUNCTION);
    w.cid = cid2;
    route_change *ch = follow_until(&f, has_route, &w, &n);
    CHECK_UINT_EQ(n, 1);
    CHECK_INT_EQ(ch[0].kind, ROUTE_CID_CHANGED);
    free(ch);
    route_solana_stats(f.src, &st);
    CHECK_UINT_EQ(st.consecutive_failures, 0);
    CHECK_UINT_EQ(st.next_delay_ms, POLL_MS);
    CHECK_INT_EQ(log_sink_count(&logs, "event=poll_recovered"), 1);
    route_solana_free(f.src);
    route_snapshot_free(f.cur);
    chain_stop(&c);
}

TEST(solana_restart_with_rpc_down_serves_persisted_routes)
{
    chain c;
    chain_start(&c, 0);
    solana_keypair owner;
    chain_funded_key(&c, &owner);
    char cid1[DEP_CID_TEXT_MAX], dir[64], state[128];
    cid_of("persisted", cid1);
    temp_dir(dir);
    snprintf(state, sizeof state, "%s/routes.json", dir);
    chain_register(&c, &owner, "example.com", "/shop/*", cid1, SOLANA_MODULE_TYPE_WAF);
    route_trust *trust = trust_for("example.com", &owner, false);
    log_sink logs;
    log_sink_init(&logs);
    atomic_int wakes = 0;
    follower f = {.src = source_new(c.url, trust, state, 2000, 1000, &logs, &wakes)};
    dep_error err;
    CHECK(route_solana_start(f.src, &err) == DEP_OK);
    want_route w = {"example.com", "/shop/*", cid1, true};
    size_t n;
    free(follow_until(&f, has_route, &w, &n));
    route_solana_free(f.src);
    route_snapshot_free(f.cur);
    char url[64];
    snprintf(url, sizeof url, "%s", c.url);
    chain_stop(&c);

    /* Restart with the RPC gone: the persisted route is served before any poll. */
    route_solana *src = source_new(url, trust, state, 500, 1000, &logs, &wakes);
    route_snapshot *s = route_solana_take(src);
    CHECK(s != NULL);
    CHECK_UINT_EQ(s->count, 1);
    CHECK_STR_EQ(s->routes[0].cid, cid1);
    CHECK_INT_EQ(s->routes[0].module_type, ROUTE_MODULE_WAF);
    CHECK_INT_EQ(s->routes[0].origin, ROUTE_ORIGIN_STATE);
    CHECK(solana_pubkey_equal(&s->routes[0].authority, &owner.pubkey));
    route_snapshot_free(s);
    route_stats st;
    route_solana_stats(src, &st);
    CHECK(st.from_state);
    CHECK_UINT_EQ(st.routes_enabled, 1);
    CHECK(route_solana_start(src, &err) == DEP_OK);
    wait_stats(src, failures_at_least, 2, &st);
    CHECK(st.from_state);
    CHECK(route_solana_take(src) == NULL);
    route_solana_free(src);

    /* The policy changed since the file was written: the persisted route is no longer trusted. */
    route_trust *other = route_trust_new(false);
    src = source_new(url, other, state, 500, 1000, &logs, &wakes);
    s = route_solana_take(src);
    CHECK(s != NULL);
    CHECK_UINT_EQ(s->count, 0);
    route_snapshot_free(s);
    route_solana_free(src);
    route_trust_free(other);

    /* A damaged state file is reported and ignored. */
    FILE *fp = fopen(state, "w");
    CHECK(fp != NULL);
    fputs("{\"version\": 1, \"routes\": [{\"domain\": \"example.com\"}]}", fp);
    fclose(fp);
    src = source_new(url, trust, state, 500, 1000, &logs, &wakes);
    CHECK(route_solana_take(src) == NULL);
    char line[512];
    snprintf(line, sizeof line,
             "event=state_ignored file=%s reason=\"state file %s: routes[0]: missing one of "
             "domain, path, cid, type, enabled, updated_at\"",
             state, state);
    CHECK_INT_EQ(log_sink_count(&logs, line), 1);
    route_solana_free(src);
    route_trust_free(trust);
    temp_dir_remove(dir);
}

static void seed_state(const char *state, const char *cid)
{
    route_entry *e = calloc(1, sizeof *e);
    CHECK(e != NULL);
    *e = (route_entry){.module_type = ROUTE_MODULE_FUNCTION, .enabled = true, .updated_at = 7};
    snprintf(e->domain, sizeof e->domain, "example.com");
    snprintf(e->path, sizeof e->path, "/");
    snprintf(e->cid, sizeof e->cid, "%.100s", cid);
    route_snapshot *s;
    dep_error err;
    CHECK(route_snapshot_new(e, 1, &s, &err) == DEP_OK);
    CHECK_MSG(route_state_save(state, s, &err) == DEP_OK, "%s", err.message);
    route_snapshot_free(s);
}

TEST(solana_garbage_answer_keeps_the_last_routes)
{
    fake_rpc fake;
    fake_start(&fake, FAKE_GARBAGE);
    char cid1[DEP_CID_TEXT_MAX], dir[64], state[128];
    cid_of("kept", cid1);
    temp_dir(dir);
    snprintf(state, sizeof state, "%s/routes.json", dir);
    seed_state(state, cid1);
    log_sink logs;
    log_sink_init(&logs);
    atomic_int wakes = 0;
    route_solana *src = source_new(fake.url, NULL, state, 1000, 400, &logs, &wakes);
    route_snapshot *s = route_solana_take(src);
    CHECK(s != NULL && s->count == 1);
    route_snapshot_free(s);
    dep_error err;
    CHECK(route_solana_start(src, &err) == DEP_OK);
    route_stats st;
    wait_stats(src, failures_at_least, 2, &st);
    char expect[256];
    snprintf(expect, sizeof expect, "rpc %s getProgramAccounts: the response is not JSON (",
             fake.url);
    CHECK_STR_HAS(st.last_error, expect);
    CHECK_UINT_EQ(st.routes_enabled, 1);
    CHECK(st.from_state);
    CHECK(route_solana_take(src) == NULL);
    CHECK_INT_EQ(atomic_load(&wakes), 0);
    route_solana_free(src);
    fake_stop(&fake);
    CHECK(fake.requests >= 2);
    /* The state file still holds the good routes. */
    CHECK(route_state_load(state, &s, &err) == DEP_OK);
    CHECK_UINT_EQ(s->count, 1);
    route_snapshot_free(s);
    temp_dir_remove(dir);
}

TEST(solana_hostile_account_is_skipped_not_trusted)
{
    fake_rpc fake;
    fake_start(&fake, FAKE_HOSTILE_ROUTE);
    log_sink logs;
    log_sink_init(&logs);
    atomic_int wakes = 0;
    route_trust *trust = route_trust_new(true);
    follower f = {.src = source_new(fake.url, trust, NULL, 1000, 400, &logs, &wakes)};
    route_trust_free(trust);
    dep_error err;
    CHECK(route_solana_start(f.src, &err) == DEP_OK);
    size_t n;
    free(follow_until(&f, any_snapshot, NULL, &n));
    CHECK_UINT_EQ(f.cur->count, 0);
    route_stats st;
    route_solana_stats(f.src, &st);
    CHECK_UINT_EQ(st.skipped_accounts, 1);
    CHECK_UINT_EQ(st.rpc_errors, 0);
    route_solana_free(f.src);
    route_snapshot_free(f.cur);
    fake_stop(&fake);
}

TEST(solana_slow_rpc_times_out_and_stopping_is_bounded)
{
    fake_rpc fake;
    fake_start(&fake, FAKE_SILENT);
    log_sink logs;
    log_sink_init(&logs);
    atomic_int wakes = 0;
    enum { TIMEOUT_MS = 300 };
    route_solana *src = source_new(fake.url, NULL, NULL, TIMEOUT_MS, 400, &logs, &wakes);
    dep_error err;
    long long start = now_ms();
    CHECK(route_solana_start(src, &err) == DEP_OK);
    route_stats st;
    wait_stats(src, failures_at_least, 1, &st);
    long long took = now_ms() - start;
    CHECK_MSG(took >= TIMEOUT_MS && took < TIMEOUT_MS + 2000, "first failure after %lld ms", took);
    char expect[256];
    snprintf(expect, sizeof expect, "rpc %s getProgramAccounts: ", fake.url);
    CHECK_STR_HAS(st.last_error, expect);
    CHECK_STR_HAS(st.last_error, "timed out");
    CHECK(route_solana_take(src) == NULL);
    start = now_ms();
    route_solana_free(src); /* a call may be in flight: bounded by the timeout */
    took = now_ms() - start;
    CHECK_MSG(took < TIMEOUT_MS + 1000, "stopping took %lld ms", took);
    fake_stop(&fake);
}

TEST(solana_source_refuses_bad_configuration)
{
    dep_error err;
    route_solana_config cfg = {.rpc_url = "ftp://127.0.0.1:1"};
    CHECK(route_solana_new(&cfg, &err) == NULL);
    CHECK_STR_EQ(err.message,
                 "solana route source: rpc URL \"ftp://127.0.0.1:1\" must start with http:// or "
                 "https://");
    cfg = (route_solana_config){.rpc_url = "http://127.0.0.1:1", .program_id = "xyz0"};
    CHECK(route_solana_new(&cfg, &err) == NULL);
    CHECK_STR_HAS(err.message, "solana route source: program id: ");
    cfg = (route_solana_config){0};
    CHECK(route_solana_new(&cfg, &err) == NULL);
    CHECK_STR_EQ(err.message, "solana route source: rpc_url is required");
}
