/*
 * The engine core's runtime services: linking instances (shared memory, mutable global, table,
 * functions), snapshots, fuel accounting, interrupts from another thread, re-entrancy refusal,
 * limits and module introspection. Fixtures: engine_link*.wat, engine_state.wat, spin.wat.
 */
#include "engine/engine.h"
#include "fixture.h"
#include "test.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

static eng_trap no_op(eng_caller *caller, const eng_slot *args, eng_slot *results, void *data)
{
    (void)caller, (void)args, (void)results, (void)data;
    return ENG_TRAP_NONE;
}

/* Tries to call the instance that is calling us; records what eng_call answered. */
static eng_trap reenter(eng_caller *caller, const eng_slot *args, eng_slot *results, void *data)
{
    (void)args, (void)results;
    eng_instance *inst = eng_caller_instance(caller);
    eng_error err = {0};
    int32_t fi = eng_instance_find_func(inst, "pages", NULL);
    eng_slot r = 0;
    *(eng_status *)data = eng_call(inst, fi, NULL, 0, &r, 1, &err);
    return ENG_TRAP_NONE;
}

static eng_imports *state_imports(eng_host_fn fn, void *data)
{
    eng_imports *imps = eng_imports_new();
    CHECK(imps != NULL);
    CHECK_INT_EQ(eng_imports_add_func(imps, "env", "reenter", "()", fn, data), ENG_OK);
    return imps;
}

static uint32_t call0(eng_instance *inst, const char *name)
{
    return fx_call_i32(inst, name, NULL, 0);
}

TEST(test_linked_instances_share_memory_global_table_and_functions)
{
    fx lib = fx_open("engine_link", NULL, NULL);
    eng_imports *imps = eng_imports_new();
    CHECK_INT_EQ(eng_imports_add_instance(imps, "lib", lib.instance), ENG_OK);
    fx user = fx_open("engine_link_user", NULL, imps);
    eng_slot args[2] = {64, 0xabcdef};
    CHECK_UINT_EQ(fx_call_i32(user.instance, "roundtrip", args, 2), 0xabcdef);
    eng_slot addr = 64;
    CHECK_UINT_EQ(fx_call_i32(lib.instance, "load", &addr, 1), 0xabcdef);
    /* the mutable global is one cell seen by both */
    CHECK_UINT_EQ(call0(user.instance, "read_counter"), 5);
    CHECK_UINT_EQ(call0(lib.instance, "bump"), 6);
    CHECK_UINT_EQ(call0(user.instance, "read_counter"), 6);
    eng_slot v = 40;
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(user.instance, "set_counter", &v, 1, NULL, 0, &err), ENG_OK);
    CHECK_UINT_EQ(call0(lib.instance, "bump"), 41);
    /* the shared table holds the exporter's function at 0 and the importer's at 1 */
    eng_slot slot = 0;
    CHECK_UINT_EQ(fx_call_i32(user.instance, "call_slot", &slot, 1), 7);
    slot = 1;
    CHECK_UINT_EQ(fx_call_i32(user.instance, "call_slot", &slot, 1), 8);
    slot = 2;
    eng_slot r;
    CHECK_INT_EQ(fx_call(user.instance, "call_slot", &slot, 1, &r, 1, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_UNINITIALIZED_ELEMENT);
    CHECK_STR_EQ(eng_trap_name(err.trap), "uninitialized element");
    fx_close(&user);
    eng_imports_free(imps);
    fx_close(&lib);
}

TEST(test_import_of_wrong_type_or_missing_name_is_unlinkable)
{
    fx lib = fx_open("engine_link", NULL, NULL);
    eng_imports *imps = eng_imports_new();
    /* "lib" provides host functions only: the memory import is unknown */
    CHECK_INT_EQ(eng_imports_add_func(imps, "lib", "store", "(ii)", no_op, NULL), ENG_OK);
    eng_module *m = fx_module("engine_link_user");
    eng_error err = {0};
    CHECK(eng_instance_new(m, imps, NULL, &err) == NULL);
    CHECK_INT_EQ(err.status, ENG_ERR_UNLINKABLE);
    CHECK_STR_EQ(err.message, "unknown import \"lib\".\"mem\" (memory)");
    eng_imports_free(imps);
    /* the instance under another name exports "mem" as memory, but "load" has another type */
    imps = eng_imports_new();
    CHECK_INT_EQ(eng_imports_add_instance(imps, "lib", lib.instance), ENG_OK);
    CHECK_INT_EQ(eng_imports_add_func(imps, "lib", "load", "(I)i", no_op, NULL), ENG_OK);
    CHECK(eng_instance_new(m, imps, NULL, &err) == NULL);
    CHECK_INT_EQ(err.status, ENG_ERR_UNLINKABLE);
    CHECK_STR_HAS(err.message, "incompatible import type for \"lib\".\"load\"");
    eng_imports_free(imps);
    eng_module_free(m);
    fx_close(&lib);
}

