/*
 * Forwarding end to end: keep-alive, pipelining, bodies both ways (chunked, large, close
 * delimited), HEAD, headers added and removed, pool reuse, retries, 100-continue, stages,
 * origin down and slow, graceful shutdown.
 */
#include "fixture.h"

#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const fx_options DEFAULTS = {0};

TEST(test_get_is_proxied_and_connection_kept_alive)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_resp r;
    for (int i = 0; i < 3; i++) {
        fx_sends(fd, "GET /hello?x=1 HTTP/1.1\r\nHost: example.test\r\n\r\n");
        CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
        CHECK_STR_EQ(r.body, "/hello?x=1");
        char v[64];
        CHECK(!fx_header(r.head, "connection", v, sizeof v));
        fx_resp_free(&r);
    }
    close(fd);
    CHECK_INT_EQ(fx_wait_logs(3), 3);
    fx_stop();
    CHECK_INT_EQ(atomic_load(&fx_origin_conns), 1); /* the pool reused one origin connection */
    http_upstream_stats s;
    fx_upstream_stats(&s);
    CHECK_UINT_EQ(s.connects, 1);
    CHECK_UINT_EQ(s.reuses, 2);
}

TEST(test_pipelined_requests_are_answered_in_order)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(fd, "GET /slow/100 HTTP/1.1\r\nHost: a\r\n\r\n"
                 "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                 "GET /third HTTP/1.1\r\nHost: a\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "slow");
    fx_resp_free(&r);
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "hello");
    fx_resp_free(&r);
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "/third");
    fx_resp_free(&r);
    close(fd);
    fx_stop();
}

TEST(test_chunked_request_body_is_forwarded_chunked)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(fd, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "4;name=v\r\nWiki\r\n5\r\npedia\r\n0\r\nX-T: 1\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "Wikipedia");
    fx_resp_free(&r);
    char head[16384], v[64];
    fx_origin_last_head(head, sizeof head);
    CHECK(fx_header(head, "transfer-encoding", v, sizeof v));
    CHECK_STR_EQ(v, "chunked");
    CHECK(!fx_header(head, "content-length", v, sizeof v));
    close(fd);
    fx_stop();
}

TEST(test_chunked_response_is_reencoded_without_trailers)
{
    uint16_t port = fx_start(&DEFAULTS);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, "GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n", &r), 200);
    CHECK(r.chunked);
    CHECK_STR_EQ(r.body, "hello world");
    fx_resp_free(&r);
    fx_stop();
}

TEST(test_chunked_response_to_http10_client_is_close_delimited)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(fd, "GET /chunked HTTP/1.0\r\nHost: a\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK(!r.chunked);
    CHECK_STR_EQ(r.body, "hello world");
    char v[64];
    CHECK(fx_header(r.head, "connection", v, sizeof v));
    CHECK_STR_EQ(v, "close");
    fx_resp_free(&r);
    close(fd);
    fx_stop();
}

