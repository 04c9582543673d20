/*
 * Per-module counters (calls, failures by kind, fuel, latency histogram) and their renderings:
 * a JSON list for the admin API's GET /modules and the Prometheus text format for /metrics.
 * Counters are atomics updated by every worker; readers see a consistent-enough snapshot.
 */
#include "edge_int.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const uint64_t edge_latency_bounds_us[EDGE_LATENCY_BUCKETS] = {
    50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *edge_fail_name(int kind)
{
    if (kind == EDGE_FAIL_BAD_RESULT)
        return "bad result";
    if (kind == EDGE_FAIL_INSTANTIATE)
        return "instantiate";
    return eng_trap_name((eng_trap)kind);
}

/* Metric label form of a failure kind: "out of bounds memory access" ->
 * "out_of_bounds_memory_access". */
static void label_of(int kind, char *out, size_t cap)
{
    snprintf(out, cap, "%s", edge_fail_name(kind));
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            *p = '_';
}

void edge_counters_record(edge_counters *c, int fail_kind, uint64_t fuel, uint64_t latency_us)
{
    atomic_fetch_add(&c->calls, 1);
    atomic_fetch_add(&c->fuel, fuel);
    atomic_fetch_add(&c->latency_sum_us, latency_us);
    int b = 0;
    while (b < EDGE_LATENCY_BUCKETS && latency_us > edge_latency_bounds_us[b])
        b++;
    atomic_fetch_add(&c->latency[b], 1);
    if (fail_kind >= 0)
        atomic_fetch_add(&c->failures[fail_kind], 1);
}

bool edge_module_log_allowed(edge_entry *e)
{
    edge_counters *c = &e->counters;
    uint64_t now = mono_ms(), start = atomic_load(&c->log_window_ms);
    if (now - start >= 1000 && atomic_compare_exchange_strong(&c->log_window_ms, &start, now)) {
        atomic_store(&c->log_lines, 0);
        uint64_t dropped = atomic_exchange(&c->log_dropped, 0);
        if (dropped != 0)
            edge_log(e->owner, "event=module_log_dropped module=%s lines=%llu", e->id,
                     (unsigned long long)dropped);
    }
    if (atomic_fetch_add(&c->log_lines, 1) < EDGE_MAX_MODULE_LOG_LINES_PER_S)
        return true;
    atomic_fetch_add(&c->log_dropped, 1);
    return false;
}

void edge_report_failure(edge_modules *m, edge_entry *e, http_request *req, int kind,
                         const char *message, const char *extra)
{
    edge_counters *c = &e->counters;
    uint64_t now = mono_ms(), last = atomic_load(&c->last_failure_log_ms);
    uint64_t interval = atomic_load(&m->failure_log_interval_ms);
    /* One winner per interval across workers: the compare-exchange decides who logs. */
    if ((last != 0 && now - last < interval) ||
        !atomic_compare_exchange_strong(&c->last_failure_log_ms, &last, now ? now : 1)) {
        atomic_fetch_add(&c->suppressed_logs, 1);
        return;
    }
    uint64_t suppressed = atomic_exchange(&c->suppressed_logs, 0);
    char msg[EDGE_MAX_LOG_BYTES / 4 + 1];
    edge_log_text((const uint8_t *)message, strlen(message), msg, sizeof msg);
    edge_log(m,
             "event=module_failed module=%s request_id=%s kind=\"%s\" error=\"%s\" "
             "suppressed=%llu%s%s",
             e->id, req ? http_request_id(req) : "-", edge_fail_name(kind), msg,
             (unsigned long long)suppressed, extra ? " " : "", extra ? extra : "");
}

static edge_entry *first_entry(edge_modules *m)
{
    pthread_mutex_lock(&m->mu);
    edge_entry *e = m->entries;
    pthread_mutex_unlock(&m->mu);
    return e;
}

