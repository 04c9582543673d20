/*
 * Routes from a route source, on the node side (not for use outside src/node/): the route table
 * the workers match requests against (immutable once built, reference-counted, carried by a
 * config generation), and the follower that keeps it in step with the source (docs/ROUTES.md,
 * "How the node uses it").
 *
 * The follower runs on the main loop. It takes each new snapshot of the source (the `file`
 * source at start and on SIGHUP, the `solana` source whenever a poll finds a change), asks the
 * module manager for every route's module by CID (node_cid_ensure: fetched, verified, compiled
 * off the loop), and publishes a new table once a route's module is loaded or a route stops.
 * A route whose new module fails keeps serving its previous one and records why.
 */
#ifndef AEGIS_NODE_ROUTES_H
#define AEGIS_NODE_ROUTES_H

#include "deploy/deploy.h"
#include "node/internal.h"

/* ---- the table --------------------------------------------------------------------------- */

enum {
    NODE_ROUTE_OWNER_BYTES = ROUTE_DOMAIN_MAX_BYTES + 8,
    NODE_ROUTE_LABEL_BYTES = ROUTE_DOMAIN_MAX_BYTES + ROUTE_PATH_MAX_BYTES + 2,
};

/* A served route: the version of the route whose module is loaded. */
typedef struct {
    char module_id[NODE_MAX_NAME_BYTES]; /* in the module manager (the canonical CID) */
    char owner[NODE_ROUTE_OWNER_BYTES];  /* cache namespace: the authority, or "file:domain" */
    char label[NODE_ROUTE_LABEL_BYTES];  /* "domain/path" for the access log */
} node_sroute;

/* Routes served from the source: snap holds the enabled routes whose module is loaded (sorted,
 * as route_match wants), routes[i] belongs to snap->routes[i]. */
struct node_rtable {
    route_snapshot *snap;
    node_sroute *routes;
    _Atomic int refs;
};
typedef struct node_rtable node_rtable;

/* An empty table (refs 1); NULL when out of memory. */
node_rtable *node_rtable_empty(void);
void node_rtable_ref(node_rtable *t);
void node_rtable_unref(node_rtable *t);
/* The index of the source route serving host and path (route_match), or -1. */
int node_rtable_match(const node_rtable *t, const char *host, size_t host_len, const char *path,
                      size_t path_len);
size_t node_rtable_count(const node_rtable *t);

/* ---- the follower -------------------------------------------------------------------------- */

typedef struct node_follow node_follow;

/* Called on the main loop with each new table (borrowed: take a reference to keep it). */
typedef void (*node_follow_publish_fn)(void *ctx, node_rtable *table);

/* Creates the follower of cfg->route_source (which must not be NODE_SOURCE_NONE) and starts it:
 * the file source is read now (a file that does not load is an error: NULL with err), the solana
 * source loads its state file now and polls from a thread of its own. publish runs on loop. */
node_follow *node_follow_new(const node_config *cfg, uv_loop_t *loop, node_edge *edge,
                             node_follow_publish_fn publish, void *ctx, char *err);
/* The current table (borrowed). */
node_rtable *node_follow_table(node_follow *f);
/* SIGHUP: the file source reads its file again (a file that does not load is reported and the
 * current routes stay); the solana source polls on its own and ignores this. */
void node_follow_reload(node_follow *f);
/* Stops the source and closes the loop handles (at shutdown, while the loop still runs). */
void node_follow_close(node_follow *f);
/* Frees it once the loop is done (after node_follow_close). */
void node_follow_free(node_follow *f);

/* GET /routes: every route the source gave, with its state (JSON, malloc'd; NULL no memory). */
char *node_follow_render_json(node_follow *f);
/* The aegis_route_source_* series for /metrics (malloc'd; NULL when out of memory). */
char *node_follow_render_prometheus(node_follow *f);

/* Lets the admin API serve GET /routes and the route source's metrics. */
void node_admin_set_follow(node_admin_server *a, node_follow *follow);

#endif