TEST(test_restore_brings_back_memory_globals_tables_and_segments)
{
    eng_status reentry = ENG_OK;
    eng_imports *imps = state_imports(reenter, &reentry);
    fx f = fx_open("engine_state", NULL, imps);
    eng_error err = {0};
    CHECK_INT_EQ(eng_instance_snapshot(f.instance, &err), ENG_OK);
    CHECK_UINT_EQ(call0(f.instance, "dirty"), 1); /* memory.grow returned the old size */
    eng_slot at = 16;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "word", &at, 1), 0xdeadbeef);
    CHECK_UINT_EQ(call0(f.instance, "global"), 99);
    CHECK_UINT_EQ(call0(f.instance, "slot_is_null"), 0);
    CHECK_UINT_EQ(call0(f.instance, "pages"), 3);
    CHECK_INT_EQ(fx_call(f.instance, "init", NULL, 0, NULL, 0, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_MEMORY_OOB);
    for (int round = 0; round < 3; round++) {
        CHECK_INT_EQ(eng_instance_restore(f.instance, &err), ENG_OK);
        CHECK_UINT_EQ(fx_call_i32(f.instance, "word", &at, 1), 0);
        CHECK_UINT_EQ(call0(f.instance, "global"), 1);
        CHECK_UINT_EQ(call0(f.instance, "slot_is_null"), 1);
        CHECK_UINT_EQ(call0(f.instance, "pages"), 1);
        CHECK_UINT_EQ(eng_instance_memory_size(f.instance), 65536);
        CHECK_INT_EQ(fx_call(f.instance, "init", NULL, 0, NULL, 0, &err), ENG_OK);
        uint8_t *p = eng_instance_memory(f.instance, 100, 5);
        CHECK(p != NULL && memcmp(p, "hello", 5) == 0);
        CHECK_UINT_EQ(call0(f.instance, "dirty"), 1);
    }
    /* memory past the restored size reads as zero once grown again */
    CHECK_INT_EQ(eng_instance_restore(f.instance, &err), ENG_OK);
    CHECK(eng_instance_memory(f.instance, 65536, 1) == NULL);
    fx_close(&f);
    eng_imports_free(imps);
}

TEST(test_restore_without_snapshot_is_an_argument_error)
{
    eng_imports *imps = state_imports(no_op, NULL);
    fx f = fx_open("engine_state", NULL, imps);
    eng_error err = {0};
    CHECK_INT_EQ(eng_instance_restore(f.instance, &err), ENG_ERR_ARG);
    CHECK_STR_EQ(err.message, "no snapshot to restore");
    fx_close(&f);
    eng_imports_free(imps);
}

TEST(test_host_reentering_its_caller_fails_cleanly)
{
    eng_status reentry = ENG_OK;
    eng_imports *imps = state_imports(reenter, &reentry);
    fx f = fx_open("engine_state", NULL, imps);
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(f.instance, "call_host", NULL, 0, NULL, 0, &err), ENG_OK);
    CHECK_INT_EQ(reentry, ENG_ERR_ARG);
    /* and the instance still works afterwards */
    CHECK_UINT_EQ(call0(f.instance, "pages"), 1);
    fx_close(&f);
    eng_imports_free(imps);
}

static void *interrupt_later(void *arg)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    eng_instance_interrupt(arg);
    return NULL;
}

TEST(test_interrupt_from_another_thread_stops_an_endless_loop)
{
    eng_imports *imps = state_imports(no_op, NULL);
    fx f = fx_open("engine_state", NULL, imps);
    pthread_t t;
    CHECK_INT_EQ(pthread_create(&t, NULL, interrupt_later, f.instance), 0);
    eng_error err = {0};
    uint64_t start = fx_now_us();
    CHECK_INT_EQ(fx_call(f.instance, "forever", NULL, 0, NULL, 0, &err), ENG_ERR_TRAP);
    uint64_t took = fx_now_us() - start;
    pthread_join(t, NULL);
    CHECK_INT_EQ(err.trap, ENG_TRAP_INTERRUPTED);
    CHECK_STR_EQ(err.message, "interrupted");
    CHECK_MSG(took < 5000000, "interrupt took %llu us", (unsigned long long)took);
    /* the request is consumed: the next call runs normally */
    CHECK_UINT_EQ(call0(f.instance, "pages"), 1);
    fx_close(&f);
    eng_imports_free(imps);
}