TEST(test_close_delimited_response_becomes_chunked)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(fd, "GET /close HTTP/1.1\r\nHost: a\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK(r.chunked);
    CHECK_STR_EQ(r.body, "closed body");
    fx_resp_free(&r);
    /* The client connection stays usable. */
    fx_sends(fd, "GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "/after");
    fx_resp_free(&r);
    close(fd);
    fx_stop();
}

TEST(test_large_bodies_stream_both_ways)
{
    uint16_t port = fx_start(&DEFAULTS);
    size_t n = 6 * 1024 * 1024;
    char *body = malloc(n);
    for (size_t i = 0; i < n; i++)
        body[i] = (char)('A' + (i * 7) % 26);
    int fd = fx_connect(port);
    char head[128];
    snprintf(head, sizeof head, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: %zu\r\n\r\n", n);
    fx_sends(fd, head);
    /* Send in a helper process so that the echo can flow back while we send. */
    pid_t pid = fork();
    if (pid == 0) {
        fx_send(fd, body, n);
        _exit(0);
    }
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_UINT_EQ(r.body_len, n);
    CHECK(memcmp(r.body, body, n) == 0);
    fx_resp_free(&r);
    fx_sends(fd, "GET /big/9000000 HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_UINT_EQ(r.body_len, 9000000);
    CHECK(r.body[8999999] == (char)('a' + 8999999 % 26));
    fx_resp_free(&r);
    close(fd);
    free(body);
    fx_stop();
}

TEST(test_large_chunked_upload_is_forwarded_whole)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(fd, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    pid_t pid = fork();
    if (pid == 0) {
        char chunk[1000];
        memset(chunk, 'z', sizeof chunk);
        for (int i = 0; i < 3000; i++) {
            fx_sends(fd, "3e8\r\n");
            fx_send(fd, chunk, sizeof chunk);
            fx_sends(fd, "\r\n");
        }
        fx_sends(fd, "0\r\n\r\n");
        _exit(0);
    }
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_UINT_EQ(r.body_len, 3000000);
    CHECK(r.body[0] == 'z' && r.body[2999999] == 'z');
    fx_resp_free(&r);
    close(fd);
    fx_stop();
}

TEST(test_head_response_has_no_body)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(fd, "HEAD /big/1000 HTTP/1.1\r\nHost: a\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, true), 200);
    char v[64];
    CHECK(fx_header(r.head, "content-length", v, sizeof v));
    CHECK_STR_EQ(v, "1000");
    fx_resp_free(&r);
    fx_sends(fd, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "/next");
    fx_resp_free(&r);
    close(fd);
    fx_stop();
}

TEST(test_forwarding_headers_are_added)
{
    uint16_t port = fx_start(&DEFAULTS);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port,
                              "GET /headers HTTP/1.1\r\nHost: shop.example:8080\r\n"
                              "X-Forwarded-For: 10.0.0.1\r\nVia: 1.1 edge-a\r\n\r\n",
                              &r),
                 200);
    char v[256];
    CHECK(fx_header(r.body, "x-forwarded-for", v, sizeof v));
    CHECK_STR_EQ(v, "10.0.0.1, 127.0.0.1");
    CHECK(fx_header(r.body, "x-forwarded-proto", v, sizeof v));
    CHECK_STR_EQ(v, "http");
    CHECK(fx_header(r.body, "x-forwarded-host", v, sizeof v));
    CHECK_STR_EQ(v, "shop.example:8080");
    CHECK(fx_header(r.body, "via", v, sizeof v));
    CHECK_STR_EQ(v, "1.1 edge-a, 1.1 aegis");
    CHECK(fx_header(r.body, "host", v, sizeof v));
    CHECK_STR_HAS(v, "127.0.0.1:"); /* preserve_host is off */
    CHECK(fx_header(r.body, "x-stage-seen", v, sizeof v));
    CHECK_STR_EQ(v, "1");
    CHECK(fx_header(r.body, "x-request-id", v, sizeof v));
    CHECK_UINT_EQ(strlen(v), 32);
    CHECK(strspn(v, "0123456789abcdef") == 32);
    CHECK(fx_header(r.head, "via", v, sizeof v));
    CHECK_STR_EQ(v, "1.1 aegis");
    fx_resp_free(&r);
    char id[64];
    fx_origin_last_head(r.head, sizeof r.head);
    CHECK(fx_header(r.head, "x-request-id", id, sizeof id));
    fx_wait_logs(1);
    fx_log l;
    fx_last_log(&l);
    CHECK_STR_EQ(l.request_id, id);
    CHECK_STR_EQ(l.method, "GET");
    CHECK_STR_EQ(l.target, "/headers");
    CHECK_INT_EQ(l.status, 200);
    CHECK_STR_EQ(l.error, "");
    fx_stop();
}

TEST(test_client_request_id_is_kept_and_host_preserved)
{
    fx_options o = {.preserve_host = true};
    uint16_t port = fx_start(&o);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port,
                              "GET /headers HTTP/1.1\r\nHost: shop.example\r\n"
                              "X-Request-Id: abc-123\r\n\r\n",
                              &r),
                 200);
    char v[256];
    CHECK(fx_header(r.body, "x-request-id", v, sizeof v));
    CHECK_STR_EQ(v, "abc-123");
    CHECK(fx_header(r.body, "host", v, sizeof v));
    CHECK_STR_EQ(v, "shop.example");
    fx_resp_free(&r);
    /* An id with odd bytes is replaced. */
    CHECK_INT_EQ(fx_roundtrip(port,
                              "GET /headers HTTP/1.1\r\nHost: shop.example\r\n"
                              "X-Request-Id: <script>\r\n\r\n",
                              &r),
                 200);
    CHECK(fx_header(r.body, "x-request-id", v, sizeof v));
    CHECK_UINT_EQ(strlen(v), 32);
    fx_resp_free(&r);
    fx_stop();
}

