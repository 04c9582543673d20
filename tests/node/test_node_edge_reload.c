/*
 * Hot reload of modules in the real aegis-node, end to end: POST /modules/reload swaps the WAF
 * and a function 20 times, and a change of a watched module file swaps a function 10 times,
 * under continuous requests with zero failed requests, and the responses switch to the new
 * versions; SIGHUP re-reads the config and
 * the modules; a broken new version is refused, reported (admin answer, /modules last_error,
 * log) and the old one keeps serving; a config naming a module that cannot load is refused on
 * SIGHUP with the running config kept.
 */
#include "edge_util.h"
#include "test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { SWITCH_WAIT_MS = 5000 };

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A route /headers running dir/fn.wasm (the versioned example, v1 to start with). */
static void start_versioned(node_env *e, char *dir, size_t cap, const char *waf)
{
    eu_tmpdir(dir, cap);
    eu_install("guest/examples/versioned.wasm", dir, "fn.wasm");
    char routes[2048];
    snprintf(routes, sizeof routes,
             "  - name: fn\n    path: /headers\n    upstream: a\n%s%s%s"
             "    functions: [{module: %s/fn.wasm}]\n",
             waf ? "    waf: {module: " : "", waf ? waf : "", waf ? "}\n" : "", dir);
    env_start(e, routes, NULL);
}

/* Polls until GET /headers answers with X-Version `want`; false after SWITCH_WAIT_MS. */
static bool wait_version(const node_env *e, const char *want)
{
    long long end = now_ms() + SWITCH_WAIT_MS;
    char v[16];
    do {
        if (eu_get_version(e->port, "/headers", v, sizeof v) == 200 && strcmp(v, want) == 0)
            return true;
        usleep(10 * 1000);
    } while (now_ms() < end);
    return false;
}

TEST(test_edge_admin_reload_swaps_waf_and_function_under_load_without_failures)
{
    /* dir/waf.wasm alternates between the real WAF and the test WAF (which blocks "attack"),
     * dir/fn.wasm between versions 1 and 2 of the versioned function. */
    node_env e;
    char dir[64], waf[128];
    eu_tmpdir(dir, sizeof dir);
    eu_install("guest/waf.wasm", dir, "waf.wasm");
    snprintf(waf, sizeof waf, "%s/waf.wasm", dir);
    eu_install("guest/examples/versioned.wasm", dir, "fn.wasm");
    char routes[2048];
    snprintf(routes, sizeof routes,
             "  - name: fn\n    path: /headers\n    upstream: a\n    waf: {module: %s}\n"
             "    functions: [{module: %s/fn.wasm}]\n",
             waf, dir);
    env_start(&e, routes, NULL);
    CHECK(wait_version(&e, "1"));
    eu_load load;
    eu_load_start(&load, e.port, "/headers");
    usleep(100 * 1000);
    for (int i = 0; i < 20; i++) {
        bool v2 = i % 2 == 0;
        eu_install(v2 ? "guest/examples/versioned_v2.wasm" : "guest/examples/versioned.wasm", dir,
                   "fn.wasm");
        eu_install(v2 ? "guest/examples/test_waf.wasm" : "guest/waf.wasm", dir, "waf.wasm");
        e2e_response r;
        CHECK_INT_EQ(eu_admin(&e, "POST",
                              v2 || i % 4 == 1 ? "/modules/reload" : "/modules/reload?id=fn", &r),
                     200);
        CHECK_STR_HAS(r.body, "\"id\":\"fn\",\"path\":\"");
        CHECK_STR_HAS(r.body, "\"failed\":0}");
        e2e_response_free(&r);
        if (i % 4 == 3) { /* only fn was asked for: the WAF may still be the old one */
            CHECK_INT_EQ(eu_admin(&e, "POST", "/modules/reload?id=waf", &r), 200);
            CHECK_STR_HAS(r.body, "\"reloaded\":1,\"failed\":0}");
            e2e_response_free(&r);
        }
        /* Loaded when the answer came: the very next request runs the new versions. */
        char v[16];
        CHECK_INT_EQ(eu_get_version(e.port, "/headers", v, sizeof v), 200);
        CHECK_STR_EQ(v, v2 ? "2" : "1");
        e2e_request(e.port, "GET", "/headers?q=attack", "www.test", NULL, NULL, &r);
        CHECK_INT_EQ(r.status, v2 ? 403 : 200);
        e2e_response_free(&r);
        usleep(30 * 1000);
    }
    eu_load_stop(&load);
    CHECK_MSG(atomic_load(&load.failed) == 0, "%ld of %ld requests failed",
              atomic_load(&load.failed), atomic_load(&load.ok) + atomic_load(&load.failed));
    CHECK(atomic_load(&load.ok) > 100);
    CHECK(atomic_load(&load.v1) > 0 && atomic_load(&load.v2) > 0);
    CHECK_INT_EQ(atomic_load(&load.v1) + atomic_load(&load.v2), atomic_load(&load.ok));
    e2e_response r;
    CHECK_INT_EQ(eu_admin(&e, "GET", "/modules", &r), 200);
    CHECK_STR_HAS(r.body, "\"id\":\"fn\",\"type\":\"function\"");
    CHECK_STR_HAS(r.body, "\"generation\":21,"); /* 20 new versions of each after the first */
    e2e_response_free(&r);
    CHECK_INT_EQ(env_stop(&e), 0);
    eu_rmdir(dir);
}

