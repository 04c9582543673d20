/*
 * Hot reload: a module replaced 20 times through the API (edge_modules_load, what the admin
 * API's reload calls) and 20 times by replacing its file (inotify), while a client thread keeps
 * sending requests: no request fails, and responses switch to the new version. A reload that
 * cannot read, validate or instantiate the new bytes leaves the old version serving.
 */
#include "fixture.h"

#include "test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *fn_v[] = {"v"};
static uint16_t port;
static atomic_bool client_stop;
static atomic_int client_ok, client_failed, seen_v1, seen_v2;

/* Keeps sending requests, on one keep-alive connection and on fresh ones in turn. */
static void *client_main(void *arg)
{
    (void)arg;
    int fd = fx_connect(port);
    for (int i = 0; !atomic_load(&client_stop); i++) {
        fx_response r;
        char v[16] = "";
        if (i % 10 == 0) {
            close(fd);
            fd = fx_connect(port);
        }
        if (!fx_request(fd, "GET", "/v/x", NULL, NULL, 0, &r) || r.status != 200 ||
            !fx_header(&r, "X-Version", v, sizeof v)) {
            atomic_fetch_add(&client_failed, 1);
            close(fd);
            fd = fx_connect(port);
            continue;
        }
        atomic_fetch_add(&client_ok, 1);
        atomic_fetch_add(v[0] == '1' ? &seen_v1 : &seen_v2, 1);
    }
    close(fd);
    return NULL;
}

