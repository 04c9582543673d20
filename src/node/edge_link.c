/*
 * The node's side of the edge pipeline (src/edge/): the node-wide module manager and cache, the
 * loading of a config's module files into the manager (at start, on SIGHUP and on POST
 * /modules/reload), the inotify watch that reloads a changed file, and the per-route edge
 * configuration the workers build their edge_route from. Modules are keyed by the id the config
 * gave them (node_module.id); a new version of a module already serving that fails to load
 * leaves the old one serving, while a module the node has never loaded must load for the config
 * to be accepted (a route without its WAF must not come up unprotected). Modules named by CIDs
 * are loaded through the loader of cid_load.c, off the loop: a config's load ensures them all and
 * loads its files once the last one has reported (node_edge_load_async); at start the loop is
 * run until then.
 */
#include "node/module_cid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    EDGE_ERR_BYTES = 320, /* an edge error message */
    /* Module ids the manager has held since start (it never forgets one, so neither do we). */
    MAX_KNOWN_IDS = 1024,
};

typedef struct {
    char id[NODE_MAX_NAME_BYTES];
    bool waf;
} known_id;

struct node_edge {
    edge_modules *mods;
    edge_cache *cache;
    edge_watch *watch;
    uv_loop_t *loop; /* NULL: no file watch (--check-config) */
    node_cid_loader *cids;
    node_gateway *gateway; /* ipfs.gateway_listen; NULL when off */
    known_id known[MAX_KNOWN_IDS];
    size_t known_count;
};

/* An id keeps its kind for the life of the manager: a config that reuses a WAF's id for a
 * function (or the other way round) is refused before a worker could build a broken route. */
static bool check_kind(const node_edge *e, const node_config *cfg, const node_module *m, char *err)
{
    for (size_t i = 0; i < e->known_count; i++) {
        if (strcmp(e->known[i].id, m->id) != 0)
            continue;
        if (e->known[i].waf == m->waf)
            return true;
        snprintf(err, NODE_ERR_BYTES,
                 "%.200s:%.90s: module id '%s' was a %s until now; a file of that name cannot "
                 "change its kind before a restart (rename it)",
                 cfg->source, m->where, m->id, e->known[i].waf ? "WAF" : "function");
        return false;
    }
    if (e->known_count == MAX_KNOWN_IDS) {
        snprintf(err, NODE_ERR_BYTES, "%.200s:%.90s: more than %d module ids since start; restart",
                 cfg->source, m->where, MAX_KNOWN_IDS);
        return false;
    }
    return true;
}

/* Records the kind of an id once the manager holds it. */
static void remember_kind(node_edge *e, const node_module *m)
{
    for (size_t i = 0; i < e->known_count; i++)
        if (strcmp(e->known[i].id, m->id) == 0)
            return;
    if (e->known_count < MAX_KNOWN_IDS) {
        snprintf(e->known[e->known_count].id, sizeof e->known[0].id, "%s", m->id);
        e->known[e->known_count++].waf = m->waf;
    }
}

/* Edge events go to stderr, one write per line like the node's own messages. */
static void log_line(void *data, const char *line)
{
    (void)data;
    node_say("aegis-node: %s", line);
}

static void log_quiet(void *data, const char *line)
{
    (void)data;
    (void)line;
}

node_edge *node_edge_new(const node_config *cfg, uv_loop_t *loop, char *err)
{
    node_edge *e = calloc(1, sizeof *e);
    if (e == NULL) {
        snprintf(err, NODE_ERR_BYTES, "out of memory");
        return NULL;
    }
    e->loop = loop;
    e->mods = edge_modules_new(loop != NULL ? log_line : log_quiet, NULL);
    e->cache = edge_cache_new((size_t)cfg->cache_max_bytes);
    if (e->mods == NULL || e->cache == NULL) {
        snprintf(err, NODE_ERR_BYTES, "edge: out of memory");
        node_edge_free(e);
        return NULL;
    }
    if ((e->cids = node_cid_loader_new(loop, e->mods, err)) == NULL) {
        node_edge_free(e);
        return NULL;
    }
    node_cid_loader_configure(e->cids, cfg);
    if (loop != NULL && cfg->ipfs.gateway_listen_enabled &&
        (e->gateway = node_gateway_new(&cfg->ipfs.gateway_listen, e->cids, err)) == NULL) {
        node_edge_unwatch(e);
        uv_run(loop, UV_RUN_NOWAIT); /* closes the loader's handle */
        node_edge_free(e);
        return NULL;
    }
    return e;
}