TEST(test_edge_file_change_swaps_function_under_load_without_failures)
{
    node_env e;
    char dir[64];
    start_versioned(&e, dir, sizeof dir, NULL);
    CHECK(wait_version(&e, "1"));
    eu_load load;
    eu_load_start(&load, e.port, "/headers");
    for (int i = 0; i < 10; i++) {
        const char *next = i % 2 == 0 ? "2" : "1";
        eu_install(i % 2 == 0 ? "guest/examples/versioned_v2.wasm"
                              : "guest/examples/versioned.wasm",
                   dir, "fn.wasm");
        CHECK_MSG(wait_version(&e, next), "swap %d: version %s never served", i, next);
    }
    eu_load_stop(&load);
    CHECK_MSG(atomic_load(&load.failed) == 0, "%ld of %ld requests failed",
              atomic_load(&load.failed), atomic_load(&load.ok) + atomic_load(&load.failed));
    CHECK(atomic_load(&load.v1) > 0 && atomic_load(&load.v2) > 0);
    CHECK(e2e_wait_output(&e.node, "event=module_file_changed module=fn", 1000));
    CHECK_INT_EQ(env_stop(&e), 0);
    eu_rmdir(dir);
}

TEST(test_edge_bad_new_version_is_refused_and_old_keeps_serving)
{
    node_env e;
    char dir[64];
    start_versioned(&e, dir, sizeof dir, NULL);
    CHECK(wait_version(&e, "1"));
    static const char junk[] = "\0asm\x01\0\0\0 not a module";
    eu_install_bytes(dir, "fn.wasm", junk, sizeof junk - 1);
    e2e_response r;
    CHECK_INT_EQ(eu_admin(&e, "POST", "/modules/reload", &r), 422);
    CHECK_STR_HAS(r.body, "\"generation\":1,");
    CHECK_STR_HAS(r.body, "\"ok\":false,\"error\":\"edge: module fn: ");
    CHECK_STR_HAS(r.body, "\"reloaded\":0,\"failed\":1}");
    e2e_response_free(&r);
    char v[16];
    CHECK_INT_EQ(eu_get_version(e.port, "/headers", v, sizeof v), 200);
    CHECK_STR_EQ(v, "1");
    CHECK_INT_EQ(eu_admin(&e, "GET", "/modules", &r), 200);
    CHECK_STR_HAS(r.body, "\"last_error\":\"edge: module fn: ");
    e2e_response_free(&r);
    CHECK(e2e_wait_output(&e.node, "event=module_load_failed module=fn keeps=", 2000));
    /* A module whose exports are wrong (a WAF in a function's place) is refused the same way. */
    eu_install("guest/waf.wasm", dir, "fn.wasm");
    CHECK_INT_EQ(eu_admin(&e, "POST", "/modules/reload?id=fn", &r), 422);
    CHECK_STR_HAS(r.body, "handle_request");
    e2e_response_free(&r);
    CHECK_INT_EQ(eu_get_version(e.port, "/headers", v, sizeof v), 200);
    CHECK_STR_EQ(v, "1");
    /* And a good one is taken again. */
    eu_install("guest/examples/versioned_v2.wasm", dir, "fn.wasm");
    CHECK(wait_version(&e, "2"));
    CHECK_INT_EQ(env_stop(&e), 0);
    eu_rmdir(dir);
}