char *edge_modules_render_json(edge_modules *m)
{
    json_t *list = json_array();
    for (edge_entry *e = first_entry(m); e && list; e = e->next) {
        edge_counters *c = &e->counters;
        json_t *traps = json_object();
        for (int k = 1; k < EDGE_FAIL_KINDS; k++) {
            uint64_t n = atomic_load(&c->failures[k]);
            if (n != 0)
                json_object_set_new(traps, edge_fail_name(k), json_integer((json_int_t)n));
        }
        json_t *lat = json_array();
        for (int b = 0; b <= EDGE_LATENCY_BUCKETS; b++)
            json_array_append_new(lat, json_integer((json_int_t)atomic_load(&c->latency[b])));
        pthread_mutex_lock(&m->mu);
        json_t *o = json_pack(
            "{s:s, s:s, s:s, s:s?, s:I, s:I, s:I, s:o, s:I, s:I, s:o, s:s?}", "id", e->id, "type",
            e->type == EDGE_MODULE_WAF ? "waf" : "function", "sha256", e->current->hash, "path",
            e->path, "generation", (json_int_t)e->current->generation, "loaded_unix",
            (json_int_t)e->current->loaded_unix, "calls", (json_int_t)atomic_load(&c->calls),
            "traps", traps, "fuel", (json_int_t)atomic_load(&c->fuel), "latency_sum_us",
            (json_int_t)atomic_load(&c->latency_sum_us), "latency_buckets", lat, "last_error",
            e->last_error[0] ? e->last_error : NULL);
        pthread_mutex_unlock(&m->mu);
        json_array_append_new(list, o);
    }
    char *s = list ? json_dumps(list, JSON_COMPACT) : NULL;
    json_decref(list);
    return s;
}

/* Appends to a growing string; false when out of memory. */
static bool appendf(char **s, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool appendf(char **s, size_t *len, size_t *cap, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(*s + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return false;
        if ((size_t)n < *cap - *len) {
            *len += (size_t)n;
            return true;
        }
        char *p = realloc(*s, *cap * 2 + (size_t)n);
        if (p == NULL)
            return false;
        *s = p;
        *cap = *cap * 2 + (size_t)n;
    }
}

char *edge_modules_render_prometheus(edge_modules *m)
{
    size_t len = 0, cap = 4096;
    char *s = malloc(cap);
    if (s == NULL)
        return NULL;
    s[0] = '\0';
    bool ok = appendf(&s, &len, &cap,
                      "# TYPE aegis_module_calls_total counter\n"
                      "# TYPE aegis_module_traps_total counter\n"
                      "# TYPE aegis_module_fuel_total counter\n"
                      "# TYPE aegis_module_latency_us histogram\n");
    for (edge_entry *e = first_entry(m); e && ok; e = e->next) {
        edge_counters *c = &e->counters;
        char id[160]; /* label value escaped as the text format requires */
        size_t o = 0;
        for (const char *p = e->id; *p && o + 3 < sizeof id; p++) {
            if (*p == '"' || *p == '\\' || *p == '\n') {
                id[o++] = '\\';
                id[o++] = *p == '\n' ? 'n' : *p;
            } else {
                id[o++] = *p;
            }
        }
        id[o] = '\0';
        ok &= appendf(&s, &len, &cap, "aegis_module_calls_total{module=\"%s\"} %llu\n", id,
                      (unsigned long long)atomic_load(&c->calls));
        for (int k = 1; k < EDGE_FAIL_KINDS && ok; k++) {
            uint64_t n = atomic_load(&c->failures[k]);
            if (n == 0)
                continue;
            char kind[64];
            label_of(k, kind, sizeof kind);
            ok &= appendf(&s, &len, &cap,
                          "aegis_module_traps_total{module=\"%s\",kind=\"%s\"} %llu\n", id, kind,
                          (unsigned long long)n);
        }
        ok &= appendf(&s, &len, &cap, "aegis_module_fuel_total{module=\"%s\"} %llu\n", id,
                      (unsigned long long)atomic_load(&c->fuel));
        uint64_t cum = 0;
        for (int b = 0; b <= EDGE_LATENCY_BUCKETS && ok; b++) {
            cum += atomic_load(&c->latency[b]);
            if (b < EDGE_LATENCY_BUCKETS)
                ok &=
                    appendf(&s, &len, &cap,
                            "aegis_module_latency_us_bucket{module=\"%s\",le=\"%llu\"} %llu\n", id,
                            (unsigned long long)edge_latency_bounds_us[b], (unsigned long long)cum);
            else
                ok &= appendf(&s, &len, &cap,
                              "aegis_module_latency_us_bucket{module=\"%s\",le=\"+Inf\"} %llu\n"
                              "aegis_module_latency_us_sum{module=\"%s\"} %llu\n"
                              "aegis_module_latency_us_count{module=\"%s\"} %llu\n",
                              id, (unsigned long long)cum, id,
                              (unsigned long long)atomic_load(&c->latency_sum_us), id,
                              (unsigned long long)cum);
        }
    }
    if (!ok) {
        free(s);
        return NULL;
    }
    return s;
}
