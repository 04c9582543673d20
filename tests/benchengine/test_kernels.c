/*
 * The engine benchmark's kernels compute the same checksums in our engine as natively. Every
 * kernel of bench/engine is compiled twice from one source: into this binary (native_kernels.c)
 * and to a wasm32-wasi module by mk/bench.mk. A benchmark that compares times is only meaningful
 * when both sides did the same work, so each module's run(iterations) must return exactly the
 * native checksum. Iteration counts are small: this checks correctness, never speed.
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#include "engine/engine.h"
#include "native_kernels.h"

typedef int64_t (*native_fn)(int32_t iterations);

typedef struct {
    const char *name;
    native_fn native;
    int32_t iterations; /* a few milliseconds of work in the engine under the sanitizers */
} kernel_case;

static const kernel_case kernels[] = {
    {"hash", native_hash_run, 3},
    {"matmul", native_matmul_run, 2},
    {"recurse", native_recurse_run, 40},
    {"scan", native_scan_run, 2},
    {"sort", native_sort_run, 2},
    {"tokenize", native_tokenize_run, 3},
    {"vm", native_vm_run, 2},
};
#define KERNEL_COUNT (sizeof kernels / sizeof kernels[0])

/* A compiled kernel module and one instance of it, with the index of its run export. */
typedef struct {
    eng_module *module;
    eng_instance *instance;
    int32_t run;
} loaded;

static loaded load(const char *name)
{
    char rel[128];
    snprintf(rel, sizeof rel, "bench/engine/wasm/%s.wasm", name);
    size_t len;
    uint8_t *bytes = test_read_file(test_build_path(rel), &len);
    eng_error err = {0};
    loaded l = {0};
    l.module = eng_module_new(bytes, len, &err);
    free(bytes);
    CHECK_MSG(l.module != NULL, "%s: %s", rel, err.message);
    eng_limits limits = eng_limits_default();
    l.instance = eng_instance_new(l.module, NULL, &limits, &err);
    CHECK_MSG(l.instance != NULL, "%s: %s", rel, err.message);
    eng_extern_info info;
    l.run = eng_instance_find_func(l.instance, "run", &info);
    CHECK_MSG(l.run >= 0, "%s exports no function run", rel);
    CHECK_UINT_EQ(info.param_count, 1);
    CHECK_UINT_EQ(info.params[0], ENG_I32);
    CHECK_UINT_EQ(info.result_count, 1);
    CHECK_UINT_EQ(info.results[0], ENG_I64);
    return l;
}

static void unload(loaded *l)
{
    eng_instance_free(l->instance);
    eng_module_free(l->module);
}

/* Calls run(iterations); fails the test with the engine's message on any error. */
static int64_t call_run(loaded *l, int32_t iterations)
{
    eng_slot arg = (uint32_t)iterations, result = 0;
    eng_error err = {0};
    eng_status st = eng_call(l->instance, l->run, &arg, 1, &result, 1, &err);
    CHECK_MSG(st == ENG_OK, "run(%d): %s: %s", (int)iterations, eng_status_name(st), err.message);
    return (int64_t)result;
}

static const kernel_case *find_kernel(const char *name)
{
    for (size_t i = 0; i < KERNEL_COUNT; i++)
        if (strcmp(kernels[i].name, name) == 0)
            return &kernels[i];
    test_fail(__FILE__, __LINE__, "no kernel %s", name);
}

/* The engine's checksum equals the native one, and a second call on the same instance (as the
 * benchmark makes) gives it again: kernels regenerate their input on every call. */
static void check_kernel_matches_native(const char *name)
{
    const kernel_case *k = find_kernel(name);
    int64_t expected = k->native(k->iterations);
    loaded l = load(name);
    CHECK_INT_EQ(call_run(&l, k->iterations), expected);
    CHECK_INT_EQ(call_run(&l, k->iterations), expected);
    CHECK_INT_EQ(call_run(&l, 1), k->native(1));
    unload(&l);
}

TEST(test_hash_kernel_matches_native_checksum)
{
    check_kernel_matches_native("hash");
}

TEST(test_matmul_kernel_matches_native_checksum_bit_for_bit)
{
    check_kernel_matches_native("matmul");
}

TEST(test_recurse_kernel_matches_native_checksum)
{
    check_kernel_matches_native("recurse");
}

TEST(test_scan_kernel_matches_native_checksum)
{
    check_kernel_matches_native("scan");
}

TEST(test_sort_kernel_matches_native_checksum)
{
    check_kernel_matches_native("sort");
}

TEST(test_tokenize_kernel_matches_native_checksum)
{
    check_kernel_matches_native("tokenize");
}

TEST(test_vm_kernel_matches_native_checksum)
{
    check_kernel_matches_native("vm");
}

/* The checksum reflects the work done: a kernel that ignored its iteration count (or whose
 * loop a compiler could drop) would give the same answer for different counts. */
TEST(test_kernel_checksums_change_with_iteration_count)
{
    for (size_t i = 0; i < KERNEL_COUNT; i++) {
        int64_t one = kernels[i].native(1), two = kernels[i].native(2);
        CHECK_MSG(one != two, "%s: run(1) == run(2) == %lld", kernels[i].name, (long long)one);
        CHECK_MSG(kernels[i].native(0) != one, "%s: run(0) == run(1)", kernels[i].name);
    }
}

/* Kernels import nothing, so V8 and our engine run them with no host functions at all. */
TEST(test_kernel_modules_import_nothing_and_export_run)
{
    for (size_t i = 0; i < KERNEL_COUNT; i++) {
        loaded l = load(kernels[i].name);
        CHECK_MSG(eng_module_import_count(l.module) == 0, "%s imports %u things", kernels[i].name,
                  eng_module_import_count(l.module));
        unload(&l);
    }
}

/* Failure case: a kernel stopped by fuel traps with the fuel kind, and the same instance then
 * computes the right checksum when given enough, so a failed benchmark run is never mistaken
 * for a result. */
TEST(test_kernel_out_of_fuel_traps_and_instance_recovers)
{
    loaded l = load("sort");
    eng_instance_set_fuel(l.instance, 10000);
    eng_slot arg = 1, result = 0;
    eng_error err = {0};
    CHECK_INT_EQ(eng_call(l.instance, l.run, &arg, 1, &result, 1, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_OUT_OF_FUEL);
    eng_instance_set_fuel(l.instance, 0);
    CHECK_INT_EQ(call_run(&l, 1), native_sort_run(1));
    unload(&l);
}

/* The instantiation benchmark's small module: one page of memory, state that every call changes,
 * and a restore that undoes the change exactly (the check run_engine makes before timing it). */
TEST(test_small_module_restore_returns_to_snapshot_state)
{
    loaded l = load("small_module");
    CHECK_UINT_EQ(eng_instance_memory_size(l.instance), 65536);
    eng_error err = {0};
    CHECK_INT_EQ(eng_instance_snapshot(l.instance, &err), ENG_OK);
    int64_t first = native_small_module_run(1);
    int64_t second = native_small_module_run(1);
    CHECK(first != second);
    CHECK_INT_EQ(call_run(&l, 1), first);
    CHECK_INT_EQ(call_run(&l, 1), second);
    CHECK_INT_EQ(eng_instance_restore(l.instance, &err), ENG_OK);
    CHECK_INT_EQ(call_run(&l, 1), first);
    unload(&l);
}
