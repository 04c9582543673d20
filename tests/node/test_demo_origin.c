/*
 * aegis-demo-origin on its own, over real sockets: the page, /headers, /echo (also with a
 * chunked body), /status/N, /slow?ms=N, pipelined requests answered in order, a malformed
 * request answered 400, and a clean exit on SIGTERM.
 */
#include "e2e.h"
#include "test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void start(e2e_proc *p, uint16_t *port)
{
    *port = e2e_free_port();
    e2e_start_origin(p, *port, "solo");
}

static void finish(e2e_proc *p)
{
    CHECK_INT_EQ(e2e_stop(p, SIGTERM, 5000), 0);
    unlink(p->out_path);
}

TEST(test_demo_origin_page_says_whether_proxied)
{
    e2e_proc p;
    uint16_t port;
    start(&p, &port);
    e2e_response r;
    e2e_request(port, "GET", "/?x=<b>", "h", "X-Request-Id: id-1\r\n", NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(e2e_header(&r, "Content-Type"), "text/html; charset=utf-8");
    CHECK_STR_EQ(e2e_header(&r, "X-Origin"), "solo");
    CHECK_STR_HAS(r.body, "not through AEGIS Edge");
    CHECK_STR_HAS(r.body, "<code>GET /?x=&lt;b&gt;</code>");
    CHECK_STR_HAS(r.body, "<tr><td>X-Request-Id</td><td>id-1</td></tr>");
    e2e_response_free(&r);
    e2e_request(port, "GET", "/", "h", "Via: 1.1 aegis\r\n", NULL, &r);
    CHECK_STR_HAS(r.body, "proxied through AEGIS Edge");
    e2e_response_free(&r);
    finish(&p);
}

TEST(test_demo_origin_endpoints)
{
    e2e_proc p;
    uint16_t port;
    start(&p, &port);
    e2e_response r;
    e2e_request(port, "GET", "/headers", "h", "A: 1\r\nEmpty:\r\n", NULL, &r);
    CHECK_STR_EQ(r.body, "Host: h\nA: 1\nEmpty: \nConnection: close\n");
    e2e_response_free(&r);
    e2e_request(port, "POST", "/echo", "h", "Content-Type: text/x-test\r\n", "hello", &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.body, "hello");
    CHECK_STR_EQ(e2e_header(&r, "Content-Type"), "text/x-test");
    e2e_response_free(&r);
    e2e_request(port, "GET", "/status/503", "h", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 503);
    CHECK_STR_EQ(r.body, "status 503\n");
    e2e_response_free(&r);
    e2e_request(port, "GET", "/status/99", "h", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 400);
    e2e_response_free(&r);
    e2e_request(port, "GET", "/nope", "h", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 404);
    e2e_response_free(&r);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    e2e_request(port, "GET", "/slow?ms=200", "h", NULL, NULL, &r);
    clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK_STR_EQ(r.body, "slept 200 ms\n");
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    CHECK_MSG(ms >= 195, "answered after %ld ms", ms);
    e2e_response_free(&r);
    finish(&p);
}

TEST(test_demo_origin_chunked_body_and_pipelining)
{
    e2e_proc p;
    uint16_t port;
    start(&p, &port);
    int fd = e2e_connect(port);
    const char reqs[] = "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
                        "GET /slow?ms=50 HTTP/1.1\r\nHost: h\r\n\r\n"
                        "GET /status/201 HTTP/1.1\r\nHost: h\r\n\r\n";
    e2e_send(fd, reqs, sizeof reqs - 1);
    e2e_response r;
    CHECK(e2e_read_response(fd, &r, 5000));
    CHECK_STR_EQ(r.body, "abcdefg");
    e2e_response_free(&r);
    CHECK(e2e_read_response(fd, &r, 5000));
    CHECK_STR_EQ(r.body, "slept 50 ms\n");
    e2e_response_free(&r);
    CHECK(e2e_read_response(fd, &r, 5000));
    CHECK_INT_EQ(r.status, 201);
    e2e_response_free(&r);
    /* A malformed request: 400 and the connection closes. */
    const char bad[] = "GET / HTTP/1.1\r\nHost h\r\n\r\n";
    e2e_send(fd, bad, sizeof bad - 1);
    CHECK(e2e_read_response(fd, &r, 5000));
    CHECK_INT_EQ(r.status, 400);
    CHECK_STR_EQ(e2e_header(&r, "Connection"), "close");
    e2e_response_free(&r);
    close(fd);
    finish(&p);
}
