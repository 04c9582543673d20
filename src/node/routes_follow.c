/*
 * The follower: keeps the node's source routes in step with its route source, on the main loop.
 *
 * Each snapshot of the source (the whole set of routes it knows) is compared with the routes the
 * follower holds. A route that is new, or whose module (CID or type) changed, or that was enabled
 * again with a module not loaded, is handed to the module manager (node_cid_ensure: the module
 * comes from the manager, the disk cache or the gateways, verified against its CID, compiled off
 * the loop). Until that succeeds the route keeps serving the version it had, if any; when it
 * fails the route records why and tries again later, backing off. A disabled or removed route
 * stops at once. Every change of what is served builds a new immutable table and publishes it;
 * the node then hands it to every worker in a new generation (requests in flight finish on the
 * old one).
 *
 * The follower keeps its routes sorted by (domain, path), the order of every snapshot, so each
 * snapshot is one pass with binary searches.
 */
#include "node/module_cid.h"
#include "node/routes.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    FILE_RETRY_MS = 2000,    /* first retry of a failed module of the file source */
    RETRY_MAX_MS = 60000,    /* the longest wait between two attempts at one module */
    RETRY_TICK_MIN_MS = 250, /* how often the retry timer looks at failed routes, at least */
    /* Changes that land together (many routes loaded from the state file at start) make one
     * table: each table costs every worker a new pipeline. */
    PUBLISH_DELAY_MS = 20,
    ERROR_BYTES = 512, /* a route's last error */
};

typedef enum {
    CAUSE_NEW_ROUTE,
    CAUSE_NEW_CID,
    CAUSE_ENABLED,
    CAUSE_DISABLED,
    CAUSE_REMOVED,
    CAUSE_RETRY,
    CAUSE_N
} reload_cause;

static const char *const cause_names[CAUSE_N] = {"new_route", "new_cid", "enabled",
                                                 "disabled",  "removed", "retry"};

typedef enum { ST_LOADING, ST_SERVING, ST_FAILED, ST_DISABLED, ST_N } route_state;

static const char *const state_names[ST_N] = {"loading", "serving", "failed", "disabled"};

/* One route of the source as the follower tracks it. */
typedef struct {
    route_entry want;   /* the source's latest version */
    bool serving;       /* a version of the route is loaded (served while want is enabled) */
    route_entry served; /* that version */
    char served_id[NODE_MAX_NAME_BYTES];
    bool loading; /* an ensure of (loading_cid, loading_type) is in flight */
    char loading_cid[ROUTE_CID_MAX_BYTES + 1];
    route_module_type loading_type;
    char last_error[ERROR_BYTES];
    uint64_t retry_at_ms; /* 0: no retry planned */
    uint32_t retry_delay_ms;
} froute;

/* An ensure in flight: what it was for (the route may have changed or gone meanwhile). */
typedef struct {
    node_follow *f;
    char domain[ROUTE_DOMAIN_MAX_BYTES + 1];
    char path[ROUTE_PATH_MAX_BYTES + 1];
    char cid[ROUTE_CID_MAX_BYTES + 1];
    route_module_type type;
    reload_cause cause;
} ensure_req;

struct node_follow {
    uv_loop_t *loop;
    node_edge *edge;
    node_source_type type;
    char file_path[4096];
    route_solana *sol;
    uint32_t retry_first_ms;
    uv_async_t wake;
    uv_timer_t retry;
    uv_timer_t publish_timer;
    bool closing;
    bool free_on_close; /* start failed: the close callbacks free the follower */
    int handles_closed;
    node_follow_publish_fn publish;
    void *publish_ctx;

    froute *routes; /* sorted by (domain, path) */
    size_t count;
    node_rtable *table;

    uint64_t reloads[CAUSE_N], reload_failures[CAUSE_N];
    uint64_t file_loads, file_errors;
    int64_t file_last_success_ms;
    char source_error[ERROR_BYTES]; /* the file source's last failed read */
};

/* ---- small helpers -------------------------------------------------------------------------- */

/* A reason inside a key=value line: double quotes become single ones. */
static const char *quoted(const char *text, char *out, size_t cap)
{
    size_t i = 0;
    for (; text[i] != '\0' && i + 1 < cap; i++)
        out[i] = text[i] == '"' || text[i] == '\n' ? '\'' : text[i];
    out[i] = '\0';
    return out;
}

