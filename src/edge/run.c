/*
 * One module run on requests outside any server, for `aegis-wasm-cli test`. Nothing here
 * re-implements the pipeline: the module is loaded by the module manager, the request is an
 * http_request from http_request_local_new, and it goes through edge_route_on_request_headers /
 * _on_request_body like a node's request, so the module sees the same request JSON and host
 * functions, under the same limits, with the same result checks and the same answers (403 for a
 * block, 502 for a failing function, on_error for a failing WAF). What this file adds is
 * observation: the log lines of the request, the failure kind and message, fuel, time and memory.
 */
#include "edge_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    EDGE_RUN_LOG_LINES_MAX = 1000, /* per request; the module's own rate limit is lower */
};

struct edge_run {
    edge_modules *mods;
    edge_cache *cache;
    edge_route *route;
    edge_entry *entry;
    edge_module_type type;
    char **lines; /* log lines since the last request started */
    size_t nlines;
    bool lines_failed; /* out of memory while collecting */
    uint64_t requests;
};

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void collect(void *data, const char *line)
{
    edge_run *run = data;
    if (run->nlines == EDGE_RUN_LOG_LINES_MAX)
        return;
    char **grown = realloc(run->lines, (run->nlines + 1) * sizeof *grown);
    char *copy = grown ? strdup(line) : NULL;
    if (grown != NULL)
        run->lines = grown;
    if (copy == NULL) {
        run->lines_failed = true;
        return;
    }
    run->lines[run->nlines++] = copy;
}

static void drop_lines(edge_run *run)
{
    for (size_t i = 0; i < run->nlines; i++)
        free(run->lines[i]);
    free(run->lines);
    run->lines = NULL;
    run->nlines = 0;
}

edge_run *edge_run_new(const uint8_t *module, size_t len, const edge_run_options *opt, char *err,
                       size_t errlen)
{
    edge_run *run = calloc(1, sizeof *run);
    const char *id = opt->module_id ? opt->module_id : "module";
    if (run == NULL || (run->mods = edge_modules_new(collect, run)) == NULL ||
        (run->cache = edge_cache_new(
             opt->cache_max_bytes ? opt->cache_max_bytes : EDGE_RUN_CACHE_BYTES_DEFAULT)) == NULL) {
        snprintf(err, errlen, "edge: out of memory");
        edge_run_free(run);
        return NULL;
    }
    /* Every failure is reported: one request is not a flood to rate-limit. */
    edge_modules_set_failure_log_interval(run->mods, 0);
    run->type = opt->type;
    if (edge_modules_load(run->mods, id, opt->type, module, len, err, errlen) != 0) {
        edge_run_free(run);
        return NULL;
    }
    const char *fns[1] = {id};
    edge_route_config cfg = {.owner = opt->owner ? opt->owner : "local"};
    if (opt->type == EDGE_MODULE_WAF) {
        cfg.waf_module = id;
        cfg.waf_limits = opt->limits;
        cfg.waf_block_on_error = opt->waf_block_on_error;
    } else {
        cfg.functions = fns;
        cfg.function_count = 1;
        cfg.function_limits = opt->limits;
    }
    run->entry = edge_modules_find(run->mods, id);
    if ((run->route = edge_route_new(run->mods, run->cache, &cfg, err, errlen)) == NULL) {
        edge_run_free(run);
        return NULL;
    }
    drop_lines(run); /* module_loaded: not a line of any request */
    return run;
}

void edge_run_free(edge_run *run)
{
    if (run == NULL)
        return;
    edge_route_free(run->route);
    edge_modules_free(run->mods);
    edge_cache_free(run->cache);
    drop_lines(run);
    free(run);
}

void edge_run_result_clear(edge_run_result *r)
{
    free(r->content_type);
    free(r->body);
    for (size_t i = 0; i < r->header_count; i++) {
        free(r->header_names[i]);
        free(r->header_values[i]);
    }
    free(r->header_names);
    free(r->header_values);
    for (size_t i = 0; i < r->log_count; i++)
        free(r->log_lines[i]);
    free(r->log_lines);
    free(r->request_json);
    memset(r, 0, sizeof *r);
    r->fail_kind = -1;
}

