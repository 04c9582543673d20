/*
 * The WebAssembly keys of the config: a route's `waf` (one WAF module with its limits and
 * on_error policy) and `functions` (edge functions run in order, each with its limits and cache
 * owner), and the node-wide `cache`. Module files are registered once per config in
 * node_config.modules, keyed by their resolved path, so two routes naming the same file share one
 * compiled module and one reload. A relative path is resolved against the directory of the config
 * file (the embedded default, which has no file, against the executable's directory), so a config
 * means the same thing whatever the working directory. Limits get the defaults of their module
 * type (edge_limits_resolve) here, so the effective config shows the values that apply.
 */
#include "edge/edge.h"
#include "node/config_walk.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum {
    MB = 1000000,    /* memory_mb counts 10^6 bytes, like the documented defaults (10 MB, 50 MB) */
    STEM_BYTES = 50, /* of a module id before its "-N" suffix (ids are at most 63 bytes) */
};

/* The directory relative module paths start from, with a trailing '/' ("" for the working
 * directory). False when it does not fit. */
static bool base_dir(const char *source, char *out, size_t cap)
{
    out[0] = '\0';
    if (source[0] == '<') { /* the embedded default: next to the executable */
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0)
            return true;
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        size_t len = (size_t)(slash - exe) + 1;
        if (len >= cap)
            return false;
        memcpy(out, exe, len);
        out[len] = '\0';
        return true;
    }
    const char *slash = strrchr(source, '/');
    if (slash == NULL)
        return true;
    size_t len = (size_t)(slash - source) + 1;
    if (len >= cap)
        return false;
    memcpy(out, source, len);
    out[len] = '\0';
    return true;
}

/* A module id from the file name: its base name without ".wasm", other characters than letters,
 * digits, '_', '-' and '.' replaced by '_', made unique with "-2", "-3", ... */
static void module_id(const node_config *cfg, const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".wasm") == 0)
        len -= 5;
    char stem[STEM_BYTES + 1];
    if (len > STEM_BYTES) /* room for a "-N" suffix */
        len = STEM_BYTES;
    for (size_t i = 0; i < len; i++) {
        char c = base[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        stem[i] = ok ? c : '_';
    }
    stem[len] = '\0';
    if (len == 0)
        snprintf(stem, sizeof stem, "module");
    snprintf(out, cap, "%s", stem);
    /* At most NODE_MAX_MODULES ids exist, so one of the first NODE_MAX_MODULES + 1 is free. */
    for (unsigned n = 2; n < NODE_MAX_MODULES + 2; n++) {
        bool taken = false;
        for (size_t i = 0; i < cfg->module_count && !taken; i++)
            taken = strcmp(cfg->modules[i].id, out) == 0;
        if (!taken)
            return;
        snprintf(out, cap, "%.50s-%u", stem, n);
    }
}

/* Registers the module file a `module` key names; its index into cfg->modules in *index. */
static bool add_module(walker *w, const yaml_node_t *v, const char *path, bool waf, size_t *index)
{
    node_config *cfg = w->cfg;
    char written[NODE_MAX_MODULE_PATH_BYTES];
    if (!cw_read_string(w, v, path, written, sizeof written))
        return false;
    if (written[0] == '\0')
        return cw_fail(w, cw_mark_of(v), path, "empty module path");
    char dir[NODE_MAX_MODULE_PATH_BYTES];
    char full[NODE_MAX_MODULE_PATH_BYTES];
    if (written[0] == '/')
        dir[0] = '\0';
    else if (!base_dir(w->source, dir, sizeof dir))
        return cw_fail(w, cw_mark_of(v), path, "the config's directory name is too long");
    int n = snprintf(full, sizeof full, "%s%s", dir, written);
    if (n < 0 || (size_t)n >= sizeof full)
        return cw_fail(w, cw_mark_of(v), path, "module path is longer than %d bytes",
                       NODE_MAX_MODULE_PATH_BYTES - 1);
    for (size_t i = 0; i < cfg->module_count; i++) {
        if (strcmp(cfg->modules[i].path, full) != 0)
            continue;
        if (cfg->modules[i].waf != waf)
            return cw_fail(w, cw_mark_of(v), path, "'%s' is used as a %s at %s", written,
                           cfg->modules[i].waf ? "WAF" : "function", cfg->modules[i].where);
        *index = i;
        return true;
    }
    if (cfg->module_count == NODE_MAX_MODULES)
        return cw_fail(w, cw_mark_of(v), path, "more than %d module files", NODE_MAX_MODULES);
    node_module *m = &cfg->modules[cfg->module_count];
    memset(m, 0, sizeof *m);
    memcpy(m->path, full, (size_t)n + 1);
    m->waf = waf;
    module_id(cfg, full, m->id, sizeof m->id);
    mark at = cw_mark_of(v);
    snprintf(m->where, sizeof m->where, "%zu:%zu: %.60s", at.line, at.column, path);
    *index = cfg->module_count++;
    return true;
}

