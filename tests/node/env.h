/*
 * A running test environment for the node's end-to-end tests: two demo origins ("a" and "b"),
 * an aegis-node in front of them with a config file, an admin port and an access log file.
 */
#ifndef AEGIS_TESTS_NODE_ENV_H
#define AEGIS_TESTS_NODE_ENV_H

#include "e2e.h"

typedef struct {
    uint16_t port, admin, port_a, port_b;
    e2e_proc node, origin_a, origin_b;
    char config[128];
    char log[128];
    const char *log_format; /* "json" (env_start) or "kv" */
} node_env;

/* The config text for env with `routes` (YAML list items) and `extra` top-level keys. */
void env_config_text(const node_env *e, const char *routes, const char *extra, char *out,
                     size_t cap);
/* Starts origins a and b and the node with those routes (access log in JSON). */
void env_start(node_env *e, const char *routes, const char *extra);
/* The same with the access log in the given format ("json" or "kv"). */
void env_start_log(node_env *e, const char *routes, const char *extra, const char *log_format);
/* Rewrites the config file (for SIGHUP tests). */
void env_rewrite(const node_env *e, const char *routes, const char *extra);
/* Stops everything (SIGTERM) and returns the node's exit status; removes the files. */
int env_stop(node_env *e);

/* GET through the node; returns the status, origin name ("a"/"b"/"" in origin) and body. */
int env_get(const node_env *e, const char *host, const char *path, char *origin, size_t cap);

/* The admin API's /metrics value of one series (exact line prefix "name{labels} "), -1 if the
 * series is absent. */
long long env_metric(const node_env *e, const char *series);

/* The same, polled until it equals `want` or 5 s pass: a request is counted when its last byte
 * has been written, which may be a moment after the client read it. Returns the last value. */
long long env_metric_is(const node_env *e, const char *series, long long want);

#endif