TEST(test_hop_by_hop_headers_are_removed_both_ways)
{
    uint16_t port = fx_start(&DEFAULTS);
    fx_resp r;
    CHECK_INT_EQ(
        fx_roundtrip(port,
                     "GET /headers HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret\r\n"
                     "X-Secret: s\r\nKeep-Alive: timeout=5\r\nProxy-Authorization: b\r\n"
                     "TE: trailers\r\nUpgrade: websocket\r\nX-Kept: k\r\n\r\n",
                     &r),
        200);
    char v[256];
    const char *gone[] = {"connection",          "x-secret", "keep-alive",
                          "proxy-authorization", "te",       "upgrade"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        CHECK_MSG(!fx_header(r.body, gone[i], v, sizeof v), "%s was forwarded", gone[i]);
    CHECK(fx_header(r.body, "x-kept", v, sizeof v));
    CHECK_STR_EQ(v, "k");
    fx_resp_free(&r);
    CHECK_INT_EQ(fx_roundtrip(port, "GET /hop HTTP/1.1\r\nHost: a\r\n\r\n", &r), 200);
    CHECK(!fx_header(r.head, "x-hop", v, sizeof v));
    CHECK(!fx_header(r.head, "keep-alive", v, sizeof v));
    CHECK(!fx_header(r.head, "proxy-foo", v, sizeof v));
    CHECK(fx_header(r.head, "x-keep", v, sizeof v));
    CHECK(fx_header(r.head, "via", v, sizeof v));
    CHECK_STR_EQ(v, "1.0 upstream, 1.1 aegis");
    CHECK_STR_EQ(r.body, "hop");
    fx_resp_free(&r);
    fx_stop();
}

TEST(test_expect_100_continue_is_answered_before_the_body)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(fd,
             "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 100);
    fx_resp_free(&r);
    fx_sends(fd, "ping");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "ping");
    fx_resp_free(&r);
    char head[16384], v[64];
    fx_origin_last_head(head, sizeof head);
    CHECK(!fx_header(head, "expect", v, sizeof v));
    close(fd);
    fx_stop();
}

TEST(test_expect_100_continue_with_too_large_body_gets_413_without_100)
{
    fx_options o = {.limits.max_body_bytes = 1000};
    uint16_t port = fx_start(&o);
    int fd = fx_connect(port);
    fx_sends(
        fd,
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 413);
    fx_resp_free(&r);
    CHECK(fx_closed(fd, 2000));
    close(fd);
    CHECK_INT_EQ(atomic_load(&fx_origin_requests), 0);
    fx_stop();
}

TEST(test_origin_down_gives_502)
{
    fx_options o = {.no_origin = true};
    uint16_t port = fx_start(&o);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", &r), 502);
    char v[64];
    CHECK(fx_header(r.head, "x-request-id", v, sizeof v));
    fx_resp_free(&r);
    fx_wait_logs(1);
    fx_log l;
    fx_last_log(&l);
    CHECK_INT_EQ(l.status, 502);
    CHECK_STR_HAS(l.error, "upstream_connect");
    fx_stop();
}

