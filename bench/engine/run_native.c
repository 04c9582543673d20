/*
 * Native driver of the engine benchmark: linked with one kernel object built by gcc -O2, it times
 * run(iterations) REPS times in this process and prints one line per repetition in the format
 * every runner of bench/engine shares, which run.sh reads:
 *   result runner=native rep=N ms=MILLISECONDS checksum=CHECKSUM
 * Usage: run_native ITERATIONS REPS
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernels/kernel.h"

/* Repetitions are bounded so a typo cannot keep the machine busy for hours. */
#define NATIVE_MAX_REPS 1000L
#define NATIVE_MAX_ITERATIONS 1000000000L

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int parse_count(const char *text, long max, const char *what, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < 1 || v > max) {
        fprintf(stderr, "run_native: %s must be an integer in 1..%ld, not '%s'\n", what, max, text);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    long iterations, reps;
    if (argc != 3) {
        fprintf(stderr, "usage: run_native ITERATIONS REPS\n");
        return 2;
    }
    if (parse_count(argv[1], NATIVE_MAX_ITERATIONS, "ITERATIONS", &iterations) != 0 ||
        parse_count(argv[2], NATIVE_MAX_REPS, "REPS", &reps) != 0)
        return 2;
    for (long rep = 0; rep < reps; rep++) {
        double start = now_ms();
        int64_t checksum = run((int32_t)iterations);
        double elapsed = now_ms() - start;
        printf("result runner=native rep=%ld ms=%.3f checksum=%" PRId64 "\n", rep, elapsed,
               checksum);
        fflush(stdout);
    }
    return 0;
}
