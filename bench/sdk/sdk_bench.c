/*
 * bench/sdk: what a module costs per request in each author language. The four example
 * functions in C, Rust and AssemblyScript (the same behaviour, tests/sdk checks it) each run on
 * the same requests through the edge stage exactly as a node runs them (edge_run_*: request
 * JSON, instance restore, the call, result checks), in one process, one after the other. For each
 * module: its size, the fuel of one request (deterministic) and the median and 90th percentile
 * wall time of one request over many, after a warm-up; the three versions of an example take
 * turns request by request. C is the peer: the table also gives each
 * language's median as a ratio to C's for the same example and request.
 *
 *   sdk_bench BUILD_OUT_DIR [ROUNDS]    (BUILD_OUT_DIR: e.g. build/release)
 */
#include "edge/edge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { WARMUP_ROUNDS = 200, DEFAULT_ROUNDS = 3000, MAX_ROUNDS = 100000 };

static const char *const langs[] = {"c", "rust", "as"};
static const char *const lang_dirs[] = {"guest/examples", "guest/examples-rust",
                                        "guest/examples-as"};

typedef struct scenario {
    const char *example, *label, *method, *target, *body;
} scenario;

/* One representative request per example (the cache is filled before the get is timed). */
static const scenario scenarios[] = {
    {"header_rewriter", "GET /page", "GET", "/page", NULL},
    {"blocker", "GET /admin (403)", "GET", "/admin/users", NULL},
    {"blocker", "GET /fine", "GET", "/fine", NULL},
    {"body_inspector", "POST 1 KiB", "POST", "/upload", ""},
    {"cache_responder", "GET /cache/get (hit)", "GET", "/cache/get/color", NULL},
};
#define NSCEN (sizeof scenarios / sizeof scenarios[0])

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int run_one(edge_run *run, const char *method, const char *target, const char *body,
                   edge_run_result *res)
{
    static char lenbuf[32];
    size_t blen = body ? strlen(body) : 0;
    snprintf(lenbuf, sizeof lenbuf, "%zu", blen);
    http_header hs[3] = {
        {"Host", 4, "bench.test", 10},
        {"User-Agent", 10, "sdk-bench", 9},
        {"Content-Type", 12, "text/plain", 10},
    };
    http_local_request head = {.method = method,
                               .target = target,
                               .client_ip = "127.0.0.1",
                               .request_id = "bench",
                               .headers = hs,
                               .header_count = body ? 3 : 2,
                               .content_length = (int64_t)blen};
    char err[256];
    if (edge_run_request(run, &head, (const uint8_t *)body, blen, res, err, sizeof err) != 0) {
        fprintf(stderr, "sdk_bench: %s %s: %s\n", method, target, err);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sdk_bench BUILD_OUT_DIR [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : DEFAULT_ROUNDS;
    if (rounds < 10 || rounds > MAX_ROUNDS)
        rounds = DEFAULT_ROUNDS;
    static char kib[1025];
    memset(kib, 'a', 1024);
    double *samples[3];
    for (int l = 0; l < 3; l++)
        if ((samples[l] = malloc(sizeof(double) * (size_t)rounds)) == NULL)
            return 1;
    printf(
        "| example | request | language | module bytes | fuel | median us | p90 us | median vs C "
        "|\n|---|---|---|---:|---:|---:|---:|---:|\n");
    for (size_t s = 0; s < NSCEN; s++) {
        const scenario *sc = &scenarios[s];
        const char *body = sc->body ? kib : NULL;
        edge_run *runs[3];
        size_t sizes[3];
        uint64_t fuel[3] = {0};
        int status[3] = {0};
        for (int l = 0; l < 3; l++) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s/%s.wasm", argv[1], lang_dirs[l], sc->example);
            uint8_t *bytes = read_file(path, &sizes[l]);
            if (bytes == NULL) {
                fprintf(stderr, "sdk_bench: cannot read %s (build it first)\n", path);
                return 1;
            }
            edge_run_options opt = {.type = EDGE_MODULE_FUNCTION, .module_id = sc->example};
            char err[512];
            runs[l] = edge_run_new(bytes, sizes[l], &opt, err, sizeof err);
            free(bytes);
            if (runs[l] == NULL) {
                fprintf(stderr, "sdk_bench: %s: %s\n", path, err);
                return 1;
            }
            if (strcmp(sc->example, "cache_responder") == 0) {
                edge_run_result res;
                if (run_one(runs[l], "GET", "/cache/set/color/blue/3600", NULL, &res) != 0)
                    return 1;
                edge_run_result_clear(&res);
            }
        }
        /* The three languages take turns, in a rotating order, so that a change of the
         * machine's load during the run weighs on all of them alike. */
        for (int i = 0; i < WARMUP_ROUNDS + rounds; i++) {
            for (int k = 0; k < 3; k++) {
                int l = (i + k) % 3;
                edge_run_result res;
                double t0 = now_us();
                if (run_one(runs[l], sc->method, sc->target, body, &res) != 0)
                    return 1;
                double t1 = now_us();
                if (res.fail_kind >= 0) {
                    fprintf(stderr, "sdk_bench: %s (%s) failed: %s\n", sc->example, langs[l],
                            res.fail_message);
                    return 1;
                }
                if (i >= WARMUP_ROUNDS)
                    samples[l][i - WARMUP_ROUNDS] = t1 - t0;
                fuel[l] = res.fuel;
                status[l] = res.status;
                edge_run_result_clear(&res);
            }
        }
        double c_median = 0;
        for (int l = 0; l < 3; l++) {
            qsort(samples[l], (size_t)rounds, sizeof(double), cmp_double);
            double med = samples[l][rounds / 2], p90 = samples[l][rounds * 9 / 10];
            if (l == 0)
                c_median = med;
            char answer[16];
            snprintf(answer, sizeof answer, status[l] ? "%d" : "continue", status[l]);
            printf("| %s | %s -> %s | %s | %zu | %llu | %.1f | %.1f | %.2f |\n", sc->example,
                   sc->label, answer, langs[l], sizes[l], (unsigned long long)fuel[l], med, p90,
                   med / c_median);
            edge_run_free(runs[l]);
        }
        fflush(stdout);
    }
    for (int l = 0; l < 3; l++)
        free(samples[l]);
    return 0;
}
