/*
 * Hostile guests that go after the host's memory: a memory.grow loop (a memory bomb), a module
 * whose minimum memory is above the limit, tables far above the element limit, and loads and
 * stores at and just past the edges of linear memory. Every case must end with the precise error
 * and leave the host (and the instance) working.
 */
#include "fixture.h"
#include "test.h"

#define PAGE_BYTES 65536u

TEST(test_memory_bomb_is_refused_at_the_limit)
{
    eng_limits limits = eng_limits_default();
    limits.max_memory_bytes = 16u * PAGE_BYTES;
    fx f = fx_open("memory_bomb", &limits, NULL);
    /* the loop ends because memory.grow answered -1 at exactly 16 pages */
    CHECK_UINT_EQ(fx_call_i32(f.instance, "grow_until_refused", NULL, 0), 16);
    CHECK_UINT_EQ(eng_instance_memory_size(f.instance), 16u * PAGE_BYTES);
    /* the pages that were granted are real and usable to their last byte */
    CHECK_UINT_EQ(fx_call_i32(f.instance, "touch_last", NULL, 0), 7);
    eng_slot arg = 1;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "grow", &arg, 1), (uint32_t)-1);
    arg = 0; /* growing by nothing still succeeds and answers the old size */
    CHECK_UINT_EQ(fx_call_i32(f.instance, "grow", &arg, 1), 16);
    fx_close(&f);
}

TEST(test_memory_bomb_stops_at_the_default_64_mib)
{
    fx f = fx_open("memory_bomb", NULL, NULL);
    CHECK_UINT_EQ(fx_call_i32(f.instance, "grow_until_refused", NULL, 0), 1024);
    CHECK_UINT_EQ(eng_instance_memory_size(f.instance), 64ull << 20);
    CHECK_UINT_EQ(fx_call_i32(f.instance, "touch_last", NULL, 0), 7);
    fx_close(&f);
}

TEST(test_memory_grow_by_huge_delta_returns_minus_one)
{
    fx f = fx_open("memory_bomb", NULL, NULL);
    eng_slot arg = 0xffffffffu; /* 2^32 - 1 pages: past any limit and past the 4 GiB space */
    CHECK_UINT_EQ(fx_call_i32(f.instance, "grow", &arg, 1), (uint32_t)-1);
    arg = 65536; /* exactly 4 GiB more */
    CHECK_UINT_EQ(fx_call_i32(f.instance, "grow", &arg, 1), (uint32_t)-1);
    CHECK_UINT_EQ(fx_call_i32(f.instance, "size", NULL, 0), 1);
    fx_close(&f);
}

TEST(test_memory_minimum_above_limit_fails_instantiation)
{
    eng_module *m = fx_module("memory_min_5");
    eng_limits limits = eng_limits_default();
    limits.max_memory_bytes = 4u * PAGE_BYTES;
    eng_error err = {0};
    CHECK(eng_instance_new(m, NULL, &limits, &err) == NULL);
    CHECK_INT_EQ(err.status, ENG_ERR_LIMIT);
    CHECK_STR_HAS(err.message, "memory");
    /* at the limit exactly it is fine */
    limits.max_memory_bytes = 5u * PAGE_BYTES;
    eng_instance *inst = eng_instance_new(m, NULL, &limits, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    CHECK_UINT_EQ(eng_instance_memory_size(inst), 5u * PAGE_BYTES);
    eng_instance_free(inst);
    eng_module_free(m);
}

TEST(test_huge_table_fails_instantiation_with_limit)
{
    eng_module *m = fx_module("huge_table");
    eng_limits limits = eng_limits_default();
    eng_error err = {0};
    CHECK(eng_instance_new(m, NULL, &limits, &err) == NULL);
    CHECK_INT_EQ(err.status, ENG_ERR_LIMIT);
    CHECK_STR_HAS(err.message, "table");
    eng_module_free(m);
}

TEST(test_table_grow_past_limit_returns_minus_one)
{
    eng_limits limits = eng_limits_default();
    limits.max_table_elems = 100;
    fx f = fx_open("table_grow", &limits, NULL);
    eng_slot arg = 99;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "grow", &arg, 1), 1);
    arg = 1;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "grow", &arg, 1), (uint32_t)-1);
    arg = 0x7fffffff;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "grow", &arg, 1), (uint32_t)-1);
    CHECK_UINT_EQ(fx_call_i32(f.instance, "size", NULL, 0), 100);
    fx_close(&f);
}