static int64_t unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int order(const char *domain, const char *path, const route_entry *e)
{
    int c = strcmp(domain, e->domain);
    return c != 0 ? c : strcmp(path, e->path);
}

static froute *find(node_follow *f, const char *domain, const char *path)
{
    size_t lo = 0, hi = f->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = order(domain, path, &f->routes[mid].want);
        if (c == 0)
            return &f->routes[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static bool same_module(const route_entry *a, const route_entry *b)
{
    return a->module_type == b->module_type && strcmp(a->cid, b->cid) == 0;
}

static edge_module_type edge_type(route_module_type t)
{
    return t == ROUTE_MODULE_WAF ? EDGE_MODULE_WAF : EDGE_MODULE_FUNCTION;
}

/* An ensure of the module r wants is in flight. */
static bool loading_want(const froute *r)
{
    return r->loading && r->loading_type == r->want.module_type &&
           strcmp(r->loading_cid, r->want.cid) == 0;
}

static route_state state_of(const froute *r)
{
    if (!r->want.enabled)
        return ST_DISABLED;
    if (r->serving && same_module(&r->served, &r->want))
        return ST_SERVING;
    if (loading_want(r))
        return ST_LOADING;
    return r->last_error[0] != '\0' ? ST_FAILED : ST_LOADING;
}

/* ---- the table ------------------------------------------------------------------------------ */

/* Builds the table of what is served now and publishes it. */
static void publish(node_follow *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->count; i++)
        n += f->routes[i].want.enabled && f->routes[i].serving;
    node_rtable *t = calloc(1, sizeof *t);
    route_entry *entries = calloc(n ? n : 1, sizeof *entries);
    node_sroute *sr = calloc(n ? n : 1, sizeof *sr);
    if (t == NULL || entries == NULL || sr == NULL) {
        free(t), free(entries), free(sr);
        node_say("aegis-node: event=routes_not_published reason=\"out of memory\"");
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < f->count; i++) {
        const froute *r = &f->routes[i];
        if (!r->want.enabled || !r->serving)
            continue;
        entries[k] = r->served;
        entries[k].enabled = true;
        node_sroute *s = &sr[k++];
        snprintf(s->module_id, sizeof s->module_id, "%s", r->served_id);
        if (r->served.has_authority) {
            char key[SOLANA_PUBKEY_TEXT_MAX];
            snprintf(s->owner, sizeof s->owner, "%s",
                     solana_pubkey_string(&r->served.authority, key));
        } else {
            snprintf(s->owner, sizeof s->owner, "file:%s", r->served.domain);
        }
        snprintf(s->label, sizeof s->label, "%s%s", r->served.domain, r->served.path);
    }
    dep_error err;
    /* The entries are in snapshot order already; route_snapshot_new keeps it. */
    if (route_snapshot_new(entries, n, &t->snap, &err) != DEP_OK) {
        free(t), free(sr);
        node_say("aegis-node: event=routes_not_published reason=\"%s\"", err.message);
        return;
    }
    t->routes = sr;
    atomic_init(&t->refs, 1);
    node_rtable_unref(f->table);
    f->table = t;
    f->publish(f->publish_ctx, t);
}

static void on_publish_timer(uv_timer_t *t)
{
    node_follow *f = t->data;
    if (!f->closing)
        publish(f);
}

static void publish_soon(node_follow *f)
{
    if (!uv_is_active((uv_handle_t *)&f->publish_timer))
        uv_timer_start(&f->publish_timer, on_publish_timer, PUBLISH_DELAY_MS, 0);
}

/* ---- loading modules ---------------------------------------------------------------------- */

static void plan_retry(node_follow *f, froute *r)
{
    r->retry_delay_ms = r->retry_delay_ms == 0                  ? f->retry_first_ms
                        : r->retry_delay_ms >= RETRY_MAX_MS / 2 ? RETRY_MAX_MS
                                                                : r->retry_delay_ms * 2;
    r->retry_at_ms = uv_now(f->loop) + r->retry_delay_ms;
}

static void on_ensured(void *ctx, const char *id, bool ok, const char *error)
{
    ensure_req *q = ctx;
    node_follow *f = q->f;
    froute *r = f->closing ? NULL : find(f, q->domain, q->path);
    if (r != NULL && r->loading && r->loading_type == q->type &&
        strcmp(r->loading_cid, q->cid) == 0)
        r->loading = false;
    /* The result counts only for the route's current version. */
    if (r == NULL || strcmp(r->want.cid, q->cid) != 0 || r->want.module_type != q->type) {
        free(q);
        return;
    }
    char why[ERROR_BYTES];
    if (!ok) {
        f->reload_failures[q->cause]++;
        snprintf(r->last_error, sizeof r->last_error, "%s", error);
        plan_retry(f, r);
        node_say("aegis-node: event=route_load_failed domain=%s path=%s cid=%s cause=%s keeps=%s "
                 "retry_ms=%u reason=\"%s\"",
                 q->domain, q->path, q->cid, cause_names[q->cause],
                 r->serving ? r->served.cid : "none", r->retry_delay_ms,
                 quoted(error, why, sizeof why));
        free(q);
        return;
    }
    f->reloads[q->cause]++;
    r->last_error[0] = '\0';
    r->retry_at_ms = 0;
    r->retry_delay_ms = 0;
    bool changed =
        !r->serving || !same_module(&r->served, &r->want) || strcmp(r->served_id, id) != 0;
    r->serving = true;
    r->served = r->want;
    snprintf(r->served_id, sizeof r->served_id, "%s", id);
    node_say("aegis-node: event=route_loaded domain=%s path=%s cid=%s type=%s cause=%s", q->domain,
             q->path, q->cid, route_module_type_name(q->type), cause_names[q->cause]);
    free(q);
    if (changed && r->want.enabled)
        publish_soon(f);
}

/* Asks for the module of r->want; failures that happen at once count like failed fetches. */
static void ensure(node_follow *f, froute *r, reload_cause cause)
{
    ensure_req *q = calloc(1, sizeof *q);
    char err[NODE_ERR_BYTES] = "out of memory";
    if (q != NULL) {
        q->f = f;
        q->cause = cause;
        q->type = r->want.module_type;
        snprintf(q->domain, sizeof q->domain, "%s", r->want.domain);
        snprintf(q->path, sizeof q->path, "%s", r->want.path);
        snprintf(q->cid, sizeof q->cid, "%s", r->want.cid);
        if (node_cid_ensure(f->edge, q->cid, edge_type(q->type), on_ensured, q, err) == 0) {
            r->loading = true;
            r->loading_type = q->type;
            snprintf(r->loading_cid, sizeof r->loading_cid, "%s", q->cid);
            return;
        }
        free(q);
    }
    f->reload_failures[cause]++;
    snprintf(r->last_error, sizeof r->last_error, "%s", err);
    plan_retry(f, r);
    char why[ERROR_BYTES];
    node_say("aegis-node: event=route_load_failed domain=%s path=%s cid=%s cause=%s reason=\"%s\"",
             r->want.domain, r->want.path, r->want.cid, cause_names[cause],
             quoted(err, why, sizeof why));
}

static void on_retry_tick(uv_timer_t *t)
{
    node_follow *f = t->data;
    uint64_t now = uv_now(f->loop);
    for (size_t i = 0; i < f->count; i++) {
        froute *r = &f->routes[i];
        if (r->retry_at_ms == 0 || r->retry_at_ms > now || loading_want(r) || !r->want.enabled)
            continue;
        r->retry_at_ms = 0;
        if (!r->serving || !same_module(&r->served, &r->want))
            ensure(f, r, CAUSE_RETRY);
    }
}

/* ---- snapshots ------------------------------------------------------------------------------ */

/* Takes over snap: the source's new view of all its routes. */
static void apply(node_follow *f, route_snapshot *snap)
{
    froute *next = calloc(snap->count ? snap->count : 1, sizeof *next);
    if (next == NULL) {
        node_say("aegis-node: event=routes_not_applied reason=\"out of memory\"");
        route_snapshot_free(snap);
        return;
    }
    bool table_changed = false;
    for (size_t i = 0; i < snap->count; i++) {
        const route_entry *e = &snap->routes[i];
        froute *old = find(f, e->domain, e->path);
        froute *r = &next[i];
        if (old != NULL) {
            *r = *old;
            if (old->want.enabled != e->enabled && old->serving)
                table_changed = true;
            if (old->want.enabled && !e->enabled)
                f->reloads[CAUSE_DISABLED]++;
            if (!old->want.enabled && e->enabled && old->serving && same_module(&old->served, e))
                f->reloads[CAUSE_ENABLED]++; /* its module is still loaded: back at once */
            /* A route that changed module again forgets the failure of the previous one. */
            if (!same_module(&old->want, e)) {
                r->last_error[0] = '\0';
                r->retry_at_ms = 0;
                r->retry_delay_ms = 0;
            }
            if (r->serving && same_module(&r->served, e) && e->enabled &&
                memcmp(&r->served, e, sizeof *e) != 0)
                table_changed = true; /* authority or origin: the owner or label may differ */
        }
        r->want = *e;
        if (r->serving && same_module(&r->served, e))
            r->served = *e;
    }
    /* Routes that are gone stop. */
    for (size_t i = 0; i < f->count; i++) {
        const froute *o = &f->routes[i];
        if (route_snapshot_find(snap, o->want.domain, o->want.path) == NULL) {
            f->reloads[CAUSE_REMOVED]++;
            table_changed |= o->want.enabled && o->serving;
            node_say("aegis-node: event=route_removed domain=%s path=%s", o->want.domain,
                     o->want.path);
        }
    }
    /* Keep the old array until every old route was looked at. */
    froute *old_routes = f->routes;
    size_t old_count = f->count;
    f->routes = next;
    f->count = snap->count;
    for (size_t i = 0; i < f->count; i++) {
        froute *r = &f->routes[i];
        if (!r->want.enabled || loading_want(r) || r->retry_at_ms != 0)
            continue;
        if (r->serving && same_module(&r->served, &r->want))
            continue;
        /* Which cause: look at what the follower held before. */
        reload_cause cause = CAUSE_NEW_ROUTE;
        size_t lo = 0, hi = old_count;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = order(r->want.domain, r->want.path, &old_routes[mid].want);
            if (c == 0) {
                cause = old_routes[mid].want.enabled ? CAUSE_NEW_CID : CAUSE_ENABLED;
                break;
            }
            if (c < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
        ensure(f, r, cause);
    }
    free(old_routes);
    route_snapshot_free(snap);
    if (table_changed)
        publish_soon(f);
}

static void on_wake(uv_async_t *a)
{
    node_follow *f = a->data;
    if (f->closing || f->sol == NULL)
        return;
    route_snapshot *snap = route_solana_take(f->sol);
    if (snap != NULL)
        apply(f, snap);
}

/* From the source's polling thread: only the async send is safe here. */
static void wake_from_source(void *ctx)
{
    uv_async_send(ctx);
}

static void source_log(void *ctx, const char *line)
{
    (void)ctx;
    node_say("aegis-node: routes: %s", line);
}

static bool read_file(node_follow *f, char *err)
{
    route_snapshot *snap;
    dep_error e;
    if (route_file_load(f->file_path, &snap, &e) != DEP_OK) {
        f->file_errors++;
        snprintf(f->source_error, sizeof f->source_error, "%.500s", e.message);
        snprintf(err, NODE_ERR_BYTES, "route_source: %.480s", e.message);
        return false;
    }
    f->file_loads++;
    f->file_last_success_ms = unix_ms();
    f->source_error[0] = '\0';
    apply(f, snap);
    return true;
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

/* Creates the directories above a file (mode 0700: the state is the node's), like mkdir -p;
 * a failure shows up when the state is first written (logged by the source). */
static void make_parent_dirs(const char *file)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return;
    *slash = '\0';
    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(dir, 0700);
        *p = '/';
    }
    mkdir(dir, 0700);
}

/* The solana source: its persisted routes (if any) are taken before the first poll. */
static bool start_solana(node_follow *f, const node_config *cfg, route_snapshot **saved, char *err)
{
    const node_route_source *rs = &cfg->route_source;
    route_trust *trust = route_trust_new(rs->serve_unlisted_domains);
    if (trust == NULL) {
        snprintf(err, NODE_ERR_BYTES, "route_source: out of memory");
        return false;
    }
    dep_error e;
    for (size_t i = 0; i < rs->trust_count; i++)
        for (size_t k = 0; k < rs->trust[i].authority_count; k++)
            if (route_trust_allow(trust, rs->trust[i].domain, rs->trust[i].authorities[k], &e) !=
                DEP_OK) {
                snprintf(err, NODE_ERR_BYTES, "route_source.trust: %.450s", e.message);
                route_trust_free(trust);
                return false;
            }
    if (rs->state_file[0] != '\0')
        make_parent_dirs(rs->state_file);
    route_solana_config sc = {.rpc_url = rs->rpc_url,
                              .program_id = rs->program_id[0] ? rs->program_id : NULL,
                              .poll_interval_ms = rs->poll_interval_ms,
                              .trust = trust,
                              .state_file = rs->state_file[0] ? rs->state_file : NULL,
                              .on_update = wake_from_source,
                              .on_update_ctx = &f->wake,
                              .log = source_log};
    f->sol = route_solana_new(&sc, &e);
    route_trust_free(trust); /* the source keeps a copy */
    if (f->sol == NULL) {
        snprintf(err, NODE_ERR_BYTES, "route_source: %.480s", e.message);
        return false;
    }
    *saved = route_solana_take(f->sol);
    return true;
}

static void on_closed(uv_handle_t *h)
{
    node_follow *f = h->data;
    /* Only a follower that failed to start frees itself, once its three handles are closed. */
    if (f->free_on_close && ++f->handles_closed == 3)
        node_follow_free(f);
}

node_follow *node_follow_new(const node_config *cfg, uv_loop_t *loop, node_edge *edge,
                             node_follow_publish_fn publish_fn, void *ctx, char *err)
{
    node_follow *f = calloc(1, sizeof *f);
    if (f == NULL || (f->table = node_rtable_empty()) == NULL) {
        free(f);
        snprintf(err, NODE_ERR_BYTES, "route_source: out of memory");
        return NULL;
    }
    f->loop = loop;
    f->edge = edge;
    f->type = cfg->route_source.type;
    f->publish = publish_fn;
    f->publish_ctx = ctx;
    snprintf(f->file_path, sizeof f->file_path, "%s", cfg->route_source.path);
    f->retry_first_ms =
        f->type == NODE_SOURCE_SOLANA ? cfg->route_source.poll_interval_ms : FILE_RETRY_MS;
    /* What can fail comes first, before any handle or module request refers to f. */
    route_snapshot *first = NULL;
    dep_error e;
    bool ok;
    if (f->type == NODE_SOURCE_FILE) {
        ok = route_file_load(f->file_path, &first, &e) == DEP_OK;
        if (!ok)
            snprintf(err, NODE_ERR_BYTES, "route_source: %.480s", e.message);
    } else {
        ok = start_solana(f, cfg, &first, err);
    }
    if (!ok) {
        route_solana_free(f->sol);
        node_rtable_unref(f->table);
        free(f);
        return NULL;
    }
    uv_async_init(loop, &f->wake, on_wake);
    f->wake.data = f;
    uv_timer_init(loop, &f->retry);
    f->retry.data = f;
    uv_timer_init(loop, &f->publish_timer);
    f->publish_timer.data = f;
    if (f->sol != NULL && route_solana_start(f->sol, &e) != DEP_OK) {
        snprintf(err, NODE_ERR_BYTES, "route_source: %.480s", e.message);
        route_snapshot_free(first);
        route_solana_free(f->sol);
        f->sol = NULL;
        f->closing = f->free_on_close = true;
        uv_close((uv_handle_t *)&f->wake, on_closed);
        uv_close((uv_handle_t *)&f->retry, on_closed);
        uv_close((uv_handle_t *)&f->publish_timer, on_closed);
        return NULL;
    }
    uint32_t tick =
        f->retry_first_ms / 4 > RETRY_TICK_MIN_MS ? f->retry_first_ms / 4 : RETRY_TICK_MIN_MS;
    uv_timer_start(&f->retry, on_retry_tick, tick, tick);
    if (f->type == NODE_SOURCE_FILE) {
        f->file_loads++;
        f->file_last_success_ms = unix_ms();
    }
    if (first != NULL)
        apply(f, first);
    return f;
}

node_rtable *node_follow_table(node_follow *f)
{
    return f->table;
}

void node_follow_reload(node_follow *f)
{
    if (f == NULL || f->closing || f->type != NODE_SOURCE_FILE)
        return;
    char err[NODE_ERR_BYTES];
    if (!read_file(f, err))
        node_say("aegis-node: event=route_source_reload_failed keeps=%zu reason=\"%s\"", f->count,
                 err);
    else
        node_say("aegis-node: event=route_source_reloaded routes=%zu", f->count);
}

void node_follow_close(node_follow *f)
{
    if (f == NULL || f->closing)
        return;
    f->closing = true;
    route_solana_free(f->sol); /* joins the polling thread: no wake-up after this */
    f->sol = NULL;
    uv_close((uv_handle_t *)&f->wake, on_closed);
    uv_close((uv_handle_t *)&f->retry, on_closed);
    uv_close((uv_handle_t *)&f->publish_timer, on_closed);
}

void node_follow_free(node_follow *f)
{
    if (f == NULL)
        return;
    free(f->routes);
    node_rtable_unref(f->table);
    free(f);
}

/* ---- operations ------------------------------------------------------------------------------ */

static const char *source_name(node_source_type t)
{
    return t == NODE_SOURCE_FILE ? "file" : "solana";
}

char *node_follow_render_json(node_follow *f)
{
    json_t *doc = json_object(), *list = json_array();
    if (doc == NULL || list == NULL) {
        json_decref(doc);
        json_decref(list);
        return NULL;
    }
    json_object_set_new(doc, "source", json_string(source_name(f->type)));
    if (f->sol != NULL) {
        route_stats st;
        route_solana_stats(f->sol, &st);
        json_object_set_new(doc, "last_success_ms", json_integer(st.last_success_ms));
        json_object_set_new(doc, "polls", json_integer((json_int_t)st.polls));
        json_object_set_new(doc, "rpc_errors", json_integer((json_int_t)st.rpc_errors));
        json_object_set_new(doc, "ignored_routes", json_integer((json_int_t)st.ignored_routes));
        json_object_set_new(doc, "from_state", json_boolean(st.from_state));
        json_object_set_new(doc, "last_error",
                            st.last_error[0] ? json_string(st.last_error) : json_null());
    } else {
        json_object_set_new(doc, "path", json_string(f->file_path));
        json_object_set_new(doc, "last_success_ms", json_integer(f->file_last_success_ms));
        json_object_set_new(doc, "last_error",
                            f->source_error[0] ? json_string(f->source_error) : json_null());
    }
    for (size_t i = 0; i < f->count; i++) {
        const froute *r = &f->routes[i];
        json_t *o = json_object();
        if (o == NULL)
            continue;
        char key[SOLANA_PUBKEY_TEXT_MAX];
        json_object_set_new(o, "source", json_string(route_origin_name(r->want.origin)));
        json_object_set_new(o, "domain", json_string(r->want.domain));
        json_object_set_new(o, "path", json_string(r->want.path));
        json_object_set_new(o, "authority",
                            r->want.has_authority
                                ? json_string(solana_pubkey_string(&r->want.authority, key))
                                : json_null());
        json_object_set_new(o, "cid", json_string(r->want.cid));
        json_object_set_new(o, "type", json_string(route_module_type_name(r->want.module_type)));
        json_object_set_new(o, "enabled", json_boolean(r->want.enabled));
        json_object_set_new(o, "state", json_string(state_names[state_of(r)]));
        bool served = r->serving && r->want.enabled;
        json_object_set_new(o, "serving_cid", served ? json_string(r->served.cid) : json_null());
        /* Module errors may hold any byte a gateway sent: jansson refuses invalid UTF-8. */
        json_t *e = r->last_error[0] ? json_string(r->last_error) : json_null();
        json_object_set_new(o, "last_error", e != NULL ? e : json_string("(not UTF-8)"));
        json_object_set_new(o, "updated_at", json_integer(r->want.updated_at));
        json_array_append_new(list, o);
    }
    json_object_set_new(doc, "routes", list);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (text == NULL)
        return NULL;
    size_t n = strlen(text);
    char *out = realloc(text, n + 2);
    if (out == NULL) {
        free(text);
        return NULL;
    }
    out[n] = '\n';
    out[n + 1] = '\0';
    return out;
}

char *node_follow_render_prometheus(node_follow *f)
{
    size_t cap = 8192, len = 0;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int n_ = snprintf(out + len, cap - len, __VA_ARGS__);                                      \
        if (n_ > 0)                                                                                \
            len = len + (size_t)n_ < cap ? len + (size_t)n_ : cap - 1;                             \
    } while (0)
    uint64_t by_state[ST_N] = {0};
    for (size_t i = 0; i < f->count; i++)
        by_state[state_of(&f->routes[i])]++;
    int64_t last_ms = f->file_last_success_ms;
    route_stats st = {0};
    if (f->sol != NULL) {
        route_solana_stats(f->sol, &st);
        last_ms = st.last_success_ms;
    }
    PUT("# HELP aegis_route_source_routes Routes of the route source by state.\n"
        "# TYPE aegis_route_source_routes gauge\n");
    for (int s = 0; s < ST_N; s++)
        PUT("aegis_route_source_routes{state=\"%s\"} %llu\n", state_names[s],
            (unsigned long long)by_state[s]);
    PUT("# HELP aegis_route_source_served_routes Routes in the table the workers use.\n"
        "# TYPE aegis_route_source_served_routes gauge\n"
        "aegis_route_source_served_routes %zu\n",
        node_rtable_count(f->table));
    PUT("# HELP aegis_route_source_reloads_total Route changes applied, by cause.\n"
        "# TYPE aegis_route_source_reloads_total counter\n");
    for (int c = 0; c < CAUSE_N; c++)
        PUT("aegis_route_source_reloads_total{cause=\"%s\"} %llu\n", cause_names[c],
            (unsigned long long)f->reloads[c]);
    PUT("# HELP aegis_route_source_reload_failures_total Module loads that failed, by cause.\n"
        "# TYPE aegis_route_source_reload_failures_total counter\n");
    for (int c = 0; c < CAUSE_N; c++)
        if (c != CAUSE_DISABLED && c != CAUSE_REMOVED)
            PUT("aegis_route_source_reload_failures_total{cause=\"%s\"} %llu\n", cause_names[c],
                (unsigned long long)f->reload_failures[c]);
    PUT("# HELP aegis_route_source_last_success_timestamp_seconds Last good read of the source.\n"
        "# TYPE aegis_route_source_last_success_timestamp_seconds gauge\n"
        "aegis_route_source_last_success_timestamp_seconds %lld.%03lld\n",
        (long long)(last_ms / 1000), (long long)(last_ms % 1000));
    PUT("# HELP aegis_route_source_polls_total Reads of the source (RPC polls, file reads).\n"
        "# TYPE aegis_route_source_polls_total counter\n"
        "aegis_route_source_polls_total %llu\n",
        (unsigned long long)(f->sol != NULL ? st.polls : f->file_loads + f->file_errors));
    PUT("# HELP aegis_route_source_errors_total Failed reads (RPC errors, bad routes file).\n"
        "# TYPE aegis_route_source_errors_total counter\n"
        "aegis_route_source_errors_total %llu\n",
        (unsigned long long)(f->sol != NULL ? st.rpc_errors : f->file_errors));
    PUT("# HELP aegis_route_source_rpc_errors_total Failed polls of the JSON-RPC endpoint.\n"
        "# TYPE aegis_route_source_rpc_errors_total counter\n"
        "aegis_route_source_rpc_errors_total %llu\n",
        (unsigned long long)st.rpc_errors);
    PUT("# HELP aegis_route_source_ignored_routes Routes refused by the trust policy, last poll.\n"
        "# TYPE aegis_route_source_ignored_routes gauge\n"
        "aegis_route_source_ignored_routes %llu\n"
        "# HELP aegis_route_source_ignored_total Distinct routes ever refused by the trust "
        "policy.\n"
        "# TYPE aegis_route_source_ignored_total counter\n"
        "aegis_route_source_ignored_total %llu\n",
        (unsigned long long)st.ignored_routes, (unsigned long long)st.ignored_total);
    PUT("# HELP aegis_route_source_invalid_routes Registry routes that break a rule, last poll.\n"
        "# TYPE aegis_route_source_invalid_routes gauge\n"
        "aegis_route_source_invalid_routes %llu\n",
        (unsigned long long)(st.invalid_routes + st.skipped_accounts));
#undef PUT
    return out;
}