static bool k_waf_module(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return add_module(w, v, path, true, &((node_module_use *)t)->module);
}

static bool k_fn_module(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return add_module(w, v, path, false, &((node_module_use *)t)->module);
}

static bool k_waf_fuel(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return cw_read_u64(w, v, path, 1, NODE_MAX_FUEL, &((node_module_use *)t)->fuel);
}

static bool k_fn_fuel(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return cw_read_u64(w, v, path, 0, NODE_MAX_FUEL, &((node_module_use *)t)->fuel);
}

static bool k_deadline(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return cw_read_u64(w, v, path, 1, NODE_MAX_DEADLINE_MS, &((node_module_use *)t)->deadline_ms);
}

static bool k_memory(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    uint64_t mb;
    if (!cw_read_u64(w, v, path, 1, NODE_MAX_MEMORY_MB, &mb))
        return false;
    ((node_module_use *)t)->memory_bytes = mb * MB;
    return true;
}

static bool k_on_error(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    const char *s;
    if (!cw_scalar_text(w, v, path, &s))
        return false;
    if (strcmp(s, "allow") != 0 && strcmp(s, "block") != 0)
        return cw_fail(w, cw_mark_of(v), path, "expected allow or block, found '%s'", s);
    ((node_module_use *)t)->block_on_error = strcmp(s, "block") == 0;
    return true;
}

static bool k_owner(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_module_use *u = t;
    if (u->owner[0] != '\0')
        return cw_fail(w, cw_mark_of(v), path, "give either 'owner' or 'tenant', not both");
    if (!cw_read_string(w, v, path, u->owner, sizeof u->owner))
        return false;
    if (u->owner[0] == '\0')
        return cw_fail(w, cw_mark_of(v), path, "empty owner");
    for (const char *p = u->owner; *p != '\0'; p++)
        if (*p <= ' ' || *p > '~')
            return cw_fail(w, cw_mark_of(v), path, "an owner is printable ASCII without spaces");
    return true;
}

/* Fills limits with the defaults of the module type, then walks the use's keys over them. */
static bool walk_use(walker *w, const yaml_node_t *v, const char *path, bool waf,
                     node_module_use *u)
{
    static const key_handler waf_keys[] = {{"module", k_waf_module},
                                           {"on_error", k_on_error},
                                           {"fuel", k_waf_fuel},
                                           {"deadline_ms", k_deadline},
                                           {"memory_mb", k_memory}};
    static const key_handler fn_keys[] = {{"module", k_fn_module},     {"fuel", k_fn_fuel},
                                          {"deadline_ms", k_deadline}, {"memory_mb", k_memory},
                                          {"owner", k_owner},          {"tenant", k_owner}};
    edge_limits d = edge_limits_resolve(waf ? EDGE_MODULE_WAF : EDGE_MODULE_FUNCTION, NULL);
    memset(u, 0, sizeof *u);
    u->module = SIZE_MAX;
    u->fuel = d.fuel;
    u->deadline_ms = d.deadline_ms;
    u->memory_bytes = d.max_memory_bytes;
    bool ok = waf ? cw_walk_mapping(w, v, path, waf_keys, sizeof waf_keys / sizeof waf_keys[0], u)
                  : cw_walk_mapping(w, v, path, fn_keys, sizeof fn_keys / sizeof fn_keys[0], u);
    if (!ok)
        return false;
    if (u->module == SIZE_MAX)
        return cw_fail(w, cw_mark_of(v), path, "missing key 'module'");
    return true;
}

bool cw_route_waf(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_route *r = t;
    if (!walk_use(w, v, path, true, &r->waf))
        return false;
    r->has_waf = true;
    return true;
}

bool cw_route_functions(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_route *r = t;
    if (!cw_expect_type(w, v, YAML_SEQUENCE_NODE, path))
        return false;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        char sub[PATH_BYTES];
        snprintf(sub, sizeof sub, "%s[%zu]", path, r->function_count);
        yaml_node_t *item = yaml_document_get_node(w->doc, *it);
        if (item == NULL)
            return cw_fail(w, cw_mark_of(v), sub, "malformed list");
        if (r->function_count == NODE_MAX_ROUTE_FUNCTIONS)
            return cw_fail(w, cw_mark_of(item), sub, "more than %d functions on a route",
                           NODE_MAX_ROUTE_FUNCTIONS);
        if (!walk_use(w, item, sub, false, &r->functions[r->function_count]))
            return false;
        r->function_count++;
    }
    return true;
}

static bool k_cache_max_bytes(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return cw_read_u64(w, v, path, NODE_MIN_CACHE_BYTES, NODE_MAX_CACHE_BYTES,
                       &((node_config *)t)->cache_max_bytes);
}

bool cw_cache(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    static const key_handler h[] = {{"max_bytes", k_cache_max_bytes}};
    return cw_walk_mapping(w, v, path, h, sizeof h / sizeof h[0], t);
}
