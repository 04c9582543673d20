/*
 * Metrics: per-worker counters written without locks on the request path and summed over the
 * workers when /metrics is scraped, rendered in the Prometheus text exposition format (version
 * 0.0.4). Route labels are slots that live for the whole process, so a reload that renames or
 * drops a route never makes a counter go backwards.
 */
#include "node/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds of the latency buckets, in microseconds (rendered in seconds). */
static const uint64_t bucket_bound_us[METRIC_BUCKETS] = {500,     1000,    2500,    5000,    10000,
                                                         25000,   50000,   100000,  250000,  500000,
                                                         1000000, 2500000, 5000000, 10000000};

static const char *const class_label[METRIC_STATUS_CLASSES] = {"none", "1xx", "2xx",
                                                               "3xx",  "4xx", "5xx"};

node_metrics *node_metrics_new(size_t worker_count)
{
    node_metrics *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->workers = calloc(worker_count, sizeof *m->workers);
    if (m->workers == NULL) {
        free(m);
        return NULL;
    }
    m->worker_count = worker_count;
    strcpy(m->slot_names[0], "");
    m->slot_count = 1;
    return m;
}

void node_metrics_free(node_metrics *m)
{
    if (m == NULL)
        return;
    free(m->workers);
    free(m);
}

int node_metrics_slot(node_metrics *m, const char *route_name)
{
    for (size_t i = 1; i < m->slot_count; i++)
        if (strcmp(m->slot_names[i], route_name) == 0)
            return (int)i;
    if (m->slot_count == METRIC_ROUTE_SLOTS)
        return -1;
    snprintf(m->slot_names[m->slot_count], NODE_MAX_NAME_BYTES, "%s", route_name);
    return (int)m->slot_count++;
}

/* Single writer: a relaxed load and store is enough and avoids a locked add per counter. */
static inline void bump(_Atomic uint64_t *c, uint64_t by)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + by,
                          memory_order_relaxed);
}

void node_metrics_record(worker_metrics *w, int slot, int status, uint64_t duration_us,
                         bool upstream_error, uint64_t bytes_in, uint64_t bytes_out)
{
    if (slot < 0 || slot >= METRIC_ROUTE_SLOTS)
        slot = 0;
    int cls = status >= 100 && status <= 599 ? status / 100 : 0;
    bump(&w->requests[slot][cls], 1);
    for (size_t b = 0; b < METRIC_BUCKETS; b++) {
        if (duration_us <= bucket_bound_us[b]) {
            bump(&w->buckets[slot][b], 1);
            break;
        }
    }
    bump(&w->duration_us_sum[slot], duration_us);
    if (upstream_error)
        bump(&w->upstream_errors[slot], 1);
    bump(&w->bytes_in, bytes_in);
    bump(&w->bytes_out, bytes_out);
}

typedef struct {
    char *buf;
    size_t len, cap;
    bool oom;
} out_buf;

__attribute__((format(printf, 2, 3))) static void emit(out_buf *o, const char *fmt, ...)
{
    while (!o->oom) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->oom = true;
        } else if ((size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        } else {
            size_t cap = o->cap * 2 + (size_t)n;
            char *nb = realloc(o->buf, cap);
            if (nb == NULL)
                o->oom = true;
            else
                o->buf = nb, o->cap = cap;
        }
    }
}

static uint64_t sum(const node_metrics *m, size_t offset)
{
    uint64_t total = 0;
    for (size_t i = 0; i < m->worker_count; i++) {
        const _Atomic uint64_t *c =
            (const _Atomic uint64_t *)((const char *)&m->workers[i] + offset);
        total += atomic_load_explicit(c, memory_order_relaxed);
    }
    return total;
}

#define SUM(m, field) sum((m), offsetof(worker_metrics, field))

/* Label values are route names, which the config restricts to printable ASCII without quotes
 * or backslashes, so they need no escaping; slot 0 is labelled "none". */
