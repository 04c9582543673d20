/*
 * The route model shared by every route source: field validation (the registry program's rules
 * for domains and paths, the node's rule for patterns, a CID that parses), snapshots kept sorted
 * by (domain, path), the differ that turns two snapshots into the module manager's work list, and
 * the matcher that picks the route serving a request.
 */
#include "deploy/deploy.h"
#include "deploy/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { DOMAIN_LABEL_MAX_BYTES = 63 };

const char *route_module_type_name(route_module_type t)
{
    return t == ROUTE_MODULE_WAF ? "waf" : t == ROUTE_MODULE_FUNCTION ? "function" : "unknown";
}

const char *route_origin_name(route_origin o)
{
    switch (o) {
    case ROUTE_ORIGIN_FILE:
        return "file";
    case ROUTE_ORIGIN_SOLANA:
        return "solana";
    case ROUTE_ORIGIN_STATE:
        return "state";
    }
    return "unknown";
}

const char *route_change_kind_name(route_change_kind k)
{
    switch (k) {
    case ROUTE_ADDED:
        return "added";
    case ROUTE_CID_CHANGED:
        return "cid changed";
    case ROUTE_DISABLED:
        return "disabled";
    case ROUTE_ENABLED:
        return "enabled";
    case ROUTE_REMOVED:
        return "removed";
    }
    return "unknown";
}

/* The registry program's domain rule (contracts/wasm-registry/validate.c), so a name the program
 * accepts is accepted here and nothing else is. */
static dep_status validate_domain(const char *d, dep_error *err)
{
    size_t len = strnlen(d, ROUTE_DOMAIN_MAX_BYTES + 1);
    if (len == 0)
        return dep_fail(err, DEP_ERR_MALFORMED, "domain is empty");
    if (len > ROUTE_DOMAIN_MAX_BYTES)
        return dep_fail(err, DEP_ERR_MALFORMED, "domain is longer than %d bytes",
                        ROUTE_DOMAIN_MAX_BYTES);
    size_t i = (len >= 2 && d[0] == '*' && d[1] == '.') ? 2 : 0, label = 0;
    for (; i < len; i++) {
        char c = d[i];
        if (c == '.') {
            if (label == 0 || d[i - 1] == '-')
                return dep_fail(err, DEP_ERR_MALFORMED,
                                "domain \"%s\": empty label or label ending in '-'", d);
            label = 0;
            continue;
        }
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && !(c == '-' && label > 0))
            return dep_fail(err, DEP_ERR_MALFORMED,
                            "domain \"%s\": only a-z, 0-9, '-' and '.' are allowed (lowercase), "
                            "a label cannot start with '-'",
                            d);
        if (++label > DOMAIN_LABEL_MAX_BYTES)
            return dep_fail(err, DEP_ERR_MALFORMED, "domain \"%s\": a label exceeds %d bytes", d,
                            DOMAIN_LABEL_MAX_BYTES);
    }
    if (label == 0 || d[len - 1] == '-')
        return dep_fail(err, DEP_ERR_MALFORMED,
                        "domain \"%s\": empty last label or label ending in '-'", d);
    return DEP_OK;
}

static bool path_char(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("/-._~!$&'()*+,;=:@", c) != NULL;
}

/* The program's path rule (absolute, RFC 3986 characters, no empty, "." or ".." segment but a
 * trailing '/') plus the node's pattern rule: '*' only as a last segment of its own. */
static dep_status validate_path(const char *p, dep_error *err)
{
    size_t len = strnlen(p, ROUTE_PATH_MAX_BYTES + 1);
    if (len == 0)
        return dep_fail(err, DEP_ERR_MALFORMED, "path pattern is empty");
    if (len > ROUTE_PATH_MAX_BYTES)
        return dep_fail(err, DEP_ERR_MALFORMED, "path pattern is longer than %d bytes",
                        ROUTE_PATH_MAX_BYTES);
    if (p[0] != '/')
        return dep_fail(err, DEP_ERR_MALFORMED, "path pattern \"%s\" must start with '/'", p);
    size_t seg = 1;
    for (size_t i = 1; i <= len; i++) {
        if (i < len && !path_char(p[i]))
            return dep_fail(err, DEP_ERR_MALFORMED,
                            "path pattern \"%s\": byte 0x%02x is outside the RFC 3986 path set", p,
                            (unsigned char)p[i]);
        if (i < len && p[i] != '/')
            continue;
        size_t n = i - seg;
        bool last = i == len;
        if ((n == 0 && !last) || (n == 1 && p[seg] == '.') ||
            (n == 2 && p[seg] == '.' && p[seg + 1] == '.'))
            return dep_fail(err, DEP_ERR_MALFORMED,
                            "path pattern \"%s\": empty, \".\" or \"..\" segment", p);
        seg = i + 1;
    }
    const char *star = strchr(p, '*');
    if (star != NULL && !(star == p + len - 1 && p[len - 2] == '/'))
        return dep_fail(err, DEP_ERR_MALFORMED,
                        "path pattern \"%s\": '*' is allowed only as the last segment (\"/api/*\")",
                        p);
    return DEP_OK;
}