/* Calls a load export and checks that it traps out of bounds. */
static void check_load_traps(eng_instance *inst, const char *name, uint32_t addr)
{
    eng_slot arg = addr, result = 0;
    eng_error err = {0};
    eng_status st = fx_call(inst, name, &arg, 1, &result, 1, &err);
    CHECK_MSG(st == ENG_ERR_TRAP && err.trap == ENG_TRAP_MEMORY_OOB,
              "%s(%u): expected out of bounds memory access, got %s: %s", name, addr,
              eng_status_name(st), err.message);
}

TEST(test_loads_at_memory_edges)
{
    fx f = fx_open("bounds", NULL, NULL);
    eng_slot args[2] = {65532, 0xa1b2c3d4u};
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(f.instance, "store32", args, 2, NULL, 0, &err), ENG_OK);
    eng_slot addr = 65532;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "load32", &addr, 1), 0xa1b2c3d4u);
    addr = 65535;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "load8", &addr, 1), 0xa1);
    eng_slot wide = 0;
    addr = 65528;
    CHECK_INT_EQ(fx_call(f.instance, "load64", &addr, 1, &wide, 1, &err), ENG_OK);
    CHECK_UINT_EQ(wide, 0xa1b2c3d400000000ull);

    check_load_traps(f.instance, "load32", 65533);
    check_load_traps(f.instance, "load32", 65536);
    check_load_traps(f.instance, "load32", 0xffffffffu);
    check_load_traps(f.instance, "load64", 65529);
    check_load_traps(f.instance, "load8", 65536);
    /* address + static offset overflows 32 bits: must not wrap around to a valid address */
    check_load_traps(f.instance, "load32_far", 4);
    check_load_traps(f.instance, "load32_far", 0);
    fx_close(&f);
}

TEST(test_stores_past_the_edge_trap_and_write_nothing)
{
    fx f = fx_open("bounds", NULL, NULL);
    eng_error err = {0};
    eng_slot args[2] = {65533, 0xffffffffu};
    CHECK_INT_EQ(fx_call(f.instance, "store32", args, 2, NULL, 0, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_MEMORY_OOB);
    /* the bytes that were in bounds were not touched */
    eng_slot addr = 65533;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "load8", &addr, 1), 0);
    eng_slot args64[2] = {65529, 1};
    CHECK_INT_EQ(fx_call(f.instance, "store64", args64, 2, NULL, 0, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_MEMORY_OOB);
    fx_close(&f);
}

TEST(test_bulk_memory_out_of_bounds_traps)
{
    fx f = fx_open("bounds", NULL, NULL);
    eng_error err = {0};
    eng_slot fill[3] = {65000, 0x55, 537}; /* one byte too many */
    CHECK_INT_EQ(fx_call(f.instance, "fill", fill, 3, NULL, 0, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_MEMORY_OOB);
    fill[2] = 536; /* exactly to the end */
    CHECK_INT_EQ(fx_call(f.instance, "fill", fill, 3, NULL, 0, &err), ENG_OK);
    eng_slot addr = 65535;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "load8", &addr, 1), 0x55);
    eng_slot copy[3] = {0, 0xfffffff0u, 0x20}; /* source range wraps past 2^32 */
    CHECK_INT_EQ(fx_call(f.instance, "copy", copy, 3, NULL, 0, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_MEMORY_OOB);
    fx_close(&f);
}
