/*
 * Several workers, as a node runs them: each with its own loop, server (SO_REUSEPORT on one
 * port) and per-route instances, sharing one module manager and one cache. The cache is seen by
 * every worker, and a reload reaches every worker while requests keep flowing through all.
 */
#include "fixture.h"

#include "test.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *fn_cache[] = {"cache"};
static const char *fn_v[] = {"v"};
static uint16_t port;
static atomic_bool stop;
static atomic_int ok_count, failed, seen_v2;

TEST(test_workers_share_one_cache)
{
    fx_load("cache", EDGE_MODULE_FUNCTION, fx_example("cache_responder"));
    fx_options o = {.route_count = 1, .workers = 2};
    o.routes[0] = (fx_route){"k", {.owner = "t", .functions = fn_cache, .function_count = 1}};
    port = fx_start(&o);
    for (int i = 0; i < 40; i++) {
        char path[64], want[32];
        fx_response r;
        snprintf(path, sizeof path, "/k/cache/set/key%d/value%d/60", i, i);
        int fd = fx_connect(port); /* fresh connections land on either worker */
        CHECK(fx_request(fd, "GET", path, NULL, NULL, 0, &r));
        CHECK_INT_EQ(r.status, 200);
        close(fd);
        snprintf(path, sizeof path, "/k/cache/get/key%d", i);
        snprintf(want, sizeof want, "value%d", i);
        fd = fx_connect(port);
        CHECK(fx_request(fd, "GET", path, NULL, NULL, 0, &r));
        CHECK_INT_EQ(r.status, 200);
        CHECK_STR_EQ(r.body, want);
        close(fd);
    }
    CHECK_MSG(atomic_load(&fx_worker_requests[0]) > 0 && atomic_load(&fx_worker_requests[1]) > 0,
              "workers served %d and %d", atomic_load(&fx_worker_requests[0]),
              atomic_load(&fx_worker_requests[1]));
    CHECK_INT_EQ(atomic_load(&fx_worker_requests[0]) + atomic_load(&fx_worker_requests[1]), 80);
    fx_stop();
}

static void *client_main(void *arg)
{
    (void)arg;
    int fd = fx_connect(port);
    for (int i = 0; !atomic_load(&stop); i++) {
        fx_response r;
        char v[16] = "";
        if (i % 5 == 0) {
            close(fd);
            fd = fx_connect(port);
        }
        if (!fx_request(fd, "GET", "/v/x", NULL, NULL, 0, &r) || r.status != 200 ||
            !fx_header(&r, "X-Version", v, sizeof v)) {
            atomic_fetch_add(&failed, 1);
            close(fd);
            fd = fx_connect(port);
            continue;
        }
        atomic_fetch_add(&ok_count, 1);
        if (v[0] == '2')
            atomic_fetch_add(&seen_v2, 1);
    }
    close(fd);
    return NULL;
}

TEST(test_reload_reaches_every_worker_under_load)
{
    fx_load("v", EDGE_MODULE_FUNCTION, fx_example("versioned"));
    fx_options o = {.route_count = 1, .workers = 2};
    o.routes[0] = (fx_route){"v", {.owner = "t", .functions = fn_v, .function_count = 1}};
    port = fx_start(&o);
    size_t n[2];
    uint8_t *b[2] = {test_read_file(fx_example("versioned"), &n[0]),
                     test_read_file(fx_example("versioned_v2"), &n[1])};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, client_main, NULL);
    for (int i = 0; i < 20; i++) {
        int which = i % 2 == 0; /* 1: version 2 */
        char err[320];
        CHECK_MSG(edge_modules_load(fx_mods, "v", EDGE_MODULE_FUNCTION, b[which], n[which], err,
                                    sizeof err) == 0,
                  "%s", err);
        for (int k = 0; k < 6; k++) { /* fresh connections, on both workers */
            int fd = fx_connect(port);
            fx_response r;
            char v[16] = "";
            CHECK(fx_request(fd, "GET", "/v/probe", NULL, NULL, 0, &r));
            CHECK(fx_header(&r, "X-Version", v, sizeof v));
            CHECK_INT_EQ(v[0], which ? '2' : '1');
            close(fd);
        }
    }
    atomic_store(&stop, true);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    CHECK_INT_EQ(atomic_load(&failed), 0);
    CHECK(atomic_load(&ok_count) > 20 && atomic_load(&seen_v2) > 0);
    CHECK(atomic_load(&fx_worker_requests[0]) > 0 && atomic_load(&fx_worker_requests[1]) > 0);

    /* GET /modules: one entry with the current version and every call counted. */
    char *text = edge_modules_render_json(fx_mods);
    json_error_t je;
    json_t *list = json_loads(text, 0, &je);
    CHECK_MSG(list != NULL, "%s: %s", je.text, text);
    CHECK_INT_EQ(json_array_size(list), 1);
    json_t *m = json_array_get(list, 0);
    char hash[65];
    CHECK(edge_modules_hash(fx_mods, "v", hash));
    CHECK_STR_EQ(json_string_value(json_object_get(m, "id")), "v");
    CHECK_STR_EQ(json_string_value(json_object_get(m, "type")), "function");
    CHECK_STR_EQ(json_string_value(json_object_get(m, "sha256")), hash);
    CHECK_INT_EQ(json_integer_value(json_object_get(m, "generation")), 21);
    CHECK_INT_EQ(json_integer_value(json_object_get(m, "calls")), atomic_load(&ok_count) + 20 * 6);
    CHECK_INT_EQ(json_object_size(json_object_get(m, "traps")), 0);
    CHECK(json_integer_value(json_object_get(m, "loaded_unix")) > 1600000000);
    json_decref(list);
    free(text);
    free(b[0]);
    free(b[1]);
    fx_stop();
}