static const char *slot_label(const node_metrics *m, size_t s)
{
    return s == 0 ? "none" : m->slot_names[s];
}

char *node_metrics_render(const node_metrics *m)
{
    out_buf o = {.buf = malloc(8192), .cap = 8192};
    if (o.buf == NULL)
        return NULL;
    emit(&o, "# HELP aegis_requests_total Requests completed, by route and status class.\n"
             "# TYPE aegis_requests_total counter\n");
    for (size_t s = 0; s < m->slot_count; s++)
        for (size_t c = 0; c < METRIC_STATUS_CLASSES; c++)
            emit(&o, "aegis_requests_total{route=\"%s\",class=\"%s\"} %llu\n", slot_label(m, s),
                 class_label[c], (unsigned long long)SUM(m, requests[s][c]));

    emit(&o, "# HELP aegis_request_duration_seconds Time from the first request byte to the last "
             "response byte.\n# TYPE aegis_request_duration_seconds histogram\n");
    for (size_t s = 0; s < m->slot_count; s++) {
        uint64_t cumulative = 0, count = 0;
        for (size_t c = 0; c < METRIC_STATUS_CLASSES; c++)
            count += SUM(m, requests[s][c]);
        for (size_t b = 0; b < METRIC_BUCKETS; b++) {
            cumulative += SUM(m, buckets[s][b]);
            emit(&o, "aegis_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                 slot_label(m, s), (double)bucket_bound_us[b] / 1e6,
                 (unsigned long long)cumulative);
        }
        emit(&o, "aegis_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
             slot_label(m, s), (unsigned long long)count);
        emit(&o, "aegis_request_duration_seconds_sum{route=\"%s\"} %.6f\n", slot_label(m, s),
             (double)SUM(m, duration_us_sum[s]) / 1e6);
        emit(&o, "aegis_request_duration_seconds_count{route=\"%s\"} %llu\n", slot_label(m, s),
             (unsigned long long)count);
    }

    emit(&o, "# HELP aegis_upstream_errors_total Requests whose upstream failed (connect, read, "
             "timeout), by route.\n# TYPE aegis_upstream_errors_total counter\n");
    for (size_t s = 0; s < m->slot_count; s++)
        emit(&o, "aegis_upstream_errors_total{route=\"%s\"} %llu\n", slot_label(m, s),
             (unsigned long long)SUM(m, upstream_errors[s]));

    emit(&o,
         "# HELP aegis_active_connections Open client connections.\n"
         "# TYPE aegis_active_connections gauge\naegis_active_connections %llu\n"
         "# HELP aegis_connections_accepted_total Client connections accepted.\n"
         "# TYPE aegis_connections_accepted_total counter\naegis_connections_accepted_total %llu\n"
         "# HELP aegis_received_bytes_total Bytes read from clients.\n"
         "# TYPE aegis_received_bytes_total counter\naegis_received_bytes_total %llu\n"
         "# HELP aegis_sent_bytes_total Bytes written to clients.\n"
         "# TYPE aegis_sent_bytes_total counter\naegis_sent_bytes_total %llu\n"
         "# HELP aegis_config_reloads_total Config reloads, by result.\n"
         "# TYPE aegis_config_reloads_total counter\n"
         "aegis_config_reloads_total{result=\"ok\"} %llu\n"
         "aegis_config_reloads_total{result=\"error\"} %llu\n"
         "# HELP aegis_workers Worker threads.\n# TYPE aegis_workers gauge\naegis_workers %zu\n",
         (unsigned long long)SUM(m, connections_open),
         (unsigned long long)SUM(m, connections_accepted), (unsigned long long)SUM(m, bytes_in),
         (unsigned long long)SUM(m, bytes_out), (unsigned long long)atomic_load(&m->reloads_ok),
         (unsigned long long)atomic_load(&m->reloads_failed), m->worker_count);
    if (o.oom) {
        free(o.buf);
        return NULL;
    }
    return o.buf;
}
