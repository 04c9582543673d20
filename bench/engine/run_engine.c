/*
 * Engine driver of the engine benchmark: runs a kernel .wasm in our engine through its public API
 * only (src/engine/engine.h), the way the node does: compile once, instantiate, call the export.
 * It prints the line format every runner of bench/engine shares, which run.sh reads:
 *   compile runner=engine ms=MILLISECONDS
 *   result runner=engine rep=N ms=MILLISECONDS checksum=CHECKSUM
 *   instantiate runner=engine what=new|free|snapshot|restore count=N median_us=MICROSECONDS
 *   check runner=engine checksum=CHECKSUM
 * Usage: run_engine run KERNEL.wasm ITERATIONS REPS
 *        run_engine instantiate MODULE.wasm COUNT
 * The instantiation mode times eng_instance_new and eng_instance_free of fresh instances, the
 * first eng_instance_snapshot of fresh instances, and eng_instance_restore of a used instance
 * back to its snapshot, checking that restored instances answer like a pristine one. Any engine
 * error ends the program with the engine's message.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"

#define DRIVER_MAX_REPS 1000L
#define DRIVER_MAX_ITERATIONS 1000000000L
#define DRIVER_MAX_INSTANTIATIONS 1000000L
/* Kernels are small; anything larger is not a kernel of ours. */
#define DRIVER_MAX_MODULE_BYTES (64L * 1024 * 1024)

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int parse_count(const char *text, long max, const char *what, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < 1 || v > max) {
        fprintf(stderr, "run_engine: %s must be an integer in 1..%ld, not '%s'\n", what, max, text);
        return -1;
    }
    *out = v;
    return 0;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "run_engine: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || size > DRIVER_MAX_MODULE_BYTES || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "run_engine: %s: not a readable file of at most %ld bytes\n", path,
                DRIVER_MAX_MODULE_BYTES);
    } else if ((buf = malloc((size_t)size + 1)) == NULL) {
        fprintf(stderr, "run_engine: %s: out of memory\n", path);
    } else if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "run_engine: %s: short read\n", path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)(size < 0 ? 0 : size);
    return buf;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, size_t n)
{
    qsort(values, n, sizeof *values, compare_double);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static void report(const char *what, const eng_error *err)
{
    fprintf(stderr, "run_engine: %s: %s", what, eng_status_name(err->status));
    if (err->status == ENG_ERR_TRAP)
        fprintf(stderr, " (%s)", eng_trap_name(err->trap));
    fprintf(stderr, ": %s\n", err->message);
}

/* Everything a run needs; freed by driver_close whatever was set up. */
typedef struct {
    eng_module *module;
    eng_imports *imports;
    eng_limits limits;
    int32_t run_index;
} driver;

static void driver_close(driver *d)
{
    if (d->imports != NULL)
        eng_imports_free(d->imports);
    if (d->module != NULL)
        eng_module_free(d->module);
}

/* Compiles the module, prepares the WASI imports and reports the compile time. */
static int driver_open(driver *d, const char *path)
{
    memset(d, 0, sizeof *d);
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (bytes == NULL)
        return -1;
    eng_error err = {0};
    double start = now_us();
    d->module = eng_module_new(bytes, len, &err);
    double elapsed = now_us() - start;
    free(bytes);
    if (d->module == NULL) {
        report(path, &err);
        return -1;
    }
    printf("compile runner=engine ms=%.3f\n", elapsed / 1e3);
    d->imports = eng_imports_new();
    if (d->imports == NULL || eng_imports_add_wasi(d->imports, NULL, NULL) != ENG_OK) {
        fprintf(stderr, "run_engine: cannot set up the WASI imports\n");
        return -1;
    }
    d->limits = eng_limits_default();
    return 0;
}

static eng_instance *driver_instance(driver *d, const char *path)
{
    eng_error err = {0};
    eng_instance *inst = eng_instance_new(d->module, d->imports, &d->limits, &err);
    if (inst == NULL) {
        report(path, &err);
        return NULL;
    }
    eng_extern_info info;
    d->run_index = eng_instance_find_func(inst, "run", &info);
    if (d->run_index < 0 || info.param_count != 1 || info.params[0] != ENG_I32 ||
        info.result_count != 1 || info.results[0] != ENG_I64) {
        fprintf(stderr, "run_engine: %s: no exported function run of type (i32) -> i64\n", path);
        eng_instance_free(inst);
        return NULL;
    }
    return inst;
}

static int driver_call(driver *d, eng_instance *inst, long iterations, int64_t *checksum)
{
    eng_slot arg = (uint32_t)(int32_t)iterations, result = 0;
    eng_error err = {0};
    if (eng_call(inst, d->run_index, &arg, 1, &result, 1, &err) != ENG_OK) {
        report("run", &err);
        return -1;
    }
    *checksum = (int64_t)result;
    return 0;
}

static int bench_run(const char *path, long iterations, long reps)
{
    driver d = {0};
    int rc = -1;
    eng_instance *inst = NULL;
    if (driver_open(&d, path) != 0 || (inst = driver_instance(&d, path)) == NULL)
        goto out;
    for (long rep = 0; rep < reps; rep++) {
        int64_t checksum;
        double start = now_us();
        if (driver_call(&d, inst, iterations, &checksum) != 0)
            goto out;
        double elapsed = now_us() - start;
        printf("result runner=engine rep=%ld ms=%.3f checksum=%" PRId64 "\n", rep, elapsed / 1e3,
               checksum);
        fflush(stdout);
    }
    rc = 0;
out:
    if (inst != NULL)
        eng_instance_free(inst);
    driver_close(&d);
    return rc;
}

/* Times count fresh instances: eng_instance_new into new_us, eng_instance_free into free_us.
 * The first instance's answer to run(1) goes to *pristine, the reference for the other checks. */
static int time_new_free(driver *d, const char *path, long count, double *new_us, double *free_us,
                         int64_t *pristine)
{
    for (long i = 0; i < count; i++) {
        double start = now_us();
        eng_instance *inst = driver_instance(d, path);
        double made = now_us();
        if (inst == NULL)
            return -1;
        new_us[i] = made - start;
        if (i == 0 && driver_call(d, inst, 1, pristine) != 0) {
            eng_instance_free(inst);
            return -1;
        }
        start = now_us();
        eng_instance_free(inst);
        free_us[i] = now_us() - start;
    }
    return 0;
}

/* Times the first snapshot of count fresh instances (what a worker pays once per instance). */
static int time_snapshot(driver *d, const char *path, long count, double *snapshot_us)
{
    for (long i = 0; i < count; i++) {
        eng_instance *inst = driver_instance(d, path);
        if (inst == NULL)
            return -1;
        eng_error err = {0};
        double start = now_us();
        eng_status st = eng_instance_snapshot(inst, &err);
        snapshot_us[i] = now_us() - start;
        eng_instance_free(inst);
        if (st != ENG_OK) {
            report("snapshot", &err);
            return -1;
        }
    }
    return 0;
}

/* Times count restores of one instance, each after a call that changed its state (as after a
 * request); every call must answer like a pristine instance, which proves the restore complete. */
static int time_restore(driver *d, const char *path, long count, double *restore_us,
                        int64_t pristine)
{
    eng_instance *inst = driver_instance(d, path);
    if (inst == NULL)
        return -1;
    eng_error err = {0};
    int rc = -1;
    if (eng_instance_snapshot(inst, &err) != ENG_OK) {
        report("snapshot", &err);
        goto out;
    }
    for (long i = 0; i < count; i++) {
        int64_t checksum;
        if (driver_call(d, inst, 1, &checksum) != 0)
            goto out;
        if (checksum != pristine) {
            fprintf(stderr,
                    "run_engine: restored instance answered %" PRId64 ", a fresh one %" PRId64 "\n",
                    checksum, pristine);
            goto out;
        }
        double start = now_us();
        if (eng_instance_restore(inst, &err) != ENG_OK) {
            report("restore", &err);
            goto out;
        }
        restore_us[i] = now_us() - start;
    }
    rc = 0;
out:
    eng_instance_free(inst);
    return rc;
}

static int bench_instantiate(const char *path, long count)
{
    driver d = {0};
    int rc = -1;
    int64_t pristine = 0;
    double *new_us = malloc(sizeof(double) * (size_t)count);
    double *free_us = malloc(sizeof(double) * (size_t)count);
    double *snapshot_us = malloc(sizeof(double) * (size_t)count);
    double *restore_us = malloc(sizeof(double) * (size_t)count);
    if (new_us == NULL || free_us == NULL || snapshot_us == NULL || restore_us == NULL) {
        fprintf(stderr, "run_engine: out of memory\n");
        goto out;
    }
    if (driver_open(&d, path) != 0 ||
        time_new_free(&d, path, count, new_us, free_us, &pristine) != 0 ||
        time_snapshot(&d, path, count, snapshot_us) != 0 ||
        time_restore(&d, path, count, restore_us, pristine) != 0)
        goto out;
    const struct {
        const char *what;
        double *us;
    } figures[] = {
        {"new", new_us}, {"free", free_us}, {"snapshot", snapshot_us}, {"restore", restore_us}};
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
        printf("instantiate runner=engine what=%s count=%ld median_us=%.2f\n", figures[i].what,
               count, median(figures[i].us, (size_t)count));
    printf("check runner=engine checksum=%" PRId64 "\n", pristine);
    rc = 0;
out:
    driver_close(&d);
    free(new_us);
    free(free_us);
    free(snapshot_us);
    free(restore_us);
    return rc;
}

int main(int argc, char **argv)
{
    long a, b;
    if (argc == 5 && strcmp(argv[1], "run") == 0) {
        if (parse_count(argv[3], DRIVER_MAX_ITERATIONS, "ITERATIONS", &a) != 0 ||
            parse_count(argv[4], DRIVER_MAX_REPS, "REPS", &b) != 0)
            return 2;
        return bench_run(argv[2], a, b) == 0 ? 0 : 1;
    }
    if (argc == 4 && strcmp(argv[1], "instantiate") == 0) {
        if (parse_count(argv[3], DRIVER_MAX_INSTANTIATIONS, "COUNT", &a) != 0)
            return 2;
        return bench_instantiate(argv[2], a) == 0 ? 0 : 1;
    }
    fprintf(stderr, "usage: run_engine run KERNEL.wasm ITERATIONS REPS\n"
                    "       run_engine instantiate MODULE.wasm COUNT\n");
    return 2;
}
