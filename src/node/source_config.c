/*
 * The config key `route_source`: where the node learns routes beyond the static `routes` (a
 * routes file, or the on-chain registry polled over JSON-RPC), with the trust policy that decides
 * whose on-chain routes are believed. Values are checked with the rules the route source itself
 * applies (src/deploy/: route_trust_allow for domains and authorities, solana_pubkey_parse for
 * the program id), so a config that parses never fails later when the source starts. A key that
 * belongs to the other type ("rpc_url" with type file) is an error rather than ignored: it means
 * the operator expects something the node will not do.
 */
#include "deploy/deploy.h"
#include "node/config_walk.h"

#include <stdio.h>
#include <string.h>

enum { KEY_PATH, KEY_RPC_URL, KEY_PROGRAM_ID, KEY_POLL, KEY_STATE, KEY_TRUST, KEY_UNLISTED, KEY_N };

/* The walk's target: the section plus where each key was written (line 0: absent). */
typedef struct {
    node_route_source *rs;
    mark at[KEY_N];
    mark type_at;
    bool has_type;
} source_walk;

static bool k_type(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    source_walk *sw = t;
    const char *s;
    if (!cw_scalar_text(w, v, path, &s))
        return false;
    if (strcmp(s, "file") == 0)
        sw->rs->type = NODE_SOURCE_FILE;
    else if (strcmp(s, "solana") == 0)
        sw->rs->type = NODE_SOURCE_SOLANA;
    else
        return cw_fail(w, cw_mark_of(v), path, "expected file or solana, found '%s'", s);
    sw->has_type = true;
    sw->type_at = cw_mark_of(v);
    return true;
}

/* A relative path is read from the config file's directory, like module paths. */
static bool read_file_path(walker *w, const yaml_node_t *v, const char *path, char *out, size_t cap)
{
    char written[4096];
    if (!cw_read_string(w, v, path, written, sizeof written))
        return false;
    if (written[0] == '\0')
        return cw_fail(w, cw_mark_of(v), path, "empty path");
    const char *slash = strrchr(w->source, '/');
    size_t dir = written[0] == '/' || w->source[0] == '<' || slash == NULL
                     ? 0
                     : (size_t)(slash - w->source) + 1;
    int n = snprintf(out, cap, "%.*s%s", (int)dir, w->source, written);
    if (n < 0 || (size_t)n >= cap)
        return cw_fail(w, cw_mark_of(v), path, "path is longer than %zu bytes", cap - 1);
    return true;
}

static bool k_path(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    source_walk *sw = t;
    sw->at[KEY_PATH] = cw_mark_of(v);
    return read_file_path(w, v, path, sw->rs->path, sizeof sw->rs->path);
}

static bool k_state_file(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    source_walk *sw = t;
    sw->at[KEY_STATE] = cw_mark_of(v);
    return read_file_path(w, v, path, sw->rs->state_file, sizeof sw->rs->state_file);
}

static bool k_rpc_url(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    source_walk *sw = t;
    sw->at[KEY_RPC_URL] = cw_mark_of(v);
    char *url = sw->rs->rpc_url;
    if (!cw_read_string(w, v, path, url, sizeof sw->rs->rpc_url))
        return false;
    size_t scheme = strncmp(url, "http://", 7) == 0 ? 7 : strncmp(url, "https://", 8) == 0 ? 8 : 0;
    if (scheme == 0 || url[scheme] == '\0' || url[scheme] == '/')
        return cw_fail(w, cw_mark_of(v), path, "'%s' is not an http:// or https:// URL", url);
    for (const char *p = url; *p != '\0'; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return cw_fail(w, cw_mark_of(v), path, "URL contains a space or control character");
    return true;
}

static bool k_program_id(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    source_walk *sw = t;
    sw->at[KEY_PROGRAM_ID] = cw_mark_of(v);
    if (!cw_read_string(w, v, path, sw->rs->program_id, sizeof sw->rs->program_id))
        return false;
    solana_pubkey key;
    dep_error err;
    if (solana_pubkey_parse(sw->rs->program_id, &key, &err) != DEP_OK)
        return cw_fail(w, cw_mark_of(v), path, "%s", err.message);
    return true;
}

static bool k_poll(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    source_walk *sw = t;
    sw->at[KEY_POLL] = cw_mark_of(v);
    uint64_t ms;
    if (!cw_read_u64(w, v, path, 100, 3600000, &ms))
        return false;
    sw->rs->poll_interval_ms = (uint32_t)ms;
    return true;
}

static bool k_unlisted(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    source_walk *sw = t;
    sw->at[KEY_UNLISTED] = cw_mark_of(v);
    return cw_read_bool(w, v, path, &sw->rs->serve_unlisted_domains);
}

static bool k_upstream(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    source_walk *sw = t;
    w->source_upstream_mark = cw_mark_of(v);
    if (!cw_read_string(w, v, path, sw->rs->upstream, sizeof sw->rs->upstream))
        return false;
    if (sw->rs->upstream[0] == '\0')
        return cw_fail(w, cw_mark_of(v), path, "empty upstream name");
    return true;
}

/* trust: {domain: [authority, ...]}: each value checked by the policy the source will use. */
static bool k_trust(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    source_walk *sw = t;
    node_route_source *rs = sw->rs;
    sw->at[KEY_TRUST] = cw_mark_of(v);
    if (!cw_expect_type(w, v, YAML_MAPPING_NODE, path))
        return false;
    route_trust *probe = route_trust_new(false);
    if (probe == NULL)
        return cw_fail(w, cw_mark_of(v), path, "out of memory");
    bool ok = true;
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; ok && p < v->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
        yaml_node_t *list = yaml_document_get_node(w->doc, p->value);
        if (k == NULL || list == NULL) {
            ok = cw_fail(w, cw_mark_of(v), path, "malformed mapping");
            break;
        }
        const char *domain;
        if (!cw_scalar_text(w, k, path, &domain)) {
            ok = false;
            break;
        }
        char sub[PATH_BYTES];
        cw_join_path(sub, path, domain);
        if (rs->trust_count == NODE_MAX_TRUST_DOMAINS) {
            ok = cw_fail(w, cw_mark_of(k), sub, "more than %d domains", NODE_MAX_TRUST_DOMAINS);
            break;
        }
        if (strlen(domain) > NODE_MAX_HOST_BYTES) {
            ok = cw_fail(w, cw_mark_of(k), sub, "domain is longer than %d bytes",
                         NODE_MAX_HOST_BYTES);
            break;
        }
        for (size_t i = 0; ok && i < rs->trust_count; i++)
            if (strcmp(rs->trust[i].domain, domain) == 0)
                ok = cw_fail(w, cw_mark_of(k), sub, "duplicate domain");
        if (!ok || !(ok = cw_expect_type(w, list, YAML_SEQUENCE_NODE, sub)))
            break;
        node_trust_domain *d = &rs->trust[rs->trust_count];
        memset(d, 0, sizeof *d);
        snprintf(d->domain, sizeof d->domain, "%s", domain);
        for (yaml_node_item_t *it = list->data.sequence.items.start;
             ok && it < list->data.sequence.items.top; it++) {
            char item_path[PATH_BYTES];
            snprintf(item_path, sizeof item_path, "%.200s[%zu]", sub, d->authority_count);
            yaml_node_t *item = yaml_document_get_node(w->doc, *it);
            const char *key;
            if (item == NULL) {
                ok = cw_fail(w, cw_mark_of(list), item_path, "malformed list");
            } else if (!cw_scalar_text(w, item, item_path, &key)) {
                ok = false;
            } else if (d->authority_count == NODE_MAX_TRUST_AUTHORITIES) {
                ok = cw_fail(w, cw_mark_of(item), item_path, "more than %d authorities",
                             NODE_MAX_TRUST_AUTHORITIES);
            } else {
                dep_error err;
                if (route_trust_allow(probe, domain, key, &err) != DEP_OK)
                    ok = cw_fail(w, cw_mark_of(item), item_path, "%s", err.message);
                else
                    snprintf(d->authorities[d->authority_count++], NODE_PUBKEY_TEXT_BYTES, "%s",
                             key);
            }
        }
        if (ok && d->authority_count == 0)
            ok = cw_fail(w, cw_mark_of(list), sub,
                         "no authority listed (remove the domain to stop trusting anyone)");
        if (ok)
            rs->trust_count++;
    }
    route_trust_free(probe);
    return ok;
}

