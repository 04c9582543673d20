/*
 * The admin API: a small http_server on the main thread's loop whose only stage answers every
 * request itself. GET /healthz says the node is up, GET /metrics returns the Prometheus text
 * exposition summed over the workers (with the edge's per-module and cache series), GET /config
 * the effective config as YAML, GET /modules the loaded WebAssembly modules with their counters,
 * and POST /modules/reload (?id=ID for one) reloads module files, reporting each outcome. It shares
 * the strict HTTP layer with the proxy, so it is no softer a target, and it is bound to loopback
 * unless the config says otherwise.
 */
#include "node/internal.h"
#include "node/module_cid.h"
#include "node/routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node_admin_server {
    http_server *srv;
    node_metrics *metrics;
    node_gen *const *current;
    node_edge *edge;
    node_follow *follow; /* NULL: no route source */
};

static http_verdict answer(http_request *req, int status, const char *type, const char *body)
{
    http_request_respond(req, status, type, body, strlen(body));
    return HTTP_RESPONDED;
}

/* Concatenates the node's metrics with the edge's (caller frees); NULL when out of memory. */
static char *all_metrics(node_admin_server *a)
{
    char *parts[4] = {node_metrics_render(a->metrics),
                      edge_modules_render_prometheus(node_edge_modules(a->edge)),
                      edge_cache_render_prometheus(node_edge_cache(a->edge)),
                      node_cid_render_prometheus(node_edge_cid_loader(a->edge))};
    char *out = NULL;
    if (parts[0] != NULL && parts[1] != NULL && parts[2] != NULL && parts[3] != NULL) {
        size_t l0 = strlen(parts[0]), l1 = strlen(parts[1]), l2 = strlen(parts[2]);
        size_t l3 = strlen(parts[3]);
        out = malloc(l0 + l1 + l2 + l3 + 1);
        if (out != NULL) {
            memcpy(out, parts[0], l0);
            memcpy(out + l0, parts[1], l1);
            memcpy(out + l0 + l1, parts[2], l2);
            memcpy(out + l0 + l1 + l2, parts[3], l3 + 1);
        }
    }
    for (int i = 0; i < 4; i++)
        free(parts[i]);
    if (out != NULL && a->follow != NULL) {
        char *more = node_follow_render_prometheus(a->follow);
        size_t l0 = strlen(out), l1 = more != NULL ? strlen(more) : 0;
        char *both = more != NULL ? realloc(out, l0 + l1 + 1) : NULL;
        if (both != NULL)
            memcpy(both + l0, more, l1 + 1);
        else
            free(out);
        out = both;
        free(more);
    }
    return out;
}

/* POST /modules/reload[?id=ID]: ids are config names ([A-Za-z0-9_.-]), so no unescaping. */
static http_verdict reload_modules(node_admin_server *a, http_request *req, const char *query)
{
    char id[NODE_MAX_NAME_BYTES];
    const char *want = NULL;
    if (query != NULL && query[0] != '\0') {
        size_t n = strlen(query);
        if (strncmp(query, "id=", 3) != 0 || n - 3 >= sizeof id || n == 3 ||
            strcspn(query + 3, "&=%+") != n - 3)
            return answer(req, 400, "application/json",
                          "{\"error\":\"the only parameter is id=MODULE_ID\"}\n");
        memcpy(id, query + 3, n - 2);
        want = id;
    }
    int status;
    char *text = node_edge_reload(a->edge, (*a->current)->cfg, want, &status);
    if (text == NULL)
        return answer(req, 500, "text/plain; charset=utf-8", "out of memory\n");
    http_request_respond(req, status, "application/json", text, strlen(text));
    free(text);
    return HTTP_RESPONDED;
}

static http_verdict admin_stage(http_request *req, void *ud)
{
    node_admin_server *a = ud;
    const char *method = http_request_method(req);
    const char *target = http_request_target(req);
    size_t path_len = strcspn(target, "?");
    const char *query = target[path_len] == '?' ? target + path_len + 1 : NULL;
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
#define IS(p) (path_len == sizeof(p) - 1 && memcmp(target, p, path_len) == 0)
    if (IS("/modules/reload")) {
        if (strcmp(method, "POST") != 0) {
            http_request_set_response_header(req, "Allow", "POST");
            return answer(req, 405, "text/plain; charset=utf-8", "method not allowed\n");
        }
        return reload_modules(a, req, query);
    }
    if (!IS("/healthz") && !IS("/metrics") && !IS("/config") && !IS("/modules") && !IS("/routes"))
        return answer(
            req, 404, "text/plain; charset=utf-8",
            "not found: the admin API serves /healthz, /metrics, /config, /modules, /routes "
            "and POST /modules/reload\n");
    if (!get) {
        http_request_set_response_header(req, "Allow", "GET, HEAD");
        return answer(req, 405, "text/plain; charset=utf-8", "method not allowed\n");
    }
    if (IS("/healthz"))
        return answer(req, 200, "text/plain; charset=utf-8", "ok\n");
    const char *type = "application/yaml";
    char *text;
    if (IS("/metrics")) {
        text = all_metrics(a);
        type = "text/plain; version=0.0.4";
    } else if (IS("/routes")) {
        text = a->follow != NULL ? node_follow_render_json(a->follow)
                                 : strdup("{\"source\":null,\"routes\":[]}\n");
        type = "application/json";
    } else if (IS("/modules")) {
        char *list = edge_modules_render_json(node_edge_modules(a->edge));
        text = list != NULL ? node_cid_modules_json(node_edge_cid_loader(a->edge), list) : NULL;
        free(list);
        type = "application/json";
    } else {
        text = node_config_format((*a->current)->cfg);
    }
#undef IS
    if (text == NULL)
        return answer(req, 500, "text/plain; charset=utf-8", "out of memory\n");
    http_request_respond(req, 200, type, text, strlen(text));
    free(text);
    return HTTP_RESPONDED;
}

node_admin_server *node_admin_new(uv_loop_t *loop, const node_addr *addr, node_metrics *metrics,
                                  node_gen *const *current, node_edge *edge, char *err)
{
    node_admin_server *a = calloc(1, sizeof *a);
    if (a == NULL) {
        snprintf(err, NODE_ERR_BYTES, "admin: out of memory");
        return NULL;
    }
    a->metrics = metrics;
    a->current = current;
    a->edge = edge;
    http_stage stage = {.name = "admin", .on_request_headers = admin_stage, .ud = a};
    http_pipeline pl = {.stages = &stage, .stage_count = 1};
    http_server_config sc = {.host = addr->host, .port = addr->port};
    char why[256];
    a->srv = http_server_new(loop, &sc, &pl, why, sizeof why);
    if (a->srv == NULL) {
        snprintf(err, NODE_ERR_BYTES, "admin.listen: %s", why);
        free(a);
        return NULL;
    }
    return a;
}

void node_admin_set_follow(node_admin_server *a, node_follow *follow)
{
    a->follow = follow;
}

void node_admin_shutdown(node_admin_server *a)
{
    if (a == NULL)
        return;
    http_server_free(a->srv); /* closes at once; memory goes when the loop closes its handles */
    free(a);
}