TEST(test_fuel_runs_out_at_the_same_point_every_time)
{
    fx f = fx_open("spin", NULL, NULL);
    uint64_t used_first = 0;
    for (int run = 0; run < 4; run++) {
        eng_instance_set_fuel(f.instance, 12345);
        eng_error err = {0};
        CHECK_INT_EQ(fx_call(f.instance, "spin", NULL, 0, NULL, 0, &err), ENG_ERR_TRAP);
        CHECK_INT_EQ(err.trap, ENG_TRAP_OUT_OF_FUEL);
        CHECK_UINT_EQ(eng_instance_fuel_used(f.instance), 12345);
        CHECK_UINT_EQ(eng_instance_fuel_remaining(f.instance), 0);
        if (run == 0)
            used_first = eng_instance_fuel_used(f.instance);
        CHECK_UINT_EQ(eng_instance_fuel_used(f.instance), used_first);
    }
    /* "add" is one straight-line run: local.get, local.get, i32.add, end */
    eng_instance_set_fuel(f.instance, 100);
    eng_slot args[2] = {1, 2};
    CHECK_UINT_EQ(fx_call_i32(f.instance, "add", args, 2), 3);
    CHECK_UINT_EQ(eng_instance_fuel_used(f.instance), 4);
    CHECK_UINT_EQ(eng_instance_fuel_remaining(f.instance), 96);
    fx_close(&f);
}

TEST(test_module_introspection_lists_imports_and_exports)
{
    eng_module *m = fx_module("engine_link_user");
    CHECK_UINT_EQ(eng_module_import_count(m), 5);
    eng_extern_info info;
    CHECK(eng_module_import(m, 0, &info));
    CHECK_STR_EQ(info.module, "lib");
    CHECK_STR_EQ(info.name, "mem");
    CHECK_INT_EQ(info.kind, ENG_EXTERN_MEMORY);
    CHECK_UINT_EQ(info.min, 1);
    CHECK(!info.has_max);
    CHECK(eng_module_import(m, 1, &info));
    CHECK_INT_EQ(info.kind, ENG_EXTERN_GLOBAL);
    CHECK_INT_EQ(info.type, ENG_I32);
    CHECK(info.mutable_);
    CHECK(eng_module_import(m, 3, &info));
    CHECK_STR_EQ(info.name, "store");
    CHECK_UINT_EQ(info.param_count, 2);
    CHECK_UINT_EQ(info.result_count, 0);
    CHECK_INT_EQ(info.params[1], ENG_I32);
    CHECK(!eng_module_import(m, 5, &info));
    CHECK_UINT_EQ(eng_module_export_count(m), 4);
    CHECK(eng_module_export(m, 3, &info));
    CHECK_STR_EQ(info.name, "call_slot");
    CHECK(info.module == NULL);
    CHECK_UINT_EQ(info.result_count, 1);
    CHECK_INT_EQ(info.results[0], ENG_I32);
    CHECK(!eng_module_export(m, 4, &info));
    eng_module_free(m);
}

TEST(test_call_with_wrong_arity_is_an_argument_error)
{
    fx f = fx_open("spin", NULL, NULL);
    int32_t add = eng_instance_find_func(f.instance, "add", NULL);
    CHECK(add >= 0);
    eng_slot args[2] = {1, 2}, r;
    eng_error err = {0};
    CHECK_INT_EQ(eng_call(f.instance, add, args, 1, &r, 1, &err), ENG_ERR_ARG);
    CHECK_INT_EQ(eng_call(f.instance, add, args, 2, &r, 0, &err), ENG_ERR_ARG);
    CHECK_INT_EQ(eng_call(f.instance, 999, args, 2, &r, 1, &err), ENG_ERR_ARG);
    CHECK_INT_EQ(eng_instance_find_func(f.instance, "nope", NULL), -1);
    fx_close(&f);
}

TEST(test_memory_limit_caps_growth_and_can_be_lowered)
{
    eng_imports *imps = state_imports(no_op, NULL);
    eng_limits limits = eng_limits_default();
    limits.max_memory_bytes = 2 * 65536;
    fx f = fx_open("engine_state", &limits, imps);
    /* dirty grows by 2 pages: 1 + 2 > 2, so it fails with -1 */
    CHECK_UINT_EQ(call0(f.instance, "dirty"), 0xffffffffu);
    CHECK_UINT_EQ(call0(f.instance, "pages"), 1);
    fx_close(&f);
    limits.max_memory_bytes = 65535; /* less than the one-page minimum */
    eng_module *m = fx_module("engine_state");
    eng_error err = {0};
    CHECK(eng_instance_new(m, imps, &limits, &err) == NULL);
    CHECK_INT_EQ(err.status, ENG_ERR_LIMIT);
    eng_module_free(m);
    eng_imports_free(imps);
}
