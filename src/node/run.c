/*
 * The node's main thread: it starts the demo origin (when configured), the workers and the admin
 * listener, then runs a libuv loop that waits for signals. SIGTERM and SIGINT drain the workers
 * and end the process with status 0; SIGHUP re-reads the config file and hands the new generation
 * to every worker, or reports why the new file is refused and keeps the running config; it also
 * reloads the WebAssembly module files (a new version that fails keeps the old one serving). What
 * can only change with a restart (listeners, worker count, admin address, cache size) is
 * reported, not applied. The module manager and cache live here, shared by every generation.
 */
#include "node/internal.h"
#include "node/module_cid.h"
#include "node/routes.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    uv_loop_t loop;
    uv_signal_t sig_term, sig_int, sig_hup;
    uv_process_t demo;
    bool demo_running;
    bool stopping;
    const char *config_path;
    node_gen *current;
    node_metrics *metrics;
    node_worker **workers;
    size_t worker_count;
    node_admin_server *admin;
    node_edge *edge;
    node_follow *follow;          /* the route source, NULL without one */
    bool reloading, reload_again; /* a config reload waits for its modules (CIDs: fetches) */
} node_main;

static void addr_text(const node_addr *a, char *buf, size_t cap)
{
    snprintf(buf, cap, strchr(a->host, ':') ? "[%s]:%u" : "%s:%u", a->host, a->port);
}

/* ---- the demo origin ----------------------------------------------------------------------- */

static void on_demo_exit(uv_process_t *p, int64_t status, int sig)
{
    node_main *m = p->data;
    if (!m->stopping)
        node_say("aegis-node: demo origin exited (status %lld, signal %d)", (long long)status, sig);
    m->demo_running = false;
    uv_close((uv_handle_t *)p, NULL);
}

static bool start_demo_origin(node_main *m, const node_config *cfg, char *err)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(err, NODE_ERR_BYTES, "demo_origin: cannot find our own executable");
        return false;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL || (size_t)(slash - exe) + sizeof "/aegis-demo-origin" > sizeof exe) {
        snprintf(err, NODE_ERR_BYTES, "demo_origin: odd executable path %.400s", exe);
        return false;
    }
    strcpy(slash, "/aegis-demo-origin");
    char listen[96];
    addr_text(&cfg->demo_origin_listen, listen, sizeof listen);
    char *args[] = {exe, "--listen", listen, NULL};
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE},
                                     {.flags = UV_INHERIT_FD, .data.fd = 1},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t opt = {
        .exit_cb = on_demo_exit, .file = exe, .args = args, .stdio_count = 3, .stdio = stdio};
    m->demo.data = m;
    int rc = uv_spawn(&m->loop, &m->demo, &opt);
    if (rc != 0) {
        snprintf(err, NODE_ERR_BYTES, "demo_origin: cannot start %.400s: %s", exe, uv_strerror(rc));
        uv_close((uv_handle_t *)&m->demo, NULL);
        return false;
    }
    m->demo_running = true;
    node_say("aegis-node: demo origin started on %s (pid %d)", listen, m->demo.pid);
    return true;
}

/* ---- reload and stop ----------------------------------------------------------------------- */

static bool same_addr(const node_addr *a, const node_addr *b)
{
    return a->port == b->port && strcmp(a->host, b->host) == 0;
}

