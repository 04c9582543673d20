/*
 * Config generations: a parsed config plus what is derived from it (the open access log, the
 * metrics slot of each route), reference-counted because workers switch to a new generation at
 * their own pace and requests in flight finish on the one they started with. The last reference
 * closes the log and frees the config.
 */
#include "node/internal.h"
#include "node/routes.h"

#include <stdio.h>
#include <stdlib.h>

node_gen *node_gen_new(node_config *cfg, node_access_logger *log, node_metrics *metrics, char *err)
{
    node_gen *g = calloc(1, sizeof *g);
    if (g == NULL) {
        snprintf(err, NODE_ERR_BYTES, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < cfg->route_count; i++) {
        int slot = node_metrics_slot(metrics, cfg->routes[i].name);
        if (slot < 0) {
            snprintf(err, NODE_ERR_BYTES,
                     "routes[%zu]: more than %d distinct route names since start; restart the "
                     "node to reset the metrics",
                     i, NODE_MAX_ROUTES);
            free(g);
            return NULL;
        }
        g->route_slot[i] = slot;
    }
    if (cfg->route_source.type != NODE_SOURCE_NONE &&
        (g->source_slot = node_metrics_slot(metrics, "route_source")) < 0) {
        snprintf(err, NODE_ERR_BYTES, "route_source: no metrics slot left; restart the node");
        free(g);
        return NULL;
    }
    g->cfg = cfg;
    g->log = log;
    atomic_init(&g->refs, 1);
    return g;
}

void node_gen_ref(node_gen *g)
{
    atomic_fetch_add(&g->refs, 1);
}

void node_gen_unref(node_gen *g)
{
    if (g == NULL || atomic_fetch_sub(&g->refs, 1) != 1)
        return;
    node_access_logger_free(g->log);
    node_rtable_unref(g->rt);
    node_config_free(g->cfg);
    free(g);
}