dep_status route_entry_validate(const route_entry *r, dep_error *err)
{
    dep_status st = validate_domain(r->domain, err);
    if (st == DEP_OK)
        st = validate_path(r->path, err);
    if (st != DEP_OK)
        return st;
    size_t cid_len = strnlen(r->cid, ROUTE_CID_MAX_BYTES + 1);
    if (cid_len == 0 || cid_len > ROUTE_CID_MAX_BYTES)
        return dep_fail(err, DEP_ERR_MALFORMED, "cid: %s", cid_len ? "too long" : "empty");
    dep_cid cid;
    dep_error cid_err;
    if (dep_cid_parse(r->cid, cid_len, &cid, &cid_err) != DEP_OK)
        return dep_fail(err, DEP_ERR_MALFORMED, "cid \"%s\": %s", r->cid, cid_err.message);
    if (r->module_type != ROUTE_MODULE_WAF && r->module_type != ROUTE_MODULE_FUNCTION)
        return dep_fail(err, DEP_ERR_MALFORMED, "module type %d is neither waf nor function",
                        (int)r->module_type);
    return DEP_OK;
}

static int entry_order(const void *a, const void *b)
{
    const route_entry *x = a, *y = b;
    int c = strcmp(x->domain, y->domain);
    return c ? c : strcmp(x->path, y->path);
}

dep_status route_snapshot_new(route_entry *routes, size_t count, route_snapshot **out,
                              dep_error *err)
{
    *out = NULL;
    if (count > ROUTE_MAX_ROUTES) {
        free(routes);
        return dep_fail(err, DEP_ERR_LIMIT, "%zu routes, at most %d allowed", count,
                        ROUTE_MAX_ROUTES);
    }
    if (count > 0)
        qsort(routes, count, sizeof *routes, entry_order);
    for (size_t i = 1; i < count; i++)
        if (entry_order(&routes[i - 1], &routes[i]) == 0) {
            dep_status st = dep_fail(err, DEP_ERR_MALFORMED, "route %s%s is listed twice",
                                     routes[i].domain, routes[i].path);
            free(routes);
            return st;
        }
    route_snapshot *s = calloc(1, sizeof *s);
    if (s == NULL) {
        free(routes);
        return dep_fail(err, DEP_ERR_NOMEM, "routes: out of memory");
    }
    s->routes = count ? routes : NULL;
    if (count == 0)
        free(routes);
    s->count = count;
    *out = s;
    return DEP_OK;
}

route_snapshot *route_snapshot_copy(const route_snapshot *s)
{
    route_snapshot *c = calloc(1, sizeof *c);
    if (c == NULL || s == NULL || s->count == 0)
        return c;
    c->routes = malloc(s->count * sizeof *c->routes);
    if (c->routes == NULL) {
        free(c);
        return NULL;
    }
    memcpy(c->routes, s->routes, s->count * sizeof *c->routes);
    c->count = s->count;
    return c;
}

void route_snapshot_free(route_snapshot *s)
{
    if (s == NULL)
        return;
    free(s->routes);
    free(s);
}

static bool entry_equal(const route_entry *a, const route_entry *b)
{
    return strcmp(a->domain, b->domain) == 0 && strcmp(a->path, b->path) == 0 &&
           strcmp(a->cid, b->cid) == 0 && a->module_type == b->module_type &&
           a->enabled == b->enabled && a->has_authority == b->has_authority &&
           (!a->has_authority || solana_pubkey_equal(&a->authority, &b->authority)) &&
           a->origin == b->origin && a->updated_at == b->updated_at;
}

bool route_snapshot_equal(const route_snapshot *a, const route_snapshot *b)
{
    size_t na = a ? a->count : 0, nb = b ? b->count : 0;
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!entry_equal(&a->routes[i], &b->routes[i]))
            return false;
    return true;
}

const route_entry *route_snapshot_find(const route_snapshot *s, const char *domain,
                                       const char *path)
{
    if (s == NULL || s->count == 0 || strlen(domain) > ROUTE_DOMAIN_MAX_BYTES ||
        strlen(path) > ROUTE_PATH_MAX_BYTES)
        return NULL;
    route_entry key;
    snprintf(key.domain, sizeof key.domain, "%s", domain);
    snprintf(key.path, sizeof key.path, "%s", path);
    return bsearch(&key, s->routes, s->count, sizeof key, entry_order);
}

