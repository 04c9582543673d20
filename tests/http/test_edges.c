/*
 * Edge cases of forwarding: odd origin responses (invalid, oversized head, interim 1xx, 204),
 * HTTP/1.0 keep-alive, Upgrade requests, body timeouts while streaming, clients that vanish,
 * deep pipelines that overflow the read buffer, pool expiry, connect timeouts, and the
 * completion log's figures.
 */
#include "fixture.h"

#include "test.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const fx_options DEFAULTS = {0};

TEST(test_invalid_origin_response_gives_502)
{
    uint16_t port = fx_start(&DEFAULTS);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, "GET /garbage HTTP/1.1\r\nHost: a\r\n\r\n", &r), 502);
    fx_resp_free(&r);
    fx_wait_logs(1);
    fx_log l;
    fx_last_log(&l);
    CHECK_STR_HAS(l.error, "upstream_response");
    fx_stop();
}

TEST(test_oversized_origin_head_gives_502)
{
    uint16_t port = fx_start(&DEFAULTS);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, "GET /bighead HTTP/1.1\r\nHost: a\r\n\r\n", &r), 502);
    fx_resp_free(&r);
    fx_wait_logs(1);
    fx_log l;
    fx_last_log(&l);
    CHECK_STR_HAS(l.error, "response head too large");
    fx_stop();
}

TEST(test_interim_origin_responses_are_dropped)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(fd, "GET /early HTTP/1.1\r\nHost: a\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "ok");
    char v[64];
    CHECK(!fx_header(r.head, "link", v, sizeof v));
    fx_resp_free(&r);
    fx_sends(fd, "GET /nocontent HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 204);
    CHECK(fx_header(r.head, "x-empty", v, sizeof v));
    CHECK(!fx_header(r.head, "transfer-encoding", v, sizeof v));
    fx_resp_free(&r);
    fx_sends(fd, "GET /last HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "/last");
    fx_resp_free(&r);
    close(fd);
    fx_stop();
}

TEST(test_http10_keepalive_is_honoured_and_plain_http10_closes)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_resp r;
    char v[64];
    for (int i = 0; i < 2; i++) {
        fx_sends(fd, "GET /ten HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
        CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
        CHECK(fx_header(r.head, "connection", v, sizeof v));
        CHECK_STR_EQ(v, "keep-alive");
        CHECK_STR_EQ(r.body, "/ten");
        fx_resp_free(&r);
    }
    fx_sends(fd, "GET /ten HTTP/1.0\r\n\r\n"); /* no Host is fine in 1.0 */
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK(fx_header(r.head, "connection", v, sizeof v));
    CHECK_STR_EQ(v, "close");
    fx_resp_free(&r);
    CHECK(fx_closed(fd, 2000));
    close(fd);
    fx_stop();
}

TEST(test_upgrade_request_is_forwarded_as_plain_request)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(
        fd,
        "GET /headers HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    char v[64];
    CHECK(!fx_header(r.body, "upgrade", v, sizeof v));
    CHECK(!fx_header(r.body, "connection", v, sizeof v));
    fx_resp_free(&r);
    fx_sends(fd, "GET /again HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "/again");
    fx_resp_free(&r);
    close(fd);
    fx_stop();
}

TEST(test_stalled_streamed_body_gets_408_and_origin_connection_dropped)
{
    fx_options o = {.limits.body_timeout_ms = 200};
    uint16_t port = fx_start(&o);
    int fd = fx_connect(port);
    fx_sends(fd, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 408);
    fx_resp_free(&r);
    CHECK(fx_closed(fd, 2000));
    close(fd);
    fx_stop();
    http_upstream_stats s;
    fx_upstream_stats(&s);
    CHECK_UINT_EQ(s.idle, 0); /* half a request went up: that connection is not reusable */
}

TEST(test_client_vanishing_mid_body_is_logged)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(fd, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc");
    usleep(100000);
    close(fd);
    CHECK_INT_EQ(fx_wait_logs(1), 1);
    fx_log l;
    fx_last_log(&l);
    CHECK_INT_EQ(l.status, 0);
    CHECK_STR_HAS(l.error, "client_closed");
    fx_stop();
}

TEST(test_stage_answer_before_an_unread_body_closes_the_connection)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(fd, "POST /stage/deny HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 403);
    char v[64];
    CHECK(fx_header(r.head, "connection", v, sizeof v));
    CHECK_STR_EQ(v, "close");
    fx_resp_free(&r);
    CHECK(fx_closed(fd, 2000));
    close(fd);
    fx_stop();
}

TEST(test_no_upstream_chosen_gives_502)
{
    uint16_t port = fx_start(&DEFAULTS);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, "GET /stage/none HTTP/1.1\r\nHost: a\r\n\r\n", &r), 502);
    fx_resp_free(&r);
    fx_wait_logs(1);
    fx_log l;
    fx_last_log(&l);
    CHECK_STR_HAS(l.error, "no_upstream");
    fx_stop();
}

TEST(test_deep_pipeline_larger_than_the_read_buffer)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    enum { N = 2000 };
    pid_t pid = fork();
    if (pid == 0) {
        static char all[N * 64];
        size_t n = 0;
        for (int i = 0; i < N; i++)
            n += (size_t)snprintf(all + n, sizeof all - n, "GET /p%04d HTTP/1.1\r\nHost: a\r\n\r\n",
                                  i);
        fx_send(fd, all, n);
        _exit(0);
    }
    for (int i = 0; i < N; i++) {
        fx_resp r;
        CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
        char want[16];
        snprintf(want, sizeof want, "/p%04d", i);
        CHECK_STR_EQ(r.body, want);
        fx_resp_free(&r);
    }
    waitpid(pid, NULL, 0);
    close(fd);
    fx_stop();
    CHECK_INT_EQ(atomic_load(&fx_origin_conns), 1);
}