static void warn_restart_only(const node_config *old, const node_config *new)
{
    bool listeners = old->listener_count != new->listener_count;
    for (size_t i = 0; !listeners && i < old->listener_count; i++)
        listeners = !same_addr(&old->listeners[i], &new->listeners[i]);
    if (listeners)
        node_say("aegis-node: reload: 'listen' changed; it takes effect on restart");
    if (old->workers != new->workers)
        node_say("aegis-node: reload: 'workers' changed; it takes effect on restart");
    if (old->admin.enabled != new->admin.enabled ||
        !same_addr(&old->admin.listen, &new->admin.listen))
        node_say("aegis-node: reload: 'admin' changed; it takes effect on restart");
    if (old->demo_origin != new->demo_origin ||
        !same_addr(&old->demo_origin_listen, &new->demo_origin_listen))
        node_say("aegis-node: reload: 'demo_origin' changed; it takes effect on restart");
    if (old->cache_max_bytes != new->cache_max_bytes)
        node_say("aegis-node: reload: 'cache' changed; it takes effect on restart");
    if (old->ipfs.gateway_listen_enabled != new->ipfs.gateway_listen_enabled ||
        !same_addr(&old->ipfs.gateway_listen, &new->ipfs.gateway_listen))
        node_say("aegis-node: reload: 'ipfs.gateway_listen' changed; it takes effect on restart");
    const node_route_source *a = &old->route_source, *b = &new->route_source;
    if (a->type != b->type || strcmp(a->path, b->path) != 0 ||
        strcmp(a->rpc_url, b->rpc_url) != 0 || strcmp(a->program_id, b->program_id) != 0 ||
        a->poll_interval_ms != b->poll_interval_ms || strcmp(a->state_file, b->state_file) != 0 ||
        a->trust_count != b->trust_count ||
        memcmp(a->trust, b->trust, a->trust_count * sizeof a->trust[0]) != 0 ||
        a->serve_unlisted_domains != b->serve_unlisted_domains)
        node_say("aegis-node: reload: 'route_source' changed; it takes effect on restart (its "
                 "'upstream' applies now)");
}

/* The source routes the follower serves now go with every new generation. */
static void attach_routes(node_main *m, node_gen *gen)
{
    if (m->follow == NULL || gen->rt != NULL)
        return;
    gen->rt = node_follow_table(m->follow);
    node_rtable_ref(gen->rt);
}

/* The follower published a new table of source routes: the running config in a new generation
 * with that table, handed to every worker (requests in flight finish on the old one). */
static void on_routes(void *ctx, node_rtable *table)
{
    node_main *m = ctx;
    if (m->stopping || m->current == NULL)
        return;
    char err[NODE_ERR_BYTES];
    node_config *cfg = malloc(sizeof *cfg);
    node_access_logger *log = NULL;
    node_gen *gen = NULL;
    if (cfg != NULL) {
        memcpy(cfg, m->current->cfg, sizeof *cfg);
        if (!cfg->access_log.enabled || (log = node_access_logger_new(&cfg->access_log, err)))
            gen = node_gen_new(cfg, log, m->metrics, err);
    } else {
        snprintf(err, sizeof err, "out of memory");
    }
    if (gen == NULL) {
        node_access_logger_free(log);
        free(cfg);
        node_say("aegis-node: event=routes_not_applied reason=\"%s\"", err);
        return;
    }
    gen->mods = m->current->mods;
    gen->cache = m->current->cache;
    gen->rt = table;
    node_rtable_ref(table);
    for (size_t i = 0; i < m->worker_count; i++)
        node_worker_reload(m->workers[i], gen);
    node_gen_unref(m->current);
    m->current = gen;
    node_say("aegis-node: event=routes_applied routes=%zu", node_rtable_count(table));
}

/* A new generation on cfg (taken over) whose modules were loaded with result `kept` (as
 * node_edge_load returns); NULL with err. */
static node_gen *gen_loaded(node_main *m, node_config *cfg, node_access_logger *log, int kept,
                            char *err)
{
    if (kept < 0)
        return NULL;
    if (kept > 0)
        node_say("aegis-node: %d module(s) failed to reload and keep their running version", kept);
    node_gen *gen = node_gen_new(cfg, log, m->metrics, err);
    if (gen != NULL) {
        gen->mods = node_edge_modules(m->edge);
        gen->cache = node_edge_cache(m->edge);
        attach_routes(m, gen);
    }
    return gen;
}

/* A new generation on cfg (taken over) whose modules are loaded; NULL with err. At start only:
 * it runs the loop until the modules named by CIDs are fetched. */
static node_gen *gen_for(node_main *m, node_config *cfg, node_access_logger *log, char *err)
{
    return gen_loaded(m, cfg, log, node_edge_load(m->edge, cfg, err), err);
}

typedef struct {
    node_main *m;
    node_config *cfg;
    node_access_logger *log;
} pending_reload;

static void reload(node_main *m);