static char *dup_n(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s != NULL) {
        if (n > 0)
            memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* The error="..." of the module_failed line, unescaped as far as edge_log_text escaped it. */
static void failure_message(const edge_run *run, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = run->nlines; i-- > 0;) {
        const char *line = run->lines[i];
        const char *p = strstr(line, " error=\"");
        if (strncmp(line, "event=module_failed ", 20) != 0 || p == NULL)
            continue;
        size_t o = 0;
        for (p += 8; *p && *p != '"' && o + 1 < cap; p++) {
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                p++;
            out[o++] = *p;
        }
        out[o] = '\0';
        return;
    }
}

/* Copies what the stage left on the request into the result. */
static bool take_response(http_request *req, edge_run_result *out)
{
    const char *ctype;
    const void *body;
    size_t len;
    out->status = http_request_answer(req, &ctype, &body, &len);
    out->body = dup_n(body, len);
    out->body_len = len;
    if (out->body == NULL || (ctype != NULL && (out->content_type = strdup(ctype)) == NULL))
        return false;
    const char *name, *value;
    size_t n = 0;
    while (http_request_response_edit(req, n, &name, &value))
        n++;
    if (n > 0) {
        out->header_names = calloc(n, sizeof *out->header_names);
        out->header_values = calloc(n, sizeof *out->header_values);
        if (out->header_names == NULL || out->header_values == NULL)
            return false;
    }
    for (size_t i = 0; i < n; i++, out->header_count++) {
        http_request_response_edit(req, i, &name, &value);
        out->header_names[i] = strdup(name);
        out->header_values[i] = strdup(value);
        if (out->header_names[i] == NULL || out->header_values[i] == NULL) {
            out->header_count++;
            return false;
        }
    }
    return true;
}

int edge_run_request(edge_run *run, const http_local_request *head, const uint8_t *body,
                     size_t body_len, edge_run_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->fail_kind = -1;
    http_local_request spec = *head;
    spec.content_length = (int64_t)body_len;
    char id[48];
    snprintf(id, sizeof id, "local-%llu", (unsigned long long)++run->requests);
    if (spec.request_id == NULL)
        spec.request_id = id;
    http_request *req = http_request_local_new(&spec, err, errlen);
    if (req == NULL)
        return -1;
    drop_lines(run);
    run->lines_failed = false;

    /* The JSON the module is about to receive, built by the stage's own function. */
    edge_buf json = {0};
    bool ok = edge_request_json(&json, req, body, body_len);
    if (ok && (out->request_json = dup_n(json.p, json.len)) == NULL)
        ok = false;
    edge_buf_free(&json);

    edge_slot *slot = edge_route_slot(run->route, run->type, 0);
    edge_counters *c = &run->entry->counters;
    uint64_t failures[EDGE_FAIL_KINDS];
    for (int k = 0; k < EDGE_FAIL_KINDS; k++)
        failures[k] = atomic_load(&c->failures[k]);
    uint64_t fuel0 = atomic_load(&c->fuel), lat0 = atomic_load(&c->latency_sum_us);

    /* Instantiation happens once per worker on a node, so it is timed apart from the call. A
     * failure here is left to the stage, which reports it as a node would. */
    bool fresh = slot->inst == NULL;
    uint64_t t0 = mono_us();
    eng_error ee;
    if (ok && fresh && edge_slot_prepare(slot, &ee))
        out->instantiate_us = mono_us() - t0;

    if (ok) {
        http_verdict v = edge_route_on_request_headers(run->route, req);
        if (v == HTTP_CONTINUE && body_len > 0)
            edge_route_on_request_body(run->route, req, body, body_len);
    }
    out->fuel = atomic_load(&c->fuel) - fuel0;
    out->call_us = atomic_load(&c->latency_sum_us) - lat0;
    out->memory_bytes = slot->inst ? eng_instance_memory_size(slot->inst) : 0;
    for (int k = 0; k < EDGE_FAIL_KINDS; k++)
        if (atomic_load(&c->failures[k]) != failures[k]) {
            out->fail_kind = k;
            out->fail_name = edge_fail_name(k);
            failure_message(run, out->fail_message, sizeof out->fail_message);
            break;
        }
    ok = ok && take_response(req, out) && !run->lines_failed;
    out->log_lines = run->lines;
    out->log_count = run->nlines;
    run->lines = NULL;
    run->nlines = 0;
    http_request_local_free(req);
    if (!ok) {
        edge_run_result_clear(out);
        snprintf(err, errlen, "edge: out of memory");
        return -1;
    }
    return 0;
}
