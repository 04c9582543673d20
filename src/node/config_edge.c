/*
 * The WebAssembly keys of the config: a route's `waf` (one WAF module with its limits and
 * on_error policy) and `functions` (edge functions run in order, each with its limits and cache
 * owner), and the node-wide `cache`. Module files are registered once per config in
 * node_config.modules, keyed by their resolved path, so two routes naming the same file share one
 * compiled module and one reload. A relative path is resolved against the directory of the config
 * file (the embedded default, which has no file, against the executable's directory), so a config
 * means the same thing whatever the working directory. Limits get the defaults of their module
 * type (edge_limits_resolve) here, so the effective config shows the values that apply.
 *
 * A module may instead be named by its IPFS CID (`cid`): its id is then the CID in canonical form,
 * checked here with the deploy component's parser so that a bad CID is a line:col error, and the
 * top-level `state_dir` and `ipfs` say where such modules are cached and fetched from.
 */
#include "edge/edge.h"
#include "node/config_walk.h"
#include "node/module_cid.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

static bool one_module(walker *w, const yaml_node_t *v, const char *path)
{
    return cw_fail(w, cw_mark_of(v), path, "give either 'module' (a file) or 'cid', not both");
}

/* Registers the module a `cid` key names: its id is the CID in canonical form, so two routes
 * naming one CID (in any of its spellings) share one module. */
static bool add_cid_module(walker *w, const yaml_node_t *v, const char *path, bool waf,
                           size_t *index)
{
    node_config *cfg = w->cfg;
    const char *text;
    if (!cw_scalar_text(w, v, path, &text))
        return false;
    char id[NODE_MAX_NAME_BYTES];
    char why[NODE_ERR_BYTES];
    if (!node_cid_module_id(text, id, why))
        return cw_fail(w, cw_mark_of(v), path, "%s", why);
    for (size_t i = 0; i < cfg->module_count; i++) {
        if (strcmp(cfg->modules[i].id, id) != 0)
            continue;
        if (cfg->modules[i].cid[0] == '\0')
            return cw_fail(w, cw_mark_of(v), path,
                           "the module file at %s has the id '%s', which is this CID; rename the "
                           "file",
                           cfg->modules[i].where, id);
        if (cfg->modules[i].waf != waf)
            return cw_fail(w, cw_mark_of(v), path, "CID %s is used as a %s at %s", id,
                           cfg->modules[i].waf ? "WAF" : "function", cfg->modules[i].where);
        *index = i;
        return true;
    }
    if (cfg->module_count == NODE_MAX_MODULES)
        return cw_fail(w, cw_mark_of(v), path, "more than %d modules", NODE_MAX_MODULES);
    node_module *m = &cfg->modules[cfg->module_count];
    memset(m, 0, sizeof *m);
    snprintf(m->id, sizeof m->id, "%s", id);
    snprintf(m->cid, sizeof m->cid, "%s", id);
    m->waf = waf;
    mark at = cw_mark_of(v);
    snprintf(m->where, sizeof m->where, "%zu:%zu: %.60s", at.line, at.column, path);
    *index = cfg->module_count++;
    return true;
}

/* The `cid` or `module` key of a WAF or function use: one of the two, once. */
static bool use_module(walker *w, const yaml_node_t *v, const char *path, node_module_use *use,
                       bool by_cid, bool waf)
{
    if (use->module != SIZE_MAX)
        return one_module(w, v, path);
    return by_cid ? add_cid_module(w, v, path, waf, &use->module)
                  : add_module(w, v, path, waf, &use->module);
}

static bool k_waf_cid(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return use_module(w, v, path, t, true, true);
}

static bool k_fn_cid(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return use_module(w, v, path, t, true, false);
}

static bool k_waf_module(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return use_module(w, v, path, t, false, true);
}