void node_edge_free(node_edge *e)
{
    if (e == NULL)
        return;
    edge_watch_free(e->watch);
    node_gateway_free(e->gateway);
    node_cid_loader_free(e->cids); /* its threads use the manager */
    if (e->mods != NULL)
        edge_modules_free(e->mods);
    if (e->cache != NULL)
        edge_cache_free(e->cache);
    free(e);
}

void node_edge_unwatch(node_edge *e)
{
    edge_watch_free(e->watch);
    e->watch = NULL;
    e->loop = NULL;
    node_gateway_free(e->gateway);
    e->gateway = NULL;
    node_cid_loader_stop(e->cids);
}

edge_modules *node_edge_modules(node_edge *e)
{
    return e->mods;
}

edge_cache *node_edge_cache(node_edge *e)
{
    return e->cache;
}

static edge_module_type type_of(const node_module *m)
{
    return m->waf ? EDGE_MODULE_WAF : EDGE_MODULE_FUNCTION;
}

/* Loads the module files of cfg (CID modules are the loader's); the result as node_edge_load. */
static int load_files(node_edge *e, const node_config *cfg, char *err)
{
    int kept = 0;
    for (size_t i = 0; i < cfg->module_count; i++) {
        const node_module *m = &cfg->modules[i];
        if (m->cid[0] != '\0')
            continue;
        bool known = edge_modules_generation(e->mods, m->id) > 0;
        char why[EDGE_ERR_BYTES];
        if (edge_modules_load_file(e->mods, m->id, type_of(m), m->path, why, sizeof why) == 0) {
            remember_kind(e, m);
            continue;
        }
        if (!known) {
            snprintf(err, NODE_ERR_BYTES, "%.200s:%.90s: %.200s", cfg->source, m->where, why);
            return -1;
        }
        kept++; /* reported by the manager's log: event=module_load_failed keeps=... */
    }
    if (e->loop != NULL) {
        /* A watch covers the modules loaded before it was made: renew it for new files. */
        edge_watch_free(e->watch);
        char why[EDGE_ERR_BYTES];
        e->watch = edge_watch_new(e->mods, e->loop, why, sizeof why);
        if (e->watch == NULL)
            log_line(NULL, why); /* reloads still work through the admin API and SIGHUP */
    }
    return kept;
}

/* A load of a whole config: its CID modules are ensured together, then the files are loaded. */
typedef struct {
    node_edge *e;
    const node_config *cfg;
    size_t outstanding;
    bool failed, started, finished;
    int result;
    char err[NODE_ERR_BYTES];
    node_edge_load_done_fn done;
    void *ctx;
} load_batch;

static void batch_finish(load_batch *b)
{
    if (!b->failed) {
        b->result = load_files(b->e, b->cfg, b->err);
    } else {
        b->result = -1;
    }
    b->finished = true;
    if (b->done != NULL) {
        b->done(b->ctx, b->result, b->result < 0 ? b->err : "");
        free(b);
    }
}

static void batch_one_done(void *ctx, const char *id, bool ok, const char *error)
{
    load_batch *b = ctx;
    for (size_t i = 0; i < b->cfg->module_count; i++) {
        const node_module *m = &b->cfg->modules[i];
        if (strcmp(m->id, id) != 0 || m->cid[0] == '\0')
            continue;
        if (ok)
            remember_kind(b->e, m);
        else if (!b->failed)
            snprintf(b->err, NODE_ERR_BYTES, "%.150s:%.60s: %.290s", b->cfg->source, m->where,
                     error);
    }
    if (!ok)
        b->failed = true;
    if (--b->outstanding == 0 && b->started)
        batch_finish(b);
}

/* Starts the CID modules' ensures; -1 with b->err when one is refused at once. The batch
 * finishes when the last one reports (or here, when there is none). One extra count stands for
 * the start itself, so that no ensure can finish the batch before every one has started. */
