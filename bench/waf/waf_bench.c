/*
 * Cost per request of the WAF, native against sandboxed in our engine, in the same run:
 * a typical browser GET and a 2 KB url-encoded form POST; the two requests of bench/edge (its
 * GET and its 2 KB form of 62 short fields); and prose forms of 8 and 64 KiB (the default
 * max_inspect_bytes), for fuel against body size. Prints median and p99 wall time per request,
 * the engine's fuel per request and the guest memory size. Usage:
 *   waf_bench [WASM_PATH] [ITERATIONS]
 * (defaults: <build>/guest/waf.wasm next to this binary's build tree, 5000; documents larger than
 * 2 KiB run proportionally fewer times, at least 20).
 */
#include "../../guest/waf/waf.h"
#include "engine/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Guest limits of ARCHITECTURE §5 for WAF modules. */
#define BENCH_MEMORY_BYTES (10u * 1024u * 1024u)
#define BENCH_DEADLINE_US 10000u
/* Documents over 16 KiB: a deadline that cannot cut a run short on a busy machine. */
#define BENCH_LARGE_DEADLINE_US 1000000u
/* No fuel limit while measuring: the fuel each request needs is reported instead. */
#define BENCH_FUEL 0u

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *ns, size_t n)
{
    qsort(ns, n, sizeof *ns, cmp_u64);
    printf("%-34s median %8.1f us   p99 %8.1f us\n", what, (double)ns[n / 2] / 1e3,
           (double)ns[n * 99 / 100] / 1e3);
}

static char *typical_get(void)
{
    return strdup(
        "{\"method\":\"GET\",\"uri\":\"/products/shoes?category=running&size=42&color=blue&sort="
        "price_asc&page=2\",\"headers\":[[\"Host\",\"shop.example.com\"],[\"User-Agent\","
        "\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36\"],[\"Accept\",\"text/html,application/xhtml+xml,"
        "application/xml;q=0.9,*/*;q=0.8\"],[\"Accept-Language\",\"en-US,en;q=0.9\"],"
        "[\"Accept-Encoding\",\"gzip, deflate, br\"],[\"Referer\",\"https://shop.example.com/"
        "products?category=running\"],[\"Cookie\",\"session=8f14e45fceea167a5a36dedd4bea2543; "
        "cart=3; theme=dark\"]],\"body\":\"\",\"client_ip\":\"203.0.113.7\"}");
}

static char *form_post_2k(void)
{
    static const char prose[] =
        "Hello+team%2C+I%27d+like+to+update+my+order+from+last+week.+Please+select+the+blue+"
        "option+instead+of+the+red+one%2C+and+drop+the+gift+wrap+if+possible.+My+neighbour+"
        "O%27Brien+will+pick+it+up+-+he+lives+at+no.+12.+Thanks+a+lot+and+have+a+nice+day%21+";
    char body[4096];
    size_t k = (size_t)snprintf(body, sizeof body,
                                "name=Sean+O%%27Brien&email=sean%%40example.ie&subject=Order+"
                                "question&message=");
    while (k + sizeof prose < 2048 - 32) {
        memcpy(body + k, prose, sizeof prose - 1);
        k += sizeof prose - 1;
    }
    k += (size_t)snprintf(body + k, sizeof body - k, "&newsletter=on&submit=Send");
    size_t cap = sizeof body + 1024;
    char *doc = malloc(cap);
    if (doc == NULL)
        return NULL;
    snprintf(
        doc, cap,
        "{\"method\":\"POST\",\"uri\":\"/contact\",\"headers\":[[\"Host\",\"www.example.com\"],"
        "[\"User-Agent\",\"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 "
        "Firefox/121.0\"],[\"Content-Type\",\"application/x-www-form-urlencoded\"],"
        "[\"Content-Length\",\"%zu\"]],\"body\":\"%s\",\"client_ip\":\"203.0.113.7\"}",
        k, body);
    return doc;
}

/* bench/edge's GET as the edge hands it to the WAF (wrk's headers, bench/edge/run.sh). */
static char *edge_get(void)
{
    return strdup(
        "{\"method\":\"GET\",\"uri\":\"/index.html?user=42&q=edge+proxy\",\"headers\":"
        "[[\"Host\",\"127.0.0.1:40000\"],[\"Accept\",\"text/html,application/xhtml+xml\"],"
        "[\"Accept-Language\",\"en\"],[\"User-Agent\",\"aegis-bench/1\"],[\"Cookie\","
        "\"session=0123456789abcdef\"]],\"body\":\"\",\"client_ip\":\"127.0.0.1\"}");
}

