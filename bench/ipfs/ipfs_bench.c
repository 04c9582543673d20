/*
 * The driver of bench/ipfs/run.sh: how long a node takes to get a module by CID.
 *
 *   ipfs_bench gen DIR
 *       writes DIR/m1.wasm and DIR/m10.wasm: valid edge-function modules of 1 MiB and 10 MiB
 *       (tests/deploy/wasmgen.c: a big data segment), for the peer to import
 *   ipfs_bench run GATEWAY REPS FILE CID [FILE CID]...
 *       for each module, REPS times each:
 *         cold     empty cache: dep_fetch from GATEWAY (CAR, every block hashed, DAG walked,
 *                  stored in the cache) + eng_module_new (decode, validate, compile)
 *         peer     the same CAR downloaded from the same peer with libcurl, nothing verified:
 *                  the floor that the peer and loopback HTTP set
 *         warm     dep_cache_load (read and verify the cached CAR) + eng_module_new
 *         warm-io  dep_cache_load alone
 *       and prints one Markdown table row per measure with p50 and p99 in milliseconds.
 *
 * Every fetched or loaded module is compared with FILE's bytes, so a fast wrong answer cannot
 * pass for a result.
 */
#include "curl_body.h"
#include "deploy/deploy.h"
#include "engine/engine.h"
#include "wasmgen.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { REPS_MAX = 1000, MIB = 1048576 };

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (nearest rank) of n samples, sorted in place. */
static double quantile(double *s, size_t n, double q)
{
    qsort(s, n, sizeof *s, cmp_double);
    size_t rank = (size_t)(q * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return s[rank - 1];
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return NULL;
    }
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    *len = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (buf != NULL && *len != (size_t)st.st_size) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int gen(const char *dir)
{
    static const struct {
        const char *name;
        size_t bytes;
    } sizes[] = {{"m1.wasm", 1 * MIB}, {"m10.wasm", 10 * MIB}};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        /* The filler makes the whole module the named size (the rest is under 200 bytes). */
        uint8_t *m = wasmgen_function(sizes[i].bytes - 200, 1000 + i, "bench", &len);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, sizes[i].name);
        FILE *f = fopen(path, "wb");
        if (m == NULL || f == NULL || fwrite(m, 1, len, f) != len || fclose(f) != 0) {
            fprintf(stderr, "ipfs_bench: cannot write %s\n", path);
            return 1;
        }
        free(m);
    }
    return 0;
}

/* The peer's figure: GET the CAR, no verification. Returns the bytes received, 0 on failure. */
static size_t plain_download(CURL *c, const char *url)
{
    curl_body b = {.first_cap = 1 << 20};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_body_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    long status = 0;
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    size_t got = rc == CURLE_OK && status == 200 ? b.len : 0;
    free(b.data);
    return got;
}

static void clear_cache(const char *dir, const char *cid)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, cid);
    unlink(path);
}

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "ipfs_bench: %s: %s\n", what, why);
    return 1;
}

static void row(const char *module, const char *measure, double *s, size_t n)
{
    double p50 = quantile(s, n, 0.50), p99 = quantile(s, n, 0.99);
    printf("| %s | %s | %.2f | %.2f |\n", module, measure, p50, p99);
}

