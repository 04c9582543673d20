/*
 * Worker threads. Each worker owns a libuv loop, one http_server per configured listener (all
 * workers bind the same ports with SO_REUSEPORT, so the kernel spreads connections), and, per
 * config generation, one http_upstream per upstream server with its keep-alive pool and one
 * edge_route per route that runs WebAssembly modules (its own instances of the node-wide compiled
 * modules). The request pipeline is a single routing stage that hands a route's requests to its
 * edge stages (WAF, then functions) once it has chosen the upstream; on completion the worker
 * records metrics and writes the access log line. Other threads talk to a worker only through its
 * mailbox (a mutex-protected pair of fields) and a uv_async wake-up: a new generation to switch to,
 * or a request to drain.
 */
#include "node/internal.h"
#include "node/routes.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    STATS_INTERVAL_MS = 250, /* how often the connection gauge is published to the metrics */
    /* A server that refused or timed out a connection is skipped by this worker for this long,
     * while the upstream has other servers that are not (passive health checking). */
    SERVER_DOWN_MS = 10000,
    PATH_STACK_BYTES = 2048, /* longer request paths are normalized in per-request memory */
};

/* The routing state of one worker for one generation: the http_pipeline's ud. */
typedef struct {
    node_worker *worker;
    node_gen *gen;
    http_upstream **ups; /* flattened: upstream u, server s at up_base[u] + s */
    size_t up_base[NODE_MAX_UPSTREAMS];
    size_t up_total;
    uint64_t *down_until_ms;           /* per server, as ups: skip it until then (loop time) */
    uint32_t rr[NODE_MAX_UPSTREAMS];   /* round-robin position per upstream */
    edge_route *edge[NODE_MAX_ROUTES]; /* NULL: the route runs no module */
    /* With source routes: each static route's WAF and functions apart, since a source route
     * takes the place of one kind on the static route that matches the same request. */
    edge_route *edge_waf[NODE_MAX_ROUTES], *edge_fn[NODE_MAX_ROUTES];
    edge_route **src_edge; /* one per route of gen->rt */
    size_t src_count;
    size_t users; /* servers holding this pipeline; released by each */
} wpipe;

/* What the routing stage decided for a request (per-request memory), for on_complete. */
typedef struct {
    const node_route *route; /* the static route, NULL when only a source route matched */
    const char *label;       /* the route's name in the access log */
    int slot;                /* metrics slot */
    bool has_server;
    size_t server;            /* index into ups */
    edge_route *edge, *edge2; /* edge stages run in this order, or NULL */
} req_info;

struct node_worker {
    size_t index;
    uv_loop_t loop;
    uv_thread_t thread;
    bool thread_started;
    uv_async_t wake;
    uv_timer_t timer;
    worker_metrics *metrics;
    http_server *servers[NODE_MAX_LISTENERS];
    size_t server_count;
    size_t servers_draining;
    bool stopping;
    uint64_t accepted_published;

    pthread_mutex_t lock; /* guards the mailbox below */
    node_gen *mail_gen;
    bool mail_stop;
    uint32_t mail_drain_ms;
};

/* ---- the pipeline ------------------------------------------------------------------------- */

static http_verdict answer(http_request *req, int status, const char *body)
{
    http_request_respond(req, status, "text/plain; charset=utf-8", body, strlen(body));
    return HTTP_RESPONDED;
}

/* Round robin over the servers of upstream u, passing over those that failed recently; when
 * all did, the turn's server is tried anyway (it may be back). */
static size_t pick_server(wpipe *p, size_t u)
{
    size_t servers = p->gen->cfg->upstreams[u].server_count;
    uint64_t now = uv_now(&p->worker->loop);
    size_t first = p->rr[u]++ % servers, pick = first;
    for (size_t k = 0; k < servers; k++) {
        size_t cand = (first + k) % servers;
        if (p->down_until_ms[p->up_base[u] + cand] <= now) {
            pick = cand;
            break;
        }
    }
    return p->up_base[u] + pick;
}

