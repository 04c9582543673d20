/*
 * Units of the node that the end-to-end tests see only from outside: the Prometheus rendering of
 * per-worker counters (sums over workers, cumulative buckets, slots kept across reloads) and the
 * access log line (exact fields, escaping of hostile input, bounded length).
 */
#include "node/internal.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

TEST(test_metrics_sum_workers_and_cumulate_buckets)
{
    node_metrics *m = node_metrics_new(2);
    CHECK(m != NULL);
    CHECK_INT_EQ(node_metrics_slot(m, "web"), 1);
    CHECK_INT_EQ(node_metrics_slot(m, "api"), 2);
    CHECK_INT_EQ(node_metrics_slot(m, "web"), 1); /* same name, same slot (reload) */
    node_metrics_record(&m->workers[0], 1, 200, 400, false, 10, 20);     /* <= 0.5 ms */
    node_metrics_record(&m->workers[1], 1, 204, 3000, false, 10, 20);    /* <= 5 ms */
    node_metrics_record(&m->workers[1], 1, 502, 20000000, true, 10, 20); /* > 10 s */
    node_metrics_record(&m->workers[0], 0, 0, 100, false, 5, 0);         /* no response */
    char *text = node_metrics_render(m);
    CHECK(text != NULL);
    CHECK_STR_HAS(text, "\naegis_requests_total{route=\"web\",class=\"2xx\"} 2\n");
    CHECK_STR_HAS(text, "\naegis_requests_total{route=\"web\",class=\"5xx\"} 1\n");
    CHECK_STR_HAS(text, "\naegis_requests_total{route=\"none\",class=\"none\"} 1\n");
    CHECK_STR_HAS(text, "\naegis_requests_total{route=\"api\",class=\"2xx\"} 0\n");
    CHECK_STR_HAS(text, "\naegis_request_duration_seconds_bucket{route=\"web\",le=\"0.0005\"} 1\n");
    CHECK_STR_HAS(text, "\naegis_request_duration_seconds_bucket{route=\"web\",le=\"0.005\"} 2\n");
    CHECK_STR_HAS(text, "\naegis_request_duration_seconds_bucket{route=\"web\",le=\"10\"} 2\n");
    CHECK_STR_HAS(text, "\naegis_request_duration_seconds_bucket{route=\"web\",le=\"+Inf\"} 3\n");
    CHECK_STR_HAS(text, "\naegis_request_duration_seconds_sum{route=\"web\"} 20.003400\n");
    CHECK_STR_HAS(text, "\naegis_request_duration_seconds_count{route=\"web\"} 3\n");
    CHECK_STR_HAS(text, "\naegis_upstream_errors_total{route=\"web\"} 1\n");
    CHECK_STR_HAS(text, "\naegis_received_bytes_total 35\n");
    CHECK_STR_HAS(text, "\naegis_workers 2\n");
    CHECK_STR_HAS(text, "# TYPE aegis_request_duration_seconds histogram\n");
    free(text);
    node_metrics_free(m);
}

TEST(test_metrics_slots_run_out_cleanly)
{
    node_metrics *m = node_metrics_new(1);
    char name[16];
    for (int i = 1; i < METRIC_ROUTE_SLOTS; i++) {
        snprintf(name, sizeof name, "r%d", i);
        CHECK_INT_EQ(node_metrics_slot(m, name), i);
    }
    CHECK_INT_EQ(node_metrics_slot(m, "one-too-many"), -1);
    CHECK_INT_EQ(node_metrics_slot(m, "r7"), 7);
    node_metrics_record(&m->workers[0], 9999, 200, 1, false, 0, 0); /* bad slot: counted as none */
    char *text = node_metrics_render(m);
    CHECK_STR_HAS(text, "\naegis_requests_total{route=\"none\",class=\"2xx\"} 1\n");
    free(text);
    node_metrics_free(m);
}

static http_request_log sample_log(void)
{
    return (http_request_log){.method = "GET",
                              .target = "/a?b=1",
                              .host = "www.test",
                              .client_ip = "127.0.0.1",
                              .request_id = "abc123",
                              .upstream = "127.0.0.1:81",
                              .status = 200,
                              .bytes_in = 70,
                              .bytes_out = 500,
                              .start_unix_us = 1700000000123456ull,
                              .duration_us = 250,
                              .upstream_us = 200,
                              .attempts = 1};
}

TEST(test_access_log_json_exact_line)
{
    http_request_log rec = sample_log();
    char buf[4096];
    size_t n = node_access_log_format(NODE_LOG_JSON, &rec, "web", buf, sizeof buf);
    buf[n] = '\0';
    CHECK_STR_EQ(buf, "{\"time\":\"2023-11-14T22:13:20.123Z\",\"request_id\":\"abc123\","
                      "\"client\":\"127.0.0.1\",\"method\":\"GET\",\"host\":\"www.test\","
                      "\"target\":\"/a?b=1\",\"status\":200,\"route\":\"web\","
                      "\"upstream\":\"127.0.0.1:81\",\"bytes_in\":70,\"bytes_out\":500,"
                      "\"duration_us\":250,\"upstream_us\":200,\"attempts\":1,\"error\":null}\n");
}

TEST(test_access_log_kv_exact_line_with_error)
{
    http_request_log rec = sample_log();
    rec.status = 502;
    rec.error = "upstream_connect: connection refused";
    char buf[4096];
    size_t n = node_access_log_format(NODE_LOG_KV, &rec, "", buf, sizeof buf);
    buf[n] = '\0';
    CHECK_STR_EQ(buf, "time=\"2023-11-14T22:13:20.123Z\" request_id=\"abc123\" "
                      "client=\"127.0.0.1\" method=\"GET\" host=\"www.test\" target=\"/a?b=1\" "
                      "status=502 route=\"\" upstream=\"127.0.0.1:81\" bytes_in=70 bytes_out=500 "
                      "duration_us=250 upstream_us=200 attempts=1 "
                      "error=\"upstream_connect: connection refused\"\n");
}

TEST(test_access_log_escapes_hostile_fields)
{
    http_request_log rec = sample_log();
    rec.target = "/x\n{\"forged\":1}\x01\xff";
    rec.host = "a\"b\\c";
    char buf[4096];
    size_t n = node_access_log_format(NODE_LOG_JSON, &rec, "web", buf, sizeof buf);
    buf[n] = '\0';
    CHECK_STR_HAS(buf, "\"host\":\"a\\\"b\\\\c\"");
    CHECK_STR_HAS(buf, "\"target\":\"/x\\u000a{\\\"forged\\\":1}\\u0001\\u00ff\"");
    CHECK(strchr(buf, '\n') == buf + n - 1);
    n = node_access_log_format(NODE_LOG_KV, &rec, "web", buf, sizeof buf);
    buf[n] = '\0';
    CHECK_STR_HAS(buf, "target=\"/x\\x0a{\\\"forged\\\":1}\\x01\\xff\"");
}

TEST(test_access_log_line_is_bounded)
{
    static char huge[100000];
    memset(huge, '\n', sizeof huge - 1);
    http_request_log rec = sample_log();
    rec.target = huge;
    rec.host = huge;
    rec.error = huge;
    rec.request_id = huge;
    char buf[4096];
    size_t n = node_access_log_format(NODE_LOG_JSON, &rec, "web", buf, sizeof buf);
    CHECK(n < sizeof buf);
    CHECK_INT_EQ(buf[n - 1], '\n');
    CHECK_INT_EQ(buf[n - 2], '}'); /* still a complete JSON object */
    buf[n] = '\0';
    CHECK_STR_HAS(buf, "\"attempts\":1,\"error\":\"\\u000a");
}