static bool k_fn_module(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return use_module(w, v, path, t, false, false);
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
    static const key_handler waf_keys[] = {{"module", k_waf_module},    {"cid", k_waf_cid},
                                           {"on_error", k_on_error},    {"fuel", k_waf_fuel},
                                           {"deadline_ms", k_deadline}, {"memory_mb", k_memory}};
    static const key_handler fn_keys[] = {{"module", k_fn_module}, {"cid", k_fn_cid},
                                          {"fuel", k_fn_fuel},     {"deadline_ms", k_deadline},
                                          {"memory_mb", k_memory}, {"owner", k_owner},
                                          {"tenant", k_owner}};
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
        return cw_fail(w, cw_mark_of(v), path, "missing key 'module' (a file) or 'cid'");
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

static bool function_item(walker *w, const yaml_node_t *item, const char *path, size_t i, void *t)
{
    return walk_use(w, item, path, false, &((node_route *)t)->functions[i]);
}

bool cw_route_functions(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_route *r = t;
    return cw_walk_sequence(w, v, path, NODE_MAX_ROUTE_FUNCTIONS, "functions on a route",
                            function_item, r, &r->function_count);
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

/* ---- state_dir and ipfs -------------------------------------------------------------------- */

enum {
    MAX_TIMEOUT_MS = 600000,
    MAX_MODULE_MB = 4096,
    MAX_DISK_CACHE_MB = 1 << 24, /* 16 TB */
    DEFAULT_DISK_CACHE_MB = 1024,
    DEFAULT_WAF_MODULE_MB = 10, /* ARCHITECTURE.md: the module-size caps */
    DEFAULT_FUNCTION_MODULE_MB = 50,
};

/* The default state directory: systemd's $STATE_DIRECTORY (its first entry), else
 * /var/lib/aegis-node for root, else $XDG_STATE_HOME/aegis-node or ~/.local/state/aegis-node. */
static void default_state_dir(char *out, size_t cap)
{
    const char *sd = getenv("STATE_DIRECTORY");
    if (sd != NULL && sd[0] == '/') {
        snprintf(out, cap, "%.*s", (int)strcspn(sd, ":"), sd);
        return;
    }
    if (geteuid() == 0) {
        snprintf(out, cap, "/var/lib/aegis-node");
        return;
    }
    const char *xdg = getenv("XDG_STATE_HOME");
    if (xdg != NULL && xdg[0] == '/') {
        snprintf(out, cap, "%.900s/aegis-node", xdg);
        return;
    }
    const char *home = getenv("HOME");
    if (home != NULL && home[0] == '/') {
        snprintf(out, cap, "%.900s/.local/state/aegis-node", home);
        return;
    }
    snprintf(out, cap, "/tmp/aegis-node-%lu", (unsigned long)geteuid());
}

void cw_ipfs_defaults(node_config *cfg)
{
    default_state_dir(cfg->state_dir, sizeof cfg->state_dir);
    node_ipfs *p = &cfg->ipfs;
    memset(p, 0, sizeof *p);
    p->connect_timeout_ms = 2000;
    p->total_timeout_ms = 30000;
    p->stall_timeout_ms = 5000;
    p->cache_max_bytes = (uint64_t)DEFAULT_DISK_CACHE_MB * MB;
    p->max_waf_module_bytes = (uint64_t)DEFAULT_WAF_MODULE_MB * MB;
    p->max_function_module_bytes = (uint64_t)DEFAULT_FUNCTION_MODULE_MB * MB;
}

bool cw_state_dir(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_config *cfg = t;
    char written[NODE_MAX_MODULE_PATH_BYTES];
    if (!cw_read_string(w, v, path, written, sizeof written))
        return false;
    if (written[0] == '\0')
        return cw_fail(w, cw_mark_of(v), path, "empty directory name");
    for (const char *p = written; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return cw_fail(w, cw_mark_of(v), path, "control character in a directory name");
    char dir[NODE_MAX_MODULE_PATH_BYTES];
    if (written[0] == '/')
        dir[0] = '\0';
    else if (!base_dir(w->source, dir, sizeof dir))
        return cw_fail(w, cw_mark_of(v), path, "the config's directory name is too long");
    int n = snprintf(cfg->state_dir, sizeof cfg->state_dir, "%s%s", dir, written);
    if (n < 0 || (size_t)n >= sizeof cfg->state_dir)
        return cw_fail(w, cw_mark_of(v), path, "longer than %d bytes",
                       NODE_MAX_MODULE_PATH_BYTES - 1);
    while (n > 1 && cfg->state_dir[n - 1] == '/')
        cfg->state_dir[--n] = '\0';
    return true;
}

/* A gateway base URL: http(s)://host[:port][/prefix], printable, without query or fragment. The
 * trailing '/' is dropped, since the fetcher appends "/ipfs/<cid>". */
static bool read_gateway(walker *w, const yaml_node_t *v, const char *path, char *out, size_t cap)
{
    if (!cw_read_string(w, v, path, out, cap))
        return false;
    size_t scheme = strncmp(out, "http://", 7) == 0 ? 7 : strncmp(out, "https://", 8) == 0 ? 8 : 0;
    if (scheme == 0)
        return cw_fail(w, cw_mark_of(v), path, "a gateway URL starts with http:// or https://");
    for (const char *p = out; *p != '\0'; p++)
        if (*p <= ' ' || *p > '~' || *p == '?' || *p == '#' || *p == '\\' || *p == '"')
            return cw_fail(w, cw_mark_of(v), path,
                           "a gateway URL is printable ASCII without spaces, '?', '#', '\\' or "
                           "quotes");
    size_t host = strcspn(out + scheme, "/");
    if (host == 0 || out[scheme] == ':' || out[scheme] == '@' || memchr(out + scheme, '@', host))
        return cw_fail(w, cw_mark_of(v), path, "a gateway URL needs a host (and no user info)");
    size_t n = strlen(out);
    while (n > scheme + host && out[n - 1] == '/')
        out[--n] = '\0';
    return true;
}

static bool gateway_item(walker *w, const yaml_node_t *item, const char *path, size_t i, void *t)
{
    return read_gateway(w, item, path, ((node_ipfs *)t)->gateways[i], NODE_MAX_URL_BYTES);
}

static bool k_gateways(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_ipfs *p = t;
    p->gateway_count = 0;
    return cw_walk_sequence(w, v, path, NODE_MAX_GATEWAYS, "gateways", gateway_item, p,
                            &p->gateway_count);
}

static bool read_ms(walker *w, const yaml_node_t *v, const char *path, uint32_t *out)
{
    uint64_t ms;
    if (!cw_read_u64(w, v, path, 1, MAX_TIMEOUT_MS, &ms))
        return false;
    *out = (uint32_t)ms;
    return true;
}

static bool k_connect_timeout(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return read_ms(w, v, path, &((node_ipfs *)t)->connect_timeout_ms);
}

static bool k_total_timeout(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return read_ms(w, v, path, &((node_ipfs *)t)->total_timeout_ms);
}

static bool k_stall_timeout(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return read_ms(w, v, path, &((node_ipfs *)t)->stall_timeout_ms);
}

static bool read_mb(walker *w, const yaml_node_t *v, const char *path, uint64_t max, uint64_t *out)
{
    uint64_t mb;
    if (!cw_read_u64(w, v, path, 1, max, &mb))
        return false;
    *out = mb * MB;
    return true;
}

static bool k_disk_cache(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return read_mb(w, v, path, MAX_DISK_CACHE_MB, &((node_ipfs *)t)->cache_max_bytes);
}

static bool k_max_waf(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return read_mb(w, v, path, MAX_MODULE_MB, &((node_ipfs *)t)->max_waf_module_bytes);
}

static bool k_max_fn(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return read_mb(w, v, path, MAX_MODULE_MB, &((node_ipfs *)t)->max_function_module_bytes);
}

static bool k_gateway_listen(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_ipfs *p = t;
    const char *s;
    if (!cw_scalar_text(w, v, path, &s))
        return false;
    char why[NODE_ERR_BYTES];
    if (!node_addr_parse(s, &p->gateway_listen, why))
        return cw_fail(w, cw_mark_of(v), path, "%s", why);
    p->gateway_listen_enabled = true;
    return true;
}

bool cw_ipfs(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    static const key_handler h[] = {{"gateways", k_gateways},
                                    {"connect_timeout_ms", k_connect_timeout},
                                    {"total_timeout_ms", k_total_timeout},
                                    {"stall_timeout_ms", k_stall_timeout},
                                    {"cache_max_mb", k_disk_cache},
                                    {"max_waf_module_mb", k_max_waf},
                                    {"max_function_module_mb", k_max_fn},
                                    {"gateway_listen", k_gateway_listen}};
    return cw_walk_mapping(w, v, path, h, sizeof h / sizeof h[0], &((node_config *)t)->ipfs);
}