/* Runs the request's edge stages in order; HTTP_RESPONDED as soon as one answers. */
static http_verdict run_edges(const req_info *info, http_request *req, const uint8_t *body,
                              size_t len, bool with_body)
{
    edge_route *stages[2] = {info->edge, info->edge2};
    for (int i = 0; i < 2; i++) {
        if (stages[i] == NULL)
            continue;
        http_verdict v = with_body ? edge_route_on_request_body(stages[i], req, body, len)
                                   : edge_route_on_request_headers(stages[i], req);
        if (v == HTTP_RESPONDED)
            return v;
    }
    return HTTP_CONTINUE;
}

/* A request that passed its edge stages (or waits for its body, which they see first) goes to
 * its upstream. A source route that no static route backs, without route_source.upstream, has
 * none: the request is answered 502 (one with a body before its modules run, since the HTTP layer
 * needs the upstream before it reads the body). */
static http_verdict forward(wpipe *p, const req_info *info, http_request *req)
{
    if (!info->has_server)
        return answer(req, 502, "no origin is configured for this route\n");
    http_request_set_upstream(req, p->ups[info->server]);
    return HTTP_CONTINUE;
}

static http_verdict route_stage(http_request *req, void *ud)
{
    wpipe *p = ud;
    const node_config *cfg = p->gen->cfg;
    const char *target = http_request_target(req);
    const char *host = http_request_host(req);
    /* Absolute form ("http://host/path"): match on the path; the Host header still decides
     * the host (RFC 9112 3.2.2 has the two agree once the server has parsed the request). */
    if (strncasecmp(target, "http://", 7) == 0 || strncasecmp(target, "https://", 8) == 0) {
        const char *slash = strchr(strstr(target, "//") + 2, '/');
        target = slash != NULL ? slash : "/";
    }
    size_t path_len = strcspn(target, "?#");
    /* Match on the path as the origin will read it, so that "/x/../api/" or "/%61pi/" cannot
     * slip past a more specific route. Normalizing never makes a path longer. */
    char small[PATH_STACK_BYTES];
    char *norm = path_len <= sizeof small ? small : http_request_alloc(req, path_len);
    long norm_len = norm != NULL ? node_path_normalize(target, path_len, norm, path_len) : -1;
    if (norm_len < 0)
        return answer(req, 400, "malformed request path\n");
    /* Source routes first; the static route of the same request backs them (docs/ROUTES.md). */
    const node_rtable *rt = p->gen->rt;
    int s =
        p->src_count > 0 ? node_rtable_match(rt, host, strlen(host), norm, (size_t)norm_len) : -1;
    int r = node_route_match(cfg, host, strlen(host), norm, (size_t)norm_len);
    if (r < 0 && s < 0)
        return answer(req, 404, "no route for this host and path\n");
    req_info *info = http_request_alloc(req, sizeof *info);
    if (info == NULL)
        return answer(req, 503, "request memory exhausted\n");
    memset(info, 0, sizeof *info);
    http_request_set_user(req, info);
    if (r >= 0) {
        info->route = &cfg->routes[r];
        info->has_server = true;
        info->server = pick_server(p, info->route->upstream_index);
    } else if (cfg->route_source.upstream[0] != '\0') {
        info->has_server = true;
        info->server = pick_server(p, cfg->route_source.upstream_index);
    }
    if (s >= 0) {
        bool waf = rt->snap->routes[s].module_type == ROUTE_MODULE_WAF;
        info->label = rt->routes[s].label;
        info->slot = p->gen->source_slot;
        info->edge = waf ? p->src_edge[s] : r >= 0 ? p->edge_waf[r] : NULL;
        info->edge2 = waf ? (r >= 0 ? p->edge_fn[r] : NULL) : p->src_edge[s];
    } else {
        info->label = info->route->name;
        info->slot = p->gen->route_slot[r];
        info->edge = p->edge[r];
    }
    /* The edge stages first: a request they answer (a WAF block) names no upstream in the log.
     * With a body they wait for it (route_body). */
    if (run_edges(info, req, NULL, 0, false) == HTTP_RESPONDED)
        return HTTP_RESPONDED;
    return forward(p, info, req);
}

