/*
 * The table of source routes that workers match requests against. A table never changes once
 * built: the follower builds a new one for every change and the node hands it to the workers
 * inside a new config generation, so a worker's request path reads it without any lock, and a
 * request in flight keeps the table (and module versions) it started with through the reference
 * its pipeline holds. Matching is deploy's route_match: one implementation of "the most specific
 * route wins" for the node's static routes and its source routes.
 */
#include "node/routes.h"

#include <stdlib.h>

node_rtable *node_rtable_empty(void)
{
    node_rtable *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    if (route_snapshot_new(NULL, 0, &t->snap, &(dep_error){0}) != DEP_OK) {
        free(t);
        return NULL;
    }
    atomic_init(&t->refs, 1);
    return t;
}

void node_rtable_ref(node_rtable *t)
{
    atomic_fetch_add(&t->refs, 1);
}

void node_rtable_unref(node_rtable *t)
{
    if (t == NULL || atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    route_snapshot_free(t->snap);
    free(t->routes);
    free(t);
}

int node_rtable_match(const node_rtable *t, const char *host, size_t host_len, const char *path,
                      size_t path_len)
{
    if (t == NULL || t->snap == NULL || t->snap->count == 0)
        return -1;
    const route_entry *r = route_match(t->snap, host, host_len, path, path_len);
    return r != NULL ? (int)(r - t->snap->routes) : -1;
}

size_t node_rtable_count(const node_rtable *t)
{
    return t != NULL && t->snap != NULL ? t->snap->count : 0;
}
