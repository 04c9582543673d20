/*
 * Limits and timeouts: head size, header count, URI length, body size (declared and chunked),
 * header / body / idle / send timeouts, and the connection cap. Timeouts are short here.
 */
#include "fixture.h"

#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void expect_status_and_close(int fd, int status)
{
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), status);
    char v[64];
    CHECK(fx_header(r.head, "connection", v, sizeof v));
    CHECK_STR_EQ(v, "close");
    fx_resp_free(&r);
    CHECK(fx_closed(fd, 2000));
}

TEST(test_header_bytes_over_limit_get_431)
{
    fx_options o = {.limits.max_header_bytes = 1024};
    uint16_t port = fx_start(&o);
    char req[4096];
    char pad[2000];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: %s\r\n\r\n", pad);
    int fd = fx_connect(port);
    fx_sends(fd, req);
    expect_status_and_close(fd, 431);
    close(fd);
    /* Just under the limit passes. */
    snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: %.900s\r\n\r\n", pad);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, req, &r), 200);
    fx_resp_free(&r);
    fx_wait_logs(2);
    fx_stop();
}

TEST(test_too_many_headers_get_431)
{
    fx_options o = {.limits.max_headers = 10};
    uint16_t port = fx_start(&o);
    char req[4096] = "GET / HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < 10; i++)
        snprintf(req + strlen(req), sizeof req - strlen(req), "X-H%d: v\r\n", i);
    strcat(req, "\r\n");
    int fd = fx_connect(port);
    fx_sends(fd, req);
    expect_status_and_close(fd, 431);
    close(fd);
    fx_log l;
    fx_wait_logs(1);
    fx_last_log(&l);
    CHECK_STR_HAS(l.error, "too many headers");
    fx_stop();
}

TEST(test_long_uri_gets_414)
{
    fx_options o = {.limits.max_uri_bytes = 100};
    uint16_t port = fx_start(&o);
    char req[512];
    char path[200];
    memset(path, 'p', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    snprintf(req, sizeof req, "GET /%s HTTP/1.1\r\nHost: a\r\n\r\n", path);
    int fd = fx_connect(port);
    fx_sends(fd, req);
    expect_status_and_close(fd, 414);
    close(fd);
    fx_stop();
}

TEST(test_declared_body_over_limit_gets_413)
{
    fx_options o = {.limits.max_body_bytes = 100};
    uint16_t port = fx_start(&o);
    int fd = fx_connect(port);
    fx_sends(fd, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n");
    expect_status_and_close(fd, 413);
    close(fd);
    CHECK_INT_EQ(atomic_load(&fx_origin_requests), 0);
    fx_stop();
}

TEST(test_chunked_body_over_limit_gets_413_when_buffered)
{
    fx_options o = {.limits.max_body_bytes = 10};
    uint16_t port = fx_start(&o);
    int fd = fx_connect(port);
    fx_sends(fd, "POST /stage/buffer HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
    expect_status_and_close(fd, 413);
    close(fd);
    CHECK_INT_EQ(atomic_load(&fx_origin_requests), 0);
    fx_stop();
}

TEST(test_chunked_body_over_limit_is_cut_when_streamed)
{
    fx_options o = {.limits.max_body_bytes = 10};
    uint16_t port = fx_start(&o);
    int fd = fx_connect(port);
    fx_sends(fd, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
    expect_status_and_close(fd, 413);
    close(fd);
    fx_wait_logs(1);
    fx_log l;
    fx_last_log(&l);
    CHECK_INT_EQ(l.status, 413);
    fx_stop();
}

TEST(test_slow_request_head_gets_408)
{
    fx_options o = {.limits.header_timeout_ms = 200};
    uint16_t port = fx_start(&o);
    int fd = fx_connect(port);
    fx_sends(fd, "GET / HTTP/1.1\r\nHost: a\r\n");
    usleep(100000);
    fx_sends(fd, "X-Slow: 1\r\n"); /* trickling does not extend the deadline */
    expect_status_and_close(fd, 408);
    close(fd);
    fx_log l;
    fx_wait_logs(1);
    fx_last_log(&l);
    CHECK_STR_HAS(l.error, "header_timeout");
    fx_stop();
}

TEST(test_stalled_request_body_gets_408)
{
    fx_options o = {.limits.body_timeout_ms = 200};
    uint16_t port = fx_start(&o);
    int fd = fx_connect(port);
    fx_sends(fd, "POST /stage/buffer HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345");
    expect_status_and_close(fd, 408);
    close(fd);
    fx_log l;
    fx_wait_logs(1);
    fx_last_log(&l);
    CHECK_STR_HAS(l.error, "body_timeout");
    fx_stop();
}

TEST(test_idle_keepalive_connection_is_closed_quietly)
{
    fx_options o = {.limits.idle_timeout_ms = 200};
    uint16_t port = fx_start(&o);
    int fd = fx_connect(port);
    fx_sends(fd, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    fx_resp_free(&r);
    CHECK(fx_closed(fd, 2000));
    close(fd);
    CHECK_INT_EQ(fx_wait_logs(1), 1);
    fx_stop();
}

TEST(test_silent_new_connection_is_closed_after_header_timeout)
{
    fx_options o = {.limits.header_timeout_ms = 200};
    uint16_t port = fx_start(&o);
    int fd = fx_connect(port);
    CHECK(fx_closed(fd, 2000));
    close(fd);
    fx_stop();
}

TEST(test_client_that_does_not_read_is_cut_by_send_timeout)
{
    fx_options o = {.limits.send_timeout_ms = 300};
    uint16_t port = fx_start(&o);
    int fd = fx_connect(port);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    fx_sends(fd, "GET /big/50000000 HTTP/1.1\r\nHost: a\r\n\r\n");
    fx_log l = {0};
    for (int i = 0; i < 50 && l.count == 0; i++) {
        usleep(100000);
        fx_last_log(&l);
    }
    CHECK_INT_EQ(l.count, 1);
    CHECK_STR_HAS(l.error, "send_timeout");
    close(fd);
    fx_stop();
}

TEST(test_connections_over_the_cap_are_closed)
{
    fx_options o = {.limits.max_connections = 2};
    uint16_t port = fx_start(&o);
    int a = fx_connect(port), b = fx_connect(port);
    usleep(50000);
    int c = fx_connect(port);
    CHECK(fx_closed(c, 2000));
    fx_sends(a, "GET /a HTTP/1.1\r\nHost: a\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(a, &r, false), 200);
    fx_resp_free(&r);
    close(a);
    close(b);
    close(c);
    fx_stop();
}

TEST(test_heads_near_the_limits_are_forwarded_intact)
{
    uint16_t port = fx_start(&(fx_options){0}); /* defaults: 16 KiB of head, 100 headers */
    static char req[20000];
    size_t n = (size_t)snprintf(req, sizeof req, "GET /headers HTTP/1.1\r\nHost: a\r\n");
    for (int i = 0; i < 90; i++)
        n += (size_t)snprintf(req + n, sizeof req - n, "X-H%02d: %0120d\r\n", i, i);
    n += (size_t)snprintf(req + n, sizeof req - n, "\r\n");
    CHECK(n > 11000 && n < 16000);
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, req, &r), 200);
    char v[200];
    CHECK(fx_header(r.body, "x-h00", v, sizeof v));
    CHECK_UINT_EQ(strlen(v), 120);
    CHECK(fx_header(r.body, "x-h89", v, sizeof v));
    CHECK(v[119] == '9' && v[118] == '8');
    fx_resp_free(&r);
    fx_stop();
}