static int bench_one(const char *gateway, size_t reps, const char *path, const char *cid_text,
                     const char *cache)
{
    size_t len;
    uint8_t *want = read_all(path, &len);
    if (want == NULL)
        return fail(path, strerror(errno));
    dep_cid cid;
    dep_error err;
    if (dep_cid_parse(cid_text, strlen(cid_text), &cid, &err) != DEP_OK)
        return fail(cid_text, err.message);
    char label[64];
    snprintf(label, sizeof label, "%.1f MiB, %s", (double)len / MIB,
             cid.version ? "CIDv1" : "CIDv0");

    double *cold = calloc(reps, sizeof *cold), *peer = calloc(reps, sizeof *peer);
    double *warm = calloc(reps, sizeof *warm), *warm_io = calloc(reps, sizeof *warm_io);
    CURL *c = curl_easy_init();
    if (!cold || !peer || !warm || !warm_io || !c)
        return fail("setup", "out of memory");
    char car_url[1024];
    snprintf(car_url, sizeof car_url, "%s/ipfs/%s?format=car", gateway, cid_text);
    struct curl_slist *accept = curl_slist_append(NULL, "Accept: application/vnd.ipld.car");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, accept);
    dep_fetch_options o = {.gateway_count = 1, .gateways = {gateway}, .cache_dir = cache};
    int rc = 0;
    for (size_t i = 0; i < reps && rc == 0; i++) {
        /* cold: nothing cached */
        clear_cache(cache, cid_text);
        uint8_t *file = NULL;
        size_t file_len = 0;
        const char *source = NULL;
        eng_error eerr = {0};
        double t0 = now_ms();
        dep_status st = dep_fetch(&o, &cid, &file, &file_len, &source, &err);
        eng_module *m = st == DEP_OK ? eng_module_new(file, file_len, &eerr) : NULL;
        cold[i] = now_ms() - t0;
        if (st != DEP_OK)
            rc = fail("cold fetch", err.message);
        else if (m == NULL)
            rc = fail("compile", eerr.message);
        else if (strcmp(source, gateway) != 0 || file_len != len || memcmp(file, want, len) != 0)
            rc = fail("cold fetch", "wrong bytes or not from the gateway");
        eng_module_free(m);
        free(file);
        if (rc != 0)
            break;

        /* peer: the same CAR, unverified */
        t0 = now_ms();
        size_t got = plain_download(c, car_url);
        peer[i] = now_ms() - t0;
        if (got < len)
            rc = fail("plain download", car_url);

        /* warm: the cache written by the cold fetch */
        t0 = now_ms();
        st = dep_cache_load(cache, &cid, 0, &file, &file_len, &err);
        warm_io[i] = now_ms() - t0;
        m = st == DEP_OK ? eng_module_new(file, file_len, &eerr) : NULL;
        warm[i] = now_ms() - t0;
        if (st != DEP_OK)
            rc = fail("warm load", err.message);
        else if (m == NULL)
            rc = fail("compile", eerr.message);
        else if (file_len != len || memcmp(file, want, len) != 0)
            rc = fail("warm load", "wrong bytes");
        eng_module_free(m);
        free(file);
    }
    if (rc == 0) {
        row(label, "cold: fetch + verify + cache + compile", cold, reps);
        row(label, "peer: same CAR, plain download, unverified", peer, reps);
        row(label, "warm: cache load + verify + compile", warm, reps);
        row(label, "warm: cache load + verify only", warm_io, reps);
    }
    curl_slist_free_all(accept);
    curl_easy_cleanup(c);
    free(cold);
    free(peer);
    free(warm);
    free(warm_io);
    free(want);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "gen") == 0)
        return gen(argv[2]);
    if (argc < 6 || strcmp(argv[1], "run") != 0 || (argc - 4) % 2 != 0) {
        fprintf(stderr, "usage: ipfs_bench gen DIR | ipfs_bench run GATEWAY REPS FILE CID "
                        "[FILE CID]...\n");
        return 2;
    }
    long reps = strtol(argv[3], NULL, 10);
    if (reps < 1 || reps > REPS_MAX)
        return fail("REPS", "expected 1..1000");
    char cache[] = "/tmp/aegis-bench-ipfs-cache-XXXXXX";
    if (mkdtemp(cache) == NULL)
        return fail("mkdtemp", strerror(errno));
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return fail("libcurl", "init failed");
    printf("| module | measure | p50 ms | p99 ms |\n| --- | --- | --- | --- |\n");
    int rc = 0;
    for (int i = 4; i + 1 < argc && rc == 0; i += 2)
        rc = bench_one(argv[2], (size_t)reps, argv[i], argv[i + 1], cache);
    for (int i = 5; i < argc; i += 2)
        clear_cache(cache, argv[i]);
    rmdir(cache);
    curl_global_cleanup();
    return rc;
}