TEST(test_pooled_connection_expires_after_idle_timeout)
{
    fx_options o = {.upstream_idle_timeout_ms = 100};
    uint16_t port = fx_start(&o);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n", &r), 200);
    fx_resp_free(&r);
    CHECK_INT_EQ(fx_roundtrip(port, "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n", &r), 200);
    fx_resp_free(&r);
    CHECK_INT_EQ(atomic_load(&fx_origin_conns), 1);
    usleep(400000);
    CHECK_INT_EQ(fx_roundtrip(port, "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n", &r), 200);
    fx_resp_free(&r);
    CHECK_INT_EQ(atomic_load(&fx_origin_conns), 2);
    fx_wait_logs(3);
    fx_log l;
    fx_last_log(&l);
    CHECK(!l.reused);
    fx_stop();
}

TEST(test_unreachable_origin_times_out_with_504)
{
    fx_options o = {.origin_blackhole = true, .limits.upstream_connect_timeout_ms = 200};
    uint16_t port = fx_start(&o);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", &r), 504);
    fx_resp_free(&r);
    fx_wait_logs(1);
    fx_log l;
    fx_last_log(&l);
    CHECK_STR_HAS(l.error, "upstream_connect_timeout");
    fx_stop();
    http_upstream_stats st;
    fx_upstream_stats(&st);
    CHECK_UINT_EQ(st.connects, 1);
    CHECK_UINT_EQ(st.connect_errors, 1);
}

TEST(test_completion_log_has_exact_figures)
{
    uint16_t port = fx_start(&DEFAULTS);
    const char *req = "GET /figures?a=1 HTTP/1.1\r\nHost: shop.test\r\nX-Request-Id: fig-1\r\n\r\n";
    int fd = fx_connect(port);
    fx_sends(fd, req);
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    size_t out = strlen(r.head) + r.body_len;
    fx_resp_free(&r);
    CHECK_INT_EQ(fx_wait_logs(1), 1);
    fx_log l;
    fx_last_log(&l);
    CHECK_UINT_EQ(l.bytes_in, strlen(req));
    CHECK_UINT_EQ(l.bytes_out, out);
    CHECK_STR_EQ(l.method, "GET");
    CHECK_STR_EQ(l.target, "/figures?a=1");
    CHECK_STR_EQ(l.host, "shop.test");
    CHECK_STR_EQ(l.client_ip, "127.0.0.1");
    CHECK_STR_EQ(l.request_id, "fig-1");
    CHECK_STR_HAS(l.upstream, "127.0.0.1:");
    CHECK_INT_EQ(l.status, 200);
    CHECK_UINT_EQ(l.attempts, 1);
    CHECK(l.duration_us > 0 && l.duration_us < 5000000);
    close(fd);
    fx_stop();
}

