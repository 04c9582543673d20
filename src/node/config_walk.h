/*
 * Internals of the config reader shared by its files (src/node/config.c walks the document,
 * src/node/config_edge.c reads the WebAssembly keys of routes): the walker state, the helpers
 * that read typed scalars with line:col errors, and the table-driven mapping walk.
 */
#ifndef AEGIS_NODE_CONFIG_WALK_H
#define AEGIS_NODE_CONFIG_WALK_H

#include "node/node.h"

#include <yaml.h>

enum {
    PATH_BYTES = 256, /* a key path such as "upstreams.api.servers[3]" */
};

typedef struct {
    size_t line, column; /* 1-based */
} mark;

typedef struct {
    yaml_document_t *doc;
    const char *source;
    char *err;
    node_config *cfg;
    /* Where each route's fields were written, for errors found after the walk. */
    mark route_mark[NODE_MAX_ROUTES];
    mark route_upstream_mark[NODE_MAX_ROUTES];
    mark admin_listen_mark; /* line 0: admin.listen not written, the default applies */
    mark listener_mark[NODE_MAX_LISTENERS];
    mark source_upstream_mark; /* route_source.upstream */
} walker;

typedef bool (*key_fn)(walker *w, const yaml_node_t *value, const char *path, void *target);

typedef struct {
    const char *key;
    key_fn fn;
} key_handler;

mark cw_mark_of(const yaml_node_t *n);
/* Writes "source:line:col: path: message" into w->err; returns false. */
bool cw_fail(walker *w, mark m, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool cw_expect_type(walker *w, const yaml_node_t *n, yaml_node_type_t t, const char *path);
bool cw_scalar_text(walker *w, const yaml_node_t *n, const char *path, const char **out);
bool cw_read_u64(walker *w, const yaml_node_t *n, const char *path, uint64_t min, uint64_t max,
                 uint64_t *out);
bool cw_read_bool(walker *w, const yaml_node_t *n, const char *path, bool *out);
bool cw_read_string(walker *w, const yaml_node_t *n, const char *path, char *buf, size_t cap);
void cw_join_path(char *out, const char *base, const char *key);
/* Walks a mapping whose keys must all be among `handlers`; each appears at most once. */
bool cw_walk_mapping(walker *w, const yaml_node_t *map, const char *path,
                     const key_handler *handlers, size_t handler_count, void *target);

/* Called by cw_walk_sequence for one item, with its path "path[index]". */
typedef bool (*item_fn)(walker *w, const yaml_node_t *item, const char *path, size_t index,
                        void *target);
/* Walks a sequence of at most max items ("more than <max> <what>" beyond), calling fn for each;
 * *count (the index fn is given) counts the items fn accepted. */
bool cw_walk_sequence(walker *w, const yaml_node_t *seq, const char *path, size_t max,
                      const char *what, item_fn fn, void *target, size_t *count);

/* The route keys `waf` and `functions` (src/node/config_edge.c); target is the node_route. */
bool cw_route_waf(walker *w, const yaml_node_t *v, const char *path, void *target);
bool cw_route_functions(walker *w, const yaml_node_t *v, const char *path, void *target);
/* The top-level key `cache`; target is the node_config. */
bool cw_cache(walker *w, const yaml_node_t *v, const char *path, void *target);
/* The top-level keys `state_dir` and `ipfs` (src/node/config_edge.c); target is the node_config.
 * cw_ipfs_defaults sets their defaults (state_dir from the environment, see docs/CONFIG.md). */
bool cw_state_dir(walker *w, const yaml_node_t *v, const char *path, void *target);
bool cw_ipfs(walker *w, const yaml_node_t *v, const char *path, void *target);
void cw_ipfs_defaults(node_config *cfg);
/* The top-level key `route_source` (src/node/source_config.c); target is the node_config. Its
 * defaults are set by cw_route_source_defaults, and its upstream reference is checked by
 * cw_route_source_validate once the whole document is read. */
bool cw_route_source(walker *w, const yaml_node_t *v, const char *path, void *target);
void cw_route_source_defaults(node_config *cfg);
bool cw_route_source_validate(walker *w);

#endif