TEST(test_slow_origin_gives_504)
{
    fx_options o = {.limits.upstream_read_timeout_ms = 200};
    uint16_t port = fx_start(&o);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, "GET /slow/1500 HTTP/1.1\r\nHost: a\r\n\r\n", &r), 504);
    fx_resp_free(&r);
    fx_wait_logs(1);
    fx_log l;
    fx_last_log(&l);
    CHECK_STR_HAS(l.error, "upstream_timeout");
    fx_stop();
}

TEST(test_idempotent_request_is_retried_when_pooled_connection_dies)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_resp r;
    fx_sends(fd, "GET /drop-second HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    fx_resp_free(&r);
    /* The origin drops the second request of its connection unanswered: retried on a new one. */
    fx_sends(fd, "GET /drop-second HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "/drop-second");
    fx_resp_free(&r);
    close(fd);
    fx_wait_logs(2);
    fx_log l;
    fx_last_log(&l);
    CHECK_UINT_EQ(l.attempts, 2);
    fx_stop();
    http_upstream_stats s;
    fx_upstream_stats(&s);
    CHECK_UINT_EQ(s.retries, 1);
    CHECK_INT_EQ(atomic_load(&fx_origin_conns), 2);
}

TEST(test_post_with_streamed_body_is_not_retried)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_resp r;
    fx_sends(fd, "GET /drop-second HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    fx_resp_free(&r);
    fx_sends(fd, "POST /drop-second HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 502);
    fx_resp_free(&r);
    close(fd);
    fx_stop();
    http_upstream_stats s;
    fx_upstream_stats(&s);
    CHECK_UINT_EQ(s.retries, 0);
}

TEST(test_stage_answers_directly_without_origin)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(fd, "GET /stage/deny HTTP/1.1\r\nHost: a\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 403);
    CHECK_STR_EQ(r.body, "denied");
    char v[64];
    CHECK(fx_header(r.head, "x-stage", v, sizeof v));
    CHECK_STR_EQ(v, "deny");
    fx_resp_free(&r);
    /* No body was pending: the connection stays open. */
    fx_sends(fd, "GET /ok HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    fx_resp_free(&r);
    close(fd);
    CHECK_INT_EQ(atomic_load(&fx_origin_requests), 1);
    fx_stop();
}

TEST(test_stage_sees_buffered_body_and_can_block_it)
{
    uint16_t port = fx_start(&DEFAULTS);
    fx_resp r;
    CHECK_INT_EQ(
        fx_roundtrip(port,
                     "POST /stage/buffer HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                     "\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
                     &r),
        200);
    char v[64];
    CHECK(fx_header(r.head, "x-body-seen", v, sizeof v));
    CHECK_STR_EQ(v, "6");
    fx_resp_free(&r);
    char head[16384];
    fx_origin_last_head(head, sizeof head);
    CHECK(fx_header(head, "content-length", v, sizeof v)); /* buffered: sent with a length */
    CHECK_STR_EQ(v, "6");
    CHECK_INT_EQ(fx_roundtrip(port,
                              "POST /stage/buffer HTTP/1.1\r\nHost: a\r\nContent-Length: 8\r\n\r\n"
                              "an evil!",
                              &r),
                 406);
    CHECK_STR_EQ(r.body, "evil body");
    fx_resp_free(&r);
    fx_stop();
}

TEST(test_response_stage_edits_origin_headers)
{
    uint16_t port = fx_start(&DEFAULTS);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, "GET /stage/resp HTTP/1.1\r\nHost: a\r\n\r\n", &r), 200);
    char v[64];
    CHECK(fx_header(r.head, "x-resp-edited", v, sizeof v));
    CHECK_STR_EQ(v, "yes");
    CHECK(!fx_header(r.head, "x-keep", v, sizeof v));
    fx_resp_free(&r);
    fx_stop();
}

TEST(test_graceful_shutdown_finishes_inflight_request)
{
    fx_options o = {.shutdown_timeout_ms = 3000};
    uint16_t port = fx_start(&o);
    int idle = fx_connect(port);
    int fd = fx_connect(port);
    fx_sends(fd, "GET /slow/400 HTTP/1.1\r\nHost: a\r\n\r\n");
    usleep(100000);
    fx_begin_shutdown();
    CHECK(fx_closed(idle, 2000)); /* idle keep-alive connections are closed at once */
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "slow");
    char v[64];
    CHECK(fx_header(r.head, "connection", v, sizeof v));
    CHECK_STR_EQ(v, "close");
    fx_resp_free(&r);
    CHECK(fx_closed(fd, 2000));
    fx_stop();
    close(fd);
    close(idle);
}

