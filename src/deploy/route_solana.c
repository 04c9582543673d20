/*
 * The `solana` route source: a worker thread polls the route registry with getProgramAccounts
 * (discriminator filter, plus one domain filter per listed domain when unlisted domains are not
 * served), turns the decoded WasmRoute accounts into a snapshot, keeps only the routes the trust
 * policy accepts, and hands a changed snapshot to the consumer through a mutex-protected slot and
 * a wake-up callback. The consumer's event loop never waits on the network: the only thing it
 * does is take the pending pointer.
 *
 * While the RPC fails (down, slow past the per-call timeout, answering garbage) the current
 * snapshot stays as it is and polls back off exponentially, with jitter so that a fleet of nodes
 * does not hammer a recovering endpoint in step. Each good snapshot that differs from the last is
 * written to the state file, which the next start loads.
 */
#include "deploy/deploy.h"
#include "deploy/internal.h"

#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    LOG_LINE_BYTES = 1024,
    IGNORED_KEY_BYTES = ROUTE_DOMAIN_MAX_BYTES + ROUTE_PATH_MAX_BYTES + 48
};

struct route_solana {
    char *rpc_url;
    solana_pubkey program;
    uint32_t interval_ms, timeout_ms, backoff_max_ms;
    route_trust *trust;
    char *state_file;
    route_wake_fn on_update;
    void *on_update_ctx;
    route_log_fn log;
    void *log_ctx;

    pthread_t thread;
    bool started;
    pthread_mutex_t mu; /* guards stop, pending and stats */
    pthread_cond_t cond;
    bool stop;
    route_snapshot *pending;
    route_stats stats;

    /* Worker-only state. */
    route_snapshot *current;
    char (*ignored)[IGNORED_KEY_BYTES]; /* routes already logged as refused */
    size_t ignored_count;
    bool ignored_full_logged;
    bool published; /* a snapshot from the RPC was handed over */
};

static void logf_(route_solana *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A reason for a key=value log field: double quotes become single ones so the value's own
 * quotes cannot end it. Returns out. */
static const char *quoted(const char *text, char *out, size_t cap)
{
    size_t i = 0;
    for (; text[i] != '\0' && i + 1 < cap; i++)
        out[i] = text[i] == '"' ? '\'' : text[i];
    out[i] = '\0';
    return out;
}

static void logf_(route_solana *s, const char *fmt, ...)
{
    char line[LOG_LINE_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (s->log)
        s->log(s->log_ctx, line);
    else
        fprintf(stderr, "routes: %s\n", line);
}

static int64_t now_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void count_states(route_stats *st, const route_snapshot *snap)
{
    st->routes_enabled = st->routes_disabled = 0;
    for (size_t i = 0; snap != NULL && i < snap->count; i++) {
        if (snap->routes[i].enabled)
            st->routes_enabled++;
        else
            st->routes_disabled++;
    }
}

/* Drops the routes the policy refuses from a snapshot loaded from disk (the policy may have
 * changed since it was written). */
static void filter_trusted(route_snapshot *snap, const route_trust *trust)
{
    size_t kept = 0;
    for (size_t i = 0; i < snap->count; i++)
        if (route_trust_accepts(trust, &snap->routes[i]))
            snap->routes[kept++] = snap->routes[i];
    snap->count = kept;
}

void route_solana_free(route_solana *s)
{
    if (s == NULL)
        return;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_cond_signal(&s->cond);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
    }
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cond);
    route_snapshot_free(s->pending);
    route_snapshot_free(s->current);
    route_trust_free(s->trust);
    free(s->ignored);
    free(s->rpc_url);
    free(s->state_file);
    free(s);
}