/* bench/edge's POST: bench/proxy/post.lua's 2048-byte form of fieldNNN=24 letters. */
static char *edge_post(void)
{
    char body[2200];
    size_t k = 0;
    for (int i = 0; k < 2048; i++) {
        char letters[25];
        memset(letters, 'a' + i % 26, 24);
        letters[24] = '\0';
        k +=
            (size_t)snprintf(body + k, sizeof body - k, "%sfield%03d=%s", i ? "&" : "", i, letters);
    }
    body[2048] = '\0';
    size_t cap = 3000;
    char *doc = malloc(cap);
    if (doc == NULL)
        return NULL;
    snprintf(doc, cap,
             "{\"method\":\"POST\",\"uri\":\"/submit?form=contact\",\"headers\":[[\"Host\","
             "\"127.0.0.1:40000\"],[\"Content-Length\",\"2048\"],[\"Content-Type\","
             "\"application/x-www-form-urlencoded\"],[\"Accept\",\"text/html\"],[\"User-Agent\","
             "\"aegis-bench/1\"],[\"Accept-Language\",\"en\"],[\"Cookie\","
             "\"session=0123456789abcdef\"]],\"body\":\"%s\",\"client_ip\":\"127.0.0.1\"}",
             body);
    return doc;
}

/* A url-encoded form of `size` bytes of prose (the 2 KB POST's message, repeated). */
static char *prose_form(size_t size)
{
    static const char prose[] =
        "Hello+team%2C+I%27d+like+to+update+my+order+from+last+week.+Please+select+the+blue+"
        "option+instead+of+the+red+one%2C+and+drop+the+gift+wrap+if+possible.+My+neighbour+"
        "O%27Brien+will+pick+it+up+-+he+lives+at+no.+12.+Thanks+a+lot+and+have+a+nice+day%21+";
    char *body = malloc(size + 1);
    if (body == NULL)
        return NULL;
    size_t k = (size_t)snprintf(body, size, "name=Sean&message=");
    while (k + sizeof prose <= size) {
        memcpy(body + k, prose, sizeof prose - 1);
        k += sizeof prose - 1;
    }
    body[k] = '\0';
    size_t cap = k + 512;
    char *doc = malloc(cap);
    if (doc != NULL)
        snprintf(doc, cap,
                 "{\"method\":\"POST\",\"uri\":\"/contact\",\"headers\":[[\"Host\","
                 "\"www.example.com\"],[\"Content-Type\",\"application/x-www-form-urlencoded\"]],"
                 "\"body\":\"%s\",\"client_ip\":\"203.0.113.7\"}",
                 body);
    free(body);
    return doc;
}

typedef struct box {
    eng_module *mod;
    eng_imports *imp;
    eng_instance *inst;
    int32_t f_alloc, f_dealloc, f_analyze;
} box;

static int box_open(box *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "waf_bench: cannot open %s\n", path);
        return -1;
    }
    static uint8_t bytes[4 << 20];
    size_t len = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    eng_error err;
    b->mod = eng_module_new(bytes, len, &err);
    if (b->mod == NULL) {
        fprintf(stderr, "waf_bench: %s: %s\n", path, err.message);
        return -1;
    }
    b->imp = eng_imports_new();
    eng_imports_add_wasi(b->imp, NULL, NULL);
    eng_limits lim = eng_limits_default();
    lim.max_memory_bytes = BENCH_MEMORY_BYTES;
    lim.deadline_us = BENCH_DEADLINE_US;
    lim.fuel = BENCH_FUEL;
    b->inst = eng_instance_new(b->mod, b->imp, &lim, &err);
    if (b->inst == NULL) {
        fprintf(stderr, "waf_bench: instantiate: %s\n", err.message);
        return -1;
    }
    int32_t init = eng_instance_find_func(b->inst, "_initialize", NULL);
    if (init >= 0 && eng_call(b->inst, init, NULL, 0, NULL, 0, &err) != ENG_OK) {
        fprintf(stderr, "waf_bench: _initialize: %s\n", err.message);
        return -1;
    }
    b->f_alloc = eng_instance_find_func(b->inst, "alloc", NULL);
    b->f_dealloc = eng_instance_find_func(b->inst, "dealloc", NULL);
    b->f_analyze = eng_instance_find_func(b->inst, "analyze_request", NULL);
    return 0;
}

