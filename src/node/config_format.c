/*
 * Writes a node_config back out as YAML: the effective config, with every default filled in, that
 * the admin API serves at /config. The output parses back into an equal config (a test checks
 * that), so an operator can copy it into a file as a starting point.
 */
#include "node/node.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *buf;
    size_t len, cap;
    bool oom;
} strbuf;

__attribute__((format(printf, 2, 3))) static void put(strbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)n;
        char *nb = realloc(b->buf, cap);
        if (nb == NULL) {
            b->oom = true;
            return;
        }
        b->buf = nb;
        b->cap = cap;
    }
}

static void put_addr(strbuf *b, const node_addr *a)
{
    if (strchr(a->host, ':') != NULL)
        put(b, "\"[%s]:%u\"", a->host, a->port);
    else
        put(b, "%s:%u", a->host, a->port);
}

/* A double-quoted YAML scalar; config strings are already restricted to printable text, but a
 * file path may hold anything. */
static void put_quoted(strbuf *b, const char *s)
{
    put(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            put(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            put(b, "\\x%02x", *p);
        else
            put(b, "%c", *p);
    }
    put(b, "\"");
}

/* The limits of a module use, as the keys the file would give them. */
static void put_limits(strbuf *b, const node_module_use *u, const char *indent)
{
    put(b, "%sfuel: %llu\n%sdeadline_ms: %llu\n%smemory_mb: %llu\n", indent,
        (unsigned long long)u->fuel, indent, (unsigned long long)u->deadline_ms, indent,
        (unsigned long long)(u->memory_bytes / 1000000));
}

/* "module: <path>" for a module file, "cid: <cid>" for a module named by its CID. */
static void put_module(strbuf *b, const node_module *m, const char *lead)
{
    put(b, "%s%s: ", lead, m->cid[0] != '\0' ? "cid" : "module");
    put_quoted(b, m->cid[0] != '\0' ? m->cid : m->path);
}

/* state_dir and the ipfs section, with their effective values. */
static void put_ipfs(strbuf *b, const node_config *cfg)
{
    const node_ipfs *p = &cfg->ipfs;
    put(b, "state_dir: ");
    put_quoted(b, cfg->state_dir);
    put(b, p->gateway_count > 0 ? "\nipfs:\n  gateways:\n" : "\nipfs:\n  gateways: []\n");
    for (size_t i = 0; i < p->gateway_count; i++) {
        put(b, "    - ");
        put_quoted(b, p->gateways[i]);
        put(b, "\n");
    }
    put(b,
        "  connect_timeout_ms: %u\n  total_timeout_ms: %u\n  stall_timeout_ms: %u\n"
        "  cache_max_mb: %llu\n  max_waf_module_mb: %llu\n  max_function_module_mb: %llu\n",
        p->connect_timeout_ms, p->total_timeout_ms, p->stall_timeout_ms,
        (unsigned long long)(p->cache_max_bytes / 1000000),
        (unsigned long long)(p->max_waf_module_bytes / 1000000),
        (unsigned long long)(p->max_function_module_bytes / 1000000));
    if (p->gateway_listen_enabled) {
        put(b, "  gateway_listen: ");
        put_addr(b, &p->gateway_listen);
        put(b, "\n");
    }
}

static void put_uses(strbuf *b, const node_config *cfg, const node_route *r)
{
    if (r->has_waf) {
        put_module(b, &cfg->modules[r->waf.module], "    waf:\n      ");
        put(b, "\n      on_error: %s\n", r->waf.block_on_error ? "block" : "allow");
        put_limits(b, &r->waf, "      ");
    }
    if (r->function_count > 0)
        put(b, "    functions:\n");
    for (size_t f = 0; f < r->function_count; f++) {
        const node_module_use *u = &r->functions[f];
        put_module(b, &cfg->modules[u->module], "      - ");
        put(b, "\n        owner: ");
        put_quoted(b, u->owner);
        put(b, "\n");
        put_limits(b, u, "        ");
    }
}

/* The route_source section (absent when there is none), with its effective values. */
static void put_route_source(strbuf *b, const node_route_source *rs)
{
    if (rs->type == NODE_SOURCE_NONE)
        return;
    put(b, "route_source:\n  type: %s\n", rs->type == NODE_SOURCE_FILE ? "file" : "solana");
    if (rs->type == NODE_SOURCE_FILE) {
        put(b, "  path: ");
        put_quoted(b, rs->path);
        put(b, "\n");
    } else {
        put(b, "  rpc_url: ");
        put_quoted(b, rs->rpc_url);
        put(b, "\n");
        if (rs->program_id[0] != '\0')
            put(b, "  program_id: %s\n", rs->program_id);
        put(b, "  poll_interval_ms: %u\n", rs->poll_interval_ms);
        if (rs->state_file[0] != '\0') {
            put(b, "  state_file: ");
            put_quoted(b, rs->state_file);
            put(b, "\n");
        }
        put(b, rs->trust_count > 0 ? "  trust:\n" : "  trust: {}\n");
        for (size_t i = 0; i < rs->trust_count; i++) {
            put(b, "    ");
            put_quoted(b, rs->trust[i].domain);
            put(b, ": [");
            for (size_t k = 0; k < rs->trust[i].authority_count; k++)
                put(b, "%s%s", k ? ", " : "", rs->trust[i].authorities[k]);
            put(b, "]\n");
        }
        put(b, "  serve_unlisted_domains: %s\n", rs->serve_unlisted_domains ? "true" : "false");
    }
    if (rs->upstream[0] != '\0')
        put(b, "  upstream: %s\n", rs->upstream);
}

char *node_config_format(const node_config *cfg)
{
    strbuf b = {.buf = malloc(4096), .cap = 4096};
    if (b.buf == NULL)
        return NULL;
    b.buf[0] = '\0';
    put(&b, "listen:\n");
    for (size_t i = 0; i < cfg->listener_count; i++) {
        put(&b, "  - ");
        put_addr(&b, &cfg->listeners[i]);
        put(&b, "\n");
    }
    put(&b, "workers: %u\n", cfg->workers);
    put(&b, "admin:\n  enabled: %s\n  listen: ", cfg->admin.enabled ? "true" : "false");
    put_addr(&b, &cfg->admin.listen);
    put(&b, "\n  allow_non_loopback: %s\n", cfg->admin.allow_non_loopback ? "true" : "false");
    put(&b, "demo_origin: %s\ndemo_origin_listen: ", cfg->demo_origin ? "true" : "false");
    put_addr(&b, &cfg->demo_origin_listen);
    put(&b, "\n");
    put(&b, cfg->upstream_count > 0 ? "upstreams:\n" : "upstreams: {}\n");
    for (size_t i = 0; i < cfg->upstream_count; i++) {
        const node_upstream *u = &cfg->upstreams[i];
        put(&b, "  %s:\n    servers:\n", u->name);
        for (size_t s = 0; s < u->server_count; s++) {
            put(&b, "      - ");
            put_addr(&b, &u->servers[s]);
            put(&b, "\n");
        }
        put(&b, "    pool_size: %u\n", u->pool_size);
    }
    put(&b, cfg->route_count > 0 ? "routes:\n" : "routes: []\n");
    for (size_t i = 0; i < cfg->route_count; i++) {
        const node_route *r = &cfg->routes[i];
        put(&b, "  - name: ");
        put_quoted(&b, r->name);
        put(&b, "\n    host: ");
        put_quoted(&b, r->host);
        put(&b, "\n    path: ");
        put_quoted(&b, r->path);
        put(&b, "\n    upstream: %s\n", r->upstream);
        put_uses(&b, cfg, r);
    }
    const node_limits *l = &cfg->limits;
    put(&b,
        "limits:\n  max_header_bytes: %u\n  max_body_bytes: %llu\n  max_uri_bytes: %u\n"
        "  max_headers: %u\n",
        l->max_header_bytes, (unsigned long long)l->max_body_bytes, l->max_uri_bytes,
        l->max_headers);
    const node_timeouts *t = &cfg->timeouts;
    put(&b,
        "timeouts:\n  header_read_ms: %u\n  body_read_ms: %u\n  idle_ms: %u\n"
        "  upstream_connect_ms: %u\n  upstream_read_ms: %u\n  shutdown_drain_ms: %u\n",
        t->header_read_ms, t->body_read_ms, t->idle_ms, t->upstream_connect_ms, t->upstream_read_ms,
        t->shutdown_drain_ms);
    put(&b, "access_log:\n  enabled: %s\n  format: %s\n  path: ",
        cfg->access_log.enabled ? "true" : "false",
        cfg->access_log.format == NODE_LOG_JSON ? "json" : "kv");
    put_quoted(&b, cfg->access_log.path);
    put(&b, "\ncache:\n  max_bytes: %llu\n", (unsigned long long)cfg->cache_max_bytes);
    put_route_source(&b, &cfg->route_source);
    put_ipfs(&b, cfg);
    if (b.oom) {
        free(b.buf);
        return NULL;
    }
    return b.buf;
}
