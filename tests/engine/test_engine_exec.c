/*
 * Execution by the engine core of code shapes that its compiler treats specially: operands read
 * in place from locals and constants, results computed straight into locals, fused
 * compare-and-branch, multi-value returns, br_table and br_if carrying values, block params, and
 * recursion. Fixture: tests/engine/wat/engine_compile.wat.
 */
#include "engine/engine.h"
#include "fixture.h"
#include "test.h"

static void call(eng_instance *inst, const char *name, const eng_slot *args, uint32_t nargs,
                 eng_slot *results, uint32_t nresults)
{
    eng_error err = {0};
    eng_status s = fx_call(inst, name, args, nargs, results, nresults, &err);
    CHECK_MSG(s == ENG_OK, "%s: %s", name, err.message);
}

TEST(test_recursive_fib_keeps_each_frames_constants)
{
    fx f = fx_open("engine_compile", NULL, NULL);
    const uint64_t expect[] = {1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89};
    for (uint64_t n = 0; n <= 10; n++) {
        eng_slot arg = n, r = 0;
        call(f.instance, "fib", &arg, 1, &r, 1);
        CHECK_UINT_EQ(r, expect[n]);
    }
    eng_slot arg = 25, r = 0;
    call(f.instance, "fib", &arg, 1, &r, 1);
    CHECK_UINT_EQ(r, 121393);
    fx_close(&f);
}

TEST(test_multi_value_results_come_back_in_order_when_swapped)
{
    fx f = fx_open("engine_compile", NULL, NULL);
    eng_slot args[3] = {1, 2, 3}, r[3] = {0};
    call(f.instance, "swap", args, 2, r, 2);
    CHECK_UINT_EQ(r[0], 2);
    CHECK_UINT_EQ(r[1], 1);
    call(f.instance, "rotate3", args, 3, r, 3);
    CHECK_UINT_EQ(r[0], 2);
    CHECK_UINT_EQ(r[1], 3);
    CHECK_UINT_EQ(r[2], 1);
    fx_close(&f);
}

TEST(test_local_read_before_a_write_keeps_the_old_value)
{
    fx f = fx_open("engine_compile", NULL, NULL);
    eng_slot arg = 250, r = 0;
    call(f.instance, "stale_read", &arg, 1, &r, 1);
    CHECK_UINT_EQ(r, 150);
    arg = 7;
    call(f.instance, "tee_self", &arg, 1, &r, 1);
    CHECK_UINT_EQ(r, 42); /* 21 teed into the local, plus the local (now 21) */
    fx_close(&f);
}

TEST(test_fused_compare_loops_count_exactly)
{
    fx f = fx_open("engine_compile", NULL, NULL);
    const struct {
        int32_t n;
        uint32_t sum;
    } cases[] = {{0, 0}, {1, 0}, {2, 1}, {10, 45}, {1000, 499500}, {-5, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eng_slot arg = (uint32_t)cases[i].n, r = 99;
        call(f.instance, "sum_below", &arg, 1, &r, 1);
        CHECK_UINT_EQ(r, cases[i].sum);
    }
    fx_close(&f);
}

TEST(test_if_on_fused_compares_takes_the_right_arm)
{
    fx f = fx_open("engine_compile", NULL, NULL);
    eng_slot args[2] = {(uint64_t)-5, 3}, r = 0;
    call(f.instance, "max_s64", args, 2, &r, 1);
    CHECK_UINT_EQ(r, 3);
    args[0] = 1ull << 40;
    call(f.instance, "max_s64", args, 2, &r, 1);
    CHECK_UINT_EQ(r, 1ull << 40);
    eng_slot z = 0;
    call(f.instance, "is_zero", &z, 1, &r, 1);
    CHECK_UINT_EQ(r, 11);
    z = 0x80000000u;
    call(f.instance, "is_zero", &z, 1, &r, 1);
    CHECK_UINT_EQ(r, 22);
    fx_close(&f);
}

TEST(test_br_table_carries_its_value_to_each_target)
{
    fx f = fx_open("engine_compile", NULL, NULL);
    const uint32_t expect[] = {15, 25, 35, 35};
    const uint32_t index[] = {0, 1, 2, 0xffffffffu};
    for (int i = 0; i < 4; i++) {
        eng_slot args[2] = {index[i], 5}, r = 0;
        call(f.instance, "classify", args, 2, &r, 1);
        CHECK_UINT_EQ(r, expect[i]);
    }
    fx_close(&f);
}

TEST(test_br_if_value_leaves_the_block_only_when_taken)
{
    fx f = fx_open("engine_compile", NULL, NULL);
    eng_slot c = 1, r = 0;
    call(f.instance, "br_if_value", &c, 1, &r, 1);
    CHECK_UINT_EQ(r, 7);
    c = 0;
    call(f.instance, "br_if_value", &c, 1, &r, 1);
    CHECK_UINT_EQ(r, 9);
    fx_close(&f);
}

TEST(test_block_params_and_typed_select)
{
    fx f = fx_open("engine_compile", NULL, NULL);
    eng_slot args[3] = {50, 8, 0}, r = 0;
    call(f.instance, "block_params", args, 2, &r, 1);
    CHECK_UINT_EQ(r, 42);
    args[0] = 0x1111111111ull;
    args[1] = 0x2222222222ull;
    call(f.instance, "select_i64", args, 3, &r, 1);
    CHECK_UINT_EQ(r, 0x2222222222ull);
    args[2] = 1;
    call(f.instance, "select_i64", args, 3, &r, 1);
    CHECK_UINT_EQ(r, 0x1111111111ull);
    fx_close(&f);
}

TEST(test_fused_address_arithmetic_wraps_like_i32_add)
{
    fx f = fx_open("engine_compile", NULL, NULL);
    eng_slot a = 0, r = 0;
    call(f.instance, "load_add_k", &a, 1, &r, 1);
    CHECK_UINT_EQ(r, 7);
    a = 0xfffffffcu; /* + 4 wraps to address 0 */
    call(f.instance, "load_add_k", &a, 1, &r, 1);
    CHECK_UINT_EQ(r, 42);
    eng_slot xy[2] = {0xfffffff0u, 0x14}; /* wraps to 4 */
    call(f.instance, "load_add_x", xy, 2, &r, 1);
    CHECK_UINT_EQ(r, 7);
    /* the memarg offset is added without wrapping: the same address traps */
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(f.instance, "load_offset", &a, 1, &r, 1, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_MEMORY_OOB);
    a = 65532; /* the last word: + 4 is one past the end */
    CHECK_INT_EQ(fx_call(f.instance, "load_add_k", &a, 1, &r, 1, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_MEMORY_OOB);
    fx_close(&f);
}