/* Runs only when the route's edge stages asked for the body (modules see all of it). */
static http_verdict route_body(http_request *req, const uint8_t *body, size_t len, void *ud)
{
    (void)ud;
    const req_info *info = http_request_user(req);
    if (info == NULL || (info->edge == NULL && info->edge2 == NULL))
        return HTTP_CONTINUE;
    return run_edges(info, req, body, len, true);
}

static void on_complete(http_request *req, const http_request_log *log, void *ud)
{
    wpipe *p = ud;
    const req_info *info = http_request_user(req);
    int slot = info != NULL ? info->slot : 0;
    bool upstream_error = log->error != NULL && strncmp(log->error, "upstream", 8) == 0;
    if (info != NULL && info->has_server && log->error != NULL &&
        strncmp(log->error, "upstream_connect", 16) == 0)
        p->down_until_ms[info->server] = uv_now(&p->worker->loop) + SERVER_DOWN_MS;
    node_metrics_record(p->worker->metrics, slot, log->status, log->duration_us, upstream_error,
                        log->bytes_in, log->bytes_out);
    if (p->gen->log != NULL)
        node_access_logger_write(p->gen->log, log, info != NULL ? info->label : "");
}

static void wpipe_free(wpipe *p)
{
    for (size_t r = 0; r < NODE_MAX_ROUTES; r++) {
        edge_route_free(p->edge[r]);
        edge_route_free(p->edge_waf[r]);
        edge_route_free(p->edge_fn[r]);
    }
    for (size_t i = 0; p->src_edge != NULL && i < p->src_count; i++)
        edge_route_free(p->src_edge[i]);
    free(p->src_edge);
    for (size_t i = 0; i < p->up_total; i++)
        if (p->ups[i] != NULL)
            http_upstream_free(p->ups[i]);
    free(p->ups);
    free(p->down_until_ms);
    node_gen_unref(p->gen);
    free(p);
}

static void on_release(void *ud)
{
    wpipe *p = ud;
    if (--p->users == 0)
        wpipe_free(p);
}

/* The edge stages of the source routes, and of the static routes' WAFs and functions apart
 * (only needed when there are source routes). */
static bool source_edges(wpipe *p, char *err)
{
    const node_gen *gen = p->gen;
    size_t n = node_rtable_count(gen->rt);
    if (n == 0)
        return true;
    const node_config *cfg = gen->cfg;
    char why[320];
    for (size_t r = 0; r < cfg->route_count; r++) {
        const node_route *route = &cfg->routes[r];
        edge_route_config ec;
        const char *ids[NODE_MAX_ROUTE_FUNCTIONS], *owners[NODE_MAX_ROUTE_FUNCTIONS];
        edge_limits limits[NODE_MAX_ROUTE_FUNCTIONS];
        node_edge_route_config(cfg, route, &ec, ids, owners, limits);
        edge_route_config waf = ec, fns = ec;
        waf.function_count = 0;
        fns.waf_module = NULL;
        if ((route->has_waf &&
             !(p->edge_waf[r] = edge_route_new(gen->mods, gen->cache, &waf, why, sizeof why))) ||
            (route->function_count > 0 &&
             !(p->edge_fn[r] = edge_route_new(gen->mods, gen->cache, &fns, why, sizeof why)))) {
            snprintf(err, NODE_ERR_BYTES, "routes[%zu]: %s", r, why);
            return false;
        }
    }
    p->src_edge = calloc(n, sizeof *p->src_edge);
    if (p->src_edge == NULL) {
        snprintf(err, NODE_ERR_BYTES, "worker %zu: out of memory", p->worker->index);
        return false;
    }
    p->src_count = n;
    for (size_t i = 0; i < n; i++) {
        const node_sroute *sr = &gen->rt->routes[i];
        const char *ids[1] = {sr->module_id};
        edge_route_config ec = {.owner = sr->owner};
        if (gen->rt->snap->routes[i].module_type == ROUTE_MODULE_WAF) {
            ec.waf_module = sr->module_id;
        } else {
            ec.functions = ids;
            ec.function_count = 1;
        }
        p->src_edge[i] = edge_route_new(gen->mods, gen->cache, &ec, why, sizeof why);
        if (p->src_edge[i] == NULL) {
            snprintf(err, NODE_ERR_BYTES, "route_source: %.160s: %.300s", sr->label, why);
            return false;
        }
    }
    return true;
}