/* One request through the sandbox as the edge would do it; returns fuel used, 0 on failure. */
static uint64_t box_request(box *b, const char *doc, size_t len, char *verdict, size_t vcap)
{
    eng_error err;
    eng_slot a = (uint32_t)len, r = 0;
    if (eng_call(b->inst, b->f_alloc, &a, 1, &r, 1, &err) != ENG_OK)
        return 0;
    uint32_t ptr = (uint32_t)r;
    uint8_t *m = eng_instance_memory(b->inst, ptr, len);
    if (m == NULL)
        return 0;
    memcpy(m, doc, len);
    eng_slot args[2] = {ptr, (uint32_t)len};
    if (eng_call(b->inst, b->f_analyze, args, 2, &r, 1, &err) != ENG_OK) {
        eng_call(b->inst, b->f_dealloc, args, 2, NULL, 0, &err);
        return 0;
    }
    uint64_t fuel = eng_instance_fuel_used(b->inst);
    uint8_t *h = eng_instance_memory(b->inst, (uint32_t)r, 4);
    uint32_t ol =
        h ? (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24 : 0;
    uint8_t *o = eng_instance_memory(b->inst, (uint64_t)(uint32_t)r + 4, ol);
    if (o != NULL && vcap > 0) {
        size_t c = ol < vcap - 1 ? ol : vcap - 1;
        memcpy(verdict, o, c);
        verdict[c] = '\0';
    }
    eng_call(b->inst, b->f_dealloc, args, 2, NULL, 0, &err);
    return fuel;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "build/release/guest/waf.wasm";
    size_t iters = argc > 2 ? (size_t)atol(argv[2]) : 5000;
    if (iters < 100)
        iters = 100;
#define NDOCS 6
    const char *names[NDOCS] = {"typical GET",           "2 KB form POST",
                                "bench/edge GET",        "bench/edge POST",
                                "8 KiB prose form POST", "64 KiB prose form POST"};
    char *docs[NDOCS] = {typical_get(), form_post_2k(),   edge_get(),
                         edge_post(),   prose_form(8192), prose_form(65536)};
    for (int d = 0; d < NDOCS; d++)
        if (docs[d] == NULL)
            return 1;
    uint64_t *ns = malloc(iters * sizeof *ns);
    waf *w = waf_new(NULL);
    box b;
    if (ns == NULL || w == NULL || box_open(&b, path) != 0)
        return 1;
    if (eng_instance_snapshot(b.inst, NULL) != ENG_OK)
        fprintf(stderr, "waf_bench: snapshot failed; restore rows will be skipped\n");
    size_t all_iters = iters;
    for (int d = 0; d < NDOCS; d++) {
        size_t len = strlen(docs[d]);
        /* larger documents run fewer times, and get a deadline that their size needs (the
           fuel they use is the figure that does not depend on the machine) */
        iters = len > 2600 ? all_iters * 2600 / len : all_iters;
        if (iters < 20)
            iters = 20;
        eng_limits lim = eng_limits_default();
        lim.max_memory_bytes = BENCH_MEMORY_BYTES;
        lim.deadline_us = len > 16384 ? BENCH_LARGE_DEADLINE_US : BENCH_DEADLINE_US;
        lim.fuel = BENCH_FUEL;
        eng_instance_set_limits(b.inst, &lim);
        printf("== %s (%zu-byte request document)\n", names[d], len);
        const waf_result *nr = waf_analyze(w, (const uint8_t *)docs[d], len);
        printf("native verdict: blocked=%d score=%d\n", nr->blocked, nr->score);
        for (size_t i = 0; i < iters; i++) {
            uint64_t t0 = now_ns();
            waf_analyze(w, (const uint8_t *)docs[d], len);
            ns[i] = now_ns() - t0;
        }
        report("native waf_analyze", ns, iters);
        char verdict[256] = "";
        uint64_t fuel = 0;
        size_t failed = 0;
        for (size_t i = 0; i < iters; i++) {
            uint64_t t0 = now_ns();
            uint64_t f = box_request(&b, docs[d], len, verdict, sizeof verdict);
            ns[i] = now_ns() - t0;
            if (f == 0) {
                /* a trapped call may leave the guest heap half-updated: start clean */
                failed++;
                eng_instance_restore(b.inst, NULL);
            } else {
                fuel = f;
            }
        }
        report("sandbox (alloc+copy+analyze)", ns, iters);
        for (size_t i = 0; i < iters; i++) {
            uint64_t t0 = now_ns();
            if (eng_instance_restore(b.inst, NULL) != ENG_OK)
                break;
            if (box_request(&b, docs[d], len, NULL, 0) == 0) {
                failed++;
                eng_instance_restore(b.inst, NULL);
            }
            ns[i] = now_ns() - t0;
        }
        report("sandbox with snapshot restore", ns, iters);
        printf("sandbox calls that trapped (%llu ms deadline): %zu of %zu\n",
               (unsigned long long)lim.deadline_us / 1000, failed, 2 * iters);
        printf("sandbox fuel per request %llu (budget %u), guest memory %llu bytes\n",
               (unsigned long long)fuel, BENCH_FUEL,
               (unsigned long long)eng_instance_memory_size(b.inst));
        printf("sandbox verdict: %.60s...\n", verdict);
    }
    for (int d = 0; d < NDOCS; d++)
        free(docs[d]);
    free(ns);
    waf_free(w);
    eng_instance_free(b.inst);
    eng_imports_free(b.imp);
    eng_module_free(b.mod);
    return 0;
}