/* The modules of a reloaded config are loaded (or one failed): apply it, or keep the old. */
static void reload_loaded(void *ctx, int kept, const char *why)
{
    pending_reload *p = ctx;
    node_main *m = p->m;
    node_config *cfg = p->cfg;
    node_access_logger *log = p->log;
    char err[NODE_ERR_BYTES];
    snprintf(err, sizeof err, "%s", why);
    free(p);
    m->reloading = false;
    node_gen *gen = m->stopping ? NULL : gen_loaded(m, cfg, log, kept, err);
    if (gen == NULL) {
        node_access_logger_free(log);
        node_config_free(cfg);
        if (!m->stopping) {
            atomic_fetch_add(&m->metrics->reloads_failed, 1);
            node_say("aegis-node: reload failed, keeping the running config: %s", err);
        }
    } else {
        warn_restart_only(m->current->cfg, cfg);
        for (size_t i = 0; i < m->worker_count; i++)
            node_worker_reload(m->workers[i], gen);
        node_gen_unref(m->current);
        m->current = gen;
        atomic_fetch_add(&m->metrics->reloads_ok, 1);
        node_say("aegis-node: reloaded %s (%zu routes, %zu upstreams)", m->config_path,
                 cfg->route_count, cfg->upstream_count);
    }
    if (m->reload_again && !m->stopping) {
        m->reload_again = false;
        reload(m);
    }
}

static void reload(node_main *m)
{
    char err[NODE_ERR_BYTES];
    node_follow_reload(m->follow); /* the routes file is read again */
    if (m->config_path == NULL) {
        int kept = node_edge_load(m->edge, m->current->cfg, err);
        node_say("aegis-node: reload: running on the embedded default config; modules reloaded (%d "
                 "kept their running version)",
                 kept < 0 ? 0 : kept);
        return;
    }
    if (m->reloading) { /* one at a time: this one reads the file again when that one ends */
        m->reload_again = true;
        return;
    }
    node_config *cfg = node_config_load(m->config_path, err);
    node_access_logger *log = NULL;
    pending_reload *p = NULL;
    bool started = false;
    if (cfg != NULL && cfg->access_log.enabled)
        log = node_access_logger_new(&cfg->access_log, err);
    if (cfg != NULL && (log != NULL || !cfg->access_log.enabled)) {
        p = malloc(sizeof *p);
        if (p == NULL)
            snprintf(err, sizeof err, "out of memory");
    }
    if (p != NULL) {
        *p = (pending_reload){.m = m, .cfg = cfg, .log = log};
        m->reloading = true;
        /* The modules are loaded off the loop; reload_loaded applies the config. */
        started = node_edge_load_async(m->edge, cfg, reload_loaded, p, err) == 0;
        if (!started) {
            m->reloading = false;
            free(p);
        }
    }
    if (!started) {
        node_access_logger_free(log);
        node_config_free(cfg);
        atomic_fetch_add(&m->metrics->reloads_failed, 1);
        node_say("aegis-node: reload failed, keeping the running config: %s", err);
    }
}

static void stop(node_main *m, const char *why)
{
    if (m->stopping)
        return;
    m->stopping = true;
    uint32_t drain_ms = m->current->cfg->timeouts.shutdown_drain_ms;
    node_say("aegis-node: %s: draining connections (at most %u ms)", why, drain_ms);
    for (size_t i = 0; i < m->worker_count; i++)
        node_worker_stop(m->workers[i], drain_ms);
    node_admin_shutdown(m->admin);
    m->admin = NULL;
    node_edge_unwatch(m->edge);
    node_follow_close(m->follow);
    uv_close((uv_handle_t *)&m->sig_term, NULL);
    uv_close((uv_handle_t *)&m->sig_int, NULL);
    uv_close((uv_handle_t *)&m->sig_hup, NULL);
    if (m->demo_running)
        uv_process_kill(&m->demo, SIGTERM);
}