static int batch_start(load_batch *b)
{
    node_edge *e = b->e;
    const node_config *cfg = b->cfg;
    for (size_t i = 0; i < cfg->module_count; i++)
        if (!check_kind(e, cfg, &cfg->modules[i], b->err))
            return -1;
    node_cid_loader_configure(e->cids, cfg);
    b->outstanding = 1;
    for (size_t i = 0; i < cfg->module_count; i++) {
        const node_module *m = &cfg->modules[i];
        if (m->cid[0] == '\0')
            continue;
        char why[NODE_ERR_BYTES];
        b->outstanding++;
        if (node_cid_loader_ensure(e->cids, m->cid, type_of(m), batch_one_done, b, why) != 0) {
            b->outstanding--;
            b->failed = true;
            snprintf(b->err, NODE_ERR_BYTES, "%.150s:%.60s: %.290s", cfg->source, m->where, why);
            break;
        }
    }
    b->started = true;
    if (--b->outstanding == 0)
        batch_finish(b);
    return 0;
}

int node_edge_load(node_edge *e, const node_config *cfg, char *err)
{
    if (e->loop == NULL) { /* checking a config: nothing else runs, load here */
        for (size_t i = 0; i < cfg->module_count; i++)
            if (!check_kind(e, cfg, &cfg->modules[i], err))
                return -1;
        node_cid_loader_configure(e->cids, cfg);
        for (size_t i = 0; i < cfg->module_count; i++) {
            const node_module *m = &cfg->modules[i];
            char why[NODE_ERR_BYTES];
            if (m->cid[0] == '\0')
                continue;
            if (node_cid_loader_load_sync(e->cids, m->cid, type_of(m), why) != 0) {
                snprintf(err, NODE_ERR_BYTES, "%.150s:%.60s: %.290s", cfg->source, m->where, why);
                return -1;
            }
            remember_kind(e, m);
        }
        return load_files(e, cfg, err);
    }
    /* At start, before the loop runs anything else: run it until the fetches are done. */
    load_batch b = {.e = e, .cfg = cfg};
    if (batch_start(&b) != 0) {
        snprintf(err, NODE_ERR_BYTES, "%s", b.err);
        return -1;
    }
    while (!b.finished)
        uv_run(e->loop, UV_RUN_ONCE);
    if (b.result < 0)
        snprintf(err, NODE_ERR_BYTES, "%s", b.err);
    return b.result;
}

int node_edge_load_async(node_edge *e, const node_config *cfg, node_edge_load_done_fn done,
                         void *ctx, char *err)
{
    if (e->loop == NULL) {
        snprintf(err, NODE_ERR_BYTES, "no event loop");
        return -1;
    }
    load_batch *b = calloc(1, sizeof *b);
    if (b == NULL) {
        snprintf(err, NODE_ERR_BYTES, "out of memory");
        return -1;
    }
    *b = (load_batch){.e = e, .cfg = cfg, .done = done, .ctx = ctx};
    if (batch_start(b) != 0) {
        snprintf(err, NODE_ERR_BYTES, "%s", b->err);
        free(b);
        return -1;
    }
    return 0;
}

int node_cid_ensure(node_edge *e, const char *cid_text, edge_module_type type,
                    node_cid_done_fn done, void *ctx, char *err)
{
    return node_cid_loader_ensure(e->cids, cid_text, type, done, ctx, err);
}

size_t node_cid_pending(const node_edge *e)
{
    return node_cid_loader_pending(e->cids);
}

node_cid_loader *node_edge_cid_loader(node_edge *e)
{
    return e->cids;
}