TEST(test_half_closed_client_still_gets_its_response)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(fd, "GET /slow/150 HTTP/1.1\r\nHost: a\r\n\r\n");
    shutdown(fd, SHUT_WR);
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "slow");
    fx_resp_free(&r);
    CHECK(fx_closed(fd, 2000));
    close(fd);
    fx_stop();
}

TEST(test_expect_100_continue_with_buffering_stage)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    fx_sends(fd, "POST /stage/buffer HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                 "Expect: 100-continue\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 100);
    fx_resp_free(&r);
    fx_sends(fd, "good");
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    char v[64];
    CHECK(fx_header(r.head, "x-body-seen", v, sizeof v));
    CHECK_STR_EQ(v, "4");
    fx_resp_free(&r);
    close(fd);
    fx_stop();
}

TEST(test_requests_split_at_every_boundary_are_parsed_the_same)
{
    uint16_t port = fx_start(&DEFAULTS);
    enum { K = 60 };
    static char all[K * 400];
    char want[K][64];
    size_t n = 0;
    for (int i = 0; i < K; i++) {
        switch (i % 3) {
        case 0:
            n += (size_t)snprintf(all + n, sizeof all - n,
                                  "GET /g%d HTTP/1.1\r\nHost: a\r\nX-Pad: %0*d\r\n\r\n", i,
                                  10 + i * 3, i);
            snprintf(want[i], sizeof want[i], "/g%d", i);
            break;
        case 1:
            snprintf(want[i], sizeof want[i], "body-%d-%0*d", i, i % 17, 0);
            n += (size_t)snprintf(all + n, sizeof all - n,
                                  "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: %zu\r\n\r\n%s",
                                  strlen(want[i]), want[i]);
            break;
        default:
            snprintf(want[i], sizeof want[i], "chunk-%d", i);
            n += (size_t)snprintf(all + n, sizeof all - n,
                                  "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                                  "\r\n3\r\n%.3s\r\n%zx;e=1\r\n%s\r\n0\r\n\r\n",
                                  want[i], strlen(want[i]) - 3, want[i] + 3);
            break;
        }
    }
    int fd = fx_connect(port);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pid_t pid = fork();
    if (pid == 0) {
        uint32_t seed = 7;
        for (size_t off = 0; off < n;) {
            seed = seed * 1103515245u + 12345u;
            size_t step = 1 + (seed >> 16) % 40;
            if (step > n - off)
                step = n - off;
            fx_send(fd, all + off, step);
            off += step;
            usleep(200); /* so that the proxy reads each piece on its own */
        }
        _exit(0);
    }
    for (int i = 0; i < K; i++) {
        fx_resp r;
        CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
        CHECK_STR_EQ(r.body, want[i]);
        fx_resp_free(&r);
    }
    waitpid(pid, NULL, 0);
    close(fd);
    fx_stop();
}

TEST(test_origin_response_split_at_every_boundary_is_relayed_intact)
{
    uint16_t port = fx_start(&DEFAULTS);
    int fd = fx_connect(port);
    for (int i = 0; i < 2; i++) {
        fx_sends(fd, "GET /trickle HTTP/1.1\r\nHost: a\r\n\r\n");
        fx_resp r;
        CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
        CHECK(r.chunked);
        CHECK_STR_EQ(r.body, "hello world");
        char v[16];
        CHECK(fx_header(r.head, "x-t", v, sizeof v));
        CHECK_STR_EQ(v, "1");
        fx_resp_free(&r);
    }
    close(fd);
    fx_stop();
    CHECK_INT_EQ(atomic_load(&fx_origin_conns), 1);
}
