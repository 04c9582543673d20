/*
 * The admin API: a small http_server on the main thread's loop whose only stage answers every
 * request itself. GET /healthz says the node is up, GET /metrics returns the Prometheus text
 * exposition summed over the workers, GET /config the effective config as YAML. It shares the
 * strict HTTP layer with the proxy, so it is no softer a target, and it is bound to loopback
 * unless the config says otherwise.
 */
#include "node/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node_admin_server {
    http_server *srv;
    node_metrics *metrics;
    node_gen *const *current;
};

static http_verdict answer(http_request *req, int status, const char *type, const char *body)
{
    http_request_respond(req, status, type, body, strlen(body));
    return HTTP_RESPONDED;
}

static http_verdict admin_stage(http_request *req, void *ud)
{
    node_admin_server *a = ud;
    const char *method = http_request_method(req);
    const char *target = http_request_target(req);
    size_t path_len = strcspn(target, "?");
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
#define IS(p) (path_len == sizeof(p) - 1 && memcmp(target, p, path_len) == 0)
    if (!IS("/healthz") && !IS("/metrics") && !IS("/config"))
        return answer(req, 404, "text/plain; charset=utf-8",
                      "not found: the admin API serves /healthz, /metrics and /config\n");
    if (!get) {
        http_request_set_response_header(req, "Allow", "GET, HEAD");
        return answer(req, 405, "text/plain; charset=utf-8", "method not allowed\n");
    }
    if (IS("/healthz"))
        return answer(req, 200, "text/plain; charset=utf-8", "ok\n");
    char *text =
        IS("/metrics") ? node_metrics_render(a->metrics) : node_config_format((*a->current)->cfg);
#undef IS
    if (text == NULL)
        return answer(req, 500, "text/plain; charset=utf-8", "out of memory\n");
    const char *type =
        strncmp(target, "/metrics", 8) == 0 ? "text/plain; version=0.0.4" : "application/yaml";
    http_request_respond(req, 200, type, text, strlen(text));
    free(text);
    return HTTP_RESPONDED;
}

node_admin_server *node_admin_new(uv_loop_t *loop, const node_addr *addr, node_metrics *metrics,
                                  node_gen *const *current, char *err)
{
    node_admin_server *a = calloc(1, sizeof *a);
    if (a == NULL) {
        snprintf(err, NODE_ERR_BYTES, "admin: out of memory");
        return NULL;
    }
    a->metrics = metrics;
    a->current = current;
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

void node_admin_shutdown(node_admin_server *a)
{
    if (a == NULL)
        return;
    http_server_free(a->srv); /* closes at once; memory goes when the loop closes its handles */
    free(a);
}
