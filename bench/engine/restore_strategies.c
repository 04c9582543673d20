/*
 * Restore strategies for per-request instance reset, measured side by side: what a request plus
 * the reset of its instance's linear memory costs with
 *   copy   - copying the whole snapshot back (the engine before dirty tracking);
 *   dirty  - a byte per 4 KiB granule set by every store, and copying back only marked granules
 *            (what src/engine does: the marking is one byte store per guest store);
 *   mmap   - the memory as a MAP_PRIVATE mapping of a memfd that holds the snapshot, reset with
 *            madvise(MADV_DONTNEED), which drops the private copies: the next access to a page
 *            faults it in again from the snapshot (a read maps the shared page, a write copies it).
 * A "request" reads 4 bytes in each of `read` granules and writes 8 bytes in each of `write`
 * granules, spread over the memory, then the memory is reset. The page faults of the mmap
 * strategy land in the request, so the figure to compare is request + reset; the reset alone is
 * printed too. Each line: strategy, memory size, granules read and written, median microseconds.
 *
 * Usage: restore_strategies [ROUNDS]   (built and run by bench/engine/run.sh; libc only)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define GRANULE 4096u
#define MAX_ROUNDS 100000L

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, long n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum strategy { COPY, DIRTY, MMAP };
static const char *const strategy_names[] = {"copy", "dirty", "mmap"};

typedef struct mem {
    uint8_t *base;
    uint8_t *map; /* dirty: one byte per granule */
    uint8_t *snap;
    size_t size;
} mem;

static volatile uint32_t sink;

/* The request: reads and writes spread evenly over the memory (granule indices by stride). */
static void request(mem *m, enum strategy s, size_t reads, size_t writes, uint32_t round)
{
    size_t ngran = m->size / GRANULE;
    uint32_t acc = 0;
    for (size_t i = 0; i < reads; i++) {
        size_t g = (i * ngran / reads + 1) % ngran;
        uint32_t v;
        memcpy(&v, m->base + g * GRANULE + 64, sizeof v);
        acc += v;
    }
    for (size_t i = 0; i < writes; i++) {
        size_t g = i * ngran / writes;
        uint64_t v = round * 0x9e3779b97f4a7c15ull + i;
        size_t at = g * GRANULE + 128;
        memcpy(m->base + at, &v, sizeof v);
        if (s == DIRTY)
            m->map[at / GRANULE] = 1;
    }
    sink = acc;
}

static int reset(mem *m, enum strategy s)
{
    size_t ngran = m->size / GRANULE;
    switch (s) {
    case COPY:
        memcpy(m->base, m->snap, m->size);
        return 0;
    case DIRTY:
        for (size_t g = 0; g < ngran; g++) {
            if (m->map[g]) {
                memcpy(m->base + g * GRANULE, m->snap + g * GRANULE, GRANULE);
                m->map[g] = 0;
            }
        }
        return 0;
    case MMAP:
        return madvise(m->base, m->size, MADV_DONTNEED);
    }
    return -1;
}

static int mem_open(mem *m, enum strategy s, size_t size)
{
    memset(m, 0, sizeof *m);
    m->size = size;
    m->snap = malloc(size);
    m->map = calloc(size / GRANULE, 1);
    if (m->snap == NULL || m->map == NULL)
        return -1;
    for (size_t i = 0; i < size; i++)
        m->snap[i] = (uint8_t)(i * 131u + 7u);
    if (s == MMAP) {
        int fd = memfd_create("snapshot", 0);
        if (fd < 0)
            return -1;
        ssize_t w = ftruncate(fd, (off_t)size) == 0 ? pwrite(fd, m->snap, size, 0) : -1;
        void *p = w == (ssize_t)size ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
                                     : MAP_FAILED;
        close(fd);
        if (p == MAP_FAILED)
            return -1;
        m->base = p;
    } else {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return -1;
        m->base = p;
        memcpy(m->base, m->snap, size);
    }
    return 0;
}

static void mem_close(mem *m)
{
    if (m->base)
        munmap(m->base, m->size);
    free(m->snap);
    free(m->map);
}

static int measure(enum strategy s, size_t size, size_t reads, size_t writes, long rounds)
{
    mem m = {0};
    double *total = malloc(sizeof(double) * (size_t)rounds);
    double *alone = malloc(sizeof(double) * (size_t)rounds);
    int rc = -1;
    if (total == NULL || alone == NULL || mem_open(&m, s, size) != 0) {
        fprintf(stderr, "restore_strategies: %s: %s\n", strategy_names[s], strerror(errno));
        goto out;
    }
    for (long r = -10; r < rounds; r++) { /* 10 rounds of warm-up */
        double t0 = now_us();
        request(&m, s, reads, writes, (uint32_t)r);
        double t1 = now_us();
        if (reset(&m, s) != 0) {
            fprintf(stderr, "restore_strategies: reset: %s\n", strerror(errno));
            goto out;
        }
        double t2 = now_us();
        if (r >= 0) {
            total[r] = t2 - t0;
            alone[r] = t2 - t1;
        }
    }
    /* the memory must be the snapshot again */
    if (memcmp(m.base, m.snap, size) != 0) {
        fprintf(stderr, "restore_strategies: %s left the memory different from the snapshot\n",
                strategy_names[s]);
        goto out;
    }
    printf("restore strategy=%s bytes=%zu read=%zu write=%zu request_reset_us=%.2f "
           "reset_us=%.2f\n",
           strategy_names[s], size, reads, writes, median(total, rounds), median(alone, rounds));
    rc = 0;
out:
    mem_close(&m);
    free(total);
    free(alone);
    return rc;
}

int main(int argc, char **argv)
{
    long rounds = 2000;
    if (argc > 1) {
        char *end;
        rounds = strtol(argv[1], &end, 10);
        if (*end != '\0' || rounds < 1 || rounds > MAX_ROUNDS) {
            fprintf(stderr, "usage: restore_strategies [ROUNDS 1..%ld]\n", MAX_ROUNDS);
            return 2;
        }
    }
    /* (memory, granules read, granules written): the one-page small module; the WAF's 640 KiB
     * with a light and a heavy request; a 4 MiB memory with a light request */
    static const size_t cases[][3] = {
        {65536, 8, 4}, {655360, 40, 8}, {655360, 160, 64}, {4194304, 40, 8}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int s = COPY; s <= MMAP; s++)
            if (measure((enum strategy)s, cases[c][0], cases[c][1], cases[c][2], rounds) != 0)
                return 1;
    return 0;
}
