/*
 * The config file reader. libyaml loads the text into a document tree (its nodes carry line and
 * column marks); this file walks that tree into the typed node_config, filling defaults first so
 * that an absent key means its documented default. Every key is known: an unknown or duplicated
 * key is an error, because a typo that passes silently ("timeout" for "timeouts") leaves an
 * operator with a proxy that does not do what the file says. Errors name the file, the 1-based
 * line and column of the offending node, the key path ("routes[2].upstream", indices from 0) and
 * what is wrong. Cross-references (a route's upstream) are checked after the whole tree is read,
 * since YAML keys may come in any order.
 */
#include "node/config_walk.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

enum { DEFAULT_WORKERS_FALLBACK = 1 };

mark cw_mark_of(const yaml_node_t *n)
{
    return (mark){n->start_mark.line + 1, n->start_mark.column + 1};
}

__attribute__((format(printf, 4, 5))) bool cw_fail(walker *w, mark m, const char *path,
                                                   const char *fmt, ...)
{
    int n = snprintf(w->err, NODE_ERR_BYTES, "%s:%zu:%zu: %s%s", w->source, m.line, m.column, path,
                     path[0] != '\0' ? ": " : "");
    if (n < 0 || n >= NODE_ERR_BYTES)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err + n, NODE_ERR_BYTES - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static const char *type_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

bool cw_expect_type(walker *w, const yaml_node_t *n, yaml_node_type_t t, const char *path)
{
    if (n->type == t)
        return true;
    const char *want = t == YAML_SCALAR_NODE     ? "a scalar"
                       : t == YAML_SEQUENCE_NODE ? "a list"
                                                 : "a mapping";
    return cw_fail(w, cw_mark_of(n), path, "expected %s, found %s", want, type_name(n));
}

/* The scalar's text, NUL-terminated by libyaml; embedded NULs are refused. */
bool cw_scalar_text(walker *w, const yaml_node_t *n, const char *path, const char **out)
{
    if (!cw_expect_type(w, n, YAML_SCALAR_NODE, path))
        return false;
    const char *s = (const char *)n->data.scalar.value;
    if (strlen(s) != n->data.scalar.length)
        return cw_fail(w, cw_mark_of(n), path, "NUL byte in value");
    *out = s;
    return true;
}

bool cw_read_u64(walker *w, const yaml_node_t *n, const char *path, uint64_t min, uint64_t max,
                 uint64_t *out)
{
    const char *s;
    if (!cw_scalar_text(w, n, path, &s))
        return false;
    if (s[0] == '\0')
        return cw_fail(w, cw_mark_of(n), path, "expected a number, found an empty value");
    uint64_t v = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return cw_fail(w, cw_mark_of(n), path, "expected a whole number, found '%s'", s);
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return cw_fail(w, cw_mark_of(n), path, "number '%s' is too large", s);
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return cw_fail(w, cw_mark_of(n), path, "%llu is out of range %llu..%llu",
                       (unsigned long long)v, (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return true;
}

static bool read_u32(walker *w, const yaml_node_t *n, const char *path, uint32_t min, uint32_t max,
                     uint32_t *out)
{
    uint64_t v;
    if (!cw_read_u64(w, n, path, min, max, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool cw_read_bool(walker *w, const yaml_node_t *n, const char *path, bool *out)
{
    const char *s;
    if (!cw_scalar_text(w, n, path, &s))
        return false;
    if (strcmp(s, "true") == 0)
        *out = true;
    else if (strcmp(s, "false") == 0)
        *out = false;
    else
        return cw_fail(w, cw_mark_of(n), path, "expected true or false, found '%s'", s);
    return true;
}

bool cw_read_string(walker *w, const yaml_node_t *n, const char *path, char *buf, size_t cap)
{
    const char *s;
    if (!cw_scalar_text(w, n, path, &s))
        return false;
    size_t len = strlen(s);
    if (len >= cap)
        return cw_fail(w, cw_mark_of(n), path, "value is %zu bytes, at most %zu allowed", len,
                       cap - 1);
    memcpy(buf, s, len + 1);
    return true;
}

static bool read_addr(walker *w, const yaml_node_t *n, const char *path, node_addr *out)
{
    const char *s;
    if (!cw_scalar_text(w, n, path, &s))
        return false;
    char why[NODE_ERR_BYTES];
    if (!node_addr_parse(s, out, why))
        return cw_fail(w, cw_mark_of(n), path, "%s", why);
    return true;
}

/* ---- mappings with a fixed set of keys ---------------------------------------------------- */

void cw_join_path(char *out, const char *base, const char *key)
{
    if (base[0] == '\0')
        snprintf(out, PATH_BYTES, "%s", key);
    else
        snprintf(out, PATH_BYTES, "%s.%s", base, key);
}

/* Edit distance between two short keys (insert, delete, substitute), capped at 9. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAX_KEY = 40 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= MAX_KEY || lb >= MAX_KEY)
        return 9;
    size_t row[MAX_KEY + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] < 9 ? row[lb] : 9;
}

/* Walks a mapping whose keys must all be among `handlers`; each appears at most once. */
bool cw_walk_mapping(walker *w, const yaml_node_t *map, const char *path,
                     const key_handler *handlers, size_t handler_count, void *target)
{
    if (!cw_expect_type(w, map, YAML_MAPPING_NODE, path[0] ? path : "(top level)"))
        return false;
    bool seen[32] = {false};
    if (handler_count > sizeof seen / sizeof seen[0])
        return cw_fail(w, cw_mark_of(map), path, "internal error: too many keys");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
        if (k == NULL || v == NULL)
            return cw_fail(w, cw_mark_of(map), path, "malformed mapping");
        const char *key;
        if (!cw_scalar_text(w, k, path[0] ? path : "(key)", &key))
            return false;
        size_t i = 0;
        while (i < handler_count && strcmp(handlers[i].key, key) != 0)
            i++;
        char sub[PATH_BYTES];
        cw_join_path(sub, path, key);
        if (i == handler_count) {
            /* A typo is the usual cause: name the closest known key. */
            size_t best = 0, best_d = 9;
            for (size_t h = 0; h < handler_count; h++) {
                size_t d = edit_distance(key, handlers[h].key);
                if (d < best_d)
                    best = h, best_d = d;
            }
            if (best_d <= 2)
                return cw_fail(w, cw_mark_of(k), sub, "unknown key (did you mean '%s'?)",
                               handlers[best].key);
            return cw_fail(w, cw_mark_of(k), sub, "unknown key");
        }
        if (seen[i])
            return cw_fail(w, cw_mark_of(k), sub, "duplicate key");
        seen[i] = true;
        if (!handlers[i].fn(w, v, sub, target))
            return false;
    }
    return true;
}

bool cw_walk_sequence(walker *w, const yaml_node_t *seq, const char *path, size_t max,
                      const char *what, item_fn fn, void *target, size_t *count)
{
    if (!cw_expect_type(w, seq, YAML_SEQUENCE_NODE, path))
        return false;
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++) {
        char sub[PATH_BYTES];
        snprintf(sub, sizeof sub, "%s[%zu]", path, *count);
        yaml_node_t *item = yaml_document_get_node(w->doc, *it);
        if (item == NULL)
            return cw_fail(w, cw_mark_of(seq), sub, "malformed list");
        if (*count == max)
            return cw_fail(w, cw_mark_of(item), sub, "more than %zu %s", max, what);
        if (!fn(w, item, sub, *count, target))
            return false;
        (*count)++;
    }
    return true;
}

/* ---- sections ------------------------------------------------------------------------------ */

#define U32_KEY(fname, type, field, min, max)                                                      \
    static bool fname(walker *w, const yaml_node_t *v, const char *path, void *t)                  \
    {                                                                                              \
        return read_u32(w, v, path, min, max, &((type *)t)->field);                                \
    }

U32_KEY(k_max_header_bytes, node_limits, max_header_bytes, 1024, 1u << 20)
U32_KEY(k_max_uri_bytes, node_limits, max_uri_bytes, 16, 1u << 20)
U32_KEY(k_max_headers, node_limits, max_headers, 1, 10000)
U32_KEY(k_header_read_ms, node_timeouts, header_read_ms, 1, 3600000)
U32_KEY(k_body_read_ms, node_timeouts, body_read_ms, 1, 3600000)
U32_KEY(k_idle_ms, node_timeouts, idle_ms, 1, 3600000)
U32_KEY(k_upstream_connect_ms, node_timeouts, upstream_connect_ms, 1, 3600000)
U32_KEY(k_upstream_read_ms, node_timeouts, upstream_read_ms, 1, 3600000)
U32_KEY(k_shutdown_drain_ms, node_timeouts, shutdown_drain_ms, 0, 3600000)
U32_KEY(k_pool_size, node_upstream, pool_size, 0, 100000)

static bool k_max_body_bytes(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return cw_read_u64(w, v, path, 0, UINT64_C(1) << 40, &((node_limits *)t)->max_body_bytes);
}

static bool k_limits(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    static const key_handler h[] = {{"max_header_bytes", k_max_header_bytes},
                                    {"max_body_bytes", k_max_body_bytes},
                                    {"max_uri_bytes", k_max_uri_bytes},
                                    {"max_headers", k_max_headers}};
    return cw_walk_mapping(w, v, path, h, sizeof h / sizeof h[0], &((node_config *)t)->limits);
}

static bool k_timeouts(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    static const key_handler h[] = {{"header_read_ms", k_header_read_ms},
                                    {"body_read_ms", k_body_read_ms},
                                    {"idle_ms", k_idle_ms},
                                    {"upstream_connect_ms", k_upstream_connect_ms},
                                    {"upstream_read_ms", k_upstream_read_ms},
                                    {"shutdown_drain_ms", k_shutdown_drain_ms}};
    return cw_walk_mapping(w, v, path, h, sizeof h / sizeof h[0], &((node_config *)t)->timeouts);
}

static bool listener_item(walker *w, const yaml_node_t *item, const char *path, size_t i, void *t)
{
    node_config *cfg = t;
    w->listener_mark[i] = cw_mark_of(item);
    return read_addr(w, item, path, &cfg->listeners[i]);
}

static bool k_listen(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_config *cfg = t;
    if (v->type == YAML_SCALAR_NODE) {
        cfg->listener_count = 1;
        w->listener_mark[0] = cw_mark_of(v);
        return read_addr(w, v, path, &cfg->listeners[0]);
    }
    cfg->listener_count = 0;
    if (!cw_walk_sequence(w, v, path, NODE_MAX_LISTENERS, "listeners", listener_item, cfg,
                          &cfg->listener_count))
        return false;
    if (cfg->listener_count == 0)
        return cw_fail(w, cw_mark_of(v), path, "at least one listener is needed");
    return true;
}

static bool k_workers(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_config *cfg = t;
    const char *s;
    if (!cw_scalar_text(w, v, path, &s))
        return false;
    if (strcmp(s, "auto") == 0) {
        cfg->workers = 0; /* resolved after the walk */
        return true;
    }
    return read_u32(w, v, path, 1, NODE_MAX_WORKERS, &cfg->workers);
}

static bool k_admin_listen(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    w->admin_listen_mark = cw_mark_of(v);
    return read_addr(w, v, path, &((node_admin *)t)->listen);
}

static bool k_admin_enabled(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return cw_read_bool(w, v, path, &((node_admin *)t)->enabled);
}

static bool k_admin_non_loopback(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return cw_read_bool(w, v, path, &((node_admin *)t)->allow_non_loopback);
}

static bool k_admin(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    static const key_handler h[] = {{"listen", k_admin_listen},
                                    {"enabled", k_admin_enabled},
                                    {"allow_non_loopback", k_admin_non_loopback}};
    return cw_walk_mapping(w, v, path, h, sizeof h / sizeof h[0], &((node_config *)t)->admin);
}

static bool k_log_enabled(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return cw_read_bool(w, v, path, &((node_access_log *)t)->enabled);
}

static bool k_log_format(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    const char *s;
    if (!cw_scalar_text(w, v, path, &s))
        return false;
    if (strcmp(s, "json") == 0)
        ((node_access_log *)t)->format = NODE_LOG_JSON;
    else if (strcmp(s, "kv") == 0)
        ((node_access_log *)t)->format = NODE_LOG_KV;
    else
        return cw_fail(w, cw_mark_of(v), path, "expected json or kv, found '%s'", s);
    return true;
}

static bool k_log_path(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_access_log *log = t;
    if (!cw_read_string(w, v, path, log->path, sizeof log->path))
        return false;
    if (log->path[0] == '\0')
        return cw_fail(w, cw_mark_of(v), path, "empty path (use stderr, stdout or a file name)");
    return true;
}

static bool k_access_log(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    static const key_handler h[] = {
        {"enabled", k_log_enabled}, {"format", k_log_format}, {"path", k_log_path}};
    return cw_walk_mapping(w, v, path, h, sizeof h / sizeof h[0], &((node_config *)t)->access_log);
}

static bool k_demo_origin(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return cw_read_bool(w, v, path, &((node_config *)t)->demo_origin);
}

static bool k_demo_origin_listen(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    return read_addr(w, v, path, &((node_config *)t)->demo_origin_listen);
}

/* ---- upstreams ------------------------------------------------------------------------------ */

static bool server_item(walker *w, const yaml_node_t *item, const char *path, size_t i, void *t)
{
    return read_addr(w, item, path, &((node_upstream *)t)->servers[i]);
}

static bool k_servers(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_upstream *up = t;
    up->server_count = 0;
    if (!cw_walk_sequence(w, v, path, NODE_MAX_SERVERS, "servers", server_item, up,
                          &up->server_count))
        return false;
    if (up->server_count == 0)
        return cw_fail(w, cw_mark_of(v), path, "an upstream needs at least one server");
    return true;
}

static bool valid_name(const char *s)
{
    if (s[0] == '\0')
        return false;
    for (const char *p = s; *p != '\0'; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static bool k_upstreams(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    static const key_handler h[] = {{"servers", k_servers}, {"pool_size", k_pool_size}};
    node_config *cfg = t;
    if (!cw_expect_type(w, v, YAML_MAPPING_NODE, path))
        return false;
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
        yaml_node_t *body = yaml_document_get_node(w->doc, p->value);
        if (k == NULL || body == NULL)
            return cw_fail(w, cw_mark_of(v), path, "malformed mapping");
        const char *name;
        if (!cw_scalar_text(w, k, path, &name))
            return false;
        char sub[PATH_BYTES];
        cw_join_path(sub, path, name);
        if (!valid_name(name) || strlen(name) >= NODE_MAX_NAME_BYTES)
            return cw_fail(w, cw_mark_of(k), sub,
                           "an upstream name is 1-%d letters, digits, '_', '-' or '.'",
                           NODE_MAX_NAME_BYTES - 1);
        for (size_t i = 0; i < cfg->upstream_count; i++)
            if (strcmp(cfg->upstreams[i].name, name) == 0)
                return cw_fail(w, cw_mark_of(k), sub, "duplicate upstream");
        if (cfg->upstream_count == NODE_MAX_UPSTREAMS)
            return cw_fail(w, cw_mark_of(k), sub, "more than %d upstreams", NODE_MAX_UPSTREAMS);
        node_upstream *up = &cfg->upstreams[cfg->upstream_count];
        memset(up, 0, sizeof *up);
        snprintf(up->name, sizeof up->name, "%s", name);
        up->pool_size = 64;
        if (!cw_walk_mapping(w, body, sub, h, sizeof h / sizeof h[0], up))
            return false;
        if (up->server_count == 0)
            return cw_fail(w, cw_mark_of(body), sub, "missing key 'servers'");
        cfg->upstream_count++;
    }
    return true;
}

/* ---- routes -----------------------------------------------------------------------------------
 */

static bool k_route_name(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_route *r = t;
    if (!cw_read_string(w, v, path, r->name, sizeof r->name))
        return false;
    /* Names are metrics labels and log fields: printable, no quotes, no spaces. */
    for (const char *p = r->name; *p != '\0'; p++)
        if (*p <= ' ' || *p > '~' || *p == '"' || *p == '\\')
            return cw_fail(w, cw_mark_of(v), path,
                           "a route name is printable ASCII without spaces, quotes or backslashes");
    if (r->name[0] == '\0')
        return cw_fail(w, cw_mark_of(v), path, "empty name");
    return true;
}

static bool k_route_host(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_route *r = t;
    if (!cw_read_string(w, v, path, r->host, sizeof r->host))
        return false;
    if (strcmp(r->host, "*") == 0)
        return true;
    if (r->host[0] == '\0')
        return cw_fail(w, cw_mark_of(v), path, "empty host (use \"*\" for any host)");
    /* "*.example.com": any subdomain of example.com (not example.com itself). */
    char *name = r->host;
    if (name[0] == '*' && name[1] == '.' && name[2] != '\0')
        name += 2;
    for (char *p = name; *p != '\0'; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return cw_fail(w, cw_mark_of(v), path,
                           "host '%s' may hold only letters, digits, '-' and '.' (no port), or "
                           "start with \"*.\"",
                           r->host);
    }
    return true;
}

static bool k_route_path(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_route *r = t;
    if (!cw_read_string(w, v, path, r->path, sizeof r->path))
        return false;
    size_t len = strlen(r->path);
    if (r->path[0] != '/')
        return cw_fail(w, cw_mark_of(v), path, "path '%s' must start with '/'", r->path);
    char *star = strchr(r->path, '*');
    if (star == NULL) {
        r->path_kind = NODE_PATH_EXACT;
    } else if (star == r->path + len - 1 && r->path[len - 2] == '/') {
        r->path_kind = NODE_PATH_PREFIX;
        r->prefix_len = len - 1;
    } else {
        return cw_fail(w, cw_mark_of(v), path,
                       "path '%s': '*' is allowed only as the last segment (\"/api/*\")", r->path);
    }
    for (const char *p = r->path; *p != '\0'; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f || *p == '?' || *p == '#')
            return cw_fail(w, cw_mark_of(v), path,
                           "path '%s' contains a space, control character, '?' or '#'", r->path);
    return true;
}

static bool k_route_upstream(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_route *r = t;
    size_t index = (size_t)(r - w->cfg->routes);
    w->route_upstream_mark[index] = cw_mark_of(v);
    return cw_read_string(w, v, path, r->upstream, sizeof r->upstream);
}

static bool route_item(walker *w, const yaml_node_t *item, const char *sub, size_t i, void *t)
{
    static const key_handler h[] = {{"name", k_route_name}, {"host", k_route_host},
                                    {"path", k_route_path}, {"upstream", k_route_upstream},
                                    {"waf", cw_route_waf},  {"functions", cw_route_functions}};
    node_config *cfg = t;
    node_route *r = &cfg->routes[i];
    memset(r, 0, sizeof *r);
    strcpy(r->host, "*");
    w->route_mark[i] = cw_mark_of(item);
    if (!cw_walk_mapping(w, item, sub, h, sizeof h / sizeof h[0], r))
        return false;
    if (r->path[0] == '\0')
        return cw_fail(w, cw_mark_of(item), sub, "missing key 'path'");
    if (r->upstream[0] == '\0')
        return cw_fail(w, cw_mark_of(item), sub, "missing key 'upstream'");
    if (r->name[0] == '\0') {
        /* Default label: host and path, which validation keeps unique. */
        size_t hl = strlen(r->host), pl = strlen(r->path);
        if (hl + pl >= sizeof r->name)
            return cw_fail(w, cw_mark_of(item), sub,
                           "host and path too long for a default name: add a 'name' key");
        memcpy(r->name, r->host, hl);
        memcpy(r->name + hl, r->path, pl + 1);
    }
    /* A function's cache namespace defaults to its route: routes never share keys. */
    for (size_t f = 0; f < r->function_count; f++)
        if (r->functions[f].owner[0] == '\0')
            snprintf(r->functions[f].owner, sizeof r->functions[f].owner, "%s", r->name);
    return true;
}

static bool k_routes(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    node_config *cfg = t;
    return cw_walk_sequence(w, v, path, NODE_MAX_ROUTES, "routes", route_item, cfg,
                            &cfg->route_count);
}

/* ---- whole file -------------------------------------------------------------------------------
 */

static void set_defaults(node_config *cfg)
{
    cfg->listener_count = 1;
    node_addr_parse("127.0.0.1:8080", &cfg->listeners[0], NULL);
    cfg->workers = 0;
    cfg->limits = (node_limits){.max_header_bytes = 32768,
                                .max_body_bytes = 10u << 20,
                                .max_uri_bytes = 8192,
                                .max_headers = 100};
    cfg->timeouts = (node_timeouts){.header_read_ms = 10000,
                                    .body_read_ms = 30000,
                                    .idle_ms = 60000,
                                    .upstream_connect_ms = 5000,
                                    .upstream_read_ms = 30000,
                                    .shutdown_drain_ms = 10000};
    cfg->admin.enabled = true;
    node_addr_parse("127.0.0.1:9090", &cfg->admin.listen, NULL);
    cfg->access_log = (node_access_log){.enabled = true, .format = NODE_LOG_JSON};
    strcpy(cfg->access_log.path, "stderr");
    node_addr_parse("127.0.0.1:8081", &cfg->demo_origin_listen, NULL);
    cfg->cache_max_bytes = NODE_DEFAULT_CACHE_BYTES;
    cw_route_source_defaults(cfg);
    cw_ipfs_defaults(cfg);
}

static bool is_loopback(const node_addr *a)
{
    return strncmp(a->host, "127.", 4) == 0 || strcmp(a->host, "::1") == 0;
}

static bool validate(walker *w)
{
    node_config *cfg = w->cfg;
    if (cfg->workers == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->workers = cores < 1                  ? DEFAULT_WORKERS_FALLBACK
                       : cores > NODE_MAX_WORKERS ? NODE_MAX_WORKERS
                                                  : (uint32_t)cores;
    }
    for (size_t i = 0; i < cfg->route_count; i++) {
        node_route *r = &cfg->routes[i];
        char path[PATH_BYTES];
        snprintf(path, sizeof path, "routes[%zu].upstream", i);
        size_t u = 0;
        while (u < cfg->upstream_count && strcmp(cfg->upstreams[u].name, r->upstream) != 0)
            u++;
        if (u == cfg->upstream_count)
            return cw_fail(w, w->route_upstream_mark[i], path, "unknown upstream '%s'",
                           r->upstream);
        r->upstream_index = u;
        for (size_t j = 0; j < i; j++) {
            snprintf(path, sizeof path, "routes[%zu]", i);
            if (strcmp(cfg->routes[j].host, r->host) == 0 &&
                strcmp(cfg->routes[j].path, r->path) == 0)
                return cw_fail(w, w->route_mark[i], path, "same host and path as routes[%zu]", j);
            if (strcmp(cfg->routes[j].name, r->name) == 0)
                return cw_fail(w, w->route_mark[i], path, "same name '%s' as routes[%zu]", r->name,
                               j);
        }
    }
    if (!cw_route_source_validate(w))
        return false;
    if (cfg->admin.enabled) {
        if (!cfg->admin.allow_non_loopback && !is_loopback(&cfg->admin.listen))
            return cw_fail(w, w->admin_listen_mark, "admin.listen",
                           "%s is not a loopback address (the admin API has no authentication; set "
                           "allow_non_loopback: true to expose it)",
                           cfg->admin.listen.host);
        for (size_t i = 0; i < cfg->listener_count; i++) {
            if (cfg->listeners[i].port != cfg->admin.listen.port ||
                strcmp(cfg->listeners[i].host, cfg->admin.listen.host) != 0)
                continue;
            if (w->admin_listen_mark.line != 0)
                return cw_fail(w, w->admin_listen_mark, "admin.listen",
                               "same address as listen[%zu]", i);
            char path[PATH_BYTES];
            snprintf(path, sizeof path, "listen[%zu]", i);
            return cw_fail(w, w->listener_mark[i], path,
                           "the admin API's default address; move one of them (admin.listen)");
        }
    }
    return true;
}

static bool walk_document(walker *w, yaml_node_t *root)
{
    static const key_handler h[] = {{"listen", k_listen},
                                    {"workers", k_workers},
                                    {"admin", k_admin},
                                    {"demo_origin", k_demo_origin},
                                    {"demo_origin_listen", k_demo_origin_listen},
                                    {"upstreams", k_upstreams},
                                    {"routes", k_routes},
                                    {"limits", k_limits},
                                    {"timeouts", k_timeouts},
                                    {"access_log", k_access_log},
                                    {"cache", cw_cache},
                                    {"route_source", cw_route_source},
                                    {"state_dir", cw_state_dir},
                                    {"ipfs", cw_ipfs}};
    if (!cw_walk_mapping(w, root, "", h, sizeof h / sizeof h[0], w->cfg))
        return false;
    return validate(w);
}

node_config *node_config_parse(const char *text, size_t len, const char *source, char *err)
{
    err[0] = '\0';
    if (len > NODE_MAX_CONFIG_BYTES) {
        snprintf(err, NODE_ERR_BYTES, "%s: %zu bytes, at most %d allowed", source, len,
                 NODE_MAX_CONFIG_BYTES);
        return NULL;
    }
    node_config *cfg = calloc(1, sizeof *cfg);
    if (cfg == NULL) {
        snprintf(err, NODE_ERR_BYTES, "%s: out of memory", source);
        return NULL;
    }
    snprintf(cfg->source, sizeof cfg->source, "%s", source);
    set_defaults(cfg);

    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, NODE_ERR_BYTES, "%s: out of memory", source);
        free(cfg);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, NODE_ERR_BYTES, "%s:%zu:%zu: yaml: %s%s%s", source,
                 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                 parser.problem ? parser.problem : "syntax error", parser.context ? " " : "",
                 parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        free(cfg);
        return NULL;
    }
    walker w = {.doc = &doc, .source = source, .err = err, .cfg = cfg};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    bool ok;
    if (root == NULL) {
        /* An empty file is the defaults: but without routes nothing is served. */
        ok = validate(&w);
    } else {
        ok = walk_document(&w, root);
    }
    /* A second document in the same file is a mistake, not something to ignore. */
    if (ok && root != NULL) {
        yaml_document_t extra;
        if (yaml_parser_load(&parser, &extra)) {
            yaml_node_t *r2 = yaml_document_get_root_node(&extra);
            if (r2 != NULL)
                ok = cw_fail(&w, cw_mark_of(r2), "", "a second YAML document; the config is one");
            yaml_document_delete(&extra);
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (!ok) {
        free(cfg);
        return NULL;
    }
    return cfg;
}

node_config *node_config_load(const char *path, char *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, NODE_ERR_BYTES, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(NODE_MAX_CONFIG_BYTES + 1);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, NODE_ERR_BYTES, "%s: out of memory", path);
        return NULL;
    }
    size_t n = fread(buf, 1, NODE_MAX_CONFIG_BYTES + 1, f);
    bool bad = ferror(f) != 0;
    int saved = errno;
    fclose(f);
    if (bad) {
        free(buf);
        snprintf(err, NODE_ERR_BYTES, "%s: cannot read: %s", path, strerror(saved));
        return NULL;
    }
    node_config *cfg = node_config_parse(buf, n, path, err);
    free(buf);
    return cfg;
}

void node_config_free(node_config *cfg)
{
    free(cfg);
}