/* The version a fresh request sees. */
static char version_now(void)
{
    int fd = fx_connect(port);
    fx_response r;
    char v[16] = "?";
    CHECK(fx_request(fd, "GET", "/v/probe", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    fx_header(&r, "X-Version", v, sizeof v);
    close(fd);
    return v[0];
}

static int probe_status(const char *path)
{
    int fd = fx_connect(port);
    fx_response r;
    CHECK(fx_request(fd, "GET", path, NULL, NULL, 0, &r));
    close(fd);
    return r.status;
}

static void start(const char *path, bool watch)
{
    fx_load("v", EDGE_MODULE_FUNCTION, path);
    fx_options o = {.route_count = 1, .watch = watch};
    o.routes[0] = (fx_route){"v", {.owner = "t", .functions = fn_v, .function_count = 1}};
    port = fx_start(&o);
}

TEST(test_reload_via_api_under_load_drops_nothing_and_switches)
{
    start(fx_example("versioned"), false);
    size_t n1, n2;
    uint8_t *b1 = test_read_file(fx_example("versioned"), &n1);
    uint8_t *b2 = test_read_file(fx_example("versioned_v2"), &n2);
    pthread_t t;
    pthread_create(&t, NULL, client_main, NULL);
    CHECK_INT_EQ(version_now(), '1');
    for (int i = 0; i < 20; i++) {
        char err[320];
        bool two = i % 2 == 0;
        CHECK_MSG(edge_modules_load(fx_mods, "v", EDGE_MODULE_FUNCTION, two ? b2 : b1,
                                    two ? n2 : n1, err, sizeof err) == 0,
                  "%s", err);
        CHECK_INT_EQ(version_now(), two ? '2' : '1');
        usleep(20000);
    }
    atomic_store(&client_stop, true);
    pthread_join(t, NULL);
    CHECK_INT_EQ(atomic_load(&client_failed), 0);
    CHECK_MSG(atomic_load(&client_ok) > 40, "only %d requests", atomic_load(&client_ok));
    CHECK(atomic_load(&seen_v1) > 0 && atomic_load(&seen_v2) > 0);
    CHECK_UINT_EQ(edge_modules_generation(fx_mods, "v"), 21);
    free(b1);
    free(b2);
    fx_stop();
}

static void copy_file(const char *from, const char *dir, const char *name)
{
    size_t n;
    uint8_t *b = test_read_file(from, &n);
    char tmp[600], dst[600];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    FILE *f = fopen(tmp, "wb");
    CHECK(f != NULL && fwrite(b, 1, n, f) == n);
    fclose(f);
    CHECK(rename(tmp, dst) == 0); /* how deploy tools replace a file: atomically */
    free(b);
}

TEST(test_reload_on_file_change_under_load_drops_nothing_and_switches)
{
    char dir[] = "/tmp/aegis-edge-watch-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    copy_file(fx_example("versioned"), dir, "fn.wasm");
    char path[600];
    snprintf(path, sizeof path, "%s/fn.wasm", dir);
    start(path, true);
    pthread_t t;
    pthread_create(&t, NULL, client_main, NULL);
    for (int i = 0; i < 20; i++) {
        char want = i % 2 == 0 ? '2' : '1';
        copy_file(fx_example(want == '2' ? "versioned_v2" : "versioned"), dir, "fn.wasm");
        char got = '?';
        for (int k = 0; k < 200 && (got = version_now()) != want; k++)
            usleep(10000);
        CHECK_MSG(got == want, "reload %d: still version %c", i, got);
    }
    atomic_store(&client_stop, true);
    pthread_join(t, NULL);
    CHECK_INT_EQ(atomic_load(&client_failed), 0);
    CHECK(atomic_load(&seen_v1) > 0 && atomic_load(&seen_v2) > 0);
    CHECK_UINT_EQ(edge_modules_generation(fx_mods, "v"), 21);
    CHECK(fx_log_has("event=module_file_changed", "module=v", NULL));
    fx_stop();
    unlink(path);
    rmdir(dir);
}

TEST(test_failed_reload_keeps_old_version_and_reports_why)
{
    start(fx_example("versioned"), false);
    char h1[65], h2[65], err[320];
    CHECK(edge_modules_hash(fx_mods, "v", h1));
    CHECK_INT_EQ(strlen(h1), 64);
    CHECK_INT_EQ(edge_modules_load(fx_mods, "v", EDGE_MODULE_FUNCTION, (const uint8_t *)"\0asm", 4,
                                   err, sizeof err),
                 -1);
    CHECK_STR_HAS(err, "edge: module v: malformed");
    size_t n;
    uint8_t *waf = test_read_file(fx_example("test_waf"), &n);
    CHECK_INT_EQ(edge_modules_load(fx_mods, "v", EDGE_MODULE_FUNCTION, waf, n, err, sizeof err),
                 -1);
    CHECK_STR_EQ(err, "edge: module v: missing export handle_request(i32, i32) -> i32 required by "
                      "guest ABI v1 for an edge function");
    free(waf);
    CHECK_INT_EQ(edge_modules_load_file(fx_mods, "v", EDGE_MODULE_FUNCTION, "/nonexistent/x.wasm",
                                        err, sizeof err),
                 -1);
    CHECK_STR_EQ(err, "edge: module v: /nonexistent/x.wasm: No such file or directory");
    char *json = edge_modules_render_json(fx_mods);
    CHECK_STR_HAS(json, "\"last_error\":\"edge: module v: /nonexistent/x.wasm");
    free(json);
    CHECK(edge_modules_hash(fx_mods, "v", h2));
    CHECK_STR_EQ(h1, h2);
    CHECK_UINT_EQ(edge_modules_generation(fx_mods, "v"), 1);
    CHECK(fx_log_has("event=module_load_failed", "module=v", h1));
    CHECK_INT_EQ(version_now(), '1');
    /* Identical bytes: nothing to do, same generation. */
    CHECK_INT_EQ(edge_modules_load_file(fx_mods, "v", EDGE_MODULE_FUNCTION, fx_example("versioned"),
                                        err, sizeof err),
                 0);
    CHECK_UINT_EQ(edge_modules_generation(fx_mods, "v"), 1);
    fx_stop();
}

TEST(test_route_refuses_unknown_or_mistyped_module)
{
    fx_load("v", EDGE_MODULE_FUNCTION, fx_example("versioned"));
    char err[320];
    const char *missing[] = {"nope"};
    edge_route_config c = {.owner = "t", .functions = missing, .function_count = 1};
    CHECK(edge_route_new(fx_mods, fx_cache, &c, err, sizeof err) == NULL);
    CHECK_STR_EQ(err, "edge: route: function module nope is not loaded");
    edge_route_config w = {.owner = "t", .waf_module = "v"};
    CHECK(edge_route_new(fx_mods, fx_cache, &w, err, sizeof err) == NULL);
    CHECK_STR_EQ(err, "edge: route: module v is not a WAF");
    edge_modules_free(fx_mods);
    edge_cache_free(fx_cache);
}

TEST(test_reload_all_rereads_module_files)
{
    char dir[] = "/tmp/aegis-edge-reload-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    copy_file(fx_example("versioned"), dir, "fn.wasm");
    char path[600];
    snprintf(path, sizeof path, "%s/fn.wasm", dir);
    start(path, false);
    CHECK_INT_EQ(edge_modules_reload_all(fx_mods), 0); /* unchanged: nothing to do */
    CHECK_UINT_EQ(edge_modules_generation(fx_mods, "v"), 1);
    copy_file(fx_example("versioned_v2"), dir, "fn.wasm");
    CHECK_INT_EQ(version_now(), '1'); /* no watch: nothing changes until asked */
    CHECK_INT_EQ(edge_modules_reload_all(fx_mods), 0);
    CHECK_UINT_EQ(edge_modules_generation(fx_mods, "v"), 2);
    CHECK_INT_EQ(version_now(), '2');
    CHECK(unlink(path) == 0);
    CHECK_INT_EQ(edge_modules_reload_all(fx_mods), 1);
    CHECK_INT_EQ(version_now(), '2');
    fx_stop();
    rmdir(dir);
}

TEST(test_module_whose_initialisation_never_ends_is_refused)
{
    start(fx_example("versioned"), false);
    size_t n;
    uint8_t *bytes = test_read_file(fx_example("init_forever"), &n);
    char err[320];
    CHECK_INT_EQ(edge_modules_load(fx_mods, "v", EDGE_MODULE_FUNCTION, bytes, n, err, sizeof err),
                 -1);
    CHECK_STR_HAS(err, "edge: module v: _initialize: ");
    free(bytes);
    CHECK_UINT_EQ(edge_modules_generation(fx_mods, "v"), 1);
    CHECK_INT_EQ(version_now(), '1');
    fx_stop();
}

TEST(test_waf_and_function_reload_together_under_load)
{
    fx_load("waf", EDGE_MODULE_WAF, fx_example("test_waf"));
    fx_load("v", EDGE_MODULE_FUNCTION, fx_example("versioned"));
    fx_options o = {.route_count = 1};
    o.routes[0] = (fx_route){"v",
                             {.owner = "t",
                              .waf_module = "waf",
                              .waf_limits = {.deadline_ms = 2000},
                              .functions = fn_v,
                              .function_count = 1}};
    port = fx_start(&o);
    size_t n[4];
    uint8_t *b[4] = {test_read_file(fx_example("test_waf"), &n[0]),
                     test_read_file(test_build_path("guest/waf.wasm"), &n[1]),
                     test_read_file(fx_example("versioned"), &n[2]),
                     test_read_file(fx_example("versioned_v2"), &n[3])};
    pthread_t t;
    pthread_create(&t, NULL, client_main, NULL); /* benign requests: neither WAF blocks them */
    const char *sqli = "/v/items?id=1%27%20OR%20%271%27%3D%271";
    for (int i = 0; i < 20; i++) {
        int real = i % 2 == 0; /* the real WAF, and version 2 of the function */
        char err[320];
        CHECK_MSG(edge_modules_load(fx_mods, "waf", EDGE_MODULE_WAF, b[real], n[real], err,
                                    sizeof err) == 0,
                  "%s", err);
        CHECK_MSG(edge_modules_load(fx_mods, "v", EDGE_MODULE_FUNCTION, b[2 + real], n[2 + real],
                                    err, sizeof err) == 0,
                  "%s", err);
        /* test_waf blocks the word "attack", the real WAF blocks SQL injection. */
        CHECK_INT_EQ(probe_status("/v/attack"), real ? 200 : 403);
        CHECK_INT_EQ(probe_status(sqli), real ? 403 : 200);
        CHECK_INT_EQ(version_now(), real ? '2' : '1');
    }
    atomic_store(&client_stop, true);
    pthread_join(t, NULL);
    CHECK_INT_EQ(atomic_load(&client_failed), 0);
    CHECK(atomic_load(&seen_v1) > 0 && atomic_load(&seen_v2) > 0);
    CHECK_UINT_EQ(edge_modules_generation(fx_mods, "waf"), 21);
    for (int i = 0; i < 4; i++)
        free(b[i]);
    fx_stop();
}

TEST(test_waf_reload_on_file_change_under_load)
{
    char dir[] = "/tmp/aegis-edge-wafwatch-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    copy_file(fx_example("test_waf"), dir, "waf.wasm");
    char path[600];
    snprintf(path, sizeof path, "%s/waf.wasm", dir);
    fx_load("waf", EDGE_MODULE_WAF, path);
    fx_load("v", EDGE_MODULE_FUNCTION, fx_example("versioned"));
    fx_options o = {.route_count = 1, .watch = true};
    o.routes[0] = (fx_route){"v",
                             {.owner = "t",
                              .waf_module = "waf",
                              .waf_limits = {.deadline_ms = 2000},
                              .functions = fn_v,
                              .function_count = 1}};
    port = fx_start(&o);
    pthread_t t;
    pthread_create(&t, NULL, client_main, NULL);
    for (int i = 0; i < 20; i++) {
        int real = i % 2 == 0; /* the real WAF passes "attack" in a path, test_waf blocks it */
        copy_file(real ? test_build_path("guest/waf.wasm") : fx_example("test_waf"), dir,
                  "waf.wasm");
        int want = real ? 200 : 403, got = 0;
        for (int k = 0; k < 200 && (got = probe_status("/v/attack")) != want; k++)
            usleep(10000);
        CHECK_MSG(got == want, "reload %d: /v/attack answered %d", i, got);
    }
    atomic_store(&client_stop, true);
    pthread_join(t, NULL);
    CHECK_INT_EQ(atomic_load(&client_failed), 0);
    CHECK_UINT_EQ(edge_modules_generation(fx_mods, "waf"), 21);
    fx_stop();
    unlink(path);
    rmdir(dir);
}