route_solana *route_solana_new(const route_solana_config *cfg, dep_error *err)
{
    if (cfg->rpc_url == NULL) {
        dep_fail(err, DEP_ERR_ARG, "solana route source: rpc_url is required");
        return NULL;
    }
    route_solana *s = calloc(1, sizeof *s);
    if (s == NULL) {
        dep_fail(err, DEP_ERR_NOMEM, "solana route source: out of memory");
        return NULL;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    s->interval_ms = cfg->poll_interval_ms ? cfg->poll_interval_ms : ROUTE_POLL_INTERVAL_MS_DEFAULT;
    s->timeout_ms = cfg->rpc_timeout_ms ? cfg->rpc_timeout_ms : ROUTE_RPC_TIMEOUT_MS_DEFAULT;
    s->backoff_max_ms = cfg->backoff_max_ms ? cfg->backoff_max_ms : ROUTE_BACKOFF_MAX_MS_DEFAULT;
    if (s->backoff_max_ms < s->interval_ms)
        s->backoff_max_ms = s->interval_ms;
    s->on_update = cfg->on_update;
    s->on_update_ctx = cfg->on_update_ctx;
    s->log = cfg->log;
    s->log_ctx = cfg->log_ctx;
    s->rpc_url = strdup(cfg->rpc_url);
    s->state_file = cfg->state_file ? strdup(cfg->state_file) : NULL;
    s->trust = cfg->trust ? route_trust_copy(cfg->trust) : route_trust_new(false);
    s->ignored = calloc(ROUTE_IGNORED_LOG_MAX, sizeof *s->ignored);
    if (s->rpc_url == NULL || (cfg->state_file && s->state_file == NULL) || s->trust == NULL ||
        s->ignored == NULL) {
        route_solana_free(s);
        dep_fail(err, DEP_ERR_NOMEM, "solana route source: out of memory");
        return NULL;
    }
    const char *program = cfg->program_id ? cfg->program_id : SOLANA_REGISTRY_PROGRAM_ID;
    if (solana_pubkey_parse(program, &s->program, err) != DEP_OK) {
        dep_error_prefix(err, "solana route source: program id");
        route_solana_free(s);
        return NULL;
    }
    /* Check the URL now, so a typo is a start-up error rather than a log line every poll. */
    solana_rpc *probe = solana_rpc_new(s->rpc_url, s->timeout_ms, err);
    if (probe == NULL) {
        dep_error_prefix(err, "solana route source");
        route_solana_free(s);
        return NULL;
    }
    solana_rpc_free(probe);

    if (s->state_file != NULL) {
        route_snapshot *saved;
        dep_error why;
        dep_status st = route_state_load(s->state_file, &saved, &why);
        if (st == DEP_OK) {
            filter_trusted(saved, s->trust);
            s->current = saved;
            s->pending = route_snapshot_copy(saved);
            s->stats.from_state = true;
            count_states(&s->stats, saved);
            logf_(s, "event=state_loaded file=%s routes=%zu", s->state_file, saved->count);
        } else if (st != DEP_ERR_NOT_FOUND) {
            /* Never trusted blindly: a damaged file is reported and the node starts empty. */
            char q[sizeof why.message];
            logf_(s, "event=state_ignored file=%s reason=\"%s\"", s->state_file,
                  quoted(why.message, q, sizeof q));
        }
    }
    return s;
}

/* Remembers a refused route; true the first time it is seen (so it is logged once). */
static bool first_refusal(route_solana *s, const route_entry *r)
{
    char key[IGNORED_KEY_BYTES], who[SOLANA_PUBKEY_TEXT_MAX];
    snprintf(key, sizeof key, "%s %s %s", r->domain, r->path,
             solana_pubkey_string(&r->authority, who));
    for (size_t i = 0; i < s->ignored_count; i++)
        if (strcmp(s->ignored[i], key) == 0)
            return false;
    if (s->ignored_count == ROUTE_IGNORED_LOG_MAX) {
        if (!s->ignored_full_logged)
            logf_(s, "event=ignored_log_full limit=%d", ROUTE_IGNORED_LOG_MAX);
        s->ignored_full_logged = true;
        return false;
    }
    memcpy(s->ignored[s->ignored_count++], key, sizeof key);
    return true;
}

typedef struct poll_result {
    route_snapshot *snap;
    uint64_t ignored, invalid, skipped, new_refusals;
} poll_result;

/* Fetches the routes of one domain (or all when domain is NULL) and appends the accepted ones. */
static dep_status fetch(route_solana *s, solana_rpc *rpc, const char *domain, route_entry **list,
                        size_t *count, poll_result *res, dep_error *err)
{
    solana_route *routes;
    solana_pubkey *addrs;
    size_t n, skipped;
    dep_status st =
        solana_list_routes(rpc, &s->program, domain, NULL, &routes, &addrs, &n, &skipped, err);
    if (st != DEP_OK)
        return st;
    res->skipped += skipped;
    if (*count + n > ROUTE_MAX_ROUTES) {
        free(routes);
        free(addrs);
        return dep_fail(err, DEP_ERR_LIMIT, "more than %d routes", ROUTE_MAX_ROUTES);
    }
    route_entry *grown = realloc(*list, (*count + n + 1) * sizeof *grown);
    if (grown == NULL) {
        free(routes);
        free(addrs);
        return dep_fail(err, DEP_ERR_NOMEM, "routes: out of memory");
    }
    *list = grown;
    for (size_t i = 0; i < n; i++) {
        route_entry *e = &grown[*count];
        memset(e, 0, sizeof *e);
        /* The decoder bounded each string by its field limit, which is this struct's. */
        snprintf(e->domain, sizeof e->domain, "%s", routes[i].domain);
        snprintf(e->path, sizeof e->path, "%s", routes[i].path);
        snprintf(e->cid, sizeof e->cid, "%s", routes[i].cid);
        e->module_type = routes[i].module_type == SOLANA_MODULE_TYPE_WAF ? ROUTE_MODULE_WAF
                                                                         : ROUTE_MODULE_FUNCTION;
        e->enabled = routes[i].enabled;
        e->has_authority = true;
        e->authority = routes[i].authority;
        e->origin = ROUTE_ORIGIN_SOLANA;
        e->updated_at = routes[i].updated_at;
        char who[SOLANA_PUBKEY_TEXT_MAX];
        dep_error why;
        if (route_entry_validate(e, &why) != DEP_OK) {
            res->invalid++;
            if (first_refusal(s, e)) {
                char q[sizeof why.message];
                logf_(s, "event=route_invalid domain=%s path=%s authority=%s reason=\"%s\"",
                      e->domain, e->path, solana_pubkey_string(&e->authority, who),
                      quoted(why.message, q, sizeof q));
            }
            continue;
        }
        if (!route_trust_accepts(s->trust, e)) {
            res->ignored++;
            if (first_refusal(s, e)) {
                res->new_refusals++;
                logf_(s,
                      "event=route_ignored domain=%s path=%s cid=%s authority=%s "
                      "reason=\"authority not trusted for the domain\"",
                      e->domain, e->path, e->cid, solana_pubkey_string(&e->authority, who));
            }
            continue;
        }
        (*count)++;
    }
    free(routes);
    free(addrs);
    return DEP_OK;
}

static dep_status poll_once(route_solana *s, solana_rpc *rpc, poll_result *res, dep_error *err)
{
    memset(res, 0, sizeof *res);
    route_entry *list = NULL;
    size_t count = 0;
    dep_status st = DEP_OK;
    size_t domains = route_trust_domain_count(s->trust);
    if (route_trust_serve_unlisted(s->trust) || domains == 0) {
        /* With no listed domain and unlisted domains refused, nothing can be served: one
         * unfiltered call still proves the RPC works and counts what is refused. */
        st = fetch(s, rpc, NULL, &list, &count, res, err);
    } else {
        for (size_t i = 0; st == DEP_OK && i < domains; i++)
            st = fetch(s, rpc, route_trust_domain(s->trust, i), &list, &count, res, err);
    }
    if (st != DEP_OK) {
        free(list);
        return st;
    }
    return route_snapshot_new(list, count, &res->snap, err);
}

/* The wait after `failures` consecutive failed polls: interval * 2^failures, capped, then a
 * uniformly random point in its upper half. */
static uint32_t backoff_ms(const route_solana *s, uint64_t failures)
{
    if (failures == 0)
        return s->interval_ms;
    uint64_t d = s->interval_ms;
    for (uint64_t i = 0; i < failures && d < s->backoff_max_ms; i++)
        d *= 2;
    if (d > s->backoff_max_ms)
        d = s->backoff_max_ms;
    uint32_t half = (uint32_t)(d / 2);
    return half + (half ? randombytes_uniform(half + 1) : 0);
}

static void publish(route_solana *s, route_snapshot *snap)
{
    route_snapshot *copy = route_snapshot_copy(snap);
    if (copy == NULL) {
        /* Keep the old current snapshot, so the next poll sees a change and tries again. */
        logf_(s, "event=snapshot_dropped reason=\"out of memory\"");
        route_snapshot_free(snap);
        return;
    }
    if (s->state_file != NULL) {
        dep_error why;
        if (route_state_save(s->state_file, snap, &why) != DEP_OK) {
            char q[sizeof why.message];
            logf_(s, "event=state_write_failed reason=\"%s\"", quoted(why.message, q, sizeof q));
        }
    }
    route_snapshot_free(s->current);
    s->current = snap;
    s->published = true;
    pthread_mutex_lock(&s->mu);
    /* A snapshot the consumer has not taken yet is replaced: only the newest matters. */
    route_snapshot_free(s->pending);
    s->pending = copy;
    s->stats.snapshots++;
    s->stats.from_state = false;
    count_states(&s->stats, snap);
    pthread_mutex_unlock(&s->mu);
    if (s->on_update)
        s->on_update(s->on_update_ctx);
}

static void *worker(void *arg)
{
    route_solana *s = arg;
    dep_error err;
    solana_rpc *rpc = solana_rpc_new(s->rpc_url, s->timeout_ms, &err);
    if (rpc == NULL) {
        char q[sizeof err.message];
        logf_(s, "event=source_stopped reason=\"%s\"", quoted(err.message, q, sizeof q));
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool stop = s->stop;
        if (!stop)
            s->stats.polls++;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        poll_result res;
        dep_status st = poll_once(s, rpc, &res, &err);
        if (st == DEP_OK) {
            /* The first good poll is always handed over, even when empty: the consumer learns
             * that the registry answered. */
            bool changed = !s->published || !route_snapshot_equal(s->current, res.snap);
            pthread_mutex_lock(&s->mu);
            uint64_t failed = s->stats.consecutive_failures;
            s->stats.last_success_ms = now_unix_ms();
            s->stats.consecutive_failures = 0;
            s->stats.ignored_routes = res.ignored;
            s->stats.ignored_total += res.new_refusals;
            s->stats.invalid_routes = res.invalid;
            s->stats.skipped_accounts = res.skipped;
            s->stats.next_delay_ms = s->interval_ms;
            pthread_mutex_unlock(&s->mu);
            if (failed > 0)
                logf_(s, "event=poll_recovered rpc=%s failed_polls=%llu", s->rpc_url,
                      (unsigned long long)failed);
            if (changed)
                publish(s, res.snap);
            else
                route_snapshot_free(res.snap);
        } else {
            pthread_mutex_lock(&s->mu);
            s->stats.rpc_errors++;
            s->stats.consecutive_failures++;
            snprintf(s->stats.last_error, sizeof s->stats.last_error, "%s", err.message);
            s->stats.next_delay_ms = backoff_ms(s, s->stats.consecutive_failures);
            bool first = s->stats.consecutive_failures == 1;
            pthread_mutex_unlock(&s->mu);
            /* Once per outage, not once per poll. */
            if (first) {
                char q[sizeof err.message];
                logf_(s, "event=poll_failed rpc=%s keeping=current_routes reason=\"%s\"",
                      s->rpc_url, quoted(err.message, q, sizeof q));
            }
        }
        pthread_mutex_lock(&s->mu);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        uint64_t ns = (uint64_t)until.tv_nsec + (uint64_t)s->stats.next_delay_ms * 1000000ULL;
        until.tv_sec += (time_t)(ns / 1000000000ULL);
        until.tv_nsec = (long)(ns % 1000000000ULL);
        while (!s->stop && pthread_cond_timedwait(&s->cond, &s->mu, &until) == 0)
            ;
        pthread_mutex_unlock(&s->mu);
    }
    solana_rpc_free(rpc);
    return NULL;
}

dep_status route_solana_start(route_solana *s, dep_error *err)
{
    if (s->started)
        return dep_fail(err, DEP_ERR_ARG, "solana route source: already started");
    if (pthread_create(&s->thread, NULL, worker, s) != 0)
        return dep_fail(err, DEP_ERR_NOMEM, "solana route source: cannot start its thread");
    s->started = true;
    return DEP_OK;
}

route_snapshot *route_solana_take(route_solana *s)
{
    pthread_mutex_lock(&s->mu);
    route_snapshot *snap = s->pending;
    s->pending = NULL;
    pthread_mutex_unlock(&s->mu);
    return snap;
}

void route_solana_stats(route_solana *s, route_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
}