TEST(test_edge_sighup_reloads_config_and_modules)
{
    /* dir/fn.wasm is a link to real/fn.wasm: the watch of dir does not see real/ change, so
     * only SIGHUP can bring the new version in. */
    char real[64], dir[64], link[128], target[128];
    eu_tmpdir(real, sizeof real);
    eu_tmpdir(dir, sizeof dir);
    eu_install("guest/examples/versioned.wasm", real, "fn.wasm");
    snprintf(link, sizeof link, "%s/fn.wasm", dir);
    snprintf(target, sizeof target, "%s/fn.wasm", real);
    CHECK(symlink(target, link) == 0);
    char routes[2048];
    snprintf(routes, sizeof routes,
             "  - name: fn\n    path: /headers\n    upstream: a\n"
             "    functions: [{module: %s/fn.wasm}]\n",
             dir);
    node_env e;
    env_start(&e, routes, NULL);
    CHECK(wait_version(&e, "1"));
    e2e_response r;
    e2e_request(e.port, "GET", "/headers?q=1%27%20OR%201=1--", "www.test", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 200); /* no WAF yet */
    e2e_response_free(&r);
    /* The new config adds the WAF, and the function's file has a new version. */
    snprintf(routes, sizeof routes,
             "  - name: fn\n    path: /headers\n    upstream: a\n    waf: {module: %s}\n"
             "    functions: [{module: %s/fn.wasm}]\n",
             eu_build(0, "guest/waf.wasm"), dir);
    env_rewrite(&e, routes, NULL);
    eu_install("guest/examples/versioned_v2.wasm", real, "fn.wasm");
    usleep(300 * 1000);
    char v[16];
    CHECK_INT_EQ(eu_get_version(e.port, "/headers", v, sizeof v), 200);
    CHECK_STR_EQ(v, "1");
    kill(e.node.pid, SIGHUP);
    CHECK(e2e_wait_output(&e.node, "aegis-node: reloaded", 5000));
    e2e_request(e.port, "GET", "/headers?q=1%27%20OR%201=1--", "www.test", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 403);
    e2e_response_free(&r);
    CHECK_INT_EQ(eu_get_version(e.port, "/headers", v, sizeof v), 200);
    CHECK_STR_EQ(v, "2");
    CHECK(e2e_wait_output(&e.node, "event=module_loaded module=waf type=waf", 1000));

    /* A config naming a module that does not load is refused as a whole. */
    snprintf(routes, sizeof routes,
             "  - name: fn\n    path: /headers\n    upstream: a\n"
             "    functions: [{module: %s/missing.wasm}]\n",
             dir);
    env_rewrite(&e, routes, NULL);
    kill(e.node.pid, SIGHUP);
    CHECK(e2e_wait_output(&e.node, "reload failed, keeping the running config", 5000));
    char *out = e2e_output(&e.node);
    char want[256];
    snprintf(want, sizeof want, ":11:26: routes[0].functions[0].module: edge: module missing: %s",
             dir);
    CHECK_STR_HAS(out, want);
    free(out);
    e2e_request(e.port, "GET", "/headers?q=1%27%20OR%201=1--", "www.test", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 403); /* the WAF of the running config still guards */
    e2e_response_free(&r);
    CHECK_INT_EQ(env_metric(&e, "aegis_config_reloads_total{result=\"error\"}"), 1);

    /* A function whose file is named like the running WAF would take over its id: refused. */
    eu_install("guest/examples/header_rewriter.wasm", real, "waf.wasm");
    snprintf(routes, sizeof routes,
             "  - name: fn\n    path: /headers\n    upstream: a\n"
             "    functions: [{module: %s/waf.wasm}]\n",
             real);
    env_rewrite(&e, routes, NULL);
    kill(e.node.pid, SIGHUP);
    CHECK_INT_EQ(env_metric_is(&e, "aegis_config_reloads_total{result=\"error\"}", 2), 2);
    CHECK(e2e_wait_output(
        &e.node, "routes[0].functions[0].module: module id 'waf' was a WAF until now", 2000));
    CHECK_INT_EQ(env_stop(&e), 0);
    eu_rmdir(dir);
    eu_rmdir(real);
}