/* ---- differ ---- */

typedef struct change_list {
    route_change *items;
    size_t count, cap;
} change_list;

static dep_status push(change_list *l, route_change_kind kind, const route_entry *before,
                       const route_entry *after, dep_error *err)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        route_change *n = realloc(l->items, cap * sizeof *n);
        if (n == NULL)
            return dep_fail(err, DEP_ERR_NOMEM, "route changes: out of memory");
        l->items = n;
        l->cap = cap;
    }
    route_change *c = &l->items[l->count++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    if (before)
        c->before = *before;
    if (after)
        c->after = *after;
    return DEP_OK;
}

dep_status route_diff(const route_snapshot *old, const route_snapshot *new, route_change **changes,
                      size_t *count, dep_error *err)
{
    *changes = NULL;
    *count = 0;
    size_t na = old ? old->count : 0, nb = new ? new->count : 0, i = 0, j = 0;
    change_list l = {0};
    dep_status st = DEP_OK;
    /* Both snapshots are sorted by (domain, path): one merge pass. */
    while (st == DEP_OK && (i < na || j < nb)) {
        const route_entry *a = i < na ? &old->routes[i] : NULL;
        const route_entry *b = j < nb ? &new->routes[j] : NULL;
        int c = a == NULL ? 1 : b == NULL ? -1 : entry_order(a, b);
        if (c < 0) {
            st = push(&l, ROUTE_REMOVED, a, NULL, err);
            i++;
        } else if (c > 0) {
            st = push(&l, ROUTE_ADDED, NULL, b, err);
            j++;
        } else {
            if (strcmp(a->cid, b->cid) != 0 || a->module_type != b->module_type)
                st = push(&l, ROUTE_CID_CHANGED, a, b, err);
            if (st == DEP_OK && a->enabled != b->enabled)
                st = push(&l, b->enabled ? ROUTE_ENABLED : ROUTE_DISABLED, a, b, err);
            i++;
            j++;
        }
    }
    if (st != DEP_OK) {
        free(l.items);
        return st;
    }
    *changes = l.items;
    *count = l.count;
    return DEP_OK;
}

/* ---- matching ---- */

size_t route_path_rank(const char *pattern, const char *path, size_t path_len)
{
    size_t n = strlen(pattern);
    if (n == 0)
        return 0;
    if (pattern[n - 1] != '*')
        return n == path_len && memcmp(pattern, path, n) == 0 ? (size_t)-1 : 0;
    /* "/api/" plus star covers "/api/..." and also "/api" itself (as src/node/route.c). */
    size_t prefix = n - 1;
    if (path_len >= prefix && memcmp(pattern, path, prefix) == 0)
        return prefix + 1;
    if (prefix > 1 && path_len == prefix - 1 && memcmp(pattern, path, prefix - 1) == 0)
        return prefix;
    return 0;
}

/* 0: no match; SIZE_MAX: exact domain; else the length of a matching "*.suffix" domain. */
static size_t host_rank(const char *domain, const char *host, size_t host_len)
{
    size_t n = strlen(domain);
    if (n >= 2 && domain[0] == '*' && domain[1] == '.') {
        /* "*.example.com" matches "a.example.com", never "example.com" itself. */
        if (host_len <= n - 1)
            return 0;
        return strncasecmp(domain + 1, host + host_len - (n - 1), n - 1) == 0 ? n : 0;
    }
    return n == host_len && strncasecmp(domain, host, host_len) == 0 ? (size_t)-1 : 0;
}

const route_entry *route_match(const route_snapshot *s, const char *host, size_t host_len,
                               const char *path, size_t path_len)
{
    if (s == NULL || host == NULL || path == NULL)
        return NULL;
    for (size_t i = host_len; i > 0; i--) { /* drop a ":port", not the colons of "[::1]" */
        if (host[i - 1] == ']')
            break;
        if (host[i - 1] == ':') {
            host_len = i - 1;
            break;
        }
    }
    if (host_len > 0 && host[host_len - 1] == '.')
        host_len--;
    if (host_len == 0)
        return NULL;
    const route_entry *best = NULL;
    size_t best_host = 0, best_path = 0;
    for (size_t i = 0; i < s->count; i++) {
        const route_entry *r = &s->routes[i];
        if (!r->enabled)
            continue;
        size_t hr = host_rank(r->domain, host, host_len);
        if (hr == 0)
            continue;
        size_t pr = route_path_rank(r->path, path, path_len);
        if (pr == 0)
            continue;
        if (hr > best_host || (hr == best_host && pr > best_path)) {
            best = r;
            best_host = hr;
            best_path = pr;
        }
    }
    return best;
}
