/*
 * The benchmark's server: the http layer with the edge stages on one catch-all route (the WAF,
 * then one edge function), the way aegis-node will run them, without the node's config and admin
 * layers (not yet wired to the edge). WORKERS threads each run a loop, an upstream pool and a
 * server on the same port (SO_REUSEPORT), sharing one module manager and one cache.
 *
 * Usage: edge_server PORT ORIGIN_PORT WORKERS WAF.wasm FUNCTION.wasm
 * Runs until SIGINT or SIGTERM, then drains and exits.
 */
#include "edge/edge.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORKERS 16
#define CACHE_BYTES (64u << 20)
#define DRAIN_MS 2000

typedef struct worker {
    pthread_t thr;
    uv_loop_t loop;
    uv_async_t stop;
    http_server *srv;
    http_upstream *up;
    edge_route *route;
    http_stage stages[2];
} worker;

static http_verdict route_all(http_request *req, void *ud)
{
    worker *w = ud;
    http_request_set_upstream(req, w->up);
    return HTTP_CONTINUE;
}

static void on_drained(void *arg)
{
    worker *w = arg;
    http_upstream_free(w->up);
    uv_close((uv_handle_t *)&w->stop, NULL);
}

static void on_stop(uv_async_t *a)
{
    worker *w = a->data;
    http_server_shutdown(w->srv, DRAIN_MS, on_drained, w);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    uv_run(&w->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void die(const char *what, const char *err)
{
    fprintf(stderr, "edge_server: %s: %s\n", what, err);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s PORT ORIGIN_PORT WORKERS WAF.wasm FUNCTION.wasm\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]), origin_port = atoi(argv[2]), nworkers = atoi(argv[3]);
    if (port <= 0 || port > 65535 || origin_port <= 0 || origin_port > 65535 || nworkers < 1 ||
        nworkers > MAX_WORKERS)
        die("arguments", "PORT and ORIGIN_PORT in 1..65535, WORKERS in 1..16");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* workers inherit the mask; main waits below */
    signal(SIGPIPE, SIG_IGN);

    char err[320];
    edge_modules *mods = edge_modules_new(NULL, NULL);
    edge_cache *cache = edge_cache_new(CACHE_BYTES);
    if (mods == NULL || cache == NULL)
        die("start", "out of memory");
    if (edge_modules_load_file(mods, "waf", EDGE_MODULE_WAF, argv[4], err, sizeof err) != 0 ||
        edge_modules_load_file(mods, "fn", EDGE_MODULE_FUNCTION, argv[5], err, sizeof err) != 0)
        die("load", err);
    const char *fns[] = {"fn"};
    edge_route_config rc = {.owner = "bench", .waf_module = "waf", .functions = fns,
                            .function_count = 1};
    static worker workers[MAX_WORKERS];
    for (int i = 0; i < nworkers; i++) {
        worker *w = &workers[i];
        if ((w->route = edge_route_new(mods, cache, &rc, err, sizeof err)) == NULL)
            die("route", err);
        uv_loop_init(&w->loop);
        uv_async_init(&w->loop, &w->stop, on_stop);
        w->stop.data = w;
        http_upstream_config uc = {.host = "127.0.0.1", .port = (uint16_t)origin_port,
                                   .max_idle = 64};
        if ((w->up = http_upstream_new(&w->loop, &uc, err, sizeof err)) == NULL)
            die("upstream", err);
        w->stages[0] = (http_stage){"route", route_all, NULL, NULL, w};
        w->stages[1] = edge_route_stage(w->route);
        http_pipeline p = {.stages = w->stages, .stage_count = 2};
        http_server_config sc = {.host = "127.0.0.1", .port = (uint16_t)port, .reuse_port = true};
        if ((w->srv = http_server_new(&w->loop, &sc, &p, err, sizeof err)) == NULL)
            die("listen", err);
        pthread_create(&w->thr, NULL, worker_main, w);
    }
    int sig;
    sigwait(&set, &sig);
    for (int i = 0; i < nworkers; i++)
        uv_async_send(&workers[i].stop);
    for (int i = 0; i < nworkers; i++) {
        worker *w = &workers[i];
        pthread_join(w->thr, NULL);
        http_server_free(w->srv);
        uv_run(&w->loop, UV_RUN_DEFAULT);
        uv_loop_close(&w->loop);
        edge_route_free(w->route);
    }
    char *metrics = edge_modules_render_prometheus(mods);
    if (metrics != NULL && getenv("EDGE_SERVER_METRICS") != NULL)
        fputs(metrics, stderr);
    free(metrics);
    edge_modules_free(mods);
    edge_cache_free(cache);
    return 0;
}
