/*
 * The sandbox under hostile edge functions (guest/examples/hostile.c): loops stopped by fuel
 * and by the deadline, a memory bomb held at the limit, unreachable, wild pointers in results and
 * host calls, malformed results. Each failure answers 502 with the request id and is counted;
 * the next request on the same connection and worker succeeds.
 */
#include "fixture.h"

#include "test.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const char *fn_hostile[] = {"hostile"};

static uint16_t start_hostile(edge_limits lim)
{
    fx_load("hostile", EDGE_MODULE_FUNCTION, fx_example("hostile"));
    if (lim.deadline_ms == 0)
        lim.deadline_ms = 2000; /* a busy test machine must not turn a result into a deadline */
    fx_options o = {.route_count = 1};
    o.routes[0] = (fx_route){
        "h", {.owner = "t", .functions = fn_hostile, .function_count = 1, .function_limits = lim}};
    return fx_start(&o);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* path fails with 502 carrying the request id (JSON by Accept), then a calm request passes. */
static void expect_502_then_recovery(int fd, const char *path)
{
    fx_response r;
    char id[160], v[160];
    CHECK_MSG(fx_request(fd, "GET", path, "Accept: application/json\r\n", NULL, 0, &r), "%s", path);
    CHECK_MSG(r.status == 502, "%s: status %d", path, r.status);
    CHECK(fx_header(&r, "X-Request-Id", id, sizeof id));
    CHECK_INT_EQ(strlen(id), 32);
    char expect[300];
    snprintf(expect, sizeof expect, "\"request_id\":\"%s\"", id);
    CHECK_STR_HAS(r.body, expect);
    CHECK_STR_HAS(r.body, "\"error\":\"function_failed\"");
    CHECK(!fx_header(&r, "X-Origin", v, sizeof v));
    CHECK(fx_log_has("event=module_failed", "module=hostile", id));
    CHECK(fx_request(fd, "GET", "/h/calm", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(fx_header(&r, "X-Hostile", v, sizeof v));
    CHECK_STR_EQ(v, "calm");
    CHECK(fx_header(&r, "X-Calls", v, sizeof v));
    CHECK_STR_EQ(v, "1");
    CHECK_STR_EQ(r.body, "origin GET /h/calm 0");
}

TEST(test_no_state_survives_between_requests)
{
    int fd = fx_connect(start_hostile((edge_limits){0}));
    fx_response r;
    char v[16];
    for (int i = 0; i < 5; i++) {
        CHECK(fx_request(fd, "GET", "/h/calm", NULL, NULL, 0, &r));
        CHECK(fx_header(&r, "X-Calls", v, sizeof v));
        CHECK_STR_EQ(v, "1"); /* a global incremented by every call, reset by the snapshot */
    }
    close(fd);
    fx_stop();
}

TEST(test_failures_are_logged_once_per_interval_and_counted)
{
    int fd = fx_connect(start_hostile((edge_limits){0}));
    edge_modules_set_failure_log_interval(fx_mods, 60000);
    fx_response r;
    for (int i = 0; i < 4; i++) {
        CHECK(fx_request(fd, "GET", "/h/unreachable", NULL, NULL, 0, &r));
        CHECK_INT_EQ(r.status, 502);
    }
    edge_modules_set_failure_log_interval(fx_mods, 0);
    CHECK(fx_request(fd, "GET", "/h/unreachable", NULL, NULL, 0, &r));
    CHECK(fx_log_has("kind=\"unreachable\"", "suppressed=0", NULL));
    CHECK(fx_log_has("kind=\"unreachable\"", "suppressed=3", NULL));
    char *prom = edge_modules_render_prometheus(fx_mods);
    CHECK_STR_HAS(prom, "aegis_module_traps_total{module=\"hostile\",kind=\"unreachable\"} 5\n");
    CHECK_STR_HAS(prom, "aegis_module_latency_us_count{module=\"hostile\"} 5\n");
    free(prom);
    close(fd);
    fx_stop();
}

TEST(test_infinite_loop_stopped_by_fuel)
{
    int fd = fx_connect(start_hostile((edge_limits){.fuel = 200000, .deadline_ms = 5000}));
    /* 200,000 units take well under a second even under ASan; the deadline is far away. */
    uint64_t t0 = mono_ms();
    expect_502_then_recovery(fd, "/h/loop");
    CHECK_MSG(mono_ms() - t0 < 2000, "fuel should stop the loop long before the deadline");
    CHECK(fx_log_has("kind=\"out of fuel\"", "module=hostile", NULL));
    char *json = edge_modules_render_json(fx_mods);
    CHECK_STR_HAS(json, "\"calls\":2");
    free(json);
    close(fd);
    fx_stop();
}

TEST(test_infinite_loop_stopped_by_deadline)
{
    int fd = fx_connect(start_hostile((edge_limits){.deadline_ms = 30}));
    uint64_t t0 = mono_ms();
    expect_502_then_recovery(fd, "/h/loop");
    uint64_t took = mono_ms() - t0;
    CHECK_MSG(took >= 30 && took < 1500, "took %llu ms", (unsigned long long)took);
    CHECK(fx_log_has("kind=\"deadline exceeded\"", "module=hostile", NULL));
    char *prom = edge_modules_render_prometheus(fx_mods);
    CHECK_STR_HAS(prom, "aegis_module_traps_total{module=\"hostile\",kind=\"");
    CHECK_STR_HAS(prom, "aegis_module_calls_total{module=\"hostile\"} 2\n");
    free(prom);
    close(fd);
    fx_stop();
}

TEST(test_memory_bomb_is_held_at_the_limit)
{
    int fd = fx_connect(start_hostile((edge_limits){.max_memory_bytes = 4 * 1024 * 1024}));
    fx_response r;
    CHECK(fx_request(fd, "GET", "/h/membomb", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    /* memory.grow failed at the limit: at most 64 pages of 64 KiB, and close to it. */
    int pages = atoi(r.body + 6);
    CHECK_MSG(strncmp(r.body, "pages=", 6) == 0 && pages <= 64 && pages > 48, "%s", r.body);
    expect_502_then_recovery(fd, "/h/membomb-die");
    /* Again: the restored instance starts from its small snapshot, not the bombed memory. */
    CHECK(fx_request(fd, "GET", "/h/membomb", NULL, NULL, 0, &r));
    CHECK_INT_EQ(atoi(r.body + 6), pages);
    close(fd);
    fx_stop();
}

TEST(test_unreachable_answers_502_with_request_id)
{
    int fd = fx_connect(start_hostile((edge_limits){0}));
    expect_502_then_recovery(fd, "/h/unreachable");
    CHECK(fx_log_has("kind=\"unreachable\"", NULL, NULL));
    /* HTML by default. */
    fx_response r;
    CHECK(fx_request(fd, "GET", "/h/unreachable", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 502);
    CHECK_STR_HAS(r.body, "<h1>502 Bad Gateway</h1>");
    CHECK_STR_HAS(r.body, "Request ID: ");
    close(fd);
    fx_stop();
}

TEST(test_wild_pointers_trap_that_call_only)
{
    int fd = fx_connect(start_hostile((edge_limits){0}));
    expect_502_then_recovery(fd, "/h/wild-result");
    CHECK(fx_log_has("result pointer 0xfffffff0 is outside memory", NULL, NULL));
    expect_502_then_recovery(fd, "/h/huge-len");
    CHECK(fx_log_has("result of 2147483647 bytes", "runs past memory", NULL));
    expect_502_then_recovery(fd, "/h/wild-header");
    CHECK(fx_log_has("set_response_header: range 0xffffff00+100 is outside memory", NULL, NULL));
    expect_502_then_recovery(fd, "/h/wild-log");
    CHECK(fx_log_has("log: range 0x", "+2147483647 is outside memory", NULL));
    expect_502_then_recovery(fd, "/h/wild-cache");
    CHECK(fx_log_has("cache_get: range 0xfffffff0+4096", NULL, NULL));
    close(fd);
    fx_stop();
}

TEST(test_malformed_results_answer_502)
{
    int fd = fx_connect(start_hostile((edge_limits){0}));
    expect_502_then_recovery(fd, "/h/garbage");
    CHECK(fx_log_has("kind=\"bad result\"", "result is not JSON", NULL));
    expect_502_then_recovery(fd, "/h/bad-status");
    CHECK(fx_log_has("result status 42 is not in 200..599", NULL, NULL));
    expect_502_then_recovery(fd, "/h/send-bad");
    CHECK(fx_log_has("send_response status 1000 is not in 200..599", NULL, NULL));
    char *json = edge_modules_render_json(fx_mods);
    CHECK_STR_HAS(json, "\"bad result\":3");
    free(json);
    close(fd);
    fx_stop();
}

TEST(test_route_memory_limit_below_module_minimum_answers_502)
{
    /* 64 KiB cannot hold the module's initial memory (its stack alone is 64 KiB). */
    int fd = fx_connect(start_hostile((edge_limits){.max_memory_bytes = 65536}));
    fx_response r;
    for (int i = 0; i < 2; i++) {
        CHECK(fx_request(fd, "GET", "/h/calm", NULL, NULL, 0, &r));
        CHECK_INT_EQ(r.status, 502);
    }
    CHECK(fx_log_has("kind=\"instantiate\"", "module=hostile", NULL));
    char *json = edge_modules_render_json(fx_mods);
    CHECK_STR_HAS(json, "\"instantiate\":2");
    free(json);
    close(fd);
    fx_stop();
}

TEST(test_module_cannot_flood_the_log)
{
    int fd = fx_connect(start_hostile((edge_limits){0}));
    fx_response r;
    char v[16];
    CHECK(fx_request(fd, "GET", "/h/log-flood", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(fx_header(&r, "X-Hostile", v, sizeof v));
    /* 20,000 attempts within a second: 100 lines pass, the rest are counted. */
    CHECK_INT_EQ(fx_log_count("event=module_log ") + fx_log_count("event=header_refused"), 100);
    usleep(1100 * 1000);
    CHECK(fx_request(fd, "GET", "/h/log-flood", NULL, NULL, 0, &r));
    CHECK(fx_log_has("event=module_log_dropped module=hostile lines=19900", NULL, NULL));
    close(fd);
    fx_stop();
}