bool cw_route_source(walker *w, const yaml_node_t *v, const char *path, void *t)
{
    static const key_handler h[] = {{"type", k_type},
                                    {"path", k_path},
                                    {"rpc_url", k_rpc_url},
                                    {"program_id", k_program_id},
                                    {"poll_interval_ms", k_poll},
                                    {"state_file", k_state_file},
                                    {"trust", k_trust},
                                    {"serve_unlisted_domains", k_unlisted},
                                    {"upstream", k_upstream}};
    static const char *const names[KEY_N] = {"path",
                                             "rpc_url",
                                             "program_id",
                                             "poll_interval_ms",
                                             "state_file",
                                             "trust",
                                             "serve_unlisted_domains"};
    node_config *cfg = t;
    node_route_source *rs = &cfg->route_source;
    source_walk sw = {.rs = rs};
    if (!cw_walk_mapping(w, v, path, h, sizeof h / sizeof h[0], &sw))
        return false;
    if (!sw.has_type)
        return cw_fail(w, cw_mark_of(v), path, "missing key 'type' (file or solana)");
    bool file = rs->type == NODE_SOURCE_FILE;
    for (int k = 0; k < KEY_N; k++) {
        bool for_file = k == KEY_PATH;
        if (sw.at[k].line != 0 && for_file != file) {
            char sub[PATH_BYTES];
            cw_join_path(sub, path, names[k]);
            return cw_fail(w, sw.at[k], sub, "only for type %s (this source is type %s)",
                           for_file ? "file" : "solana", file ? "file" : "solana");
        }
    }
    if (file && rs->path[0] == '\0')
        return cw_fail(w, cw_mark_of(v), path, "missing key 'path' (the routes file)");
    if (!file && rs->rpc_url[0] == '\0')
        return cw_fail(w, cw_mark_of(v), path, "missing key 'rpc_url'");
    return true;
}

void cw_route_source_defaults(node_config *cfg)
{
    cfg->route_source.poll_interval_ms = ROUTE_POLL_INTERVAL_MS_DEFAULT;
}

bool cw_route_source_validate(walker *w)
{
    node_route_source *rs = &w->cfg->route_source;
    /* The last good routes of the registry are kept by default, next to the module cache, so
     * that a restart with the RPC down serves them. */
    if (rs->type == NODE_SOURCE_SOLANA && rs->state_file[0] == '\0' && w->cfg->state_dir[0] != '\0')
        snprintf(rs->state_file, sizeof rs->state_file, "%.4000s/routes.json", w->cfg->state_dir);
    if (rs->upstream[0] == '\0')
        return true;
    for (size_t u = 0; u < w->cfg->upstream_count; u++) {
        if (strcmp(w->cfg->upstreams[u].name, rs->upstream) == 0) {
            rs->upstream_index = u;
            return true;
        }
    }
    return cw_fail(w, w->source_upstream_mark, "route_source.upstream", "unknown upstream '%s'",
                   rs->upstream);
}
