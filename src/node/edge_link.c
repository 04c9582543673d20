/*
 * The node's side of the edge pipeline (src/edge/): the node-wide module manager and cache, the
 * loading of a config's module files into the manager (at start, on SIGHUP and on POST
 * /modules/reload), the inotify watch that reloads a changed file, and the per-route edge
 * configuration the workers build their edge_route from. Modules are keyed by the id the config
 * gave them (node_module.id); a new version of a module already serving that fails to load
 * leaves the old one serving, while a module the node has never loaded must load for the config
 * to be accepted (a route without its WAF must not come up unprotected).
 */
#include "node/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    LOG_LINE_BYTES = 1024, /* an edge log line written to stderr; longer ones are cut */
    EDGE_ERR_BYTES = 320,  /* an edge error message */
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
    char buf[LOG_LINE_BYTES];
    int n = snprintf(buf, sizeof buf - 1, "aegis-node: %s", line);
    if (n < 0)
        return;
    if ((size_t)n > sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, buf, (size_t)n);
    (void)w;
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
    return e;
}

void node_edge_free(node_edge *e)
{
    if (e == NULL)
        return;
    edge_watch_free(e->watch);
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

int node_edge_load(node_edge *e, const node_config *cfg, char *err)
{
    int kept = 0;
    for (size_t i = 0; i < cfg->module_count; i++)
        if (!check_kind(e, cfg, &cfg->modules[i], err))
            return -1;
    for (size_t i = 0; i < cfg->module_count; i++) {
        const node_module *m = &cfg->modules[i];
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
        bool ok = edge_modules_load_file(e->mods, m->id, type_of(m), m->path, why, sizeof why) == 0;
        char hash[65] = "";
        edge_modules_hash(e->mods, m->id, hash);
        json_raw(out, cap, &len, matched++ ? ",{\"id\":" : "{\"id\":");
        json_str(out, cap, &len, m->id);
        json_raw(out, cap, &len, ",\"path\":");
        json_str(out, cap, &len, m->path);
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
