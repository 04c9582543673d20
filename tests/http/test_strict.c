/*
 * Requests that could smuggle or that are malformed: each is answered 400 (or the status named)
 * and the connection is closed, and nothing reaches the origin.
 */
#include "fixture.h"

#include "test.h"

#include <stdio.h>
#include <unistd.h>

/* Sends `req` on a fresh connection, expects `status`, a closed connection and a silent origin. */
static void expect_rejected(uint16_t port, const char *req, size_t len, int status)
{
    int fd = fx_connect(port);
    fx_send(fd, req, len);
    fx_resp r;
    int got = fx_read_response(fd, &r, false);
    CHECK_MSG(got == status, "request %.60s: status %d, expected %d", req, got, status);
    char v[64];
    CHECK(fx_header(r.head, "connection", v, sizeof v));
    CHECK_STR_EQ(v, "close");
    fx_resp_free(&r);
    CHECK_MSG(fx_closed(fd, 2000), "connection left open after %d", status);
    close(fd);
    CHECK_INT_EQ(atomic_load(&fx_origin_requests), 0);
}

#define REJECT(port, lit, status) expect_rejected(port, lit, sizeof(lit) - 1, status)

TEST(test_content_length_with_transfer_encoding_is_rejected)
{
    uint16_t port = fx_start(&(fx_options){0});
    REJECT(
        port,
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        "0\r\n\r\n",
        400);
    REJECT(
        port,
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"
        "0\r\n\r\n",
        400);
    fx_stop();
}

TEST(test_duplicate_or_malformed_content_length_is_rejected)
{
    uint16_t port = fx_start(&(fx_options){0});
    REJECT(port,
           "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
           400);
    REJECT(port, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc", 400);
    REJECT(port, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3a\r\n\r\nabc", 400);
    REJECT(port, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: -3\r\n\r\nabc", 400);
    REJECT(port,
           "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
           400);
    fx_stop();
}

TEST(test_transfer_encoding_other_than_final_chunked_is_rejected)
{
    uint16_t port = fx_start(&(fx_options){0});
    REJECT(port, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc", 400);
    REJECT(port,
           "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
           400);
    REJECT(port, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
           400);
    REJECT(port,
           "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
           "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           400);
    fx_stop();
}

TEST(test_obs_fold_is_rejected)
{
    uint16_t port = fx_start(&(fx_options){0});
    REJECT(port, "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n", 400);
    REJECT(port, "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n\ttwo\r\n\r\n", 400);
    fx_stop();
}

TEST(test_bad_chunk_sizes_are_rejected)
{
    uint16_t port = fx_start(&(fx_options){0});
    REJECT(port,
           "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
           "chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
           400);
    REJECT(port,
           "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
           "fffffffffffffffffffff\r\nabc\r\n",
           400);
    REJECT(port,
           "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
           "chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
           400);
    fx_stop();
}

TEST(test_nul_and_bare_cr_in_headers_are_rejected)
{
    uint16_t port = fx_start(&(fx_options){0});
    REJECT(port, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n", 400);
    REJECT(port, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", 400);
    REJECT(port, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\rX-B: c\r\n\r\n", 400);
    REJECT(port, "GET / HTTP/1.1\r\nHost: a\r\nX\0A: b\r\n\r\n", 400);
    REJECT(port, "GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n", 400);
    fx_stop();
}

TEST(test_invalid_methods_versions_and_targets_are_rejected)
{
    uint16_t port = fx_start(&(fx_options){0});
    REJECT(port, "FROB / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    REJECT(port, "get / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    REJECT(port, "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 400);
    REJECT(port, "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 400);
    REJECT(port, "GET / FTP/1.1\r\nHost: a\r\n\r\n", 400);
    REJECT(port, "GET http://evil/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    REJECT(port, "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 405);
    fx_stop();
}

TEST(test_missing_or_duplicate_host_is_rejected)
{
    uint16_t port = fx_start(&(fx_options){0});
    REJECT(port, "GET / HTTP/1.1\r\n\r\n", 400);
    REJECT(port, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    REJECT(port, "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400);
    fx_stop();
}

TEST(test_unknown_expectation_gets_417)
{
    uint16_t port = fx_start(&(fx_options){0});
    REJECT(port, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nExpect: magic\r\n\r\nx",
           417);
    fx_stop();
}

TEST(test_garbage_after_a_good_request_closes_after_its_response)
{
    uint16_t port = fx_start(&(fx_options){0});
    int fd = fx_connect(port);
    fx_sends(fd, "GET /one HTTP/1.1\r\nHost: a\r\n\r\n\x01\x02garbage\r\n\r\n");
    fx_resp r;
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 200);
    CHECK_STR_EQ(r.body, "/one");
    fx_resp_free(&r);
    CHECK_INT_EQ(fx_read_response(fd, &r, false), 400);
    fx_resp_free(&r);
    CHECK(fx_closed(fd, 2000));
    close(fd);
    fx_stop();
}