/* Builds the worker's upstreams for a generation (on the worker's loop). Takes a reference to
 * gen on success. */
static wpipe *wpipe_new(node_worker *w, node_gen *gen, char *err)
{
    const node_config *cfg = gen->cfg;
    wpipe *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(err, NODE_ERR_BYTES, "worker %zu: out of memory", w->index);
        return NULL;
    }
    p->worker = w;
    for (size_t u = 0; u < cfg->upstream_count; u++) {
        p->up_base[u] = p->up_total;
        p->up_total += cfg->upstreams[u].server_count;
    }
    p->ups = calloc(p->up_total ? p->up_total : 1, sizeof *p->ups);
    p->down_until_ms = calloc(p->up_total ? p->up_total : 1, sizeof *p->down_until_ms);
    if (p->ups == NULL || p->down_until_ms == NULL) {
        free(p->ups);
        free(p->down_until_ms);
        free(p);
        snprintf(err, NODE_ERR_BYTES, "worker %zu: out of memory", w->index);
        return NULL;
    }
    node_gen_ref(gen);
    p->gen = gen;
    for (size_t u = 0; u < cfg->upstream_count; u++) {
        const node_upstream *up = &cfg->upstreams[u];
        for (size_t s = 0; s < up->server_count; s++) {
            http_upstream_config uc = {.host = up->servers[s].host,
                                       .port = up->servers[s].port,
                                       .max_idle = up->pool_size,
                                       .no_pool = up->pool_size == 0,
                                       .preserve_host = true};
            char why[256];
            http_upstream *hu = http_upstream_new(&w->loop, &uc, why, sizeof why);
            if (hu == NULL) {
                snprintf(err, NODE_ERR_BYTES, "upstreams.%s.servers[%zu]: %s", up->name, s, why);
                wpipe_free(p);
                return NULL;
            }
            p->ups[p->up_base[u] + s] = hu;
        }
    }
    for (size_t r = 0; r < cfg->route_count; r++) {
        const node_route *route = &cfg->routes[r];
        if (!route->has_waf && route->function_count == 0)
            continue;
        edge_route_config ec;
        const char *ids[NODE_MAX_ROUTE_FUNCTIONS], *owners[NODE_MAX_ROUTE_FUNCTIONS];
        edge_limits limits[NODE_MAX_ROUTE_FUNCTIONS];
        node_edge_route_config(cfg, route, &ec, ids, owners, limits);
        char why[320];
        p->edge[r] = edge_route_new(gen->mods, gen->cache, &ec, why, sizeof why);
        if (p->edge[r] == NULL) {
            snprintf(err, NODE_ERR_BYTES, "routes[%zu]: %s", r, why);
            wpipe_free(p);
            return NULL;
        }
    }
    if (!source_edges(p, err)) {
        wpipe_free(p);
        return NULL;
    }
    return p;
}

static void limits_from_config(const node_config *cfg, http_limits *l)
{
    http_limits_default(l);
    l->max_header_bytes = cfg->limits.max_header_bytes;
    l->max_uri_bytes = cfg->limits.max_uri_bytes;
    l->max_headers = cfg->limits.max_headers;
    l->max_body_bytes = cfg->limits.max_body_bytes;
    l->header_timeout_ms = cfg->timeouts.header_read_ms;
    l->body_timeout_ms = cfg->timeouts.body_read_ms;
    l->idle_timeout_ms = cfg->timeouts.idle_ms;
    l->upstream_connect_timeout_ms = cfg->timeouts.upstream_connect_ms;
    l->upstream_read_timeout_ms = cfg->timeouts.upstream_read_ms;
}