TEST(test_shutdown_timeout_cuts_requests_that_take_too_long)
{
    fx_options o = {.shutdown_timeout_ms = 200};
    uint16_t port = fx_start(&o);
    int fd = fx_connect(port);
    fx_sends(fd, "GET /slow/3000 HTTP/1.1\r\nHost: a\r\n\r\n");
    usleep(100000);
    fx_begin_shutdown();
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), -1);
    fx_resp_free(&r);
    fx_stop();
    close(fd);
}

TEST(test_new_pipeline_serves_new_requests_while_old_ones_finish)
{
    uint16_t port = fx_start(&DEFAULTS);
    int old = fx_connect(port);
    fx_sends(old, "GET /slow/400 HTTP/1.1\r\nHost: a\r\n\r\n");
    usleep(100000);
    fx_reload();
    CHECK_INT_EQ(atomic_load(&fx_pipeline_releases), 0); /* the old request still holds it */
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, "GET /headers HTTP/1.1\r\nHost: a\r\n\r\n", &r), 200);
    char v[64];
    CHECK(fx_header(r.body, "x-gen", v, sizeof v));
    CHECK_STR_EQ(v, "2");
    CHECK(!fx_header(r.body, "x-stage-seen", v, sizeof v));
    fx_resp_free(&r);
    CHECK_INT_EQ(fx_read_response(old, &r, false), 200);
    CHECK_STR_EQ(r.body, "slow");
    fx_resp_free(&r);
    for (int i = 0; i < 200 && atomic_load(&fx_pipeline_releases) == 0; i++)
        usleep(10000);
    CHECK_INT_EQ(atomic_load(&fx_pipeline_releases), 1);
    close(old);
    fx_stop();
    CHECK_INT_EQ(atomic_load(&fx_pipeline_releases), 2); /* the server's last one, when freed */
}

TEST(test_stage_header_edits_cannot_inject_or_reframe)
{
    uint16_t port = fx_start(&DEFAULTS);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, "GET /stage/inject HTTP/1.1\r\nHost: a\r\n\r\n", &r), 200);
    char v[128];
    CHECK(fx_header(r.head, "x-inject-results", v, sizeof v));
    CHECK_STR_EQ(v, "-1,-1,-1,-1,-1,-1,0");
    CHECK(fx_header(r.body, "x-good", v, sizeof v));
    CHECK_STR_EQ(v, "ok");
    CHECK(!fx_header(r.body, "injected", v, sizeof v));
    CHECK(!fx_header(r.body, "x-evil", v, sizeof v));
    CHECK(!fx_header(r.body, "transfer-encoding", v, sizeof v));
    CHECK(fx_header(r.body, "host", v, sizeof v));
    CHECK_STR_HAS(v, "127.0.0.1:");
    fx_resp_free(&r);
    fx_stop();
}

TEST(test_request_whose_body_was_not_sent_yet_is_retried)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_resp r;
    fx_sends(fd, "GET /warm HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    fx_resp_free(&r);
    /* On the pooled connection the origin drops the head before reading a body; the proxy
     * retries on a fresh one since no body byte had left yet. */
    fx_sends(fd, "POST /drop-second-head HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                 "Expect: 100-continue\r\n\r\n");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 100);
    fx_resp_free(&r);
    usleep(100000);
    fx_sends(fd, "abc");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "/drop-second-head");
    fx_resp_free(&r);
    close(fd);
    fx_wait_logs(2);
    fx_log l;
    fx_last_log(&l);
    CHECK_UINT_EQ(l.attempts, 2);
    fx_stop();
    CHECK_INT_EQ(atomic_load(&fx_origin_conns), 2);
}
