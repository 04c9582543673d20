/*
 * Server objects without traffic: binding with and without SO_REUSEPORT, precise errors, and
 * shutdown of a server that never saw a connection; plus a hostile-bytes run that must leave
 * the server serving.
 */
#include "fixture.h"

#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int done_calls;

static void on_done(void *arg)
{
    (void)arg;
    done_calls++;
}

TEST(test_reuse_port_lets_two_servers_share_a_port)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char err[256] = "";
    http_server_config cfg = {.host = "127.0.0.1", .port = 0, .reuse_port = true};
    http_server *a = http_server_new(&loop, &cfg, NULL, err, sizeof err);
    CHECK_MSG(a != NULL, "%s", err);
    cfg.port = http_server_port(a);
    CHECK(cfg.port != 0);
    http_server *b = http_server_new(&loop, &cfg, NULL, err, sizeof err);
    CHECK_MSG(b != NULL, "%s", err);
    CHECK_INT_EQ(http_server_port(b), cfg.port);
    cfg.reuse_port = false;
    http_server *c = http_server_new(&loop, &cfg, NULL, err, sizeof err);
    CHECK(c == NULL);
    char want[128];
    snprintf(want, sizeof want, "http: listen 127.0.0.1:%u: Address already in use", cfg.port);
    CHECK_STR_EQ(err, want);
    http_server_shutdown(a, 1000, on_done, NULL);
    http_server_shutdown(b, 1000, on_done, NULL);
    CHECK_INT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
    CHECK_INT_EQ(done_calls, 2);
    http_server_free(a);
    http_server_free(b);
    CHECK_INT_EQ(uv_loop_close(&loop), 0);
}

TEST(test_bad_listen_address_is_reported)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char err[256] = "";
    http_server_config cfg = {.host = "localhost.invalid", .port = 8080};
    CHECK(http_server_new(&loop, &cfg, NULL, err, sizeof err) == NULL);
    CHECK_STR_EQ(err, "http: listen localhost.invalid:8080: not an IPv4 or IPv6 address");
    http_upstream_config uc = {.host = "127.0.0.1", .port = 0};
    CHECK(http_upstream_new(&loop, &uc, err, sizeof err) == NULL);
    CHECK_STR_EQ(err, "http: upstream: host and port are required");
    CHECK_INT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
    CHECK_INT_EQ(uv_loop_close(&loop), 0);
}

TEST(test_free_without_shutdown_releases_everything)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char err[256];
    http_server_config cfg = {.host = "127.0.0.1"};
    http_server *s = http_server_new(&loop, &cfg, NULL, err, sizeof err);
    CHECK(s != NULL);
    http_server_free(s); /* closes the listener; memory goes when the loop closed it */
    CHECK_INT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
    CHECK_INT_EQ(uv_loop_close(&loop), 0);
}

TEST(test_hostile_bytes_never_take_the_server_down)
{
    uint16_t port = fx_start(&(fx_options){.limits.header_timeout_ms = 300});
    uint64_t seed = 0x1234567u;
    static const char *const seeds[] = {
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
        "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
    };
    for (int i = 0; i < 150; i++) {
        char buf[256];
        const char *s = seeds[i % 3];
        size_t n = strlen(s);
        memcpy(buf, s, n);
        /* Flip a few bytes to arbitrary values (a fixed xorshift sequence). */
        for (int k = 0; k < 1 + i % 4; k++) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            buf[seed % n] = (char)(seed >> 32);
        }
        int fd = fx_connect(port);
        fx_send(fd, buf, n);
        shutdown(fd, SHUT_WR);
        fx_resp r;
        int st = fx_read_response(fd, &r, false);
        CHECK_MSG(st == -1 || (st >= 100 && st <= 599), "status %d", st);
        fx_resp_free(&r);
        close(fd);
    }
    fx_resp r;
    CHECK_INT_EQ(fx_roundtrip(port, "GET /still-alive HTTP/1.1\r\nHost: a\r\n\r\n", &r), 200);
    CHECK_STR_EQ(r.body, "/still-alive");
    fx_resp_free(&r);
    fx_stop();
}