static http_pipeline pipeline_of(wpipe *p, const http_stage *stage)
{
    return (http_pipeline){.stages = stage,
                           .stage_count = 1,
                           .on_complete = on_complete,
                           .ud = p,
                           .release = on_release};
}

static const http_stage route_stage_def = {
    .name = "route", .on_request_headers = route_stage, .on_request_body = route_body};

static http_stage stage_for(wpipe *p)
{
    http_stage st = route_stage_def;
    st.ud = p;
    return st;
}

/* ---- the thread ------------------------------------------------------------------------------ */

static void publish_stats(node_worker *w)
{
    uint64_t open = 0, accepted = 0;
    for (size_t i = 0; i < w->server_count; i++) {
        if (w->servers[i] == NULL)
            continue;
        http_server_stats st;
        http_server_get_stats(w->servers[i], &st);
        open += st.connections;
        accepted += st.accepted;
    }
    atomic_store_explicit(&w->metrics->connections_open, open, memory_order_relaxed);
    if (accepted > w->accepted_published) {
        atomic_store_explicit(
            &w->metrics->connections_accepted,
            atomic_load_explicit(&w->metrics->connections_accepted, memory_order_relaxed) +
                accepted - w->accepted_published,
            memory_order_relaxed);
        w->accepted_published = accepted;
    }
}

static void on_timer(uv_timer_t *t)
{
    publish_stats(t->data);
}

static void on_handle_closed(uv_handle_t *h)
{
    (void)h;
}

/* Runs from a zero timeout after the last server finished draining, outside http's callbacks. */
static void on_drained(uv_timer_t *t)
{
    node_worker *w = t->data;
    publish_stats(w);
    atomic_store_explicit(&w->metrics->connections_open, 0, memory_order_relaxed);
    for (size_t i = 0; i < w->server_count; i++) {
        http_server_free(w->servers[i]); /* releases the pipeline: upstreams, generation */
        w->servers[i] = NULL;
    }
    uv_close((uv_handle_t *)&w->wake, on_handle_closed);
    uv_close((uv_handle_t *)&w->timer, on_handle_closed);
}

static void on_server_drained(void *arg)
{
    node_worker *w = arg;
    if (--w->servers_draining == 0) {
        uv_timer_stop(&w->timer);
        uv_timer_start(&w->timer, on_drained, 0, 0);
    }
}

static void switch_generation(node_worker *w, node_gen *gen)
{
    char err[NODE_ERR_BYTES];
    wpipe *p = wpipe_new(w, gen, err);
    if (p == NULL) {
        fprintf(stderr, "aegis-node: worker %zu: reload not applied: %s\n", w->index, err);
        return;
    }
    http_limits limits;
    limits_from_config(gen->cfg, &limits);
    http_stage st = stage_for(p);
    http_pipeline pl = pipeline_of(p, &st);
    /* One use per server holding p, plus ours until the loop is done. */
    p->users = 1;
    for (size_t i = 0; i < w->server_count; i++) {
        http_server_set_limits(w->servers[i], &limits);
        p->users++;
        if (http_server_set_pipeline(w->servers[i], &pl) != 0) {
            p->users--; /* this server keeps the old pipeline */
            fprintf(stderr, "aegis-node: worker %zu: reload: out of memory\n", w->index);
        }
    }
    on_release(p);
}

static void on_wake(uv_async_t *a)
{
    node_worker *w = a->data;
    pthread_mutex_lock(&w->lock);
    node_gen *gen = w->mail_gen;
    bool stop = w->mail_stop;
    uint32_t drain_ms = w->mail_drain_ms;
    w->mail_gen = NULL;
    w->mail_stop = false;
    pthread_mutex_unlock(&w->lock);
    if (gen != NULL) {
        if (!w->stopping)
            switch_generation(w, gen);
        node_gen_unref(gen);
    }
    if (stop && !w->stopping) {
        w->stopping = true;
        w->servers_draining = w->server_count;
        for (size_t i = 0; i < w->server_count; i++)
            http_server_shutdown(w->servers[i], drain_ms, on_server_drained, w);
    }
}