/* Appends a JSON string (ids and paths are config text; errors may hold anything). */
static void json_str(char *out, size_t cap, size_t *len, const char *s)
{
    size_t o = *len;
    if (o + 2 >= cap)
        return;
    out[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && o + 8 < cap; p++) {
        if (*p == '"' || *p == '\\') {
            out[o++] = '\\';
            out[o++] = (char)*p;
        } else if (*p < 0x20 || *p >= 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *p);
        } else {
            out[o++] = (char)*p;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
    *len = o;
}

static void json_raw(char *out, size_t cap, size_t *len, const char *s)
{
    int n = snprintf(out + *len, cap - *len, "%s", s);
    if (n > 0)
        *len = *len + (size_t)n < cap ? *len + (size_t)n : cap - 1;
}

char *node_edge_reload(node_edge *e, const node_config *cfg, const char *id, int *status)
{
    size_t cap = 512 + cfg->module_count * (NODE_MAX_MODULE_PATH_BYTES + EDGE_ERR_BYTES * 2);
    char *out = malloc(cap);
    if (out == NULL) {
        *status = 500;
        return NULL;
    }
    size_t len = 0;
    out[0] = '\0';
    size_t matched = 0, failed = 0;
    json_raw(out, cap, &len, "{\"modules\":[");
    for (size_t i = 0; i < cfg->module_count; i++) {
        const node_module *m = &cfg->modules[i];
        if (id != NULL && strcmp(m->id, id) != 0)
            continue;
        char why[EDGE_ERR_BYTES];
        bool ok;
        if (m->cid[0] != '\0') { /* a CID names one content for good: nothing to re-read */
            ok = edge_modules_generation(e->mods, m->id) > 0;
            snprintf(why, sizeof why, "module %s is not loaded", m->id);
        } else {
            ok = edge_modules_load_file(e->mods, m->id, type_of(m), m->path, why, sizeof why) == 0;
        }
        char hash[65] = "";
        edge_modules_hash(e->mods, m->id, hash);
        json_raw(out, cap, &len, matched++ ? ",{\"id\":" : "{\"id\":");
        json_str(out, cap, &len, m->id);
        json_raw(out, cap, &len, m->cid[0] != '\0' ? ",\"cid\":" : ",\"path\":");
        json_str(out, cap, &len, m->cid[0] != '\0' ? m->cid : m->path);
        char gen[64];
        snprintf(gen, sizeof gen, ",\"generation\":%llu,\"sha256\":",
                 (unsigned long long)edge_modules_generation(e->mods, m->id));
        json_raw(out, cap, &len, gen);
        json_str(out, cap, &len, hash);
        json_raw(out, cap, &len, ok ? ",\"ok\":true}" : ",\"ok\":false,\"error\":");
        if (!ok) {
            json_str(out, cap, &len, why);
            json_raw(out, cap, &len, "}");
            failed++;
        }
    }
    char tail[96];
    snprintf(tail, sizeof tail, "],\"reloaded\":%zu,\"failed\":%zu}\n", matched - failed, failed);
    json_raw(out, cap, &len, tail);
    if (id != NULL && matched == 0) {
        *status = 404;
        len = 0;
        json_raw(out, cap, &len, "{\"error\":\"no module with this id\",\"id\":");
        json_str(out, cap, &len, id);
        json_raw(out, cap, &len, "}\n");
    } else {
        /* 422: the node is fine, the new file is not (the old version keeps serving). */
        *status = failed > 0 ? 422 : 200;
    }
    return out;
}

void node_edge_route_config(const node_config *cfg, const node_route *r, edge_route_config *out,
                            const char **fn_ids, const char **fn_owners, edge_limits *fn_limits)
{
    memset(out, 0, sizeof *out);
    out->owner = r->name;
    if (r->has_waf) {
        out->waf_module = cfg->modules[r->waf.module].id;
        out->waf_limits = (edge_limits){.fuel = r->waf.fuel,
                                        .deadline_ms = r->waf.deadline_ms,
                                        .max_memory_bytes = r->waf.memory_bytes};
        out->waf_block_on_error = r->waf.block_on_error;
    }
    for (size_t f = 0; f < r->function_count; f++) {
        const node_module_use *u = &r->functions[f];
        fn_ids[f] = cfg->modules[u->module].id;
        fn_owners[f] = u->owner;
        fn_limits[f] = (edge_limits){
            .fuel = u->fuel, .deadline_ms = u->deadline_ms, .max_memory_bytes = u->memory_bytes};
    }
    out->functions = fn_ids;
    out->function_count = r->function_count;
    out->function_owners = fn_owners;
    out->function_limits_each = fn_limits;
}

bool node_config_check_modules(const node_config *cfg, char *err)
{
    node_edge *e = node_edge_new(cfg, NULL, err);
    if (e == NULL)
        return false;
    int rc = node_edge_load(e, cfg, err);
    node_edge_free(e);
    return rc == 0;
}