static void on_signal(uv_signal_t *s, int signum)
{
    node_main *m = s->data;
    if (signum == SIGHUP)
        reload(m);
    else
        stop(m, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* ---- start --------------------------------------------------------------------------------- */

static void start_signal(node_main *m, uv_signal_t *s, int signum)
{
    uv_signal_init(&m->loop, s);
    s->data = m;
    uv_signal_start(s, on_signal, signum);
}

int node_run(node_config *cfg, const char *config_path)
{
    char err[NODE_ERR_BYTES];
    /* A client that disconnects while we write must cost an EPIPE, not the process. */
    signal(SIGPIPE, SIG_IGN);
    node_main m = {.config_path = config_path};
    int rc = uv_loop_init(&m.loop);
    if (rc != 0) {
        node_say("aegis-node: loop: %s", uv_strerror(rc));
        node_config_free(cfg);
        return 1;
    }
    int status = 1;
    node_access_logger *log = NULL;
    m.metrics = node_metrics_new(cfg->workers);
    if (m.metrics == NULL) {
        node_say("aegis-node: out of memory");
        node_config_free(cfg);
        goto out;
    }
    if (cfg->access_log.enabled && (log = node_access_logger_new(&cfg->access_log, err)) == NULL) {
        node_say("aegis-node: %s: %s", cfg->source, err);
        node_config_free(cfg);
        goto out;
    }
    m.edge = node_edge_new(cfg, &m.loop, err);
    if (m.edge == NULL) {
        node_say("aegis-node: %s", err);
        node_access_logger_free(log);
        node_config_free(cfg);
        goto out;
    }
    if (cfg->route_source.type != NODE_SOURCE_NONE &&
        (m.follow = node_follow_new(cfg, &m.loop, m.edge, on_routes, &m, err)) == NULL) {
        node_say("aegis-node: %s: %s", cfg->source, err);
        node_access_logger_free(log);
        node_config_free(cfg);
        goto out;
    }
    m.current = gen_for(&m, cfg, log, err);
    if (m.current == NULL) {
        node_say("aegis-node: %s", err);
        node_access_logger_free(log);
        node_config_free(cfg);
        goto out;
    }
    if (cfg->demo_origin && !start_demo_origin(&m, cfg, err)) {
        node_say("aegis-node: %s", err);
        goto out;
    }
    m.workers = calloc(cfg->workers, sizeof *m.workers);
    for (size_t i = 0; m.workers != NULL && i < cfg->workers; i++) {
        m.workers[i] = node_worker_new(i, m.current, &m.metrics->workers[i], err);
        if (m.workers[i] == NULL) {
            node_say("aegis-node: %s: %s", cfg->source, err);
            goto out;
        }
        m.worker_count++;
    }
    if (m.workers == NULL) {
        node_say("aegis-node: out of memory");
        goto out;
    }
    if (cfg->admin.enabled) {
        m.admin = node_admin_new(&m.loop, &cfg->admin.listen, m.metrics, &m.current, m.edge, err);
        if (m.admin != NULL)
            node_admin_set_follow(m.admin, m.follow);
        if (m.admin == NULL) {
            node_say("aegis-node: %s: %s", cfg->source, err);
            goto out;
        }
    }
    start_signal(&m, &m.sig_term, SIGTERM);
    start_signal(&m, &m.sig_int, SIGINT);
    start_signal(&m, &m.sig_hup, SIGHUP);

    char addr[96];
    addr_text(&cfg->listeners[0], addr, sizeof addr);
    char admin[96] = "off";
    if (cfg->admin.enabled)
        addr_text(&cfg->admin.listen, admin, sizeof admin);
    node_say(
        "aegis-node: listening on http://%s/ (%zu listeners, %zu workers), admin %s, config %s",
        addr, cfg->listener_count, m.worker_count, admin, cfg->source);
    uv_run(&m.loop, UV_RUN_DEFAULT);
    status = 0;

out:
    if (!m.stopping) {
        /* Start-up failed: stop whatever did start, without draining. */
        m.stopping = true;
        for (size_t i = 0; i < m.worker_count; i++)
            node_worker_stop(m.workers[i], 0);
        node_admin_shutdown(m.admin);
        if (m.edge != NULL)
            node_edge_unwatch(m.edge);
        node_follow_close(m.follow);
        if (m.demo_running)
            uv_process_kill(&m.demo, SIGTERM);
        uv_run(&m.loop, UV_RUN_DEFAULT);
    }
    for (size_t i = 0; i < m.worker_count; i++)
        node_worker_free(m.workers[i]);
    free(m.workers);
    node_gen_unref(m.current);
    node_follow_free(m.follow);
    node_edge_free(m.edge); /* after every worker's edge routes are gone */
    if (uv_loop_close(&m.loop) != 0) {
        uv_walk(&m.loop, (uv_walk_cb)uv_close, NULL);
        uv_run(&m.loop, UV_RUN_DEFAULT);
        uv_loop_close(&m.loop);
    }
    node_metrics_free(m.metrics);
    if (status == 0)
        node_say("aegis-node: stopped");
    return status;
}