static void worker_main(void *arg)
{
    node_worker *w = arg;
    uv_run(&w->loop, UV_RUN_DEFAULT);
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

/* Frees what node_worker_new set up before the thread started. */
static void worker_abort(node_worker *w, size_t servers)
{
    for (size_t i = 0; i < servers; i++)
        http_server_free(w->servers[i]);
    uv_close((uv_handle_t *)&w->wake, on_handle_closed);
    uv_close((uv_handle_t *)&w->timer, on_handle_closed);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    uv_loop_close(&w->loop);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

node_worker *node_worker_new(size_t index, node_gen *gen, worker_metrics *metrics, char *err)
{
    node_worker *w = calloc(1, sizeof *w);
    if (w == NULL) {
        snprintf(err, NODE_ERR_BYTES, "worker %zu: out of memory", index);
        return NULL;
    }
    w->index = index;
    w->metrics = metrics;
    pthread_mutex_init(&w->lock, NULL);
    int rc = uv_loop_init(&w->loop);
    if (rc != 0) {
        snprintf(err, NODE_ERR_BYTES, "worker %zu: loop: %s", index, uv_strerror(rc));
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    uv_async_init(&w->loop, &w->wake, on_wake);
    w->wake.data = w;
    uv_timer_init(&w->loop, &w->timer);
    w->timer.data = w;

    wpipe *p = wpipe_new(w, gen, err);
    if (p == NULL) {
        worker_abort(w, 0);
        return NULL;
    }
    const node_config *cfg = gen->cfg;
    http_stage st = stage_for(p);
    http_pipeline pl = pipeline_of(p, &st);
    /* One use per server holding p, plus ours until the loop is done. A server that fails to
     * start takes no ownership of the pipeline (http.h). */
    p->users = 1;
    for (size_t i = 0; i < cfg->listener_count; i++) {
        http_server_config sc = {
            .host = cfg->listeners[i].host, .port = cfg->listeners[i].port, .reuse_port = true};
        limits_from_config(cfg, &sc.limits);
        char why[256];
        w->servers[i] = http_server_new(&w->loop, &sc, &pl, why, sizeof why);
        if (w->servers[i] == NULL) {
            snprintf(err, NODE_ERR_BYTES, "listen[%zu]: %s", i, why);
            on_release(p);
            worker_abort(w, i);
            return NULL;
        }
        p->users++;
        w->server_count++;
    }
    on_release(p);
    uv_timer_start(&w->timer, on_timer, STATS_INTERVAL_MS, STATS_INTERVAL_MS);
    rc = uv_thread_create(&w->thread, worker_main, w);
    if (rc != 0) {
        snprintf(err, NODE_ERR_BYTES, "worker %zu: thread: %s", index, uv_strerror(rc));
        worker_abort(w, w->server_count);
        return NULL;
    }
    w->thread_started = true;
    return w;
}

static void post(node_worker *w, node_gen *gen, bool stop, uint32_t drain_ms)
{
    pthread_mutex_lock(&w->lock);
    if (gen != NULL) {
        node_gen_ref(gen);
        if (w->mail_gen != NULL)
            node_gen_unref(w->mail_gen); /* superseded before the worker saw it */
        w->mail_gen = gen;
    }
    if (stop) {
        w->mail_stop = true;
        w->mail_drain_ms = drain_ms;
    }
    pthread_mutex_unlock(&w->lock);
    uv_async_send(&w->wake);
}

void node_worker_reload(node_worker *w, node_gen *gen)
{
    post(w, gen, false, 0);
}

void node_worker_stop(node_worker *w, uint32_t drain_ms)
{
    post(w, NULL, true, drain_ms);
}

void node_worker_free(node_worker *w)
{
    if (w == NULL)
        return;
    if (w->thread_started)
        uv_thread_join(&w->thread);
    if (w->mail_gen != NULL)
        node_gen_unref(w->mail_gen);
    uv_run(&w->loop, UV_RUN_DEFAULT); /* nothing should be left; closes stragglers */
    uv_loop_close(&w->loop);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
